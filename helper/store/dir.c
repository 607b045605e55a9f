/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dir.c - the store in the state directory (store/store.h): one file per
 * record, "<key>.lock" beside it for its lock, "<key>.tmp" for its
 * replacement. Every open is openat(dirfd, ..., O_NOFOLLOW | O_NONBLOCK |
 * O_CLOEXEC) followed by fstat: S_ISREG and st_nlink == 1 required.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic.h"
#include "base/lock.h"
#include "base/util.h"
#include "store/dir_int.h"

/* SECURITY: group rw so that every uid running the setgid helper shares it. */
#define FILE_MODE 0660
#define OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

/*
 * openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), then
 * fstat: only a regular file with a single link is accepted (a symlink, a
 * hard link, a FIFO, a device or a directory is refused, never followed,
 * never blocked on). Returns the fd, or -1 with *err = errno of a failed
 * open (ENOENT: missing) or -1 when the file was refused.
 */
static int
open_checked(const struct smsotp_dir *s, const char *name, int flags,
    struct stat *sb, int *err, char *why, size_t whysz)
{
	int fd;

	*err = 0;
	fd = openat(s->dirfd, name, flags | OPEN_FLAGS, FILE_MODE);
	if (fd < 0) {
		*err = errno;
		smsotp_say(why, whysz, "%s/%s: %s", s->path, name, *err == ELOOP ?
		    "is a symbolic link, refused" : strerror(*err));
		return -1;
	}
	*err = -1;
	if (fstat(fd, sb) != 0) {
		smsotp_say(why, whysz, "%s/%s: fstat: %s", s->path, name,
		    strerror(errno));
	} else if (!S_ISREG(sb->st_mode)) {
		smsotp_say(why, whysz, "%s/%s: not a regular file (mode %06o), refused",
		    s->path, name, (unsigned)sb->st_mode);
	} else if (sb->st_nlink != 1) {
		smsotp_say(why, whysz, "%s/%s: has %lu hard links, refused", s->path,
		    name, (unsigned long)sb->st_nlink);
	} else {
		*err = 0;
		return fd;
	}
	close(fd);
	return -1;
}

/*
 * Read the file name whole into buf (cap bytes; a file of cap bytes or
 * more is too large). No lock taken here. SMSOTP_ST_OK with *exists 0 (no
 * file) or 1, SMSOTP_ST_CORRUPT (too large), SMSOTP_ST_ERROR (refused or
 * unreadable); why filled unless OK.
 */
