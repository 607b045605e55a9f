/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_limits.c - global send limits (file format, sliding windows, the
 * locked counter), allowed countries, decoy challenges and their use by
 * the engine, with an injected clock.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf_load.h"
#include "core/decoy.h"
#include "core/engine.h"
#include "core/limits.h"
#include "engine_fixture.h"
#include "testutil.h"

#define T0 TU_T0

/* --- the global file format and windows ---------------------------------- */

static void
roundtrip(const struct smsotp_global *g)
{
	struct smsotp_global h;
	char buf[SMSOTP_GLOBAL_MAX_SIZE + 1], buf2[SMSOTP_GLOBAL_MAX_SIZE + 1];
	const char *why = NULL;
	size_t len, len2;

	assert_int_equal(smsotp_global_format(g, buf, sizeof(buf), &len), 0);
	assert_int_equal(smsotp_global_parse(buf, len, &h, &why), 0);
	assert_int_equal(smsotp_global_format(&h, buf2, sizeof(buf2), &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	assert_memory_equal(g, &h, sizeof(h));
}

static void
test_format_parse(void **state)
{
	struct smsotp_global g, h;
	char buf[SMSOTP_GLOBAL_MAX_SIZE + 1];
	const char *why = NULL;
	size_t len, i;

	(void)state;
	smsotp_global_init(&g);
	roundtrip(&g);
	smsotp_global_advance(&g, T0);
	smsotp_global_count(&g);
	smsotp_global_count(&g);
	smsotp_global_note_us(&g, 12);
	smsotp_global_note_us(&g, 7000000000L);	/* capped at an hour */
	assert_int_equal(g.us[1], 3600000000u);
	roundtrip(&g);
	for (i = 0; i < 40; i++)
		smsotp_global_note_us(&g, (long)i);
	assert_int_equal(g.nus, SMSOTP_GLOBAL_SAMPLES);
	assert_int_equal(g.us[SMSOTP_GLOBAL_SAMPLES - 1], 39);
	roundtrip(&g);

	/* every single-byte change is refused (checksum or syntax) */
	assert_int_equal(smsotp_global_format(&g, buf, sizeof(buf), &len), 0);
	for (i = 0; i < len; i++) {
		char c = buf[i];
		buf[i] = c == '1' ? '2' : '1';
		assert_int_not_equal(smsotp_global_parse(buf, len, &h, &why), 0);
		buf[i] = c;
	}
	/* truncated anywhere, or empty */
	for (i = 0; i < len; i++)
		assert_int_not_equal(smsotp_global_parse(buf, i, &h, &why), 0);
	assert_int_equal(smsotp_global_parse(buf, len, &h, &why), 0);
	assert_int_not_equal(smsotp_global_parse("garbage\n", 8, &h, &why), 0);
	/* too small a buffer: refused, not truncated */
	assert_int_not_equal(smsotp_global_format(&g, buf, 100, &len), 0);
}

static void
test_windows(void **state)
{
	struct smsotp_global g;
	const char *which;
	long retry;
	int i;

	(void)state;
	smsotp_global_init(&g);
	smsotp_global_advance(&g, T0);
	for (i = 0; i < 3; i++)
		smsotp_global_count(&g);
	smsotp_global_advance(&g, T0 + 30);
	smsotp_global_count(&g);
	assert_int_equal(smsotp_global_minute(&g), 4);
	assert_int_equal(smsotp_global_day(&g), 4);
	/* 4 of 4: over; the 3 from T0 leave at T0 + 60 */
	assert_int_equal(smsotp_global_over(&g, 4, 0, T0 + 30, &retry, &which), 1);
	assert_string_equal(which, "minute");
	assert_int_equal(retry, 30);
	assert_int_equal(smsotp_global_over(&g, 5, 0, T0 + 30, &retry, &which), 0);
	assert_int_equal(smsotp_global_over(&g, 0, 0, T0 + 30, &retry, &which), 0);
	/* limit 2: the bucket at T0 must go (3 sends) before one fits */
	assert_int_equal(smsotp_global_over(&g, 2, 0, T0 + 30, &retry, &which), 1);
	assert_int_equal(retry, 30);
	smsotp_global_advance(&g, T0 + 60);
	assert_int_equal(smsotp_global_minute(&g), 1);
	assert_int_equal(smsotp_global_day(&g), 4);
	/* day: 4 of 4 until the slot of T0 leaves the sliding day */
	assert_int_equal(smsotp_global_over(&g, 0, 4, T0 + 60, &retry, &which), 1);
	assert_string_equal(which, "day");
	assert_int_equal(retry, (T0 / 600 + 144) * 600 - (T0 + 60));
	smsotp_global_advance(&g, T0 + 86400);
	assert_int_equal(smsotp_global_day(&g), 0);
	/* a clock that goes back a little keeps the counts, far back resets */
	smsotp_global_count(&g);
	smsotp_global_advance(&g, T0 + 86400 - 10);
	assert_int_equal(smsotp_global_minute(&g), 1);
	smsotp_global_advance(&g, T0);
	assert_int_equal(smsotp_global_minute(&g), 0);
	assert_int_equal(g.sec_base, T0);
}

/* --- fixture: config, state directory, engine context -------------------- */

static int
load_conf(const char *dir, const char *extra, struct smsotp_conf *c,
    struct smsotp_errs *e, const char *users, const char *outbox)
{
	struct smsotp_conf_opts o = { geteuid() };
	char text[2048], *cf;
	int rv;

	snprintf(text, sizeof(text),
	    "phones = { file = \"%s\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"%s\"; } );\n"
	    "%s\n", users, outbox, extra != NULL ? extra : "");
	cf = tu_write(dir, "smsotp.conf", text, 0600);
	memset(e, 0, sizeof(*e));
	rv = smsotp_conf_load(cf, &o, c, e);
	free(cf);
	return rv;
}

static int
make(void **state, const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; "
	    "path = \"@OUTBOX@\"; } );\n%s\n", extra != NULL ? extra : "");
	*state = tu_engine_new("alice +447700900123\n"
	    "bob +447700900456\nzed +33612345678\n", text);
	return 0;
}

static int
setup(void **state)
{
	return make(state, "limits = { global_sends_per_minute = 3; "
	    "global_sends_per_day = 5; resend_cooldown = 0; "
	    "allowed_countries = ( \"44\", 1 ); };");
}

static int
setup_reveal(void **state)
{
	return make(state, "reveal_status = true; limits = { "
	    "global_sends_per_minute = 3; allowed_countries = [ \"44\" ]; };");
}

static int
teardown(void **state)
{
	tu_engine_free(*state);
	return 0;
}

static int
outbox_lines(struct tu_engine_fx *f)
{
	FILE *fp = fopen(f->outbox, "r");
	char line[1024];
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n++;
	fclose(fp);
	return n;
}

/* Files in the state directory whose name starts with "u-". */
static int
user_files(struct tu_engine_fx *f)
{
	DIR *d = opendir(f->statedir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "u-", 2) == 0)
			n++;
	closedir(d);
	return n;
}

