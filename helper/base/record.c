/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/base/record.c - the record envelope and its writer (record.h).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "base/record.h"
#include "base/textfmt.h"

void
smsotp_recw_init(struct smsotp_recw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->full = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

void
smsotp_recw_put(struct smsotp_recw *w, const char *s, size_t n)
{
	if (w->full || n >= w->cap - w->len) {	/* the NUL needs a byte */
		w->full = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void
smsotp_recw_str(struct smsotp_recw *w, const char *s)
{
	smsotp_recw_put(w, s, strlen(s));
}

/* v in decimal, after a space when space is set: one put (records hold
 * hundreds of numbers). */
static void
put_num(struct smsotp_recw *w, uint64_t v, int space)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (space)
		tmp[--i] = ' ';
	if (w->full || sizeof(tmp) - i >= w->cap - w->len) {
		w->full = 1;	/* as smsotp_recw_put: the NUL needs a byte */
		return;
	}
	while (i < sizeof(tmp))
		w->buf[w->len++] = tmp[i++];
}

void
smsotp_recw_num(struct smsotp_recw *w, uint64_t v)
{
	put_num(w, v, 0);
}

void
smsotp_recw_snum(struct smsotp_recw *w, uint64_t v)
{
	put_num(w, v, 1);
}

void
smsotp_recw_hex(struct smsotp_recw *w, const unsigned char *in, size_t n)
{
	char tmp[2 * 32 + 1];
	size_t k;

	for (; n > 0; in += k, n -= k) {
		k = n < 32 ? n : 32;
		smsotp_hex(in, k, tmp);
		smsotp_recw_put(w, tmp, 2 * k);
	}
}

void
smsotp_recw_fail(struct smsotp_recw *w)
{
	w->full = 1;
}

int
smsotp_record_seal(struct smsotp_recw *w, size_t max, size_t *len)
{
	unsigned char sum[SMSOTP_RECORD_SUM_LEN];

	*len = 0;
	if (!w->full) {
		crypto_generichash(sum, sizeof(sum),
		    (const unsigned char *)w->buf, w->len, NULL, 0);
		smsotp_recw_put(w, "end ", 4);
		smsotp_recw_hex(w, sum, sizeof(sum));
		smsotp_recw_put(w, "\n", 1);
	}
	if (w->full || w->len > max) {
		if (w->cap > 0)
			w->buf[0] = '\0';
		return -1;
	}
	w->buf[w->len] = '\0';
	*len = w->len;
	return 0;
}

int
smsotp_record_open(const char *buf, size_t len, size_t *body,
    const char **why)
{
	unsigned char want[SMSOTP_RECORD_SUM_LEN], got[SMSOTP_RECORD_SUM_LEN];
	size_t b;

	*body = 0;
	*why = "missing or malformed end line";
	if (len < SMSOTP_RECORD_END_LEN || buf[len - 1] != '\n')
		return -1;
	b = len - SMSOTP_RECORD_END_LEN;
	if (memcmp(buf + b, "end ", 4) != 0 || (b > 0 && buf[b - 1] != '\n') ||
	    smsotp_parse_lhex(buf + b + 4, 2 * SMSOTP_RECORD_SUM_LEN, want,
	    sizeof(want)) != 0)
		return -1;
	crypto_generichash(got, sizeof(got), (const unsigned char *)buf, b,
	    NULL, 0);
	if (sodium_memcmp(want, got, sizeof(got)) != 0) {
		*why = "checksum mismatch";
		return -1;
	}
	*body = b;
	return 0;
}
