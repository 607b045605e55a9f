/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * textfmt.c - tokens, canonical numbers and hex of the project's own files.
 */
#include "config.h"

#include "base/textfmt.h"

int
smsotp_tok_next(struct smsotp_cur *c, const char **t, size_t *n)
{
	const char *s = c->p;

	if (s == c->e)
		return 0;
	while (c->p < c->e && *c->p != ' ')
		c->p++;
	*t = s;
	*n = (size_t)(c->p - s);
	if (*n == 0)
		return -1;
	if (c->p < c->e) {		/* at a space: skip it, demand more */
		c->p++;
		if (c->p == c->e)
			return -1;
	}
	return 1;
}

int
smsotp_parse_u64(const char *t, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && t[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (t[i] < '0' || t[i] > '9')
			return -1;
		d = (unsigned)(t[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
smsotp_lhex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
smsotp_parse_lhex(const char *t, size_t tlen, unsigned char *out, size_t n)
{
	size_t i;

	if (tlen != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = smsotp_lhex_digit((unsigned char)t[2 * i]);
		int lo = smsotp_lhex_digit((unsigned char)t[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
