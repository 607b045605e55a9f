/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/phone.c - smsotpctl set-phone, remove-phone and index: the users
 * file. An edit is validated, then made atomically (helper/phones/edit.c),
 * and the file's index (helper/phones/index.c) is rebuilt when there is one;
 * index builds it.
 */
#include "config.h"

#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "conf/conf.h"
#include "ctl/verbs.h"
#include "phones/edit.h"
#include "phones/index.h"
#include "phones/phone.h"

/*
 * Rebuild the index of the users file at users_path; unless always, only
 * when an index file exists already (after set-phone / remove-phone).
 * Prints what it did. 0, or 1 with a message on stderr.
 */
static int
index_refresh(const char *users_path, int always)
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

/* The users file of the configuration; 0, or 1 with a message. */
static int
users_file(const struct smsotp_ctl_call *call)
{
	if (call->conf->phones_file != NULL)
		return SMSOTP_CTL_OK;
	fprintf(stderr, "smsotpctl: %s sets no users file (phones.file)\n",
	    call->conf_path);
	return SMSOTP_CTL_FAILED;
}

int
smsotp_ctl_phone_check(const struct smsotp_ctl_call *call)
{
	if (smsotp_users_name_ok(call->argv[0]))
		return SMSOTP_CTL_OK;
	fprintf(stderr, "smsotpctl: invalid user name\n");
	return SMSOTP_CTL_FAILED;
}

/*
 * The arguments of set-phone: USER NUMBER, and --verify anywhere among
 * them. 0, or -1 (a usage error).
 */
static int
set_phone_args(const struct smsotp_ctl_call *call, const char **user,
    const char **number, int *verify)
{
	const char *pos[2];
	int i, n = 0;

	*verify = 0;
	for (i = 0; i < call->argc; i++) {
		if (strcmp(call->argv[i], "--verify") == 0 && !*verify)
			*verify = 1;
		else if (n < 2)
			pos[n++] = call->argv[i];
		else
			return -1;
	}
	if (n != 2)
		return -1;
	*user = pos[0];
	*number = pos[1];
	return 0;
}

int
smsotp_ctl_set_phone_check(const struct smsotp_ctl_call *call)
{
	const char *user, *number;
	int verify;

	if (set_phone_args(call, &user, &number, &verify) != 0) {
		fprintf(stderr, "usage: smsotpctl set-phone USER NUMBER "
		    "[--verify]\n");
		return SMSOTP_CTL_USAGE;
	}
	if (smsotp_users_name_ok(user))
		return SMSOTP_CTL_OK;
	fprintf(stderr, "smsotpctl: invalid user name\n");
	return SMSOTP_CTL_FAILED;
}

int
smsotp_ctl_bind_phone(const struct smsotp_ctl_call *call, const char *user,
    const char *e164, int verified)
{
	const struct smsotp_conf *conf = call->conf;
	struct group *gr;
	char masked[SMSOTP_MASKED_SIZE], why[512], ulog[80];

	/* A new file: readable by the setgid helper's group only. */
	gr = getgrnam(SMSOTP_GROUP);
	if (smsotp_users_file_edit(conf->phones_file, 0, user, e164,
	    gr != NULL ? gr->gr_gid : 0, gr != NULL ? 0640 : 0600, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: %s\n", why);
		return SMSOTP_CTL_FAILED;
	}
	smsotp_phone_mask(e164, masked, sizeof(masked));
	printf("%s: %s %s\n", conf->phones_file, user, e164);
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	smsotp_log(LOG_NOTICE, "user=%s: phone set to %s by smsotpctl%s", ulog,
	    masked, verified ? " (verified by a code)" : "");
	smsotp_log(LOG_NOTICE, "audit event=phone-change user=%s "
	    "service=smsotpctl rhost=- number=%s verified=%s", ulog, masked,
	    verified ? "yes" : "no");
	/* the edit is done: a failed rebuild only warns (logins scan) */
	(void)index_refresh(conf->phones_file, 0);
	return SMSOTP_CTL_OK;
}

int
smsotp_ctl_set_phone(const struct smsotp_ctl_call *call)
{
	const struct smsotp_conf *conf = call->conf;
	const char *user, *number, *nwhy = "?";
	char e164[SMSOTP_E164_SIZE];
	int verify;

	if (set_phone_args(call, &user, &number, &verify) != 0)
		return SMSOTP_CTL_USAGE;
	if (users_file(call) != SMSOTP_CTL_OK)
		return SMSOTP_CTL_FAILED;
	if (smsotp_phone_normalize(number, conf->default_country, e164,
	    &nwhy) != 0) {
		fprintf(stderr, "smsotpctl: %s: not a usable number: %s\n",
		    number, nwhy);
		return SMSOTP_CTL_FAILED;
	}
	if (verify)
		return smsotp_ctl_verify_phone(call, user, e164);
	return smsotp_ctl_bind_phone(call, user, e164, 0);
}

int
smsotp_ctl_remove_phone(const struct smsotp_ctl_call *call)
{
	const struct smsotp_conf *conf = call->conf;
	const char *user = call->argv[0];
	char why[512], ulog[80];
	int r;

	if (users_file(call) != SMSOTP_CTL_OK)
		return SMSOTP_CTL_FAILED;
	r = smsotp_users_file_edit(conf->phones_file, 0, user, NULL, 0, 0600,
	    why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "smsotpctl: %s\n", why);
		return SMSOTP_CTL_FAILED;
	}
	if (r == 1) {
		fprintf(stderr, "smsotpctl: %s: %s has no number\n",
		    conf->phones_file, user);
		return SMSOTP_CTL_FAILED;
	}
	printf("%s: %s removed\n", conf->phones_file, user);
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	smsotp_log(LOG_NOTICE, "user=%s: phone removed by smsotpctl", ulog);
	smsotp_log(LOG_NOTICE, "audit event=phone-change user=%s "
	    "service=smsotpctl rhost=- number=none", ulog);
	(void)index_refresh(conf->phones_file, 0);
	return SMSOTP_CTL_OK;
}

int
smsotp_ctl_index(const struct smsotp_ctl_call *call)
{
	if (users_file(call) != SMSOTP_CTL_OK)
		return SMSOTP_CTL_FAILED;
	return index_refresh(call->conf->phones_file, 1);
}
