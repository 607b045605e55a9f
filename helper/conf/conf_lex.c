/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_lex.c - a lexical pre-check of the configuration text for what
 * libconfig 1.5 accepts silently but wrongly: an unterminated comment
 * (which hides the rest of the file) and integer literals beyond 32 bits
 * without the L suffix (which wrap: 4294967296 would load as 0, "no cap").
 * SECURITY: both would fail open; refuse them with the line number.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "conf/conf.h"

static int
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
	    c == '.';
}

static int
hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Check one number token at p; returns its length; sets *bad on overflow. */
static size_t
number(const char *p, int negative, int *bad)
{
	const char *q = p;
	uint64_t v = 0, limit = negative ? 2147483648ULL : 2147483647ULL;
	int over = 0, hex = 0;

	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		hex = 1;
		q += 2;
		while (hexdig(*q)) {
			if (v > (UINT64_MAX >> 4))
				over = 1;
			v = v * 16 + (uint64_t)(*q <= '9' ? *q - '0' :
			    (*q | 0x20) - 'a' + 10);
			q++;
		}
		/* libconfig takes 32-bit hex as unsigned bit patterns */
		limit = 0xffffffffULL;
	} else {
		while (*q >= '0' && *q <= '9') {
			if (v > UINT64_MAX / 10)
				over = 1;
			v = v * 10 + (uint64_t)(*q - '0');
			q++;
		}
	}
	if (!hex && (*q == '.' || *q == 'e' || *q == 'E'))
		return (size_t)(q - p);		/* a float: not ours */
	if (*q == 'L')
		return (size_t)(q - p) + 1;	/* explicit 64-bit */
	if (over || v > limit)
		*bad = 1;
	return (size_t)(q - p);
}

int
smsotp_conf_lex_check(const char *text, int *line, const char **why)
{
	const char *p = text;
	int l = 1, start, bad = 0;

	while (*p != '\0') {
		if (*p == '\n') {
			l++;
			p++;
		} else if (*p == '"') {
			start = l;
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*line = start;
					*why = "unterminated string";
					return -1;
				}
				if (*p == '\n')
					l++;
				if (*p == '\\' && p[1] != '\0')
					p++;
			}
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			start = l;
			for (p += 2; !(p[0] == '*' && p[1] == '/'); p++) {
				if (*p == '\0') {
					*line = start;
					*why = "unterminated comment";
					return -1;
				}
				if (*p == '\n')
					l++;
			}
			p += 2;
		} else if (*p >= '0' && *p <= '9' &&
		    (p == text || !ident_char(p[-1]) || p[-1] == '-')) {
			int neg = p > text && p[-1] == '-' &&
			    (p - 1 == text || !ident_char(p[-2]));
			p += number(p, neg, &bad);
			if (bad) {
				*line = l;
				*why = "integer out of range (more than 32 bits)";
				return -1;
			}
		} else {
			p++;
		}
	}
	return 0;
}