/* --- configuration ------------------------------------------------------- */

static void
test_conf(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	char *users = tu_path(f->dir, "users");
	int i;
	static const char *const bad[] = {
		"limits = { allowed_countries = [ \"+44\" ]; };",
		"limits = { allowed_countries = [ \"0044\" ]; };",
		"limits = { allowed_countries = [ \"1234567\" ]; };",
		"limits = { allowed_countries = [ \"\" ]; };",
		"limits = { allowed_countries = \"44\"; };",
		"limits = { allowed_countries = [ 1.5 ]; };",
		"limits = { global_sends_per_minute = -1; };",
		"limits = { global_sends_per_day = 10000001; };",
		"reveal_status = 1;",
		"limits = { reveal_status = true; };",
	};

	assert_int_equal(f->conf.global_per_minute, 3);
	assert_int_equal(f->conf.global_per_day, 5);
	assert_int_equal(f->conf.nallowed, 2);
	assert_string_equal(f->conf.allowed_countries[0], "44");
	assert_string_equal(f->conf.allowed_countries[1], "1");
	assert_int_equal(f->conf.reveal_status, 0);
	/* defaults */
	assert_int_equal(load_conf(f->dir, "", &c, &e, users, f->outbox), 0);
	assert_int_equal(c.global_per_minute, 60);
	assert_int_equal(c.global_per_day, 2000);
	assert_int_equal(c.nallowed, 0);
	assert_int_equal(c.reveal_status, 0);
	smsotp_conf_free(&c);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		if (load_conf(f->dir, bad[i], &c, &e, users, f->outbox) == 0) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			fail();
		}
	}
	free(users);
}

