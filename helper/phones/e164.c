/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/e164.c - E.164 normalisation, the check of a normalised
 * number, and masking.
 */
#include "config.h"

#include <string.h>

#include "phones/e164.h"

#define PHONE_IN_MAX   64	/* longest raw number accepted, bytes */
#define E164_MIN       8	/* digits after '+' */
#define E164_MAX       15

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

int
smsotp_e164_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 + E164_MIN || n > 1 + E164_MAX || s[0] != '+' ||
	    s[1] == '0')
		return 0;
	for (i = 1; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}
