/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_engine.c - begin/resend/verify against a real state directory and
 * the outbox gateway, with an injected clock; a decoy runs the same
 * pipeline as a real login, only with the decoy sender.
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

#include "core/conf_load.h"
#include "core/decoy.h"
#include "core/engine.h"
#include "core/limits.h"
#include "core/sender.h"
#include "engine_fixture.h"
#include "testutil.h"

#define T0 TU_T0

static int
make_conf(void **state, const char *extra, const char *message, int reveal)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "message = \"%s\";\n"
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"@OUTBOX@\"; },\n"
	    "             { name = \"broken\"; type = \"outbox\"; "
	    "path = \"@DIR@/missing/dir/outbox\"; },\n"
	    "             { name = \"down\"; type = \"command\"; "
	    "argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; },\n"
	    "           { prefix = \"+33\"; gateways = [ \"down\" ]; },\n"
	    "           { prefix = \"+1\"; gateways = [ \"broken\" ]; } );\n"
	    "reveal_status = %s;\n%s\n",	/* explicit answers; decoys: test_limits */
	    message != NULL ? message : "%{code} is your %{service} code",
	    reveal ? "true" : "false", extra != NULL ? extra : "");
	*state = tu_engine_new("# users\nalice +447700900123\n"
	    "bob 07700 900456\n", text);
	return 0;
}

static int
make(void **state, const char *extra, const char *message)
{
	return make_conf(state, extra, message, 1);
}

static int
setup(void **state)
{
	return make(state, NULL, NULL);
}

static int
teardown(void **state)
{
	tu_engine_free(*state);
	return 0;
}

static int
begin(struct tu_engine_fx *f, const char *user, struct smsotp_reply *r)
{
	return smsotp_begin(&f->ctx, user, "sshd", r);
}

static int
verify(struct tu_engine_fx *f, const char *user, const char *chal, const char *code,
    struct smsotp_reply *r)
{
	return smsotp_verify(&f->ctx, user, chal, code, strlen(code), r);
}

static void
test_right_code_once(void **state)
{
	struct tu_engine_fx *f = *state;
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
	assert_int_equal(tu_engine_texts(f, code), 1);
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v;
	char code[16], wrong[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	tu_engine_texts(f, code);
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	tu_engine_texts(f, code);
	f->ctx.now = T0 + 300;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
	f->ctx.now = T0 + 299;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_EXPIRED);
}

static void
test_just_before_expiry(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	tu_engine_texts(f, code);
	f->ctx.now = T0 + 299;
	assert_int_equal(verify(f, "alice", r.challenge, code, &v), SMSOTP_OK);
}

