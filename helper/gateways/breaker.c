/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/breaker.c - the per-gateway circuit breaker: transitions, file format and
 * locked atomic updates in the state directory (see helper/gateways/breaker.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "gateways/breaker.h"
#include "base/log.h"
#include "proto/proto.h"
#include "base/util.h"

#define HDR_LINE    "smsotp-health 1\n"
#define SUM_LEN     16
#define FILE_MODE   0660	/* group smsotp: shared by every helper uid */
#define OPEN_FLAGS  (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
#define INT64_DIGITS 19

/* --- pure functions ----------------------------------------------------- */

static int
gw_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void
smsotp_health_init(struct smsotp_health *h, const char *gateway)
{
	memset(h, 0, sizeof(*h));
	(void)smsotp_fmt(h->gateway, sizeof(h->gateway), "%s", gateway);
}

enum smsotp_breaker
smsotp_health_state(const struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int64_t now)
{
	if (lim->failures == 0 || h->open_until == 0)
		return SMSOTP_BREAKER_CLOSED;
	/* The clock went back: never skip a gateway for longer than cooldown. */
	if (h->open_until > now && h->open_until - now <= lim->cooldown)
		return SMSOTP_BREAKER_OPEN;
	return SMSOTP_BREAKER_HALF_OPEN;
}

int
smsotp_health_apply(struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int ok, int64_t now)
{
	enum smsotp_breaker was = smsotp_health_state(h, lim, now);
	int i, j;

	if (lim->failures == 0)
		return 0;
	if (ok) {
		h->open_until = 0;
		h->nfail = 0;
		return was != SMSOTP_BREAKER_CLOSED ? -1 : 0;
	}
	if (was != SMSOTP_BREAKER_CLOSED) {
		/* A failed probe (half-open) or last resort (open): reopen. */
		h->open_until = now + lim->cooldown;
		h->nfail = 0;
		return was == SMSOTP_BREAKER_HALF_OPEN ? 1 : 0;
	}
	/* Forget failures outside the window (and from a clock gone back). */
	for (i = 0, j = 0; i < h->nfail; i++)
		if (h->fail[i] > now - lim->window && h->fail[i] <= now)
			h->fail[j++] = h->fail[i];
	h->nfail = j;
	if (h->nfail == SMSOTP_HEALTH_MAX_FAILURES) {
		memmove(h->fail, h->fail + 1, sizeof(h->fail[0]) * (size_t)(j - 1));
		h->nfail--;
	}
	h->fail[h->nfail++] = now;
	if (h->nfail < lim->failures)
		return 0;
	h->open_until = now + lim->cooldown;
	h->nfail = 0;
	return 1;
}

void
smsotp_health_name(const char *gateway, char out[SMSOTP_HEALTH_NAME_SIZE])
{
	unsigned char hash[16];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)gateway,
	    strlen(gateway), NULL, 0);
	out[0] = 'g';
	out[1] = '-';
	smsotp_hex(hash, sizeof(hash), out + 2);
}

static void
checksum(const char *buf, size_t len, char hex[2 * SUM_LEN + 1])
{
	unsigned char sum[SUM_LEN];

	crypto_generichash(sum, sizeof(sum), (const unsigned char *)buf, len,
	    NULL, 0);
	smsotp_hex(sum, sizeof(sum), hex);
}

