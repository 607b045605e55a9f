/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_health.c - the circuit breaker: transitions with an injected clock,
 * the file format, locked updates from concurrent processes (the gateway
 * loop that uses it: test_gw_route.c).
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
#include <sys/wait.h>
#include <unistd.h>

#include "core/code.h"
#include "gateways/breaker.h"
#include "store_fixture.h"
#include "testutil.h"

#define T0 1800000000LL

static const struct smsotp_health_limits LIM = { 3, 60, 120 };

static void
test_transitions(void **state)
{
	struct smsotp_health h;

	(void)state;
	smsotp_health_init(&h, "primary");
	assert_int_equal(smsotp_health_state(&h, &LIM, T0), SMSOTP_BREAKER_CLOSED);
	/* Two failures: still closed. The third within the window opens it. */
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 10), 0);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 11),
	    SMSOTP_BREAKER_CLOSED);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 20), 1);
	assert_int_equal(h.open_until, T0 + 20 + 120);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 21), SMSOTP_BREAKER_OPEN);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 139), SMSOTP_BREAKER_OPEN);
	/* Cooldown over: half-open; a failed probe opens it for a full cooldown. */
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 140),
	    SMSOTP_BREAKER_HALF_OPEN);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 150), 1);
	assert_int_equal(h.open_until, T0 + 270);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 269), SMSOTP_BREAKER_OPEN);
	/* A successful probe closes it, and the count starts again. */
	assert_int_equal(smsotp_health_apply(&h, &LIM, 1, T0 + 270), -1);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 270),
	    SMSOTP_BREAKER_CLOSED);
	assert_int_equal(h.nfail, 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 300), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 301), 0);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 302),
	    SMSOTP_BREAKER_CLOSED);
}

static void
test_window_and_success(void **state)
{
	struct smsotp_health h;

	(void)state;
	smsotp_health_init(&h, "g");
	/* Failures further apart than the window never add up. */
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 40), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 80), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 120), 0);
	assert_int_equal(h.nfail, 2);
	/* A success between failures resets the count (failures in a row). */
	assert_int_equal(smsotp_health_apply(&h, &LIM, 1, T0 + 121), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 122), 0);
	assert_int_equal(smsotp_health_apply(&h, &LIM, 0, T0 + 123), 0);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 + 124),
	    SMSOTP_BREAKER_CLOSED);
}

static void
test_clock_and_off(void **state)
{
	static const struct smsotp_health_limits off = { 0, 60, 120 };
	struct smsotp_health h;
	int i;

	(void)state;
	smsotp_health_init(&h, "g");
	for (i = 0; i < 3; i++)
		(void)smsotp_health_apply(&h, &LIM, 0, T0);
	assert_int_equal(smsotp_health_state(&h, &LIM, T0), SMSOTP_BREAKER_OPEN);
	/* The clock went back a day: never skip longer than the cooldown. */
	assert_int_equal(smsotp_health_state(&h, &LIM, T0 - 86400),
	    SMSOTP_BREAKER_HALF_OPEN);
	/* failures = 0: the breaker is off. */
	assert_int_equal(smsotp_health_state(&h, &off, T0), SMSOTP_BREAKER_CLOSED);
	smsotp_health_init(&h, "g");
	for (i = 0; i < 50; i++)
		assert_int_equal(smsotp_health_apply(&h, &off, 0, T0 + i), 0);
	assert_int_equal(smsotp_health_state(&h, &off, T0 + 50),
	    SMSOTP_BREAKER_CLOSED);
}

static void
test_format(void **state)
{
	struct smsotp_health h, g;
	char buf[SMSOTP_HEALTH_MAX_SIZE], bad[SMSOTP_HEALTH_MAX_SIZE + 8];
	const char *why;
	size_t len;
	int i;

	(void)state;
	smsotp_health_init(&h, "twilio-eu_1");
	h.open_until = T0 + 5;
	for (i = 0; i < SMSOTP_HEALTH_MAX_FAILURES; i++)
		h.fail[h.nfail++] = T0 + i;
	assert_int_equal(smsotp_health_format(&h, buf, sizeof(buf), &len), 0);
	assert_int_equal(smsotp_health_parse(buf, len, &g, &why), 0);
	assert_memory_equal(&h, &g, sizeof(h));
	assert_true(strncmp(buf, "smsotp-health 1\ngateway twilio-eu_1\n"
	    "open_until 1800000005\nfailures 1800000000 1800000001", 88) == 0);
	/* One byte changed, one byte more or less: corrupt. */
	memcpy(bad, buf, len);
	bad[40] ^= 1;
	assert_int_equal(smsotp_health_parse(bad, len, &g, &why), -1);
	memcpy(bad, buf, len);
	bad[len] = '\n';
	assert_int_equal(smsotp_health_parse(bad, len + 1, &g, &why), -1);
	assert_int_equal(smsotp_health_parse(buf, len - 1, &g, &why), -1);
	assert_int_equal(smsotp_health_parse("", 0, &g, &why), -1);
	/* Not writable: a bad name, too many failures. */
	smsotp_health_init(&h, "bad/name");
	assert_int_equal(smsotp_health_format(&h, buf, sizeof(buf), &len), -1);
	smsotp_health_init(&h, "g");
	h.nfail = SMSOTP_HEALTH_MAX_FAILURES + 1;
	assert_int_equal(smsotp_health_format(&h, buf, sizeof(buf), &len), -1);
}

