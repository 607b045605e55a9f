/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_args.c - the module's arguments (pam_smsotp/args.c): defaults,
 * transport= and its values, and that an unknown or malformed argument
 * fails the parse (the module then fails closed). Linked with
 * -Wl,--wrap=pam_syslog (pamlog.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <syslog.h>

#include "args.h"
#include "pamlog.h"

static int
parse(struct smsotp_args *a, int argc, const char **argv)
{
	tu_pamlog_reset();
	return smsotp_args_parse(NULL, argc, argv, a);
}

static void
test_defaults(void **state)
{
	struct smsotp_args a;

	(void)state;
	assert_int_equal(parse(&a, 0, NULL), 0);
	assert_int_equal(a.transport, SMSOTP_TRANSPORT_AUTO);
	assert_int_equal(a.max_prompts, SMSOTP_DEFAULT_MAX_PROMPTS);
	assert_string_equal(a.prompt, SMSOTP_DEFAULT_PROMPT);
	assert_false(a.debug || a.nullok || a.failmode_safe || a.echo);
}

static void
test_transport_values(void **state)
{
	static const struct {
		const char *arg;
		enum smsotp_transport want;
	} ok[] = {
		{ "transport=auto", SMSOTP_TRANSPORT_AUTO },
		{ "transport=socket", SMSOTP_TRANSPORT_SOCKET },
		{ "transport=exec", SMSOTP_TRANSPORT_EXEC },
	};
	struct smsotp_args a;
	const char *argv[2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		argv[0] = "debug";
		argv[1] = ok[i].arg;
		assert_int_equal(parse(&a, 2, argv), 0);
		assert_int_equal(a.transport, ok[i].want);
		assert_int_equal(a.debug, 1);
	}
	/* The last one counts, as for every argument. */
	argv[0] = "transport=exec";
	argv[1] = "transport=socket";
	assert_int_equal(parse(&a, 2, argv), 0);
	assert_int_equal(a.transport, SMSOTP_TRANSPORT_SOCKET);
}

static void
test_transport_bad(void **state)
{
	static const char *bad[] = {
		"transport=", "transport=Socket", "transport=pipe",
		"transport=auto ", "transport", "transport=socket,exec",
	};
	struct smsotp_args a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&a, 1, &bad[i]), -1);
		assert_true(tu_pamlog_has(LOG_ERR, "argument"));
	}
}

static void
test_other_bad(void **state)
{
	static const char *bad[] = {
		"failmode=open", "max_prompts=0", "max_prompts=11", "prompt=",
		"bogus", "config=relative",
	};
	struct smsotp_args a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(&a, 1, &bad[i]), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_transport_values),
		cmocka_unit_test(test_transport_bad),
		cmocka_unit_test(test_other_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
