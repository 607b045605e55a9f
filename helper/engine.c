/*
 * engine.c - begin, resend and verify: the locked read-modify-write of a
 * user's state around code generation, checking and sending.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "decoy.h"
#include "engine.h"
#include "gateway.h"
#include "log.h"
#include "smsotp_limits.h"
#include "template.h"

static void
reply_init(struct smsotp_reply *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

/* Drop expired challenges and sends that left the window. */
static void
prune(const struct smsotp_ctx *ctx, struct smsotp_state *st)
{
	int i, o;

	for (i = 0, o = 0; i < st->nchal; i++)
		if (st->chal[i].expires > ctx->now)
			st->chal[o++] = st->chal[i];
	for (i = o; i < st->nchal; i++)
		smsotp_wipe(&st->chal[i], sizeof(st->chal[i]));
	st->nchal = o;
	for (i = 0, o = 0; i < st->nsends; i++)
		if (st->sends[i] > ctx->now - ctx->conf->sends_window)
			st->sends[o++] = st->sends[i];
	st->nsends = o;
}

static int
find_challenge(const struct smsotp_state *st, const char *id)
{
	int i;

	for (i = 0; i < st->nchal; i++)
		if (strcmp(st->chal[i].id, id) == 0)
			return i;
	return -1;
}

static void
drop_challenge(struct smsotp_state *st, int idx)
{
	int i;

	for (i = idx; i + 1 < st->nchal; i++)
		st->chal[i] = st->chal[i + 1];
	st->nchal--;
	smsotp_wipe(&st->chal[st->nchal], sizeof(st->chal[st->nchal]));
}

static void
record_send(const struct smsotp_ctx *ctx, struct smsotp_state *st)
{
	if (st->nsends == SMSOTP_MAX_SENDS) {
		memmove(&st->sends[0], &st->sends[1],
		    sizeof(st->sends[0]) * (SMSOTP_MAX_SENDS - 1));
		st->nsends--;
	}
	st->sends[st->nsends++] = ctx->now;
}

/* RATE_LIMITED when the user's send budget is used up; else 0. */
static int
over_send_limit(const struct smsotp_ctx *ctx, const struct smsotp_state *st,
    struct smsotp_reply *r)
{
	if (st->nsends < ctx->conf->sends_per_user)
		return 0;
	reply_init(r, SMSOTP_RATE_LIMITED);
	r->retry_after = (long)(st->sends[st->nsends - ctx->conf->sends_per_user] +
	    ctx->conf->sends_window - ctx->now);
	if (r->retry_after < 1)
		r->retry_after = 1;
	return 1;
}

/*
 * Lock and read; maps store problems to a reply. Returns 0 when the caller
 * holds the transaction, else the reply is final.
 */
static int
open_txn(const struct smsotp_ctx *ctx, const char *user, struct smsotp_txn *txn,
    struct smsotp_state *st, const char *ulog, struct smsotp_reply *r)
{
	char why[320];
	int rv;

	rv = smsotp_state_begin(ctx->store, user, ctx->lock_wait_ms, txn, st,
	    why, sizeof(why));
	switch (rv) {
	case SMSOTP_ST_OK:
		return 0;
	case SMSOTP_ST_CORRUPT:
		smsotp_state_end(txn);
		/* SECURITY: corrupt state never means "no limits". */
		smsotp_log(LOG_ERR, "user=%s: state file is corrupt (%s): "
		    "treating the user as locked until 'smsotpctl reset'", ulog,
		    why);
		reply_init(r, SMSOTP_LOCKED);
		return -1;
	case SMSOTP_ST_BUSY:
		smsotp_log(LOG_ERR, "user=%s: state is locked by another "
		    "login for more than %d ms: denied", ulog, ctx->lock_wait_ms);
		break;
	default:
		smsotp_log(LOG_ERR, "user=%s: state: %s", ulog, why);
		break;
	}
	reply_init(r, SMSOTP_ERROR);
	return -1;
}

/* Commit or log why not; 0 on success. */
static int
commit(struct smsotp_txn *txn, const struct smsotp_state *st, const char *ulog)
{
	char why[320];

	if (smsotp_state_commit(txn, st, why, sizeof(why)) == 0)
		return 0;
	smsotp_log(LOG_ERR, "user=%s: cannot write state: %s: denied", ulog, why);
	return -1;
}