static char *
file_of(struct tu_store_fx *f, const char *gw)
{
	char name[SMSOTP_HEALTH_NAME_SIZE];

	smsotp_health_name(gw, name);
	return tu_path(f->dir, name);
}

static void
test_store(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_health h;
	int64_t until;
	struct stat st;
	char *p = file_of(f, "primary");
	int i;

	/* A success on a gateway never seen writes nothing. */
	assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary", 1, T0,
	    1000), 0);
	assert_int_not_equal(lstat(p, &st), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary",
		    0, T0 + i, 1000), 0);
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0 + 2,
	    &until), SMSOTP_BREAKER_CLOSED);
	assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary", 0,
	    T0 + 2, 1000), 0);
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0 + 3,
	    &until), SMSOTP_BREAKER_OPEN);
	assert_int_equal(until, T0 + 122);
	/* Other gateways are not affected. */
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "secondary", T0 + 3,
	    &until), SMSOTP_BREAKER_CLOSED);
	/* Group-shared, single link, regular. */
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(smsotp_health_peek(&f->store, "primary", &h, NULL, 0), 1);
	assert_int_equal(h.open_until, T0 + 122);
	/* Success after the cooldown closes it. */
	assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary", 1,
	    T0 + 200, 1000), 0);
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0 + 200,
	    &until), SMSOTP_BREAKER_CLOSED);
	free(p);
}

static void
test_corrupt_and_symlink(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_health h;
	int64_t until;
	char *p = file_of(f, "primary"), *target, why[320];
	char name[SMSOTP_HEALTH_NAME_SIZE];
	int i;

	/* Corrupt: read as closed (availability), rewritten at the next update. */
	smsotp_health_name("primary", name);
	free(tu_write(f->dir, name, "smsotp-health 1\ngateway primary\n"
	    "open_until 9999999999\nfailures\nend 00\n", 0660));
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0,
	    &until), SMSOTP_BREAKER_CLOSED);
	assert_int_equal(smsotp_health_peek(&f->store, "primary", &h, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "checksum"));
	for (i = 0; i < 3; i++)
		assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary",
		    0, T0, 1000), 0);
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0,
	    &until), SMSOTP_BREAKER_OPEN);
	/* A symlink planted as the file is never followed nor written through. */
	target = tu_write(f->dir, "target", "keep\n", 0600);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(smsotp_health_check(&f->store, &LIM, "primary", T0,
	    &until), SMSOTP_BREAKER_CLOSED);
	assert_int_equal(smsotp_health_record(&f->store, &LIM, "primary", 0, T0,
	    1000), 0);
	{
		FILE *fp = fopen(target, "r");
		char line[16] = "";
		assert_non_null(fp);
		assert_non_null(fgets(line, sizeof(line), fp));
		fclose(fp);
		assert_string_equal(line, "keep\n");
	}
	free(target);
	free(p);
}

/* Forked helpers recording at the same time: no failure is lost. */
static void
test_concurrent(void **state)
{
	static const struct smsotp_health_limits big = {
		SMSOTP_HEALTH_MAX_FAILURES, 86400, 120
	};
	enum { PROCS = 6, EACH = 5 };
	struct tu_store_fx *f = *state;
	struct smsotp_health h;
	pid_t pids[PROCS];
	int i, j, st;

	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			int bad = 0;
			for (j = 0; j < EACH; j++)
				bad |= smsotp_health_record(&f->store, &big,
				    "busy", 0, T0, 10000) != 0;
			_exit(bad);
		}
	}
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(smsotp_health_peek(&f->store, "busy", &h, NULL, 0), 1);
	assert_int_equal(h.nfail, PROCS * EACH);
	assert_int_equal(h.open_until, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_window_and_success),
		cmocka_unit_test(test_clock_and_off),
		cmocka_unit_test(test_format),
		tu_store_test(test_store),
		tu_store_test(test_corrupt_and_symlink),
		tu_store_test(test_concurrent),
	};

	if (smsotp_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
