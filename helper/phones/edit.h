/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/edit.h - atomic edits of the users file (smsotpctl
 * set-phone and remove-phone). The file keeps its comments, its other
 * lines and their order; only the lines of one user change.
 */
#ifndef SMSOTP_PHONE_EDIT_H
#define SMSOTP_PHONE_EDIT_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/e164.h"

/* Largest users file the editor accepts, bytes. */
#define SMSOTP_USERS_EDIT_MAX (16 * 1024 * 1024)

/*
 * 1 when user can be written as the first field of a users file line:
 * smsotp_user_ok() and no blank, no '#' at the start.
 */
int smsotp_users_name_ok(const char *user);

/*
 * Pure edit of a users file text (in, inlen bytes, may be empty): every
 * line whose first field is user is dropped; with e164 != NULL the line
 * "user e164" takes the place of the first of them, or is appended when
 * there was none. Comments, blank lines and other users' lines are kept
 * byte for byte. *found = number of lines of user in the input. Returns 0
 * with *out (malloc'ed, NUL-terminated, *outlen bytes) or -1 (no memory).
 */
int smsotp_users_edit(const char *in, size_t inlen, const char *user,
    const char *e164, char **out, size_t *outlen, int *found) SMSOTP_WUR;

/*
 * Set (e164 != NULL, already normalised) or remove (e164 == NULL) user's
 * number in the users file at path, atomically: the directory is opened
 * with O_NOFOLLOW and must be owned by owner and not writable by group or
 * others; the edit holds flock on the directory, reads the file with
 * O_NOFOLLOW (regular, one link, owned by owner, not writable by group or
 * others: else refused), writes a temporary file in the same directory
 * with the old file's owner, group and mode, fsyncs it, renames it over the
 * file and fsyncs the directory. A missing file is created (set) with
 * new_gid and new_mode.
 * Returns 0 (done), 1 (remove: the user had no line; nothing written) or
 * -1 with why.
 */
int smsotp_users_file_edit(const char *path, uid_t owner, const char *user,
    const char *e164, gid_t new_gid, mode_t new_mode, char *why, size_t whysz)
    SMSOTP_WUR;

/*
 * Split path into its directory and base name, open the directory with
 * O_NOFOLLOW (owned by owner, not writable by group or others: else
 * refused) and flock it exclusively, waiting at most 5 s (the lock every
 * users file edit and index build holds). Returns the directory fd
 * (closing it releases the lock) or -1 with why.
 */
int smsotp_users_dir_lock(const char *path, uid_t owner, char *dir,
    size_t dirsz, char *base, size_t basesz, char *why, size_t whysz)
    SMSOTP_WUR;

#endif