static int
read_file(const struct smsotp_dir *s, const char *name, char *buf,
    size_t cap, size_t *len, int *exists, char *why, size_t whysz)
{
	struct stat sb;
	size_t used = 0;
	ssize_t n;
	int fd, err, rv = SMSOTP_ST_ERROR;

	*exists = 0;
	*len = 0;
	fd = open_checked(s, name, O_RDONLY, &sb, &err, why, whysz);
	if (fd < 0) {
		if (err == ENOENT)
			rv = SMSOTP_ST_OK;
		goto out;
	}
	*exists = 1;
	while (used < cap) {
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			smsotp_say(why, whysz, "%s/%s: read: %s", s->path, name,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used >= cap) {
		smsotp_say(why, whysz, "%s/%s: corrupt: larger than %zu bytes", s->path,
		    name, cap - 1);
		rv = SMSOTP_ST_CORRUPT;
		goto out;
	}
	*len = used;
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

static int
dir_get(struct smsotp_store *store, const char *key, char *buf, size_t cap,
    size_t *len, int *exists, char *why, size_t whysz)
{
	return read_file(smsotp_dir_of(store), key, buf, cap, len, exists, why,
	    whysz);
}

static int
dir_begin(struct smsotp_store *store, const char *key, double deadline,
    struct smsotp_store_txn *txn, char *why, size_t whysz)
{
	const struct smsotp_dir *d = smsotp_dir_of(store);
	char lockname[SMSOTP_STORE_KEY_MAX + 8];
	enum smsotp_lock_result r;
	struct stat sb;
	int err, fd = -1, rv = SMSOTP_ST_ERROR;

	if (smsotp_fmt(lockname, sizeof(lockname), "%s.lock", key) != 0 ||
	    smsotp_fmt(txn->key, sizeof(txn->key), "%s", key) != 0) {
		smsotp_say(why, whysz, "%s: lock name too long", d->path);
		goto out;
	}
	fd = open_checked(d, lockname, O_RDWR | O_CREAT, &sb, &err, why,
	    whysz);
	if (fd < 0)
		goto out;
	/* umask 077 took the group bits: restore them on a lock file we own. */
	if ((sb.st_mode & 07777) != FILE_MODE && sb.st_uid == geteuid() &&
	    fchmod(fd, FILE_MODE) != 0) {
		smsotp_say(why, whysz, "%s/%s: fchmod: %s", d->path, lockname,
		    strerror(errno));
		goto out;
	}
	r = smsotp_lock_until(fd, deadline);
	if (r != SMSOTP_LOCK_OK) {
		if (r == SMSOTP_LOCK_BUSY)
			smsotp_say(why, whysz, "%s/%s: still locked at the "
			    "deadline", d->path, lockname);
		else
			smsotp_say(why, whysz, "%s/%s: flock: %s", d->path,
			    lockname, strerror(errno));
		rv = r == SMSOTP_LOCK_BUSY ? SMSOTP_ST_BUSY : SMSOTP_ST_ERROR;
		goto out;
	}
	txn->store = store;
	txn->handle = fd;
	fd = -1;
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

static int
dir_put(struct smsotp_store *store, const char *key, const char *buf,
    size_t len, enum smsotp_store_put how, char *why, size_t whysz)
{
	const struct smsotp_dir *d = smsotp_dir_of(store);

	return smsotp_atomic_replace(d->dirfd, d->path, key,
	    SMSOTP_ATOMIC_LOCKED, FILE_MODE, buf, len,
	    how == SMSOTP_PUT_COUNTER ? SMSOTP_ATOMIC_NOSYNC :
	    SMSOTP_ATOMIC_DURABLE, why, whysz) == 0 ? SMSOTP_ST_OK :
	    SMSOTP_ST_ERROR;
}

static int
dir_remove(struct smsotp_store *store, const char *key, char *why,
    size_t whysz)
{
	const struct smsotp_dir *d = smsotp_dir_of(store);
	char tmp[SMSOTP_STORE_KEY_MAX + 8];
	struct stat sb;

	/* unlinkat never follows a symlink; a directory fails with EISDIR. */
	if (unlinkat(d->dirfd, key, 0) != 0 && errno != ENOENT) {
		smsotp_say(why, whysz, "%s/%s: unlink: %s", d->path, key,
		    strerror(errno));
		return SMSOTP_ST_ERROR;
	}
	if (smsotp_fmt(tmp, sizeof(tmp), "%s.tmp", key) == 0 &&
	    fstatat(d->dirfd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)))
		(void)unlinkat(d->dirfd, tmp, 0);
	if (fsync(d->dirfd) != 0 && errno != EINVAL) {
		smsotp_say(why, whysz, "%s: fsync of directory: %s", d->path,
		    strerror(errno));
		return SMSOTP_ST_ERROR;
	}
	return SMSOTP_ST_OK;
}

static void
dir_end(struct smsotp_store_txn *txn)
{
	if (txn->handle >= 0)
		close(txn->handle);	/* releases the flock */
	txn->handle = -1;
}

static void
dir_close(struct smsotp_store *store)
{
	struct smsotp_dir *d = store->be;

	if (d == NULL)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->path);
	free(d);
}

static const struct smsotp_store_ops dir_ops = {
	.name = "dir",
	.begin = dir_begin,
	.get = dir_get,
	.put = dir_put,
	.remove = dir_remove,
	.end = dir_end,
	.foreach = smsotp_dir_foreach,
	.swap = smsotp_dir_swap,
	.swap_read = smsotp_dir_swap_read,
	.close = dir_close,
};

int
smsotp_store_open_dir(const char *dir, uid_t owner, struct smsotp_store *store,
    char *why, size_t whysz)
{
	struct smsotp_dir *d = NULL;
	struct stat sb;
	int fd, rv = SMSOTP_ST_ERROR;

	store->ops = NULL;
	store->where = NULL;
	store->be = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		/* O_DIRECTORY | O_NOFOLLOW on a symlink gives ENOTDIR: say why. */
		if (e == ELOOP || (e == ENOTDIR && lstat(dir, &sb) == 0 &&
		    S_ISLNK(sb.st_mode)))
			smsotp_say(why, whysz, "%s: is a symbolic link, refused",
			    dir);
		else
			smsotp_say(why, whysz, "%s: %s", dir, strerror(e));
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		smsotp_say(why, whysz, "%s: fstat: %s", dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		smsotp_say(why, whysz, "%s: not a directory", dir);
		goto out;
	}
	if (sb.st_uid != owner) {
		smsotp_say(why, whysz, "%s: owned by uid %lu, must be owned by "
		    "uid %lu", dir, (unsigned long)sb.st_uid,
		    (unsigned long)owner);
		goto out;
	}
	if (sb.st_mode & S_IWOTH) {
		smsotp_say(why, whysz, "%s: world-writable (mode %04o), refused",
		    dir, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->path = strdup(dir)) == NULL) {
		smsotp_say(why, whysz, "%s: out of memory", dir);
		free(d);
		goto out;
	}
	d->dirfd = fd;
	fd = -1;
	store->ops = &dir_ops;
	store->where = d->path;
	store->be = d;
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}