static void
test_countries(void **state)
{
	struct tu_engine_fx *f = *state;

	assert_int_equal(smsotp_country_allowed(&f->conf, "+447700900123"), 1);
	assert_int_equal(smsotp_country_allowed(&f->conf, "+15005550006"), 1);
	assert_int_equal(smsotp_country_allowed(&f->conf, "+33612345678"), 0);
	assert_int_equal(smsotp_country_allowed(&f->conf, "+4"), 0);
	assert_int_equal(smsotp_country_allowed(&f->conf, "447700900123"), 0);
	f->conf.nallowed = 0;
	assert_int_equal(smsotp_country_allowed(&f->conf, "+33612345678"), 1);
}

/* --- the counter in the state directory ---------------------------------- */

/*
 * Plant content as the next version of the global record, the one an
 * update would write (path returned).
 */
static char *
plant_global(const struct tu_engine_fx *f, const char *content)
{
	char dir[512], name[32];
	struct dirent *e;
	long seq = 0;
	DIR *d;

	assert_true(snprintf(dir, sizeof(dir), "%s/global.d", f->statedir) <
	    (int)sizeof(dir));
	(void)mkdir(dir, 0770);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    atol(e->d_name) > seq)
			seq = atol(e->d_name);
	closedir(d);
	assert_true(snprintf(name, sizeof(name), "%ld", seq + 1) <
	    (int)sizeof(name));
	return tu_write(dir, name, content, 0660);
}

static void
test_take(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_global g;
	char why[320], *path;
	long retry;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0, 100,
		    &retry, NULL), SMSOTP_LIM_OK);
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 59, 100,
	    &retry, NULL), SMSOTP_LIM_OVER);
	assert_int_equal(retry, 1);
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 60, 100,
	    &retry, NULL), SMSOTP_LIM_OK);
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 120, 100,
	    &retry, NULL), SMSOTP_LIM_OK);
	/* 5 a day */
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 180, 100,
	    &retry, NULL), SMSOTP_LIM_OVER);
	smsotp_limits_note_send(&f->store, T0 + 180, 42, 100);
	assert_int_equal(smsotp_limits_peek(&f->store, T0 + 180, &g, why,
	    sizeof(why)), 1);
	assert_int_equal(smsotp_global_day(&g), 5);
	assert_int_equal(g.nus, 1);
	assert_int_equal(g.us[0], 42);
	/* corrupt: every send refused, the file left alone */
	path = plant_global(f, "smsotp-global 1\n");
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 90000, 100,
	    &retry, NULL), SMSOTP_LIM_ERROR);
	smsotp_limits_note_send(&f->store, T0 + 90000, 1, 100);
	assert_int_equal(smsotp_limits_peek(&f->store, T0, &g, why,
	    sizeof(why)), SMSOTP_ST_CORRUPT);
	assert_non_null(strstr(why, "corrupt"));
	/* a symlink in its place is refused, never followed */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 90000, 100,
	    &retry, NULL), SMSOTP_LIM_ERROR);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(smsotp_limits_reset(&f->store, 100, why, sizeof(why)), 0);
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 90000, 100,
	    &retry, NULL), SMSOTP_LIM_OK);
	free(path);
}

