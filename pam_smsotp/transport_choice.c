/* SPDX-License-Identifier: BSD-3-Clause */
/* transport_choice.c - socket, exec, or the socket with exec when absent. */
#include "config.h"

#include <syslog.h>

#include <security/pam_ext.h>

#include "args.h"
#include "proto/ops.h"
#include "run_helper.h"
#include "socket_client.h"
#include "transport_choice.h"

#ifndef SMSOTP_SOCKET_PATH
#error "SMSOTP_SOCKET_PATH must be defined by the build"
#endif

static int
by_exec(pam_handle_t *pamh, int debug, const struct smsotp_request *req,
    struct smsotp_helper_reply *rep)
{
	int r = smsotp_run_helper(pamh, debug, req, rep);

	if (r == 0 && debug)
		pam_syslog(pamh, LOG_DEBUG, "op=%s served by exec",
		    smsotp_ops[req->op].name);
	return r;
}

int
smsotp_transport_request(pam_handle_t *pamh, const struct smsotp_args *a,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep)
{
	const char *why = NULL;
	enum smsotp_sock_result r;

	if (a->transport == SMSOTP_TRANSPORT_EXEC)
		return by_exec(pamh, a->debug, req, rep);
	r = smsotp_socket_request(pamh, a->debug, req, rep, &why);
	if (r == SMSOTP_SOCK_OK) {
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "op=%s served by the "
			    "socket", smsotp_ops[req->op].name);
		return 0;
	}
	if (r != SMSOTP_SOCK_UNAVAILABLE)
		return -1;	/* logged by the socket client */
	if (a->transport == SMSOTP_TRANSPORT_SOCKET) {
		pam_syslog(pamh, LOG_ERR, "transport=socket: %s: %s",
		    SMSOTP_SOCKET_PATH, why);
		return -1;
	}
	if (a->debug)
		pam_syslog(pamh, LOG_DEBUG, "no service at %s (%s): exec",
		    SMSOTP_SOCKET_PATH, why);
	return by_exec(pamh, a->debug, req, rep);
}
