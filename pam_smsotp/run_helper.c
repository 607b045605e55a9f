/* SPDX-License-Identifier: BSD-3-Clause */
/* run_helper.c - exec smsotp-helper for one request and validate its reply. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "proto/fdio.h"
#include "proto/proto.h"
#include "run_helper.h"
#include "start_helper.h"
#include "base/wipe.h"

#ifndef SMSOTP_HELPER_PATH
#error "SMSOTP_HELPER_PATH must be defined by the build"
#endif

static int
challenge_ok(const char *s)
{
	size_t i;

	for (i = 0; i < SMSOTP_CHALLENGE_HEXLEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/*
 * SECURITY: masked= ends up in the prompt shown to the user: non-empty,
 * bounded, printable ASCII or well-formed UTF-8 without C0/C1 controls.
 */
static int
masked_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len == 0 || len > SMSOTP_HELPER_MASKED_MAX)
		return 0;
	while (*p != '\0') {
		unsigned long cp;
		int n, i;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return 0;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;	/* also stops at the NUL */
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		p += n + 1;
	}
	return 1;
}

static int
get_long(const struct smsotp_msg *m, const char *key, long max, long *out)
{
	const char *v = smsotp_msg_get(m, key);

	return v == NULL ? -1 : smsotp_parse_long(v, 0, max, out);
}

/*
 * No text could be sent: an optional challenge (and its ttl) at which a
 * backup code may be typed. 0, or -1 when the pair is incomplete or bad.
 */
static int
backup_offer(const struct smsotp_msg *m, struct smsotp_helper_reply *rep)
{
	const char *v = smsotp_msg_get(m, "challenge");

	if (v == NULL)
		return smsotp_msg_get(m, "ttl") == NULL ? 0 : -1;
	if (!challenge_ok(v) || get_long(m, "ttl", INT_MAX, &rep->ttl) != 0)
		return -1;
	memcpy(rep->challenge, v, SMSOTP_CHALLENGE_HEXLEN + 1);
	rep->backup = 1;
	return 0;
}

/* A SKIP reason: 1 to SMSOTP_HELPER_REASON_MAX of [a-z-]. */
static int
reason_ok(const char *v)
{
	size_t i, n = v != NULL ? strlen(v) : 0;

	if (n == 0 || n > SMSOTP_HELPER_REASON_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || v[i] == '-'))
			return 0;
	return 1;
}

int
smsotp_helper_reply_parse(const char *buf, size_t len, int exit_status,
    struct smsotp_helper_reply *rep, const char **why)
{
	struct smsotp_msg m;
	const struct smsotp_reply_spec *rk;
	const char *v, *bad;
	int rv = -1, st, i;

	memset(rep, 0, sizeof(*rep));
	if (smsotp_msg_parse(buf, len, &m, why) != 0)
		return -1;
	*why = "first line is not status=";
	if (m.nfields < 1 || strcmp(m.f[0].key, "status") != 0)
		goto out;
	*why = "unknown status";
	st = smsotp_status_from_name(m.f[0].value);
	if (st < 0)
		goto out;
	*why = "exit status does not match the reply";
	if (exit_status != SMSOTP_REPLY_NO_EXIT && exit_status != st)
		goto out;
	rk = &smsotp_replies[st];
	*why = "unexpected key for this status";
	if (smsotp_msg_check_keys(&m, rk->keys, &bad) != 0)
		goto out;
	*why = "missing key for this status";
	for (i = 0; i < rk->nreq; i++)
		if (smsotp_msg_get(&m, rk->keys[i]) == NULL)
			goto out;
	*why = "bad value";
	switch (st) {
	case SMSOTP_SENT:
		v = smsotp_msg_get(&m, "challenge");
		if (!challenge_ok(v))
			goto out;
		memcpy(rep->challenge, v, SMSOTP_CHALLENGE_HEXLEN + 1);
		v = smsotp_msg_get(&m, "masked");
		if (!masked_ok(v))
			goto out;
		memcpy(rep->masked, v, strlen(v) + 1);
		if (get_long(&m, "ttl", INT_MAX, &rep->ttl) != 0 ||
		    get_long(&m, "resend_after", INT_MAX, &rep->resend_after) != 0)
			goto out;
		v = smsotp_msg_get(&m, "again");
		if (v != NULL && strcmp(v, "1") != 0)
			goto out;
		rep->again = v != NULL;
		break;
	case SMSOTP_BAD_CODE:
		if (get_long(&m, "attempts_left", INT_MAX, &rep->attempts_left) != 0)
			goto out;
		break;
	case SMSOTP_RATE_LIMITED:
		if (get_long(&m, "retry_after", INT_MAX, &rep->retry_after) != 0 ||
		    backup_offer(&m, rep) != 0)
			goto out;
		break;
	case SMSOTP_SKIP:
		v = smsotp_msg_get(&m, "reason");
		if (!reason_ok(v))
			goto out;
		memcpy(rep->reason, v, strlen(v) + 1);
		break;
	case SMSOTP_GATEWAY_DOWN:
		if (backup_offer(&m, rep) != 0)
			goto out;
		v = smsotp_msg_get(&m, "failmode");
		if (v == NULL)
			break;
		if (strcmp(v, "secure") == 0)
			rep->failmode = 1;
		else if (strcmp(v, "safe") == 0)
			rep->failmode = 2;
		else
			goto out;
		break;
	case SMSOTP_LOCKED:
		if (smsotp_msg_get(&m, "until") != NULL) {
			if (get_long(&m, "until", LONG_MAX, &rep->until) != 0)
				goto out;
			rep->has_until = 1;
		}
		break;
	default:
		break;
	}
	rep->status = st;
	*why = NULL;
	rv = 0;
out:
	smsotp_msg_free(&m);
	if (rv != 0)
		memset(rep, 0, sizeof(*rep));
	return rv;
}

