/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/check.c - smsotpctl check-config: load the configuration as the
 * helper does and print every error with its line; warn about a users file
 * others may read, about a stale or broken users index, and about a GECOS
 * phone source users may change.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "core/conf_load.h"
#include "ctl/verbs.h"
#include "base/secfile.h"
#include "phones/gecos.h"
#include "phones/index.h"
#include "phones/phones_conf.h"
#include "phones/users_file.h"

#define LOGIN_DEFS "/etc/login.defs"

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

/*
 * The phone sources in order; with "gecos", a warning when chfn lets users
 * change the phone fields (pam_smsotp.conf(5)).
 */
static void
check_sources(const struct smsotp_conf *conf)
{
	const struct smsotp_phones_conf *p = conf->phones;
	char *text = NULL, why[320];
	size_t len = 0;
	int i, gecos = 0;

	if (p == NULL)
		return;
	printf("phone sources:");
	for (i = 0; i < p->nsources; i++) {
		printf("%s %s", i > 0 ? "," : "",
		    smsotp_phone_kind_name(p->sources[i]));
		gecos |= p->sources[i] == SMSOTP_PHONE_KIND_GECOS;
	}
	printf("\n");
	if (!gecos)
		return;
	if (smsotp_secfile_read(LOGIN_DEFS, 0, 0, 1024 * 1024, &text, &len,
	    why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: warning: phones.sources lists "
		    "\"gecos\" and %s cannot be checked: %s\n", LOGIN_DEFS,
		    why);
		return;
	}
	if (smsotp_chfn_allows_phone(text))
		fprintf(stderr, "smsotpctl: warning: phones.sources lists "
		    "\"gecos\" but %s CHFN_RESTRICT lets users change their "
		    "work or home phone with chfn, and so where their codes "
		    "go: remove 'w' and 'h' from it\n", LOGIN_DEFS);
	smsotp_secfile_free(text, len);
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
	check_sources(&conf);
	smsotp_conf_free(&conf);
	return 0;
}
