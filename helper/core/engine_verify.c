/*
 * engine_verify.c - verify: the attempt counted before the code is
 * compared, backup codes at the same prompt, the lockout.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/backup.h"
#include "core/decoy.h"
#include "core/engine_int.h"
#include "base/log.h"

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
	smsotp_eng_reply_init(r, SMSOTP_BAD_CODE);
	r->attempts_left = ctx->conf->code_max_attempts - c->attempts;
	if (r->attempts_left <= 0) {
		r->attempts_left = 0;
		smsotp_eng_drop_challenge(st, idx);
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
		smsotp_eng_drop_challenge(st, st->nchal - 1);
	smsotp_eng_reply_init(r, SMSOTP_LOCKED);
	r->until = st->locked_until;
}

/* The log lines of a wrong code counted by count_failure. */
static void
log_failure(const struct smsotp_ctx *ctx, const struct smsotp_state *counted,
    const struct smsotp_reply *r, const char *ulog)
{
	if (r->status == SMSOTP_LOCKED) {
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

int
smsotp_verify(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *code, size_t codelen,
    struct smsotp_reply *r)
{
	struct smsotp_txn txn;
	struct smsotp_state st, ok;
	char ulog[80];
	int64_t made;
	int idx, match, is_decoy;

	is_decoy = smsotp_decoy_id_check(ctx->key, user, challenge, &made);
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(&st, 0, sizeof(st));
	memset(&ok, 0, sizeof(ok));
	if (smsotp_eng_open_txn(ctx, user, &txn, &st, ulog, r) != 0)
		goto out;
	idx = smsotp_eng_find_challenge(&st, challenge);
	/* a live decoy answers as a real user who is not locked (decoy.h) */
	if (!(is_decoy && idx >= 0) && smsotp_eng_locked(ctx, &st, r)) {
		smsotp_log(LOG_NOTICE, "user=%s: code refused: locked out", ulog);
		goto end;
	}
	if (idx < 0 || st.chal[idx].expires <= ctx->now) {
		smsotp_eng_reply_init(r, SMSOTP_EXPIRED);
		smsotp_log(LOG_NOTICE, "user=%s: code for an unknown, used or "
		    "expired challenge", ulog);
		if (idx >= 0) {
			smsotp_eng_prune(ctx, &st);
			if (smsotp_eng_commit(&txn, &st, ulog) != 0)
				smsotp_eng_reply_init(r, SMSOTP_ERROR);
		}
		goto end;
	}
	/*
	 * SECURITY: the attempt is counted, durably, before the code is
	 * compared: a caller that kills the helper (or lets a resource limit
	 * do it) once it guesses the answer from timing or file sizes has
	 * spent the attempt all the same. A right code then writes the state
	 * again, without the failure.
	 */
	ok = st;
	count_failure(ctx, &st, idx, r);
	if (smsotp_eng_commit(&txn, &st, ulog) != 0) {
		smsotp_eng_reply_init(r, SMSOTP_ERROR);
		goto end;
	}
	match = smsotp_code_check(ctx->key, challenge, code, codelen,
	    ctx->conf->code_length, ok.chal[idx].hash);
	/*
	 * A backup code at the same prompt, under the same lock. At a decoy
	 * prompt none is accepted (a locked user stays locked), at the cost
	 * of a real try.
	 */
	if (is_decoy) {
		smsotp_backup_dummy(code, codelen);
		match = 0;
	} else if (!match) {
		match = smsotp_backup_try(&txn, user, code, codelen);
		if (match < 0) {
			smsotp_eng_reply_init(r, SMSOTP_ERROR);
			goto end;
		}
	}
	if (!match) {
		log_failure(ctx, &st, r, ulog);
		goto end;
	}
	smsotp_eng_drop_challenge(&ok, idx);
	ok.failures = 0;
	ok.lockouts = 0;
	smsotp_eng_reply_init(r, SMSOTP_OK);
	/* SECURITY: single use holds only if the state reached the disk. */
	if (smsotp_eng_commit(&txn, &ok, ulog) != 0)
		smsotp_eng_reply_init(r, SMSOTP_ERROR);
	else
		smsotp_log(LOG_INFO, "user=%s: code accepted", ulog);
end:
	smsotp_state_end(&txn);
out:
	smsotp_wipe(&st, sizeof(st));
	smsotp_wipe(&ok, sizeof(ok));
	return r->status;
}
