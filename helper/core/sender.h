/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/sender.h - the sender a login runs with: the real one, or
 * the decoy that stands in for it (OpenSSH's fakepw(): a substitute on the
 * same path, not branches that imitate it). The pipelines (begin.c,
 * resend.c, verify.c) call only these slots for what a decoy does
 * differently; every other step, every store read and write of a user's
 * state, is the same code for both. One const table per sender:
 * sender_real.c, sender_decoy.c.
 */
#ifndef SMSOTP_SENDER_H
#define SMSOTP_SENDER_H

#include <stddef.h>

#include "core/code.h"
#include "core/pipeline.h"
#include "store/state.h"

struct smsotp_sender {
	const char *name;	/* "real", "decoy" */
	/*
	 * A new code for challenge c: an id first when c->id is empty (a
	 * resend keeps its id), then the stored hash; the digits into code.
	 * The decoy: a decoy id (decoy.h) and a random hash (SECURITY: no
	 * code, typed or guessed, ever matches), code empty.
	 */
	void (*make)(struct smsotp_login *l, struct smsotp_challenge *c,
	    char code[SMSOTP_CODE_MAX + 1]);
	/*
	 * Count one send, with the user's lock held. The real one takes it
	 * from the global counters (core/limits.h) and says whether its time
	 * is to be noted (l->sample); the decoy counts it in the decoy
	 * record, the same kind of lock-free write. SMSOTP_STEP_NEXT
	 * (counted); SMSOTP_STEP_OVER with *retry when a global cap is
	 * reached (the decoy says so only when cap_refuses, for a resend,
	 * where a real one would be refused too); SMSOTP_STEP_ERROR
	 * (logged; the real one only: unknown counts never mean "no limit").
	 */
	enum smsotp_step (*count)(struct smsotp_login *l, int cap_refuses,
	    long *retry);
	/*
	 * Deliver code to l->phone, the lock released. SMSOTP_SENT; the real
	 * one GATEWAY_DOWN when gateways were tried and each failed
	 * temporarily, ERROR for everything else (a local fault, a refusal
	 * by the provider: DESIGN.md 5.3). The decoy sends nothing and
	 * returns SENT as long after the request's start as a recent real
	 * begin took to the end of its send (a sample the real sends note
	 * in the global counters).
	 */
	int (*send)(struct smsotp_login *l, const char *service,
	    const char *code);
	/*
	 * Whether typed is the code whose hash is stored for challenge, or
	 * else one of the user's backup codes (the real one: used up under
	 * the held lock, backup.h; the decoy spends the same work and never
	 * matches: a locked user stays locked). SMSOTP_STEP_MATCH,
	 * SMSOTP_STEP_NEXT (no match), or SMSOTP_STEP_ERROR (a backup code
	 * matched but could not be used up; SECURITY: then not accepted).
	 */
	enum smsotp_step (*check)(struct smsotp_login *l, const char *challenge,
	    const char *typed, size_t len,
	    const unsigned char hash[SMSOTP_HASH_LEN]);
};

/*
 * count: the sender counts the send (its count slot; cap_refuses
 * as there). Over a global cap, a real begin (as_decoy) turns into a decoy
 * and counts as one, unless reveal_status; otherwise OVER is the reply
 * RATE_LIMITED (retry_after) and a failure ERROR. NEXT, or REPLY with r.
 */
enum smsotp_step smsotp_login_count(struct smsotp_login *l, int cap_refuses,
    int as_decoy, struct smsotp_reply *r);

/* sender_real.c, sender_decoy.c; the pair of them: sender_real.c */
extern const struct smsotp_sender smsotp_sender_real;
extern const struct smsotp_sender smsotp_sender_decoy;
extern const struct smsotp_senders smsotp_senders_builtin;

#endif
