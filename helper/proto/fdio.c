/* SPDX-License-Identifier: BSD-3-Clause */
/* fdio.c - poll, read and fd placement under one monotonic deadline
 * (fdio.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "proto/fdio.h"

void
smsotp_deadline_after(struct timespec *d, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

long
smsotp_ms_left(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(d->tv_sec - now.tv_sec) * 1000 +
	    (d->tv_nsec - now.tv_nsec) / 1000000;
}

int
smsotp_fd_above_stdio(int *fd)
{
	int n;

	if (*fd > STDERR_FILENO)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (n < 0)
		return -1;
	(void)close(*fd);
	*fd = n;
	return 0;
}

int
smsotp_poll_until(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd;
	long left;
	int r;

	for (;;) {
		left = smsotp_ms_left(deadline);
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r > 0)
			return 1;
		/* r == 0: the deadline check above ends it */
	}
}

int
smsotp_read_to_eof(int fd, char *buf, size_t cap, size_t *len,
    const struct timespec *deadline, const char **why)
{
	ssize_t n;
	int r;

	*len = 0;
	for (;;) {
		r = smsotp_poll_until(fd, POLLIN, deadline);
		*why = r == 0 ? "timed out" : "poll failed";
		if (r == 0)
			errno = 0;
		if (r <= 0)
			return -1;
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		*why = "read failed";
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		*why = "reply too long";
		if (*len >= cap) {
			errno = 0;
			return -1;
		}
	}
}
