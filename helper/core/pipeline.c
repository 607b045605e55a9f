/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/pipeline.c - the steps the engine's pipelines share
 * (pipeline.h): the login and its number, the one decision that makes it a
 * decoy, the locked transaction on the user's state, challenges, the send
 * window, the lockout, the replies.
 */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "core/decoy.h"
#include "core/limits.h"
#include "core/pipeline.h"
#include "base/wipe.h"

/* --- the login --------------------------------------------------------- */

void
smsotp_login_init(struct smsotp_login *l, const struct smsotp_ctx *ctx,
    const struct smsotp_senders *senders, const char *user)
{
	l->ctx = ctx;
	l->user = user;
	l->senders = senders;
	l->sender = senders->real;
	l->decoy = SMSOTP_WHY_NONE;
	l->slot[0] = '\0';
	l->phone[0] = '\0';
	l->held = 0;
	l->sample = 0;
	l->was_locked = 0;
	l->by_backup = 0;
	memset(&l->st, 0, sizeof(l->st));
	smsotp_sanitize(l->ulog, sizeof(l->ulog), user, strlen(user));
	/* an unknown name's state: one of the shared slots (decoy.h) */
	if (ctx->unknown_user)
		smsotp_decoy_slot(ctx->key, user, l->slot);
}

void
smsotp_login_end(struct smsotp_login *l)
{
	smsotp_login_unlock(l);
	smsotp_wipe(&l->st, sizeof(l->st));
}

void
smsotp_login_audit(const struct smsotp_login *l, int prio, const char *event,
    const char *detail)
{
	const struct smsotp_ctx *ctx = l->ctx;
	const char *rh = ctx->rhost != NULL ? ctx->rhost : "-";
	char rlog[80];

	smsotp_sanitize(rlog, sizeof(rlog), rh, strlen(rh));
	smsotp_log(prio, "audit event=%s user=%s service=%s rhost=%s%s%s",
	    event, l->ulog, ctx->service != NULL ? ctx->service : "-", rlog,
	    detail != NULL && detail[0] != '\0' ? " " : "",
	    detail != NULL ? detail : "");
}

void
smsotp_login_decoy(struct smsotp_login *l, int why)
{
	l->sender = l->senders->decoy;
	l->decoy = why;
}

/* --- the number -------------------------------------------------------- */

