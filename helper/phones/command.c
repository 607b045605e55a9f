/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/command.c - the command phone source (command.h): run the
 * administrator's program for the user (base/run.h) and read one number.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/run.h"
#include "base/wipe.h"
#include "phones/command.h"

enum smsotp_phone_result
smsotp_phone_command_output(const char *out, size_t len, const char *cc,
    char e164[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	char line[SMSOTP_PHONE_CMD_OUT_MAX + 1];
	const char *nwhy;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	size_t n = len;

	e164[0] = '\0';
	if (len > SMSOTP_PHONE_CMD_OUT_MAX) {
		smsotp_say(why, whysz, "more than %d bytes of output",
		    SMSOTP_PHONE_CMD_OUT_MAX);
		return SMSOTP_PHONE_ERROR;
	}
	/* one line: its newline is optional */
	if (n > 0 && out[n - 1] == '\n')
		n--;
	if (memchr(out, '\n', n) != NULL) {
		smsotp_say(why, whysz, "more than one line of output");
		return SMSOTP_PHONE_ERROR;
	}
	if (memchr(out, '\0', n) != NULL || memchr(out, '\r', n) != NULL) {
		smsotp_say(why, whysz, "output is not one line of text");
		return SMSOTP_PHONE_ERROR;
	}
	if (n == 0)
		return SMSOTP_PHONE_NONE;
	memcpy(line, out, n);
	line[n] = '\0';
	if (smsotp_phone_normalize(line, cc, e164, &nwhy) == 0)
		rv = SMSOTP_PHONE_FOUND;
	else
		smsotp_say(why, whysz, "bad number: %s", nwhy);
	smsotp_wipe(line, sizeof(line));
	return rv;
}

static enum smsotp_phone_result
command_lookup(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	static char *const envp[] = { NULL };
	const struct smsotp_phone_command *c = src->ctx;
	char *argv[SMSOTP_PHONE_CMD_MAX_ARGS + 1], buf[SMSOTP_PHONE_CMD_OUT_MAX + 1];
	char pwhy[320];
	struct smsotp_run run;
	struct smsotp_run_result rr;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int i;

	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	/* checked at each run too: the resident service keeps its config */
	if (!smsotp_program_ok(c->argv[0], c->owner, pwhy, sizeof(pwhy))) {
		smsotp_say(why, whysz, "%s", pwhy);
		return SMSOTP_PHONE_ERROR;
	}
	for (i = 0; i < c->argc; i++)
		argv[i] = strcmp(c->argv[i], "%u") == 0 ? (char *)user :
		    c->argv[i];
	argv[c->argc] = NULL;
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = envp;
	run.end = smsotp_mono() + c->timeout;
	run.out = buf;
	run.outcap = sizeof(buf);
	if (smsotp_run_program(&run, &rr, pwhy, sizeof(pwhy)) != 0) {
		smsotp_say(why, whysz, "%s: %s", c->argv[0], pwhy);
		goto out;
	}
	if (rr.exec_errno != 0)
		smsotp_say(why, whysz, "cannot run %s: %s", c->argv[0],
		    strerror(rr.exec_errno));
	else if (rr.killed)
		smsotp_say(why, whysz, "%s: still running after %d s: killed",
		    c->argv[0], c->timeout);
	else if (!rr.exited)
		smsotp_say(why, whysz, "%s: lost the child", c->argv[0]);
	else if (WIFSIGNALED(rr.status))
		smsotp_say(why, whysz, "%s: killed by signal %d", c->argv[0],
		    WTERMSIG(rr.status));
	else if (!WIFEXITED(rr.status) || WEXITSTATUS(rr.status) != 0)
		smsotp_say(why, whysz, "%s: exit %d", c->argv[0],
		    WIFEXITED(rr.status) ? WEXITSTATUS(rr.status) : -1);
	else if (rr.total > SMSOTP_PHONE_CMD_OUT_MAX)
		smsotp_say(why, whysz, "%s: more than %d bytes of output",
		    c->argv[0], SMSOTP_PHONE_CMD_OUT_MAX);
	else {
		rv = smsotp_phone_command_output(buf, rr.olen,
		    src->default_country, out, pwhy, sizeof(pwhy));
		if (rv == SMSOTP_PHONE_ERROR)
			smsotp_say(why, whysz, "%s: %s", c->argv[0], pwhy);
	}
out:
	smsotp_wipe(buf, sizeof(buf));
	if (rv != SMSOTP_PHONE_FOUND)
		out[0] = '\0';
	return rv;
}

void
smsotp_phone_command_free(struct smsotp_phone_command *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

const struct smsotp_phone_source_ops smsotp_phone_source_command = {
	.name = "command",
	.lookup = command_lookup,
};
