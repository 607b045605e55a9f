/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * read_request.c - read one request from a transport's fd by a deadline
 * (transport.h): the pipe's ends at EOF, the socket's at its blank line.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "proto/fdio.h"
#include "server/transport.h"

/* The blank line that ends a socket request: buf ends with "\n\n". */
static int
ends_blank(const char *buf, size_t len)
{
	return len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n';
}

/* The smsotp_mono() time t as a CLOCK_MONOTONIC deadline. */
static void
to_timespec(double t, struct timespec *d)
{
	double left = t - smsotp_mono();

	smsotp_deadline_after(d, left > 0 ? (long)(left * 1000) + 1 : 0);
}

int
smsotp_read_request(int fd, char *buf, size_t cap, size_t *len,
    double deadline, int blank_ends)
{
	struct timespec d;
	ssize_t n;

	*len = 0;
	to_timespec(deadline, &d);
	for (;;) {
		if (smsotp_poll_until(fd, POLLIN, &d) != 1)
			return -1;	/* late, or poll failed */
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return *len > 0 || !blank_ends ? 0 : -1;
		*len += (size_t)n;
		if (*len == cap)
			return -1;	/* too long */
		/* SECURITY: nothing may follow the blank line */
		if (blank_ends && memmem(buf, *len, "\n\n", 2) != NULL) {
			if (!ends_blank(buf, *len))
				return -1;
			(*len)--;	/* the request's lines, without it */
			return 0;
		}
	}
}
