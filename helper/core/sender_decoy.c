/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/sender_decoy.c - the decoy sender (sender.h, decoy.h): a
 * decoy challenge, a send counted in the decoy record, no text but a wait
 * as long as a real send, a typed code that never matches.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/backup.h"
#include "core/decoy.h"
#include "core/limits.h"
#include "core/sender.h"

#define SPIN_US 500	/* the end of a decoy's wait is spun, not slept */

static void
decoy_make(struct smsotp_login *l, struct smsotp_challenge *c,
    char code[SMSOTP_CODE_MAX + 1])
{
	code[0] = '\0';
	if (c->id[0] == '\0')
		smsotp_decoy_id(l->ctx->key, l->user, l->ctx->now, c->id);
	/* SECURITY: a random hash: no code, typed or guessed, ever matches */
	randombytes_buf(c->hash, sizeof(c->hash));
}

/*
 * The decoy record takes the count (what `smsotpctl global` shows as
 * decoy prompts): the same lock-free read and write as a real send's
 * count, in a record of its own, so that a decoy never uses up the real
 * budget. Where a real resend would be over a cap, a decoy's says so too.
 */
static enum smsotp_step
decoy_count(struct smsotp_login *l, int cap_refuses, long *retry)
{
	const struct smsotp_ctx *ctx = l->ctx;
	struct smsotp_global g;
	const char *which;
	char why[320];

	*retry = 0;
	if (cap_refuses && smsotp_limits_peek(ctx->store, ctx->now, &g, why,
	    sizeof(why)) == 1 && smsotp_global_over(&g,
	    ctx->conf->global_per_minute, ctx->conf->global_per_day, ctx->now,
	    retry, &which))
		return SMSOTP_STEP_OVER;
	(void)smsotp_limits_count_decoy(ctx->store, ctx->now,
	    ctx->lock_wait_ms, &l->sample);
	return SMSOTP_STEP_NEXT;
}

/*
 * Wait until us microseconds after started, within deadline (smsotp_mono()
 * times): the decoy answers when a real begin that started with it would.
 */
static void
wait_like(double started, double deadline, long us)
{
	struct timespec ts;
	double until = started + us / 1e6, now = smsotp_mono();

	if (until > deadline)
		until = deadline;
	if (until <= now)
		return;
	us = (long)((until - now) * 1e6);
	/*
	 * A real send of a few hundred microseconds is over when it is over;
	 * a sleep of as long wakes up late on a busy machine (the scheduler's
	 * latency), which would make a decoy the slower answer. So sleep up
	 * to SPIN_US before the end and spin the rest.
	 */
	if (us > SPIN_US) {
		us -= SPIN_US;
		ts.tv_sec = us / 1000000;
		ts.tv_nsec = (us % 1000000) * 1000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	while (smsotp_mono() < until)
		;
}

/*
 * A sample drawn at random from g, one the same way in (the resident
 * service, or an exec'd helper: their begins take different times) took
 * when there is one, else any.
 */
static long
draw_sample(const struct smsotp_global *g, int resident)
{
	uint32_t i, n = 0, k;

	for (i = 0; i < (uint32_t)g->nus; i++)
		n += SMSOTP_SAMPLE_RESIDENT(g->us[i]) == resident;
	if (n == 0)
		return (long)g->us[randombytes_uniform((uint32_t)g->nus)];
	k = randombytes_uniform(n);
	for (i = 0; i < (uint32_t)g->nus; i++)
		if (SMSOTP_SAMPLE_RESIDENT(g->us[i]) == resident && k-- == 0)
			break;
	return (long)g->us[i];
}

/*
 * Nothing is sent: the request waits until as long after its start as
 * one of the recent real begins took to the end of its send (drawn at
 * random from the global record's samples of the same way in), so that
 * its answer time follows the real distribution whatever the lookups
 * before it cost. A real send whose time is noted writes once more after
 * it; a decoy does the same write as often (smsotp_limits_note_decoy),
 * or a slow disk would make the real answers the later ones.
 */
static int
decoy_send(struct smsotp_login *l, const char *service, const char *code)
{
	const struct smsotp_ctx *ctx = l->ctx;
	struct smsotp_global g;
	char why[320];

	(void)service;
	(void)code;
	if (smsotp_limits_peek(ctx->store, ctx->now, &g, why,
	    sizeof(why)) == 1 && g.nus > 0)
		wait_like(ctx->started, ctx->deadline,
		    draw_sample(&g, ctx->resident));
	if (l->sample)
		smsotp_limits_note_decoy(ctx->store, ctx->now,
		    SMSOTP_SAMPLE_TAG((long)((smsotp_mono() - ctx->started) *
		    1e6), ctx->resident), ctx->lock_wait_ms);
	return SMSOTP_SENT;
}

/*
 * The code is hashed as a real one would be (and cannot match: the hash
 * is random). A typed backup code costs a KDF run as a real try does. It
 * is accepted at the prompt of a known user who was not locked out: a
 * decoy prompt because of the send limit, or the one offered when no
 * text could be sent (begin.c) is when backup codes are needed. Never for
 * a name NSS does not know (a slot's state) or a locked-out user.
 */
static enum smsotp_step
decoy_check(struct smsotp_login *l, const char *challenge, const char *typed,
    size_t len, const unsigned char hash[SMSOTP_HASH_LEN])
{
	int match;

	(void)smsotp_code_check(l->ctx->key, challenge, typed, len,
	    l->ctx->conf->code_length, hash);
	if (l->ctx->unknown_user || l->slot[0] != '\0' || l->was_locked) {
		smsotp_backup_dummy(typed, len);
		return SMSOTP_STEP_NEXT;
	}
	match = smsotp_backup_try(&l->txn, l->user, typed, len);
	if (match < 0)
		return SMSOTP_STEP_ERROR;
	l->by_backup = match;
	return match ? SMSOTP_STEP_MATCH : SMSOTP_STEP_NEXT;
}

const struct smsotp_sender smsotp_sender_decoy = {
	.name = "decoy",
	.make = decoy_make,
	.count = decoy_count,
	.send = decoy_send,
	.check = decoy_check,
};
