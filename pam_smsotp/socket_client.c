/* SPDX-License-Identifier: BSD-3-Clause */
/* socket_client.c - one request to the resident service over its socket. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "proto/fdio.h"
#include "proto/proto.h"
#include "run_helper.h"
#include "socket_client.h"
#include "base/wipe.h"

#ifndef SMSOTP_SOCKET_PATH
#error "SMSOTP_SOCKET_PATH must be defined by the build"
#endif
#ifndef SMSOTP_SERVICE_USER
#error "SMSOTP_SERVICE_USER must be defined by the build"
#endif

/* getpwnam_r's buffer grows up to this (a user with huge GECOS). */
#define PW_BUF_MAX (1024 * 1024)
/* The pam_set_data name of the trusted uids (trust_of). */
#define TRUST_DATA "pam_smsotp_socket_trust"
/* Room for "neither NAME nor NAME" in a log line. */
#define WHO_MAX 256

void
smsotp_sock_trust_default(pam_handle_t *pamh, int debug,
    struct smsotp_sock_trust *t)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 && hint < PW_BUF_MAX ? (size_t)hint : 4096;
	int e;

	t->n = 1;
	t->uid[0] = 0;
	t->name[0] = "root (there is no user " SMSOTP_SERVICE_USER ")";
	for (;;) {
		free(buf);
		buf = malloc(size);
		if (buf == NULL) {
			e = ENOMEM;
			break;
		}
		e = getpwnam_r(SMSOTP_SERVICE_USER, &pw, buf, size, &res);
		if (e != ERANGE || size >= PW_BUF_MAX)
			break;
		size *= 2;
	}
	if (e == 0 && res != NULL) {
		t->name[0] = "root";
		if (res->pw_uid != 0) {
			t->uid[t->n] = res->pw_uid;
			t->name[t->n++] = SMSOTP_SERVICE_USER;
		}
	} else if (e == 0 || e == ENOENT || e == ESRCH) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "no user %s: only root "
			    "may serve the socket", SMSOTP_SERVICE_USER);
	} else {
		/* SECURITY: trusting fewer uids fails closed. */
		errno = e;
		pam_syslog(pamh, LOG_ERR, "looking up user %s: %m; only root "
		    "may serve the socket", SMSOTP_SERVICE_USER);
	}
	free(buf);
}

static int
trusted(const struct smsotp_sock_trust *t, uid_t uid)
{
	int i;

	for (i = 0; i < t->n && i < SMSOTP_SOCK_TRUST_MAX; i++)
		if (t->uid[i] == uid)
			return 1;
	return 0;
}

/* "not root", "not root or _smsotp"; "neither root nor _smsotp". */
static const char *
who(const struct smsotp_sock_trust *t, int neither, char *buf, size_t size)
{
	int nr;

	if (t->n >= 2)
		nr = snprintf(buf, size, neither ? "neither %s nor %s" :
		    "not %s or %s", t->name[0], t->name[1]);
	else
		nr = snprintf(buf, size, "not %s", t->n == 1 ? t->name[0] :
		    "trusted");
	return nr < 0 || (size_t)nr >= size ? "not trusted" : buf;
}

/*
 * Map a failed connect. ENOENT: the socket went between lstat and connect
 * (a service stopping). EAGAIN: the listen backlog is full. The service is
 * there then: a fallback to exec would let anyone who can fill the backlog
 * move every login off the service, and would pile helpers onto a machine
 * that is already overloaded; so it is an error, at once (nothing was sent,
 * but waiting for room would hold the login for the whole deadline).
 */
static enum smsotp_sock_result
connect_failed(int e, const char **why)
{
	if (e == ENOENT) {
		*why = "no such socket";
		return SMSOTP_SOCK_UNAVAILABLE;
	}
	if (e == ECONNREFUSED) {
		*why = "connection refused: no service listening";
		return SMSOTP_SOCK_UNAVAILABLE;
	}
	if (e == EAGAIN || e == EWOULDBLOCK) {
		*why = "service busy (listen backlog full)";
		return SMSOTP_SOCK_BUSY;
	}
	*why = "connect failed";
	return SMSOTP_SOCK_ERROR;
}

