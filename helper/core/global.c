/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * global.c - the global send counts kept in the store as a lock-free
 * versioned record (store/store.h smsotp_store_swap, core/limits.h).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "core/limits.h"
#include "store/store.h"

#define GLOBAL_CAP (SMSOTP_GLOBAL_MAX_SIZE + 1)

/*
 * 1 when a version was written before this boot: its damage is then a
 * crash's doing (versions are written without fsync, store/store.h), not a
 * tampering or a bug, which leave a newer mtime.
 */
static int
written_before_boot(time_t mtime)
{
	struct timespec real, up;

	if (clock_gettime(CLOCK_REALTIME, &real) != 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &up) != 0)
		return 0;
	/* 2 s of slack for the two clocks read one after the other */
	return mtime < real.tv_sec - up.tv_sec - 2;
}

/*
 * The counts of the newest version: 1 read, 0 none or damaged by a crash
 * before this boot (g fresh, logged), -1 corrupt (why).
 */
static int
decode(struct smsotp_store *store, const char *buf, size_t len,
    const struct smsotp_swap_cur *cur, struct smsotp_global *g, char *why,
    size_t whysz)
{
	const char *perr = "?";

	smsotp_global_init(g);
	if (!cur->exists)
		return 0;
	if (len + 1 >= GLOBAL_CAP)
		perr = "too large";
	else if (smsotp_global_parse(buf, len, g, &perr) == 0)
		return 1;
	if (written_before_boot(cur->mtime)) {
		smsotp_log(LOG_WARNING, "%s/%s.d: damaged by a crash before "
		    "this boot (%s): counting afresh", smsotp_store_where(store),
		    SMSOTP_GLOBAL_NAME, perr);
		smsotp_global_init(g);
		return 0;
	}
	(void)smsotp_fmt(why, whysz, "%s/%s.d/%llu: corrupt: %s", smsotp_store_where(store),
	    SMSOTP_GLOBAL_NAME, (unsigned long long)cur->seq, perr);
	return -1;
}

/* g into buf as the next version: SMSOTP_SWAP_WRITE, or _FAIL (why). */
static int
encode(const struct smsotp_global *g, char *buf, size_t cap, size_t *len,
    char *why, size_t whysz)
{
	if (smsotp_global_format(g, buf, cap, len) == 0)
		return SMSOTP_SWAP_WRITE;
	(void)smsotp_fmt(why, whysz, "global counts: cannot format");
	return SMSOTP_SWAP_FAIL;
}

struct upd {
	struct smsotp_store *store;
	int per_minute, per_day;	/* take: the caps (0: none) */
	int64_t now;
	long us;			/* note */
	int over, sample;		/* take: results */
	long retry;
	const char *which;
	uint32_t seen;			/* take: the count that was over */
	char why[320];
};

/* One send counted, unless a cap is reached. */
static int
take_fn(char *buf, size_t cap, size_t *len, const struct smsotp_swap_cur *cur,
    void *arg)
{
	struct upd *u = arg;
	struct smsotp_global g;

	u->over = 0;
	u->sample = 0;
	/* SECURITY: unknown counts never mean "no limit". */
	if (decode(u->store, buf, *len, cur, &g, u->why, sizeof(u->why)) < 0)
		return SMSOTP_SWAP_FAIL;
	smsotp_global_advance(&g, u->now);
	if (smsotp_global_over(&g, u->per_minute, u->per_day, u->now, &u->retry,
	    &u->which)) {
		u->over = 1;
		u->seen = strcmp(u->which, "day") == 0 ?
		    smsotp_global_day(&g) : smsotp_global_minute(&g);
		return SMSOTP_SWAP_DONE;
	}
	smsotp_global_count(&g);
	u->sample = smsotp_global_want_sample(&g);
	return encode(&g, buf, cap, len, u->why, sizeof(u->why));
}

/* One send duration noted; a corrupt version stays as it is. */
static int
note_fn(char *buf, size_t cap, size_t *len, const struct smsotp_swap_cur *cur,
    void *arg)
{
	struct upd *u = arg;
	struct smsotp_global g;

	if (decode(u->store, buf, *len, cur, &g, u->why, sizeof(u->why)) < 0)
		return SMSOTP_SWAP_DONE;
	smsotp_global_advance(&g, u->now);
	smsotp_global_note_us(&g, u->us);
	return encode(&g, buf, cap, len, u->why, sizeof(u->why));
}

static int
reset_fn(char *buf, size_t cap, size_t *len, const struct smsotp_swap_cur *cur,
    void *arg)
{
	struct upd *u = arg;
	struct smsotp_global g;

	(void)cur;
	smsotp_global_init(&g);
	return encode(&g, buf, cap, len, u->why, sizeof(u->why));
}

static double
deadline_of(int wait_ms)
{
	return smsotp_mono() + (wait_ms > 0 ? wait_ms : 0) / 1000.0;
}

