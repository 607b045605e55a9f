/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_socket_client.c - the module's socket client (pam_smsotp/
 * socket_client.c) against a tiny server in a forked child on a socket in
 * a scratch directory: a good reply is taken; a malformed one, a server
 * that closes before or without answering, or never answers, are errors
 * once the request was sent; no socket or nobody listening is
 * "unavailable"; a file that is not a socket, a socket or server of an untrusted uid, and
 * a full backlog refuse before a byte is sent. The request ends with the
 * one empty line. Linked with -Wl,--wrap=pam_syslog (pamlog.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pamlog.h"
#include "proto/proto.h"
#include "run_helper.h"
#include "socket_client.h"
#include "testutil.h"

/* The deadline of every exchange here: short, the clock is a parameter. */
#define DEADLINE_MS 300
#define RECV_MAX 8192

#define CHALLENGE "0123456789abcdef0123456789abcdef"

enum server_mode {
	REPLY,		/* read the request, write the reply, close */
	CLOSE_AFTER,	/* read the request, close without a reply */
	NEVER,		/* read the request, then nothing until killed */
	AT_ONCE,	/* close before reading anything */
};

struct fx {
	char *dir;
	char *path;
	pid_t pid;		/* the server child, or -1 */
	int seen_r;		/* the request as the server read it */
	struct smsotp_sock_trust trust;
	char got[RECV_MAX];	/* what seen_r gave */
	size_t gotlen;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "socket");
	f->pid = -1;
	f->seen_r = -1;
	f->trust.n = 1;
	f->trust.uid[0] = geteuid();
	f->trust.name[0] = "the test user";
	tu_pamlog_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->pid > 0) {
		(void)kill(f->pid, SIGKILL);
		(void)waitpid(f->pid, NULL, 0);
	}
	if (f->seen_r >= 0)
		close(f->seen_r);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static int
listen_at(const char *path, int backlog)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* Child side: read up to the empty line (or EOF), report it, then mode. */
static void __attribute__((noreturn))
serve(int lfd, int seen_w, enum server_mode mode, const char *reply)
{
	char buf[RECV_MAX];
	size_t len = 0;
	ssize_t n;
	int c = accept(lfd, NULL, NULL);

	if (c < 0)
		_exit(1);
	if (mode == AT_ONCE) {
		close(seen_w);
		close(c);
		_exit(0);
	}
	while (len < sizeof(buf) &&
	    !(len >= 2 && buf[len - 2] == '\n' && buf[len - 1] == '\n')) {
		n = read(c, buf + len, sizeof(buf) - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (write(seen_w, buf, len) != (ssize_t)len)
		_exit(1);
	close(seen_w);
	if (mode == REPLY && reply != NULL &&
	    write(c, reply, strlen(reply)) != (ssize_t)strlen(reply))
		_exit(1);
	if (mode == NEVER)
		for (;;)
			pause();
	close(c);
	_exit(0);
}

static void
start_server(struct fx *f, enum server_mode mode, const char *reply)
{
	int p[2], lfd = listen_at(f->path, 8);

	assert_int_equal(pipe(p), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		close(p[0]);
		serve(lfd, p[1], mode, reply);
	}
	close(p[1]);
	close(lfd);
	f->seen_r = p[0];
}

/* What the server read (it has closed its end by now). */
static void
collect(struct fx *f)
{
	ssize_t n;

	f->gotlen = 0;
	while (f->gotlen < sizeof(f->got) - 1 &&
	    (n = read(f->seen_r, f->got + f->gotlen,
	    sizeof(f->got) - 1 - f->gotlen)) > 0)
		f->gotlen += (size_t)n;
	f->got[f->gotlen] = '\0';
}

static const struct smsotp_request verify_req = {
	.op = SMSOTP_OP_VERIFY,
	.user = "alice",
	.challenge = CHALLENGE,
	.code = "123456",
	.service = "sshd",
};

static enum smsotp_sock_result
ask(struct fx *f, const struct smsotp_request *req,
    struct smsotp_helper_reply *rep, const char **why)
{
	*why = NULL;
	return smsotp_socket_request_at(NULL, 1, f->path, &f->trust,
	    DEADLINE_MS, req, rep, why);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_good_reply(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, REPLY, "status=BAD_CODE\nattempts_left=2\n");
	assert_int_equal(ask(f, &verify_req, &rep, &why), SMSOTP_SOCK_OK);
	assert_int_equal(rep.status, SMSOTP_BAD_CODE);
	assert_int_equal(rep.attempts_left, 2);
	assert_false(tu_pamlog_has(LOG_ERR, ""));
}

static void
test_sent_reply_fields(void **state)
{
	struct fx *f = *state;
	struct smsotp_request req = {
		.op = SMSOTP_OP_BEGIN, .user = "alice", .service = "sudo",
	};
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, REPLY, "status=SENT\nchallenge=" CHALLENGE
	    "\nmasked=%2B44%20%2A%2A21\nttl=300\nresend_after=30\n");
	assert_int_equal(ask(f, &req, &rep, &why), SMSOTP_SOCK_OK);
	assert_int_equal(rep.status, SMSOTP_SENT);
	assert_string_equal(rep.challenge, CHALLENGE);
	assert_string_equal(rep.masked, "+44 **21");
	assert_int_equal(rep.ttl, 300);
	collect(f);
	assert_non_null(strstr(f->got, "op=begin\n"));
}

/* The pipe's lines, one empty line after them, and only there. */
static void
test_request_bytes(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;
	char *first;

	start_server(f, REPLY, "status=OK\n");
	assert_int_equal(ask(f, &verify_req, &rep, &why), SMSOTP_SOCK_OK);
	assert_int_equal(rep.status, SMSOTP_OK);
	collect(f);
	assert_true(f->gotlen > 2);
	assert_memory_equal(f->got, "op=verify\n", 10);
	assert_non_null(strstr(f->got, "\ncode=123456\n"));
	assert_non_null(strstr(f->got, "\nchallenge=" CHALLENGE "\n"));
	first = strstr(f->got, "\n\n");
	assert_non_null(first);
	assert_true(first == f->got + f->gotlen - 2);
}

static void
test_malformed_reply(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, REPLY, "status=OK\nbogus=1\n");
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_NO_ANSWER);
	assert_int_equal(rep.status, 0);
	assert_true(tu_pamlog_has(LOG_ERR, "malformed reply: unexpected key"));
}

