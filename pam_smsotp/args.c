/* SPDX-License-Identifier: BSD-3-Clause */
/* args.c - parse and validate the arguments of pam_smsotp.so. */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

#include "args.h"
#include "proto/proto.h"
#include "run_helper.h"

/* Printable ASCII or any byte >= 0x80 (UTF-8 text); no control bytes. */
static int
text_ok(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * Longest prompt the template can give: each %{masked} may become
 * SMSOTP_HELPER_MASKED_MAX bytes. Checked here so that a template that could
 * overflow is refused before any SMS is sent.
 */
static size_t
expanded_max(const char *tmpl)
{
	static const char tag[] = "%{masked}";
	size_t n = strlen(tmpl);
	const char *p = tmpl;

	while ((p = strstr(p, tag)) != NULL) {
		n += SMSOTP_HELPER_MASKED_MAX - (sizeof(tag) - 1);
		p += sizeof(tag) - 1;
	}
	return n;
}

/* "name=value": *value set and 1 when arg starts with name=, else 0. */
static int
has_value(const char *arg, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return 0;
	*value = arg + n + 1;
	return 1;
}

static int
parse_one(pam_handle_t *pamh, const char *arg, struct smsotp_args *a)
{
	const char *v;
	long n;

	if (strcmp(arg, "debug") == 0) {
		a->debug = 1;
	} else if (strcmp(arg, "nullok") == 0) {
		a->nullok = 1;
	} else if (strcmp(arg, "echo") == 0) {
		a->echo = 1;
	} else if (has_value(arg, "failmode", &v)) {
		if (strcmp(v, "secure") == 0)
			a->failmode_safe = 0;
		else if (strcmp(v, "safe") == 0)
			a->failmode_safe = 1;
		else
			goto bad;
	} else if (has_value(arg, "transport", &v)) {
		if (strcmp(v, "auto") == 0)
			a->transport = SMSOTP_TRANSPORT_AUTO;
		else if (strcmp(v, "socket") == 0)
			a->transport = SMSOTP_TRANSPORT_SOCKET;
		else if (strcmp(v, "exec") == 0)
			a->transport = SMSOTP_TRANSPORT_EXEC;
		else
			goto bad;
	} else if (has_value(arg, "max_prompts", &v)) {
		if (smsotp_parse_long(v, 1, SMSOTP_MAX_PROMPTS_LIMIT, &n) != 0)
			goto bad;
		a->max_prompts = (int)n;
	} else if (has_value(arg, "prompt", &v)) {
		if (*v == '\0' || strlen(v) > SMSOTP_PROMPT_MAX || !text_ok(v) ||
		    expanded_max(v) >= PAM_MAX_MSG_SIZE)
			goto bad;
		a->prompt = v;
		a->prompt_again = v;	/* the admin's words, both times */
	} else if (has_value(arg, "config", &v)) {
		/* Validated even when ignored: a typo must not go unnoticed. */
		if (v[0] != '/' || strlen(v) >= PATH_MAX || !text_ok(v))
			goto bad;
		/*
		 * SECURITY: the helper ignores a config path from an
		 * unprivileged caller anyway; refusing it here too keeps a
		 * user-run program from even asking.
		 */
		if (getuid() == 0 && geteuid() == 0) {
			a->config = v;
		} else {
			pam_syslog(pamh, LOG_NOTICE,
			    "config= ignored: caller is not root");
			a->config = NULL;
		}
	} else {
		pam_syslog(pamh, LOG_ERR, "unknown argument: %.64s", arg);
		return -1;
	}
	return 0;
bad:
	pam_syslog(pamh, LOG_ERR, "malformed argument: %.64s", arg);
	return -1;
}

int
smsotp_args_parse(pam_handle_t *pamh, int argc, const char **argv,
    struct smsotp_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->max_prompts = SMSOTP_DEFAULT_MAX_PROMPTS;
	a->prompt = SMSOTP_DEFAULT_PROMPT;
	a->prompt_again = SMSOTP_DEFAULT_PROMPT_AGAIN;
	a->config = NULL;
	a->transport = SMSOTP_TRANSPORT_AUTO;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL || parse_one(pamh, argv[i], a) != 0)
			return -1;
	}
	return 0;
}
