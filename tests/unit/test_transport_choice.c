/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_transport_choice.c - which transport serves a request
 * (pam_smsotp/transport_choice.c): exec alone, the socket alone, or the
 * socket with exec only when nothing was sent for want of a service. The
 * socket client and the helper run are replaced (-Wl,--wrap) by stubs
 * that give a chosen outcome and count their calls.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <syslog.h>

#include "args.h"
#include "pamlog.h"
#include "proto/proto.h"
#include "run_helper.h"
#include "socket_client.h"
#include "transport_choice.h"

static enum smsotp_sock_result sock_gives;
static int sock_calls, exec_calls;

enum smsotp_sock_result __wrap_smsotp_socket_request(pam_handle_t *pamh,
    int debug, const struct smsotp_request *req,
    struct smsotp_helper_reply *rep, const char **unavail_why);
int __wrap_smsotp_run_helper(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep);

enum smsotp_sock_result
__wrap_smsotp_socket_request(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep,
    const char **unavail_why)
{
	(void)pamh;
	(void)debug;
	(void)req;
	sock_calls++;
	memset(rep, 0, sizeof(*rep));
	*unavail_why = sock_gives == SMSOTP_SOCK_UNAVAILABLE ?
	    "no such socket" : NULL;
	if (sock_gives == SMSOTP_SOCK_OK)
		rep->status = SMSOTP_OK;
	return sock_gives;
}

int
__wrap_smsotp_run_helper(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep)
{
	(void)pamh;
	(void)debug;
	(void)req;
	exec_calls++;
	memset(rep, 0, sizeof(*rep));
	rep->status = SMSOTP_BAD_CODE;
	return 0;
}

static const struct smsotp_request req = {
	.op = SMSOTP_OP_VERIFY, .user = "alice",
	.challenge = "0123456789abcdef0123456789abcdef", .code = "1",
};

/* One request by transport t when the socket gives g. */
static int
run(enum smsotp_transport t, enum smsotp_sock_result g,
    struct smsotp_helper_reply *rep)
{
	struct smsotp_args a;

	memset(&a, 0, sizeof(a));
	a.transport = t;
	a.debug = 1;
	sock_gives = g;
	sock_calls = exec_calls = 0;
	tu_pamlog_reset();
	return smsotp_transport_request(NULL, &a, &req, rep);
}

static void
test_exec_only(void **state)
{
	struct smsotp_helper_reply rep;

	(void)state;
	assert_int_equal(run(SMSOTP_TRANSPORT_EXEC, SMSOTP_SOCK_OK, &rep), 0);
	assert_int_equal(sock_calls, 0);
	assert_int_equal(exec_calls, 1);
	assert_int_equal(rep.status, SMSOTP_BAD_CODE);
	assert_true(tu_pamlog_has(LOG_DEBUG, "served by exec"));
}

static void
test_socket_serves(void **state)
{
	static const enum smsotp_transport ts[] = {
		SMSOTP_TRANSPORT_AUTO, SMSOTP_TRANSPORT_SOCKET,
	};
	struct smsotp_helper_reply rep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		assert_int_equal(run(ts[i], SMSOTP_SOCK_OK, &rep), 0);
		assert_int_equal(sock_calls, 1);
		assert_int_equal(exec_calls, 0);
		assert_int_equal(rep.status, SMSOTP_OK);
		assert_true(tu_pamlog_has(LOG_DEBUG, "served by the socket"));
	}
}

/* auto: no service there, nothing sent: the helper is exec'd. */
static void
test_auto_falls_back(void **state)
{
	struct smsotp_helper_reply rep;

	(void)state;
	assert_int_equal(run(SMSOTP_TRANSPORT_AUTO, SMSOTP_SOCK_UNAVAILABLE,
	    &rep), 0);
	assert_int_equal(sock_calls, 1);
	assert_int_equal(exec_calls, 1);
	assert_int_equal(rep.status, SMSOTP_BAD_CODE);
	assert_false(tu_pamlog_has(LOG_ERR, ""));
}

static void
test_socket_unavailable_is_error(void **state)
{
	struct smsotp_helper_reply rep;

	(void)state;
	assert_int_equal(run(SMSOTP_TRANSPORT_SOCKET, SMSOTP_SOCK_UNAVAILABLE,
	    &rep), -1);
	assert_int_equal(exec_calls, 0);
	assert_true(tu_pamlog_has(LOG_ERR, "transport=socket"));
}

/* Untrusted, busy, local errors and sent-without-answer: never exec. */
static void
test_no_fallback(void **state)
{
	static const enum smsotp_sock_result gs[] = {
		SMSOTP_SOCK_UNTRUSTED, SMSOTP_SOCK_BUSY, SMSOTP_SOCK_ERROR,
		SMSOTP_SOCK_NO_ANSWER,
	};
	static const enum smsotp_transport ts[] = {
		SMSOTP_TRANSPORT_AUTO, SMSOTP_TRANSPORT_SOCKET,
	};
	struct smsotp_helper_reply rep;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
		for (j = 0; j < sizeof(ts) / sizeof(ts[0]); j++) {
			assert_int_equal(run(ts[j], gs[i], &rep), -1);
			assert_int_equal(sock_calls, 1);
			assert_int_equal(exec_calls, 0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_only),
		cmocka_unit_test(test_socket_serves),
		cmocka_unit_test(test_auto_falls_back),
		cmocka_unit_test(test_socket_unavailable_is_error),
		cmocka_unit_test(test_no_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