static void
test_unknown_status(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, REPLY, "status=WELCOME\n");
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_NO_ANSWER);
}

/* The server died after reading: sent, so never "unavailable". */
static void
test_closed_without_answer(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, CLOSE_AFTER, NULL);
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_NO_ANSWER);
	assert_null(why);
	assert_true(tu_pamlog_has(LOG_ERR, "closed without a reply"));
}

/*
 * Closed before the request was read: a write may meet EPIPE, which must
 * not raise SIGPIPE (it would kill this process, and a PAM host).
 */
static void
test_closed_at_once(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	start_server(f, AT_ONCE, NULL);
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_NO_ANSWER);
	assert_true(tu_pamlog_has(LOG_ERR, "service request failed"));
}

static void
test_never_answers(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	struct timespec t0;
	const char *why;
	long ms;

	start_server(f, NEVER, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_NO_ANSWER);
	ms = ms_since(&t0);
	assert_true(ms >= DEADLINE_MS - 10);
	assert_true(ms < DEADLINE_MS + 2000);
	assert_true(tu_pamlog_has(LOG_ERR, "timed out"));
}

static void
test_no_socket(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNAVAILABLE);
	assert_non_null(why);
	assert_false(tu_pamlog_has(LOG_ERR, ""));
}

/* A socket file left behind by a service that is gone. */
static void
test_nobody_listening(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	close(listen_at(f->path, -1));
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNAVAILABLE);
	assert_non_null(strstr(why, "refused"));
}

static void
test_regular_file(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;

	free(tu_write(f->dir, "socket", "status=OK\n", 0600));
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNTRUSTED);
	assert_null(why);
	assert_true(tu_pamlog_has(LOG_ERR, "is not a socket"));
	assert_false(tu_pamlog_has(LOG_ERR, "service request failed"));
}

/* lstat: a symlink is refused even when it leads to a good server. */
static void
test_symlink(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;
	char *link = tu_path(f->dir, "link");

	start_server(f, REPLY, "status=OK\n");
	assert_int_equal(symlink(f->path, link), 0);
	free(f->path);
	f->path = link;
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNTRUSTED);
	assert_true(tu_pamlog_has(LOG_ERR, "is not a socket"));
}

/* Our own socket, and a trusted list without us. */
static void
test_untrusted_owner(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;
	char want[128];

	start_server(f, REPLY, "status=OK\n");
	f->trust.uid[0] = geteuid() == 12345 ? 12346 : 12345;
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNTRUSTED);
	snprintf(want, sizeof(want), "is owned by uid %lu, not the test user",
	    (unsigned long)geteuid());
	assert_true(tu_pamlog_has(LOG_ERR, want));
	/* Nothing was sent: the server never got a byte. */
	(void)kill(f->pid, SIGKILL);
	(void)waitpid(f->pid, NULL, 0);
	f->pid = -1;
	collect(f);
	assert_int_equal(f->gotlen, 0);
}

/*
 * A socket file of a trusted uid whose server is another uid: root binds,
 * then drops to nobody before listen (SO_PEERCRED is taken at listen).
 */
