/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipe.c - the pipe transport: the process pam_smsotp.so executes reads
 * one request from stdin and writes one reply to stdout (DESIGN.md
 * section 3). Its caller is the process that ran it: real uid, and
 * whether that is real root (server/hardening.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "base/wipe.h"
#include "core/code.h"
#include "server/hardening.h"
#include "server/transport.h"

struct pipe_tr {
	char *buf;		/* the request: it holds the code */
	size_t len;		/* bytes of buf that may hold it */
	double budget;
	int served;
	struct smsotp_caller caller;
	int limits_ok;
};

static int
pipe_next(struct smsotp_transport *t, struct smsotp_inbound *in)
{
	struct pipe_tr *p = t->be;
	const char *why;
	double arrived = smsotp_mono();

	memset(in, 0, sizeof(*in));
	if (p->served)
		return 0;
	p->served = 1;
	in->caller = p->caller;
	in->deadline = arrived + p->budget;
	in->started = arrived;
	if (!p->limits_ok)
		return -1;	/* logged by smsotp_rlimits_ok */
	if (smsotp_read_request(STDIN_FILENO, p->buf, SMSOTP_PROTO_MAX_MSG + 1,
	    &p->len, in->deadline, 0) != 0) {
		smsotp_log(LOG_ERR, "unreadable, oversized or late request: "
		    "refused");
		return -1;
	}
	if (smsotp_msg_parse(p->buf, p->len, &in->msg, &why) != 0) {
		smsotp_log(LOG_ERR, "malformed request (%s): refused", why);
		return -1;
	}
	/* SECURITY: the parsed copy is all that holds the code from here */
	smsotp_wipe(p->buf, p->len);
	in->started = smsotp_mono();
	return 1;
}

static int
pipe_reply(struct smsotp_transport *t, struct smsotp_inbound *in,
    const struct smsotp_reply *r)
{
	struct pipe_tr *p = t->be;
	char buf[2048];
	size_t len = 0;
	int rv = -1;

	smsotp_wipe(p->buf, p->len);
	smsotp_msg_free(&in->msg);
	if (smsotp_reply_format(r, buf, sizeof(buf), &len) != 0)
		smsotp_log(LOG_ERR, "reply %s does not fit the protocol: not "
		    "sent", smsotp_status_name(r->status) != NULL ?
		    smsotp_status_name(r->status) : "?");
	else
		rv = smsotp_write_all(STDOUT_FILENO, buf, len);
	return rv;
}

static void
pipe_close(struct smsotp_transport *t)
{
	struct pipe_tr *p = t->be;

	if (p == NULL)
		return;
	smsotp_wipe(p->buf, p->len);	/* all of it that a request filled */
	smsotp_secret_unlock_wiped(p->buf, SMSOTP_PROTO_MAX_MSG + 1);
	free(p->buf);
	free(p);
	t->be = NULL;
	t->ops = NULL;
}

static const struct smsotp_transport_ops pipe_ops = {
	.next = pipe_next,
	.reply = pipe_reply,
	.close = pipe_close,
};

int
smsotp_transport_pipe(struct smsotp_transport *t, double budget_s)
{
	struct pipe_tr *p = calloc(1, sizeof(*p));

	t->ops = NULL;
	t->be = NULL;
	if (p == NULL || (p->buf = malloc(SMSOTP_PROTO_MAX_MSG + 1)) == NULL) {
		free(p);
		smsotp_log(LOG_CRIT, "out of memory");
		return -1;
	}
	smsotp_secret_lock(p->buf, SMSOTP_PROTO_MAX_MSG + 1);
	p->budget = budget_s;
	p->caller.privileged = smsotp_caller_privileged();
	p->caller.uid = getuid();
	p->limits_ok = smsotp_rlimits_ok(p->caller.privileged) == 0;
	t->ops = &pipe_ops;
	t->be = p;
	return 0;
}
