/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_transport.c - the transport face (server/transport.h) with the pipe
 * transport: one request with its caller, then no more; a request that
 * never ends, is too long or malformed is refused by its deadline; replies
 * carry exactly their status's keys (proto/ops.h), which also bound the
 * requests.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "proto/ops.h"
#include "server/transport.h"

struct fx {
	int saved_in, saved_out;
	int in_w;		/* we write the request here */
	int out_r;		/* and read the reply here */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int in[2], out[2];

	assert_non_null(f);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	f->saved_in = dup(STDIN_FILENO);
	f->saved_out = dup(STDOUT_FILENO);
	assert_true(f->saved_in >= 0 && f->saved_out >= 0);
	assert_int_equal(dup2(in[0], STDIN_FILENO), STDIN_FILENO);
	assert_int_equal(dup2(out[1], STDOUT_FILENO), STDOUT_FILENO);
	close(in[0]);
	close(out[1]);
	f->in_w = in[1];
	f->out_r = out[0];
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	(void)dup2(f->saved_in, STDIN_FILENO);
	(void)dup2(f->saved_out, STDOUT_FILENO);
	close(f->saved_in);
	close(f->saved_out);
	if (f->in_w >= 0)
		close(f->in_w);
	close(f->out_r);
	free(f);
	return 0;
}

static void
send_req(struct fx *f, const char *s, int end)
{
	assert_int_equal(write(f->in_w, s, strlen(s)), (ssize_t)strlen(s));
	if (end) {
		close(f->in_w);
		f->in_w = -1;
	}
}

static void
test_one_request_with_its_caller(void **state)
{
	struct fx *f = *state;
	struct smsotp_transport t;
	struct smsotp_inbound in;
	struct smsotp_reply r;
	char buf[512];
	ssize_t n;
	double t0 = smsotp_mono();

	assert_int_equal(smsotp_transport_pipe(&t, 5), 0);
	send_req(f, "op=begin\nuser=alice\nservice=sshd\n", 1);
	assert_int_equal(t.ops->next(&t, &in), 1);
	assert_string_equal(smsotp_msg_get(&in.msg, "op"), "begin");
	assert_string_equal(smsotp_msg_get(&in.msg, "user"), "alice");
	assert_int_equal(in.caller.uid, getuid());
	assert_true(in.started >= t0 && in.deadline > in.started + 4);
	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_SENT;
	memcpy(r.challenge, "0123456789abcdef0123456789abcdef", 33);
	memcpy(r.masked, "+44******123", 13);
	r.ttl = 300;
	r.resend_after = 30;
	r.retry_after = 99;	/* not SENT's: never sent */
	assert_int_equal(t.ops->reply(&t, &in, &r), 0);
	n = read(f->out_r, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "status=SENT\n"
	    "challenge=0123456789abcdef0123456789abcdef\n"
	    "masked=+44%2A%2A%2A%2A%2A%2A123\nttl=300\nresend_after=30\n");
	/* one request per execution */
	assert_int_equal(t.ops->next(&t, &in), 0);
	t.ops->close(&t);
}

static void
test_refused_by_deadline_size_and_form(void **state)
{
	struct fx *f = *state;
	struct smsotp_transport t;
	struct smsotp_inbound in;
	double t0;

	/* a caller that never ends its request holds nothing past the budget */
	assert_int_equal(smsotp_transport_pipe(&t, 0.2), 0);
	send_req(f, "op=begin\nuser=alice\n", 0);
	t0 = smsotp_mono();
	assert_int_equal(t.ops->next(&t, &in), -1);
	assert_true(smsotp_mono() - t0 >= 0.18 && smsotp_mono() - t0 < 1.0);
	assert_int_equal(t.ops->next(&t, &in), 0);
	t.ops->close(&t);
}

static void
test_oversized_and_malformed(void **state)
{
	struct fx *f = *state;
	struct smsotp_transport t;
	struct smsotp_inbound in;
	char *big = malloc(SMSOTP_PROTO_MAX_MSG + 2);
	pid_t pid;

	assert_non_null(big);
	memset(big, 'a', SMSOTP_PROTO_MAX_MSG + 1);
	big[SMSOTP_PROTO_MAX_MSG + 1] = '\0';
	/* the pipe holds less than the request: a writer process feeds it */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_exit(write(f->in_w, big, SMSOTP_PROTO_MAX_MSG + 1) > 0 ? 0 : 1);
	}
	close(f->in_w);
	f->in_w = -1;
	assert_int_equal(smsotp_transport_pipe(&t, 5), 0);
	assert_int_equal(t.ops->next(&t, &in), -1);
	t.ops->close(&t);
	free(big);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
}

