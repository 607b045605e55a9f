/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/breaker.h - the per-gateway circuit breaker (DESIGN.md section 7).
 *
 * A gateway that failed temporarily `health.failures` times in a row
 * within `health.window` seconds is "open" for `health.cooldown` seconds: routes
 * skip it while another gateway can be tried. When the cooldown has ended
 * the breaker is "half-open": the next attempt decides (a success closes
 * it, a temporary failure opens it again for a full cooldown). A success
 * always closes it. Permanent failures (bad number) and local failures
 * (this host's fault: gateway.h) say nothing about the gateway and are not
 * counted.
 *
 * SECURITY: only privileged callers record (helper/gateways/router.c): an unprivileged
 * caller runs the helper with its own uid and may stop or kill it at any
 * time, so it must never hold the lock nor count its own failures. It
 * reads the breaker with smsotp_health_check, which takes no lock.
 *
 * Kept in the state directory, one file per gateway named by a hash of
 * the gateway name ("g-" + 32 hex digits of BLAKE2b-128(name)), updated
 * like the user state (state.h): flock(LOCK_EX) on "g-<hash>.lock" for the
 * read-modify-write, written to "g-<hash>.tmp", fsync, rename, fsync of the
 * directory; every open is openat(dirfd, O_NOFOLLOW | O_NONBLOCK) + fstat
 * (S_ISREG, one link). So concurrent helpers lose no failure.
 *
 * File format (text, LF):
 *   smsotp-health 1
 *   gateway <name>
 *   open_until <unix time>     0: never opened since the last success
 *   failures <t1> <t2> ...     recent temporary failures, oldest first
 *   end <hex BLAKE2b-128 of every byte before this line>
 * A corrupt file is read as "closed, no failures" and logged: the breaker
 * is an availability aid, not a security limit, so it fails open (the
 * gateway is tried) and the next update rewrites the file.
 *
 * The clock is a parameter (now, wall-clock seconds) everywhere.
 */
#ifndef SMSOTP_HEALTH_H
#define SMSOTP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"
#include "base/util.h"

#define SMSOTP_HEALTH_MAX_SIZE  1024
#define SMSOTP_HEALTH_NAME_SIZE 48	/* "g-" + 32 hex + NUL fits */

struct smsotp_health {
	char gateway[33];			/* gateway name */
	int64_t open_until;			/* 0, or end of the cooldown */
	int nfail;
	int64_t fail[SMSOTP_HEALTH_MAX_FAILURES];	/* oldest first */
};

enum smsotp_breaker {
	SMSOTP_BREAKER_CLOSED = 0,	/* try it */
	SMSOTP_BREAKER_OPEN = 1,	/* skip it until open_until */
	SMSOTP_BREAKER_HALF_OPEN = 2,	/* cooldown over: one attempt decides */
};

/* The settings of conf.h's `health` group. failures == 0: breaker off. */
struct smsotp_health_limits {
	int failures;
	int window;
	int cooldown;
};

/* --- pure functions (unit-tested, no IO) ------------------------------- */

/* Fresh record for gateway (closed, no failures). */
void smsotp_health_init(struct smsotp_health *h, const char *gateway);
/*
 * State of h at now. An open_until further than cooldown away (the clock
 * went back) reads as half-open: no gateway is skipped for longer.
 */
enum smsotp_breaker smsotp_health_state(const struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int64_t now);
/*
 * Apply the outcome of one attempt made at now (ok: sent; !ok: temporary
 * failure). Returns 1 when this call opened the breaker, -1 when it closed
 * an open or half-open breaker, 0 otherwise.
 */
int smsotp_health_apply(struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int ok, int64_t now);
/* Parse / format the file format above. 0, or -1 (why set on parse). */
int smsotp_health_parse(const char *buf, size_t len, struct smsotp_health *h,
    const char **why) SMSOTP_WUR;
int smsotp_health_format(const struct smsotp_health *h, char *buf, size_t cap,
    size_t *len) SMSOTP_WUR;
/* File base name for gateway: "g-<32 hex>". */
void smsotp_health_name(const char *gateway,
    char out[SMSOTP_HEALTH_NAME_SIZE]);

/* --- the state directory ------------------------------------------------ */

/*
 * Read gateway's breaker at now. Takes no lock and creates nothing: the
 * file is only ever replaced whole by rename, so any read sees one
 * complete version. Returns its state and sets *until to open_until. A
 * corrupt or unreadable file is logged and reads as CLOSED.
 */
enum smsotp_breaker smsotp_health_check(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int64_t now,
    int64_t *until);

/*
 * Record one attempt (ok: sent, !ok: temporary failure) at now: a locked
 * read-modify-write, the lock waited for lock_wait_ms at most. Logs when
 * the breaker opens or closes. 0, or -1 when the file could not be
 * updated (logged). For privileged callers only (see above).
 */
int smsotp_health_record(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int ok,
    int64_t now, int lock_wait_ms);

/*
 * Read gateway's record without the lock (smsotpctl): 1 with *h filled,
 * 0 when there is none, -1 corrupt or unreadable (why filled).
 */
int smsotp_health_peek(struct smsotp_store *store, const char *gateway,
    struct smsotp_health *h, char *why, size_t whysz);

#endif