/*
 * The counts are written without fsync: a file damaged by a crash (last
 * written before this boot) counts afresh; damage since the boot stays
 * fatal (tampering, a bug).
 */
static void
test_crash_damage(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_global g;
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char why[320], *path;
	long retry;
	int i;

	for (i = 0; i < 2; i++) {	/* empty, then garbage */
		path = plant_global(f, i == 0 ? "" :
		    "smsotp-global 1\nminute 12");
		assert_int_equal(smsotp_limits_take(&f->store, &f->conf,
		    T0, 100, &retry, NULL), SMSOTP_LIM_ERROR);
		assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
		assert_int_equal(smsotp_limits_peek(&f->store, T0, &g, why,
		    sizeof(why)), 0);
		assert_int_equal(smsotp_global_day(&g), 0);
		assert_int_equal(smsotp_limits_take(&f->store, &f->conf,
		    T0, 100, &retry, NULL), SMSOTP_LIM_OK);
		/* rewritten whole: one send counted, a valid file again */
		assert_int_equal(smsotp_limits_peek(&f->store, T0, &g, why,
		    sizeof(why)), 1);
		assert_int_equal(smsotp_global_day(&g), 1);
		free(path);
	}
}

/* Send times: every send until the ring is full, then about 1 in 8. */
static void
test_sample(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_global g;
	char why[320];
	long retry;
	int i, sample, hits = 0;

	f->conf.global_per_minute = 0;
	f->conf.global_per_day = 0;
	for (i = 0; i < SMSOTP_GLOBAL_SAMPLES; i++) {
		sample = -1;
		assert_int_equal(smsotp_limits_take(&f->store, &f->conf,
		    T0 + i, 100, &retry, &sample), SMSOTP_LIM_OK);
		assert_int_equal(sample, 1);
		smsotp_limits_note_send(&f->store, T0 + i, 10 + i, 100);
	}
	assert_int_equal(smsotp_limits_peek(&f->store, T0 + i, &g, why,
	    sizeof(why)), 1);
	assert_int_equal(g.nus, SMSOTP_GLOBAL_SAMPLES);
	/* binomial(800, 1/8): mean 100, sd 9.4; the bounds are 6 sd away */
	for (i = 0; i < 800; i++) {
		hits += smsotp_global_want_sample(&g);
		assert_int_equal(smsotp_limits_take(&f->store, &f->conf,
		    T0 + 100, 100, &retry, &sample), SMSOTP_LIM_OK);
		hits += sample;
	}
	assert_in_range(hits, 2 * 100 - 2 * 57, 2 * 100 + 2 * 57);
	/* over a cap: no sample asked for */
	f->conf.global_per_minute = 1;
	sample = -1;
	assert_int_equal(smsotp_limits_take(&f->store, &f->conf, T0 + 100, 100,
	    &retry, &sample), SMSOTP_LIM_OVER);
	assert_int_equal(sample, 0);
}

/* --- decoys --------------------------------------------------------------- */

