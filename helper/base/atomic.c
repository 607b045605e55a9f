/* SPDX-License-Identifier: BSD-3-Clause */
/* atomic.c - replace a file whole: temp, write, fsync, rename, fsync dir. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomic.h"

#define TMP_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | \
    O_CLOEXEC | O_NOCTTY)

/* A crashed writer's "<name>.tmp": removed, never followed. 0 or -1. */
static int
remove_stale(struct smsotp_atomic *a, char *why, size_t whysz)
{
	struct stat sb;

	if (fstatat(a->dfd, a->tmp, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		smsotp_say(why, whysz, "%s/%s: %s", a->dir, a->tmp,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
		smsotp_say(why, whysz, "%s/%s: not a regular file, refused",
		    a->dir, a->tmp);
		return -1;
	}
	if (unlinkat(a->dfd, a->tmp, 0) != 0 && errno != ENOENT) {
		smsotp_say(why, whysz, "%s/%s: unlink stale: %s", a->dir,
		    a->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

int
smsotp_atomic_begin(struct smsotp_atomic *a, int dirfd, const char *dir,
    const char *name, enum smsotp_atomic_tmp tmp, mode_t mode, char *why,
    size_t whysz)
{
	struct stat sb;
	sigset_t blk;
	int n;

	memset(a, 0, sizeof(*a));
	a->dfd = dirfd;
	a->dir = dir;
	a->fd = -1;
	if (strchr(name, '/') != NULL ||
	    smsotp_fmt(a->name, sizeof(a->name), "%s", name) != 0) {
		smsotp_say(why, whysz, "%s/%s: not a usable file name", dir,
		    name);
		return -1;
	}
	n = tmp == SMSOTP_ATOMIC_LOCKED ?
	    smsotp_fmt(a->tmp, sizeof(a->tmp), "%s.tmp", name) :
	    smsotp_fmt(a->tmp, sizeof(a->tmp), ".%s.tmp-%08x", name,
	    (unsigned)randombytes_random());
	if (n != 0) {
		smsotp_say(why, whysz, "%s/%s: name too long", dir, name);
		return -1;
	}
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigaddset(&blk, SIGHUP);
	sigaddset(&blk, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &blk, &a->oldmask) != 0) {
		smsotp_say(why, whysz, "%s/%s: blocking signals failed", dir,
		    name);
		return -1;
	}
	a->blocked = 1;
	if (tmp == SMSOTP_ATOMIC_LOCKED && remove_stale(a, why, whysz) != 0)
		goto fail;
	a->fd = openat(dirfd, a->tmp, TMP_FLAGS, mode & 0777);
	if (a->fd < 0) {
		smsotp_say(why, whysz, "%s/%s: create: %s", dir, a->tmp,
		    strerror(errno));
		goto fail;
	}
	a->created = 1;
	if (fstat(a->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1) {
		smsotp_say(why, whysz, "%s/%s: not a fresh regular file", dir,
		    a->tmp);
		goto fail;
	}
	if (fchmod(a->fd, mode) != 0) {
		smsotp_say(why, whysz, "%s/%s: fchmod: %s", dir, a->tmp,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	smsotp_atomic_abort(a);
	return -1;
}

int
smsotp_atomic_chown(struct smsotp_atomic *a, uid_t uid, gid_t gid, char *why,
    size_t whysz)
{
	if (fchown(a->fd, uid, gid) != 0) {
		smsotp_say(why, whysz, "%s/%s: fchown: %s", a->dir, a->tmp,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
smsotp_atomic_write(struct smsotp_atomic *a, const void *buf, size_t len,
    char *why, size_t whysz)
{
	if (smsotp_write_all(a->fd, buf, len) != 0) {
		smsotp_say(why, whysz, "%s/%s: write: %s", a->dir, a->tmp,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
smsotp_atomic_commit(struct smsotp_atomic *a, enum smsotp_atomic_sync how,
    char *why, size_t whysz)
{
	int c, rv = -1;

	if (how == SMSOTP_ATOMIC_DURABLE && fsync(a->fd) != 0) {
		smsotp_say(why, whysz, "%s/%s: fsync: %s", a->dir, a->tmp,
		    strerror(errno));
		goto out;
	}
	c = close(a->fd);
	a->fd = -1;
	if (c != 0) {
		smsotp_say(why, whysz, "%s/%s: close: %s", a->dir, a->tmp,
		    strerror(errno));
		goto out;
	}
	if (renameat(a->dfd, a->tmp, a->dfd, a->name) != 0) {
		smsotp_say(why, whysz, "%s/%s: rename to %s: %s", a->dir,
		    a->tmp, a->name, strerror(errno));
		goto out;
	}
	a->created = 0;		/* it is the file now */
	/* The new file is in place; without this it may not survive a crash. */
	if (how == SMSOTP_ATOMIC_DURABLE && fsync(a->dfd) != 0 &&
	    errno != EINVAL) {
		smsotp_say(why, whysz, "%s: fsync of directory: %s", a->dir,
		    strerror(errno));
		goto out;
	}
	rv = 0;
out:
	smsotp_atomic_abort(a);
	return rv;
}

void
smsotp_atomic_abort(struct smsotp_atomic *a)
{
	int e = errno;

	if (a->fd >= 0)
		(void)close(a->fd);
	a->fd = -1;
	if (a->created)
		(void)unlinkat(a->dfd, a->tmp, 0);
	a->created = 0;
	if (a->blocked)
		(void)pthread_sigmask(SIG_SETMASK, &a->oldmask, NULL);
	a->blocked = 0;
	errno = e;
}

int
smsotp_atomic_replace(int dirfd, const char *dir, const char *name,
    enum smsotp_atomic_tmp tmp, mode_t mode, const void *buf, size_t len,
    enum smsotp_atomic_sync how, char *why, size_t whysz)
{
	struct smsotp_atomic a;

	if (smsotp_atomic_begin(&a, dirfd, dir, name, tmp, mode, why,
	    whysz) != 0)
		return -1;
	if (smsotp_atomic_write(&a, buf, len, why, whysz) != 0) {
		smsotp_atomic_abort(&a);
		return -1;
	}
	return smsotp_atomic_commit(&a, how, why, whysz);
}
