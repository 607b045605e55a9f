/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/users_format.h - the users file format: one "USER NUMBER"
 * per line (NUMBER may contain spaces after the first field separator),
 * '#' starts a comment line, blank lines ignored, lines at most
 * SMSOTP_USERS_LINE_MAX bytes; the first line of a user wins. Shared by the
 * lookup (users_file.c), the index (index.c) and the editor (edit.c).
 */
#ifndef SMSOTP_USERS_FORMAT_H
#define SMSOTP_USERS_FORMAT_H

#include <stddef.h>

#include "phones/e164.h"
#include "phones/source.h"

/* Longest users file line, bytes, '\n' excluded. */
#define SMSOTP_USERS_LINE_MAX 1024

/*
 * 1 with the first field of line (len bytes, no '\n') at line + *off,
 * *flen bytes, when line is a user line; 0 for a blank or comment line.
 */
int smsotp_users_line_field(const char *line, size_t len, size_t *off,
    size_t *flen);

/*
 * One users file line (no '\n'), number lineno of path. FOUND when it is
 * user's line (out filled), NONE when not, ERROR when it is but is
 * malformed (why = "PATH:LINE: ...").
 */
enum smsotp_phone_result smsotp_users_line(const char *line, size_t len,
    const char *path, unsigned long lineno, const char *user, size_t userlen,
    const char *cc, char out[SMSOTP_E164_SIZE], char *why, size_t whysz);

/* Per-line callback of smsotp_users_scan: 0 goes on, anything else stops. */
typedef int (*smsotp_users_line_cb)(void *arg, const char *line, size_t len,
    unsigned long lineno);

/*
 * Read the users file fd from its offset to the end and call cb on each
 * line (the last one may lack its '\n'), in order. Returns 0 at the end,
 * cb's value when it stopped the scan, or -1 (SMSOTP_PHONE_ERROR) with why
 * on a read error or at a line longer than SMSOTP_USERS_LINE_MAX (then
 * *longline is its number, else 0; the lines after it are not read).
 */
int smsotp_users_scan(int fd, const char *path, smsotp_users_line_cb cb,
    void *arg, unsigned long *longline, char *why, size_t whysz);

/* why = "PATH:LINE: what: detail" (LINE 0 and detail NULL left out). */
void smsotp_users_why(char *why, size_t whysz, const char *path,
    unsigned long lineno, const char *what, const char *detail);

#endif
