/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util.c - checked formatting, hex, log sanitising, user name rules, clocks.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

void
smsotp_errs_add(struct smsotp_errs *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n < SMSOTP_MAX_ERRS) {
		va_start(ap, fmt);
		if (vsnprintf(e->msg[e->n], sizeof(e->msg[e->n]), fmt, ap) < 0)
			e->msg[e->n][0] = '\0';
		va_end(ap);
	}
	e->n++;
}

int
smsotp_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

void
smsotp_say(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	if (n < 0)
		why[0] = '\0';
	else if ((size_t)n >= whysz && whysz >= 4)
		memcpy(why + whysz - 4, "...", 4);
}

void
smsotp_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
smsotp_unhex(const char *in, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = nib(in[2 * i]), lo;
		if (hi < 0)
			return -1;
		lo = nib(in[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' ? 0 : -1;
}

void
smsotp_sanitize(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	size_t i, o = 0;

	if (dstsize == 0)
		return;
	for (i = 0; i < srclen && o + 1 < dstsize; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[o++] = (c >= 0x20 && c < 0x7f && c != '%') ? (char)c : '?';
	}
	dst[o] = '\0';
}

int
smsotp_user_ok(const char *user)
{
	size_t len, i;

	if (user == NULL)
		return 0;
	len = strlen(user);
	if (len == 0 || len > SMSOTP_USER_MAX)
		return 0;
	if (user[0] == '.' || user[0] == '-' || user[0] == ' ' ||
	    user[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)user[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\t')
			return 0;
	}
	return 1;
}

double
smsotp_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t
smsotp_now(void)
{
	return (int64_t)time(NULL);
}

int
smsotp_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
smsotp_dlsym_fn(void *dl, const char *name, void *fp, size_t fpsize)
{
	void *p = dlsym(dl, name);

	if (p == NULL || fpsize != sizeof(p))
		return -1;
	memcpy(fp, &p, fpsize);
	return 0;
}

int
smsotp_loopback_host(const char *h, size_t n)
{
	return (n == 9 && strncmp(h, "127.0.0.1", n) == 0) ||
	    (n == 5 && strncmp(h, "[::1]", n) == 0) ||
	    (n == 9 && strncasecmp(h, "localhost", n) == 0);
}

const char *
smsotp_url_hostport(const char *a, size_t n, size_t *hostlen)
{
	const char *p = a + n, *hend, *q;

	if (n > 0 && *a == '[') {
		hend = memchr(a, ']', n);
		if (hend == NULL)
			return "has a bad IPv6 host";
		hend++;
	} else {
		hend = memchr(a, ':', n);
		if (hend == NULL)
			hend = p;
	}
	if (hend == a || (hend == a + 2 && *a == '['))
		return "has no host";
	if (hend < p) {
		if (*hend != ':' || hend + 1 == p)
			return "has a bad port";
		for (q = hend + 1; q < p; q++)
			if (*q < '0' || *q > '9')
				return "has a bad port";
	}
	*hostlen = (size_t)(hend - a);
	return NULL;
}
