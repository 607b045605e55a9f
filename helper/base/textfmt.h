/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * textfmt.h - the strict text of the project's own files (a user's state,
 * the global counts, the users index): lines of tokens separated by single
 * spaces, canonical decimal numbers and lower-case hex. Pure functions;
 * anything not canonical is refused, so every value has one spelling.
 */
#ifndef SMSOTP_TEXTFMT_H
#define SMSOTP_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

/* A cursor over one line [p, e). */
struct smsotp_cur {
	const char *p;
	const char *e;
};

/*
 * Next token into [*t, *t + *n). 1 when a token was taken, 0 at the end of
 * the line, -1 on an empty token (leading, double or trailing space).
 */
int smsotp_tok_next(struct smsotp_cur *c, const char **t, size_t *n);

/* Canonical unsigned decimal (no sign, no leading zero) in [0, max]. 0/-1. */
int smsotp_parse_u64(const char *t, size_t n, uint64_t max, uint64_t *out);

/* The value of one lower-case hex digit, or -1. */
int smsotp_lhex_digit(unsigned char c);

/* Exactly 2 * n lower-case hex digits in t[0..tlen) into out. 0 or -1. */
int smsotp_parse_lhex(const char *t, size_t tlen, unsigned char *out,
    size_t n);

#endif