static void
test_challenge_binding(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply a, b, v;
	char ca[16], cb[16];

	assert_int_equal(begin(f, "alice", &a), SMSOTP_SENT);
	tu_engine_texts(f, ca);
	assert_int_equal(begin(f, "alice", &b), SMSOTP_SENT);
	tu_engine_texts(f, cb);
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, s, v;
	char old[16], fresh[16], wrong[16];

	assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
	tu_engine_texts(f, old);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(old) + 1) % 1000000);
	assert_int_equal(verify(f, "alice", r.challenge, wrong, &v), SMSOTP_BAD_CODE);
	f->ctx.now = T0 + 10;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd", &s),
	    SMSOTP_RATE_LIMITED);
	assert_int_equal(s.retry_after, 20);
	assert_int_equal(tu_engine_texts(f, fresh), 1);
	f->ctx.now = T0 + 30;
	assert_int_equal(smsotp_resend(&f->ctx, "alice", r.challenge, "sshd", &s),
	    SMSOTP_SENT);
	assert_string_equal(s.challenge, r.challenge);
	assert_int_equal(tu_engine_texts(f, fresh), 2);
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
	struct tu_engine_fx *f = *state;
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r[4], v;
	char codes[4][16];
	int i;

	for (i = 0; i < 4; i++) {
		f->ctx.now = T0 + i;
		assert_int_equal(begin(f, "alice", &r[i]), SMSOTP_SENT);
		tu_engine_texts(f, codes[i]);
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v;
	char code[16];
	int i, round;
	static const long expect[] = { 60, 120, 200, 200 };

	for (round = 0; round < 4; round++) {
		for (i = 0; i < 4; i++) {
			assert_int_equal(begin(f, "alice", &r), SMSOTP_SENT);
			tu_engine_texts(f, code);
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
	tu_engine_texts(f, code);
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
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r;
	char name[SMSOTP_STATE_NAME_SIZE], *p;

	assert_int_equal(begin(f, "mallory", &r), SMSOTP_NO_PHONE);
	assert_int_equal(tu_engine_texts(f, name), 0);
	/* garbage state: denied as LOCKED, nothing sent */
	smsotp_state_name("alice", name);
	p = tu_write(f->statedir, name, "garbage\n", 0660);
	assert_int_equal(begin(f, "alice", &r), SMSOTP_LOCKED);
	assert_int_equal(tu_engine_texts(f, name), 0);
	free(p);
}

static void
test_gateway_down(void **state)
{
	struct tu_engine_fx *f = *state;
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
	/*
	 * the reservation was undone: one send counted, no challenge but the
	 * backup code's offered instead (a decoy one)
	 */
	assert_int_equal(smsotp_state_begin(&f->store, "carol", 100, &txn, &st,
	    why, sizeof(why)), SMSOTP_ST_OK);
	assert_int_equal(st.nchal, 1);
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
	struct tu_engine_fx *f = *state;
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

/* --- a decoy runs the same pipeline ------------------------------------- */

/*
 * A recording pair of senders: each slot looks at the store through its
 * own faces (the user's lock, the stored state, the global and decoy
 * counters, the outbox) before and after it calls the built-in sender it
 * stands for. The trace leaves out which sender ran; who, counters and
 * texts keep that apart.
 */
static struct {
	struct tu_engine_fx *f;
	const char *user;
	const char *slot;	/* an unknown name's slot file, else NULL */
	char trace[2048];
	char who[64];		/* R (real) or D (decoy) per slot called */
	char counters[64];	/* g (global) or d (decoys) per send counted */
	int texts;		/* lines the slots added to the outbox */
} rec;

struct look {
	int held;		/* the user's lock is taken */
	int chal;		/* challenges stored; -1: no state stored */
	uint32_t fails;		/* consecutive failures stored */
	uint32_t global, decoys;	/* sends counted in the last day */
	int texts;
};

static void
look(struct look *k)
{
	struct tu_engine_fx *f = rec.f;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_global g;
	char why[320], name[SMSOTP_STATE_NAME_SIZE], code[16], *p;
	static char buf[SMSOTP_STATE_MAX_SIZE];
	const char *perr;
	FILE *fp;
	size_t n;
	int rv;

	if (rec.slot != NULL)
		rv = smsotp_state_begin_slot(&f->store, rec.slot, rec.user, 0,
		    &txn, &st, why, sizeof(why));
	else
		rv = smsotp_state_begin(&f->store, rec.user, 0, &txn, &st, why,
		    sizeof(why));
	k->held = rv == SMSOTP_ST_BUSY;
	if (rv == SMSOTP_ST_OK || rv == SMSOTP_ST_CORRUPT)
		smsotp_state_end(&txn);
	/* the stored state, read as a file whoever holds the lock */
	if (rec.slot != NULL)
		snprintf(name, sizeof(name), "%s", rec.slot);
	else
		smsotp_state_name(rec.user, name);
	p = tu_path(f->statedir, name);
	k->chal = -1;
	k->fails = 0;
	if ((fp = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		assert_int_equal(smsotp_state_parse(buf, n, &st, &perr), 0);
		k->chal = st.nchal;
		k->fails = st.failures;
	}
	free(p);
	k->global = smsotp_limits_peek(&f->store, f->ctx.now, &g, why,
	    sizeof(why)) == 1 ? smsotp_global_day(&g) : 0;
	k->decoys = smsotp_limits_peek_decoys(&f->store, f->ctx.now, &g, why,
	    sizeof(why)) == 1 ? smsotp_global_day(&g) : 0;
	k->texts = tu_engine_texts(f, code);
}

static void
note(const char *slot, const struct smsotp_sender *in,
    const struct look *b, const struct look *a)
{
	size_t n = strlen(rec.trace), w = strlen(rec.who);
	uint32_t dg = a->global - b->global, dd = a->decoys - b->decoys;

	snprintf(rec.trace + n, sizeof(rec.trace) - n,
	    "%s[%s chal=%d fails=%u counted=%u] ", slot,
	    b->held ? "locked" : "unlocked", b->chal, b->fails, dg + dd);
	assert_true(w + 1 < sizeof(rec.who));
	rec.who[w] = in == &smsotp_sender_real ? 'R' : 'D';
	if (dg + dd > 0) {
		n = strlen(rec.counters);
		snprintf(rec.counters + n, sizeof(rec.counters) - n, "%s",
		    dg > 0 ? "g" : "d");
	}
	rec.texts += a->texts - b->texts;
}

static void
make_via(const struct smsotp_sender *in, struct smsotp_login *l,
    struct smsotp_challenge *c, char code[SMSOTP_CODE_MAX + 1])
{
	struct look b, a;

	look(&b);
	in->make(l, c, code);
	look(&a);
	note("make", in, &b, &a);
}

static enum smsotp_step
count_via(const struct smsotp_sender *in, struct smsotp_login *l,
    int cap_refuses, long *retry)
{
	struct look b, a;
	enum smsotp_step rv;

	look(&b);
	rv = in->count(l, cap_refuses, retry);
	look(&a);
	note("count", in, &b, &a);
	return rv;
}

static int
send_via(const struct smsotp_sender *in, struct smsotp_login *l,
    const char *service, const char *code)
{
	struct look b, a;
	int rv;

	look(&b);
	rv = in->send(l, service, code);
	look(&a);
	note("send", in, &b, &a);
	return rv;
}

static enum smsotp_step
check_via(const struct smsotp_sender *in, struct smsotp_login *l,
    const char *challenge, const char *typed, size_t len,
    const unsigned char hash[SMSOTP_HASH_LEN])
{
	struct look b, a;
	enum smsotp_step rv;

	look(&b);
	rv = in->check(l, challenge, typed, len, hash);
	look(&a);
	note("check", in, &b, &a);
	return rv;
}

static void
rmake_real(struct smsotp_login *l, struct smsotp_challenge *c,
    char code[SMSOTP_CODE_MAX + 1])
{
	make_via(&smsotp_sender_real, l, c, code);
}

static void
rmake_decoy(struct smsotp_login *l, struct smsotp_challenge *c,
    char code[SMSOTP_CODE_MAX + 1])
{
	make_via(&smsotp_sender_decoy, l, c, code);
}

static enum smsotp_step
rcount_real(struct smsotp_login *l, int cap_refuses, long *retry)
{
	return count_via(&smsotp_sender_real, l, cap_refuses, retry);
}

static enum smsotp_step
rcount_decoy(struct smsotp_login *l, int cap_refuses, long *retry)
{
	return count_via(&smsotp_sender_decoy, l, cap_refuses, retry);
}

static int
rsend_real(struct smsotp_login *l, const char *service, const char *code)
{
	return send_via(&smsotp_sender_real, l, service, code);
}

static int
rsend_decoy(struct smsotp_login *l, const char *service, const char *code)
{
	return send_via(&smsotp_sender_decoy, l, service, code);
}

static enum smsotp_step
rcheck_real(struct smsotp_login *l, const char *challenge, const char *typed,
    size_t len, const unsigned char hash[SMSOTP_HASH_LEN])
{
	return check_via(&smsotp_sender_real, l, challenge, typed, len, hash);
}

static enum smsotp_step
rcheck_decoy(struct smsotp_login *l, const char *challenge, const char *typed,
    size_t len, const unsigned char hash[SMSOTP_HASH_LEN])
{
	return check_via(&smsotp_sender_decoy, l, challenge, typed, len, hash);
}

static const struct smsotp_sender rec_real = {
	"recorded real", rmake_real, rcount_real, rsend_real, rcheck_real
};
static const struct smsotp_sender rec_decoy = {
	"recorded decoy", rmake_decoy, rcount_decoy, rsend_decoy, rcheck_decoy
};
static const struct smsotp_senders recording = { &rec_real, &rec_decoy };

static void
rec_start(struct tu_engine_fx *f, const char *user, int unknown, char *slot)
{
	memset(&rec, 0, sizeof(rec));
	rec.f = f;
	rec.user = user;
	rec.slot = NULL;
	f->ctx.unknown_user = unknown;
	if (unknown) {
		smsotp_decoy_slot(f->key, user, slot);
		rec.slot = slot;
	}
}

/* Two begins, a resend and a wrong code for user, recorded. */
static void
rec_login(struct tu_engine_fx *f, const char *user, int unknown)
{
	struct smsotp_reply r, v;
	char slot[SMSOTP_STATE_NAME_SIZE];

	rec_start(f, user, unknown, slot);
	f->ctx.now = T0;
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, user, "sshd",
	    &r), SMSOTP_SENT);
	f->ctx.now = T0 + 1;
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, user, "sshd",
	    &r), SMSOTP_SENT);
	f->ctx.now = T0 + 31;
	assert_int_equal(smsotp_resend_with(&f->ctx, &recording, user,
	    r.challenge, "sshd", &v), SMSOTP_SENT);
	assert_int_equal(smsotp_verify_with(&f->ctx, &recording, user,
	    r.challenge, "x", 1, &v), SMSOTP_BAD_CODE);
	assert_int_equal(v.attempts_left, 2);
	f->ctx.unknown_user = 0;
}

