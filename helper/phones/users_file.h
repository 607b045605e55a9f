/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/users_file.h - the users file as a phone source (kind
 * "file", source.h): the root-owned file of users_format.h lines, answered
 * from its index (index.h) when that is current, else by a scan.
 */
#ifndef SMSOTP_USERS_FILE_H
#define SMSOTP_USERS_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/index.h"
#include "phones/source.h"

/*
 * The settings of a "file" source (struct smsotp_phone_source ctx). The
 * file at path must be owned by owner, not writable by group or others,
 * regular, and not a symbolic link; else the lookup is ERROR.
 */
struct smsotp_users_file_source {
	const char *path;
	uid_t owner;
	/* Out, may be NULL: what the index did during the last lookup. */
	struct smsotp_users_index_note *note;
};

/*
 * The ops table of the users file source. Its lookup: the first line of
 * user wins; FOUND with the normalised number; NONE when no line is the
 * user's; ERROR when the file cannot be opened, is unsafe, cannot be read,
 * has a line over SMSOTP_USERS_LINE_MAX bytes before the user's line, or
 * the user's line holds no usable number ("PATH:LINE: ..."). When PATH.cdb
 * is current it answers instead of a scan, with the same result; a stale,
 * unusable or absent index only costs the scan (note says which).
 */
extern const struct smsotp_phone_source_ops smsotp_phone_source_file;

/*
 * Open the users file at path for reading (no symlink followed) and check
 * it like a configuration file owned by owner (secfile.h); *sb its fstat.
 * The fd, or -1 with why.
 */
int smsotp_users_open(const char *path, uid_t owner, struct stat *sb,
    char *why, size_t whysz) SMSOTP_WUR;

/*
 * For check-config: the state of the index of the users file at path
 * (enum smsotp_users_index_state: USED means current), or -1 with why
 * when the users file itself is unusable. note->why says why for BROKEN.
 */
int smsotp_users_index_check(const char *path, uid_t owner,
    struct smsotp_users_index_note *note, char *why, size_t whysz)
    SMSOTP_WUR;

#endif
