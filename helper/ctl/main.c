/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/main.c - smsotpctl, the administrator's tool: its options and
 * the walk of the verb table (helper/ctl/verbs.c); the verbs are in one file
 * per family beside it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "core/conf_load.h"
#include "ctl/verbs.h"

/*
 * Run verb v (NULL: not a verb) with its arguments argv[0..argc). A verb
 * that needs no root runs for anybody when its arguments fit; anything
 * else (an unknown verb too) asks for root first, then for arguments that
 * fit.
 */
static int
walk(const struct smsotp_ctl_verb *v, int argc, char **argv,
    struct smsotp_ctl_call *call)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_conf conf;
	struct smsotp_errs errs;
	int args, rv;

	args = v != NULL ? smsotp_ctl_verb_args(v, argc, argv, call) :
	    SMSOTP_CTL_USAGE;
	if (args == SMSOTP_CTL_OK && !(v->flags & SMSOTP_CTL_ROOT))
		return v->run(call);
	if (geteuid() != 0) {
		fprintf(stderr, "smsotpctl: must be run as root\n");
		return SMSOTP_CTL_FAILED;
	}
	if (args != SMSOTP_CTL_OK) {
		if (v != NULL && (v->flags & SMSOTP_CTL_OWN_USAGE))
			smsotp_ctl_verb_usage(stderr, v);
		else
			smsotp_ctl_usage(stderr);
		return SMSOTP_CTL_USAGE;
	}
	if (v->check != NULL && (rv = v->check(call)) != SMSOTP_CTL_OK)
		return rv;
	if (!(v->flags & SMSOTP_CTL_CONF))
		return v->run(call);
	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(call->conf_path, &opts, &conf, &errs) != 0) {
		fprintf(stderr, "smsotpctl: configuration invalid; run "
		    "'smsotpctl check-config'\n");
		return SMSOTP_CTL_FAILED;
	}
	call->conf = &conf;
	rv = v->run(call);
	call->conf = NULL;
	smsotp_conf_free(&conf);
	return rv;
}

int
main(int argc, char **argv)
{
	struct smsotp_ctl_call call;
	int i = 1;

	umask(077);
	smsotp_log_init("smsotpctl", 0);
	memset(&call, 0, sizeof(call));
	call.conf_path = SMSOTP_CONF_PATH;
	while (i < argc && argv[i][0] == '-') {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			call.conf_path = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--json") == 0) {
			call.json = 1;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			smsotp_ctl_usage(stdout);
			return SMSOTP_CTL_OK;
		} else {
			smsotp_ctl_usage(stderr);
			return SMSOTP_CTL_USAGE;
		}
	}
	if (i >= argc) {
		smsotp_ctl_usage(stderr);
		return SMSOTP_CTL_USAGE;
	}
	return walk(smsotp_ctl_verb_find(argv[i]), argc - i - 1, argv + i + 1,
	    &call);
}
