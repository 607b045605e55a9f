/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_backup_fallback.c - backup codes when no text can be sent: a begin
 * that ends in GATEWAY_DOWN or RATE_LIMITED offers a challenge at which a
 * backup code logs in (to users without codes too, so that the offer
 * tells nothing); a decoy prompt of a user over the send limit takes one;
 * a locked-out user and an unknown name never get in with one.
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

#include <sodium.h>

#include "core/backup.h"
#include "core/engine.h"
#include "engine_fixture.h"
#include "testutil.h"

static char shown[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE];

static struct tu_engine_fx *
fixture(int reveal)
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
	    "limits = { sends_per_user = 2; lockout_after = 3; "
	    "resend_cooldown = 0; };\n"
	    "reveal_status = %s;\n", reveal ? "true" : "false");
	return tu_engine_new("alice +447700900123\nzed +33612345678\n"
	    "yan +33612345679\n", text);
}

/* A set of backup codes for user (the one set generated in main). */
static void
give_codes(struct tu_engine_fx *f, const char *user)
{
	struct smsotp_backup b;
	struct smsotp_state st;
	struct smsotp_txn txn;
	char why[320], again[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE];

	assert_int_equal(smsotp_state_begin(&f->store, user, 1000, &txn, &st,
	    why, sizeof(why)), SMSOTP_ST_OK);
	assert_int_equal(smsotp_backup_generate(&b, user, again), 0);
	memcpy(shown, again, sizeof(shown));
	assert_int_equal(smsotp_backup_save(&txn, &b, why, sizeof(why)), 0);
	smsotp_state_end(&txn);
}

static int
verify(struct tu_engine_fx *f, const char *user, const char *chal,
    const char *code)
{
	struct smsotp_reply v;

	return smsotp_verify(&f->ctx, user, chal, code, strlen(code), &v);
}

static void
test_gateway_down_offers_backup(void **state)
{
	struct tu_engine_fx *f = fixture(0);
	struct smsotp_reply r, r2;

	(void)state;
	give_codes(f, "zed");
	assert_int_equal(smsotp_begin(&f->ctx, "zed", "sshd", &r),
	    SMSOTP_GATEWAY_DOWN);
	assert_int_equal(strlen(r.challenge), SMSOTP_CHALLENGE_HEXLEN);
	assert_int_equal(r.ttl, 300);
	assert_int_equal(verify(f, "zed", r.challenge, "123456"),
	    SMSOTP_BAD_CODE);
	assert_int_equal(verify(f, "zed", r.challenge, shown[3]), SMSOTP_OK);
	/* a user without codes gets the same offer; nothing gets it in */
	assert_int_equal(smsotp_begin(&f->ctx, "yan", "sshd", &r2),
	    SMSOTP_GATEWAY_DOWN);
	assert_int_equal(strlen(r2.challenge), SMSOTP_CHALLENGE_HEXLEN);
	assert_int_equal(r2.ttl, r.ttl);
	assert_int_equal(verify(f, "yan", r2.challenge, shown[4]),
	    SMSOTP_BAD_CODE);
	tu_engine_free(f);
}

static void
test_send_budget_drained(void **state)
{
	struct tu_engine_fx *f = fixture(0);
	struct smsotp_reply r;

	(void)state;
	give_codes(f, "alice");
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 2);
	/* over the limit: a decoy prompt, no text, and a backup code works */
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 2);
	assert_int_equal(verify(f, "alice", r.challenge, shown[0]), SMSOTP_OK);
	tu_engine_free(f);
}

static void
test_rate_limited_offers_backup(void **state)
{
	struct tu_engine_fx *f = fixture(1);
	struct smsotp_reply r;

	(void)state;
	give_codes(f, "alice");
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_RATE_LIMITED);
	assert_true(r.retry_after > 0);
	assert_int_equal(strlen(r.challenge), SMSOTP_CHALLENGE_HEXLEN);
	assert_int_equal(verify(f, "alice", r.challenge, shown[1]), SMSOTP_OK);
	tu_engine_free(f);
}

static void
test_locked_stays_locked(void **state)
{
	struct tu_engine_fx *f = fixture(0);
	struct smsotp_reply r;
	int i;

	(void)state;
	give_codes(f, "alice");
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	for (i = 0; i < 3; i++)
		(void)verify(f, "alice", r.challenge, "000000");
	/* locked: the prompt is a decoy's, and a backup code does not open */
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_not_equal(verify(f, "alice", r.challenge, shown[2]),
	    SMSOTP_OK);
	f->ctx.now += 24 * 3600;	/* the lockout is over */
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(verify(f, "alice", r.challenge, shown[2]), SMSOTP_OK);
	tu_engine_free(f);
}

static void
test_unknown_name_never(void **state)
{
	struct tu_engine_fx *f = fixture(0);
	struct smsotp_reply r;

	(void)state;
	give_codes(f, "ghost");	/* codes under a name NSS does not know */
	f->ctx.unknown_user = 1;
	assert_int_equal(smsotp_begin(&f->ctx, "ghost", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(verify(f, "ghost", r.challenge, shown[0]),
	    SMSOTP_BAD_CODE);
	tu_engine_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_down_offers_backup),
		cmocka_unit_test(test_send_budget_drained),
		cmocka_unit_test(test_rate_limited_offers_backup),
		cmocka_unit_test(test_locked_stays_locked),
		cmocka_unit_test(test_unknown_name_never),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
