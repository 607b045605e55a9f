/*
 * test_engine.c - begin/resend/verify against a real state directory and
 * the outbox gateway, with an injected clock.
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

#include "core/engine.h"
#include "testutil.h"

#define T0 1800000000LL

struct fx {
	char *dir;
	char *statedir;
	char *outbox;
	struct smsotp_conf conf;
	struct smsotp_store store;
	unsigned char key[SMSOTP_KEY_LEN];
	struct smsotp_ctx ctx;
};

static int
make(void **state, const char *extra, const char *message)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct smsotp_conf_opts o = { geteuid() };
	struct smsotp_errs e;
	char text[2048], why[320], *users, *cf;

	assert_int_equal(smsotp_crypto_init(), 0);
	f->dir = tu_tmpdir();
	f->statedir = tu_path(f->dir, "state");
	f->outbox = tu_path(f->dir, "outbox");
	assert_int_equal(mkdir(f->statedir, 0770), 0);
	users = tu_write(f->dir, "users", "# users\nalice +447700900123\n"
	    "bob 07700 900456\n", 0644);
	snprintf(text, sizeof(text),
	    "message = \"%s\";\n"
	    "phones = { file = \"%s\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"%s\"; },\n"
	    "             { name = \"broken\"; type = \"outbox\"; "
	    "path = \"%s/missing/dir/outbox\"; },\n"
	    "             { name = \"down\"; type = \"command\"; "
	    "argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; },\n"
	    "           { prefix = \"+33\"; gateways = [ \"down\" ]; },\n"
	    "           { prefix = \"+1\"; gateways = [ \"broken\" ]; } );\n"
	    "reveal_status = true;\n%s\n",	/* explicit answers; decoys: test_limits */
	    message != NULL ? message : "%{code} is your %{service} code",
	    users, f->outbox, f->dir, extra != NULL ? extra : "");
	cf = tu_write(f->dir, "smsotp.conf", text, 0600);
	memset(&e, 0, sizeof(e));
	if (smsotp_conf_load(cf, &o, &f->conf, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg[0]);
		fail();
	}
	assert_int_equal(smsotp_store_open(f->statedir, geteuid(), &f->store,
	    why, sizeof(why)), 0);
	{
		size_t i;
		for (i = 0; i < sizeof(f->key); i++)
			f->key[i] = (unsigned char)(i * 7 + 1);
	}
	f->ctx.conf = &f->conf;
	f->ctx.store = &f->store;
	f->ctx.key = f->key;
	f->ctx.now = T0;
	f->ctx.host = "bastion";
	f->ctx.conf_owner = geteuid();
	f->ctx.lock_wait_ms = 1000;
	f->ctx.deadline = smsotp_mono() + 10;
	free(users);
	free(cf);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return make(state, NULL, NULL);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	smsotp_store_close(&f->store);
	smsotp_conf_free(&f->conf);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->statedir);
	free(f->outbox);
	free(f);
	return 0;
}

/* Number of lines in the outbox, and the code of the last one. */
static int
last_code(struct fx *f, char code[16])
{
	FILE *fp = fopen(f->outbox, "r");
	char line[1024];
	int n = 0;

	code[0] = '\0';
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *text = strchr(line, '\t');
		n++;
		assert_non_null(text);
		text = strchr(text + 1, '\t');
		assert_non_null(text);
		sscanf(text + 1, "%15[0-9]", code);
	}
	fclose(fp);
	return n;
}

static int
begin(struct fx *f, const char *user, struct smsotp_reply *r)
{
	return smsotp_begin(&f->ctx, user, "sshd", r);
}

static int
verify(struct fx *f, const char *user, const char *chal, const char *code,
    struct smsotp_reply *r)
{
	return smsotp_verify(&f->ctx, user, chal, code, strlen(code), r);
}

