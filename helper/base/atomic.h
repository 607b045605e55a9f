/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * atomic.h - the one way a file is replaced: a temporary file in the same
 * directory, written, fsync'ed, renamed over the name, and the directory
 * fsync'ed. A reader sees the old file or the new one, never a mix; after
 * a crash the file is the old one or the new one.
 *
 * The temporary file is created with O_EXCL | O_NOFOLLOW (never follows a
 * planted symlink, never reuses a planted file) and checked to be a fresh
 * single-link regular file. While one is in flight, SIGTERM, SIGHUP and
 * SIGINT are blocked (of the calling thread), so an interrupted write
 * leaves no temporary behind. Every failure removes the temporary and
 * leaves the old file in place.
 */
#ifndef SMSOTP_ATOMIC_H
#define SMSOTP_ATOMIC_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

/* How the replacement is made lasting (smsotp_atomic_commit). */
enum smsotp_atomic_sync {
	SMSOTP_ATOMIC_DURABLE = 0,	/* fsync of the file and the directory */
	SMSOTP_ATOMIC_NOSYNC = 1	/* rename only: a crash may lose it */
};

/* How the temporary file is named (smsotp_atomic_begin). */
enum smsotp_atomic_tmp {
	/*
	 * "<name>.tmp": the caller holds the name's lock, so a temporary
	 * already there is a crashed writer's and is removed first (a
	 * symlink is removed, never followed; anything but a regular file
	 * or a symlink is refused).
	 */
	SMSOTP_ATOMIC_LOCKED = 0,
	/* ".<name>.tmp-<8 random hex>": no lock needed. */
	SMSOTP_ATOMIC_RANDOM = 1
};

struct smsotp_atomic {
	int dfd;		/* the directory (not owned) */
	const char *dir;	/* the directory's path, for messages */
	char name[256];
	char tmp[300];
	int fd;			/* the temporary, open O_RDWR: write here */
	int created;		/* tmp is ours to remove */
	int blocked;
	sigset_t oldmask;
};

/*
 * Create the temporary for name (a base name without '/') in dirfd with
 * mode (fchmod'ed, whatever the umask). 0, or -1 with why and nothing
 * left behind.
 */
int smsotp_atomic_begin(struct smsotp_atomic *a, int dirfd, const char *dir,
    const char *name, enum smsotp_atomic_tmp tmp, mode_t mode, char *why,
    size_t whysz) SMSOTP_WUR;

/* fchown the temporary (uid or gid (id_t)-1: that one kept). 0 or -1. */
int smsotp_atomic_chown(struct smsotp_atomic *a, uid_t uid, gid_t gid,
    char *why, size_t whysz) SMSOTP_WUR;

/* Write len bytes to the temporary. 0 or -1 with why. */
int smsotp_atomic_write(struct smsotp_atomic *a, const void *buf, size_t len,
    char *why, size_t whysz) SMSOTP_WUR;

/*
 * fsync (DURABLE), close, rename over the name, fsync of the directory
 * (DURABLE). 0, or -1 with why (the old file then stays). Ends a either
 * way: no abort needed after it.
 */
int smsotp_atomic_commit(struct smsotp_atomic *a, enum smsotp_atomic_sync how,
    char *why, size_t whysz) SMSOTP_WUR;

/* Give up: close and remove the temporary, unblock the signals. */
void smsotp_atomic_abort(struct smsotp_atomic *a);

/* begin, write buf, commit: the whole replacement in one call. */
int smsotp_atomic_replace(int dirfd, const char *dir, const char *name,
    enum smsotp_atomic_tmp tmp, mode_t mode, const void *buf, size_t len,
    enum smsotp_atomic_sync how, char *why, size_t whysz) SMSOTP_WUR;

#endif
