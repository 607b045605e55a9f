/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_decisions.c - what begin, resend and verify note in the user's
 * state for smsotpctl status (store/state.h decisions): a code sent, a
 * decoy and why (send limit, lockout, no number), a skip and its rule, a
 * failed send, wrong and right codes, the lockout, with the service and a
 * privileged caller's rhost; never more than the newest few.
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

#include "core/engine.h"
#include "engine_fixture.h"
#include "testutil.h"

static int
setup_conf(void **state, int reveal)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; "
	    "path = \"@OUTBOX@\"; },\n"
	    "  { name = \"down\"; type = \"command\"; "
	    "argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; },\n"
	    "  { prefix = \"+33\"; gateways = [ \"down\" ]; } );\n"
	    "limits = { sends_per_user = 3; lockout_after = 2; "
	    "resend_cooldown = 0; };\n"
	    "reveal_status = %s;\n", reveal ? "true" : "false");
	*state = tu_engine_new("alice +447700900123\nzed +33612345678\n",
	    text);
	return 0;
}

static int
setup(void **state)
{
	return setup_conf(state, 0);
}

static int
setup_reveal(void **state)
{
	return setup_conf(state, 1);
}

static int
teardown(void **state)
{
	tu_engine_free(*state);
	return 0;
}

/* The user's state as the store holds it now. */
static void
load(struct tu_engine_fx *f, const char *user, struct smsotp_state *st)
{
	struct smsotp_txn txn;
	char why[320];

	assert_int_equal(smsotp_state_begin(&f->store, user, 1000, &txn, st,
	    why, sizeof(why)), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
}

/* Decision i (negative: from the newest) is kind for why. */
static void
assert_decision(const struct smsotp_state *st, int i, int kind, int why)
{
	if (i < 0)
		i += st->ndec;
	assert_true(i >= 0 && i < st->ndec);
	if (st->dec[i].kind != kind || st->dec[i].why != why)
		fail_msg("decision %d: %s %s, want %s %s", i,
		    smsotp_decision_token(st->dec[i].kind),
		    smsotp_why_token(st->dec[i].why),
		    smsotp_decision_token(kind), smsotp_why_token(why));
}

static int
begin(struct tu_engine_fx *f, const char *user, struct smsotp_reply *r)
{
	return smsotp_begin(&f->ctx, user, "sshd", r);
}

static void
test_sent_wrong_right(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r, v;
	char code[16];

	f->ctx.service = "sshd";
	f->ctx.rhost = "192.0.2.7";
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, code), 1);
	f->ctx.now += 5;
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge,
	    "000000", 6, &v), SMSOTP_BAD_CODE);
	f->ctx.now += 5;
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge, code,
	    strlen(code), &v), SMSOTP_OK);
	load(f, "alice", &st);
	assert_int_equal(st.ndec, 3);
	assert_decision(&st, 0, SMSOTP_DK_SENT, SMSOTP_WHY_NONE);
	assert_decision(&st, 1, SMSOTP_DK_WRONG, SMSOTP_WHY_NONE);
	/* the right code's state is the one before its attempt: no 2nd wrong */
	assert_decision(&st, 2, SMSOTP_DK_ACCEPTED, SMSOTP_WHY_NONE);
	assert_true(st.dec[0].at == TU_T0 && st.dec[2].at == TU_T0 + 10);
	assert_string_equal(st.dec[0].service, "sshd");
	assert_string_equal(st.dec[0].rhost, "192.0.2.7");
}

static void
test_decoy_send_limit(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 3);
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);	/* a decoy */
	assert_int_equal(tu_engine_texts(f, NULL), 3);
	load(f, "alice", &st);
	assert_int_equal(st.ndec, 4);
	assert_decision(&st, -1, SMSOTP_DK_DECOY, SMSOTP_WHY_SEND_LIMIT);
	/* its code is refused as a decoy's */
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge, "123456",
	    6, &r), SMSOTP_BAD_CODE);
	load(f, "alice", &st);
	assert_decision(&st, -1, SMSOTP_DK_WRONG,
	    SMSOTP_WHY_DECOY_CHALLENGE);
}

