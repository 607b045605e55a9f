/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * transport.h - how requests reach the privileged side and replies leave
 * it (DESIGN.md section 3). The dispatcher (server/dispatch.h) sees only
 * this face: a request with its caller's identity and its deadline, and a
 * reply. The pipe transport (server/pipe.c: one request on stdin, one
 * reply on stdout, a process per request) and the socket transport of the
 * resident service (server/socket.c: one request per connection) fill
 * the same three operations.
 *
 * Everything a request needs travels in struct smsotp_inbound: nothing
 * static or process-wide is inherited by the next request.
 */
#ifndef SMSOTP_TRANSPORT_H
#define SMSOTP_TRANSPORT_H

#include <sys/types.h>

#include "core/engine.h"
#include "proto/proto.h"

/* Who asks: facts the transport established, never the request's claims. */
struct smsotp_caller {
	int privileged;		/* real root in the initial user namespace */
	uid_t uid;		/* the caller's real uid */
};

struct smsotp_inbound {
	struct smsotp_msg msg;		/* parsed: free with the transport */
	struct smsotp_caller caller;
	double started;			/* smsotp_mono() at its arrival */
	double deadline;		/* smsotp_mono() time to reply by */
};

struct smsotp_transport;

struct smsotp_transport_ops {
	/*
	 * The next request: 1 with *in filled, 0 when there are no more, -1
	 * when one arrived but cannot be served (unreadable, malformed, the
	 * caller's limits too low: logged). After 1 and -1 a reply is owed.
	 */
	int (*next)(struct smsotp_transport *, struct smsotp_inbound *in);
	/* Send r for in (and wipe and free in). 0 or -1. */
	int (*reply)(struct smsotp_transport *, struct smsotp_inbound *in,
	    const struct smsotp_reply *r);
	void (*close)(struct smsotp_transport *);
};

struct smsotp_transport {
	const struct smsotp_transport_ops *ops;
	void *be;
};

/*
 * The pipe transport: one request read from stdin, its reply written to
 * stdout, and then no more. budget_s: each request's deadline from its
 * arrival. 0, or -1 (nothing opened).
 */
int smsotp_transport_pipe(struct smsotp_transport *t, double budget_s);

/*
 * The socket transport for one accepted connection fd (a Unix stream
 * socket): its caller from SO_PEERCRED (uid 0 is privileged), one request
 * ended by a blank line (or EOF) within idle_s of the accept, its reply,
 * and then no more; close closes fd. budget_s: the request's deadline from
 * its arrival. 0, or -1 (fd is closed).
 */
int smsotp_transport_conn(struct smsotp_transport *t, int fd, double idle_s,
    double budget_s);

/*
 * Read a request from fd into buf (cap bytes: a request that fills it is
 * too long) by deadline (smsotp_mono() time): until EOF, or with
 * blank_ends until the blank line that ends a socket request (*len then
 * leaves it out; anything after it is refused). 0, or -1 (unreadable,
 * too long, late, or an EOF before the blank line).
 */
int smsotp_read_request(int fd, char *buf, size_t cap, size_t *len,
    double deadline, int blank_ends) __attribute__((warn_unused_result));

/*
 * The reply's wire form (proto/ops.h smsotp_replies: exactly the keys of
 * its status) into buf. 0 with *len, or -1 (a reply the table forbids, or
 * it does not fit).
 */
int smsotp_reply_format(const struct smsotp_reply *r, char *buf, size_t cap,
    size_t *len) __attribute__((warn_unused_result));

#endif
