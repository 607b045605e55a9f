/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/verify.c - verify, as one straight pipeline (pipeline.h),
 * the same for a decoy challenge with the decoy sender in place of the
 * real one:
 *   resolve -> lock -> check -> count the attempt -> commit -> compare
 *   -> commit
 * The attempt is counted, durably, before the code is compared; a right
 * code writes the state again without the failure. In the resident
 * service, where no caller can stop or kill a request, the code is
 * compared first and the state written once. Backup codes are typed at
 * the same prompt (the sender's compare, under the same lock).
 */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "core/decoy.h"
#include "core/grace.h"
#include "core/sender.h"
#include "base/wipe.h"

/*
 * Count a wrong code in st: the challenge's attempts and the user's
 * consecutive failures; the challenge dies at its last attempt and the
 * user is locked at lockout_after (lockout_time doubling per further
 * lockout, capped). r is the answer this wrong code gets. Nothing logged:
 * the count is written before the code is compared (smsotp_verify).
 */
static void
count_failure(const struct smsotp_ctx *ctx, struct smsotp_state *st, int idx,
    struct smsotp_reply *r)
{
	struct smsotp_challenge *c = &st->chal[idx];
	long t;
	uint32_t k;

	c->attempts++;
	st->failures++;
	smsotp_reply_init(r, SMSOTP_BAD_CODE);
	r->attempts_left = ctx->conf->code_max_attempts - c->attempts;
	if (r->attempts_left <= 0) {
		r->attempts_left = 0;
		smsotp_chal_drop(st, idx);
	}
	if (st->failures < (uint32_t)ctx->conf->lockout_after)
		return;
	t = ctx->conf->lockout_time;
	for (k = 0; k < st->lockouts && t < ctx->conf->lockout_max; k++)
		t *= 2;
	if (t > ctx->conf->lockout_max)
		t = ctx->conf->lockout_max;
	st->lockouts++;
	st->failures = 0;
	st->locked_until = ctx->now + t;
	/*
	 * A lockout ends every live challenge: from here on only a decoy
	 * challenge made during the lockout exists, and it answers as an
	 * unlocked user's would (decoy.h).
	 */
	while (st->nchal > 0)
		smsotp_chal_drop(st, st->nchal - 1);
	smsotp_grace_clear(st);
	smsotp_reply_init(r, SMSOTP_LOCKED);
	r->until = st->locked_until;
}

/* The log lines of a wrong code counted by count_failure. */
static void
log_failure(const struct smsotp_login *l, const struct smsotp_state *counted,
    const struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	const char *ulog = l->ulog;
	char detail[64];

	(void)smsotp_fmt(detail, sizeof(detail), "consecutive=%u%s",
	    r->status == SMSOTP_LOCKED ? (unsigned)ctx->conf->lockout_after :
	    counted->failures, r->status == SMSOTP_LOCKED ? " lockout=yes" :
	    "");
	smsotp_login_audit(l, LOG_NOTICE, "failure", detail);
	if (r->status == SMSOTP_LOCKED) {
		(void)smsotp_fmt(detail, sizeof(detail), "seconds=%ld count=%u",
		    (long)(counted->locked_until - ctx->now), counted->lockouts);
		smsotp_login_audit(l, LOG_WARNING, "lockout", detail);
		smsotp_log(LOG_NOTICE, "user=%s: wrong code (%d consecutive)",
		    ulog, ctx->conf->lockout_after);
		smsotp_log(LOG_NOTICE, "user=%s: locked out for %ld s after %d "
		    "wrong codes (lockout %u)", ulog,
		    (long)(counted->locked_until - ctx->now),
		    ctx->conf->lockout_after, counted->lockouts);
		return;
	}
	smsotp_log(LOG_NOTICE, "user=%s: wrong code (%u consecutive, %ld left "
	    "for this code)", ulog, counted->failures, r->attempts_left);
}

/* resolve: a decoy challenge (its id says so) makes a decoy. */
static void
resolve(struct smsotp_login *l, const char *challenge)
{
	int64_t made;

	if (smsotp_decoy_id_check(l->ctx->key, l->user, challenge, &made))
		smsotp_login_decoy(l, SMSOTP_WHY_DECOY_CHALLENGE);
}

/*
 * check: the user is not locked out (a live decoy answers as a real user
 * who is not locked: decoy.h) and the challenge is live. *idx: the
 * challenge. An expired one still stored is pruned (and written).
 */
static enum smsotp_step
check(struct smsotp_login *l, const char *challenge, int *idx,
    struct smsotp_reply *r)
{
	*idx = smsotp_chal_find(&l->st, challenge);
	if (!(l->decoy != SMSOTP_WHY_NONE && *idx != SMSOTP_NO_CHALLENGE) &&
	    smsotp_login_locked(l, r)) {
		smsotp_log(LOG_NOTICE, "user=%s: code refused: locked out",
		    l->ulog);
		smsotp_login_audit(l, LOG_NOTICE, "refused", "reason=locked");
		smsotp_login_note_commit(l, SMSOTP_DK_REFUSED,
		    SMSOTP_WHY_LOCKED);
		return SMSOTP_STEP_REPLY;
	}
	if (*idx != SMSOTP_NO_CHALLENGE &&
	    l->st.chal[*idx].expires > l->ctx->now)
		return SMSOTP_STEP_NEXT;
	smsotp_reply_init(r, SMSOTP_EXPIRED);
	smsotp_log(LOG_NOTICE, "user=%s: code for an unknown, used or "
	    "expired challenge", l->ulog);
	if (*idx != SMSOTP_NO_CHALLENGE) {
		smsotp_login_prune(l);
		smsotp_login_note(l, &l->st, SMSOTP_DK_EXPIRED, l->decoy);
		(void)smsotp_login_commit(l, &l->st, r);
	}
	return SMSOTP_STEP_REPLY;
}

/*
 * compare: the sender checks the code (and backup codes) against ok, the
 * state as it was before the attempt was counted into l->st. A right code
 * ends the challenge and the user's failures, written again; a wrong one
 * stays counted (r as count_failure made it), and is written now unless
 * it was before the compare (counted).
 */
static void
compare(struct smsotp_login *l, struct smsotp_state *ok, int idx,
    const char *challenge, const char *code, size_t codelen, int counted,
    const struct smsotp_grace_id *grant, struct smsotp_reply *r)
{
	enum smsotp_step s = l->sender->check(l, challenge, code, codelen,
	    ok->chal[idx].hash);

	if (s != SMSOTP_STEP_MATCH) {
		if (!counted && smsotp_login_commit(l, &l->st, r) !=
		    SMSOTP_STEP_NEXT)
			return;
		if (s == SMSOTP_STEP_NEXT)
			log_failure(l, &l->st, r);
		else
			smsotp_reply_init(r, SMSOTP_ERROR);
		return;
	}
	smsotp_chal_drop(ok, idx);
	ok->failures = 0;
	ok->lockouts = 0;
	if (grant != NULL)
		smsotp_grace_grant(l->ctx, ok, grant,
		    smsotp_grace_period(l->ctx));
	smsotp_login_note(l, ok, SMSOTP_DK_ACCEPTED, SMSOTP_WHY_NONE);
	smsotp_reply_init(r, SMSOTP_OK);
	/* SECURITY: single use holds only if the state reached the disk. */
	if (smsotp_login_commit(l, ok, r) != SMSOTP_STEP_NEXT)
		return;
	smsotp_log(LOG_INFO, "user=%s: code accepted", l->ulog);
	smsotp_login_audit(l, l->by_backup ? LOG_NOTICE : LOG_INFO, "success",
	    l->by_backup ? "method=backup-code" : "method=sms");
}

int
smsotp_verify_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *challenge, const char *code, size_t codelen,
    struct smsotp_reply *r)
{
	struct smsotp_login l;
	struct smsotp_state ok;
	struct smsotp_grace_id gid;
	const struct smsotp_grace_id *grant = NULL;
	int idx, why;

