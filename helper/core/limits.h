/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/limits.h - limits across users (DESIGN.md section 5):
 * global sends per minute and per day (cost and SMS-pumping cap) and the
 * allowed destination countries. (Not named limits.h: the helper/ include
 * path would shadow the system <limits.h>.)
 *
 * The global counters live in the state directory as a lock-free
 * versioned record, "global.d/<n>" (helper/store/swap.h): no login ever waits
 * for a lock another process holds, so a caller that stops its own helper
 * delays nobody. Versions are written without fsync (a crash may lose the
 * last few counts, never add any).
 *
 * Record format (text, LF, canonical numbers like state.h):
 *   smsotp-global 1
 *   minute <t> <c0> ... <c59>     sends in second t, t-1, ..., t-59
 *   day <s> <c0> ... <c143>       sends in 10-minute slot s (= time / 600),
 *                                 s-1, ..., s-143 (a sliding day)
 *   sendus <us> ...               durations of recent real sends in
 *                                 microseconds, oldest
 *                                 first (at most SMSOTP_GLOBAL_SAMPLES), for
 *                                 the decoy's timing (decoy.h); the lowest
 *                                 bit says the way in (SMSOTP_SAMPLE_TAG)
 *   end <hex BLAKE2b-128 of every byte before this line>
 * SECURITY: a corrupt record stops every send (fail closed, logged) until
 * `smsotpctl global reset`; one damaged by a crash before this boot counts
 * afresh.
 */
#ifndef SMSOTP_SMSOTP_LIMITS_H
#define SMSOTP_SMSOTP_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/state.h"
#include "base/util.h"

#define SMSOTP_GLOBAL_SECS  60
#define SMSOTP_GLOBAL_SLOTS 144
#define SMSOTP_GLOBAL_SLOT  600		/* seconds per day slot */
#define SMSOTP_GLOBAL_SAMPLES    16
#define SMSOTP_GLOBAL_MAX_SIZE 4096
#define SMSOTP_GLOBAL_NAME  "global"
#define SMSOTP_DECOYS_NAME  "decoys"	/* decoy prompts, counted the same way */

struct smsotp_global {
	int64_t sec_base;			/* second of sec[0] */
	uint32_t sec[SMSOTP_GLOBAL_SECS];
	int64_t slot_base;			/* slot of slot[0] */
	uint32_t slot[SMSOTP_GLOBAL_SLOTS];
	int nus;
	uint32_t us[SMSOTP_GLOBAL_SAMPLES];	/* begin times, us, oldest first */
};

/* --- pure functions (unit-tested, fuzzable) ----------------------------- */

void smsotp_global_init(struct smsotp_global *g);
int smsotp_global_parse(const char *buf, size_t len, struct smsotp_global *g,
    const char **why) SMSOTP_WUR;
/* 0, or -1 when it does not fit cap (buf NUL-terminated). */
int smsotp_global_format(const struct smsotp_global *g, char *buf,
    size_t cap, size_t *len) SMSOTP_WUR;
/*
 * Move the windows to now: buckets that left them are dropped. A clock
 * that went back less than a window keeps the counts where they are
 * (counted at the newest bucket); further back, the window starts afresh.
 */
void smsotp_global_advance(struct smsotp_global *g, int64_t now);
/* Sends in the last minute / the last day (after advance). */
uint32_t smsotp_global_minute(const struct smsotp_global *g);
uint32_t smsotp_global_day(const struct smsotp_global *g);
/*
 * 1 when one more send at now would exceed per_minute or per_day (0 =
 * unlimited); *which = "minute" or "day" and *retry_after = seconds until
 * a send fits again. 0 when it fits. Call after advance.
 */
int smsotp_global_over(const struct smsotp_global *g, int per_minute,
    int per_day, int64_t now, long *retry_after, const char **which);
/* Count one send in the newest buckets (after advance). */
void smsotp_global_count(struct smsotp_global *g);
/*
 * A sample's lowest bit: 1 when the resident service took it, 0 an exec'd
 * helper (a microsecond either way is below any clock's noise). Their
 * begins take different times, so a decoy draws from its own kind.
 */