/* Connect fd to sa within the deadline. OK, or a result with *why, *err. */
static enum smsotp_sock_result
connect_by(int fd, const struct sockaddr_un *sa, socklen_t salen,
    const struct timespec *deadline, const char **why, int *err)
{
	socklen_t len = sizeof(*err);
	int r;

	if (connect(fd, (const struct sockaddr *)sa, salen) == 0)
		return SMSOTP_SOCK_OK;
	*err = errno;
	/* After EINTR the connect goes on by itself: wait for it alike. */
	if (*err != EINPROGRESS && *err != EINTR)
		return connect_failed(*err, why);
	r = smsotp_poll_until(fd, POLLOUT, deadline);
	*err = r < 0 ? errno : 0;
	*why = r == 0 ? "connect timed out" : "poll failed";
	if (r <= 0)
		return SMSOTP_SOCK_ERROR;
	*why = "getsockopt(SO_ERROR) failed";
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0) {
		*err = errno;
		return SMSOTP_SOCK_ERROR;
	}
	return *err == 0 ? SMSOTP_SOCK_OK : connect_failed(*err, why);
}

/* Write all of buf within the deadline; never SIGPIPE. 0, or -1, *why. */
static int
send_all(int fd, const char *buf, size_t len, const struct timespec *deadline,
    const char **why, int *err)
{
	ssize_t n;
	int r;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = smsotp_poll_until(fd, POLLOUT, deadline);
			*err = r < 0 ? errno : 0;
			*why = r == 0 ? "timed out sending the request" :
			    "poll failed";
			if (r <= 0)
				return -1;
			continue;
		}
		if (n <= 0) {
			*err = n < 0 ? errno : 0;
			*why = "send failed";
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The checks before a byte is sent. OK, or UNAVAILABLE, UNTRUSTED, ERROR. */
static enum smsotp_sock_result
check_path(pam_handle_t *pamh, const char *path,
    const struct smsotp_sock_trust *trust, const char **why, int *err)
{
	struct stat st;
	char w[WHO_MAX];

	if (lstat(path, &st) != 0) {
		*err = errno;
		*why = "no such socket";
		if (*err == ENOENT)
			return SMSOTP_SOCK_UNAVAILABLE;
		*why = "lstat failed";
		return SMSOTP_SOCK_ERROR;
	}
	if (!S_ISSOCK(st.st_mode)) {
		pam_syslog(pamh, LOG_ERR, "socket %s is not a socket", path);
		return SMSOTP_SOCK_UNTRUSTED;
	}
	if (!trusted(trust, st.st_uid)) {
		pam_syslog(pamh, LOG_ERR, "socket %s is owned by uid %lu, %s",
		    path, (unsigned long)st.st_uid, who(trust, 0, w, sizeof(w)));
		return SMSOTP_SOCK_UNTRUSTED;
	}
	return SMSOTP_SOCK_OK;
}

/* SECURITY: the server's own uid, from the kernel, not the file's. */
static enum smsotp_sock_result
check_peer(pam_handle_t *pamh, int fd, const char *path,
    const struct smsotp_sock_trust *trust)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	char w[WHO_MAX];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    len != sizeof(uc)) {
		pam_syslog(pamh, LOG_ERR, "socket %s: cannot read the server "
		    "peer's credentials: %m", path);
		return SMSOTP_SOCK_UNTRUSTED;
	}
	if (!trusted(trust, uc.uid)) {
		pam_syslog(pamh, LOG_ERR, "socket %s: server peer uid %lu is "
		    "%s", path, (unsigned long)uc.uid, who(trust, 1, w,
		    sizeof(w)));
		return SMSOTP_SOCK_UNTRUSTED;
	}
	return SMSOTP_SOCK_OK;
}

