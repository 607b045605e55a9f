/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/pipeline.h - what the engine's three pipelines share: the
 * login they run on, the core's result enum, and the steps they have in
 * common. Not for use outside helper/core.
 *
 * Each request is a straight pipeline of steps (begin.c, resend.c,
 * verify.c); a step either lets the next one run (SMSOTP_STEP_NEXT) or
 * ends the request with its reply. A login runs with a sender (sender.h):
 * the real one, or the decoy that stands in for it (decoy.h). Which one is
 * decided by smsotp_login_decoy, the only place that turns a login into a
 * decoy, at the first step that can know: the resolve step (a name unknown
 * to NSS, no number, a number outside allowed_countries, a decoy
 * challenge), the lock step (a corrupt state), the check step (locked out,
 * over the user's send limit) or the count step (a global cap). From there
 * on every step is the same for both; only the sender's slots differ.
 *
 * Layering inside the core, top to bottom: the pipelines (begin.c,
 * resend.c, verify.c), the shared steps (pipeline.c), the senders
 * (sender_real.c, sender_decoy.c), the pure decoy functions (decoy.c).
 * Nothing calls upwards.
 */
#ifndef SMSOTP_PIPELINE_H
#define SMSOTP_PIPELINE_H

#include "core/engine.h"
#include "store/state.h"

/*
 * What a step, or a slot of a sender, came to: the core's own result
 * codes (the requests answer with proto.h's enum smsotp_status).
 */
enum smsotp_step {
	SMSOTP_STEP_NEXT = 0,	/* done: the next step runs */
	SMSOTP_STEP_REPLY,	/* the reply is final (r): the request ends */
	SMSOTP_STEP_CORRUPT,	/* lock: corrupt state (r LOCKED, not held) */
	SMSOTP_STEP_OVER,	/* count: a global send cap is reached */
	SMSOTP_STEP_MATCH,	/* check: the typed code is right */
	SMSOTP_STEP_ERROR	/* a sender's slot failed (logged): ERROR */
};

struct smsotp_sender;

/*
 * What a login picks from: smsotp_login_init and smsotp_login_decoy. The
 * senders themselves are sender.h (which builds on this header).
 */
struct smsotp_senders {
	const struct smsotp_sender *real;
	const struct smsotp_sender *decoy;
};

/* One request for one user, from its first step to its last. */
struct smsotp_login {
	const struct smsotp_ctx *ctx;
	const char *user;
	const struct smsotp_senders *senders;	/* the pair to pick from */
	const struct smsotp_sender *sender;	/* real, or the decoy */
	int decoy;		/* why it is a decoy (enum smsotp_why, logged
				   and noted); SMSOTP_WHY_NONE: real */
	char slot[SMSOTP_STATE_NAME_SIZE];	/* unknown name's slot, or "" */
	char ulog[80];		/* the name, sanitised for logs */
	char phone[SMSOTP_E164_SIZE];	/* begin, resend: the number */
	int held;		/* txn holds the user's lock */
	int sample;		/* real count: note this send's duration */
	int was_locked;		/* verify: locked out before this attempt */
	int by_backup;		/* verify: a backup code matched */
	struct smsotp_txn txn;
	struct smsotp_state st;
};

/* --- the pipelines with a given pair of senders ------------------------ */

/*
 * smsotp_begin, smsotp_resend and smsotp_verify (engine.h) run these with
 * smsotp_senders_builtin (sender.h); a test may pass recording ones.
 */
int smsotp_begin_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *service, struct smsotp_reply *r);
int smsotp_resend_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *challenge, const char *service, struct smsotp_reply *r);
int smsotp_verify_with(const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user,
    const char *challenge, const char *code, size_t codelen,
    struct smsotp_reply *r);

/* --- shared steps (pipeline.c) ------------------------------------------- */

/*
 * Start l for user with the real sender of senders: the name for logs and,
 * for a name unknown to NSS, its decoy slot (decoy.h). Wipes nothing yet;
 * smsotp_login_end finishes every login.
 */
