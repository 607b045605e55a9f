/* SPDX-License-Identifier: BSD-3-Clause */
/* helper/store/dir.c - the state directory: checked opens, per-user lock, atomic commit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/state.h"
#include "store/dir_int.h"
#include "base/util.h"

/* SECURITY: group rw so that every uid running the setgid helper shares it. */
#define FILE_MODE 0660
#define OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
#define LOCK_TICK_NS 100000000L	/* 100 ms: the wait's deadline check */
#define LOCK_SIG     SIGUSR2		/* the tick; SIGALRM is the helper's */

static void say(char *why, size_t whysz, const char *fmt, ...)
    SMSOTP_ATTR_FMT(3, 4);

/* Error text; a message too long for why is cut and ends in "...". */
static void
say(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	if (n < 0)
		why[0] = '\0';
	else if ((size_t)n >= whysz && whysz >= 4)
		memcpy(why + whysz - 4, "...", 4);
}

/*
 * openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), then
 * fstat: only a regular file with a single link is accepted (a symlink, a
 * hard link, a FIFO, a device or a directory is refused, never followed,
 * never blocked on). Returns the fd, or -1 with *err = errno of a failed
 * open (ENOENT: missing) or -1 when the file was refused.
 */
static int
open_checked(const struct smsotp_store *s, const char *name, int flags,
    struct stat *sb, int *err, char *why, size_t whysz)
{
	int fd;

