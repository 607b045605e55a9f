/*
 * phone.c - E.164 normalisation, masking and the users file lookup.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phones/phone.h"
#include "base/secfile.h"
#include "phones/index.h"

#define PHONE_IN_MAX   64	/* longest raw number accepted, bytes */
#define E164_MIN       8	/* digits after '+' */
#define E164_MAX       15
#define USERS_LINE_MAX SMSOTP_USERS_LINE_MAX
#define USERS_CHUNK    (64 * 1024)

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* 1-3 digits, the first not 0; "" is valid too (no national numbers). */
static int
country_ok(const char *cc)
{
	size_t i, n = strlen(cc);

	if (n > 3 || (n > 0 && cc[0] == '0'))
		return 0;
	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)cc[i]))
			return 0;
	return 1;
}

/*
 * Collect the digits of in, dropping separators. *plus is set when the
 * number starts with '+'. A parenthesised "(0)" after an international
 * prefix is the trunk prefix written the British/German way
 * ("+44 (0)20 7946 0018") and is dropped. Returns the digit count, or -1
 * with *why.
 */
static int
collect_digits(const char *in, char *digits, int *plus, const char **why)
{
	int n = 0, seen = 0, open = 0, closed = 0, paren_start = 0;
	size_t i;

	*plus = 0;
	for (i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_digit(c)) {
			digits[n++] = (char)c;
			seen = 1;
		} else if (c == '+') {
			if (*plus) {
				*why = "more than one '+'";
				return -1;
			}
			if (seen) {
				*why = "'+' must come first";
				return -1;
			}
			*plus = 1;
			seen = 1;
		} else if (c == '(') {
			if (open) {
				*why = "more than one pair of parentheses";
				return -1;
			}
			open = 1;
			seen = 1;
			paren_start = n;
		} else if (c == ')') {
			if (!open || closed) {
				*why = "unbalanced parentheses";
				return -1;
			}
			if (n == paren_start) {
				*why = "empty parentheses";
				return -1;
			}
			closed = 1;
			if (n - paren_start == 1 && digits[paren_start] == '0' &&
			    ((*plus && paren_start >= 1) || (paren_start >= 3 &&
			    digits[0] == '0' && digits[1] == '0')))
				n--;	/* "+44 (0)20 ...": drop the trunk 0 */
		} else if (is_blank(c) || c == '.' || c == '-') {
			if (c != ' ' && c != '\t')
				seen = 1;
		} else {
			*why = "invalid character (only digits, '+', spaces, "
			    "'.', '-' and one pair of parentheses)";
			return -1;
		}
	}
	if (open && !closed) {
		*why = "unbalanced parentheses";
		return -1;
	}
	return n;
}

int
smsotp_phone_normalize(const char *in, const char *default_country,
    char out[SMSOTP_E164_SIZE], const char **why)
{
	char digits[PHONE_IN_MAX + 1];
	const char *cc = default_country != NULL ? default_country : "";
	const char *rest;
	size_t cclen = 0, restlen;
	int n, plus, rv = -1;

	out[0] = '\0';
	if (in == NULL || in[0] == '\0') {
		*why = "empty number";
		goto out;
	}
	if (strlen(in) > PHONE_IN_MAX) {
		*why = "number too long";
		goto out;
	}
	if (!country_ok(cc)) {
		*why = "bad default country code (1-3 digits, not starting "
		    "with 0)";
		goto out;
	}
	n = collect_digits(in, digits, &plus, why);
	if (n < 0)
		goto out;
	if (n == 0) {
		*why = "no digits";
		goto out;
	}
	digits[n] = '\0';
	rest = digits;
	if (plus) {
		/* international as written */
	} else if (n >= 2 && digits[0] == '0' && digits[1] == '0') {
		rest = digits + 2;	/* "00" international prefix */
	} else {
		if (cc[0] == '\0') {
			*why = "national number and no default country code";
			goto out;
		}
		if (digits[0] == '0')
			rest = digits + 1;	/* trunk prefix */
		cclen = strlen(cc);
	}
	restlen = strlen(rest);
	if (cclen + restlen < E164_MIN) {
		*why = "number too short (E.164 needs 8 to 15 digits)";
		goto out;
	}
	if (cclen + restlen > E164_MAX) {
		*why = "number too long (E.164 allows at most 15 digits)";
		goto out;
	}
	if (cclen == 0 && rest[0] == '0') {
		*why = "country code cannot start with 0";
		goto out;
	}
	if (cclen > 0 && rest[0] == '0') {
		*why = "national number with more than one leading 0";
		goto out;
	}
	out[0] = '+';
	memcpy(out + 1, cc, cclen);
	memcpy(out + 1 + cclen, rest, restlen);
	out[1 + cclen + restlen] = '\0';
	rv = 0;
out:
	return rv;
}

