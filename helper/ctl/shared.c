/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/shared.c - what several smsotpctl verbs share: a user's state
 * opened under its lock (status, reset, backup-codes) and the JSON output.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "core/code.h"
#include "ctl/shared.h"
#include "ctl/verbs.h"

int
smsotp_ctl_open_user(const char *user, struct smsotp_store *store,
    struct smsotp_txn *txn, struct smsotp_state *st, int *corrupt,
    char *why, size_t whysz)
{
	int rv;

	*corrupt = 0;
	if (!smsotp_user_ok(user)) {
		fprintf(stderr, "smsotpctl: invalid user name\n");
		return SMSOTP_CTL_FAILED;
	}
	if (smsotp_crypto_init() != 0 ||
	    smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, store, why, whysz) != 0) {
		fprintf(stderr, "smsotpctl: state directory: %s\n", why);
		return SMSOTP_CTL_FAILED;
	}
	rv = smsotp_state_begin(store, user, SMSOTP_CTL_LOCK_WAIT_MS, txn, st,
	    why, whysz);
	*corrupt = rv == SMSOTP_ST_CORRUPT;
	if (rv == SMSOTP_ST_OK || rv == SMSOTP_ST_CORRUPT)
		return SMSOTP_CTL_OK;
	fprintf(stderr, "smsotpctl: state of %s: %s\n", user,
	    rv == SMSOTP_ST_BUSY ? "busy (locked by a login)" : why);
	smsotp_store_close(store);
	return SMSOTP_CTL_FAILED;
}

int
smsotp_ctl_json_out(json_t *j)
{
	int rv = 1;

	if (j != NULL && json_dumpf(j, stdout, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) == 0 &&
	    fputc('\n', stdout) != EOF)
		rv = 0;
	if (rv != 0)
		fprintf(stderr, "smsotpctl: cannot produce JSON\n");
	json_decref(j);
	return rv;
}