	*err = 0;
	fd = openat(s->dirfd, name, flags | OPEN_FLAGS, FILE_MODE);
	if (fd < 0) {
		*err = errno;
		say(why, whysz, "%s/%s: %s", s->path, name, *err == ELOOP ?
		    "is a symbolic link, refused" : strerror(*err));
		return -1;
	}
	*err = -1;
	if (fstat(fd, sb) != 0) {
		say(why, whysz, "%s/%s: fstat: %s", s->path, name,
		    strerror(errno));
	} else if (!S_ISREG(sb->st_mode)) {
		say(why, whysz, "%s/%s: not a regular file (mode %06o), refused",
		    s->path, name, (unsigned)sb->st_mode);
	} else if (sb->st_nlink != 1) {
		say(why, whysz, "%s/%s: has %lu hard links, refused", s->path,
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
read_file(const struct smsotp_store *s, const char *name, char *buf,
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
			say(why, whysz, "%s/%s: read: %s", s->path, name,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used >= cap) {
		say(why, whysz, "%s/%s: corrupt: larger than %zu bytes", s->path,
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

/*
 * Read and parse the state file name (no lock taken here).
 * SMSOTP_ST_OK with *exists 0 (no file) or 1, SMSOTP_ST_CORRUPT,
 * SMSOTP_ST_ERROR; why filled unless OK.
 */
int
smsotp_state_read_unlocked(const struct smsotp_store *s, const char *name,
    struct smsotp_state *st, int *exists, char *why, size_t whysz)
{
	char buf[SMSOTP_STATE_MAX_SIZE + 1];
	const char *perr = "?";
	size_t used = 0;
	int rv;

	rv = read_file(s, name, buf, sizeof(buf), &used, exists, why, whysz);
	if (rv != SMSOTP_ST_OK || !*exists)
		goto out;
	if (smsotp_state_parse(buf, used, st, &perr) != 0) {
		say(why, whysz, "%s/%s: corrupt: %s", s->path, name, perr);
		rv = SMSOTP_ST_CORRUPT;
	}
out:
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_store_open(const char *dir, uid_t owner, struct smsotp_store *store,
    char *why, size_t whysz)
{
	struct stat sb;
	int fd, rv = SMSOTP_ST_ERROR;

	store->dirfd = -1;
	store->path = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		/* O_DIRECTORY | O_NOFOLLOW on a symlink gives ENOTDIR: say why. */
		if (e == ELOOP || (e == ENOTDIR && lstat(dir, &sb) == 0 &&
		    S_ISLNK(sb.st_mode)))
			say(why, whysz, "%s: is a symbolic link, refused", dir);
		else
			say(why, whysz, "%s: %s", dir, strerror(e));
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		say(why, whysz, "%s: fstat: %s", dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		say(why, whysz, "%s: not a directory", dir);
		goto out;
	}
	if (sb.st_uid != owner) {
		say(why, whysz, "%s: owned by uid %lu, must be owned by uid %lu",
		    dir, (unsigned long)sb.st_uid, (unsigned long)owner);
		goto out;
	}
	if (sb.st_mode & S_IWOTH) {
		say(why, whysz, "%s: world-writable (mode %04o), refused", dir,
		    (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	store->path = strdup(dir);
	if (store->path == NULL) {
		say(why, whysz, "%s: out of memory", dir);
		goto out;
	}
	store->dirfd = fd;
	fd = -1;
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

void
smsotp_store_close(struct smsotp_store *store)
{
	if (store == NULL)
		return;
	if (store->dirfd >= 0)
		close(store->dirfd);
	store->dirfd = -1;
	free(store->path);
	store->path = NULL;
}

static void
lock_tick(int sig)
{
	(void)sig;		/* only to interrupt flock (no SA_RESTART) */
}

/*
 * flock(LOCK_EX) for at most wait_ms. A blocked flock is woken the moment
 * the lock is free, where retries with sleeps lose it to newcomers: under
 * a queue of logins (the global counts at 9 am) those starved for seconds.
 * A periodic LOCK_SIG tick interrupts the wait to check the deadline
 * (periodic, so a tick that fires just before flock blocks is no loss).
 */
static int
take_lock(int fd, int wait_ms)
{
	struct sigaction sa, old;
	struct sigevent sev;
	struct itimerspec its;
	sigset_t unblock, oldmask;
	timer_t timer;
	double deadline;
	int rv = SMSOTP_ST_ERROR, have_sa = 0, have_timer = 0, have_mask = 0;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return SMSOTP_ST_OK;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return SMSOTP_ST_ERROR;
	if (wait_ms <= 0)
		return SMSOTP_ST_BUSY;
	deadline = smsotp_mono() + wait_ms / 1000.0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lock_tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(LOCK_SIG, &sa, &old) != 0)
		goto out;
	have_sa = 1;
	sigemptyset(&unblock);
	sigaddset(&unblock, LOCK_SIG);
	if (sigprocmask(SIG_UNBLOCK, &unblock, &oldmask) != 0)
		goto out;
	have_mask = 1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = LOCK_SIG;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
		goto out;
	have_timer = 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = LOCK_TICK_NS;
	its.it_interval.tv_nsec = LOCK_TICK_NS;
	if (timer_settime(timer, 0, &its, NULL) != 0)
		goto out;
	for (;;) {
		if (flock(fd, LOCK_EX) == 0) {
			rv = SMSOTP_ST_OK;
			break;
		}
		if (errno != EINTR)
			break;
		if (smsotp_mono() >= deadline) {
			rv = SMSOTP_ST_BUSY;
			break;
		}
	}
out:
	if (have_timer)
		(void)timer_delete(timer);
	if (have_mask)
		(void)sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (have_sa)
		(void)sigaction(LOCK_SIG, &old, NULL);
	return rv;
}

int
smsotp_store_lock(struct smsotp_store *store, const char *name, int wait_ms,
    int *lockfd, char *why, size_t whysz)
{
	char lockname[SMSOTP_STATE_NAME_SIZE];
	struct stat sb;
	int err, r, fd = -1, rv = SMSOTP_ST_ERROR;

	*lockfd = -1;
	if (smsotp_fmt(lockname, sizeof(lockname), "%s.lock", name) != 0) {
		say(why, whysz, "state: lock name too long");
		goto out;
	}
	fd = open_checked(store, lockname, O_RDWR | O_CREAT, &sb, &err, why,
	    whysz);
	if (fd < 0)
		goto out;
	/* umask 077 took the group bits: restore them on a lock file we own. */
	if ((sb.st_mode & 07777) != FILE_MODE && sb.st_uid == geteuid() &&
	    fchmod(fd, FILE_MODE) != 0) {
		say(why, whysz, "%s/%s: fchmod: %s", store->path, lockname,
		    strerror(errno));
		goto out;
	}
	r = take_lock(fd, wait_ms);
	if (r != SMSOTP_ST_OK) {
		if (r == SMSOTP_ST_BUSY)
			say(why, whysz, "%s/%s: still locked after %d ms",
			    store->path, lockname, wait_ms);
		else
			say(why, whysz, "%s/%s: flock: %s", store->path,
			    lockname, strerror(errno));
		rv = r;
		goto out;
	}
	*lockfd = fd;
	fd = -1;
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

int
smsotp_store_read(struct smsotp_store *store, const char *name, char *buf,
    size_t cap, size_t *len, int *exists, char *why, size_t whysz)
{
	return read_file(store, name, buf, cap, len, exists, why, whysz);
}

/*
 * Lock and read the state file name for user. slot: the file is shared by
 * several names (decoys for unknown users): another name's state there is
 * replaced by a fresh one instead of being corrupt.
 */
static int
begin_named(struct smsotp_store *store, const char *name, int slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz)
{
	int rv = SMSOTP_ST_ERROR;

	memset(txn, 0, sizeof(*txn));
	txn->store = store;
	txn->lockfd = -1;
	txn->slot = slot;
	memset(st, 0, sizeof(*st));
	if (user == NULL || user[0] == '\0' ||
	    strnlen(user, SMSOTP_USER_MAX + 1) > SMSOTP_USER_MAX ||
	    smsotp_fmt(txn->name, sizeof(txn->name), "%s", name) != 0) {
		say(why, whysz, "state: bad user name");
		goto out;
	}
	rv = smsotp_store_lock(store, txn->name, wait_ms, &txn->lockfd, why,
	    whysz);
	if (rv != SMSOTP_ST_OK)
		goto out;
	rv = smsotp_state_read_unlocked(store, txn->name, st, &txn->exists, why, whysz);
	if (rv == SMSOTP_ST_OK && txn->exists && strcmp(st->user, user) != 0) {
		if (slot) {
			txn->exists = 0;	/* another unknown name's: evicted */
		} else {
			/* SECURITY: a hash collision or a file copied over another's. */
			say(why, whysz, "%s/%s: corrupt: belongs to another user",
			    store->path, txn->name);
			rv = SMSOTP_ST_CORRUPT;
		}
	}
	if (rv == SMSOTP_ST_OK && !txn->exists)
		smsotp_state_init(st, user);
out:
	if (rv != SMSOTP_ST_OK && rv != SMSOTP_ST_CORRUPT &&
	    txn->lockfd >= 0) {
		close(txn->lockfd);
		txn->lockfd = -1;
	}
	if (rv != SMSOTP_ST_OK && user != NULL)
		smsotp_state_init(st, user);
	if (rv == SMSOTP_ST_OK && why != NULL && whysz > 0)
		why[0] = '\0';
	return rv;
}

int
smsotp_state_begin(struct smsotp_store *store, const char *user, int wait_ms,
    struct smsotp_txn *txn, struct smsotp_state *st, char *why, size_t whysz)
{
	char name[SMSOTP_STATE_NAME_SIZE] = "";

	if (user != NULL && user[0] != '\0' &&
	    strnlen(user, SMSOTP_USER_MAX + 1) <= SMSOTP_USER_MAX)
		smsotp_state_name(user, name);
	return begin_named(store, name, 0, user, wait_ms, txn, st, why, whysz);
}

int
smsotp_state_begin_slot(struct smsotp_store *store, const char *slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz)
{
	return begin_named(store, slot, 1, user, wait_ms, txn, st, why, whysz);
}

int
smsotp_store_write(struct smsotp_store *store, const char *name,
    const char *buf, size_t len, char *why, size_t whysz)
{
	return smsotp_store_put(store, name, buf, len, SMSOTP_PUT_DURABLE, why,
	    whysz);
}

int
smsotp_store_put(struct smsotp_store *store, const char *name,
    const char *buf, size_t len, int how, char *why, size_t whysz)
{
	char tmp[SMSOTP_STATE_NAME_SIZE];
	const char *path = store->path;
	sigset_t blk, old;
	struct stat sb;
	int dirfd = store->dirfd, fd = -1, created = 0, blocked = 0, c;
	int rv = SMSOTP_ST_ERROR;

	if (smsotp_fmt(tmp, sizeof(tmp), "%s.tmp", name) != 0) {
		say(why, whysz, "state: tmp name too long");
		goto out;
	}
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigaddset(&blk, SIGHUP);
	sigaddset(&blk, SIGINT);
	if (sigprocmask(SIG_BLOCK, &blk, &old) != 0) {
		say(why, whysz, "state: sigprocmask: %s", strerror(errno));
		goto out;
	}
	blocked = 1;

	/* A stale tmp from a crash: remove it, but never follow it. */
	if (fstatat(dirfd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
			say(why, whysz, "%s/%s: not a regular file, refused",
			    path, tmp);
			goto out;
		}
		if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT) {
			say(why, whysz, "%s/%s: unlink stale: %s", path, tmp,
			    strerror(errno));
			goto out;
		}
	} else if (errno != ENOENT) {
		say(why, whysz, "%s/%s: %s", path, tmp, strerror(errno));
		goto out;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | OPEN_FLAGS,
	    FILE_MODE);
	if (fd < 0) {
		say(why, whysz, "%s/%s: create: %s", path, tmp, strerror(errno));
		goto out;
	}
	created = 1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
		say(why, whysz, "%s/%s: not a fresh regular file", path, tmp);
		goto out;
	}
	if (fchmod(fd, FILE_MODE) != 0) {
		say(why, whysz, "%s/%s: fchmod: %s", path, tmp, strerror(errno));
		goto out;
	}
	if (smsotp_write_all(fd, buf, len) != 0) {
		say(why, whysz, "%s/%s: write: %s", path, tmp, strerror(errno));
		goto out;
	}
	if (how == SMSOTP_PUT_DURABLE && fsync(fd) != 0) {
		say(why, whysz, "%s/%s: fsync: %s", path, tmp, strerror(errno));
		goto out;
	}
	c = close(fd);
	fd = -1;
	if (c != 0) {
		say(why, whysz, "%s/%s: close: %s", path, tmp, strerror(errno));
		goto out;
	}
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		say(why, whysz, "%s/%s: rename to %s: %s", path, tmp, name,
		    strerror(errno));
		goto out;
	}
	created = 0;
	/* The new state is in place; without this it may not survive a crash. */
	if (how == SMSOTP_PUT_DURABLE && fsync(dirfd) != 0 && errno != EINVAL) {
		say(why, whysz, "%s: fsync of directory: %s", path,
		    strerror(errno));
		goto out;
	}
	rv = SMSOTP_ST_OK;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		(void)unlinkat(dirfd, tmp, 0);
	if (blocked)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return rv;
}

int
smsotp_state_commit(struct smsotp_txn *txn, const struct smsotp_state *st,
    char *why, size_t whysz)
{
	char buf[SMSOTP_STATE_MAX_SIZE + 1], chk[SMSOTP_STATE_NAME_SIZE];
	const char *path = txn->store != NULL ? txn->store->path : "?";
	size_t len;
	int rv = SMSOTP_ST_ERROR;

	if (txn->lockfd < 0 || txn->store == NULL) {
		say(why, whysz, "state: commit without a locked transaction");
		goto out;
	}
	if (smsotp_state_format(st, buf, sizeof(buf), &len) != 0) {
		say(why, whysz, "%s/%s: refusing to write an invalid state",
		    path, txn->name);
		goto out;
	}
	smsotp_state_name(st->user, chk);
	if (!txn->slot && strcmp(chk, txn->name) != 0) {
		say(why, whysz, "%s/%s: state of another user, not written",
		    path, txn->name);
		goto out;
	}
	rv = smsotp_store_write(txn->store, txn->name, buf, len, why, whysz);
	if (rv == SMSOTP_ST_OK)
		txn->exists = 1;
out:
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_state_remove(struct smsotp_txn *txn, char *why, size_t whysz)
{
	char tmp[SMSOTP_STATE_NAME_SIZE];
	struct stat sb;
	int dirfd, rv = SMSOTP_ST_ERROR;

	if (txn->lockfd < 0 || txn->store == NULL) {
		say(why, whysz, "state: remove without a locked transaction");
		goto out;
	}
	dirfd = txn->store->dirfd;
	/* unlinkat never follows a symlink; a directory fails with EISDIR. */
	if (unlinkat(dirfd, txn->name, 0) != 0 && errno != ENOENT) {
		say(why, whysz, "%s/%s: unlink: %s", txn->store->path, txn->name,
		    strerror(errno));
		goto out;
	}
	txn->exists = 0;
	if (smsotp_fmt(tmp, sizeof(tmp), "%s.tmp", txn->name) == 0 &&
	    fstatat(dirfd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)))
		(void)unlinkat(dirfd, tmp, 0);
	if (fsync(dirfd) != 0 && errno != EINVAL) {
		say(why, whysz, "%s: fsync of directory: %s", txn->store->path,
		    strerror(errno));
		goto out;
	}
	rv = SMSOTP_ST_OK;
out:
	return rv;
}

void
smsotp_state_end(struct smsotp_txn *txn)
{
	if (txn == NULL)
		return;
	if (txn->lockfd >= 0)
		close(txn->lockfd);	/* releases the flock */
	txn->lockfd = -1;
}
