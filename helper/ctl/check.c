/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/check.c - smsotpctl check-config: load the configuration as the
 * helper does and print every error with its line; warn about a users file
 * others may read and about a stale or broken users index.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "core/conf_load.h"
#include "ctl/verbs.h"
#include "phones/index.h"
#include "phones/users_file.h"

/* A stale or broken users index is a warning (logins still work). */
static void
check_index(const char *users)
{
	struct smsotp_users_index_note note;
	char why[512];
	int st = smsotp_users_index_check(users, 0, &note, why, sizeof(why));

	if (st == SMSOTP_UIDX_USED)
		printf("users index %s%s: up to date\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (st == SMSOTP_UIDX_STALE)
		fprintf(stderr, "smsotpctl: warning: users index %s%s is out of "
		    "date: run 'smsotpctl index'\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (st == SMSOTP_UIDX_BROKEN)
		fprintf(stderr, "smsotpctl: warning: users index %s%s is "
		    "unusable (%s): run 'smsotpctl index'\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX, note.why);
}

/* Phone numbers are personal data: say so when others may read them. */
static void
check_private(const char *users)
{
	struct stat sb;

	if (stat(users, &sb) != 0 || !(sb.st_mode & S_IROTH))
		return;
	fprintf(stderr, "smsotpctl: warning: %s is readable by every local "
	    "user (mode %04o): phone numbers are personal data; make it "
	    "root:%s 0640\n", users, (unsigned)(sb.st_mode & 07777),
	    SMSOTP_GROUP);
}

int
smsotp_ctl_check_config(const struct smsotp_ctl_call *call)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_conf conf;
	struct smsotp_errs errs;
	const char *conf_path = call->conf_path;
	int i;

	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(conf_path, &opts, &conf, &errs) != 0) {
		for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		if (errs.n > SMSOTP_MAX_ERRS)
			fprintf(stderr, "... and %d more\n", errs.n - SMSOTP_MAX_ERRS);
		return 1;
	}
	printf("%s: OK (%d gateway%s, %d route%s)\n", conf_path, conf.ngateways,
	    conf.ngateways == 1 ? "" : "s", conf.nroutes,
	    conf.nroutes == 1 ? "" : "s");
	if (conf.phones_file != NULL) {
		check_private(conf.phones_file);
		check_index(conf.phones_file);
	}
	smsotp_conf_free(&conf);
	return 0;
}
