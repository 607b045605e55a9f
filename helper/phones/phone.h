/*
 * phone.h - phone numbers: E.164 normalisation, masking, users file lookup.
 */
#ifndef SMSOTP_PHONE_H
#define SMSOTP_PHONE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

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
 * Masked form for prompts and logs: '+', the first two digits, one
 * U+2022 bullet per hidden digit, the last three digits (last two when the
 * number has fewer than 10 digits): "+44•••••••123". Never fails; out is at
 * least SMSOTP_MASKED_SIZE bytes.
 */
void smsotp_phone_mask(const char *e164, char *out, size_t outsz);

/* The users file index is the users file's path and this (helper/phones/index.h). */
#define SMSOTP_USERS_INDEX_SUFFIX ".cdb"

/* Longest users file line, bytes, '\n' excluded. */
#define SMSOTP_USERS_LINE_MAX 1024

/*
 * What the users index (PATH.cdb, helper/phones/index.h) did during a lookup.
 * ABSENT: no index file (or the users file itself failed): scanned.
 * USED: the answer came from the index. STALE: the index was built from
 * another version of the users file: scanned. BROKEN: unusable (unsafe,
 * unreadable, corrupt; why says what): scanned. The answer is the same in
 * every case.
 */
enum smsotp_users_index_state {
	SMSOTP_UIDX_ABSENT = 0,
	SMSOTP_UIDX_USED,
	SMSOTP_UIDX_STALE,
	SMSOTP_UIDX_BROKEN
};

struct smsotp_users_index_note {
	int state;		/* enum smsotp_users_index_state */
	char why[160];		/* BROKEN: the reason, else "" */
};

/*
 * Look user up in the users file at path (checked: owned by owner, not
 * writable by group/others, regular, no symlink). Format: one
 * "USER NUMBER" per line (NUMBER may contain spaces after the first field
 * separator), '#' starts a comment line, blank lines ignored. The first
 * matching line wins. Returns 1 and the
 * normalised number in out, 0 when the user has no line, -1 on an error
 * (unreadable/unsafe file, or the user's number does not normalise) with
 * why filled.
 * perf: when PATH.cdb (smsotpctl index) is current it answers instead of
 * a scan of the file, with the same result.
 */
int smsotp_phone_lookup_file(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz) SMSOTP_WUR;

/* The same, and note (may be NULL) says what the index did. */
int smsotp_phone_lookup_file2(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz, struct smsotp_users_index_note *note) SMSOTP_WUR;

/* --- the users file format, shared with helper/phones/index.c --------------- */

/*
 * 1 with the first field of line (len bytes, no '\n') at line + *off,
 * *flen bytes, when line is a user line; 0 for a blank or comment line.
 */
int smsotp_users_line_field(const char *line, size_t len, size_t *off,
    size_t *flen);

/*
 * One users file line (no '\n'), number lineno of path. Returns 1 when it
 * is user's line (out filled), 0 when not, -1 when it is but is malformed
 * (why = "PATH:LINE: ...").
 */
int smsotp_users_line(const char *line, size_t len, const char *path,
    unsigned long lineno, const char *user, size_t userlen, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz);

/* Per-line callback of smsotp_users_scan: 0 goes on, anything else stops. */
typedef int (*smsotp_users_line_cb)(void *arg, const char *line, size_t len,
    unsigned long lineno);

/*
 * Read the users file fd from its offset to the end and call cb on each
 * line (the last one may lack its '\n'), in order. Returns 0 at the end,
 * cb's value when it stopped the scan, or -1 with why on a read error or
 * at a line longer than SMSOTP_USERS_LINE_MAX (then *longline is its
 * number, else 0; the lines after it are not read).
 */
int smsotp_users_scan(int fd, const char *path, smsotp_users_line_cb cb,
    void *arg, unsigned long *longline, char *why, size_t whysz);

/*
 * Open the users file at path for reading (no symlink followed) and check
 * it like a configuration file owned by owner (secfile.h); *sb its fstat.
 * The fd, or -1 with why.
 */
int smsotp_users_open(const char *path, uid_t owner, struct stat *sb,
    char *why, size_t whysz) SMSOTP_WUR;

/* why = "PATH:LINE: what: detail" (LINE 0 and detail NULL left out). */
void smsotp_users_why(char *why, size_t whysz, const char *path,
    unsigned long lineno, const char *what, const char *detail);

#endif