	smsotp_login_init(&l, ctx, senders, user);
	memset(&ok, 0, sizeof(ok));
	/*
	 * A grace period is bound to the number the code went to: looked up
	 * for every challenge, a decoy's too (the same cost), used for a
	 * real number only.
	 */
	if (smsotp_grace_period(ctx) > 0 &&
	    smsotp_login_phone(&l, &why) == SMSOTP_OK &&
	    why == SMSOTP_WHY_NONE && smsotp_grace_id(ctx, l.phone, &gid) == 0)
		grant = &gid;
	resolve(&l, challenge);
	if (smsotp_login_lock(&l, r) != SMSOTP_STEP_NEXT ||
	    check(&l, challenge, &idx, r) != SMSOTP_STEP_NEXT)
		goto out;
	/*
	 * SECURITY: the exec'd helper counts the attempt, durably, before
	 * the code is compared: a caller that kills the helper (or lets a
	 * resource limit do it) once it guesses the answer from timing or
	 * file sizes has spent the attempt all the same. A right code then
	 * writes the state again, without the failure. The resident
	 * service's request runs in a process the caller cannot signal or
	 * limit, and goes on when the caller hangs up: it compares first and
	 * writes once, the attempt counted or the code used.
	 */
	ok = l.st;
	l.was_locked = l.st.locked_until > ctx->now;
	count_failure(ctx, &l.st, idx, r);
	smsotp_login_note(&l, &l.st, r->status == SMSOTP_LOCKED ?
	    SMSOTP_DK_LOCKED_OUT : SMSOTP_DK_WRONG, l.decoy);
	if (!ctx->resident &&
	    smsotp_login_commit(&l, &l.st, r) != SMSOTP_STEP_NEXT)
		goto out;
	compare(&l, &ok, idx, challenge, code, codelen, !ctx->resident, grant,
	    r);
out:
	smsotp_login_end(&l);
	smsotp_wipe(&ok, sizeof(ok));
	smsotp_wipe(&gid, sizeof(gid));
	return r->status;
}

int
smsotp_verify(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *code, size_t codelen,
    struct smsotp_reply *r)
{
	return smsotp_verify_with(ctx, &smsotp_senders_builtin, user,
	    challenge, code, codelen, r);
}
