/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_grace.c - policy.grace_period (core/grace.h) through begin and
 * verify: after a right code the same login skips with reason=grace; from
 * another rhost, service or tty, after the period (the injected clock),
 * after a reset, a new number, a lockout or a new boot it is asked again;
 * an unprivileged caller never gets one; a service's own period wins.
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

static struct tu_engine_fx *
fixture(const char *policy)
{
	char text[2048];
	struct tu_engine_fx *f;

	snprintf(text, sizeof(text),
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; "
	    "path = \"@OUTBOX@\"; } );\n"
	    "limits = { lockout_after = 2; lockout_time = 60; "
	    "resend_cooldown = 0; sends_per_user = 64; };\n"
	    "policy = { grace_period = 300; %s };\n", policy);
	f = tu_engine_new("alice +447700900123\n", text);
	f->ctx.privileged = 1;
	f->ctx.service = "sshd";
	f->ctx.rhost = "192.0.2.7";
	f->ctx.boot = "boot-1";
	return f;
}

/* A login with the right code: OK. */
static void
log_in(struct tu_engine_fx *f)
{
	struct smsotp_reply r, v;
	char code[16];
	int n = tu_engine_texts(f, NULL);

	assert_int_equal(smsotp_begin(&f->ctx, "alice", f->ctx.service, &r),
	    SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, code), n + 1);
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge, code,
	    strlen(code), &v), SMSOTP_OK);
}

/* What a begin answers now; SKIP only with reason=grace and no text. */
static int
asked(struct tu_engine_fx *f)
{
	struct smsotp_reply r;
	int n = tu_engine_texts(f, NULL);
	int st = smsotp_begin(&f->ctx, "alice", f->ctx.service, &r);

	if (st == SMSOTP_SKIP) {
		assert_string_equal(r.reason, "grace");
		assert_int_equal(tu_engine_texts(f, NULL), n);
		return 0;
	}
	assert_int_equal(st, SMSOTP_SENT);
	return 1;
}

static void
test_same_login_skips_others_asked(void **state)
{
	struct tu_engine_fx *f = fixture("");

	(void)state;
	assert_int_equal(asked(f), 1);	/* no grace before a right code */
	log_in(f);
	f->ctx.now += 299;
	assert_int_equal(asked(f), 0);
	f->ctx.rhost = "192.0.2.8";
	assert_int_equal(asked(f), 1);
	f->ctx.rhost = "192.0.2.7";
	f->ctx.service = "sudo";
	assert_int_equal(asked(f), 1);
	f->ctx.service = "sshd";
	assert_int_equal(asked(f), 0);
	f->ctx.now += 1;		/* 300 s after the code */
	assert_int_equal(asked(f), 1);
	tu_engine_free(f);
}

static void
test_local_login_by_tty(void **state)
{
	struct tu_engine_fx *f = fixture("");

	(void)state;
	f->ctx.service = "login";
	f->ctx.rhost = NULL;
	f->ctx.tty = "tty1";
	log_in(f);
	assert_int_equal(asked(f), 0);
	f->ctx.tty = "tty2";
	assert_int_equal(asked(f), 1);
	tu_engine_free(f);
}

static void
test_unprivileged_never(void **state)
{
	struct tu_engine_fx *f = fixture("");

	(void)state;
	f->ctx.privileged = 0;
	f->ctx.rhost = NULL;
	f->ctx.service = "login";
	log_in(f);
	assert_int_equal(asked(f), 1);
	tu_engine_free(f);
}

static void
test_reset_number_lockout_boot(void **state)
{
	struct tu_engine_fx *f = fixture("");
	struct smsotp_reply r, v;
	struct smsotp_state st;
	struct smsotp_txn txn;
	char why[320], *u;

	(void)state;
	/* reset: the state goes, and the grace with it */
	log_in(f);
	assert_int_equal(smsotp_state_begin(&f->store, "alice", 1000, &txn,
	    &st, why, sizeof(why)), SMSOTP_ST_OK);
	assert_int_equal(st.ngrace, 1);
	assert_int_equal(smsotp_state_remove(&txn, why, sizeof(why)), 0);
	smsotp_state_end(&txn);
	assert_int_equal(asked(f), 1);
	/* a new number is a new authenticator */
	log_in(f);
	u = tu_write(f->dir, "users", "alice +447700900999\n", 0644);
	free(u);
	assert_int_equal(asked(f), 1);
	/* a lockout clears it */
	log_in(f);
	f->ctx.service = "sudo";
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sudo", &r),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge,
	    "000000", 6, &v), SMSOTP_BAD_CODE);
	assert_int_equal(smsotp_verify(&f->ctx, "alice", r.challenge,
	    "000001", 6, &v), SMSOTP_LOCKED);
	f->ctx.service = "sshd";
	f->ctx.now += 61;		/* the lockout is over */
	assert_int_equal(asked(f), 1);
	/* a new boot */
	log_in(f);
	f->ctx.boot = "boot-2";
	assert_int_equal(asked(f), 1);
	tu_engine_free(f);
}

static void
test_survives_reboot_when_told(void **state)
{
	struct tu_engine_fx *f = fixture("grace_survives_reboot = true;");

	(void)state;
	log_in(f);
	f->ctx.boot = "boot-2";
	assert_int_equal(asked(f), 0);
	tu_engine_free(f);
}

static void
test_service_period(void **state)
{
	struct tu_engine_fx *f = fixture("services = { sudo = { grace_period "
	    "= 0; }; su = { grace_period = 30; }; };");

	(void)state;
	f->ctx.service = "sudo";
	log_in(f);
	assert_int_equal(asked(f), 1);
	f->ctx.service = "su";
	log_in(f);
	f->ctx.now += 29;
	assert_int_equal(asked(f), 0);
	f->ctx.now += 1;
	assert_int_equal(asked(f), 1);
	tu_engine_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_login_skips_others_asked),
		cmocka_unit_test(test_local_login_by_tty),
		cmocka_unit_test(test_unprivileged_never),
		cmocka_unit_test(test_reset_number_lockout_boot),
		cmocka_unit_test(test_survives_reboot_when_told),
		cmocka_unit_test(test_service_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
