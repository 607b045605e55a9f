/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/resend.c - resend: a new code for a live challenge (same
 * id, attempts and failures kept, the old code dead), as one straight
 * pipeline (pipeline.h), the same for a decoy challenge with the decoy
 * sender in place of the real one:
 *   resolve -> lock -> check -> count -> renew -> commit -> send -> record
 */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "core/decoy.h"
#include "core/sender.h"

/*
 * resolve: a decoy challenge makes a decoy (its number a stand-in when
 * there is none); a real one needs the number it was sent to still usable.
 */
static enum smsotp_step
resolve(struct smsotp_login *l, const char *challenge,
    struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	int64_t made;
	int why;
	int is_decoy, rv;

	is_decoy = smsotp_decoy_id_check(ctx->key, l->user, challenge, &made);
	rv = smsotp_login_phone(l, &why);
	if (rv != SMSOTP_OK && !is_decoy) {
		/* the number went away since begin */
		smsotp_reply_init(r, rv == SMSOTP_NO_PHONE ? SMSOTP_EXPIRED :
		    rv);
		return SMSOTP_STEP_REPLY;
	}
	if (rv != SMSOTP_OK)
		smsotp_decoy_phone(ctx->key, l->user, ctx->conf, l->phone);
	if (is_decoy) {
		smsotp_login_decoy(l, SMSOTP_WHY_DECOY_CHALLENGE);
		return SMSOTP_STEP_NEXT;
	}
	if (why != SMSOTP_WHY_NONE) {
		/* a real challenge whose number became unusable */
		smsotp_reply_init(r, SMSOTP_EXPIRED);
		return SMSOTP_STEP_REPLY;
	}
	return SMSOTP_STEP_NEXT;
}

/*
 * check: the challenge is live, the user not locked out (a live decoy
 * answers as a real user who is not locked: decoy.h), the cooldown over,
 * the user's send budget not used up. *idx: the challenge.
 */
static enum smsotp_step
check(struct smsotp_login *l, const char *challenge, int *idx,
    struct smsotp_reply *r)
{
	const struct smsotp_challenge *c;
	long wait;

	smsotp_login_prune(l);
	*idx = smsotp_chal_find(&l->st, challenge);
	if (!(l->decoy != SMSOTP_WHY_NONE && *idx != SMSOTP_NO_CHALLENGE) &&
	    smsotp_login_locked(l, r)) {
		smsotp_login_note_commit(l, SMSOTP_DK_REFUSED,
		    SMSOTP_WHY_LOCKED);
		return SMSOTP_STEP_REPLY;
	}
	if (*idx == SMSOTP_NO_CHALLENGE) {
		smsotp_reply_init(r, SMSOTP_EXPIRED);
		return SMSOTP_STEP_REPLY;
	}
	c = &l->st.chal[*idx];
	wait = (long)(c->last_sent + l->ctx->conf->resend_cooldown -
	    l->ctx->now);
	if (wait > 0) {
		smsotp_reply_init(r, SMSOTP_RATE_LIMITED);
		r->retry_after = wait;
		return SMSOTP_STEP_REPLY;
	}
	if (smsotp_login_over_send_limit(l, r)) {
		smsotp_log(LOG_NOTICE, "user=%s: resend refused: send limit",
		    l->ulog);
		smsotp_login_note_commit(l, SMSOTP_DK_REFUSED,
		    SMSOTP_WHY_SEND_LIMIT);
		return SMSOTP_STEP_REPLY;
	}
	return SMSOTP_STEP_NEXT;
}

/* renew: new code, same challenge: the old code dies, attempts are kept. */
static void
renew(struct smsotp_login *l, int idx, char code[SMSOTP_CODE_MAX + 1])
{
	struct smsotp_challenge *c = &l->st.chal[idx];

	l->sender->make(l, c, code);
	c->expires = l->ctx->now + l->ctx->conf->code_ttl;
	c->last_sent = l->ctx->now;
	smsotp_login_record_send(l);
	smsotp_login_note(l, &l->st, l->decoy != SMSOTP_WHY_NONE ?
	    SMSOTP_DK_DECOY : SMSOTP_DK_RESENT, l->decoy);
}

/*
 * record: the answer to the send. A failed one keeps the renewed
 * challenge (its old code is dead either way) and says so in its decision.
 */
static void
record(struct smsotp_login *l, int sent, const char *challenge,
    struct smsotp_reply *r)
{
	struct smsotp_reply ignored;

	if (sent != SMSOTP_SENT) {
		if (smsotp_login_lock(l, &ignored) == SMSOTP_STEP_NEXT) {
			smsotp_login_amend(l, &l->st, SMSOTP_DK_RESENT,
			    SMSOTP_DK_SEND_FAILED, sent ==
			    SMSOTP_GATEWAY_DOWN ? SMSOTP_WHY_GATEWAY_DOWN :
			    SMSOTP_WHY_ERROR);
			(void)smsotp_login_commit(l, &l->st, &ignored);
			smsotp_login_unlock(l);
		}
		smsotp_reply_init(r, sent);
		return;
	}
	smsotp_reply_sent(l, challenge, r);
	smsotp_log(LOG_INFO, "user=%s: code resent%s", l->ulog,
	    l->decoy != SMSOTP_WHY_NONE ? " (decoy: nothing sent)" : "");
}

int
smsotp_resend_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *challenge, const char *service, struct smsotp_reply *r)
{
	struct smsotp_login l;
	char code[SMSOTP_CODE_MAX + 1];
	int idx;

	memset(code, 0, sizeof(code));
	smsotp_secret_lock(code, sizeof(code));
	smsotp_login_init(&l, ctx, senders, user);
	if (resolve(&l, challenge, r) != SMSOTP_STEP_NEXT ||
	    smsotp_login_lock(&l, r) != SMSOTP_STEP_NEXT ||
	    check(&l, challenge, &idx, r) != SMSOTP_STEP_NEXT ||
	    smsotp_login_count(&l, 1, 0, r) != SMSOTP_STEP_NEXT)
		goto out;
	renew(&l, idx, code);
	if (smsotp_login_commit(&l, &l.st, r) != SMSOTP_STEP_NEXT)
		goto out;
	smsotp_login_unlock(&l);
	record(&l, l.sender->send(&l, service, code), challenge, r);
out:
	smsotp_secret_unlock(code, sizeof(code));
	smsotp_login_end(&l);
	return r->status;
}

int
smsotp_resend(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *service, struct smsotp_reply *r)
{
	return smsotp_resend_with(ctx, &smsotp_senders_builtin, user,
	    challenge, service, r);
}
