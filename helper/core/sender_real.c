/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/sender_real.c - the real sender (sender.h): a code from
 * the key, a send taken from the global counters, the text through the
 * gateways, a typed code checked against the hash and the backup codes.
 */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "base/template.h"
#include "core/backup.h"
#include "core/limits.h"
#include "core/policy.h"
#include "core/sender.h"
#include "gateways/gateway.h"
#include "base/wipe.h"

static void
real_make(struct smsotp_login *l, struct smsotp_challenge *c,
    char code[SMSOTP_CODE_MAX + 1])
{
	if (c->id[0] == '\0')
		smsotp_challenge_new(c->id);
	smsotp_code_generate(l->ctx->conf->code_length, code);
	smsotp_code_hash(l->ctx->key, c->id, code, strlen(code), c->hash);
}

/*
 * One global send (the caller holds the user's lock; the global counts
 * take no lock: helper/store/swap.h). Lost races are retried up to the
 * send deadline, which ends the request anyway.
 */
static enum smsotp_step
real_count(struct smsotp_login *l, int cap_refuses, long *retry)
{
	const struct smsotp_ctx *ctx = l->ctx;
	double left = ctx->deadline - smsotp_mono();
	int wait_ms = ctx->lock_wait_ms;

	(void)cap_refuses;	/* a real send over a cap is never made */
	if (left * 1000 > wait_ms)
		wait_ms = (int)(left * 1000);
	switch (smsotp_limits_take(ctx->store, ctx->conf, ctx->now, wait_ms,
	    retry, &l->sample)) {
	case SMSOTP_LIM_OK:
		return SMSOTP_STEP_NEXT;
	case SMSOTP_LIM_OVER:
		return SMSOTP_STEP_OVER;
	default:
		return SMSOTP_STEP_ERROR;
	}
}

/* Render and send code to phone (sender.h: the outcomes). */
static int
send_code(const struct smsotp_ctx *ctx, const char *user, const char *service,
    const char *phone, const char *code)
{
	const struct smsotp_service_rule *rule;
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
	rule = smsotp_policy_service(&ctx->conf->policy, service);
	if (smsotp_template_render(rule != NULL && rule->message != NULL ?
	    rule->message : ctx->conf->message, &v, text,
	    sizeof(text)) != 0) {
		smsotp_log(LOG_ERR, "message template renders too long: not "
		    "sent");
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

/*
 * send_code, and when the count asked for it, the time from the request's
 * start to the end of the send noted for the decoys' timing (decoy.h,
 * smsotp_global_want_sample): everything a real begin does before its
 * answer, the account and number lookups included, not the send alone.
 */
static int
real_send(struct smsotp_login *l, const char *service, const char *code)
{
	const struct smsotp_ctx *ctx = l->ctx;
	int rv;

	long us;

	rv = send_code(ctx, l->user, service, l->phone, code);
	if (rv == SMSOTP_SENT && l->sample) {
		us = (long)((smsotp_mono() - ctx->started) * 1e6);
		smsotp_limits_note_send(ctx->store, ctx->now,
		    SMSOTP_SAMPLE_TAG(us, ctx->resident), ctx->lock_wait_ms);
	}
	return rv;
}

/* The code, else a backup code at the same prompt, under the same lock. */
static enum smsotp_step
real_check(struct smsotp_login *l, const char *challenge, const char *typed,
    size_t len, const unsigned char hash[SMSOTP_HASH_LEN])
{
	int match;

	if (smsotp_code_check(l->ctx->key, challenge, typed, len,
	    l->ctx->conf->code_length, hash))
		return SMSOTP_STEP_MATCH;
	match = smsotp_backup_try(&l->txn, l->user, typed, len);
	if (match < 0)
		return SMSOTP_STEP_ERROR;
	l->by_backup = match;
	return match ? SMSOTP_STEP_MATCH : SMSOTP_STEP_NEXT;
}

const struct smsotp_sender smsotp_sender_real = {
	.name = "real",
	.make = real_make,
	.count = real_count,
	.send = real_send,
	.check = real_check,
};

/* The pair every request runs with (tests may run with others). */
const struct smsotp_senders smsotp_senders_builtin = {
	&smsotp_sender_real,
	&smsotp_sender_decoy,
};
