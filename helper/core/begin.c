/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/begin.c - begin: a new challenge and its code, sent, as one
 * straight pipeline (pipeline.h), the same for a decoy with the decoy
 * sender in place of the real one:
 *   resolve -> lock -> again -> check -> count -> challenge -> commit
 *   -> send -> record
 * (count is the shared step of sender.h: a global cap makes a decoy).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "core/decoy.h"
#include "core/grace.h"
#include "core/policy.h"
#include "core/sender.h"
#include "base/wipe.h"

/*
 * A known user without a number is told so (nullok: the module skips the
 * second factor; reveal_status): noted in the user's state, which nothing
 * else would write.
 */
static void
note_no_phone(struct smsotp_login *l)
{
	struct smsotp_reply ignored;

	if (l->ctx->unknown_user ||
	    smsotp_login_lock(l, &ignored) != SMSOTP_STEP_NEXT)
		return;
	if (l->ctx->nullok)
		smsotp_login_note_commit(l, SMSOTP_DK_SKIPPED,
		    SMSOTP_WHY_NULLOK);
	else
		smsotp_login_note_commit(l, SMSOTP_DK_REFUSED,
		    SMSOTP_WHY_NO_PHONE);
	smsotp_login_unlock(l);
}

static int
skip_why(int skip)
{
	switch (skip) {
	case SMSOTP_SKIP_SERVICE:
		return SMSOTP_WHY_SERVICE;
	case SMSOTP_SKIP_ONLY_GROUPS:
		return SMSOTP_WHY_ONLY_GROUPS;
	case SMSOTP_SKIP_EXEMPT_GROUP:
		return SMSOTP_WHY_EXEMPT_GROUP;
	case SMSOTP_SKIP_EXEMPT_NETWORK:
		return SMSOTP_WHY_EXEMPT_NETWORK;
	default:
		return SMSOTP_WHY_GRACE;
	}
}

/* A skip: logged with its reason, noted, answered SKIP reason=. */
static void
login_skip(struct smsotp_login *l, int skip, const char *detail,
    struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	const char *rh = ctx->rhost != NULL ? ctx->rhost : "-";
	char rlog[80];
	int held = l->held;

	smsotp_sanitize(rlog, sizeof(rlog), rh, strlen(rh));
	smsotp_log(LOG_NOTICE, "user=%s service=%s rhost=%s: no code asked: "
	    "%s%s%s%s", l->ulog, ctx->service != NULL ? ctx->service : "-",
	    rlog, smsotp_why_text(skip_why(skip)), detail[0] ? " (" : "",
	    detail, detail[0] ? ")" : "");
	(void)smsotp_fmt(rlog, sizeof(rlog), "reason=%s",
	    smsotp_skip_token(skip));
	smsotp_login_audit(l, LOG_NOTICE, "skip", rlog);
	if (held || smsotp_login_lock(l, r) == SMSOTP_STEP_NEXT) {
		smsotp_login_note_commit(l, SMSOTP_DK_SKIPPED, skip_why(skip));
		if (!held)
			smsotp_login_unlock(l);
	}
	smsotp_reply_init(r, SMSOTP_SKIP);
	r->reason = smsotp_skip_token(skip);
}

/*
 * policy: a login that policy = { ... } does not ask (policy.h) is
 * answered SKIP with its reason. Never for a name NSS does not know: that
 * gets its decoy like any other (DESIGN.md 6).
 */
static enum smsotp_step
policy(struct smsotp_login *l, struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	char detail[80], why[320];
	int rv;

	if (ctx->unknown_user)
		return SMSOTP_STEP_NEXT;
	rv = smsotp_policy_skip(&ctx->conf->policy, l->user, ctx->service,
	    ctx->rhost, detail, sizeof(detail), why, sizeof(why));
	if (rv == SMSOTP_SKIP_NONE)
		return SMSOTP_STEP_NEXT;
	if (rv < 0) {
		smsotp_log(LOG_ERR, "user=%s: policy: %s: denied", l->ulog,
		    why);
		smsotp_reply_init(r, SMSOTP_ERROR);
		return SMSOTP_STEP_REPLY;
	}
	login_skip(l, rv, detail, r);
	return SMSOTP_STEP_REPLY;
}

/*
 * grace: a login within its grace period (grace.h) is not asked: SKIP
 * reason=grace. Never for a decoy or a user who is locked out.
 */
