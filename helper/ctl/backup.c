/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/backup.c - smsotpctl backup-codes USER: a fresh set of backup codes,
 * printed once, stored only as slow hashes, replacing the old set.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/backup.h"
#include "base/log.h"
#include "ctl/shared.h"
#include "ctl/verbs.h"
#include "base/wipe.h"

int
smsotp_ctl_backup_codes(const struct smsotp_ctl_call *call)
{
	const char *user = call->argv[0];
	char shown[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE];
	struct smsotp_store store;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_backup b;
	char why[320], ulog[80];
	int corrupt, i, rv = 1;

	memset(&b, 0, sizeof(b));
	memset(shown, 0, sizeof(shown));
	if (smsotp_ctl_open_user(user, &store, &txn, &st, &corrupt, why,
	    sizeof(why)) != 0)
		return 1;
	if (smsotp_backup_generate(&b, user, shown) != 0) {
		fprintf(stderr, "smsotpctl: cannot derive the code hashes "
		    "(out of memory?)\n");
		goto out;
	}
	/* SECURITY: stored before shown: a code printed always works. */
	if (smsotp_backup_save(&txn, &b, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: backup codes of %s: %s\n", user, why);
		goto out;
	}
	printf("Backup codes for %s (each works once, at the SMS code prompt; "
	    "the old ones no longer work; they are not shown again):\n", user);
	for (i = 0; i < SMSOTP_BACKUP_COUNT; i++)
		printf("  %s\n", shown[i]);
	if (fflush(stdout) != 0)
		fprintf(stderr, "smsotpctl: writing the codes failed: run "
		    "backup-codes again\n");
	else
		rv = 0;
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	smsotp_log(LOG_NOTICE, "user=%s: %d new backup codes made by smsotpctl",
	    ulog, SMSOTP_BACKUP_COUNT);
out:
	smsotp_state_end(&txn);
	smsotp_store_close(&store);
	smsotp_wipe(&st, sizeof(st));
	smsotp_wipe(&b, sizeof(b));
	smsotp_wipe(shown, sizeof(shown));
	return rv;
}
