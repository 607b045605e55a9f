/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util.h - small checked string and error helpers shared by the helper,
 * smsotpctl and their tests.
 */
#ifndef SMSOTP_UTIL_H
#define SMSOTP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SMSOTP_ATTR_FMT(a, b) __attribute__((format(printf, a, b)))
#define SMSOTP_WUR __attribute__((warn_unused_result))

/* Longest user name accepted anywhere (LOGIN_NAME_MAX on Linux). */
#define SMSOTP_USER_MAX 255

/* A list of errors, each one line ("FILE:LINE: text"), for check-config. */
#define SMSOTP_MAX_ERRS 32
struct smsotp_errs {
	int n;			/* errors recorded (may exceed the array) */
	char msg[SMSOTP_MAX_ERRS][320];
};
void smsotp_errs_add(struct smsotp_errs *e, const char *fmt, ...)
    SMSOTP_ATTR_FMT(2, 3);

/*
 * snprintf that refuses to truncate: returns 0, or -1 when the output did
 * not fit (buf then holds an empty string). Callers building paths, URLs,
 * protocol lines or texts must check the result; for human-readable error
 * messages an empty result is acceptable and the result may be ignored
 * with (void).
 */
int smsotp_fmt(char *buf, size_t size, const char *fmt, ...)
    SMSOTP_ATTR_FMT(3, 4);

/*
 * An error message for the caller's why buffer (NULL or 0: nothing): a
 * message too long for it is cut and ends in "...".
 */
void smsotp_say(char *why, size_t whysz, const char *fmt, ...)
    SMSOTP_ATTR_FMT(3, 4);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void smsotp_hex(const unsigned char *in, size_t n, char *out);
/* Parse exactly 2n hex digits into out. 0, or -1 on bad input. */
int smsotp_unhex(const char *in, unsigned char *out, size_t n) SMSOTP_WUR;

/*
 * Copy untrusted text for a log line: printable ASCII kept, anything else
 * (control bytes, non-ASCII, '%') becomes '?', at most dstsize-1 bytes.
 */
void smsotp_sanitize(char *dst, size_t dstsize, const char *src, size_t srclen);

/*
 * SECURITY: a user name that may be looked up, logged and hashed. Refuses
 * empty, longer than SMSOTP_USER_MAX, control bytes, '/', leading '.',
 * '-' or white space, trailing white space. Returns 1 when acceptable.
 */
int smsotp_user_ok(const char *user);

/*
 * write(2) all of buf, retrying on EINTR and short writes. 0, or -1 with
 * errno set (EIO when write returned 0).
 */
int smsotp_write_all(int fd, const char *buf, size_t len) SMSOTP_WUR;

/*
 * The host h (n bytes, as written in a URL) is a loopback name:
 * 127.0.0.1, [::1] or localhost (any case). 1 or 0.
 */
int smsotp_loopback_host(const char *h, size_t n);

/*
 * The authority of a URL, a (n bytes, after "scheme://", before the path):
 * a host (an IPv6 address in brackets) and an optional ":PORT" of digits.
 * NULL with *hostlen, the host's length; else why ("has no host", "has a
 * bad port", "has a bad IPv6 host").
 */
const char *smsotp_url_hostport(const char *a, size_t n, size_t *hostlen);

/* Monotonic clock in seconds (for deadlines), and wall clock seconds. */
double smsotp_mono(void);
int64_t smsotp_now(void);

/*
 * dlsym(dl, name) into the function pointer at fp (fpsize bytes), without
 * an object-to-function cast. 0, or -1 when the symbol is missing.
 */
int smsotp_dlsym_fn(void *dl, const char *name, void *fp, size_t fpsize)
    SMSOTP_WUR;

#endif
