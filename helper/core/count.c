/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/count.c - the count step that begin and resend share
 * (sender.h smsotp_login_count): the sender's count, and a real begin
 * over a global cap turned into a decoy.
 */
#include "config.h"

#include "core/sender.h"

enum smsotp_step
smsotp_login_count(struct smsotp_login *l, int cap_refuses, int as_decoy,
    struct smsotp_reply *r)
{
	long retry = 0;
	enum smsotp_step rv;

	rv = l->sender->count(l, cap_refuses, &retry);
	if (rv == SMSOTP_STEP_OVER && as_decoy && l->decoy == SMSOTP_WHY_NONE &&
	    !l->ctx->conf->reveal_status) {
		smsotp_login_decoy(l, SMSOTP_WHY_GLOBAL_CAP);
		rv = l->sender->count(l, cap_refuses, &retry);
	}
	if (rv == SMSOTP_STEP_NEXT)
		return rv;
	smsotp_reply_init(r, rv == SMSOTP_STEP_OVER ? SMSOTP_RATE_LIMITED :
	    SMSOTP_ERROR);
	r->retry_after = retry;
	return SMSOTP_STEP_REPLY;
}