static void
test_decoy_ids(void **state)
{
	struct tu_engine_fx *f = *state;
	char a[SMSOTP_CHALLENGE_HEXLEN + 1], b[SMSOTP_CHALLENGE_HEXLEN + 1];
	char p1[SMSOTP_E164_SIZE], p2[SMSOTP_E164_SIZE], norm[SMSOTP_E164_SIZE];
	const char *why;
	int64_t made;

	smsotp_decoy_id(f->key, "mallory", T0, a);
	smsotp_decoy_id(f->key, "mallory", T0, b);
	assert_true(smsotp_challenge_ok(a));
	assert_string_not_equal(a, b);
	assert_int_equal(smsotp_decoy_id_check(f->key, "mallory", a, &made), 1);
	assert_int_equal(made, T0);
	assert_int_equal(smsotp_decoy_id_check(f->key, "mallory2", a, &made), 0);
	smsotp_challenge_new(b);
	assert_int_equal(smsotp_decoy_id_check(f->key, "mallory", b, &made), 0);
	a[31] = a[31] == '0' ? '1' : '0';
	assert_int_equal(smsotp_decoy_id_check(f->key, "mallory", a, &made), 0);
	/* deterministic, plausible, per user */
	smsotp_decoy_phone(f->key, "mallory", &f->conf, p1);
	smsotp_decoy_phone(f->key, "mallory", &f->conf, p2);
	assert_string_equal(p1, p2);
	assert_int_equal(strncmp(p1, "+44", 3), 0);
	assert_int_equal(strlen(p1), 13);
	assert_int_equal(smsotp_phone_normalize(p1, "", norm, &why), 0);
	smsotp_decoy_phone(f->key, "trudy", &f->conf, p2);
	assert_string_not_equal(p1, p2);
}

static int
setup_transcript(void **state)
{
	return make(state, "limits = { global_sends_per_minute = 0; "
	    "global_sends_per_day = 0; resend_cooldown = 30; sends_per_user = 4; "
	    "sends_window = 900; lockout_after = 5; lockout_time = 60; "
	    "max_live_codes = 2; };");
}

/* One step of a transcript: what a caller sees. */
static void
step(char *out, size_t cap, const char *what, const struct smsotp_reply *r)
{
	size_t n = strlen(out);

	(void)snprintf(out + n, cap - n, "%s:%s left=%ld retry=%ld ttl=%ld "
	    "ra=%ld masked=%zu until=%lld\n", what, smsotp_status_name(r->status),
	    r->attempts_left, r->retry_after, r->ttl, r->resend_after,
	    strlen(r->masked), (long long)(r->until == 0 ? 0 : r->until - T0));
}

/*
 * The whole sequence a guesser can run (wrong codes, r, waits, a new
 * login, lockout, a login while locked): for alice (a real user with a
 * number), mallory (no number) and ghost (unknown to NSS), every answer
 * must be the same; only alice gets texts, and ghost's state sits in a
 * shared slot file, not in a file of its own.
 */
static void
transcript(struct tu_engine_fx *f, const char *user, int unknown, char *out, size_t cap)
{
	struct smsotp_reply r;
	char chal[SMSOTP_CHALLENGE_HEXLEN + 1];
	int i, k;

	out[0] = '\0';
	f->ctx.now = T0;
	f->ctx.unknown_user = unknown;
	for (k = 0; k < 3; k++) {	/* three logins: 3 + 3 + ... wrong codes */
		smsotp_begin(&f->ctx, user, "sshd", &r);
		step(out, cap, "begin", &r);
		memcpy(chal, r.challenge, sizeof(chal));
		for (i = 0; i < 2; i++) {
			smsotp_verify(&f->ctx, user, chal, "000000", 6, &r);
			step(out, cap, "wrong", &r);
		}
		smsotp_resend(&f->ctx, user, chal, "sshd", &r);
		step(out, cap, "r-early", &r);
		f->ctx.now += 31;
		smsotp_resend(&f->ctx, user, chal, "sshd", &r);
		step(out, cap, "r", &r);
		smsotp_verify(&f->ctx, user, chal, "000001", 6, &r);
		step(out, cap, "wrong", &r);
		smsotp_verify(&f->ctx, user, chal, "000002", 6, &r);
		step(out, cap, "dead", &r);
		f->ctx.now += 5;
	}
	f->ctx.unknown_user = 0;
}