static void
test_lockout_then_decoy(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r, v;

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge, "000000",
	    6, &v), SMSOTP_BAD_CODE);
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge, "000001",
	    6, &v), SMSOTP_LOCKED);
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);	/* a decoy */
	assert_int_equal(tu_engine_texts(f, NULL), 1);
	load(f, "alice", &st);
	assert_decision(&st, -3, SMSOTP_DK_WRONG, SMSOTP_WHY_NONE);
	assert_decision(&st, -2, SMSOTP_DK_LOCKED_OUT, SMSOTP_WHY_NONE);
	assert_decision(&st, -1, SMSOTP_DK_DECOY, SMSOTP_WHY_LOCKED);
}

static void
test_no_phone(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r;

	/* a known user without a number: with nullok a skip, noted */
	f->ctx.nullok = 1;
	assert_int_equal(begin(f, "carol", &r), SMSOTP_NO_PHONE);
	load(f, "carol", &st);
	assert_int_equal(st.ndec, 1);
	assert_decision(&st, 0, SMSOTP_DK_SKIPPED, SMSOTP_WHY_NULLOK);
	/* without it, a decoy prompt */
	f->ctx.nullok = 0;
	assert_int_equal(begin(f, "carol", &r), SMSOTP_SENT);
	load(f, "carol", &st);
	assert_decision(&st, -1, SMSOTP_DK_DECOY, SMSOTP_WHY_NO_PHONE);
	assert_int_equal(tu_engine_texts(f, NULL), 0);
}

static void
test_send_failed(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r;

	assert_int_equal(begin(f, "zed", &r), SMSOTP_GATEWAY_DOWN);
	load(f, "zed", &st);
	/* the only challenge left is the backup code's (a decoy one) */
	assert_int_equal(st.nchal, 1);
	assert_string_equal(st.chal[0].id, r.challenge);
	assert_int_equal(st.ndec, 1);
	assert_decision(&st, 0, SMSOTP_DK_SEND_FAILED, SMSOTP_WHY_GATEWAY_DOWN);
}

static void
test_again_and_resend(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r, a;

	memset(f->bind, 0x5a, sizeof(f->bind));
	f->ctx.bind = f->bind;
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_int_equal(begin(f, "alice", &a), SMSOTP_SENT);
	assert_int_equal(a.again, 1);
	f->ctx.now += 1;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd",
	    &a), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 2);
	load(f, "alice", &st);
	assert_int_equal(st.ndec, 3);
	assert_decision(&st, 0, SMSOTP_DK_SENT, SMSOTP_WHY_NONE);
	assert_decision(&st, 1, SMSOTP_DK_AGAIN, SMSOTP_WHY_NONE);
	assert_decision(&st, 2, SMSOTP_DK_RESENT, SMSOTP_WHY_NONE);
}

static void
test_newest_kept(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r, v;
	int i;

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	for (i = 0; i < SMSOTP_MAX_DECISIONS + 2; i++) {
		f->ctx.now += 1;
		/* a right guess is not the point: the answer is the count */
		(void)smsotp_verify(&f->ctx, "alice", "0123456789abcdef"
		    "0123456789abcdef", "000000", 6, &v);
		(void)smsotp_begin(&f->ctx, "alice", "sshd", &r);
	}
	load(f, "alice", &st);
	assert_int_equal(st.ndec, SMSOTP_MAX_DECISIONS);
	assert_true(st.dec[SMSOTP_MAX_DECISIONS - 1].at == f->ctx.now);
	for (i = 1; i < st.ndec; i++)
		assert_true(st.dec[i - 1].at <= st.dec[i].at);
}

/* reveal_status: the refusal is told to the caller, and noted as one. */
static void
test_refused_revealed(void **state)
{
	struct tu_engine_fx *f = *state;
	static struct smsotp_state st;
	struct smsotp_reply r;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_int_equal(begin(f, "alice", &r), SMSOTP_RATE_LIMITED);
	load(f, "alice", &st);
	assert_decision(&st, -1, SMSOTP_DK_REFUSED, SMSOTP_WHY_SEND_LIMIT);
	f->ctx.nullok = 0;
	assert_int_equal(begin(f, "carol", &r), SMSOTP_NO_PHONE);
	load(f, "carol", &st);
	assert_decision(&st, -1, SMSOTP_DK_REFUSED, SMSOTP_WHY_NO_PHONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent_wrong_right, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decoy_send_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lockout_then_decoy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_phone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_failed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_again_and_resend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newest_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_revealed,
		    setup_reveal, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
