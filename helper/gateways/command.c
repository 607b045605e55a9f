/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/command.c - the "command" gateway type: runs a local
 * program (no shell) and gives it the destination number and the text on
 * its standard input, then end of file:
 *     +447700900123\n            the number (E.164), one line
 *     123456 is your code...     the text, as is (no newline added)
 * When the administrator's argv names the number (%{to} or %{to_digits}),
 * the number goes there instead and standard input carries the text alone
 * (the format of earlier versions, for existing programs); such arguments
 * are visible to every local user in /proc/PID/cmdline.
 *
 * Outcomes: exit 0 = sent; exit 75 (EX_TEMPFAIL) or still running at its
 * timeout (then SIGKILL of its whole process group) = temporary failure
 * (try the next gateway); any other exit = permanent failure (the program
 * said no). Not startable, killed by a signal it was not sent by us, a
 * pipe, fork or argument that failed = local failure (SMSOTP_GW_LOCALFAIL:
 * this host's fault, e.g. a resource limit of the caller).
 *
 * Not root_only: the program needs nothing of root's; for an unprivileged
 * caller it runs with that caller's uid (and group smsotp, which makes it
 * non-dumpable), and what that caller may do to it (signals) can only fail
 * its own login: such callers never record in the breaker.
 *
 * SECURITY: the text (with the code) and, by default, the number go only
 * through a pipe on stdin, never argv or the environment; the environment
 * is a fixed PATH only; fds beyond 2 are closed; stdout and stderr are
 * captured, truncated and sanitised into the result detail.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gateways/gateway.h"
#include "base/run.h"
#include "base/template.h"
#include "base/wipe.h"

#define MAX_ARGS     32
#define MAX_ARG_LEN  1024
#define OUT_KEEP     96		/* bytes of output kept for the detail */
#define EX_TEMPFAIL_ 75		/* sysexits.h EX_TEMPFAIL */
#define CHILD_PATH   "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct command {
	int argc;
	char *argv[MAX_ARGS + 1];
	int timeout;		/* seconds, default 10 */
	int number_in_argv;	/* argv names %{to} or %{to_digits} */
};

static const char *const command_settings[] = { "argv", "timeout", NULL };

static void
command_free(struct command *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

/* Only %{to} and %{to_digits} may appear in arguments (never the text). */
static int
arg_ok(const char *a, const char **why)
{
	const char *p = a;

	while ((p = strstr(p, "%{")) != NULL) {
		if (strncmp(p, "%{to}", 5) == 0) {
			p += 5;
		} else if (strncmp(p, "%{to_digits}", 12) == 0) {
			p += 12;
		} else {
			*why = "only %{to} and %{to_digits} may be used in "
			    "'argv' (the text goes to standard input)";
			return 0;
		}
	}
	if (strlen(a) > MAX_ARG_LEN / 2) {
		*why = "argument too long";
		return 0;
	}
	return 1;
}

static int
command_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	const config_setting_t *list = config_setting_get_member(s, "argv");
	struct command *c = calloc(1, sizeof(*c));
	const char *why = "";
	char buf[320];
	int i, n;

	if (c == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	gw->priv = c;
	if (smsotp_cfg_int(ctx, s, SMSOTP_SET_COMMAND_TIMEOUT, &c->timeout) != 0)
		return -1;
	if (list == NULL || !(config_setting_is_array(list) ||
	    config_setting_is_list(list)) || config_setting_length(list) < 1 ||
	    config_setting_length(list) > MAX_ARGS) {
		smsotp_cfg_error(ctx, list != NULL ? list : s, "gateway '%s': "
		    "'argv' must be a list of 1 to %d strings, like "
		    "[ \"/usr/local/bin/send-sms\", \"%%{to}\" ]", gw->name,
		    MAX_ARGS);
		return -1;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL) {
			smsotp_cfg_error(ctx, e, "gateway '%s': 'argv' entries "
			    "must be strings", gw->name);
			return -1;
		}
		if (!arg_ok(v, &why) || (i == 0 && strstr(v, "%{") != NULL)) {
			smsotp_cfg_error(ctx, e, "gateway '%s': argv[%d]: %s",
			    gw->name, i, i == 0 && strstr(v, "%{") != NULL ?
			    "no placeholder in the program path" : why);
			return -1;
		}
		c->argv[i] = strdup(v);
		if (c->argv[i] == NULL) {
			smsotp_cfg_error(ctx, e, "out of memory");
			return -1;
		}
		c->argc = i + 1;
		if (strstr(v, "%{to}") != NULL ||
		    strstr(v, "%{to_digits}") != NULL)
			c->number_in_argv = 1;
	}
	if (!smsotp_program_ok(c->argv[0], ctx->owner, buf, sizeof(buf))) {
		smsotp_cfg_error(ctx, config_setting_get_elem(list, 0),
		    "gateway '%s': %s", gw->name, buf);
		return -1;
	}
	return 0;
}

