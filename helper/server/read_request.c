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
#include "server/transport.h"

/* The blank line that ends a socket request: buf ends with "\n\n". */
static int
ends_blank(const char *buf, size_t len)
{
	return len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n';
}

int
smsotp_read_request(int fd, char *buf, size_t cap, size_t *len,
    double deadline, int blank_ends)
{
	struct pollfd pfd;
	double left;
	ssize_t n;
	int r;

	*len = 0;
	for (;;) {
		left = deadline - smsotp_mono();
		if (left <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;	/* the deadline is checked above */
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