static int
setup_decoys(void **state)
{
	return make_conf(state, NULL, NULL, 0);
}

/*
 * A real login (alice), a user without a number (mallory) and a name NSS
 * does not know (ghost) go through the same steps: each send is counted
 * under the user's lock before the state is written (in the global
 * counters, or in the decoy record), the code made under the lock, the
 * send made with the lock released and the challenge stored, and the
 * wrong code counted on disk before it is compared. Only the real login
 * reaches a gateway.
 */
static void
test_decoy_same_pipeline(void **state)
{
	struct tu_engine_fx *f = *state;
	static const char expect[] =
	    /* begin */
	    "count[locked chal=-1 fails=0 counted=1] "
	    "make[locked chal=-1 fails=0 counted=0] "
	    "send[unlocked chal=1 fails=0 counted=0] "
	    /* begin again */
	    "count[locked chal=1 fails=0 counted=1] "
	    "make[locked chal=1 fails=0 counted=0] "
	    "send[unlocked chal=2 fails=0 counted=0] "
	    /* resend */
	    "count[locked chal=2 fails=0 counted=1] "
	    "make[locked chal=2 fails=0 counted=0] "
	    "send[unlocked chal=2 fails=0 counted=0] "
	    /* a wrong code: counted before the compare */
	    "check[locked chal=2 fails=1 counted=0] ";
	char real[sizeof(rec.trace)];

	rec_login(f, "alice", 0);
	assert_string_equal(rec.trace, expect);
	assert_string_equal(rec.who, "RRRRRRRRRR");
	assert_string_equal(rec.counters, "ggg");
	assert_int_equal(rec.texts, 3);
	memcpy(real, rec.trace, sizeof(real));

	rec_login(f, "mallory", 0);
	assert_string_equal(rec.trace, real);
	assert_string_equal(rec.who, "DDDDDDDDDD");
	assert_string_equal(rec.counters, "ddd");
	assert_int_equal(rec.texts, 0);

	rec_login(f, "ghost", 1);
	assert_string_equal(rec.trace, real);
	assert_string_equal(rec.who, "DDDDDDDDDD");
	assert_string_equal(rec.counters, "ddd");
	assert_int_equal(rec.texts, 0);
	assert_int_equal(tu_engine_texts(f, real), 3);
}

