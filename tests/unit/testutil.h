/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testutil.h - helpers for the cmocka unit tests: scratch directories and
 * files with chosen modes.
 */
#ifndef SMSOTP_TESTUTIL_H
#define SMSOTP_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdtemp under $TMPDIR or /tmp; aborts the test program on failure. */
char *tu_tmpdir(void);
/* Remove dir and everything in it (no symlink following). */
void tu_rmrf(const char *dir);
/* Write content to dir/name with mode; returns the malloc'ed full path. */
char *tu_write(const char *dir, const char *name, const char *content,
    mode_t mode);
/* Same with explicit length (for binary content). */
char *tu_write_bin(const char *dir, const char *name, const void *content,
    size_t len, mode_t mode);
/* malloc'ed "dir/name". */
char *tu_path(const char *dir, const char *name);
/*
 * The file at path (no symlink followed), NUL-terminated, in a static
 * buffer of TU_READ_MAX bytes that the next call overwrites; aborts the
 * test program when it cannot be read or does not fit.
 */
#define TU_READ_MAX 16384
const char *tu_read(const char *path);

#endif
