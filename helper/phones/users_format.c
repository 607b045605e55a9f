/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/users_format.c - the users file format: a line's fields,
 * the user's line to a number, the file read line by line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phones/users_format.h"

#define USERS_LINE_MAX SMSOTP_USERS_LINE_MAX
#define USERS_CHUNK    (64 * 1024)

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * why = "PATH:LINE: what: detail" (LINE and detail optional); when that
 * does not fit, "what" alone, else empty. Never truncated.
 */
void
smsotp_users_why(char *why, size_t whysz, const char *path,
    unsigned long lineno, const char *what, const char *detail)
{
	char ln[24] = "";
	const char *sep = detail != NULL ? ": " : "";

	if (why == NULL || whysz == 0)
		return;
	if (lineno > 0 && smsotp_fmt(ln, sizeof(ln), ":%lu", lineno) != 0)
		ln[0] = '\0';
	if (smsotp_fmt(why, whysz, "%s%s: %s%s%s", path, ln, what, sep,
	    detail != NULL ? detail : "") != 0 &&
	    smsotp_fmt(why, whysz, "%s", what) != 0)
		why[0] = '\0';
}

int
smsotp_users_line_field(const char *line, size_t len, size_t *off,
    size_t *flen)
{
	size_t i = 0, f;

	while (i < len && is_blank((unsigned char)line[i]))
		i++;
	if (i == len || line[i] == '#' || line[i] == '\r')
		return 0;
	f = i;
	while (i < len && !is_blank((unsigned char)line[i]))
		i++;
	*off = f;
	*flen = i - f;
	return 1;
}

enum smsotp_phone_result
smsotp_users_line(const char *line, size_t len, const char *path,
    unsigned long lineno, const char *user, size_t userlen, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	char num[USERS_LINE_MAX + 1];
	const char *nwhy = NULL;
	size_t i, f, flen, e;

	if (!smsotp_users_line_field(line, len, &f, &flen) ||
	    flen != userlen || memcmp(line + f, user, userlen) != 0)
		return SMSOTP_PHONE_NONE;
	i = f + flen;
	if (memchr(line, '\0', len) != NULL) {
		smsotp_users_why(why, whysz, path, lineno, "NUL byte in line",
		    NULL);
		return SMSOTP_PHONE_ERROR;
	}
	if (len > USERS_LINE_MAX) {	/* only from a corrupt index */
		smsotp_users_why(why, whysz, path, lineno,
		    "line longer than 1024 bytes", NULL);
		return SMSOTP_PHONE_ERROR;
	}
	while (i < len && is_blank((unsigned char)line[i]))
		i++;
	e = len;
	while (e > i && (is_blank((unsigned char)line[e - 1]) ||
	    line[e - 1] == '\r'))
		e--;
	if (e == i) {
		smsotp_users_why(why, whysz, path, lineno,
		    "no number for the user", NULL);
		return SMSOTP_PHONE_ERROR;
	}
	memcpy(num, line + i, e - i);
	num[e - i] = '\0';
	if (smsotp_phone_normalize(num, cc, out, &nwhy) != 0) {
		smsotp_users_why(why, whysz, path, lineno, "bad number", nwhy);
		return SMSOTP_PHONE_ERROR;
	}
	return SMSOTP_PHONE_FOUND;
}

int
smsotp_users_scan(int fd, const char *path, smsotp_users_line_cb cb,
    void *arg, unsigned long *longline, char *why, size_t whysz)
{
	char *chunk = NULL;
	char pend[USERS_LINE_MAX];	/* a line split across two reads */
	size_t plen = 0;
	unsigned long lineno = 0;
	int rv = SMSOTP_PHONE_ERROR, r;
	ssize_t n;

	*longline = 0;
	chunk = malloc(USERS_CHUNK);
	if (chunk == NULL) {
		smsotp_users_why(why, whysz, path, 0, "out of memory",
		    NULL);
		goto out;
	}
	for (;;) {
		const char *p, *end, *nl;

		n = read(fd, chunk, USERS_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			smsotp_users_why(why, whysz, path, 0, "read",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		p = chunk;
		end = chunk + n;
		while (p < end) {
			const char *line;
			size_t len;

			nl = memchr(p, '\n', (size_t)(end - p));
			len = (size_t)((nl != NULL ? nl : end) - p);
			if (plen + len > USERS_LINE_MAX) {
				*longline = lineno + 1;
				smsotp_users_why(why, whysz, path, lineno + 1,
				    "line longer than 1024 bytes", NULL);
				goto out;
			}
			if (nl == NULL) {	/* continues in the next read */
				memcpy(pend + plen, p, len);
				plen += len;
				break;
			}
			lineno++;
			if (plen > 0) {
				memcpy(pend + plen, p, len);
				line = pend;
				len += plen;
				plen = 0;
			} else {
				line = p;
			}
			p = nl + 1;
			r = cb(arg, line, len, lineno);
			if (r != 0) {
				rv = r;
				goto out;
			}
		}
	}
	if (plen > 0) {		/* last line without '\n' */
		lineno++;
		r = cb(arg, pend, plen, lineno);
		if (r != 0) {
			rv = r;
			goto out;
		}
	}
	rv = 0;
out:
	free(chunk);
	return rv;
}