int
smsotp_health_format(const struct smsotp_health *h, char *buf, size_t cap,
    size_t *len)
{
	char sum[2 * SUM_LEN + 1];
	size_t n;
	int i, r;

	if (!gw_name_ok(h->gateway, strlen(h->gateway)) || h->open_until < 0 ||
	    h->nfail < 0 || h->nfail > SMSOTP_HEALTH_MAX_FAILURES)
		return -1;
	r = snprintf(buf, cap, HDR_LINE "gateway %s\nopen_until %lld\nfailures",
	    h->gateway, (long long)h->open_until);
	if (r < 0 || (size_t)r >= cap)
		return -1;
	n = (size_t)r;
	for (i = 0; i < h->nfail; i++) {
		if (h->fail[i] < 0)
			return -1;
		r = snprintf(buf + n, cap - n, " %lld", (long long)h->fail[i]);
		if (r < 0 || (size_t)r >= cap - n)
			return -1;
		n += (size_t)r;
	}
	if (n + 1 >= cap)
		return -1;
	buf[n++] = '\n';
	checksum(buf, n, sum);
	r = snprintf(buf + n, cap - n, "end %s\n", sum);
	if (r < 0 || (size_t)r >= cap - n)
		return -1;
	*len = n + (size_t)r;
	return 0;
}

/* Canonical decimal (no sign, no leading zero) of at most 19 digits. */
static int
parse_num(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > INT64_DIGITS || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The line starting at *p, without its '\n'; advances *p past it. */
static int
take_line(const char **p, const char *end, const char **l, size_t *n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return -1;
	*l = *p;
	*n = (size_t)(nl - *p);
	*p = nl + 1;
	return 0;
}

int
smsotp_health_parse(const char *buf, size_t len, struct smsotp_health *h,
    const char **why)
{
	const char *p = buf, *end = buf + len, *l, *tok;
	char sum[2 * SUM_LEN + 1];
	size_t n, k;
	int64_t v;

	memset(h, 0, sizeof(*h));
	*why = "bad header";
	if (len > SMSOTP_HEALTH_MAX_SIZE || len < sizeof(HDR_LINE) - 1 ||
	    memcmp(buf, HDR_LINE, sizeof(HDR_LINE) - 1) != 0)
		return -1;
	p += sizeof(HDR_LINE) - 1;
	*why = "bad gateway line";
	if (take_line(&p, end, &l, &n) != 0 || n < 9 ||
	    memcmp(l, "gateway ", 8) != 0 || !gw_name_ok(l + 8, n - 8))
		return -1;
	memcpy(h->gateway, l + 8, n - 8);
	*why = "bad open_until line";
	if (take_line(&p, end, &l, &n) != 0 || n < 12 ||
	    memcmp(l, "open_until ", 11) != 0 ||
	    parse_num(l + 11, n - 11, &h->open_until) != 0)
		return -1;
	*why = "bad failures line";
	if (take_line(&p, end, &l, &n) != 0 || n < 8 ||
	    memcmp(l, "failures", 8) != 0)
		return -1;
	for (k = 8; k < n;) {
		if (l[k] != ' ' || h->nfail == SMSOTP_HEALTH_MAX_FAILURES)
			return -1;
		tok = l + ++k;
		while (k < n && l[k] != ' ')
			k++;
		if (parse_num(tok, (size_t)(l + k - tok), &v) != 0)
			return -1;
		h->fail[h->nfail++] = v;
	}
	*why = "bad checksum line";
	checksum(buf, (size_t)(p - buf), sum);
	if (take_line(&p, end, &l, &n) != 0 || n != 4 + 2 * SUM_LEN ||
	    memcmp(l, "end ", 4) != 0 || memcmp(l + 4, sum, 2 * SUM_LEN) != 0)
		return -1;
	*why = "trailing bytes";
	if (p != end)
		return -1;
	*why = NULL;
	return 0;
}

/* --- files -------------------------------------------------------------- */

/* Open store/name checked: a single-link regular file, never followed. */
static int
open_checked(struct smsotp_store *s, const char *name, int flags, int *err)
{
	struct stat sb;
	int fd = openat(s->dirfd, name, flags | OPEN_FLAGS, FILE_MODE);

	*err = fd < 0 ? errno : 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
		*err = EPERM;
		close(fd);
		return -1;
	}
	/* umask 077 took the group bits of a file we just created. */
	if ((flags & O_CREAT) && (sb.st_mode & 07777) != FILE_MODE &&
	    sb.st_uid == geteuid())
		(void)fchmod(fd, FILE_MODE);
	return fd;
}

