/*
 * helper/ctl/phone.c - smsotpctl set-phone and remove-phone: validate, then edit
 * the configured users file atomically (helper/phones/edit.c), and rebuild its
 * index when there is one (helper/ctl/index.c).
 */
#include "config.h"

#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "base/log.h"
#include "phones/phone.h"
#include "phones/edit.h"

/* The users file of the configuration; 0, or 1 with a message. */
static int
load(const char *conf_path, struct smsotp_conf *conf, const char *user)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_errs errs;

	memset(&errs, 0, sizeof(errs));
	if (!smsotp_users_name_ok(user)) {
		fprintf(stderr, "smsotpctl: invalid user name\n");
		return 1;
	}
	if (smsotp_conf_load(conf_path, &opts, conf, &errs) != 0) {
		fprintf(stderr, "smsotpctl: configuration invalid; run "
		    "'smsotpctl check-config'\n");
		return 1;
	}
	if (conf->phones_file == NULL) {
		fprintf(stderr, "smsotpctl: %s sets no users file "
		    "(phones.file)\n", conf_path);
		smsotp_conf_free(conf);
		return 1;
	}
	return 0;
}

int
smsotp_ctl_set_phone(const char *conf_path, const char *user,
    const char *number)
{
	struct smsotp_conf conf;
	struct group *gr;
	char e164[SMSOTP_E164_SIZE], masked[SMSOTP_MASKED_SIZE], why[512];
	char ulog[80];
	const char *nwhy = "?";
	int rv = 1;

	if (load(conf_path, &conf, user) != 0)
		return 1;
	if (smsotp_phone_normalize(number, conf.default_country, e164,
	    &nwhy) != 0) {
		fprintf(stderr, "smsotpctl: %s: not a usable number: %s\n",
		    number, nwhy);
		goto out;
	}
	/* A new file: readable by the setgid helper's group only. */
	gr = getgrnam(SMSOTP_GROUP);
	if (smsotp_users_file_edit(conf.phones_file, 0, user, e164,
	    gr != NULL ? gr->gr_gid : 0, gr != NULL ? 0640 : 0600, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: %s\n", why);
		goto out;
	}
	smsotp_phone_mask(e164, masked, sizeof(masked));
	printf("%s: %s %s\n", conf.phones_file, user, e164);
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	smsotp_log(LOG_NOTICE, "user=%s: phone set to %s by smsotpctl", ulog,
	    masked);
	/* the edit is done: a failed rebuild only warns (logins scan) */
	(void)smsotp_ctl_index_refresh(conf.phones_file, 0);
	rv = 0;
out:
	smsotp_conf_free(&conf);
	return rv;
}

int
smsotp_ctl_remove_phone(const char *conf_path, const char *user)
{
	struct smsotp_conf conf;
	char why[512], ulog[80];
	int r, rv = 1;

	if (load(conf_path, &conf, user) != 0)
		return 1;
	r = smsotp_users_file_edit(conf.phones_file, 0, user, NULL, 0, 0600,
	    why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "smsotpctl: %s\n", why);
	} else if (r == 1) {
		fprintf(stderr, "smsotpctl: %s: %s has no number\n",
		    conf.phones_file, user);
	} else {
		printf("%s: %s removed\n", conf.phones_file, user);
		smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
		smsotp_log(LOG_NOTICE, "user=%s: phone removed by smsotpctl",
		    ulog);
		(void)smsotp_ctl_index_refresh(conf.phones_file, 0);
		rv = 0;
	}
	smsotp_conf_free(&conf);
	return rv;
}
