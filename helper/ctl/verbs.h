/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/verbs.h - the verbs of smsotpctl: one table (helper/ctl/verbs.c)
 * that the dispatch (helper/ctl/main.c), the usage text and the usage
 * errors all read, and the handlers of the verb files, one file per family.
 */
#ifndef SMSOTP_CTL_VERBS_H
#define SMSOTP_CTL_VERBS_H

#include <stdio.h>

#include "conf/conf.h"

/* Exit statuses of smsotpctl; every check and handler returns one. */
enum smsotp_ctl_exit {
	SMSOTP_CTL_OK = 0,	/* done */
	SMSOTP_CTL_FAILED = 1,	/* failed, a message on stderr */
	SMSOTP_CTL_USAGE = 2	/* usage error, the usage on stderr */
};

/* Most positional arguments a verb takes (set-phone USER NUMBER). */
#define SMSOTP_CTL_MAX_ARGS 2

/* How long a verb waits for a lock a login holds (user state, counters). */
#define SMSOTP_CTL_LOCK_WAIT_MS 5000

/* Flags of a verb. */
#define SMSOTP_CTL_ROOT 0x1	/* only root (effective uid 0) may run it */
#define SMSOTP_CTL_CONF 0x2	/* needs a valid configuration: loaded first */
#define SMSOTP_CTL_JSON 0x4	/* --json may also come among its arguments */
#define SMSOTP_CTL_OWN_USAGE 0x8 /* a usage error prints its own line only */

/* One run of a verb: what the table walk parsed for it. */
struct smsotp_ctl_call {
	const char *conf_path;		/* -c CONFIG, or the compiled-in path */
	const struct smsotp_conf *conf;	/* loaded (SMSOTP_CTL_CONF), else NULL */
	int json;			/* --json, before or after the verb */
	int argc;			/* positional arguments, in the bounds */
	const char *argv[SMSOTP_CTL_MAX_ARGS];
	const char *opt_value;		/* value of the verb's opt, or NULL */
};

/*
 * A verb. Its arguments are parsed from the table, never by the handler
 * (smsotp_ctl_verb_args): --json is taken out for SMSOTP_CTL_JSON verbs; a
 * verb with an opt takes "opt VALUE" at most once and no other argument
 * that starts with '-'; the rest are positional (min_args..max_args, the
 * first one of words when words is set). The walk (helper/ctl/main.c) runs
 * a verb without SMSOTP_CTL_ROOT for anybody when its arguments fit; else
 * it asks for root, then for arguments that fit (usage error), then calls
 * check, loads the configuration (SMSOTP_CTL_CONF) and calls run.
 */
struct smsotp_ctl_verb {
	const char *name;		/* "status" */
	const char *args;		/* usage of its arguments: "USER", "" */
	const char *help;		/* the usage text's line(s), '\n' between */
	int min_args, max_args;		/* positional arguments */
	const char *const *words;	/* sub-verbs (NULL-ended), or NULL: any */
	const char *opt;		/* option taking a value, or NULL */
	unsigned flags;			/* SMSOTP_CTL_* */
	/* NULL, or a check of the arguments before the configuration */
	int (*check)(const struct smsotp_ctl_call *call);
	int (*run)(const struct smsotp_ctl_call *call);
};

/* The verbs, in usage order, ended by a NULL name. */
extern const struct smsotp_ctl_verb smsotp_ctl_verbs[];

/* The verb called name, or NULL. */
const struct smsotp_ctl_verb *smsotp_ctl_verb_find(const char *name);

/*
 * Fill call from a verb's arguments (argv[0..argc), the verb excluded):
 * SMSOTP_CTL_OK, or SMSOTP_CTL_USAGE when they do not fit the verb.
 */
int smsotp_ctl_verb_args(const struct smsotp_ctl_verb *v, int argc,
    char **argv, struct smsotp_ctl_call *call);

/* The usage summary, every verb of the table (smsotpctl --help). */
void smsotp_ctl_usage(FILE *f);
/* "usage: smsotpctl NAME ARGS" of one verb. */
void smsotp_ctl_verb_usage(FILE *f, const struct smsotp_ctl_verb *v);

/* --- the handlers, one block per verb file ----------------------------- */

/* helper/ctl/init.c: init (the code key and the state directory) */
int smsotp_ctl_init(const struct smsotp_ctl_call *call);
/* helper/ctl/check.c: check-config (every error with its line) */
int smsotp_ctl_check_config(const struct smsotp_ctl_call *call);
/* helper/ctl/status.c: status USER and locked (text or --json) */
int smsotp_ctl_status(const struct smsotp_ctl_call *call);
int smsotp_ctl_locked(const struct smsotp_ctl_call *call);
/* helper/ctl/reset.c: reset USER */
int smsotp_ctl_reset(const struct smsotp_ctl_call *call);
/*
 * helper/ctl/phone.c: set-phone USER NUMBER, remove-phone USER; the check
 * refuses a name the users file cannot hold.
 */
int smsotp_ctl_phone_check(const struct smsotp_ctl_call *call);
int smsotp_ctl_set_phone(const struct smsotp_ctl_call *call);
int smsotp_ctl_set_phone_check(const struct smsotp_ctl_call *call);
/*
 * Bind e164 (normalised) to user in the users file, logged (verified: a
 * code sent to it was typed back); 0 or 1 with a message (phone.c).
 */
int smsotp_ctl_bind_phone(const struct smsotp_ctl_call *call,
    const char *user, const char *e164, int verified);
/*
 * set-phone --verify (verify_phone.c): a code texted to e164, typed back
 * on standard input, then the binding and a notice to the old number.
 */
int smsotp_ctl_verify_phone(const struct smsotp_ctl_call *call,
    const char *user, const char *e164);
int smsotp_ctl_remove_phone(const struct smsotp_ctl_call *call);
/* helper/ctl/index.c: index (the users file index) */
int smsotp_ctl_index(const struct smsotp_ctl_call *call);
/* helper/ctl/backup.c: backup-codes USER */
int smsotp_ctl_backup_codes(const struct smsotp_ctl_call *call);
/* helper/ctl/testsend.c: test-send NUMBER [--gateway NAME] */
int smsotp_ctl_test_send(const struct smsotp_ctl_call *call);
/* helper/ctl/global.c: global [reset] */
int smsotp_ctl_global(const struct smsotp_ctl_call *call);
/* helper/ctl/settings.c: settings (the configuration's schema) */
int smsotp_ctl_settings(const struct smsotp_ctl_call *call);

#endif