static enum smsotp_step
grace(struct smsotp_login *l, struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	struct smsotp_grace_id id;
	int period = smsotp_grace_period(ctx);

	if (period == 0 || l->decoy != SMSOTP_WHY_NONE ||
	    l->st.locked_until > ctx->now ||
	    smsotp_grace_id(ctx, l->phone, &id) != 0 ||
	    !smsotp_grace_holds(ctx, &l->st, &id, period))
		return SMSOTP_STEP_NEXT;
	login_skip(l, SMSOTP_SKIP_GRACE, "", r);
	return SMSOTP_STEP_REPLY;
}

/* resolve: the number, and whether the login is a decoy from the start. */
static enum smsotp_step
resolve(struct smsotp_login *l, struct smsotp_reply *r)
{
	int why, rv;

	rv = smsotp_login_phone(l, &why);
	if (rv != SMSOTP_OK) {
		if (rv == SMSOTP_NO_PHONE)
			note_no_phone(l);
		smsotp_reply_init(r, rv);
		return SMSOTP_STEP_REPLY;
	}
	if (why != SMSOTP_WHY_NONE)
		smsotp_login_decoy(l, why);
	return SMSOTP_STEP_NEXT;
}

/*
 * again: a begin for a PAM handle (ctx->bind) whose live challenge is
 * bound to it gets that challenge again: nothing made, counted or sent.
 * Before check, and the same for a decoy challenge as for a real one, so
 * that "already sent" tells nothing about the user. SECURITY: a lockout
 * drops every real challenge (verify.c), so a locked user finds only a
 * decoy one here.
 */
static enum smsotp_step
again(struct smsotp_login *l, struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	const struct smsotp_challenge *c;
	int64_t made;
	int i;

	if (ctx->bind == NULL)
		return SMSOTP_STEP_NEXT;
	for (i = 0; i < l->st.nchal; i++) {
		c = &l->st.chal[i];
		if (!c->bound || c->expires <= ctx->now ||
		    c->attempts >= ctx->conf->code_max_attempts ||
		    sodium_memcmp(c->bind, ctx->bind, SMSOTP_BIND_LEN) != 0)
			continue;
		smsotp_reply_sent(l, c->id, r);
		r->ttl = (long)(c->expires - ctx->now);
		r->resend_after = (long)(c->last_sent +
		    ctx->conf->resend_cooldown - ctx->now);
		if (r->resend_after < 0)
			r->resend_after = 0;
		r->again = 1;
		smsotp_log(LOG_INFO, "user=%s: code already sent for this "
		    "login: none sent", l->ulog);
		/* the same check for a real challenge and a decoy one */
		smsotp_login_note_commit(l, SMSOTP_DK_AGAIN,
		    smsotp_decoy_id_check(ctx->key, l->user, c->id, &made) ?
		    SMSOTP_WHY_DECOY_CHALLENGE : l->decoy);
		return SMSOTP_STEP_REPLY;
	}
	return SMSOTP_STEP_NEXT;
}

/*
 * A new challenge in the user's state, room made for it (max_live_codes:
 * the oldest goes), bound to the PAM handle when the begin named one.
 */
static struct smsotp_challenge *
new_challenge(struct smsotp_login *l)
{
	struct smsotp_state *st = &l->st;
	struct smsotp_challenge *c;
	int64_t now = l->ctx->now;
	int i, oldest;

	while (st->nchal >= l->ctx->conf->max_live_codes) {
		for (i = 1, oldest = 0; i < st->nchal; i++)
			if (st->chal[i].created < st->chal[oldest].created)
				oldest = i;
		smsotp_chal_drop(st, oldest);
	}
	c = &st->chal[st->nchal++];
	memset(c, 0, sizeof(*c));
	c->created = now;
	c->expires = now + l->ctx->conf->code_ttl;
	c->last_sent = now;
	if (l->ctx->bind != NULL) {
		c->bound = 1;
		memcpy(c->bind, l->ctx->bind, SMSOTP_BIND_LEN);
	}
	return c;
}

/*
 * No text can be sent (the provider is down, a send cap): a backup code
 * is asked for instead, at a decoy challenge (no SMS code matches it; the
 * decoy sender's check tries the backup codes of a known user who is not
 * locked out). Offered to every login whose state is held, whether it has
 * backup codes, is locked out or is an unknown name's decoy, so that the
 * offer tells nothing. Into st and r; the caller commits.
 */