/* flock(LOCK_EX) within wait_ms (short sleeps). 0 or -1. */
static int
take_lock(int fd, int wait_ms)
{
	double deadline = smsotp_mono() + (wait_ms > 0 ? wait_ms : 0) / 1000.0;
	struct timespec ts = { 0, 2000000L };

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EINTR && errno != EWOULDBLOCK)
			return -1;
		if (errno == EWOULDBLOCK && smsotp_mono() >= deadline)
			return -1;
		(void)nanosleep(&ts, NULL);
	}
}

/* 1 read, 0 no file, -1 unreadable or corrupt (why set). */
static int
read_health(struct smsotp_store *s, const char *name, const char *gateway,
    struct smsotp_health *h, const char **why)
{
	char buf[SMSOTP_HEALTH_MAX_SIZE + 1];
	size_t used = 0;
	ssize_t r = 0;
	int fd, err, rv = -1;

	smsotp_health_init(h, gateway);
	fd = open_checked(s, name, O_RDONLY, &err);
	if (fd < 0) {
		*why = err == ENOENT ? NULL : err == ELOOP ? "symbolic link" :
		    "not a single-link regular file, or unreadable";
		return err == ENOENT ? 0 : -1;
	}
	while (used < sizeof(buf)) {
		r = read(fd, buf + used, sizeof(buf) - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += (size_t)r;
	}
	*why = "larger than allowed";
	if (r < 0)
		*why = "read error";
	else if (used <= SMSOTP_HEALTH_MAX_SIZE &&
	    smsotp_health_parse(buf, used, h, why) == 0) {
		*why = "belongs to another gateway";
		if (strcmp(h->gateway, gateway) == 0)
			rv = 1;
	}
	if (rv != 1)
		smsotp_health_init(h, gateway);
	close(fd);
	return rv;
}

/* tmp, fsync, rename over name, fsync of the directory. 0 or -1. */
static int
write_health(struct smsotp_store *s, const char *name,
    const struct smsotp_health *h)
{
	char buf[SMSOTP_HEALTH_MAX_SIZE], tmp[SMSOTP_HEALTH_NAME_SIZE];
	sigset_t blk, old;
	size_t len;
	int fd = -1, err, rv = -1;

	if (smsotp_health_format(h, buf, sizeof(buf), &len) != 0 ||
	    smsotp_fmt(tmp, sizeof(tmp), "%s.tmp", name) != 0)
		return -1;
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigaddset(&blk, SIGHUP);
	sigaddset(&blk, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &blk, &old);
	/* We hold the lock: a tmp left by a crash is stale. */
	(void)unlinkat(s->dirfd, tmp, 0);
	fd = open_checked(s, tmp, O_WRONLY | O_CREAT | O_EXCL, &err);
	if (fd < 0)
		goto out;
	if (smsotp_write_all(fd, buf, len) != 0 || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(s->dirfd, tmp, s->dirfd, name) != 0)
		goto out;
	if (fsync(s->dirfd) != 0 && errno != EINVAL)
		goto out;
	rv = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rv != 0)
		(void)unlinkat(s->dirfd, tmp, 0);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return rv;
}

/* Lock gateway's record: the lock fd, or -1 (logged). */
static int
lock_gateway(struct smsotp_store *s, const char *gateway, int wait_ms,
    char name[SMSOTP_HEALTH_NAME_SIZE])
{
	char lockname[SMSOTP_HEALTH_NAME_SIZE];
	int fd, err;

	smsotp_health_name(gateway, name);
	if (smsotp_fmt(lockname, sizeof(lockname), "%s.lock", name) != 0)
		return -1;
	fd = open_checked(s, lockname, O_RDWR | O_CREAT, &err);
	if (fd < 0) {
		smsotp_log(LOG_ERR, "gateway %s: breaker lock %s/%s: %s",
		    gateway, s->path, lockname, err == EPERM ?
		    "not a single-link regular file" : strerror(err));
		return -1;
	}
	if (take_lock(fd, wait_ms) != 0) {
		smsotp_log(LOG_WARNING, "gateway %s: breaker lock %s/%s not "
		    "obtained in %d ms", gateway, s->path, lockname, wait_ms);
		close(fd);
		return -1;
	}
	return fd;
}