/*
 * In the resident service no caller can stop a request between the count
 * and the compare: the code is compared before anything is written (the
 * check sees no failure on disk), and the one write that follows counts
 * a wrong code, for a real user and for a decoy alike, or uses a right
 * one.
 */
static void
test_resident_compares_then_writes_once(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v;
	struct look k;
	const char *end;
	char real[sizeof(rec.trace)], code[16], slot[SMSOTP_STATE_NAME_SIZE];

	f->ctx.resident = 1;
	rec_login(f, "alice", 0);
	end = strstr(rec.trace, "check[");
	assert_non_null(end);
	assert_string_equal(end, "check[locked chal=2 fails=0 counted=0] ");
	look(&k);
	assert_int_equal(k.fails, 1);
	memcpy(real, rec.trace, sizeof(real));
	rec_login(f, "mallory", 0);
	assert_string_equal(rec.trace, real);
	look(&k);
	assert_int_equal(k.fails, 1);

	/* a right code: accepted, used, the failure gone */
	rec_start(f, "alice", 0, slot);
	f->ctx.now = T0 + 40;
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, "alice",
	    "sshd", &r), SMSOTP_SENT);
	(void)tu_engine_texts(f, code);
	assert_int_equal(smsotp_verify_with(&f->ctx, &recording, "alice",
	    r.challenge, code, strlen(code), &v), SMSOTP_OK);
	look(&k);
	assert_int_equal(k.fails, 0);
	assert_int_equal(smsotp_verify_with(&f->ctx, &recording, "alice",
	    r.challenge, code, strlen(code), &v), SMSOTP_EXPIRED);
}

