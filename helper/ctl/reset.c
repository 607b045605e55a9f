/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/reset.c - smsotpctl reset USER: remove the user's state (failures,
 * lockout, codes, recent sends) under its lock; backup codes are kept. Also
 * how a corrupt state file is recovered.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "core/code.h"
#include "ctl/shared.h"
#include "ctl/verbs.h"
#include "base/wipe.h"

int
smsotp_ctl_reset(const struct smsotp_ctl_call *call)
{
	const char *user = call->argv[0];
	struct smsotp_store store;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char why[320], ulog[80];
	int corrupt, rv = SMSOTP_CTL_OK;

	if (smsotp_ctl_open_user(user, &store, &txn, &st, &corrupt, why,
	    sizeof(why)) != 0)
		return SMSOTP_CTL_FAILED;
	if (smsotp_state_remove(&txn, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: reset %s: %s\n", user, why);
		rv = SMSOTP_CTL_FAILED;
	} else {
		printf("state of %s reset\n", user);
		smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
		smsotp_log(LOG_NOTICE, "user=%s: state reset by smsotpctl", ulog);
	}
	smsotp_state_end(&txn);
	smsotp_store_close(&store);
	smsotp_wipe(&st, sizeof(st));
	return rv;
}
