/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/engine.h - the three requests (begin, resend, verify) on top
 * of config, phones, codes, state and gateways. Pure of process concerns
 * (no argv, env, stdin): the helper and the tests call these directly. The
 * clock is a parameter (ctx->now), so tests never sleep. Each request is
 * one pipeline of steps (pipeline.h: begin.c, resend.c, verify.c), the
 * same for a decoy (decoy.h), which runs it with a substitute sender
 * (sender.h). They answer proto.h's enum smsotp_status.
 */
#ifndef SMSOTP_ENGINE_H
#define SMSOTP_ENGINE_H

#include <stdint.h>
#include <sys/types.h>

#include "core/code.h"
#include "conf/conf.h"
#include "phones/phone.h"
#include "proto/proto.h"
#include "store/state.h"

struct smsotp_ctx {
	const struct smsotp_conf *conf;
	struct smsotp_store *store;
	const unsigned char *key;	/* SMSOTP_KEY_LEN bytes */
	int64_t now;			/* wall clock, seconds */
	const char *host;		/* %{host} */
	uid_t conf_owner;		/* owner required of the users file */
	int lock_wait_ms;		/* bounded wait for the user's lock */
	double started;			/* smsotp_mono() time the request was
					   read: real sends note their answer
					   time from here, decoys wait to it */
	double deadline;		/* smsotp_mono() time for sends */
	int nullok;			/* begin: module has nullok (decoy.h) */
	int unknown_user;		/* the name is unknown to NSS: a decoy,
					   its state in a slot (decoy.h) */
	int privileged;			/* a root caller (gateway.h smsotp_gw_opts) */
	int resident;			/* served by the resident service, not
					   an exec'd helper: the decoys' timing
					   samples of each are apart (decoy.h) */
	const char *service;		/* the service, for the decisions
					   noted (store/state.h), or NULL */
	const char *rhost;		/* a privileged caller's PAM_RHOST,
					   for the same, or NULL */
	const char *tty;		/* a privileged caller's PAM_TTY, or
					   NULL (grace.h) */
	const char *boot;		/* this boot's id (grace.h), or NULL:
					   the kernel's */
	const unsigned char *bind;	/* begin: the PAM handle's binding
					   (SMSOTP_BIND_LEN bytes), or NULL */
};

struct smsotp_reply {
	int status;			/* enum smsotp_status */
	char challenge[SMSOTP_CHALLENGE_HEXLEN + 1];
	char masked[SMSOTP_MASKED_SIZE];
	long ttl;
	long resend_after;
	long retry_after;
	long attempts_left;
	int64_t until;			/* LOCKED: until when */
	int again;			/* SENT by begin: an earlier begin's
					   challenge, nothing sent */
	const char *reason;		/* SKIP: the policy.h token */
	int failmode;			/* GATEWAY_DOWN: the service's rule,
					   SMSOTP_FAILMODE_*, 0 none */
};

/* The reply's failmode= (policy.services.NAME.failmode) */
#define SMSOTP_FAILMODE_SECURE 1
#define SMSOTP_FAILMODE_SAFE 2

/*
 * begin: look the phone up, check locks and limits, make a challenge and a
 * code, record it, send it. SENT (challenge, masked, ttl, resend_after) |
 * NO_PHONE | LOCKED (until) | RATE_LIMITED (retry_after) | GATEWAY_DOWN |
 * ERROR. With ctx->bind, the challenge is bound to it, and while a
 * challenge bound to the same lives (tries left, not used or expired) a
 * begin answers SENT with it again (again set: no code made, nothing sent
 * or counted, ttl and resend_after what is left of them), for a decoy
 * challenge as for a real one.
 */
int smsotp_begin(const struct smsotp_ctx *ctx, const char *user,
    const char *service, struct smsotp_reply *r);

/*
 * resend: new code for a live challenge, same id, attempts and failures
 * kept, old code dead. SENT | RATE_LIMITED (retry_after) | EXPIRED |
 * LOCKED | GATEWAY_DOWN | ERROR.
 */
int smsotp_resend(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *service, struct smsotp_reply *r);

/*
 * verify: OK (challenge consumed, failures reset) | BAD_CODE
 * (attempts_left; the challenge dies at 0) | EXPIRED (unknown, dead or
 * timed-out challenge) | LOCKED (until) | ERROR. A code of backup form
 * that is not the challenge's code is checked against the user's backup
 * codes (backup.h), under the same lock: a match is used up and counts as
 * OK, a miss as a wrong code.
 */
int smsotp_verify(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, const char *code, size_t codelen,
    struct smsotp_reply *r);

#endif
