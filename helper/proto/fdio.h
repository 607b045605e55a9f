/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fdio.h - descriptor I/O under one deadline, shared by both sides: the
 * module's pipe to the helper and socket to the service (run_helper.c,
 * socket_client.c) and the helper's reading of a request
 * (server/read_request.c). Deadlines are
 * CLOCK_MONOTONIC: a clock step cannot stretch or cut them.
 */
#ifndef SMSOTP_FDIO_H
#define SMSOTP_FDIO_H

#include <stddef.h>
#include <time.h>

/* *d = now + ms. */
void smsotp_deadline_after(struct timespec *d, long ms)
    __attribute__((nonnull));

/* Milliseconds left until d; 0 or less once it has passed. */
long smsotp_ms_left(const struct timespec *d) __attribute__((nonnull));

/*
 * Move *fd above stdio (a host may run with 0-2 closed, and a reply read
 * from "stdin" or a request written to "stderr" would go astray). The new
 * descriptor is close-on-exec. 0, or -1 (errno set; *fd unchanged).
 */
int smsotp_fd_above_stdio(int *fd) __attribute__((warn_unused_result, nonnull));

/*
 * Wait until fd has one of events (POLLIN, POLLOUT), or the deadline.
 * 1 ready (also on POLLHUP or POLLERR: the next read or write says),
 * 0 the deadline passed, -1 poll failed. EINTR is retried.
 */
int smsotp_poll_until(int fd, short events, const struct timespec *deadline)
    __attribute__((warn_unused_result, nonnull));

/*
 * Read fd (non-blocking or not) until EOF into buf[0..cap), at most
 * cap - 1 bytes: a reply that fills buf is too long. 0 and *len at EOF,
 * or -1 with *why set to a static reason (timed out, poll failed, read
 * failed, reply too long) and errno set, 0 for the two that are no system
 * error; *len is what was read either way, for the caller to wipe.
 */
int smsotp_read_to_eof(int fd, char *buf, size_t cap, size_t *len,
    const struct timespec *deadline, const char **why)
    __attribute__((warn_unused_result, nonnull));

#endif