static int
lookup_phone(struct smsotp_login *l)
{
	const struct smsotp_ctx *ctx = l->ctx;
	struct smsotp_users_index_note note;
	char why[320];
	enum smsotp_phone_result rv;

	rv = smsotp_phone_lookup(ctx->conf, ctx->conf_owner, l->user, l->phone,
	    why, sizeof(why), &note);
	/* a stale or broken index costs a scan; say so (once a lookup) */
	if (note.state == SMSOTP_UIDX_STALE)
		smsotp_log(LOG_NOTICE, "users index %s%s is out of date: run "
		    "'smsotpctl index'", ctx->conf->phones_file,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (note.state == SMSOTP_UIDX_BROKEN)
		smsotp_log(LOG_NOTICE, "users index %s%s is unusable: %s",
		    ctx->conf->phones_file, SMSOTP_USERS_INDEX_SUFFIX,
		    note.why);
	if (rv == SMSOTP_PHONE_FOUND)
		return SMSOTP_OK;
	if (rv == SMSOTP_PHONE_NONE)
		return SMSOTP_NO_PHONE;
	/* SECURITY: never NO_PHONE, which nullok would skip (phone.h) */
	smsotp_log(LOG_ERR, "user=%s: phone source %s", l->ulog, why);
	return SMSOTP_ERROR;
}

static void
log_country(const struct smsotp_login *l)
{
	char masked[SMSOTP_MASKED_SIZE];

	smsotp_phone_mask(l->phone, masked, sizeof(masked));
	smsotp_log(LOG_WARNING, "user=%s: number %s is outside "
	    "limits.allowed_countries: no code sent", l->ulog, masked);
}

int
smsotp_login_phone(struct smsotp_login *l, int *decoy)
{
	const struct smsotp_ctx *ctx = l->ctx;
	int rv;

	*decoy = SMSOTP_WHY_NONE;
	/* for an unknown name too: the same cost */
	rv = lookup_phone(l);
	if (ctx->unknown_user && rv != SMSOTP_ERROR) {
		/*
		 * reveal_status says so, but never as a NO_PHONE that the
		 * module's nullok would turn into a skip.
		 */
		if (ctx->conf->reveal_status && !ctx->nullok) {
			smsotp_log(LOG_NOTICE, "user=%s: unknown user",
			    l->ulog);
			return SMSOTP_NO_PHONE;
		}
		*decoy = SMSOTP_WHY_UNKNOWN_USER;
		smsotp_decoy_phone(ctx->key, l->user, ctx->conf, l->phone);
		return SMSOTP_OK;
	}
	if (rv == SMSOTP_NO_PHONE) {
		if (ctx->nullok || ctx->conf->reveal_status) {
			smsotp_log(LOG_NOTICE, "user=%s: no phone number",
			    l->ulog);
			return SMSOTP_NO_PHONE;
		}
		*decoy = SMSOTP_WHY_NO_PHONE;
		smsotp_decoy_phone(ctx->key, l->user, ctx->conf, l->phone);
		return SMSOTP_OK;
	}
	if (rv != SMSOTP_OK)
		return rv;
	if (!smsotp_country_allowed(ctx->conf, l->phone)) {
		log_country(l);
		if (ctx->conf->reveal_status)
			return SMSOTP_ERROR;
		*decoy = SMSOTP_WHY_COUNTRY;
	}
	return SMSOTP_OK;
}

/* --- the locked transaction -------------------------------------------- */

enum smsotp_step
smsotp_login_lock(struct smsotp_login *l, struct smsotp_reply *r)
{
	const struct smsotp_ctx *ctx = l->ctx;
	char why[320];
	int rv;

	if (l->slot[0] != '\0')
		rv = smsotp_state_begin_slot(ctx->store, l->slot, l->user,
		    ctx->lock_wait_ms, &l->txn, &l->st, why, sizeof(why));
	else
		rv = smsotp_state_begin(ctx->store, l->user, ctx->lock_wait_ms,
		    &l->txn, &l->st, why, sizeof(why));
	switch (rv) {
	case SMSOTP_ST_OK:
		l->held = 1;
		return SMSOTP_STEP_NEXT;
	case SMSOTP_ST_CORRUPT:
		smsotp_state_end(&l->txn);
		/* SECURITY: corrupt state never means "no limits". */
		smsotp_log(LOG_ERR, "user=%s: state file is corrupt (%s): "
		    "treating the user as locked until 'smsotpctl reset'",
		    l->ulog, why);
		smsotp_reply_init(r, SMSOTP_LOCKED);
		return SMSOTP_STEP_CORRUPT;
	case SMSOTP_ST_BUSY:
		smsotp_log(LOG_ERR, "user=%s: state is locked by another "
		    "login for more than %d ms: denied", l->ulog,
		    ctx->lock_wait_ms);
		break;
	default:
		smsotp_log(LOG_ERR, "user=%s: state: %s", l->ulog, why);
		break;
	}
	smsotp_reply_init(r, SMSOTP_ERROR);
	return SMSOTP_STEP_REPLY;
}

enum smsotp_step
smsotp_login_commit(struct smsotp_login *l, const struct smsotp_state *st,
    struct smsotp_reply *r)
{
	char why[320];

	if (smsotp_state_commit(&l->txn, st, why, sizeof(why)) == 0)
		return SMSOTP_STEP_NEXT;
	smsotp_log(LOG_ERR, "user=%s: cannot write state: %s: denied",
	    l->ulog, why);
	smsotp_reply_init(r, SMSOTP_ERROR);
	return SMSOTP_STEP_REPLY;
}

void
smsotp_login_note(struct smsotp_login *l, struct smsotp_state *st, int kind,
    int why)
{
	smsotp_state_note(st, l->ctx->now, kind, why, l->ctx->service,
	    l->ctx->rhost);
}

void
smsotp_login_note_commit(struct smsotp_login *l, int kind, int why)
{
	char ewhy[320];

	if (!l->held)
		return;
	smsotp_login_note(l, &l->st, kind, why);
	if (smsotp_state_commit(&l->txn, &l->st, ewhy, sizeof(ewhy)) != 0)
		smsotp_log(LOG_WARNING, "user=%s: cannot note the decision: "
		    "%s", l->ulog, ewhy);
}

void
smsotp_login_amend(struct smsotp_login *l, struct smsotp_state *st, int from,
    int to, int why)
{
	struct smsotp_decision *d;

	if (st->ndec == 0)
		return;
	d = &st->dec[st->ndec - 1];
	if (d->kind != from || d->at != l->ctx->now)
		return;
	d->kind = to;
	d->why = why;
}

void
smsotp_login_unlock(struct smsotp_login *l)
{
	if (!l->held)
		return;
	smsotp_state_end(&l->txn);
	l->held = 0;
}

/* --- the user's state -------------------------------------------------- */

void
smsotp_login_prune(struct smsotp_login *l)
{
	struct smsotp_state *st = &l->st;
	const struct smsotp_ctx *ctx = l->ctx;
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
smsotp_chal_find(const struct smsotp_state *st, const char *id)
{
	int i;

	for (i = 0; i < st->nchal; i++)
		if (strcmp(st->chal[i].id, id) == 0)
			return i;
	return SMSOTP_NO_CHALLENGE;
}

void
smsotp_chal_drop(struct smsotp_state *st, int idx)
{
	int i;

	for (i = idx; i + 1 < st->nchal; i++)
		st->chal[i] = st->chal[i + 1];
	st->nchal--;
	smsotp_wipe(&st->chal[st->nchal], sizeof(st->chal[st->nchal]));
}

void
smsotp_login_record_send(struct smsotp_login *l)
{
	struct smsotp_state *st = &l->st;

	if (st->nsends == SMSOTP_MAX_SENDS) {
		memmove(&st->sends[0], &st->sends[1],
		    sizeof(st->sends[0]) * (SMSOTP_MAX_SENDS - 1));
		st->nsends--;
	}
	st->sends[st->nsends++] = l->ctx->now;
}

int
smsotp_login_over_send_limit(const struct smsotp_login *l,
    struct smsotp_reply *r)
{
	const struct smsotp_state *st = &l->st;
	const struct smsotp_conf *conf = l->ctx->conf;

	if (st->nsends < conf->sends_per_user)
		return 0;
	smsotp_reply_init(r, SMSOTP_RATE_LIMITED);
	r->retry_after = (long)(st->sends[st->nsends - conf->sends_per_user] +
	    conf->sends_window - l->ctx->now);
	if (r->retry_after < 1)
		r->retry_after = 1;
	return 1;
}

int
smsotp_login_locked(const struct smsotp_login *l, struct smsotp_reply *r)
{
	if (l->st.locked_until <= l->ctx->now)
		return 0;
	smsotp_reply_init(r, SMSOTP_LOCKED);
	r->until = l->st.locked_until;
	return 1;
}

/* --- replies ----------------------------------------------------------- */

void
smsotp_reply_init(struct smsotp_reply *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

void
smsotp_reply_sent(const struct smsotp_login *l, const char *id,
    struct smsotp_reply *r)
{
	smsotp_reply_init(r, SMSOTP_SENT);
	memcpy(r->challenge, id, sizeof(r->challenge));
	smsotp_phone_mask(l->phone, r->masked, sizeof(r->masked));
	r->ttl = l->ctx->conf->code_ttl;
	r->resend_after = l->ctx->conf->resend_cooldown;
}
