/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/base/record.h - the envelope of the project's own record files (a
 * user's state, the global counts, a gateway's breaker, a backup set):
 * text lines ending with
 *   end <32 lower-case hex digits of BLAKE2b-128 of every byte before it>
 * and the bounded writer that builds them. A record whose end line is
 * missing, malformed or does not match is damaged, whatever else it says.
 * The line formats inside are each codec's own (base/textfmt.h reads them).
 */
#ifndef SMSOTP_RECORD_H
#define SMSOTP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define SMSOTP_RECORD_SUM_LEN 16			/* BLAKE2b-128 */
#define SMSOTP_RECORD_END_LEN (4 + 2 * SMSOTP_RECORD_SUM_LEN + 1)

/*
 * A writer into buf[0..cap): every append that does not fit (room for a
 * final NUL kept) marks the writer full and writes nothing more, so a
 * codec appends its lines and asks once at the end (smsotp_record_seal).
 */
struct smsotp_recw {
	char *buf;
	size_t cap;
	size_t len;
	int full;
};

void smsotp_recw_init(struct smsotp_recw *w, char *buf, size_t cap);
void smsotp_recw_put(struct smsotp_recw *w, const char *s, size_t n);
void smsotp_recw_str(struct smsotp_recw *w, const char *s);
/* Canonical decimal. */
void smsotp_recw_num(struct smsotp_recw *w, uint64_t v);
/* " " and canonical decimal. */
void smsotp_recw_snum(struct smsotp_recw *w, uint64_t v);
/* 2 * n lower-case hex digits. */
void smsotp_recw_hex(struct smsotp_recw *w, const unsigned char *in,
    size_t n);
/* The writer failed: marks it full (a value a codec refuses to write). */
void smsotp_recw_fail(struct smsotp_recw *w);

/*
 * Append the end line over everything written, NUL-terminate. 0 with *len
 * the record's length (at most max), or -1 when anything did not fit or
 * the record would be over max bytes: buf is then "".
 */
int smsotp_record_seal(struct smsotp_recw *w, size_t max, size_t *len)
    SMSOTP_WUR;

/*
 * Check the end line of buf[0..len): the last line, preceded by a '\n'
 * (or the start), its sum over the bytes before it (constant time).
 * 0 with *body the length of those bytes, or -1 with *why
 * ("missing or malformed end line", "checksum mismatch").
 */
int smsotp_record_open(const char *buf, size_t len, size_t *body,
    const char **why) SMSOTP_WUR;

#endif
