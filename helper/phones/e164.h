/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/e164.h - phone numbers as E.164: normalisation of what an
 * administrator or a source wrote, the check of an already normalised
 * number, and the masked form shown in prompts and logs.
 */
#ifndef SMSOTP_E164_H
#define SMSOTP_E164_H

#include <stddef.h>

#include "base/util.h"

#define SMSOTP_E164_SIZE 17	/* '+', 8..15 digits, NUL */
#define SMSOTP_MASKED_SIZE 64

/*
 * Normalise in to E.164 into out. Accepts "+447700900123", "0044 7700
 * 900123", "07700 900123" (national: leading 0 dropped, default_country
 * prefixed), with spaces, dots, dashes and one pair of parentheses as
 * separators. default_country is 1-3 digits or "" (then national numbers
 * are refused). The result is '+' and 8 to 15 digits, the first non-zero.
 * Returns 0, or -1 with *why (static text).
 */
int smsotp_phone_normalize(const char *in, const char *default_country,
    char out[SMSOTP_E164_SIZE], const char **why) SMSOTP_WUR;

/*
 * 1 when s is already E.164 as smsotp_phone_normalize writes it: '+' and
 * 8 to 15 digits, the first not 0; else 0. What a gateway type checks
 * before it sends, and a setting such as a sender number.
 */
int smsotp_e164_ok(const char *s);

/*
 * Masked form for prompts and logs: '+', the first two digits, one
 * U+2022 bullet per hidden digit, the last three digits (last two when the
 * number has fewer than 10 digits): "+44•••••••123". Never fails; out is at
 * least SMSOTP_MASKED_SIZE bytes.
 */
void smsotp_phone_mask(const char *e164, char *out, size_t outsz);

#endif
