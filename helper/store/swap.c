/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swap.c - lock-free versioned records of the state directory:
 * compare-and-swap by rename without replace (store.h smsotp_store_swap).
 *
 * SECURITY: a record that every login updates must never be behind a lock
 * that a process the caller can stop may hold: an unprivileged caller runs
 * the setgid helper with its own uid and may SIGSTOP it at any moment, and
 * every other login would then wait for that lock. So such a record takes
 * no lock at all. It is a series of versions in the directory
 * "<name>.d/", each a whole file named by its decimal sequence number. An
 * update reads the newest version n, builds version n + 1 in a temporary
 * file of its own and renames it to "n+1" with RENAME_NOREPLACE (link(2)
 * where the filesystem lacks it): of two updates that read the same n, one
 * wins and the other reads again (compare-and-swap). A stopped or killed
 * updater holds nothing: the others go past it, and when it wakes its
 * rename finds "n+1" taken and it starts over. The oldest versions are
 * removed by the winners (the newest SMSOTP_SWAP_KEEP stay), temporary
 * files of killed updaters after a minute.
 *
 * Within one process (the resident service's threads) the updates of a
 * record take turns on a mutex of the process instead: none of its
 * threads can be stopped by a caller, and 32 threads racing one rename
 * would spend their time losing it. Between processes and hosts the
 * compare-and-swap stays the only rule. A process also remembers the
 * newest version it saw (swap_turn.c): while that one is fresh and has
 * no successor it is the newest (newest_fast), and the directory, which
 * holds a few seconds of versions under load, is listed only by one
 * update in 16 (which removes the old ones) and after a lost race.
 *
 * Versions are written without fsync (store.h SMSOTP_PUT_COUNTER): a
 * crash may lose the last updates or leave the newest version damaged, and
 * the caller decides what a damaged version means (core/global.c: written
 * before this boot, a crash's loss; else fail closed).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/util.h"
#include "store/dir_int.h"
#include "base/wipe.h"

#define DIR_MODE   02770
#define FILE_MODE  0660
#define OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
#define STALE_TMP_S 60
#define MAX_OLD     64		/* old versions removed per update, at most */
#define OLD_AGE_S   2		/* a superseded version stays this long */
#define HDR_LEN     39		/* "swap " + 16 hex + " " + 16 hex + "\n" */
#define FRESH_S     1		/* a version this young has no removed successor */
#define FAST_WIN_S  0.25	/* a fast round is won without a listing within */


/* "<name>.d" opened (created on first use), checked. fd or -1 (why). */
static int
open_dir(struct smsotp_store *store, const char *name, char *why, size_t whysz)
{
	const struct smsotp_dir *sd = smsotp_dir_of(store);
	char dname[48];
	struct stat sb;
	int fd, tries;

	if (strchr(name, '/') != NULL || strlen(name) > 32 ||
	    smsotp_fmt(dname, sizeof(dname), "%s.d", name) != 0) {
		smsotp_say(why, whysz, "%s: bad record name", smsotp_store_where(store));
		return -1;
	}
	for (tries = 0; tries < 2; tries++) {
		fd = openat(sd->dirfd, dname, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		if (mkdirat(sd->dirfd, dname, 0700) != 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		smsotp_say(why, whysz, "%s/%s: %s", smsotp_store_where(store), dname,
		    errno == ENOTDIR || errno == ELOOP ?
		    "not a directory, refused" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		smsotp_say(why, whysz, "%s/%s: not a directory, refused", smsotp_store_where(store),
		    dname);
		goto bad;
	}
	/* umask 077 took the group bits of a directory we made: restore them */
	if ((sb.st_mode & 07777) != DIR_MODE && sb.st_uid == geteuid() &&
	    fchmod(fd, DIR_MODE) != 0) {
		smsotp_say(why, whysz, "%s/%s: fchmod: %s", smsotp_store_where(store), dname,
		    strerror(errno));
		goto bad;
	}
	if (sb.st_mode & S_IWOTH) {
		smsotp_say(why, whysz, "%s/%s: world-writable, refused", smsotp_store_where(store),
		    dname);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

/* A version's name: decimal, no leading zero, fits 64 bits. */
static int
parse_seq(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] < '1' || s[0] > '9' || strlen(s) > 19)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Put v into old[], the MAX_OLD smallest sequence numbers, ascending. */
static void
keep_oldest(uint64_t *old, int *nold, uint64_t v)
{
	int i;

	if (*nold == MAX_OLD) {
		if (v >= old[MAX_OLD - 1])
			return;
		(*nold)--;
	}
	for (i = *nold; i > 0 && old[i - 1] > v; i--)
		old[i] = old[i - 1];
	old[i] = v;
	(*nold)++;
}

/*
 * Scan the directory: the newest sequence number (0: none), the oldest
 * others (up to MAX_OLD, ascending) into old[]; temporary files of killed
 * updaters that are older than STALE_TMP_S are removed. 0 or -1 (why).
 */
static int
scan(int dfd, uint64_t *newest, uint64_t *old, int *nold, char *why,
    size_t whysz)
{
	struct dirent *e;
	struct stat sb;
	uint64_t v;
	time_t now = time(NULL);
	DIR *d;
	int fd;

	*newest = 0;
	*nold = 0;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		smsotp_say(why, whysz, "record directory: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "t.", 2) == 0) {
			if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    sb.st_mtime < now - STALE_TMP_S)
				(void)unlinkat(dfd, e->d_name, 0);
			continue;
		}
		if (parse_seq(e->d_name, &v) != 0)
			continue;
		if (v > *newest) {
			if (*newest != 0)
				keep_oldest(old, nold, *newest);
			*newest = v;
		} else {
			keep_oldest(old, nold, v);
		}
	}
	closedir(d);
	return 0;
}

static int
absent(int dfd, uint64_t seq)
{
	char vname[24];
	struct stat sb;

	(void)smsotp_fmt(vname, sizeof(vname), "%llu", (unsigned long long)seq);
	return fstatat(dfd, vname, &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
	    errno == ENOENT;
}

/*
 * The newest version without listing the directory: hint (the newest this
 * process saw), when it is still there, at most FRESH_S seconds old, and
 * hint + 1 is not there. A version is written after its predecessor was
 * read, so every version after hint would be younger than hint, and
 * removal takes only versions older than OLD_AGE_S: one after hint would
 * still be there, hint + 1 first. 1 (*newest set), or 0: list it.
 */
static int
newest_fast(int dfd, uint64_t hint, uint64_t *newest)
{
	char vname[24];
	struct stat sb;

	if (hint == 0)
		return 0;
	(void)smsotp_fmt(vname, sizeof(vname), "%llu", (unsigned long long)hint);
	if (fstatat(dfd, vname, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode) || sb.st_mtime < time(NULL) - FRESH_S ||
	    !absent(dfd, hint + 1))
		return 0;
	*newest = hint;
	return 1;
}

/*
 * After a fast round (newest_fast) that read version seq, written at
 * mtime, and published seq + 1: 1 when it won without a listing. The
 * round must still be young, by both clocks (an updater that was stopped
 * lists), and the version it read still there: then no one had taken
 * seq + 1 before, nothing after it can have been removed yet, and when
 * seq + 2 is not there, seq + 1 is the newest.
 */
static int
fast_won(int dfd, uint64_t seq, double t_fast, time_t mtime)
{
	return smsotp_mono() - t_fast < FAST_WIN_S &&
	    time(NULL) - mtime <= FRESH_S && !absent(dfd, seq) &&
	    absent(dfd, seq + 2);
}

/*
 * Read version seq into buf. SMSOTP_ST_OK, SMSOTP_ST_BUSY when it is gone
 * (removed by a newer winner: scan again), SMSOTP_ST_ERROR (why).
 */
static int
read_version(int dfd, uint64_t seq, char *buf, size_t cap, size_t *len,
    struct smsotp_swap_cur *cur, char hdr[HDR_LEN + 1], char *why,
    size_t whysz)
{
	char vname[24];
	struct stat sb;
	size_t used = 0;
	ssize_t n;
	int fd, rv = SMSOTP_ST_ERROR;

	*len = 0;
	buf[0] = '\0';
	memset(cur, 0, sizeof(*cur));
	memset(hdr, 0, HDR_LEN + 1);
	if (seq == 0)
		return SMSOTP_ST_OK;
	(void)smsotp_fmt(vname, sizeof(vname), "%llu", (unsigned long long)seq);
	fd = openat(dfd, vname, O_RDONLY | OPEN_FLAGS);
	if (fd < 0) {
		if (errno == ENOENT)
			return SMSOTP_ST_BUSY;
		smsotp_say(why, whysz, "record version %s: %s", vname, strerror(errno));
		return SMSOTP_ST_ERROR;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		smsotp_say(why, whysz, "record version %s: not a regular file, refused",
		    vname);
		goto out;
	}
	while (used + 1 < cap) {
		n = read(fd, buf + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			smsotp_say(why, whysz, "record version %s: read: %s", vname,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	/* the header is ours: a version without one is damaged (payload kept) */
	if (used >= HDR_LEN && strncmp(buf, "swap ", 5) == 0 &&
	    buf[HDR_LEN - 1] == '\n') {
		memcpy(hdr, buf, HDR_LEN);
		used -= HDR_LEN;
		memmove(buf, buf + HDR_LEN, used + 1);
	}
	*len = used;
	cur->exists = 1;
	cur->seq = seq;
	cur->mtime = sb.st_mtime;
	rv = SMSOTP_ST_OK;
out:
	close(fd);
	return rv;
}

int
smsotp_dir_swap_read(struct smsotp_store *store, const char *name,
    char *buf, size_t cap, size_t *len, struct smsotp_swap_cur *cur,
    char *why, size_t whysz)
{
	uint64_t newest, old[MAX_OLD];
	char hdr[HDR_LEN + 1];
	int dfd, nold, tries, rv = SMSOTP_ST_ERROR;

	*len = 0;
	memset(cur, 0, sizeof(*cur));
	dfd = open_dir(store, name, why, whysz);
	if (dfd < 0)
		return SMSOTP_ST_ERROR;
	for (tries = 0; tries < 100; tries++) {
		if (tries > 0 || !newest_fast(dfd, smsotp_swap_hint(dfd, name, 0),
		    &newest)) {
			if (scan(dfd, &newest, old, &nold, why, whysz) != 0)
				break;
			smsotp_swap_hint_set(dfd, name, newest);
		}
		rv = read_version(dfd, newest, buf, cap, len, cur, hdr, why,
		    whysz);
		if (rv != SMSOTP_ST_BUSY)
			break;
		rv = SMSOTP_ST_ERROR;
		smsotp_say(why, whysz, "%s/%s.d: versions keep vanishing", smsotp_store_where(store),
		    name);
	}
	close(dfd);
	return rv;
}

/* Write buf to a fresh temporary file; its name into tmp. 0 or -1. */
static int
write_tmp(int dfd, const char *hdr, const char *buf, size_t len, char tmp[48],
    char *why, size_t whysz)
{
	int fd, c;

	/* unique without a counter that a second request would share */
	if (smsotp_fmt(tmp, 48, "t.%ld.%08x.%ld", (long)getpid(),
	    (unsigned)randombytes_random(), (long)(smsotp_mono() * 1e6)) != 0)
		return -1;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | OPEN_FLAGS,
	    FILE_MODE);
	if (fd < 0) {
		smsotp_say(why, whysz, "record: create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, FILE_MODE) != 0 ||
	    smsotp_write_all(fd, hdr, HDR_LEN) != 0 ||
	    smsotp_write_all(fd, buf, len) != 0) {
		smsotp_say(why, whysz, "record: write %s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlinkat(dfd, tmp, 0);
		return -1;
	}
	c = close(fd);
	if (c != 0) {
		smsotp_say(why, whysz, "record: close %s: %s", tmp, strerror(errno));
		(void)unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

/*
 * Publish tmp as version seq, never replacing one: 0 won, 1 lost (the
 * version exists), -1 error. tmp is gone afterwards in every case.
 */
static int
publish(int dfd, const char *tmp, uint64_t seq, char *why, size_t whysz)
{
	char vname[24];
	int rv = -1;

	(void)smsotp_fmt(vname, sizeof(vname), "%llu", (unsigned long long)seq);
	if (renameat2(dfd, tmp, dfd, vname, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST) {
		rv = 1;
	} else if (errno == EINVAL || errno == ENOSYS) {
		/* no RENAME_NOREPLACE here: link(2) never replaces either */
		if (linkat(dfd, tmp, dfd, vname, 0) == 0)
			rv = 0;
		else if (errno == EEXIST)
			rv = 1;
		else
			smsotp_say(why, whysz, "record: link %s: %s", vname,
			    strerror(errno));
	} else {
		smsotp_say(why, whysz, "record: rename to %s: %s", vname,
		    strerror(errno));
	}
	(void)unlinkat(dfd, tmp, 0);
	return rv;
}

/*
 * Remove superseded versions: not among the newest SMSOTP_SWAP_KEEP, and
 * older than OLD_AGE_S, so that a name is never free again while an
 * update that read its predecessor may still check its own win (won()).
 * Oldest first, up to the first one too young: a version is written
 * after its predecessor was read, so the later ones are younger still (a
 * rare exception waits for a later update), and an update under a steady
 * load stats one version that stays, not every one of the last seconds.
 */
static void
remove_old(int dfd, uint64_t newest, const uint64_t *old, int nold)
{
	struct stat sb;
	char vname[24];
	time_t now = time(NULL);
	int i;

	for (i = 0; i < nold && old[i] + SMSOTP_SWAP_KEEP <= newest; i++) {
		(void)smsotp_fmt(vname, sizeof(vname), "%llu",
		    (unsigned long long)old[i]);
		if (fstatat(dfd, vname, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;	/* another winner removed it */
		if (sb.st_mtime >= now - OLD_AGE_S)
			break;
		(void)unlinkat(dfd, vname, 0);
	}
}

/* A fresh version header: a random id of its own and its parent's id. */
static void
make_header(const char *parent_hdr, char hdr[HDR_LEN + 1])
{
	unsigned char id[8];
	char idhex[17], parent[17] = "0000000000000000";

	randombytes_buf(id, sizeof(id));
	smsotp_hex(id, sizeof(id), idhex);
	if (parent_hdr[0] != '\0')
		memcpy(parent, parent_hdr + 5, 16);
	(void)smsotp_fmt(hdr, HDR_LEN + 1, "swap %s %s\n", idhex, parent);
}

/*
 * After publishing version seq with header hdr: 1 when it counts, 0 when
 * it must be done again. A name can be taken again once its version was
 * removed (an updater stopped for seconds between its read and its
 * rename): such a version is not the newest and its successor seq + 1 was
 * built on the removed one, not on it. When seq + 1 is gone too the
 * answer is "again": at worst an update is counted twice, never lost.
 */
static int
won(int dfd, uint64_t seq, const char *hdr)
{
	struct smsotp_swap_cur cur;
	uint64_t newest, old[MAX_OLD];
	char next[HDR_LEN + 1], buf[HDR_LEN + 64], why[8];
	size_t len;
	int nold;

	if (scan(dfd, &newest, old, &nold, why, sizeof(why)) != 0)
		return 0;
	if (newest == seq)
		return 1;
	if (read_version(dfd, seq + 1, buf, sizeof(buf), &len, &cur, next, why,
	    sizeof(why)) != SMSOTP_ST_OK || next[0] == '\0')
		return 0;
	/* next's parent id (after "swap " + 16 + " ") is our id? */
	return memcmp(next + 22, hdr + 5, 16) == 0;
}

int
smsotp_dir_swap(struct smsotp_store *store, const char *name, size_t cap,
    smsotp_swap_fn fn, void *arg, double deadline, char *why, size_t whysz)
{
	struct smsotp_swap_cur cur;
	uint64_t newest, old[MAX_OLD];
	pthread_mutex_t *turn;
	char *buf = NULL, tmp[48], hdr[HDR_LEN + 1], mine[HDR_LEN + 1];
	size_t len;
	double t_fast;
	int dfd, nold, r, fast, again = 0, rv = SMSOTP_ST_ERROR;

	turn = smsotp_swap_turn(name, deadline);
	if (turn == NULL) {
		smsotp_say(why, whysz, "%s/%s.d: too many concurrent updates",
		    smsotp_store_where(store), name);
		return SMSOTP_ST_BUSY;
	}
	dfd = open_dir(store, name, why, whysz);
	if (dfd < 0) {
		(void)pthread_mutex_unlock(turn);
		return SMSOTP_ST_ERROR;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		smsotp_say(why, whysz, "record: out of memory");
		goto out;
	}
	for (;;) {
		/* the first round may trust the hint; a lost race lists */
		t_fast = smsotp_mono();
		fast = !again && newest_fast(dfd, smsotp_swap_hint(dfd, name, 1),
		    &newest);
		again = 1;
		nold = 0;
		if (!fast && scan(dfd, &newest, old, &nold, why, whysz) != 0)
			goto out;
		r = read_version(dfd, newest, buf, cap, &len, &cur, hdr, why,
		    whysz);
		if (r == SMSOTP_ST_ERROR)
			goto out;
		if (r == SMSOTP_ST_OK) {
			r = fn(buf, cap, &len, &cur, arg);
			if (r == SMSOTP_SWAP_DONE) {
				smsotp_swap_hint_set(dfd, name, newest);
				rv = SMSOTP_ST_OK;
				goto out;
			}
			if (r != SMSOTP_SWAP_WRITE)
				goto out;	/* the update said why */
			make_header(hdr, mine);
			if (write_tmp(dfd, mine, buf, len, tmp, why, whysz) != 0)
				goto out;
			r = publish(dfd, tmp, newest + 1, why, whysz);
			if (r < 0)
				goto out;
			if (r == 0 && ((fast && fast_won(dfd, newest, t_fast,
			    cur.mtime)) || won(dfd, newest + 1, mine))) {
				smsotp_swap_hint_set(dfd, name, newest + 1);
				remove_old(dfd, newest + 1, old, nold);
				rv = SMSOTP_ST_OK;
				goto out;
			}
		}
		/* lost the race (or the version vanished): read again */
		if (smsotp_mono() >= deadline) {
			smsotp_say(why, whysz, "%s/%s.d: too many concurrent updates",
			    smsotp_store_where(store), name);
			rv = SMSOTP_ST_BUSY;
			goto out;
		}
	}
out:
	if (buf != NULL) {
		smsotp_wipe(buf, cap);
		free(buf);
	}
	close(dfd);
	(void)pthread_mutex_unlock(turn);
	return rv;
}
