/*
 * helper/ctl/index.c - smsotpctl index: (re)build the users file index PATH.cdb.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "base/log.h"
#include "phones/index.h"

int
smsotp_ctl_index_refresh(const char *users_path, int always)
{
	char why[512], ipath[4096];
	long n;
	int rv = 1;

	if (!always && !smsotp_users_index_exists(users_path))
		return 0;	/* never indexed: leave it that way */
	if (smsotp_users_index_path(users_path, ipath, sizeof(ipath)) != 0) {
		fprintf(stderr, "smsotpctl: %s: path too long\n", users_path);
		goto out;
	}
	n = smsotp_users_index_build(users_path, 0, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "smsotpctl: %s%s: %s\n", always ? "" :
		    "warning: users index not rebuilt (logins fall back to "
		    "reading the users file): ", ipath, why);
		goto out;
	}
	printf("%s: %ld user%s indexed\n", ipath, n, n == 1 ? "" : "s");
	if (always)
		smsotp_log(LOG_NOTICE, "users index %s rebuilt by smsotpctl "
		    "(%ld users)", ipath, n);
	rv = 0;
out:
	return rv;
}

int
smsotp_ctl_index(const char *conf_path)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_conf conf;
	struct smsotp_errs errs;
	int rv = 1;

	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(conf_path, &opts, &conf, &errs) != 0) {
		fprintf(stderr, "smsotpctl: configuration invalid; run "
		    "'smsotpctl check-config'\n");
		return 1;
	}
	if (conf.phones_file == NULL) {
		fprintf(stderr, "smsotpctl: %s sets no users file "
		    "(phones.file)\n", conf_path);
		goto out;
	}
	rv = smsotp_ctl_index_refresh(conf.phones_file, 1);
out:
	smsotp_conf_free(&conf);
	return rv;
}