static int
locked(const struct smsotp_ctx *ctx, const struct smsotp_state *st,
    struct smsotp_reply *r)
{
	if (st->locked_until <= ctx->now)
		return 0;
	reply_init(r, SMSOTP_LOCKED);
	r->until = st->locked_until;
	return 1;
}

/* Render and send code to phone. Returns SENT or GATEWAY_DOWN. */
static int
send_code(const struct smsotp_ctx *ctx, const char *user, const char *service,
    const char *phone, const char *code)
{
	char text[SMSOTP_TEXT_MAX + 1], minutes[16];
	struct smsotp_tvars v;
	struct smsotp_gw_opts gwo;
	int gw, rv = SMSOTP_GATEWAY_DOWN;

	if (smsotp_fmt(minutes, sizeof(minutes), "%d",
	    (ctx->conf->code_ttl + 59) / 60) != 0)
		return SMSOTP_GATEWAY_DOWN;
	v.code = code;
	v.service = service;
	v.host = ctx->host;
	v.minutes = minutes;
	v.user = user;
	if (smsotp_template_render(ctx->conf->message, &v, text,
	    sizeof(text)) != 0) {
		smsotp_log(LOG_ERR, "message template renders too long: not sent");
		goto out;
	}
	/* gwspool: the circuit breaker lives in the state directory. */
	memset(&gwo, 0, sizeof(gwo));
	gwo.store = ctx->store;
	gwo.now = ctx->now;
	gwo.only = -1;
	if (smsotp_gw_send_opts(ctx->conf, phone, text, ctx->deadline, &gwo,
	    &gw) == SMSOTP_GW_SENT)
		rv = SMSOTP_SENT;
out:
	smsotp_wipe(text, sizeof(text));
	return rv;
}