enum smsotp_sock_result
smsotp_socket_request_at(pam_handle_t *pamh, int debug, const char *path,
    const struct smsotp_sock_trust *trust, long timeout_ms,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep,
    const char **unavail_why)
{
	struct sockaddr_un sa;
	struct timespec deadline;
	char *rq = NULL, *rp = NULL;
	size_t rqlen = 0, rplen = 0, plen = strlen(path);
	const char *why = NULL, *pre = "", *opname = "?";
	enum smsotp_sock_result rv = SMSOTP_SOCK_ERROR;
	int fd = -1, err = 0;

	/* One deadline from here: connect, send and reply share it. */
	smsotp_deadline_after(&deadline, timeout_ms);
	memset(rep, 0, sizeof(*rep));
	*unavail_why = NULL;
	why = "bad request op";
	if ((unsigned)req->op >= SMSOTP_OP_COUNT)
		goto out;
	opname = smsotp_ops[req->op].name;
	why = "socket path too long";
	if (plen == 0 || plen >= sizeof(sa.sun_path))
		goto out;
	why = "out of memory";
	rq = malloc(SMSOTP_REQUEST_CAP + 1);	/* + the empty line */
	rp = malloc(SMSOTP_PROTO_MAX_MSG + 1);
	if (rq == NULL || rp == NULL)
		goto out;
	why = "request too large or incomplete";
	if (smsotp_request_build(req, rq, &rqlen) != 0)
		goto out;
	rq[rqlen++] = '\n';	/* the empty line that ends the request */
	rq[rqlen] = '\0';

	why = NULL;	/* UNTRUSTED is logged where it is found */
	rv = check_path(pamh, path, trust, &why, &err);
	if (rv != SMSOTP_SOCK_OK)
		goto out;
	rv = SMSOTP_SOCK_ERROR;
	why = "socket failed";
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || smsotp_fd_above_stdio(&fd) != 0) {
		err = errno;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen + 1);
	rv = connect_by(fd, &sa, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + plen + 1), &deadline, &why, &err);
	if (rv != SMSOTP_SOCK_OK)
		goto out;
	why = NULL;
	rv = check_peer(pamh, fd, path, trust);
	if (rv != SMSOTP_SOCK_OK)
		goto out;

	/* From here the server may act on the request: never a retry. */
	rv = SMSOTP_SOCK_NO_ANSWER;
	if (debug)
		pam_syslog(pamh, LOG_DEBUG, "socket %s op=%s", path, opname);
	if (send_all(fd, rq, rqlen, &deadline, &why, &err) != 0)
		goto out;
	if (smsotp_read_to_eof(fd, rp, SMSOTP_PROTO_MAX_MSG + 1, &rplen,
	    &deadline, &why) != 0) {
		err = errno;
		goto out;
	}
	why = "connection closed without a reply";
	if (rplen == 0)
		goto out;
	if (smsotp_helper_reply_parse(rp, rplen, SMSOTP_REPLY_NO_EXIT, rep,
	    &why) != 0) {
		pre = "malformed reply: ";
		goto out;
	}
	if (debug)
		pam_syslog(pamh, LOG_DEBUG, "socket %s op=%s replied %s", path,
		    opname, smsotp_status_name(rep->status));
	rv = SMSOTP_SOCK_OK;
out:
	if (rv == SMSOTP_SOCK_UNAVAILABLE) {
		*unavail_why = why;
	} else if (rv != SMSOTP_SOCK_OK && why != NULL) {
		errno = err;
		pam_syslog(pamh, LOG_ERR, err != 0 ?
		    "service request failed (op=%s, socket %s): %s%s: %m" :
		    "service request failed (op=%s, socket %s): %s%s",
		    opname, path, pre, why);
	}
	if (fd >= 0)
		close(fd);
	if (rq != NULL) {
		smsotp_wipe(rq, rqlen + 1);	/* SECURITY: may hold a code */
		free(rq);
	}
	if (rp != NULL) {
		smsotp_wipe(rp, rplen);
		free(rp);
	}
	if (rv != SMSOTP_SOCK_OK)
		memset(rep, 0, sizeof(*rep));
	return rv;
}

static void
trust_free(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/*
 * The uids trusted to serve the socket, looked up once per PAM handle:
 * the begin and the verify of one login (and sshd's retries in one
 * connection) ask NSS once, not at every request.
 */
static const struct smsotp_sock_trust *
trust_of(pam_handle_t *pamh, int debug, struct smsotp_sock_trust *local)
{
	const void *kept = NULL;
	struct smsotp_sock_trust *t;

	if (pam_get_data(pamh, TRUST_DATA, &kept) == PAM_SUCCESS &&
	    kept != NULL)
		return kept;
	smsotp_sock_trust_default(pamh, debug, local);
	t = malloc(sizeof(*t));
	if (t == NULL)
		return local;
	*t = *local;
	if (pam_set_data(pamh, TRUST_DATA, t, trust_free) != PAM_SUCCESS) {
		free(t);
		return local;
	}
	return t;
}

enum smsotp_sock_result
smsotp_socket_request(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep,
    const char **unavail_why)
{
	struct smsotp_sock_trust local;

	return smsotp_socket_request_at(pamh, debug, SMSOTP_SOCKET_PATH,
	    trust_of(pamh, debug, &local), SMSOTP_HELPER_TIMEOUT_MS, req, rep,
	    unavail_why);
}
