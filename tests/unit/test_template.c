/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_template.c - unit tests for the SMS text template.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/template.h"

static const struct smsotp_tvars vars = {
	.code = "123456",
	.service = "sshd",
	.host = "web1",
	.minutes = "5",
	.user = "alice",
};

static void
test_render_all(void **state)
{
	char out[SMSOTP_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(smsotp_template_render("%{code} is your %{service} "
	    "code for %{user}@%{host}, valid %{minutes} min.", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out,
	    "123456 is your sshd code for alice@web1, valid 5 min.");
	/* repeated, adjacent, at both ends */
	assert_int_equal(smsotp_template_render("%{code}%{code}", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "123456123456");
	assert_int_equal(smsotp_template_render("", &vars, out, sizeof(out)),
	    0);
	assert_string_equal(out, "");
	assert_int_equal(smsotp_template_render("no placeholder", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "no placeholder");
}

static void
test_render_percent(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(smsotp_template_render("100%% %{code}", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "100% 123456");
	assert_int_equal(smsotp_template_render("%%%%", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "%%");
	/* "%%{code}" is a literal "%{code}", not a placeholder */
	assert_int_equal(smsotp_template_render("%%{code}", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "%{code}");
	/* a value holding '%' or "%{" is copied, not expanded */
	{
		struct smsotp_tvars v = vars;
		v.user = "%{code}%";
		assert_int_equal(smsotp_template_render("[%{user}]", &v, out,
		    sizeof(out)), 0);
		assert_string_equal(out, "[%{code}%]");
	}
}

static void
test_render_null_vars(void **state)
{
	struct smsotp_tvars v = { .code = "42424242" };
	char out[64];

	(void)state;
	assert_int_equal(smsotp_template_render("<%{code}|%{service}|%{host}|"
	    "%{minutes}|%{user}>", &v, out, sizeof(out)), 0);
	assert_string_equal(out, "<42424242||||>");
	assert_int_equal(smsotp_template_render("<%{code}>", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "<>");
}

static const char *const bad_templates[] = {
	"%{nope} %{code}",
	"%{Code}",
	"%{ code}",
	"%{}",
	"%{code",
	"%{code} %{user",
	"%{code} %",
	"%{code} 100%",
	"%{code} %d",
	"%s %{code}",
	"% {code}",
	"%{code}}%{",
};

static void
test_errors(void **state)
{
	char out[64];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_templates) / sizeof(bad_templates[0]);
	    i++) {
		why = NULL;
		if (smsotp_template_check(bad_templates[i], &why) != -1)
			fail_msg("check accepted \"%s\"", bad_templates[i]);
		assert_non_null(why);
		memset(out, 'x', sizeof(out));
		if (smsotp_template_render(bad_templates[i], &vars, out,
		    sizeof(out)) != -1)
			fail_msg("render accepted \"%s\"", bad_templates[i]);
		assert_string_equal(out, "");
		/* no partial text (it could hold the code) is left behind */
		assert_null(memchr(out, '1', sizeof(out)));
	}
	assert_int_equal(smsotp_template_check("%{nope} %{code}", &why), -1);
	assert_non_null(strstr(why, "unknown"));
	assert_int_equal(smsotp_template_check("%{code", &why), -1);
	assert_non_null(strstr(why, "unterminated"));
	assert_int_equal(smsotp_template_check("%{code} 5%", &why), -1);
	assert_non_null(strstr(why, "lone"));
	assert_int_equal(smsotp_template_check(NULL, &why), -1);
}

static void
test_check(void **state)
{
	const char *why = NULL;
	char out[64];

	(void)state;
	assert_int_equal(smsotp_template_check("Your code: %{code}", &why), 0);
	assert_int_equal(smsotp_template_check("%{code}", &why), 0);
	assert_int_equal(smsotp_template_check("%{service} %{host} %{minutes} "
	    "%{user} %{code} 100%%", &why), 0);
	/* %{code} is required by check, */
	assert_int_equal(smsotp_template_check("Your code: soon", &why), -1);
	assert_non_null(strstr(why, "%{code}"));
	assert_int_equal(smsotp_template_check("%%{code}", &why), -1);
	assert_int_equal(smsotp_template_check("", &why), -1);
	/* but render of a well-formed text without it works */
	assert_int_equal(smsotp_template_render("Hello %{user}", &vars, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "Hello alice");
}

static void
test_too_long(void **state)
{
	char tmpl[2 * SMSOTP_TEXT_MAX], out[2 * SMSOTP_TEXT_MAX];
	char small[12];
	struct smsotp_tvars v = vars;
	char longuser[SMSOTP_TEXT_MAX + 2];

	(void)state;
	/* fits exactly in outsz - 1 */
	assert_int_equal(smsotp_template_render("abc %{code}", &vars, small,
	    11), 0);
	assert_string_equal(small, "abc 123456");
	/* one byte more than outsz - 1: -1 and empty, no truncation */
	memset(small, 'x', sizeof(small));
	assert_int_equal(smsotp_template_render("abcd %{code}", &vars, small,
	    11), -1);
	assert_string_equal(small, "");
	assert_int_equal(small[11], 'x');	/* nothing past outsz */
	memset(small, 'x', sizeof(small));
	assert_int_equal(smsotp_template_render("%{code}", &vars, small, 6),
	    -1);
	assert_string_equal(small, "");
	assert_int_equal(smsotp_template_render("", &vars, small, 1), 0);
	assert_string_equal(small, "");

	/* SMSOTP_TEXT_MAX caps even a bigger buffer */
	memset(tmpl, 'a', SMSOTP_TEXT_MAX - 6);
	strcpy(tmpl + SMSOTP_TEXT_MAX - 6, "%{code}");
	assert_int_equal(smsotp_template_render(tmpl, &vars, out, sizeof(out)),
	    0);
	assert_int_equal(strlen(out), SMSOTP_TEXT_MAX);
	memset(tmpl, 'a', SMSOTP_TEXT_MAX - 5);
	strcpy(tmpl + SMSOTP_TEXT_MAX - 5, "%{code}");
	assert_int_equal(smsotp_template_render(tmpl, &vars, out, sizeof(out)),
	    -1);
	assert_string_equal(out, "");
	/* a long value is caught the same way */
	memset(longuser, 'u', sizeof(longuser) - 1);
	longuser[sizeof(longuser) - 1] = '\0';
	v.user = longuser;
	assert_int_equal(smsotp_template_render("%{code} %{user}", &v, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_all),
		cmocka_unit_test(test_render_percent),
		cmocka_unit_test(test_render_null_vars),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
