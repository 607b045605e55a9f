/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secfile.h - open and read files the helper trusts (config, key, users
 * file, secret files) only after checking them (duo_unix style):
 * O_NOFOLLOW | O_NONBLOCK, fstat after open, S_ISREG, owner, mode, size.
 */
#ifndef SMSOTP_SECFILE_H
#define SMSOTP_SECFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

/* flags */
#define SMSOTP_SF_SECRET    0x1	/* refuse when readable by others */
#define SMSOTP_SF_ANY_OWNER 0x2	/* skip the owner check (never for secrets) */

/*
 * Read the whole file at path into a fresh NUL-terminated buffer.
 * Refuses: symlink at the last component, not a regular file, owner other
 * than owner (unless SMSOTP_SF_ANY_OWNER), writable by group or others,
 * readable by others with SMSOTP_SF_SECRET, longer than maxlen bytes, a
 * NUL byte inside. Returns 0 with *out (free with smsotp_secfile_free), or
 * -1 with why filled ("PATH: reason"); errno-style reasons included.
 */
int smsotp_secfile_read(const char *path, uid_t owner, int flags,
    size_t maxlen, char **out, size_t *outlen, char *why, size_t whysz)
    SMSOTP_WUR;

/* Check an already open fd the same way (no read). 0 or -1 with why. */
int smsotp_secfile_check_fd(int fd, const char *path, uid_t owner, int flags,
    char *why, size_t whysz) SMSOTP_WUR;

/* Wipe and free a buffer from smsotp_secfile_read. */
void smsotp_secfile_free(char *buf, size_t len);

#endif