void smsotp_login_init(struct smsotp_login *l, const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user);
/* Release the lock if held, wipe the state. */
void smsotp_login_end(struct smsotp_login *l);

/*
 * The audit line of an outcome, one per request that decides something:
 * "audit event=EVENT user=U service=S rhost=R[ DETAIL]" at prio (success
 * INFO, a backup code's NOTICE, failure and skip NOTICE, lockout
 * WARNING). Never a code; rhost is a root caller's, else "-".
 */
void smsotp_login_audit(const struct smsotp_login *l, int prio,
    const char *event, const char *detail);

/*
 * The number for the login into l->phone: SMSOTP_OK, or the status when
 * none may be used (NO_PHONE, ERROR; logged). *decoy is set (with a
 * stand-in number, except for a country not allowed) when the login must
 * be a decoy: a name unknown to NSS, no number without nullok, a country
 * not allowed. DESIGN.md 6: nullok applies to known users without a phone.
 */
int smsotp_login_phone(struct smsotp_login *l, int *decoy);

/*
 * Turn l into a decoy (why, an enum smsotp_why, is logged and noted): its
 * sender is the decoy from now.
 */
void smsotp_login_decoy(struct smsotp_login *l, int why);

/*
 * Note what the request came to in st (l->st, or the state a pipeline
 * writes instead; store/state.h: the decisions
 * smsotpctl status shows), with the request's service and rhost. Notes
 * ride on the writes a pipeline makes anyway; smsotp_login_note_commit
 * writes one into l->st where none would be made (with the lock held; a
 * failure is logged and changes no answer: the note is for the
 * administrator).
 */
void smsotp_login_note(struct smsotp_login *l, struct smsotp_state *st,
    int kind, int why);
void smsotp_login_note_commit(struct smsotp_login *l, int kind, int why);
/*
 * The newest decision in st when it is of kind from and this request's
 * (ctx->now): made kind to with why. For a send that failed after its
 * decision was written.
 */
void smsotp_login_amend(struct smsotp_login *l, struct smsotp_state *st,
    int from, int to, int why);

/*
 * Lock and read the user's state (an unknown name's in its slot).
 * SMSOTP_STEP_NEXT with the lock held; SMSOTP_STEP_CORRUPT (r LOCKED:
 * SECURITY: a corrupt state never means "no limits") or
 * SMSOTP_STEP_REPLY (r ERROR), not held, logged.
 */
enum smsotp_step smsotp_login_lock(struct smsotp_login *l,
    struct smsotp_reply *r);
/* Write st under the held lock: NEXT, or REPLY with r ERROR (logged). */
enum smsotp_step smsotp_login_commit(struct smsotp_login *l,
    const struct smsotp_state *st, struct smsotp_reply *r);
/* Release the lock (before a send: it may take seconds). */
void smsotp_login_unlock(struct smsotp_login *l);

/* Drop expired challenges and sends that left the window. */
void smsotp_login_prune(struct smsotp_login *l);
/* Index of challenge id in st, or -1 (SMSOTP_NO_CHALLENGE). */
#define SMSOTP_NO_CHALLENGE (-1)
int smsotp_chal_find(const struct smsotp_state *st,
    const char *id);
void smsotp_chal_drop(struct smsotp_state *st, int idx);
/* Note a send at ctx->now in the user's window. */
void smsotp_login_record_send(struct smsotp_login *l);
/* 1 with r = RATE_LIMITED (retry_after) when the send budget is used up. */
int smsotp_login_over_send_limit(const struct smsotp_login *l,
    struct smsotp_reply *r);
/* 1 with r = LOCKED (until) when the user is locked out at ctx->now. */
int smsotp_login_locked(const struct smsotp_login *l, struct smsotp_reply *r);

void smsotp_reply_init(struct smsotp_reply *r, int status);
/* SENT for challenge id, the number masked, ttl and resend_after. */
void smsotp_reply_sent(const struct smsotp_login *l, const char *id,
    struct smsotp_reply *r);

#endif