static void
test_right_code_once(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, v;
	char code[16], line[256];
	struct stat st;
	FILE *fp;

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	assert_true(smsotp_challenge_ok(r.challenge));
	assert_string_equal(r.masked, "+44\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"
	    "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "123");
	assert_int_equal(r.ttl, 300);
	assert_int_equal(r.resend_after, 30);
	assert_int_equal(last_code(f, code), 1);
	assert_int_equal(strlen(code), 6);
	/* the outbox line: time, number, text; file mode 0600 */
	fp = fopen(f->outbox, "r");
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_non_null(strstr(line, "Z\t+447700900123\t"));
	assert_non_null(strstr(line, " is your sshd code\n"));
	assert_int_equal(stat(f->outbox, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_OK);
	/* single use: the same code again is dead */
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
}

static void
test_wrong_codes_end_challenge(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, v;
	char code[16], wrong[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	last_code(f, code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(verify(f, "alice", r.challenge, wrong, &v), SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 2);
	assert_int_equal(verify(f, "alice", r.challenge, "abc", &v), SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 1);
	assert_int_equal(verify(f, "alice", r.challenge, "", &v), SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 0);
	/* the challenge died with its last attempt: the right code fails */
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
}

static void
test_expiry(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	last_code(f, code);
	f->ctx.now = T0 + 300;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
	f->ctx.now = T0 + 299;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
}

static void
test_just_before_expiry(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	last_code(f, code);
	f->ctx.now = T0 + 299;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_OK);
}

static void
test_challenge_binding(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply a, b, v;
	char ca[16], cb[16];

	assert_int_equal(begin(f, "alice", &a), SMSOTP_SENT);
	last_code(f, ca);
	assert_int_equal(begin(f, "alice", &b), SMSOTP_SENT);
	last_code(f, cb);
	assert_string_not_equal(a.challenge, b.challenge);
	if (strcmp(ca, cb) != 0)
		assert_int_equal(verify(f, "alice", b.challenge, ca, &v),
		    SMSOTP_BAD_CODE);
	assert_int_equal(verify(f, "alice", a.challenge, ca, &v), SMSOTP_OK);
	/* another user's challenge id is unknown for bob */
	assert_int_equal(verify(f, "bob", b.challenge, cb, &v), SMSOTP_EXPIRED);
	assert_int_equal(verify(f, "alice", b.challenge, cb, &v), SMSOTP_OK);
}

static void
test_resend(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, s, v;
	char old[16], fresh[16], wrong[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	last_code(f, old);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(old) + 1) % 1000000);
	assert_int_equal(verify(f, "alice", r.challenge, wrong, &v), SMSOTP_BAD_CODE);
	f->ctx.now = T0 + 10;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd", &s),
	    SMSOTP_RATE_LIMITED);
	assert_int_equal(s.retry_after, 20);
	assert_int_equal(last_code(f, fresh), 1);
	f->ctx.now = T0 + 30;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd", &s),
	    SMSOTP_SENT);
	assert_string_equal(s.challenge, r.challenge);
	assert_int_equal(last_code(f, fresh), 2);
	if (strcmp(old, fresh) != 0) {
		/* the old code is dead; attempts are kept: 1 used before */
		assert_int_equal(verify(f, "alice", r.challenge, old, &v),
		    SMSOTP_BAD_CODE);
		assert_int_equal(v.attempts_left, 1);
	}
	/* the new code lives a full ttl from the resend */
	f->ctx.now = T0 + 30 + 299;
	assert_int_equal(verify(f, "alice", r.challenge, fresh, &v), SMSOTP_OK);
	/* resend of a dead challenge */
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd", &s),
	    SMSOTP_EXPIRED);
}

static void
test_send_limit(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r;
	int i;

	for (i = 0; i < 5; i++) {
		f->ctx.now = T0 + i;
		assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	}
	f->ctx.now = T0 + 100;
	assert_int_equal(begin(f, "alice", &r), SMSOTP_RATE_LIMITED);
	assert_int_equal(r.retry_after, 800);
	/* another user is not affected */
	assert_int_equal(begin(f, "bob", &r), SMSOTP_SENT);
	/* the window slides */
	f->ctx.now = T0 + 900;
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
}

