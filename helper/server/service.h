/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service.h - smsotp-helper --listen: the resident service, every
 * connection on the listening socket one request (server/socket.c),
 * served in parallel.
 */
#ifndef SMSOTP_SERVICE_H
#define SMSOTP_SERVICE_H

struct smsotp_service_opts {
	int max_requests;	/* in flight at once; more get ERROR at once */
	double idle_s;		/* for a request to arrive after the accept */
	double budget_s;	/* for its reply, from its arrival */
};

/*
 * Accept on lfd (a listening socket, closed on return) until SIGTERM or
 * SIGINT (SIGHUP is ignored: changed files are read again anyway), then wait
 * for the requests in flight. 0 after a signal, -1 on a fault (logged).
 */
int smsotp_service_run(int lfd, const struct smsotp_service_opts *o);

#endif
