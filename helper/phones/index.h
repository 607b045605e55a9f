/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/index.h - the users file index: PATH.cdb next to the
 * users file PATH, a tinycdb constant database built by 'smsotpctl index'
 * so a lookup costs the same with 10 or 100,000 users.
 *
 * Records: for each user name, the raw text of the user's FIRST line of
 * the users file, as "LINENO SP LINE" (the lookup parses it with
 * smsotp_users_line, users_format.h, so normalisation and errors are
 * those of the scan), and one metadata record under a key no user name
 * can be (it starts with a NUL byte and has a space) with the format
 * version and the users file's st_dev, st_ino, st_size, st_mtim and
 * st_ctim as the builder saw them on the fd it read, and the number of
 * the first line over 1024 bytes (0: none; the scan stops there, so the
 * index holds no user after it). The index is used only when that record
 * matches fstat of the users file exactly; else the caller scans the file
 * (same result).
 */
#ifndef SMSOTP_USERS_INDEX_H
#define SMSOTP_USERS_INDEX_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/e164.h"
#include "phones/source.h"

/* The users file index is the users file's path and this. */
#define SMSOTP_USERS_INDEX_SUFFIX ".cdb"

/*
 * What the users index did during a lookup.
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

/* buf = users_path + ".cdb". 0, or -1 when it does not fit. */
int smsotp_users_index_path(const char *users_path, char *buf, size_t bufsz)
    SMSOTP_WUR;

/*
 * (Re)build the index of the users file at path, atomically: under the
 * directory lock of the users file edits (helper/phones/edit.h), the users
 * file is opened and checked like the lookup does (owned by owner), read
 * whole, and PATH.cdb replaced by a temporary file of the same directory
 * (owner, group and read bits of the users file, never writable by group
 * or others), fsynced, renamed, the directory fsynced. Lines that are not
 * looked at by a scan never fail the build. Returns the number of users
 * indexed, or -1 with why.
 */
long smsotp_users_index_build(const char *path, uid_t owner, char *why,
    size_t whysz) SMSOTP_WUR;

/*
 * The lookup's side (users_file.c): path is the users file, already opened
 * and checked, ust its fstat. When note->state is USED the index answered
 * and the return is the answer: FOUND (out filled), NONE (no line) or
 * ERROR (why). Otherwise (ABSENT, STALE or BROKEN) it could not answer,
 * the return is ERROR, and the caller scans the file.
 */
enum smsotp_phone_result smsotp_users_index_lookup(const char *path,
    uid_t owner, const struct stat *ust, const char *user, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    struct smsotp_users_index_note *note) SMSOTP_WUR;

/*
 * The state of the index of the users file at path, already opened and
 * checked, ust its fstat, into note: USED means current; note->why says
 * why for BROKEN. (For check-config: users_file.h smsotp_users_index_check.)
 */
void smsotp_users_index_state(const char *path, uid_t owner,
    const struct stat *ust, struct smsotp_users_index_note *note);

/* 1 when an index file (of any kind) exists for the users file at path. */
int smsotp_users_index_exists(const char *path);

#endif