static int
add_opt(char *buf, size_t *used, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return 0;
	return smsotp_msg_add(buf, SMSOTP_REQUEST_CAP, used, key, value);
}

static int
add(char *buf, size_t *used, const char *key, const char *value)
{
	return smsotp_msg_add(buf, SMSOTP_REQUEST_CAP, used, key, value);
}

int
smsotp_request_build(const struct smsotp_request *req, char *buf, size_t *used)
{
	const char *code = req->code;
	int rv = -1;

	*used = 0;
	buf[0] = '\0';
	if ((unsigned)req->op >= SMSOTP_OP_COUNT ||
	    req->user == NULL || *req->user == '\0' ||
	    (req->op != SMSOTP_OP_BEGIN && req->challenge == NULL) ||
	    (req->op == SMSOTP_OP_VERIFY && code == NULL))
		goto out;
	if (add(buf, used, "op", smsotp_ops[req->op].name) != 0 ||
	    add(buf, used, "user", req->user) != 0)
		goto out;
	if (req->op != SMSOTP_OP_BEGIN &&
	    add(buf, used, "challenge", req->challenge) != 0)
		goto out;
	if (req->op == SMSOTP_OP_VERIFY) {
		if (strlen(code) > SMSOTP_TYPED_MAX)
			code = "x";	/* an invalid code: one wrong try */
		if (add(buf, used, "code", code) != 0)
			goto out;
	}
	if (add_opt(buf, used, "service", req->service) != 0 ||
	    add_opt(buf, used, "rhost", req->rhost) != 0 ||
	    add_opt(buf, used, "tty", req->tty) != 0 ||
	    (req->op == SMSOTP_OP_BEGIN && req->nullok &&
	    add(buf, used, "nullok", "1") != 0) ||
	    (req->op == SMSOTP_OP_BEGIN &&
	    add_opt(buf, used, "handle", req->handle) != 0)) {
		goto out;
	}
	rv = add_opt(buf, used, "config", req->config);
out:
	return rv;
}

/*
 * Fill the pipe completely before fork: the request is far smaller than a
 * pipe buffer, so a non-blocking write either takes it all or fails, and
 * the parent can never block on, or get SIGPIPE from, a dead helper.
 */
static int
write_all_nonblock(int fd, const char *buf, size_t len)
{
	ssize_t n;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* EAGAIN included: never wait */
		buf += n;
		len -= (size_t)n;
	}
	return len == 0 ? 0 : -1;
}

/*
 * Wait until pid has exited or the deadline passed: a pidfd (Linux 5.3)
 * wakes us the moment it exits; without one, naps from 100 us up.
 */
static void
wait_exit(pid_t pid, const struct timespec *deadline)
{
	struct timespec nap = { 0, 100000 };
	struct pollfd pfd;
	siginfo_t si;
	long left;
	int fd = -1;

#ifdef SYS_pidfd_open
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT)
		    != 0 && errno != EINTR)
			break;		/* not our child (any more): reap says */
		if (si.si_pid == pid || (left = smsotp_ms_left(deadline)) <= 0)
			break;
		if (fd >= 0) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			(void)poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
			continue;
		}
		(void)nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
	if (fd >= 0)
		close(fd);
}

