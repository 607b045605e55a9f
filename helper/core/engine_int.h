/*
 * engine_int.h - steps shared by the engine's files (engine.c: begin and
 * resend, engine_verify.c: verify), on a user's state held in a locked
 * transaction. Not for use outside the engine.
 */
#ifndef SMSOTP_ENGINE_INT_H
#define SMSOTP_ENGINE_INT_H

#include "core/engine.h"
#include "store/state.h"

void smsotp_eng_reply_init(struct smsotp_reply *r, int status);
/* Drop expired challenges and sends that left the window. */
void smsotp_eng_prune(const struct smsotp_ctx *ctx, struct smsotp_state *st);
/* Index of challenge id in st, or -1. */
int smsotp_eng_find_challenge(const struct smsotp_state *st, const char *id);
void smsotp_eng_drop_challenge(struct smsotp_state *st, int idx);
void smsotp_eng_record_send(const struct smsotp_ctx *ctx,
    struct smsotp_state *st);
/* 1 with r = RATE_LIMITED (retry_after) when the send budget is used up. */
int smsotp_eng_over_send_limit(const struct smsotp_ctx *ctx,
    const struct smsotp_state *st, struct smsotp_reply *r);
/*
 * Lock and read the user's state (an unknown name's in its decoy slot).
 * 0 when the caller holds the transaction, else -1 with r final (LOCKED
 * for a corrupt state, ERROR otherwise), logged.
 */
int smsotp_eng_open_txn(const struct smsotp_ctx *ctx, const char *user,
    struct smsotp_txn *txn, struct smsotp_state *st, const char *ulog,
    struct smsotp_reply *r);
/* Commit or log why not; 0 on success. */
int smsotp_eng_commit(struct smsotp_txn *txn, const struct smsotp_state *st,
    const char *ulog);
/* 1 with r = LOCKED (until) when the user is locked out at ctx->now. */
int smsotp_eng_locked(const struct smsotp_ctx *ctx,
    const struct smsotp_state *st, struct smsotp_reply *r);

#endif