static void
test_malformed(void **state)
{
	struct fx *f = *state;
	struct smsotp_transport t;
	struct smsotp_inbound in;
	struct smsotp_reply r;
	char buf[64];
	ssize_t n;

	assert_int_equal(smsotp_transport_pipe(&t, 5), 0);
	send_req(f, "op=begin\nuser=alice", 1);	/* no final newline */
	assert_int_equal(t.ops->next(&t, &in), -1);
	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_ERROR;
	assert_int_equal(t.ops->reply(&t, &in, &r), 0);
	n = read(f->out_r, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "status=ERROR\n");
	t.ops->close(&t);
}

/* Every status's reply parses and carries exactly its table's keys. */
static void
test_replies_follow_the_table(void **state)
{
	struct smsotp_reply r;
	struct smsotp_msg m;
	const char *why, *bad;
	char buf[1024];
	size_t len;
	int st, i;

	(void)state;
	for (st = 0; st <= SMSOTP_STATUS_MAX; st++) {
		memset(&r, 0, sizeof(r));
		r.status = st;
		r.until = 5;
		r.reason = "exempt-group";	/* SKIP: required */
		memset(r.challenge, 'a', SMSOTP_CHALLENGE_HEXLEN);	/* SENT */
		assert_int_equal(smsotp_reply_format(&r, buf, sizeof(buf), &len),
		    0);
		assert_int_equal(smsotp_msg_parse(buf, len, &m, &why), 0);
		assert_int_equal(smsotp_msg_check_keys(&m,
		    smsotp_replies[st].keys, &bad), 0);
		for (i = 0; i < smsotp_replies[st].nreq; i++)
			assert_non_null(smsotp_msg_get(&m,
			    smsotp_replies[st].keys[i]));
		assert_string_equal(smsotp_msg_get(&m, "status"),
		    smsotp_status_name(st));
		smsotp_msg_free(&m);
	}
	/* LOCKED without a known end says nothing of one */
	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_LOCKED;
	assert_int_equal(smsotp_reply_format(&r, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "status=LOCKED\n");
	/* SENT says again=1 only for a challenge given again */
	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_SENT;
	memset(r.challenge, 'a', SMSOTP_CHALLENGE_HEXLEN);
	strcpy(r.masked, "+44123");
	r.ttl = 280;
	assert_int_equal(smsotp_reply_format(&r, buf, sizeof(buf), &len), 0);
	assert_null(strstr(buf, "again"));
	r.again = 1;
	assert_int_equal(smsotp_reply_format(&r, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\nttl=280\nresend_after=0\nagain=1\n"));
	r.status = SMSOTP_STATUS_MAX + 1;
	assert_int_equal(smsotp_reply_format(&r, buf, sizeof(buf), &len), -1);
	r.status = SMSOTP_OK;
	assert_int_equal(smsotp_reply_format(&r, buf, 4, &len), -1);
}

/* The request side of the table: stray and missing keys are named. */
static void
test_requests_follow_the_table(void **state)
{
	struct smsotp_msg m;
	const char *why, *bad;
	char buf[1024];
	size_t len;
	int op, i;

	(void)state;
	for (op = 0; op < SMSOTP_OP_COUNT; op++) {
		assert_int_equal(smsotp_op_from_name(smsotp_ops[op].name), op);
		len = 0;
		buf[0] = '\0';
		for (i = 0; smsotp_ops[op].keys[i] != NULL; i++)
			assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &len,
			    smsotp_ops[op].keys[i], "1"), 0);
		assert_int_equal(smsotp_msg_parse(buf, len, &m, &why), 0);
		assert_int_equal(smsotp_op_check(op, &m, &bad), 0);
		smsotp_msg_free(&m);
		/* a stray key */
		assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &len, "uid",
		    "0"), 0);
		assert_int_equal(smsotp_msg_parse(buf, len, &m, &why), 0);
		assert_int_equal(smsotp_op_check(op, &m, &bad), -1);
		assert_string_equal(bad, "uid");
		smsotp_msg_free(&m);
		/* only "op": the first other required key is missing */
		len = 0;
		assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &len, "op",
		    smsotp_ops[op].name), 0);
		assert_int_equal(smsotp_msg_parse(buf, len, &m, &why), 0);
		assert_int_equal(smsotp_op_check(op, &m, &bad), -1);
		assert_string_equal(bad, smsotp_ops[op].required[1]);
		smsotp_msg_free(&m);
	}
	assert_int_equal(smsotp_op_from_name("reset"), -1);
	assert_int_equal(smsotp_op_from_name(NULL), -1);
	assert_string_equal(smsotp_ops[SMSOTP_OP_VERIFY].required[3], "code");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_request_with_its_caller,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_by_deadline_size_and_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_malformed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test(test_replies_follow_the_table),
		cmocka_unit_test(test_requests_follow_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