void
smsotp_phone_mask(const char *e164, char *out, size_t outsz)
{
	static const char bullet[] = "\xe2\x80\xa2";	/* U+2022 */
	size_t n = 0, i, shown_tail, o = 0, need;

	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	if (e164 == NULL || e164[0] != '+')
		goto bad;
	for (i = 1; e164[i] != '\0'; i++)
		if (!is_digit((unsigned char)e164[i]))
			goto bad;
	n = i - 1;
	if (n < E164_MIN || n > E164_MAX)
		goto bad;
	shown_tail = n < 10 ? 2 : 3;
	need = 1 + 2 + (n - 2 - shown_tail) * (sizeof(bullet) - 1) +
	    shown_tail + 1;
	if (need > outsz)
		return;
	out[o++] = '+';
	out[o++] = e164[1];
	out[o++] = e164[2];
	for (i = 2; i < n - shown_tail; i++) {
		memcpy(out + o, bullet, sizeof(bullet) - 1);
		o += sizeof(bullet) - 1;
	}
	memcpy(out + o, e164 + 1 + n - shown_tail, shown_tail);
	o += shown_tail;
	out[o] = '\0';
	return;
bad:
	/* SECURITY: never echo a malformed value; it may be anything. */
	if (smsotp_fmt(out, outsz, "(invalid number)") != 0)
		return;		/* out is empty then */
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

int
smsotp_users_line(const char *line, size_t len, const char *path,
    unsigned long lineno, const char *user, size_t userlen, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	char num[USERS_LINE_MAX + 1];
	const char *nwhy = NULL;
	size_t i, f, flen, e;

	if (!smsotp_users_line_field(line, len, &f, &flen) ||
	    flen != userlen || memcmp(line + f, user, userlen) != 0)
		return 0;
	i = f + flen;
	if (memchr(line, '\0', len) != NULL) {
		smsotp_users_why(why, whysz, path, lineno, "NUL byte in line",
		    NULL);
		return -1;
	}
	if (len > USERS_LINE_MAX) {	/* only from a corrupt index */
		smsotp_users_why(why, whysz, path, lineno,
		    "line longer than 1024 bytes", NULL);
		return -1;
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
		return -1;
	}
	memcpy(num, line + i, e - i);
	num[e - i] = '\0';
	if (smsotp_phone_normalize(num, cc, out, &nwhy) != 0) {
		smsotp_users_why(why, whysz, path, lineno, "bad number", nwhy);
		return -1;
	}
	return 1;
}

int
smsotp_users_scan(int fd, const char *path, smsotp_users_line_cb cb,
    void *arg, unsigned long *longline, char *why, size_t whysz)
{
	char *chunk = NULL;
	char pend[USERS_LINE_MAX];	/* a line split across two reads */
	size_t plen = 0;
	unsigned long lineno = 0;
	int rv = -1, r;
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

/* The scan's state: one user looked up. */
struct lookup {
	const char *path, *user, *cc;
	size_t userlen;
	char *out, *why;
	size_t whysz;
};

static int
lookup_cb(void *arg, const char *line, size_t len, unsigned long lineno)
{
	struct lookup *l = arg;

	return smsotp_users_line(line, len, l->path, lineno, l->user,
	    l->userlen, l->cc, l->out, l->why, l->whysz);
}

int
smsotp_users_open(const char *path, uid_t owner, struct stat *sb, char *why,
    size_t whysz)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		smsotp_users_why(why, whysz, path, 0, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno), NULL);
		return -1;
	}
	if (smsotp_secfile_check_fd(fd, path, owner, 0, why, whysz) != 0)
		goto fail;
	if (fstat(fd, sb) != 0) {
		smsotp_users_why(why, whysz, path, 0, "fstat", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
smsotp_phone_lookup_file2(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz, struct smsotp_users_index_note *note)
{
	struct smsotp_users_index_note ignored;
	struct lookup l;
	struct stat sb;
	unsigned long longline;
	int fd = -1, rv = -1;

	if (note == NULL)
		note = &ignored;
	note->state = SMSOTP_UIDX_ABSENT;
	note->why[0] = '\0';
	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	fd = smsotp_users_open(path, owner, &sb, why, whysz);
	if (fd < 0)
		goto out;
	/* perf: the index answers in O(1); it falls back (-2) when absent,
	 * stale or unusable, and then the scan gives the same answer. */
	rv = smsotp_users_index_lookup(path, owner, &sb, user,
	    default_country, out, why, whysz, note);
	if (rv != -2)
		goto out;
	l.path = path;
	l.user = user;
	l.userlen = strlen(user);
	l.cc = default_country;
	l.out = out;
	l.why = why;
	l.whysz = whysz;
	rv = smsotp_users_scan(fd, path, lookup_cb, &l, &longline, why, whysz);
out:
	if (rv != 1)
		out[0] = '\0';
	if (fd >= 0)
		close(fd);
	return rv;
}

int
smsotp_phone_lookup_file(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz)
{
	return smsotp_phone_lookup_file2(path, owner, user, default_country,
	    out, why, whysz, NULL);
}
