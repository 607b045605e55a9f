/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * socket.c - the socket transport of the resident service: one accepted
 * connection, one request ended by a blank line, its reply, then the
 * connection closes (DESIGN.md section 3). The caller is the peer the
 * kernel names (SO_PEERCRED), never what the request says.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "base/wipe.h"
#include "core/code.h"
#include "server/transport.h"

struct conn_tr {
	int fd;
	char *buf;		/* the request: it holds the code */
	size_t len;		/* bytes of buf that may hold it */
	double accepted;	/* smsotp_mono() at the accept */
	double idle;		/* for the request to arrive */
	double budget;		/* for the reply, from the arrival */
	int served;
	int peer_ok;
	struct smsotp_caller caller;
};

static int
conn_next(struct smsotp_transport *t, struct smsotp_inbound *in)
{
	struct conn_tr *c = t->be;
	const char *why;

	memset(in, 0, sizeof(*in));
	if (c->served)
		return 0;
	c->served = 1;
	in->caller = c->caller;
	in->started = c->accepted;
	in->deadline = c->accepted + c->budget;
	if (!c->peer_ok)
		return -1;	/* logged by smsotp_transport_conn */
	/* a client that connects and says nothing holds no one up */
	if (smsotp_read_request(c->fd, c->buf, SMSOTP_PROTO_MAX_MSG + 1,
	    &c->len, c->accepted + c->idle, 1) != 0) {
		smsotp_log(LOG_ERR, "uid=%lu: unreadable, oversized or late "
		    "request on the socket: refused",
		    (unsigned long)c->caller.uid);
		return -1;
	}
	in->started = smsotp_mono();
	in->deadline = in->started + c->budget;
	if (smsotp_msg_parse(c->buf, c->len, &in->msg, &why) != 0) {
		smsotp_log(LOG_ERR, "malformed request (%s): refused", why);
		return -1;
	}
	/* SECURITY: the parsed copy is all that holds the code from here */
	smsotp_wipe(c->buf, c->len);
	return 1;
}

static int
conn_reply(struct smsotp_transport *t, struct smsotp_inbound *in,
    const struct smsotp_reply *r)
{
	struct conn_tr *c = t->be;
	char buf[2048];
	size_t len = 0, off = 0;
	ssize_t n;

	smsotp_wipe(c->buf, c->len);
	smsotp_msg_free(&in->msg);
	if (smsotp_reply_format(r, buf, sizeof(buf), &len) != 0) {
		smsotp_log(LOG_ERR, "reply %s does not fit the protocol: not "
		    "sent", smsotp_status_name(r->status) != NULL ?
		    smsotp_status_name(r->status) : "?");
		return -1;
	}
	/* a reply is far smaller than a socket buffer: it never waits */
	while (off < len) {
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			smsotp_log(LOG_WARNING, "uid=%lu: the reply could not "
			    "be sent: %s", (unsigned long)c->caller.uid,
			    n < 0 ? strerror(errno) : "closed");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static void
conn_close(struct smsotp_transport *t)
{
	struct conn_tr *c = t->be;

	if (c == NULL)
		return;
	(void)close(c->fd);
	smsotp_wipe(c->buf, c->len);
	smsotp_secret_unlock_wiped(c->buf, SMSOTP_PROTO_MAX_MSG + 1);
	free(c->buf);
	free(c);
	t->be = NULL;
	t->ops = NULL;
}

static const struct smsotp_transport_ops conn_ops = {
	.next = conn_next,
	.reply = conn_reply,
	.close = conn_close,
};

int
smsotp_transport_conn(struct smsotp_transport *t, int fd, double idle_s,
    double budget_s)
{
	struct conn_tr *c = calloc(1, sizeof(*c));
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	t->ops = NULL;
	t->be = NULL;
	if (c == NULL || (c->buf = malloc(SMSOTP_PROTO_MAX_MSG + 1)) == NULL) {
		free(c);
		(void)close(fd);
		smsotp_log(LOG_CRIT, "out of memory");
		return -1;
	}
	smsotp_secret_lock(c->buf, SMSOTP_PROTO_MAX_MSG + 1);
	c->fd = fd;
	c->accepted = smsotp_mono();
	c->idle = idle_s;
	c->budget = budget_s;
	c->caller.uid = (uid_t)-1;
	/*
	 * SECURITY: the kernel's word for who connected. SO_PEERCRED gives
	 * the uid in this namespace: root of another user namespace is not 0
	 * here, so uid 0 is real root.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    clen != sizeof(cred)) {
		smsotp_log(LOG_ERR, "socket: no peer credentials (%s): refused",
		    strerror(errno));
	} else {
		c->peer_ok = 1;
		c->caller.uid = cred.uid;
		c->caller.privileged = cred.uid == 0;
	}
	t->ops = &conn_ops;
	t->be = c;
	return 0;
}
