/*
 * engine.c - begin and resend: the locked read-modify-write of a user's
 * state around code generation and sending, decoys on the same path.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/backup.h"
#include "core/decoy.h"
#include "core/engine_int.h"
#include "gateways/gateway.h"
#include "base/log.h"
#include "core/limits.h"
#include "base/template.h"

/*
 * Render and send code to phone. SENT; GATEWAY_DOWN only when gateways
 * were tried and each failed temporarily; ERROR for everything else (a
 * local fault, a refusal by the provider: DESIGN.md 5.3).
 */
static int
send_code(const struct smsotp_ctx *ctx, const char *user, const char *service,
    const char *phone, const char *code)
{
	char text[SMSOTP_TEXT_MAX + 1], minutes[16];
	struct smsotp_tvars v;
	struct smsotp_gw_opts gwo;
	int gw, rv = SMSOTP_ERROR;

	if (smsotp_fmt(minutes, sizeof(minutes), "%d",
	    (ctx->conf->code_ttl + 59) / 60) != 0)
		return SMSOTP_ERROR;
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
	/* the circuit breaker lives in the state directory */
	memset(&gwo, 0, sizeof(gwo));
	gwo.store = ctx->store;
	gwo.now = ctx->now;
	gwo.only = -1;
	gwo.privileged = ctx->privileged;
	switch (smsotp_gw_send_opts(ctx->conf, phone, text, ctx->deadline,
	    &gwo, &gw)) {
	case SMSOTP_GW_SENT:
		rv = SMSOTP_SENT;
		break;
	case SMSOTP_GW_TEMPFAIL:
		rv = SMSOTP_GATEWAY_DOWN;
		break;
	default:
		rv = SMSOTP_ERROR;
		break;
	}
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
	rv = smsotp_phone_lookup(ctx->conf->phones_file, ctx->conf_owner,
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

	if (smsotp_eng_open_txn(ctx, user, &txn, &st, ulog, &ignored) != 0)
		return;
	idx = smsotp_eng_find_challenge(&st, id);
	if (idx >= 0) {
		smsotp_eng_drop_challenge(&st, idx);
		(void)smsotp_eng_commit(&txn, &st, ulog);
	}
	smsotp_state_end(&txn);
	smsotp_wipe(&st, sizeof(st));
}

/* --- countries, global caps, unlock log, send timing, decoys ----------- */

static void
log_country(const char *phone, const char *ulog)
{
	char masked[SMSOTP_MASKED_SIZE];

	smsotp_phone_mask(phone, masked, sizeof(masked));
	smsotp_log(LOG_WARNING, "user=%s: number %s is outside "
	    "limits.allowed_countries: no code sent", ulog, masked);
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
 * Count one global send (the caller holds the user's lock; the global
 * counts take no lock: helper/store/swap.h). SMSOTP_LIM_OK, _OVER (*retry) or
 * _ERROR.
 */
static int
global_take(const struct smsotp_ctx *ctx, long *retry, int *sample)
{
	double left = ctx->deadline - smsotp_mono();
	int wait_ms = ctx->lock_wait_ms;

	/* lost races are retried up to the send deadline, which ends it anyway */
	if (left * 1000 > wait_ms)
		wait_ms = (int)(left * 1000);
	return smsotp_limits_take(ctx->store, ctx->conf, ctx->now, wait_ms,
	    retry, sample);
}

/*
 * send_code, and when sample, its duration noted for the decoys' timing
 * (decoy.h, smsotp_global_want_sample). A decoy sends nothing and takes
 * as long as a real send.
 */
static int
timed_send(const struct smsotp_ctx *ctx, const char *user, const char *service,
    const char *phone, const char *code, int sample, int decoy)
{
	double t0 = smsotp_mono();
	int rv;

	if (decoy) {
		(void)smsotp_limits_count_decoy(ctx->store, ctx->now,
		    ctx->lock_wait_ms);
		smsotp_decoy_send(ctx);
		return SMSOTP_SENT;
	}
	rv = send_code(ctx, user, service, phone, code);
	if (rv == SMSOTP_SENT && sample)
		smsotp_limits_note_send(ctx->store, ctx->now,
		    (long)((smsotp_mono() - t0) * 1e6), ctx->lock_wait_ms);
	return rv;
}

/*
 * The number for user: SMSOTP_OK (phone), or the reply when none may be
 * used. *decoy is set (with a stand-in number) when the login must be a
 * decoy: a name unknown to NSS, no number without nullok, a country not
 * allowed. DESIGN.md 6: nullok applies to known users without a phone.
 */
static int
phone_for(const struct smsotp_ctx *ctx, const char *user, const char *ulog,
    char phone[SMSOTP_E164_SIZE], const char **decoy)
{
	int rv;

	*decoy = NULL;
	rv = lookup_phone(ctx, user, ulog, phone);	/* for an unknown name too: the same cost */
	if (ctx->unknown_user && rv != SMSOTP_ERROR) {
		/*
		 * reveal_status says so, but never as a NO_PHONE that the
		 * module's nullok would turn into a skip.
		 */
		if (ctx->conf->reveal_status && !ctx->nullok) {
			smsotp_log(LOG_NOTICE, "user=%s: unknown user", ulog);
			return SMSOTP_NO_PHONE;
		}
		*decoy = "unknown user";
		smsotp_decoy_phone(ctx->key, user, ctx->conf, phone);
		return SMSOTP_OK;
	}
	if (rv == SMSOTP_NO_PHONE) {
		if (ctx->nullok || ctx->conf->reveal_status) {
			smsotp_log(LOG_NOTICE, "user=%s: no phone number", ulog);
			return SMSOTP_NO_PHONE;
		}
		*decoy = "no phone number";
		smsotp_decoy_phone(ctx->key, user, ctx->conf, phone);
		return SMSOTP_OK;
	}
	if (rv != SMSOTP_OK)
		return rv;
	if (!smsotp_country_allowed(ctx->conf, phone)) {
		log_country(phone, ulog);
		if (ctx->conf->reveal_status)
			return SMSOTP_ERROR;
		*decoy = "country not allowed";
	}
	return SMSOTP_OK;
}

static void
log_decoy(const char *ulog, const char *why)
{
	smsotp_log(LOG_NOTICE, "user=%s: %s: decoy prompt, no code sent", ulog,
	    why);
}

/* Make room for a challenge (max_live_codes) and add it; returns it. */
static struct smsotp_challenge *
add_challenge(const struct smsotp_ctx *ctx, struct smsotp_state *st)
{
	struct smsotp_challenge *c;
	int i, oldest;

	while (st->nchal >= ctx->conf->max_live_codes) {
		for (i = 1, oldest = 0; i < st->nchal; i++)
			if (st->chal[i].created < st->chal[oldest].created)
				oldest = i;
		smsotp_eng_drop_challenge(st, oldest);
	}
	c = &st->chal[st->nchal++];
	memset(c, 0, sizeof(*c));
	c->created = ctx->now;
	c->expires = ctx->now + ctx->conf->code_ttl;
	c->last_sent = ctx->now;
	return c;
}

/*
 * A new code for c (a fresh one, or a resend), or for a decoy the decoy's
 * random hash. code receives the digits (empty for a decoy).
 */
static void
new_code(const struct smsotp_ctx *ctx, const char *user,
    struct smsotp_challenge *c, int decoy, char *code)
{
	char id[SMSOTP_CHALLENGE_HEXLEN + 1];

	code[0] = '\0';
	if (decoy) {
		memcpy(id, c->id, sizeof(id));
		smsotp_decoy_challenge(ctx, user, c);
		if (id[0] != '\0')	/* a resend keeps its id */
			memcpy(c->id, id, sizeof(id));
		return;
	}
	smsotp_code_generate(ctx->conf->code_length, code);
	smsotp_code_hash(ctx->key, c->id, code, strlen(code), c->hash);
}

/*
 * The global caps for a real send, or for a decoy nothing. 0 to go on
 * (a cap reached turns the login into a decoy unless reveal_status, then
 * r is final), -1 with r final.
 */
static int
global_gate(const struct smsotp_ctx *ctx, int may_decoy, const char **decoy,
    int *sample, struct smsotp_reply *r)
{
	long retry = 0;
	int lim;

	if (*decoy != NULL) {
		/*
		 * Nothing is sent, nothing is counted; but where a real send
		 * would be over a cap, a decoy's resend says so too.
		 */
		struct smsotp_global g;
		const char *which;
		char why[320];

		if (may_decoy || smsotp_limits_peek(ctx->store, ctx->now, &g, why,
		    sizeof(why)) != 1 || !smsotp_global_over(&g,
		    ctx->conf->global_per_minute, ctx->conf->global_per_day,
		    ctx->now, &retry, &which))
			return 0;
		smsotp_eng_reply_init(r, SMSOTP_RATE_LIMITED);
		r->retry_after = retry;
		return -1;
	}
	lim = global_take(ctx, &retry, sample);
	if (lim == SMSOTP_LIM_OK)
		return 0;
	if (lim == SMSOTP_LIM_OVER && may_decoy && !ctx->conf->reveal_status) {
		*decoy = "global send limit";
		return 0;
	}
	smsotp_eng_reply_init(r, lim == SMSOTP_LIM_OVER ? SMSOTP_RATE_LIMITED :
	    SMSOTP_ERROR);
	r->retry_after = retry;
	return -1;
}

static void
reply_sent(const struct smsotp_ctx *ctx, const char *id, const char *phone,
    struct smsotp_reply *r)
{
	smsotp_eng_reply_init(r, SMSOTP_SENT);
	memcpy(r->challenge, id, sizeof(r->challenge));
	smsotp_phone_mask(phone, r->masked, sizeof(r->masked));
	r->ttl = ctx->conf->code_ttl;
	r->resend_after = ctx->conf->resend_cooldown;
}

int
smsotp_begin(const struct smsotp_ctx *ctx, const char *user,
    const char *service, struct smsotp_reply *r)
{
	char phone[SMSOTP_E164_SIZE], code[SMSOTP_CODE_MAX + 1], ulog[80];
	char id[SMSOTP_CHALLENGE_HEXLEN + 1];
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_challenge *c;
	struct smsotp_reply limited;
	const char *decoy;
	int rv, over, lk, sample = 0;

	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(code, 0, sizeof(code));
	smsotp_secret_lock(code, sizeof(code));
	memset(&st, 0, sizeof(st));
	rv = phone_for(ctx, user, ulog, phone, &decoy);
	if (rv != SMSOTP_OK) {
		smsotp_eng_reply_init(r, rv);
		goto out;
	}
	if (smsotp_eng_open_txn(ctx, user, &txn, &st, ulog, r) != 0) {
		if (r->status == SMSOTP_LOCKED && !ctx->conf->reveal_status)
			smsotp_decoy_stateless(ctx, user, phone, "corrupt state",
			    r);
		goto out;
	}
	smsotp_eng_prune(ctx, &st);
	unlock_expired(ctx, &st, ulog);
	/* a decoy's sends count as a real user's: not past the limit either */
	over = smsotp_eng_over_send_limit(ctx, &st, &limited);
	lk = smsotp_eng_locked(ctx, &st, r);
	if (decoy == NULL && (lk || over)) {
		if (!lk)
			*r = limited;
		if (ctx->conf->reveal_status) {
			smsotp_state_end(&txn);
			smsotp_log(LOG_NOTICE, "user=%s: %s: no code sent", ulog,
			    smsotp_status_name(r->status));
			goto out;
		}
		decoy = r->status == SMSOTP_LOCKED ? "locked out" :
		    "send limit reached";
	}
	/* the same path for a decoy: its challenge, attempts and sends count */
	c = add_challenge(ctx, &st);
	if (decoy == NULL)
		smsotp_challenge_new(c->id);
	if (!over)
		smsotp_eng_record_send(ctx, &st);
	if (global_gate(ctx, 1, &decoy, &sample, r) != 0) {
		smsotp_state_end(&txn);
		goto out;
	}
	if (decoy != NULL)
		c->id[0] = '\0';	/* a decoy id, made by new_code */
	new_code(ctx, user, c, decoy != NULL, code);
	memcpy(id, c->id, sizeof(id));
	rv = smsotp_eng_commit(&txn, &st, ulog);
	smsotp_state_end(&txn);
	if (rv != 0) {
		smsotp_eng_reply_init(r, SMSOTP_ERROR);
		goto out;
	}
	if (decoy != NULL)
		log_decoy(ulog, decoy);
	rv = timed_send(ctx, user, service, phone, code, sample, decoy != NULL);
	if (rv != SMSOTP_SENT) {
		unreserve(ctx, user, id, ulog);
		smsotp_eng_reply_init(r, rv);
		goto out;
	}
	reply_sent(ctx, id, phone, r);
out:
	smsotp_secret_unlock(code, sizeof(code));
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
	const char *decoy;
	int64_t made;
	int rv, idx, sample = 0, is_decoy;
	long wait;

	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	memset(code, 0, sizeof(code));
	smsotp_secret_lock(code, sizeof(code));
	memset(&st, 0, sizeof(st));
	is_decoy = smsotp_decoy_id_check(ctx->key, user, challenge, &made);
	rv = phone_for(ctx, user, ulog, phone, &decoy);
	if (rv != SMSOTP_OK && !is_decoy) {
		/* the number went away since begin */
		smsotp_eng_reply_init(r, rv == SMSOTP_NO_PHONE ? SMSOTP_EXPIRED : rv);
		goto out;
	}
	if (rv != SMSOTP_OK)	/* a decoy's number is a stand-in */
		smsotp_decoy_phone(ctx->key, user, ctx->conf, phone);
	if (is_decoy)
		decoy = "decoy challenge";
	else if (decoy != NULL) {
		/* a real challenge whose number became unusable */
		smsotp_eng_reply_init(r, SMSOTP_EXPIRED);
		goto out;
	}
	if (smsotp_eng_open_txn(ctx, user, &txn, &st, ulog, r) != 0)
		goto out;
	smsotp_eng_prune(ctx, &st);
	idx = smsotp_eng_find_challenge(&st, challenge);
	/* a live decoy answers as a real user who is not locked (decoy.h) */
	if ((!(is_decoy && idx >= 0) && smsotp_eng_locked(ctx, &st, r)) || idx < 0) {
		if (idx < 0 && r->status != SMSOTP_LOCKED)
			smsotp_eng_reply_init(r, SMSOTP_EXPIRED);
		smsotp_state_end(&txn);
		goto out;
	}
	c = &st.chal[idx];
	wait = (long)(c->last_sent + ctx->conf->resend_cooldown - ctx->now);
	if (wait > 0) {
		smsotp_state_end(&txn);
		smsotp_eng_reply_init(r, SMSOTP_RATE_LIMITED);
		r->retry_after = wait;
		goto out;
	}
	if (smsotp_eng_over_send_limit(ctx, &st, r)) {
		smsotp_state_end(&txn);
		smsotp_log(LOG_NOTICE, "user=%s: resend refused: send limit",
		    ulog);
		goto out;
	}
	/* a real code that cannot be resent stays valid: RATE_LIMITED */
	if (global_gate(ctx, 0, &decoy, &sample, r) != 0) {
		smsotp_state_end(&txn);
		goto out;
	}
	/* New code, same challenge: the old code dies, attempts are kept. */
	new_code(ctx, user, c, decoy != NULL, code);
	c->expires = ctx->now + ctx->conf->code_ttl;
	c->last_sent = ctx->now;
	smsotp_eng_record_send(ctx, &st);
	rv = smsotp_eng_commit(&txn, &st, ulog);
	smsotp_state_end(&txn);
	if (rv != 0) {
		smsotp_eng_reply_init(r, SMSOTP_ERROR);
		goto out;
	}
	rv = timed_send(ctx, user, service, phone, code, sample, decoy != NULL);
	if (rv != SMSOTP_SENT) {
		smsotp_eng_reply_init(r, rv);
		goto out;
	}
	reply_sent(ctx, challenge, phone, r);
	smsotp_log(LOG_INFO, "user=%s: code resent%s", ulog,
	    decoy != NULL ? " (decoy: nothing sent)" : "");
out:
	smsotp_secret_unlock(code, sizeof(code));
	smsotp_wipe(&st, sizeof(st));
	return r->status;
}