/*
 * Reap the child before the deadline; after it (or when kill_it), SIGKILL
 * and reap. Returns the wait status, or -1 when waitpid failed.
 */
static int
reap(pid_t pid, const struct timespec *deadline, int kill_it)
{
	pid_t r;
	int status;

	if (!kill_it) {
		wait_exit(pid, deadline);
		do {
			r = waitpid(pid, &status, WNOHANG);
		} while (r < 0 && errno == EINTR);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
	}
	(void)kill(pid, SIGKILL);
	do {
		r = waitpid(pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	return r == pid ? status : -1;
}

int
smsotp_run_helper(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep)
{
	struct sigaction dfl, old;
	struct timespec deadline;
	char *rq = NULL, *rp = NULL;
	size_t rqlen = 0, rplen = 0;
	const char *why, *opname = "?";
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int rv = -1, sig_saved = 0, status, exit_status, readerr;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	why = "bad request op";
	if ((unsigned)req->op >= SMSOTP_OP_COUNT)
		goto out;
	opname = smsotp_ops[req->op].name;
	why = "out of memory";
	/* The build writes only rqlen + 1 bytes of rq. */
	rq = malloc(SMSOTP_REQUEST_CAP);
	rp = malloc(SMSOTP_PROTO_MAX_MSG + 1);
	if (rq == NULL || rp == NULL)
		goto out;
	why = "request too large or incomplete";
	if (smsotp_request_build(req, rq, &rqlen) != 0)
		goto out;
	why = "pipe failed";
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		goto out;
	why = "pipe failed";
	if (smsotp_fd_above_stdio(&in[0]) != 0 ||
	    smsotp_fd_above_stdio(&out[1]) != 0)
		goto out;
	why = "request does not fit the pipe";
	if (write_all_nonblock(in[1], rq, rqlen) != 0)
		goto out;
	close(in[1]);
	in[1] = -1;

	/* sshd and others may ignore SIGCHLD: waitpid would then fail. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, &old) == 0)
		sig_saved = 1;

	if (debug)
		pam_syslog(pamh, LOG_DEBUG, "running %s op=%s",
		    SMSOTP_HELPER_PATH, opname);
	smsotp_deadline_after(&deadline, SMSOTP_HELPER_TIMEOUT_MS);
	why = "helper could not be run";
	if ((errno = smsotp_start_helper(pamh, debug, in[0], out[1], &pid))
	    != 0) {
		pam_syslog(pamh, LOG_ERR, "%s: %m", SMSOTP_HELPER_PATH);
		goto out;
	}

	close(in[0]);
	in[0] = -1;
	close(out[1]);
	out[1] = -1;
	readerr = smsotp_read_to_eof(out[0], rp, SMSOTP_PROTO_MAX_MSG + 1,
	    &rplen, &deadline, &why);
	close(out[0]);
	out[0] = -1;
	status = reap(pid, &deadline, readerr != 0);
	if (readerr != 0)
		goto out;
	why = "waitpid failed";
	if (status == -1)
		goto out;
	if (WIFSIGNALED(status)) {
		pam_syslog(pamh, LOG_ERR, "helper killed by signal %d",
		    WTERMSIG(status));
		why = "helper did not exit normally";
		goto out;
	}
	exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	why = exit_status == 127 ? "helper could not be run (exit 127)" :
	    "helper did not exit normally";
	if (exit_status < 0 || exit_status == 127)
		goto out;
	if (smsotp_helper_reply_parse(rp, rplen, exit_status, rep, &why) != 0)
		goto out;
	if (debug)
		pam_syslog(pamh, LOG_DEBUG, "helper op=%s replied %s",
		    opname, smsotp_status_name(rep->status));
	rv = 0;
out:
	if (sig_saved)
		(void)sigaction(SIGCHLD, &old, NULL);
	if (rv != 0)
		pam_syslog(pamh, LOG_ERR, "helper failed (op=%s): %s",
		    opname, why);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (rq != NULL) {
		smsotp_wipe(rq, rqlen + 1);	/* SECURITY: may hold a code */
		free(rq);
	}
	if (rp != NULL) {
		smsotp_wipe(rp, rplen);
		free(rp);
	}
	return rv;
}