static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)smsotp_fmt(out, 32, "%lld", (long long)t);
}

enum smsotp_breaker
smsotp_health_check(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int64_t now,
    int64_t *until)
{
	struct smsotp_health h;
	char name[SMSOTP_HEALTH_NAME_SIZE];
	const char *why = NULL;

	*until = 0;
	if (store == NULL || lim->failures == 0)
		return SMSOTP_BREAKER_CLOSED;
	smsotp_health_name(gateway, name);
	if (read_health(store, name, gateway, &h, &why) < 0) {
		smsotp_log(LOG_WARNING, "gateway %s: breaker file %s/%s "
		    "corrupt (%s): read as closed", gateway, store->path, name,
		    why);
		return SMSOTP_BREAKER_CLOSED;
	}
	*until = h.open_until;
	return smsotp_health_state(&h, lim, now);
}

int
smsotp_health_record(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int ok,
    int64_t now, int lock_wait_ms)
{
	struct smsotp_health h;
	char name[SMSOTP_HEALTH_NAME_SIZE], when[32];
	const char *why = NULL;
	enum smsotp_breaker was;
	int fd, r, rv = -1;

	if (store == NULL || lim->failures == 0)
		return 0;
	/* The common case, a success on a clean record, needs no lock. */
	smsotp_health_name(gateway, name);
	if (ok && read_health(store, name, gateway, &h, &why) == 0)
		return 0;
	if (ok && why == NULL && h.open_until == 0 && h.nfail == 0)
		return 0;
	fd = lock_gateway(store, gateway, lock_wait_ms, name);
	if (fd < 0)
		return -1;
	why = NULL;
	if (read_health(store, name, gateway, &h, &why) < 0)
		smsotp_log(LOG_WARNING, "gateway %s: breaker file %s/%s "
		    "corrupt (%s): rewritten as closed", gateway, store->path,
		    name, why);
	/* Nothing to write for a success on a clean record. */
	if (ok && h.open_until == 0 && h.nfail == 0 && why == NULL) {
		rv = 0;
		goto out;
	}
	was = smsotp_health_state(&h, lim, now);
	r = smsotp_health_apply(&h, lim, ok, now);
	if (write_health(store, name, &h) != 0) {
		smsotp_log(LOG_ERR, "gateway %s: breaker file %s/%s: cannot "
		    "write: %s", gateway, store->path, name, strerror(errno));
		goto out;
	}
	utc(h.open_until, when);
	if (r > 0 && was == SMSOTP_BREAKER_HALF_OPEN)
		smsotp_log(LOG_WARNING, "gateway %s: circuit open again until "
		    "%s (probe after the cooldown failed)", gateway, when);
	else if (r > 0)
		smsotp_log(LOG_WARNING, "gateway %s: circuit opened until %s "
		    "(%d temporary failures within %d s)", gateway, when,
		    lim->failures, lim->window);
	else if (r < 0)
		smsotp_log(LOG_NOTICE, "gateway %s: circuit closed (send "
		    "succeeded)", gateway);
	rv = 0;
out:
	close(fd);
	return rv;
}

int
smsotp_health_peek(struct smsotp_store *store, const char *gateway,
    struct smsotp_health *h, char *why, size_t whysz)
{
	char name[SMSOTP_HEALTH_NAME_SIZE];
	const char *w = NULL;
	int r;

	smsotp_health_name(gateway, name);
	r = read_health(store, name, gateway, h, &w);
	if (r < 0 && why != NULL)
		(void)smsotp_fmt(why, whysz, "%s/%s: %s", store->path, name, w);
	return r;
}
