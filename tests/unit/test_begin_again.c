/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_begin_again.c - a begin that names its PAM handle (ctx->bind): a
 * later begin for the same handle gets the live challenge again, with
 * nothing sent or counted, until the challenge is used, dead or expired;
 * decoy challenges the same.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/decoy.h"
#include "core/engine.h"
#include "engine_fixture.h"
#include "testutil.h"

#define T0 TU_T0
#define HANDLE_A "0123456789abcdef0123456789abcdef"
#define HANDLE_B "fedcba9876543210fedcba9876543210"

static int
setup(void **state)
{
	*state = tu_engine_new("alice +447700900123\n",
	    "message = \"%{code} is your %{service} code\";\n"
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; "
	    "path = \"@OUTBOX@\"; } );\n"
	    "limits = { resend_cooldown = 30; max_live_codes = 4; };\n");
	return 0;
}

static int
teardown(void **state)
{
	tu_engine_free(*state);
	return 0;
}

/* begin for user from the login named by handle (NULL: none). */
static int
begin(struct tu_engine_fx *f, const char *user, const char *handle, const char *rhost,
    struct smsotp_reply *r)
{
	f->ctx.bind = NULL;
	if (handle != NULL) {
		smsotp_handle_bind(f->key, user, handle, "sshd", rhost, "ssh",
		    f->bind);
		f->ctx.bind = f->bind;
	}
	memset(r, 0, sizeof(*r));
	return smsotp_begin(&f->ctx, user, "sshd", r);
}

static int
verify(struct tu_engine_fx *f, const char *user, const char *chal, const char *code,
    struct smsotp_reply *r)
{
	return smsotp_verify(&f->ctx, user, chal, code, strlen(code), r);
}

static void
test_same_handle_same_challenge(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, b, v;
	char code[16];

	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.7", &a),
	    SMSOTP_SENT);
	assert_int_equal(a.again, 0);
	assert_int_equal(tu_engine_texts(f, code), 1);
	/* a wrong code, 20 s later: the next begin for the handle */
	assert_int_equal(verify(f, "alice", a.challenge, "000000", &v),
	    SMSOTP_BAD_CODE);
	f->ctx.now = T0 + 20;
	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.7", &b),
	    SMSOTP_SENT);
	assert_int_equal(b.again, 1);
	assert_string_equal(b.challenge, a.challenge);
	assert_string_equal(b.masked, a.masked);
	assert_int_equal(b.ttl, 280);
	assert_int_equal(b.resend_after, 10);
	assert_int_equal(tu_engine_texts(f, code), 1);
	/* tries are per challenge: the first wrong code still counts */
	assert_int_equal(verify(f, "alice", b.challenge, "000001", &v),
	    SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 1);
	assert_int_equal(verify(f, "alice", b.challenge, code, &v), SMSOTP_OK);
	/* used: the next begin sends a new code */
	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.7", &b),
	    SMSOTP_SENT);
	assert_int_equal(b.again, 0);
	assert_string_not_equal(b.challenge, a.challenge);
	assert_int_equal(tu_engine_texts(f, code), 2);
}

static void
test_other_login_new_challenge(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, b;
	char code[16];

	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.7", &a),
	    SMSOTP_SENT);
	/* another handle, another rhost, no handle: each a new challenge */
	assert_int_equal(begin(f, "alice", HANDLE_B, "192.0.2.7", &b),
	    SMSOTP_SENT);
	assert_int_equal(b.again, 0);
	assert_string_not_equal(b.challenge, a.challenge);
	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.8", &b),
	    SMSOTP_SENT);
	assert_int_equal(b.again, 0);
	assert_int_equal(begin(f, "alice", NULL, NULL, &b), SMSOTP_SENT);
	assert_int_equal(b.again, 0);
	assert_int_equal(tu_engine_texts(f, code), 4);
	/* the first one still lives for its handle */
	assert_int_equal(begin(f, "alice", HANDLE_A, "192.0.2.7", &b),
	    SMSOTP_SENT);
	assert_int_equal(b.again, 1);
	assert_string_equal(b.challenge, a.challenge);
	assert_int_equal(tu_engine_texts(f, code), 4);
}

static void
test_dead_or_expired_new_challenge(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, b, v;
	char code[16];
	int i;

	/* out of tries */
	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &a), SMSOTP_SENT);
	for (i = 0; i < 3; i++)
		assert_int_equal(verify(f, "alice", a.challenge, "x", &v),
		    SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 0);
	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &b), SMSOTP_SENT);
	assert_int_equal(b.again, 0);
	assert_string_not_equal(b.challenge, a.challenge);
	assert_int_equal(tu_engine_texts(f, code), 2);
	/* expired: at its ttl, a new one */
	f->ctx.now = T0 + 299;
	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &a), SMSOTP_SENT);
	assert_int_equal(a.again, 1);
	assert_int_equal(a.ttl, 1);
	f->ctx.now = T0 + 300;
	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &a), SMSOTP_SENT);
	assert_int_equal(a.again, 0);
	assert_string_not_equal(a.challenge, b.challenge);
	assert_int_equal(tu_engine_texts(f, code), 3);
}

/* A resend keeps the binding: the new code is the one given again. */
static void
test_resend_keeps_binding(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, s, b, v;
	char code[16];

	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &a), SMSOTP_SENT);
	f->ctx.now = T0 + 30;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", a.challenge, "sshd",
	    &s), SMSOTP_SENT);
	assert_int_equal(s.again, 0);
	assert_int_equal(tu_engine_texts(f, code), 2);
	f->ctx.now = T0 + 40;
	assert_int_equal(begin(f, "alice", HANDLE_A, NULL, &b), SMSOTP_SENT);
	assert_int_equal(b.again, 1);
	assert_string_equal(b.challenge, a.challenge);
	assert_int_equal(b.ttl, 290);
	assert_int_equal(b.resend_after, 20);
	assert_int_equal(tu_engine_texts(f, code), 2);
	assert_int_equal(verify(f, "alice", b.challenge, code, &v), SMSOTP_OK);
}

/* A decoy (no number) is given again the same way: nothing to tell. */
static void
test_decoy_again(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, b, v;
	char code[16];

	assert_int_equal(begin(f, "mallory", HANDLE_A, NULL, &a), SMSOTP_SENT);
	assert_true(smsotp_decoy_id_check(f->key, "mallory", a.challenge,
	    &(int64_t){0}));
	assert_int_equal(a.again, 0);
	assert_int_equal(verify(f, "mallory", a.challenge, "123456", &v),
	    SMSOTP_BAD_CODE);
	assert_int_equal(begin(f, "mallory", HANDLE_A, NULL, &b), SMSOTP_SENT);
	assert_int_equal(b.again, 1);
	assert_string_equal(b.challenge, a.challenge);
	assert_string_equal(b.masked, a.masked);
	assert_int_equal(tu_engine_texts(f, code), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_handle_same_challenge,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_login_new_challenge,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_or_expired_new_challenge,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend_keeps_binding,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoy_again, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("begin_again", tests, NULL, NULL);
}
