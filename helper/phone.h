/*
 * phone.h - phone numbers: E.164 normalisation, masking, users file lookup.
 */
#ifndef SMSOTP_PHONE_H
#define SMSOTP_PHONE_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

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
 * Masked form for prompts and logs: '+', the first two digits, one
 * U+2022 bullet per hidden digit, the last three digits (last two when the
 * number has fewer than 10 digits): "+44•••••••123". Never fails; out is at
 * least SMSOTP_MASKED_SIZE bytes.
 */
void smsotp_phone_mask(const char *e164, char *out, size_t outsz);

/*
 * Look user up in the users file at path (checked: owned by owner, not
 * writable by group/others, regular, no symlink). Format: one
 * "USER NUMBER" per line (NUMBER may contain spaces after the first field
 * separator), '#' starts a comment line, blank lines ignored. The first
 * matching line wins. Returns 1 and the
 * normalised number in out, 0 when the user has no line, -1 on an error
 * (unreadable/unsafe file, or the user's number does not normalise) with
 * why filled.
 */
int smsotp_phone_lookup_file(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz) SMSOTP_WUR;

#endif