int
smsotp_limits_take(struct smsotp_store *store,
    const struct smsotp_conf *conf, int64_t now, int wait_ms,
    long *retry_after, int *sample)
{
	struct upd u;
	char why[320];
	int r;

	memset(&u, 0, sizeof(u));
	u.store = store;
	u.per_minute = conf->global_per_minute;
	u.per_day = conf->global_per_day;
	u.now = now;
	*retry_after = 0;
	if (sample != NULL)
		*sample = 0;
	why[0] = '\0';
	r = smsotp_store_swap(store, SMSOTP_GLOBAL_NAME, GLOBAL_CAP, take_fn,
	    &u, deadline_of(wait_ms), why, sizeof(why));
	if (r != SMSOTP_ST_OK) {
		smsotp_log(LOG_ERR, "global limits: %s: no code sent%s",
		    u.why[0] != '\0' ? u.why : why, u.why[0] != '\0' ?
		    " until 'smsotpctl global reset'" : "");
		return SMSOTP_LIM_ERROR;
	}
	if (u.over) {
		*retry_after = u.retry;
		smsotp_log(LOG_WARNING, "global send limit reached: %u sends in "
		    "the last %s (limit %d): no code sent, retry in %ld s",
		    u.seen, u.which, strcmp(u.which, "day") == 0 ?
		    conf->global_per_day : conf->global_per_minute, u.retry);
		return SMSOTP_LIM_OVER;
	}
	if (sample != NULL)
		*sample = u.sample;
	return SMSOTP_LIM_OK;
}

static void
note_in(struct smsotp_store *store, const char *name, int64_t now, long us,
    int wait_ms, const char *what)
{
	struct upd u;
	char why[320];

	memset(&u, 0, sizeof(u));
	u.store = store;
	u.now = now;
	u.us = us;
	why[0] = '\0';
	if (smsotp_store_swap(store, name, GLOBAL_CAP, note_fn, &u,
	    deadline_of(wait_ms), why, sizeof(why)) != SMSOTP_ST_OK)
		smsotp_log(LOG_WARNING, "%s: %s time not recorded: %s",
		    strcmp(name, SMSOTP_GLOBAL_NAME) == 0 ? "global limits" :
		    "decoy counts", what, u.why[0] != '\0' ? u.why : why);
}

void
smsotp_limits_note_send(struct smsotp_store *store, int64_t now, long us,
    int wait_ms)
{
	note_in(store, SMSOTP_GLOBAL_NAME, now, us, wait_ms, "send");
}

void
smsotp_limits_note_decoy(struct smsotp_store *store, int64_t now, long us,
    int wait_ms)
{
	note_in(store, SMSOTP_DECOYS_NAME, now, us, wait_ms, "wait");
}

/* The counts of record name, advanced to now: as smsotp_limits_peek. */
static int
peek_record(struct smsotp_store *store, const char *name, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz)
{
	struct smsotp_swap_cur cur;
	char buf[GLOBAL_CAP];
	size_t len;
	int r;

	smsotp_global_init(g);
	if (smsotp_store_swap_read(store, name, buf, sizeof(buf), &len, &cur,
	    why, whysz) != SMSOTP_ST_OK)
		return SMSOTP_ST_ERROR;
	r = decode(store, buf, len, &cur, g, why, whysz);
	if (r >= 0)
		smsotp_global_advance(g, now);
	return r < 0 ? SMSOTP_ST_CORRUPT : r;
}

int
smsotp_limits_peek(struct smsotp_store *store, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz)
{
	return peek_record(store, SMSOTP_GLOBAL_NAME, now, g, why, whysz);
}

int
smsotp_limits_reset(struct smsotp_store *store, int wait_ms, char *why,
    size_t whysz)
{
	struct upd u;

	memset(&u, 0, sizeof(u));
	u.store = store;
	return smsotp_store_swap(store, SMSOTP_GLOBAL_NAME, GLOBAL_CAP, reset_fn,
	    &u, deadline_of(wait_ms), why, whysz) == SMSOTP_ST_OK ? 0 : -1;
}

int
smsotp_limits_count_decoy(struct smsotp_store *store, int64_t now, int wait_ms,
    int *sample)
{
	struct upd u;
	char why[320];

	memset(&u, 0, sizeof(u));
	u.store = store;
	u.now = now;
	why[0] = '\0';
	if (sample != NULL)
		*sample = 0;
	if (smsotp_store_swap(store, SMSOTP_DECOYS_NAME, GLOBAL_CAP, take_fn, &u,
	    deadline_of(wait_ms), why, sizeof(why)) == SMSOTP_ST_OK) {
		if (sample != NULL)
			*sample = u.sample;
		return 0;
	}
	smsotp_log(LOG_WARNING, "decoy counts: %s", u.why[0] != '\0' ? u.why :
	    why);
	return -1;
}

int
smsotp_limits_peek_decoys(struct smsotp_store *store, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz)
{
	return peek_record(store, SMSOTP_DECOYS_NAME, now, g, why, whysz);
}