static void
test_decoy_transcripts(void **state)
{
	struct tu_engine_fx *f = *state;
	char a[4096], m[4096], g[4096], slot[SMSOTP_STATE_NAME_SIZE], *p;
	struct stat sb;
	int sent;

	transcript(f, "alice", 0, a, sizeof(a));
	sent = outbox_lines(f);
	transcript(f, "mallory", 0, m, sizeof(m));
	transcript(f, "ghost", 1, g, sizeof(g));
	assert_string_equal(a, m);
	assert_string_equal(a, g);
	/* the sequence reached the send limit and the lockout */
	assert_non_null(strstr(a, "r:RATE_LIMITED"));
	assert_non_null(strstr(a, "wrong:LOCKED"));
	assert_true(sent >= 3);
	assert_int_equal(outbox_lines(f), sent);
	assert_int_equal(user_files(f), 4);	/* alice's and mallory's */
	smsotp_decoy_slot(f->key, "ghost", slot);
	p = tu_path(f->statedir, slot);
	assert_int_equal(stat(p, &sb), 0);
	free(p);
}

static void
test_decoy_flows(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r, v, real;

	/* the same masked number each time for a user without one */
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &real),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "mallory", "sshd", &r),
	    SMSOTP_SENT);
	assert_int_equal(outbox_lines(f), 1);
	assert_int_equal(smsotp_begin(&f->ctx, "mallory", "sshd", &v),
	    SMSOTP_SENT);
	assert_string_equal(v.masked, r.masked);
	assert_int_equal(strlen(r.masked), strlen(real.masked));
	/* with nullok the helper says NO_PHONE; never for an unknown name */
	f->ctx.nullok = 1;
	assert_int_equal(smsotp_begin(&f->ctx, "mallory", "sshd", &v),
	    SMSOTP_NO_PHONE);
	f->ctx.unknown_user = 1;
	assert_int_equal(smsotp_begin(&f->ctx, "alice2", "sshd", &v),
	    SMSOTP_SENT);
	assert_true(smsotp_decoy_id_check(f->key, "alice2", v.challenge,
	    &(int64_t){0}));
	f->ctx.unknown_user = 0;
	f->ctx.nullok = 0;
	/* a number outside allowed_countries: decoy, never sent */
	assert_int_equal(smsotp_begin(&f->ctx, "zed", "sshd", &v), SMSOTP_SENT);
	assert_true(smsotp_decoy_id_check(f->key, "zed", v.challenge, &(int64_t){0}));
	assert_int_equal(outbox_lines(f), 1);
	/* global cap (3 a minute): the 4th real begin gets a decoy */
	f->ctx.now = T0 + 1000;
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &v), SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "bob", "sshd", &v), SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "bob", "sshd", &v), SMSOTP_SENT);
	assert_int_equal(outbox_lines(f), 4);
	assert_int_equal(smsotp_begin(&f->ctx, "alice", "sshd", &v), SMSOTP_SENT);
	assert_int_equal(outbox_lines(f), 4);
	assert_true(smsotp_decoy_id_check(f->key, "alice", v.challenge,
	    &(int64_t){0}));
	assert_string_equal(v.masked, real.masked);
	/* over the cap a resend is refused alike, for a decoy and a real code */
	assert_int_equal(smsotp_resend(&f->ctx, "alice", v.challenge, "sshd",
	    &r), SMSOTP_RATE_LIMITED);
	assert_int_equal(smsotp_begin(&f->ctx, "mallory", "sshd", &v),
	    SMSOTP_SENT);
	assert_int_equal(smsotp_resend(&f->ctx, "mallory", v.challenge, "sshd",
	    &v), SMSOTP_RATE_LIMITED);
	assert_int_equal(r.retry_after, v.retry_after);
}