/* Substitute %{to} and %{to_digits} of in into out. 0 or -1 (too long). */
static int
expand(const char *in, const char *to, char *out, size_t cap)
{
	size_t o = 0, n;
	const char *v;

	while (*in != '\0') {
		v = NULL;
		if (strncmp(in, "%{to}", 5) == 0) {
			v = to;
			in += 5;
		} else if (strncmp(in, "%{to_digits}", 12) == 0) {
			v = to[0] == '+' ? to + 1 : to;
			in += 12;
		}
		if (v != NULL) {
			n = strlen(v);
			if (o + n >= cap)
				return -1;
			memcpy(out + o, v, n);
			o += n;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

static void
set_detail(struct smsotp_gw_result *res, const char *what, const char *out,
    size_t olen)
{
	char clean[OUT_KEEP + 1];
	size_t n = 0;

	/* The first line of the output, sanitised. */
	while (n < olen && out[n] != '\n' && out[n] != '\r')
		n++;
	smsotp_sanitize(clean, sizeof(clean), out, n);
	if (smsotp_fmt(res->detail, sizeof(res->detail), "%s%s%s", what,
	    what[0] != '\0' && clean[0] != '\0' ? ": " : "", clean) != 0)
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "%s", what);
}

/*
 * Standard input for the program (see the top of the file) into buf, its
 * length into *len. 0, or -1 when it does not fit.
 */
static int
input_of(const struct command *c, const char *to, const char *text,
    char *buf, size_t cap, size_t *len)
{
	if (strlen(text) > SMSOTP_TEXT_MAX ||
	    smsotp_fmt(buf, cap, "%s%s%s", c->number_in_argv ? "" : to,
	    c->number_in_argv ? "" : "\n", text) != 0)
		return -1;
	*len = strlen(buf);
	return 0;
}

static void
command_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	static char *const envp[] = { (char *)CHILD_PATH, NULL };
	const struct command *c = gw->priv;
	char args[MAX_ARGS][MAX_ARG_LEN], *argv[MAX_ARGS + 1];
	char out[OUT_KEEP], what[48], input[24 + SMSOTP_TEXT_MAX];
	struct smsotp_run run;
	struct smsotp_run_result rr;
	size_t ilen = 0;
	int i;

	/* Until the program has run, every failure is this host's. */
	res->outcome = SMSOTP_GW_LOCALFAIL;
	for (i = 0; i < c->argc; i++) {
		if (expand(c->argv[i], to, args[i], sizeof(args[i])) != 0) {
			(void)smsotp_fmt(res->detail, sizeof(res->detail),
			    "argument %d too long", i);
			goto out;
		}
		argv[i] = args[i];
	}
	argv[c->argc] = NULL;
	if (input_of(c, to, text, input, sizeof(input), &ilen) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail),
		    "text too long");
		goto out;
	}
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = envp;
	run.input = input;
	run.inlen = ilen;
	run.stderr_too = 1;
	run.end = smsotp_mono() + c->timeout;
	if (run.end > deadline)
		run.end = deadline;
	run.out = out;
	run.outcap = sizeof(out);
	if (smsotp_run_program(&run, &rr, res->detail,
	    sizeof(res->detail)) != 0)
		goto out;
	if (rr.exec_errno != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "cannot run "
		    "%s: %s", c->argv[0], strerror(rr.exec_errno));
	} else if (rr.killed) {
		/* Most often the program waiting for its provider. */
		res->outcome = SMSOTP_GW_TEMPFAIL;
		set_detail(res, "timeout: killed", out, rr.olen);
	} else if (!rr.exited) {
		set_detail(res, "lost the child", out, rr.olen);
	} else if (WIFEXITED(rr.status)) {
		if (WEXITSTATUS(rr.status) == 0)
			res->outcome = SMSOTP_GW_SENT;
		else if (WEXITSTATUS(rr.status) == EX_TEMPFAIL_)
			res->outcome = SMSOTP_GW_TEMPFAIL;
		else
			res->outcome = SMSOTP_GW_PERMFAIL;
		(void)smsotp_fmt(what, sizeof(what), "exit %d",
		    WEXITSTATUS(rr.status));
		/* A success shows the program's first line (a message id). */
		set_detail(res, WEXITSTATUS(rr.status) == 0 && rr.olen > 0 ?
		    "" : what, out, rr.olen);
	} else {
		/* Not by us: a crash, a resource limit, the caller's signal. */
		(void)smsotp_fmt(what, sizeof(what), "killed by signal %d",
		    WIFSIGNALED(rr.status) ? WTERMSIG(rr.status) : 0);
		set_detail(res, what, out, rr.olen);
	}
out:
	smsotp_wipe(out, sizeof(out));
	smsotp_wipe(input, sizeof(input));
}

static void
command_destroy(struct smsotp_gateway *gw)
{
	command_free(gw->priv);
	gw->priv = NULL;
}

const struct smsotp_gw_type smsotp_gw_command = {
	.name = "command",
	.root_only = 0,		/* see the top of the file */
	.settings = command_settings,
	.configure = command_configure,
	.send = command_send,
	.destroy = command_destroy,
};