static void
test_live_codes_capped(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r[4], v;
	char codes[4][16];
	int i;

	for (i = 0; i < 4; i++) {
		f->ctx.now = T0 + i;
		assert_int_equal(begin(f, "alice", &r[i]), SMSOTP_SENT);
		last_code(f, codes[i]);
	}
	/* max_live_codes = 3: the oldest was dropped */
	assert_int_equal(verify(f, "alice", r[0].challenge, codes[0], &v),
	    SMSOTP_EXPIRED);
	for (i = 1; i < 4; i++)
		assert_int_equal(verify(f, "alice", r[i].challenge, codes[i], &v),
		    SMSOTP_OK);
}

static int
setup_lockout(void **state)
{
	return make(state, "limits = { lockout_after = 4; lockout_time = 60; "
	    "lockout_max = 200; sends_per_user = 50; resend_cooldown = 0; };", NULL);
}

static void
test_lockout(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];
	int i, round;
	static const long expect[] = { 60, 120, 200, 200 };

	for (round = 0; round < 4; round++) {
		for (i = 0; i < 4; i++) {
			assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
			last_code(f, code);
			assert_int_equal(verify(f, "alice", r.challenge, "x", &v),
			    i < 3 ? SMSOTP_BAD_CODE : SMSOTP_LOCKED);
		}
		assert_int_equal(v.until, f->ctx.now + expect[round]);
		/* locked: no send, no check, even of the right code */
		assert_int_equal(begin(f, "alice", &r), SMSOTP_LOCKED);
		assert_int_equal(verify(f, "alice", r.challenge, code, &v),
		    SMSOTP_LOCKED);
		f->ctx.now = v.until;
	}
	/* a success resets the count and the doubling */
	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	last_code(f, code);
	assert_int_equal(verify(f, "alice", r.challenge, "x", &v), SMSOTP_BAD_CODE);
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_OK);
	for (i = 0; i < 4; i++) {
		assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
		verify(f, "alice", r.challenge, "x", &v);
	}
	assert_int_equal(v.status, SMSOTP_LOCKED);
	assert_int_equal(v.until, f->ctx.now + 60);
}

static void
test_no_phone_and_bad_state(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r;
	char name[SMSOTP_STATE_NAME_SIZE], *p;

	assert_int_equal(begin(f, "mallory", &r), SMSOTP_NO_PHONE);
	assert_int_equal(last_code(f, name), 0);
	/* garbage state: denied as LOCKED, nothing sent */
	smsotp_state_name("alice", name);
	p = tu_write(f->statedir, name, "garbage\n", 0660);
	assert_int_equal(begin(f, "alice", &r), SMSOTP_LOCKED);
	assert_int_equal(last_code(f, name), 0);
	free(p);
}

static void
test_gateway_down(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char users[256], why[320];
	char *p;

	/*
	 * +33 numbers route to a gateway that fails temporarily (the provider
	 * is down: GATEWAY_DOWN), +1 numbers to an outbox whose directory is
	 * missing (a local fault: ERROR, never "gateway down")
	 */
	snprintf(users, sizeof(users), "carol +33612345678\ndave +15005550006\n");
	p = tu_write(f->dir, "users", users, 0644);
	assert_int_equal(begin(f, "carol", &r), SMSOTP_GATEWAY_DOWN);
	assert_int_equal(begin(f, "dave", &r), SMSOTP_ERROR);
	/* the reservation was undone: no live challenge, one send counted */
	assert_int_equal(smsotp_state_begin(&f->store, "carol", 100, &txn, &st,
	    why, sizeof(why)), SMSOTP_ST_OK);
	assert_int_equal(st.nchal, 0);
	assert_int_equal(st.nsends, 1);
	smsotp_state_end(&txn);
	free(p);
}

static int
setup_escapes(void **state)
{
	return make(state, NULL, "a\\\\b\\tc\\nd %{code} %%{host}=%{host}");
}

static void
test_outbox_escapes(void **state)
{
	struct fx *f = *state;
	struct smsotp_reply r;
	char line[256];
	FILE *fp;

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	fp = fopen(f->outbox, "r");
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_non_null(strstr(line, "\t+447700900123\ta\\\\b\\tc\\nd "));
	assert_non_null(strstr(line, " %{host}=bastion\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_right_code_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_codes_end_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_just_before_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_codes_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup_lockout, teardown),
		cmocka_unit_test_setup_teardown(test_no_phone_and_bad_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_escapes, setup_escapes, teardown),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
