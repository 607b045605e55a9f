/*
 * helper/phones/index.h - the users file index (perf): PATH.cdb next to the users
 * file PATH, a tinycdb constant database built by 'smsotpctl index' so a
 * lookup costs the same with 10 or 100,000 users.
 *
 * Records: for each user name, the raw text of the user's FIRST line of
 * the users file, as "LINENO SP LINE" (the lookup parses it with
 * smsotp_users_line, so normalisation and errors are those of the scan),
 * and one metadata record under a key no user name can be (it starts with
 * a NUL byte and has a space) with the format version and the users
 * file's st_dev, st_ino, st_size, st_mtim and st_ctim as the builder saw
 * them on the fd it read, and the number of the first line over 1024
 * bytes (0: none; the scan stops there, so the index holds no user after
 * it). The index is used only when that record matches fstat of the
 * users file exactly; else the caller scans the file (same result).
 */
#ifndef SMSOTP_USERS_INDEX_H
#define SMSOTP_USERS_INDEX_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "phones/phone.h"
#include "base/util.h"

/* buf = users_path + ".cdb". 0, or -1 when it does not fit. */
int smsotp_users_index_path(const char *users_path, char *buf, size_t bufsz)
    SMSOTP_WUR;

/*
 * (Re)build the index of the users file at path, atomically: under the
 * directory lock of the users file edits (helper/phones/edit.h), the users file
 * is opened and checked like the lookup does (owned by owner), read whole,
 * and PATH.cdb replaced by a temporary file of the same directory
 * (owner, group and read bits of the users file, never writable by group
 * or others), fsynced, renamed, the directory fsynced. Lines that are not
 * looked at by a scan never fail the build. Returns the number of users
 * indexed, or -1 with why.
 */
long smsotp_users_index_build(const char *path, uid_t owner, char *why,
    size_t whysz) SMSOTP_WUR;

/*
 * The lookup's side (phone.c): path is the users file, already opened and
 * checked, ust its fstat. Returns 1 (out filled), 0 (no line) or -1 (why)
 * when the index answered (note->state USED), or -2 when it could not
 * (note->state ABSENT, STALE or BROKEN): then scan the file.
 */
int smsotp_users_index_lookup(const char *path, uid_t owner,
    const struct stat *ust, const char *user, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    struct smsotp_users_index_note *note) SMSOTP_WUR;

/*
 * For check-config: the state of the index of the users file at path
 * (USED means current), or -1 with why when the users file itself is
 * unusable. note->why says why for BROKEN.
 */
int smsotp_users_index_check(const char *path, uid_t owner,
    struct smsotp_users_index_note *note, char *why, size_t whysz)
    SMSOTP_WUR;

/* 1 when an index file (of any kind) exists for the users file at path. */
int smsotp_users_index_exists(const char *path);

#endif