#define SMSOTP_SAMPLE_TAG(us, resident) (((us) & ~1L) | ((resident) ? 1 : 0))
#define SMSOTP_SAMPLE_RESIDENT(us) ((int)((us) & 1))

/* Remember the duration of one real send (microseconds, capped). */
void smsotp_global_note_us(struct smsotp_global *g, long us);
/*
 * Whether the next send's duration should be recorded: always until
 * SMSOTP_GLOBAL_SAMPLES samples exist, then one send in
 * SMSOTP_GLOBAL_SAMPLE_EVERY at random (a sample costs a second locked
 * write of the file; the decoys draw the same way, decoy.c).
 */
#define SMSOTP_GLOBAL_SAMPLE_EVERY 8
int smsotp_global_want_sample(const struct smsotp_global *g);

/*
 * 1 when e164 ("+" digits) starts with one of conf's allowed_countries
 * (or the list is empty), else 0.
 */
int smsotp_country_allowed(const struct smsotp_conf *conf, const char *e164);

/*
 * limits.allowed_countries of group g into c (core/conf_load.c calls it): a list of
 * calling codes (strings or integers) of 1 to SMSOTP_COUNTRY_MAX digits,
 * no leading 0; [] or absent = every country. 0, or -1 (errors in ctx).
 */
int smsotp_cfg_countries(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_conf *c);

/* --- the state directory (helper/store/global.c) -------------------------------- */

#define SMSOTP_LIM_OK      0	/* counted: the send may go */
#define SMSOTP_LIM_OVER    1	/* a global limit is reached (retry_after) */
#define SMSOTP_LIM_ERROR  -1	/* file busy, refused, corrupt or unwritable */

/*
 * Take one global send at now: locked read, check, count, write. Returns
 * SMSOTP_LIM_OK, SMSOTP_LIM_OVER with *retry_after (logged), or
 * SMSOTP_LIM_ERROR (logged; the caller denies). *sample (may be NULL):
 * smsotp_global_want_sample, 0 unless SMSOTP_LIM_OK.
 */
int smsotp_limits_take(struct smsotp_store *store,
    const struct smsotp_conf *conf, int64_t now, int wait_ms,
    long *retry_after, int *sample);

/*
 * Record how long a real begin took from its start to the end of its send
 * (best effort, logged on failure).
 */
void smsotp_limits_note_send(struct smsotp_store *store, int64_t now,
    long us, int wait_ms);

/*
 * The decoy's twin of smsotp_limits_note_send: its wait noted in the
 * "decoys" record, as often as a real send notes its time (the *sample
 * of smsotp_limits_count_decoy), so that the write which follows a noted
 * real send has its like after a decoy's wait. Best effort, logged.
 */
void smsotp_limits_note_decoy(struct smsotp_store *store, int64_t now,
    long us, int wait_ms);

/*
 * Read the global file without the lock (the file is replaced by rename).
 * 1 with *g filled (advanced to now), 0 when there is none (*g fresh),
 * SMSOTP_ST_CORRUPT when it does not parse, SMSOTP_ST_ERROR when it is
 * refused or unreadable (why filled for both).
 */
int smsotp_limits_peek(struct smsotp_store *store, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz);

/* Clear the global counters (smsotpctl global reset). 0 or -1 (why). */
int smsotp_limits_reset(struct smsotp_store *store, int wait_ms, char *why,
    size_t whysz);

/*
 * Count one decoy prompt in the "decoys" record (same format, no caps):
 * what `smsotpctl global` shows as decoys, and the same work a real send's
 * count does, so that a decoy takes as long. *sample (may be NULL): as
 * smsotp_limits_take's, from the decoys' own samples. 0, or -1 (logged).
 */
int smsotp_limits_count_decoy(struct smsotp_store *store, int64_t now,
    int wait_ms, int *sample);
/* The decoy counts, as smsotp_limits_peek. */
int smsotp_limits_peek_decoys(struct smsotp_store *store, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz);

#endif
