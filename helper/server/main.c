/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - smsotp-helper: hardened, then every request its transport
 * brings is dispatched and answered (DESIGN.md section 3). Installed
 * setgid smsotp; trusts nothing from its caller beyond what the caller's
 * uid allows. Today's transport is the pipe: one request per execution.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "proto/proto.h"
#include "server/dispatch.h"
#include "server/hardening.h"
#include "server/transport.h"

#define REQUEST_BUDGET_S 30	/* from a request's arrival; the module waits 40 s */

int
main(int argc, char **argv)
{
	struct smsotp_transport t;
	struct smsotp_inbound in;
	struct smsotp_reply r;
	int n, last = SMSOTP_ERROR;

	(void)argv;
	if (smsotp_harden() != 0)
		return SMSOTP_ERROR;
	smsotp_log_init("smsotp-helper", 0);
	if (argc > 1 || isatty(STDIN_FILENO)) {
		fprintf(stderr, "smsotp-helper: this program is run by "
		    "pam_smsotp.so, not by hand; see smsotp-helper(8)\n");
		return SMSOTP_ERROR;
	}
	if (smsotp_transport_pipe(&t, REQUEST_BUDGET_S) != 0)
		return SMSOTP_ERROR;
	while ((n = t.ops->next(&t, &in)) != 0) {
		memset(&r, 0, sizeof(r));
		r.status = SMSOTP_ERROR;
		if (n > 0)
			smsotp_dispatch(&in, &r);
		last = r.status;
		if (t.ops->reply(&t, &in, &r) != 0) {
			last = SMSOTP_ERROR;
			break;
		}
	}
	t.ops->close(&t);
	/* the exit status is the last reply's (smsotp-helper(8)) */
	return last;
}