static void
test_reveal(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply v;
	int i;

	assert_int_equal(smsotp_begin(&f->ctx, "mallory", "sshd", &v),
	    SMSOTP_NO_PHONE);
	assert_int_equal(smsotp_begin(&f->ctx, "zed", "sshd", &v), SMSOTP_ERROR);
	for (i = 0; i < 3; i++)
		assert_int_equal(smsotp_begin(&f->ctx, i == 1 ? "bob" : "alice",
		    "sshd", &v), SMSOTP_SENT);
	assert_int_equal(smsotp_begin(&f->ctx, "bob", "sshd", &v),
	    SMSOTP_RATE_LIMITED);
	assert_int_equal(v.retry_after, 60);
	assert_int_equal(outbox_lines(f), 3);
}

/*
 * A decoy waits like the real begins of its own way in: with many slow
 * samples of the resident service and one quick one of an exec'd helper,
 * an exec'd helper's decoy takes the quick one's time.
 */
static void
test_decoy_samples_per_way_in(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_reply r;
	double t0;
	int i;

	for (i = 0; i < SMSOTP_GLOBAL_SAMPLES - 1; i++)
		smsotp_limits_note_send(&f->store, f->ctx.now,
		    SMSOTP_SAMPLE_TAG(400000L, 1), 1000);	/* 0.4 s */
	smsotp_limits_note_send(&f->store, f->ctx.now,
	    SMSOTP_SAMPLE_TAG(2000L, 0), 1000);		/* 2 ms */
	f->ctx.unknown_user = 1;
	for (i = 0; i < 4; i++) {
		f->ctx.resident = 0;
		f->ctx.started = t0 = smsotp_mono();
		assert_int_equal(smsotp_begin(&f->ctx, "ghost", "sshd", &r),
		    SMSOTP_SENT);
		assert_true(smsotp_mono() - t0 < 0.2);
	}
	f->ctx.resident = 1;
	f->ctx.started = t0 = smsotp_mono();
	assert_int_equal(smsotp_begin(&f->ctx, "ghost", "sshd", &r),
	    SMSOTP_SENT);
	assert_true(smsotp_mono() - t0 >= 0.39);
	assert_int_equal(outbox_lines(f), 0);
}

/*
 * A real send whose time is noted writes the global record once more after
 * the send; a decoy's wait is followed by the same write as often: into
 * the decoys' record, every time while it holds fewer samples than it
 * keeps, and never into the real one.
 */
static void
test_decoy_notes_its_wait(void **state)
{
	struct tu_engine_fx *f = *state;
	struct smsotp_global g, d;
	struct smsotp_reply r;
	char why[320];
	int i;

	smsotp_limits_note_send(&f->store, f->ctx.now, SMSOTP_SAMPLE_TAG(2000L,
	    0), 1000);
	f->ctx.unknown_user = 1;
	f->ctx.resident = 0;
	for (i = 0; i < 3; i++) {
		f->ctx.started = smsotp_mono();
		assert_int_equal(smsotp_begin(&f->ctx, "ghost", "sshd", &r),
		    SMSOTP_SENT);
	}
	assert_int_equal(smsotp_limits_peek_decoys(&f->store, f->ctx.now, &d,
	    why, sizeof(why)), 1);
	assert_int_equal(d.nus, 3);
	for (i = 0; i < d.nus; i++) {
		assert_int_equal(SMSOTP_SAMPLE_RESIDENT(d.us[i]), 0);
		assert_true(d.us[i] >= 2000);	/* it waited like the real one */
	}
	assert_int_equal(smsotp_limits_peek(&f->store, f->ctx.now, &g, why,
	    sizeof(why)), 1);
	assert_int_equal(g.nus, 1);
	assert_int_equal(outbox_lines(f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_windows),
		cmocka_unit_test_setup_teardown(test_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_countries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_damage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decoy_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoy_samples_per_way_in,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoy_notes_its_wait, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decoy_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoy_transcripts,
		    setup_transcript, teardown),
		cmocka_unit_test_setup_teardown(test_reveal, setup_reveal,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