static void
offer_backup(struct smsotp_login *l, struct smsotp_reply *r)
{
	struct smsotp_challenge *c;
	char none[SMSOTP_CODE_MAX + 1];

	if (!l->held)
		return;
	c = new_challenge(l);
	l->senders->decoy->make(l, c, none);
	memcpy(r->challenge, c->id, sizeof(r->challenge));
	r->ttl = l->ctx->conf->code_ttl;
}

/* A lockout that ran out ends at the next login: say so once. */
static void
unlock_expired(struct smsotp_login *l)
{
	if (l->st.locked_until == 0 || l->st.locked_until > l->ctx->now)
		return;
	l->st.locked_until = 0;
	smsotp_log(LOG_NOTICE, "user=%s: lockout expired: unlocked", l->ulog);
}

/*
 * check: the lockout and the user's send limit. A locked or over-limit
 * user gets a decoy, or with reveal_status the refusal. *over: the send
 * window is full (this send is then not noted in it). A decoy's sends
 * count as a real user's: it is not past the limit either.
 */
static enum smsotp_step
check(struct smsotp_login *l, int *over, struct smsotp_reply *r)
{
	struct smsotp_reply limited;
	int locked;

	smsotp_login_prune(l);
	unlock_expired(l);
	*over = smsotp_login_over_send_limit(l, &limited);
	locked = smsotp_login_locked(l, r);
	if (l->decoy != SMSOTP_WHY_NONE || (!locked && !*over))
		return SMSOTP_STEP_NEXT;
	if (!locked)
		*r = limited;
	if (l->ctx->conf->reveal_status) {
		smsotp_log(LOG_NOTICE, "user=%s: %s: no code sent", l->ulog,
		    smsotp_status_name(r->status));
		if (!locked)
			offer_backup(l, r);	/* LOCKED stays locked */
		smsotp_login_note_commit(l, SMSOTP_DK_REFUSED, locked ?
		    SMSOTP_WHY_LOCKED : SMSOTP_WHY_SEND_LIMIT);
		return SMSOTP_STEP_REPLY;
	}
	smsotp_login_decoy(l, locked ? SMSOTP_WHY_LOCKED :
	    SMSOTP_WHY_SEND_LIMIT);
	return SMSOTP_STEP_NEXT;
}

/*
 * challenge: make room (max_live_codes), add a challenge (bound to the
 * PAM handle when the begin named one), let the sender make its id and
 * code, note the send in the user's window unless it is full. The id into
 * id.
 */
static void
challenge(struct smsotp_login *l, int over, char code[SMSOTP_CODE_MAX + 1],
    char id[SMSOTP_CHALLENGE_HEXLEN + 1])
{
	struct smsotp_challenge *c = new_challenge(l);

	l->sender->make(l, c, code);
	if (!over)
		smsotp_login_record_send(l);
	smsotp_login_note(l, &l->st, l->decoy != SMSOTP_WHY_NONE ?
	    SMSOTP_DK_DECOY : SMSOTP_DK_SENT, l->decoy);
	memcpy(id, c->id, SMSOTP_CHALLENGE_HEXLEN + 1);
}

/*
 * A corrupt state is never written and nothing is counted for it (its
 * decoy skips the state steps): a decoy id that no state holds.
 */
static void
stateless(struct smsotp_login *l, char code[SMSOTP_CODE_MAX + 1],
    char id[SMSOTP_CHALLENGE_HEXLEN + 1])
{
	struct smsotp_challenge c;

	smsotp_login_decoy(l, SMSOTP_WHY_CORRUPT);
	memset(&c, 0, sizeof(c));
	l->sender->make(l, &c, code);
	memcpy(id, c.id, SMSOTP_CHALLENGE_HEXLEN + 1);
	smsotp_wipe(&c, sizeof(c));
}

/*
 * Undo a reservation whose send failed (sent: its status): the challenge
 * is useless, and its decision says why.
 */
static void
unreserve(struct smsotp_login *l, const char *id, int sent,
    struct smsotp_reply *r)
{
	struct smsotp_reply ignored, offer;
	int idx;