static void
test_untrusted_peer(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	const char *why;
	char ready;
	int p[2], fd;

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(p), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		close(p[0]);
		fd = listen_at(f->path, -1);
		if (setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0 || listen(fd, 8) != 0 ||
		    write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ready, 1), 1);
	close(p[0]);
	/* root and a second trusted uid that is not the server's */
	f->trust.n = 2;
	f->trust.uid[0] = 0;
	f->trust.name[0] = "root";
	f->trust.uid[1] = 12345;
	f->trust.name[1] = "_smsotp";
	assert_int_equal(ask(f, &verify_req, &rep, &why),
	    SMSOTP_SOCK_UNTRUSTED);
	assert_true(tu_pamlog_has(LOG_ERR,
	    "server peer uid 65534 is neither root nor _smsotp"));
}

/* A full backlog: nothing sent, and not "unavailable" (no fallback). */
static void
test_backlog_full(void **state)
{
	struct fx *f = *state;
	struct smsotp_helper_reply rep;
	struct sockaddr_un sa;
	const char *why;
	int lfd = listen_at(f->path, 0);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(ask(f, &verify_req, &rep, &why), SMSOTP_SOCK_BUSY);
	assert_null(why);
	assert_true(tu_pamlog_has(LOG_ERR, "service busy"));
	close(c);
	close(lfd);
}

/* The pipe keeps its exact check; the socket has no exit status. */
static void
test_reply_parse_no_exit(void **state)
{
	struct smsotp_helper_reply rep;
	const char *why;
	static const char r[] = "status=LOCKED\n";

	(void)state;
	assert_int_equal(smsotp_helper_reply_parse(r, strlen(r),
	    SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_int_equal(rep.status, SMSOTP_LOCKED);
	assert_int_equal(smsotp_helper_reply_parse(r, strlen(r),
	    SMSOTP_LOCKED, &rep, &why), 0);
	assert_int_not_equal(smsotp_helper_reply_parse(r, strlen(r), -1,
	    &rep, &why), 0);
	assert_int_not_equal(smsotp_helper_reply_parse(r, strlen(r),
	    SMSOTP_OK, &rep, &why), 0);
}

#define HEX32 "0123456789abcdef0123456789abcdef"

/* SKIP carries its reason, GATEWAY_DOWN the service's failmode. */
static void
test_reply_parse_skip_and_failmode(void **state)
{
	struct smsotp_helper_reply rep;
	const char *why;
	static const char *const bad[] = {
		"status=SKIP\n", "status=SKIP\nreason=\n",
		"status=SKIP\nreason=Exempt\n",
		"status=SKIP\nreason=aaaaaaaaaaaaaaaaaaaaaaaa\n",
		"status=GATEWAY_DOWN\nfailmode=open\n",
		"status=OK\nfailmode=safe\n",
		"status=GATEWAY_DOWN\nchallenge=" HEX32 "\n",
		"status=GATEWAY_DOWN\nttl=300\n",
		"status=RATE_LIMITED\nretry_after=5\nchallenge=xyz\nttl=3\n",
	};
	static const char down[] = "status=GATEWAY_DOWN\nchallenge=" HEX32
	    "\nttl=300\n";
	static const char limited[] = "status=RATE_LIMITED\nretry_after=5\n"
	    "challenge=" HEX32 "\nttl=60\n";
	size_t i;

	(void)state;
	assert_int_equal(smsotp_helper_reply_parse("status=SKIP\nreason="
	    "exempt-group\n", 32, SMSOTP_SKIP, &rep, &why), 0);
	assert_string_equal(rep.reason, "exempt-group");
	assert_int_equal(smsotp_helper_reply_parse("status=GATEWAY_DOWN\n",
	    20, SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_int_equal(rep.failmode, 0);
	assert_int_equal(smsotp_helper_reply_parse("status=GATEWAY_DOWN\n"
	    "failmode=safe\n", 34, SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_int_equal(rep.failmode, 2);
	assert_int_equal(smsotp_helper_reply_parse("status=GATEWAY_DOWN\n"
	    "failmode=secure\n", 36, SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_int_equal(rep.failmode, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(smsotp_helper_reply_parse(bad[i],
		    strlen(bad[i]), SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	/* no text sent: a backup code's challenge */
	assert_int_equal(smsotp_helper_reply_parse(down, strlen(down),
	    SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_true(rep.backup && rep.ttl == 300);
	assert_string_equal(rep.challenge, HEX32);
	assert_int_equal(smsotp_helper_reply_parse(limited, strlen(limited),
	    SMSOTP_REPLY_NO_EXIT, &rep, &why), 0);
	assert_true(rep.backup && rep.ttl == 60 && rep.retry_after == 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sent_reply_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_request_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed_without_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed_at_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_never_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nobody_listening, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_regular_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_peer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backlog_full, setup,
		    teardown),
		cmocka_unit_test(test_reply_parse_no_exit),
		cmocka_unit_test(test_reply_parse_skip_and_failmode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