static int
lookup_phone(const struct smsotp_ctx *ctx, const char *user, const char *ulog,
    char phone[SMSOTP_E164_SIZE])
{
	struct smsotp_users_index_note note;
	char why[320];
	int rv;

	if (ctx->conf->phones_file == NULL)
		return SMSOTP_NO_PHONE;
	rv = smsotp_phone_lookup_file2(ctx->conf->phones_file, ctx->conf_owner,
	    user, ctx->conf->default_country, phone, why, sizeof(why), &note);
	/* perf: a stale or broken index costs a scan; say so (once a lookup) */
	if (note.state == SMSOTP_UIDX_STALE)
		smsotp_log(LOG_NOTICE, "users index %s%s is out of date: run "
		    "'smsotpctl index'", ctx->conf->phones_file,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (note.state == SMSOTP_UIDX_BROKEN)
		smsotp_log(LOG_NOTICE, "users index %s%s is unusable: %s",
		    ctx->conf->phones_file, SMSOTP_USERS_INDEX_SUFFIX, note.why);
	if (rv == 1)
		return SMSOTP_OK;
	if (rv == 0)
		return SMSOTP_NO_PHONE;
	smsotp_log(LOG_ERR, "user=%s: phone lookup: %s", ulog, why);
	return SMSOTP_ERROR;
}

/* Undo a reservation whose send failed: the challenge is useless. */
static void
unreserve(const struct smsotp_ctx *ctx, const char *user, const char *id,
    const char *ulog)
{
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_reply ignored;
	int idx;

	if (open_txn(ctx, user, &txn, &st, ulog, &ignored) != 0)
		return;
	idx = find_challenge(&st, id);
	if (idx >= 0) {
		drop_challenge(&st, idx);
		(void)commit(&txn, &st, ulog);
	}
	smsotp_state_end(&txn);
	smsotp_wipe(&st, sizeof(st));
}

/* --- abuse (issue 4): countries, global caps, unlock log, send timing --- */

static void
log_country(const char *phone, const char *ulog)
{
	char masked[SMSOTP_MASKED_SIZE];

	smsotp_phone_mask(phone, masked, sizeof(masked));
	smsotp_log(LOG_WARNING, "user=%s: number %s is outside "
	    "limits.allowed_countries: no code sent", ulog, masked);
}

/* 1 when phone may get a text; else 0 and r is the final answer. */
static int
country_ok(const struct smsotp_ctx *ctx, const char *user, const char *phone,
    const char *ulog, struct smsotp_reply *r)
{
	if (smsotp_country_allowed(ctx->conf, phone))
		return 1;
	log_country(phone, ulog);
	if (ctx->conf->reveal_status)
		reply_init(r, SMSOTP_ERROR);
	else
		smsotp_decoy_begin(ctx, user, phone, "country not allowed", r);
	return 0;
}

/* A lockout that ran out ends at the next login: say so once. */
static void
unlock_expired(const struct smsotp_ctx *ctx, struct smsotp_state *st,
    const char *ulog)
{
	if (st->locked_until == 0 || st->locked_until > ctx->now)
		return;
	st->locked_until = 0;
	smsotp_log(LOG_NOTICE, "user=%s: lockout expired: unlocked", ulog);
}

/*
 * Count one global send (the caller holds the user's lock). 0, or -1 with
 * the lock released and r final: the decoy (begin, user given) or
 * RATE_LIMITED when over a cap, ERROR when the counters are unusable.
 */
static int
global_take(const struct smsotp_ctx *ctx, const char *user, const char *phone,
    struct smsotp_txn *txn, int *sample, struct smsotp_reply *r)
{
	double left = ctx->deadline - smsotp_mono();
	long retry;
	int lim, wait_ms = ctx->lock_wait_ms;

	/*
	 * The global lock is held for microseconds (no fsync under it): a
	 * queue for it means more logins at once than the machine runs. They
	 * wait their turn up to the send deadline, which would end them anyway,
	 * rather than fail (bench/README.md, load at N = 128).
	 */
	if (left * 1000 > wait_ms)
		wait_ms = (int)(left * 1000);
	lim = smsotp_limits_take(ctx->store, ctx->conf, ctx->now, wait_ms,
	    &retry, sample);
	if (lim == SMSOTP_LIM_OK)
		return 0;
	smsotp_state_end(txn);
	if (lim == SMSOTP_LIM_OVER && user != NULL &&
	    !ctx->conf->reveal_status) {
		smsotp_decoy_begin(ctx, user, phone, "global send limit", r);
	} else if (lim == SMSOTP_LIM_OVER) {
		reply_init(r, SMSOTP_RATE_LIMITED);
		r->retry_after = retry;
	} else {
		reply_init(r, SMSOTP_ERROR);
	}
	return -1;
}

/*
 * send_code, and when sample, its duration noted for the decoys' timing
 * (decoy.h, smsotp_global_want_sample).
 */
static int
timed_send(const struct smsotp_ctx *ctx, const char *user, const char *service,
    const char *phone, const char *code, int sample)
{
	double t0 = smsotp_mono();
	int rv = send_code(ctx, user, service, phone, code);

	if (rv == SMSOTP_SENT && sample)
		smsotp_limits_note_send(ctx->store, ctx->now,
		    (long)((smsotp_mono() - t0) * 1000), ctx->lock_wait_ms);
	return rv;
}

int
smsotp_begin(const struct smsotp_ctx *ctx, const char *user,
    const char *service, struct smsotp_reply *r)
{
	char phone[SMSOTP_E164_SIZE], code[SMSOTP_CODE_MAX + 1], ulog[80];
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_challenge *c;
	int rv, i, oldest, sample = 0;

	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(code, 0, sizeof(code));
	memset(&st, 0, sizeof(st));
	rv = lookup_phone(ctx, user, ulog, phone);
	/* abuse: no phone looks like a phone unless nullok (decoy.h) */
	if (rv == SMSOTP_NO_PHONE && !ctx->nullok && !ctx->conf->reveal_status)
		return smsotp_decoy_begin(ctx, user, NULL, "no phone number", r);
	if (rv != SMSOTP_OK) {
		reply_init(r, rv);
		if (rv == SMSOTP_NO_PHONE)
			smsotp_log(LOG_NOTICE, "user=%s: no phone number", ulog);
		return r->status;
	}
	if (!country_ok(ctx, user, phone, ulog, r))
		goto out;
	if (open_txn(ctx, user, &txn, &st, ulog, r) != 0) {
		if (r->status == SMSOTP_LOCKED && !ctx->conf->reveal_status)
			smsotp_decoy_begin(ctx, user, phone, "corrupt state", r);
		goto out;
	}
	prune(ctx, &st);
	unlock_expired(ctx, &st, ulog);
	if (locked(ctx, &st, r) || over_send_limit(ctx, &st, r)) {
		smsotp_state_end(&txn);
		if (!ctx->conf->reveal_status)
			smsotp_decoy_begin(ctx, user, phone,
			    r->status == SMSOTP_LOCKED ? "locked out" :
			    "send limit reached", r);
		else
			smsotp_log(LOG_NOTICE, "user=%s: %s: no code sent", ulog,
			    smsotp_status_name(r->status));
		goto out;
	}
	/* Keep at most max_live_codes: the oldest live code makes room. */
	while (st.nchal >= ctx->conf->max_live_codes) {
		for (i = 1, oldest = 0; i < st.nchal; i++)
			if (st.chal[i].created < st.chal[oldest].created)
				oldest = i;
		drop_challenge(&st, oldest);
	}
	c = &st.chal[st.nchal++];
	smsotp_challenge_new(c->id);
	smsotp_code_generate(ctx->conf->code_length, code);
	smsotp_code_hash(ctx->key, c->id, code, strlen(code), c->hash);
	c->created = ctx->now;
	c->expires = ctx->now + ctx->conf->code_ttl;
	c->last_sent = ctx->now;
	c->attempts = 0;
	record_send(ctx, &st);
	/* abuse: the global caps, counted while the user's lock is held */
	if (global_take(ctx, user, phone, &txn, &sample, r) != 0)
		goto out;
	reply_init(r, SMSOTP_SENT);
	memcpy(r->challenge, c->id, sizeof(r->challenge));
	rv = commit(&txn, &st, ulog);
	smsotp_state_end(&txn);
	if (rv != 0) {
		reply_init(r, SMSOTP_ERROR);
		goto out;
	}
	if (timed_send(ctx, user, service, phone, code, sample) !=
	    SMSOTP_SENT) {
		unreserve(ctx, user, r->challenge, ulog);
		reply_init(r, SMSOTP_GATEWAY_DOWN);
		goto out;
	}
	smsotp_phone_mask(phone, r->masked, sizeof(r->masked));
	r->ttl = ctx->conf->code_ttl;
	r->resend_after = ctx->conf->resend_cooldown;
out:
	smsotp_wipe(code, sizeof(code));
	smsotp_wipe(&st, sizeof(st));
	return r->status;
}

int
smsotp_resend(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *service, struct smsotp_reply *r)
{
	char phone[SMSOTP_E164_SIZE], code[SMSOTP_CODE_MAX + 1], ulog[80];
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_challenge *c;
	int rv, idx, sample = 0;
	long wait;

	if (smsotp_decoy_resend(ctx, user, challenge, r))
		return r->status;
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(code, 0, sizeof(code));
	memset(&st, 0, sizeof(st));
	rv = lookup_phone(ctx, user, ulog, phone);
	if (rv != SMSOTP_OK) {
		/* the number went away since begin */
		reply_init(r, rv == SMSOTP_NO_PHONE ? SMSOTP_EXPIRED : rv);
		return r->status;
	}
	if (!smsotp_country_allowed(ctx->conf, phone)) {
		log_country(phone, ulog);
		reply_init(r, SMSOTP_GATEWAY_DOWN);
		return r->status;
	}
	if (open_txn(ctx, user, &txn, &st, ulog, r) != 0)
		goto out;
	prune(ctx, &st);
	idx = find_challenge(&st, challenge);
	if (locked(ctx, &st, r) || idx < 0) {
		if (idx < 0 && r->status != SMSOTP_LOCKED)
			reply_init(r, SMSOTP_EXPIRED);
		smsotp_state_end(&txn);
		goto out;
	}
	c = &st.chal[idx];
	wait = (long)(c->last_sent + ctx->conf->resend_cooldown - ctx->now);
	if (wait > 0) {
		smsotp_state_end(&txn);
		reply_init(r, SMSOTP_RATE_LIMITED);
		r->retry_after = wait;
		goto out;
	}
	if (over_send_limit(ctx, &st, r)) {
		smsotp_state_end(&txn);
		smsotp_log(LOG_NOTICE, "user=%s: resend refused: send limit",
		    ulog);
		goto out;
	}
	/* abuse: the global caps, counted while the user's lock is held */
	if (global_take(ctx, NULL, NULL, &txn, &sample, r) != 0)
		goto out;
	/* New code, same challenge: the old code dies, attempts are kept. */
	smsotp_code_generate(ctx->conf->code_length, code);
	smsotp_code_hash(ctx->key, c->id, code, strlen(code), c->hash);
	c->expires = ctx->now + ctx->conf->code_ttl;
	c->last_sent = ctx->now;
	record_send(ctx, &st);
	rv = commit(&txn, &st, ulog);
	smsotp_state_end(&txn);
	if (rv != 0) {
		reply_init(r, SMSOTP_ERROR);
		goto out;
	}
	if (timed_send(ctx, user, service, phone, code, sample) !=
	    SMSOTP_SENT) {
		reply_init(r, SMSOTP_GATEWAY_DOWN);
		goto out;
	}
	reply_init(r, SMSOTP_SENT);
	memcpy(r->challenge, challenge, sizeof(r->challenge));
	smsotp_phone_mask(phone, r->masked, sizeof(r->masked));
	r->ttl = ctx->conf->code_ttl;
	r->resend_after = ctx->conf->resend_cooldown;
	smsotp_log(LOG_INFO, "user=%s: code resent", ulog);
out:
	smsotp_wipe(code, sizeof(code));
	smsotp_wipe(&st, sizeof(st));
	return r->status;
}

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
	reply_init(r, SMSOTP_BAD_CODE);
	r->attempts_left = ctx->conf->code_max_attempts - c->attempts;
	if (r->attempts_left <= 0) {
		r->attempts_left = 0;
		drop_challenge(st, idx);
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
	reply_init(r, SMSOTP_LOCKED);
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
	int idx, match;

	if (smsotp_decoy_verify(ctx, user, challenge, r)) {	/* abuse */
		smsotp_backup_dummy(code, codelen);	/* same cost as a real try */
		return r->status;
	}
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(&st, 0, sizeof(st));
	memset(&ok, 0, sizeof(ok));
	if (open_txn(ctx, user, &txn, &st, ulog, r) != 0)
		goto out;
	if (locked(ctx, &st, r)) {
		smsotp_log(LOG_NOTICE, "user=%s: code refused: locked out", ulog);
		goto end;
	}
	idx = find_challenge(&st, challenge);
	if (idx < 0 || st.chal[idx].expires <= ctx->now) {
		reply_init(r, SMSOTP_EXPIRED);
		smsotp_log(LOG_NOTICE, "user=%s: code for an unknown, used or "
		    "expired challenge", ulog);
		if (idx >= 0) {
			prune(ctx, &st);
			if (commit(&txn, &st, ulog) != 0)
				reply_init(r, SMSOTP_ERROR);
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
	if (commit(&txn, &st, ulog) != 0) {
		reply_init(r, SMSOTP_ERROR);
		goto end;
	}
	match = smsotp_code_check(ctx->key, challenge, code, codelen,
	    ctx->conf->code_length, ok.chal[idx].hash);
	/* a backup code at the same prompt, under the same lock */
	if (!match) {
		match = smsotp_backup_try(&txn, user, code, codelen);
		if (match < 0) {
			reply_init(r, SMSOTP_ERROR);
			goto end;
		}
	}
	if (!match) {
		log_failure(ctx, &st, r, ulog);
		goto end;
	}
	drop_challenge(&ok, idx);
	ok.failures = 0;
	ok.lockouts = 0;
	reply_init(r, SMSOTP_OK);
	/* SECURITY: single use holds only if the state reached the disk. */
	if (commit(&txn, &ok, ulog) != 0)
		reply_init(r, SMSOTP_ERROR);
	else
		smsotp_log(LOG_INFO, "user=%s: code accepted", ulog);
end:
	smsotp_state_end(&txn);
out:
	smsotp_wipe(&st, sizeof(st));
	smsotp_wipe(&ok, sizeof(ok));
	return r->status;
}