	if (smsotp_login_lock(l, &ignored) != SMSOTP_STEP_NEXT)
		return;
	idx = smsotp_chal_find(&l->st, id);
	if (idx != SMSOTP_NO_CHALLENGE)
		smsotp_chal_drop(&l->st, idx);
	smsotp_login_amend(l, &l->st, SMSOTP_DK_SENT, SMSOTP_DK_SEND_FAILED,
	    sent == SMSOTP_GATEWAY_DOWN ? SMSOTP_WHY_GATEWAY_DOWN :
	    SMSOTP_WHY_ERROR);
	memset(&offer, 0, sizeof(offer));
	if (sent == SMSOTP_GATEWAY_DOWN)
		offer_backup(l, &offer);
	if (smsotp_login_commit(l, &l->st, &ignored) == SMSOTP_STEP_NEXT &&
	    offer.challenge[0] != '\0') {
		memcpy(r->challenge, offer.challenge, sizeof(r->challenge));
		r->ttl = offer.ttl;
	}
	smsotp_login_unlock(l);
}

/* record: the answer to the send; a failed one takes its challenge back. */
static void
record(struct smsotp_login *l, int sent, const char *id,
    struct smsotp_reply *r)
{
	const struct smsotp_service_rule *rule;

	if (sent != SMSOTP_SENT) {
		smsotp_reply_init(r, sent);
		unreserve(l, id, sent, r);
		/* the service's failmode over the module's (policy.h) */
		rule = smsotp_policy_service(&l->ctx->conf->policy,
		    l->ctx->service);
		if (sent == SMSOTP_GATEWAY_DOWN && rule != NULL &&
		    rule->failmode >= 0)
			r->failmode = rule->failmode ? SMSOTP_FAILMODE_SAFE :
			    SMSOTP_FAILMODE_SECURE;
		return;
	}
	smsotp_reply_sent(l, id, r);
}

int
smsotp_begin_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *service, struct smsotp_reply *r)
{
	struct smsotp_login l;
	char code[SMSOTP_CODE_MAX + 1], id[SMSOTP_CHALLENGE_HEXLEN + 1];
	int over;

	memset(code, 0, sizeof(code));
	smsotp_secret_lock(code, sizeof(code));
	smsotp_login_init(&l, ctx, senders, user);
	if (policy(&l, r) != SMSOTP_STEP_NEXT ||
	    resolve(&l, r) != SMSOTP_STEP_NEXT)
		goto out;
	switch (smsotp_login_lock(&l, r)) {
	case SMSOTP_STEP_NEXT:
		break;
	case SMSOTP_STEP_CORRUPT:
		if (ctx->conf->reveal_status)
			goto out;	/* LOCKED */
		stateless(&l, code, id);
		goto send;
	default:
		goto out;
	}
	if (grace(&l, r) != SMSOTP_STEP_NEXT ||
	    again(&l, r) != SMSOTP_STEP_NEXT ||
	    check(&l, &over, r) != SMSOTP_STEP_NEXT)
		goto out;
	if (smsotp_login_count(&l, 0, 1, r) != SMSOTP_STEP_NEXT) {
		if (r->status == SMSOTP_RATE_LIMITED)
			offer_backup(&l, r);
		smsotp_login_note_commit(&l, SMSOTP_DK_REFUSED, r->status ==
		    SMSOTP_RATE_LIMITED ? SMSOTP_WHY_GLOBAL_CAP :
		    SMSOTP_WHY_ERROR);
		goto out;
	}
	challenge(&l, over, code, id);
	if (smsotp_login_commit(&l, &l.st, r) != SMSOTP_STEP_NEXT)
		goto out;
	smsotp_login_unlock(&l);
send:
	if (l.decoy != SMSOTP_WHY_NONE)
		smsotp_log(LOG_NOTICE, "user=%s: %s: decoy prompt, no code "
		    "sent", l.ulog, smsotp_why_text(l.decoy));
	record(&l, l.sender->send(&l, service, code), id, r);
out:
	smsotp_secret_unlock(code, sizeof(code));
	smsotp_login_end(&l);
	return r->status;
}

int
smsotp_begin(const struct smsotp_ctx *ctx, const char *user,
    const char *service, struct smsotp_reply *r)
{
	return smsotp_begin_with(ctx, &smsotp_senders_builtin, user, service,
	    r);
}
