/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * listen.h - where the resident service's connections come from: the
 * socket systemd passes (smsotp-helper.socket), or one it binds itself.
 */
#ifndef SMSOTP_LISTEN_H
#define SMSOTP_LISTEN_H

#include <stddef.h>

/*
 * The socket systemd passed: *fd 3 when LISTEN_PID is this process and
 * LISTEN_FDS is 1, else -1 (none passed). Call before the environment is
 * cleared. 0, or -1 with why (a number of sockets other than one).
 */
int smsotp_listen_inherited(int *fd, char *why, size_t whysz);

/* 0 when fd is a listening AF_UNIX stream socket, else -1 with why. */
int smsotp_listen_check(int fd, char *why, size_t whysz);

/*
 * Bind and listen on path (a socket an earlier run left there is
 * replaced; anything else is not), mode 0666: every local user may
 * connect, SO_PEERCRED says who. 0 with *fd, or -1 with why.
 */
int smsotp_listen_bind(const char *path, int backlog, int *fd, char *why,
    size_t whysz);

#endif