static int
setup_late_decoys(void **state)
{
	return make_conf(state, "limits = { sends_per_user = 1; "
	    "global_sends_per_minute = 1; };", NULL, 0);
}

/*
 * A login that becomes a decoy only once its state or the global count is
 * read goes on along the same steps with the decoy sender: over the
 * user's send limit from the check step on, over the global cap from the
 * count step on (the real count took nothing, the decoy record one).
 */
static void
test_decoy_late_same_pipeline(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r;
	char slot[SMSOTP_STATE_NAME_SIZE], code[16];

	rec_start(f, "alice", 0, slot);
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, "alice",
	    "sshd", &r), SMSOTP_SENT);
	assert_string_equal(rec.who, "RRR");
	assert_int_equal(rec.texts, 1);

	/* the send limit: a decoy from the check step */
	rec_start(f, "alice", 0, slot);
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, "alice",
	    "sshd", &r), SMSOTP_SENT);
	assert_true(smsotp_decoy_id_check(f->key, "alice", r.challenge,
	    &(int64_t){0}));
	assert_string_equal(rec.trace,
	    "count[locked chal=1 fails=0 counted=1] "
	    "make[locked chal=1 fails=0 counted=0] "
	    "send[unlocked chal=2 fails=0 counted=0] ");
	assert_string_equal(rec.who, "DDD");
	assert_string_equal(rec.counters, "d");
	assert_int_equal(rec.texts, 0);

	/* the global cap: the real count says so, the decoy's counts */
	rec_start(f, "bob", 0, slot);
	assert_int_equal(smsotp_begin_with(&f->ctx, &recording, "bob",
	    "sshd", &r), SMSOTP_SENT);
	assert_true(smsotp_decoy_id_check(f->key, "bob", r.challenge,
	    &(int64_t){0}));
	assert_string_equal(rec.trace,
	    "count[locked chal=-1 fails=0 counted=0] "
	    "count[locked chal=-1 fails=0 counted=1] "
	    "make[locked chal=-1 fails=0 counted=0] "
	    "send[unlocked chal=1 fails=0 counted=0] ");
	assert_string_equal(rec.who, "RDDD");
	assert_string_equal(rec.counters, "d");
	assert_int_equal(rec.texts, 0);
	assert_int_equal(tu_engine_texts(f, code), 1);
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
		cmocka_unit_test_setup_teardown(test_decoy_same_pipeline,
		    setup_decoys, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resident_compares_then_writes_once, setup_decoys,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decoy_late_same_pipeline,
		    setup_late_decoys, teardown),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
