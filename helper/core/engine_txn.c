/*
 * engine_txn.c - the engine's shared steps on a user's state: the locked
 * transaction, challenges, the send window and the lock (engine_int.h).
 */
#include "config.h"

#include <string.h>

#include "core/decoy.h"
#include "core/engine_int.h"
#include "base/log.h"

void
smsotp_eng_reply_init(struct smsotp_reply *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

/* Drop expired challenges and sends that left the window. */
void
smsotp_eng_prune(const struct smsotp_ctx *ctx, struct smsotp_state *st)
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

int
smsotp_eng_find_challenge(const struct smsotp_state *st, const char *id)
{
	int i;

	for (i = 0; i < st->nchal; i++)
		if (strcmp(st->chal[i].id, id) == 0)
			return i;
	return -1;
}

void
smsotp_eng_drop_challenge(struct smsotp_state *st, int idx)
{
	int i;

	for (i = idx; i + 1 < st->nchal; i++)
		st->chal[i] = st->chal[i + 1];
	st->nchal--;
	smsotp_wipe(&st->chal[st->nchal], sizeof(st->chal[st->nchal]));
}

void
smsotp_eng_record_send(const struct smsotp_ctx *ctx, struct smsotp_state *st)
{
	if (st->nsends == SMSOTP_MAX_SENDS) {
		memmove(&st->sends[0], &st->sends[1],
		    sizeof(st->sends[0]) * (SMSOTP_MAX_SENDS - 1));
		st->nsends--;
	}
	st->sends[st->nsends++] = ctx->now;
}

/* RATE_LIMITED when the user's send budget is used up; else 0. */
int
smsotp_eng_over_send_limit(const struct smsotp_ctx *ctx, const struct smsotp_state *st,
    struct smsotp_reply *r)
{
	if (st->nsends < ctx->conf->sends_per_user)
		return 0;
	smsotp_eng_reply_init(r, SMSOTP_RATE_LIMITED);
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
int
smsotp_eng_open_txn(const struct smsotp_ctx *ctx, const char *user, struct smsotp_txn *txn,
    struct smsotp_state *st, const char *ulog, struct smsotp_reply *r)
{
	char why[320];
	int rv;

	if (ctx->unknown_user) {
		char slot[SMSOTP_STATE_NAME_SIZE];

		smsotp_decoy_slot(ctx->key, user, slot);
		rv = smsotp_state_begin_slot(ctx->store, slot, user,
		    ctx->lock_wait_ms, txn, st, why, sizeof(why));
	} else {
		rv = smsotp_state_begin(ctx->store, user, ctx->lock_wait_ms, txn,
		    st, why, sizeof(why));
	}
	switch (rv) {
	case SMSOTP_ST_OK:
		return 0;
	case SMSOTP_ST_CORRUPT:
		smsotp_state_end(txn);
		/* SECURITY: corrupt state never means "no limits". */
		smsotp_log(LOG_ERR, "user=%s: state file is corrupt (%s): "
		    "treating the user as locked until 'smsotpctl reset'", ulog,
		    why);
		smsotp_eng_reply_init(r, SMSOTP_LOCKED);
		return -1;
	case SMSOTP_ST_BUSY:
		smsotp_log(LOG_ERR, "user=%s: state is locked by another "
		    "login for more than %d ms: denied", ulog, ctx->lock_wait_ms);
		break;
	default:
		smsotp_log(LOG_ERR, "user=%s: state: %s", ulog, why);
		break;
	}
	smsotp_eng_reply_init(r, SMSOTP_ERROR);
	return -1;
}

/* Commit or log why not; 0 on success. */
int
smsotp_eng_commit(struct smsotp_txn *txn, const struct smsotp_state *st, const char *ulog)
{
	char why[320];

	if (smsotp_state_commit(txn, st, why, sizeof(why)) == 0)
		return 0;
	smsotp_log(LOG_ERR, "user=%s: cannot write state: %s: denied", ulog, why);
	return -1;
}

int
smsotp_eng_locked(const struct smsotp_ctx *ctx, const struct smsotp_state *st,
    struct smsotp_reply *r)
{
	if (st->locked_until <= ctx->now)
		return 0;
	smsotp_eng_reply_init(r, SMSOTP_LOCKED);
	r->until = st->locked_until;
	return 1;
}
