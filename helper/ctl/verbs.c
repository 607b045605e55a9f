/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/verbs.c - the table of smsotpctl's verbs: names, usage,
 * argument bounds, what each needs, handlers; the parsing of a verb's
 * arguments and the usage text, both read from the table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl/verbs.h"

/* The usage text: descriptions start at the first of these columns that
 * leaves two spaces after the verb's synopsis, else two spaces after it. */
#define HELP_COL  20
#define HELP_COL2 25

static int
cmd_version(const struct smsotp_ctl_call *call)
{
	(void)call;
	printf("smsotpctl %s\n", SMSOTP_VERSION);
	return SMSOTP_CTL_OK;
}

static const char *const global_words[] = { "reset", NULL };

#define R  SMSOTP_CTL_ROOT
#define C  SMSOTP_CTL_CONF
#define J  SMSOTP_CTL_JSON

const struct smsotp_ctl_verb smsotp_ctl_verbs[] = {
	{ "init", "", "create the HMAC key and the state directory",
	    0, 0, NULL, NULL, R, NULL, smsotp_ctl_init },
	{ "check-config", "",
	    "validate the configuration (every error with its line)",
	    0, 0, NULL, NULL, R, NULL, smsotp_ctl_check_config },
	{ "status", "USER", "phone (masked), live codes, failures, lockout,\n"
	    "backup codes left (--json: one JSON object)",
	    1, 1, NULL, NULL, R | C | J, NULL, smsotp_ctl_status },
	{ "reset", "USER", "clear USER's state (failures, lockout, codes)",
	    1, 1, NULL, NULL, R | J, NULL, smsotp_ctl_reset },
	{ "locked", "", "list locked users (--json: a JSON array)",
	    0, 0, NULL, NULL, R | J, NULL, smsotp_ctl_locked },
	{ "set-phone", "USER NUMBER [--verify]",
	    "set USER's number in the users file\n(--verify: only once a code "
	    "texted to it is typed back)",
	    2, 3, NULL, NULL, R | C | J, smsotp_ctl_set_phone_check,
	    smsotp_ctl_set_phone },
	{ "remove-phone", "USER", "remove USER's number from the users file",
	    1, 1, NULL, NULL, R | C | J, smsotp_ctl_phone_check,
	    smsotp_ctl_remove_phone },
	{ "index", "", "build the users file index (USERS.cdb): "
	    "constant-time\nlookups with many users",
	    0, 0, NULL, NULL, R | C, NULL, smsotp_ctl_index },
	{ "backup-codes", "USER",
	    "print 10 new backup codes (replaces the old ones)",
	    1, 1, NULL, NULL, R | J, NULL, smsotp_ctl_backup_codes },
	{ "test-send", "NUMBER [--gateway NAME]",
	    "send a test message, print each attempt",
	    1, 1, NULL, "--gateway", R | C | SMSOTP_CTL_OWN_USAGE, NULL,
	    smsotp_ctl_test_send },
	{ "global", "[reset]", "global sends in the last minute and day, "
	    "allowed\ncountries (reset: clear the counters)",
	    0, 1, global_words, NULL, R | C | J, NULL, smsotp_ctl_global },
	{ "settings", "", "every setting of the configuration: type, "
	    "range,\ndefault (--json: a JSON array)",
	    0, 0, NULL, NULL, J, NULL, smsotp_ctl_settings },
	{ "version", "", "print the version",
	    0, 0, NULL, NULL, 0, NULL, cmd_version },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL, 0, NULL, NULL }
};

#undef R
#undef C
#undef J

const struct smsotp_ctl_verb *
smsotp_ctl_verb_find(const char *name)
{
	const struct smsotp_ctl_verb *v;

	for (v = smsotp_ctl_verbs; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static int
is_word(const char *const *words, const char *arg)
{
	for (; *words != NULL; words++)
		if (strcmp(*words, arg) == 0)
			return 1;
	return 0;
}

int
smsotp_ctl_verb_args(const struct smsotp_ctl_verb *v, int argc, char **argv,
    struct smsotp_ctl_call *call)
{
	int i;

	call->argc = 0;
	call->opt_value = NULL;
	for (i = 0; i < argc; i++) {
		if ((v->flags & SMSOTP_CTL_JSON) &&
		    strcmp(argv[i], "--json") == 0) {
			call->json = 1;
		} else if (v->opt != NULL && argv[i][0] == '-') {
			if (strcmp(argv[i], v->opt) != 0 || i + 1 >= argc ||
			    call->opt_value != NULL)
				return SMSOTP_CTL_USAGE;
			call->opt_value = argv[++i];
		} else if (call->argc < v->max_args) {
			call->argv[call->argc++] = argv[i];
		} else {
			return SMSOTP_CTL_USAGE;
		}
	}
	if (call->argc < v->min_args || (v->words != NULL && call->argc > 0 &&
	    !is_word(v->words, call->argv[0])))
		return SMSOTP_CTL_USAGE;
	return SMSOTP_CTL_OK;
}

void
smsotp_ctl_usage(FILE *f)
{
	const struct smsotp_ctl_verb *v;
	const char *h;
	int n;

	fputs("usage: smsotpctl [-c CONFIG] COMMAND [ARGS]\ncommands:\n", f);
	for (v = smsotp_ctl_verbs; v->name != NULL; v++) {
		n = fprintf(f, "  %s%s%s", v->name, v->args[0] != '\0' ? " " : "",
		    v->args);
		if (n < 0)
			return;
		n = n + 2 <= HELP_COL ? HELP_COL - n : n + 2 <= HELP_COL2 ?
		    HELP_COL2 - n : 2;
		fprintf(f, "%*s", n, "");
		for (h = v->help; *h != '\0'; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%*s", HELP_COL, "");
		}
		fputc('\n', f);
	}
}

void
smsotp_ctl_verb_usage(FILE *f, const struct smsotp_ctl_verb *v)
{
	fprintf(f, "usage: smsotpctl %s%s%s\n", v->name,
	    v->args[0] != '\0' ? " " : "", v->args);
}
