/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_phone_sources.c - the configured phone sources (phones/phone.h,
 * phones_conf.h): the order they are asked in and an ERROR that stops the
 * lookup, with fake sources; RFC 4515 escaping and the LDAP URI's checks
 * (ldap.h); the GECOS phone field and CHFN_RESTRICT (gecos.h); the command
 * source's output and exits (command.h). phones = { ... }: test_phones_conf.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phones/command.h"
#include "phones/gecos.h"
#include "phones/ldap.h"
#include "phones/phone.h"
#include "testutil.h"

/* --- fake sources ------------------------------------------------------- */

struct fake {
	int answer;		/* what lookup returns (any int) */
	const char *number;	/* written to out with FOUND */
	int calls;
};

static enum smsotp_phone_result
fake_lookup(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	struct fake *f = src->ctx;

	(void)user;
	f->calls++;
	out[0] = '\0';
	if (f->number != NULL)
		snprintf(out, SMSOTP_E164_SIZE, "%s", f->number);
	if (f->answer == SMSOTP_PHONE_ERROR)
		snprintf(why, whysz, "fake failed");
	else if (f->answer == SMSOTP_PHONE_NONE)
		snprintf(why, whysz, "ignored");
	return (enum smsotp_phone_result)f->answer;
}

static const struct smsotp_phone_source_ops fake_ops = { "fake",
	fake_lookup };

static enum smsotp_phone_result
ask3(struct fake *a, struct fake *b, struct fake *c, char *out, char *why,
    size_t *which)
{
	struct smsotp_phone_source s[3] = {
		{ &fake_ops, "44", a }, { &fake_ops, "44", b },
		{ &fake_ops, "44", c },
	};

	a->calls = b->calls = c->calls = 0;
	return smsotp_phone_ask(s, 3, "alice", out, why, 320, which);
}

static void
test_order_first_found(void **state)
{
	struct fake a = { SMSOTP_PHONE_NONE, NULL, 0 };
	struct fake b = { SMSOTP_PHONE_FOUND, "+447700900222", 0 };
	struct fake c = { SMSOTP_PHONE_FOUND, "+447700900333", 0 };
	char out[SMSOTP_E164_SIZE], why[320];
	size_t which;

	(void)state;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_FOUND);
	assert_string_equal(out, "+447700900222");
	assert_string_equal(why, "");
	assert_int_equal(which, 1);
	assert_int_equal(a.calls + b.calls + c.calls, 2);
	assert_int_equal(c.calls, 0);	/* never asked */
	/* all NONE: NONE, every one asked, nothing said */
	b.answer = c.answer = SMSOTP_PHONE_NONE;
	b.number = c.number = NULL;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_NONE);
	assert_int_equal(which, 3);
	assert_int_equal(a.calls + b.calls + c.calls, 3);
	assert_string_equal(out, "");
	assert_string_equal(why, "");
	/* no sources: NONE */
	assert_int_equal(smsotp_phone_ask(NULL, 0, "alice", out, why,
	    sizeof(why), &which), SMSOTP_PHONE_NONE);
}

/* SECURITY: an ERROR stops: a later source (GECOS) never answers. */
static void
test_error_stops(void **state)
{
	struct fake a = { SMSOTP_PHONE_NONE, NULL, 0 };
	struct fake b = { SMSOTP_PHONE_ERROR, NULL, 0 };
	struct fake c = { SMSOTP_PHONE_FOUND, "+447700900333", 0 };
	char out[SMSOTP_E164_SIZE], why[320];
	size_t which;

	(void)state;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
	assert_int_equal(which, 1);
	assert_int_equal(c.calls, 0);
	assert_string_equal(out, "");
	assert_string_equal(why, "fake failed");
	/* the first one failing: the same */
	a.answer = SMSOTP_PHONE_ERROR;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
	assert_int_equal(which, 0);
	assert_int_equal(b.calls + c.calls, 0);
	/* an ERROR whose number was written anyway carries none */
	a.number = "+447700900111";
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
	assert_string_equal(out, "");
}

/* Anything but FOUND and NONE, or FOUND without a number, is ERROR. */
static void
test_contract_held(void **state)
{
	struct fake a = { 7, "+447700900111", 0 };
	struct fake b = { SMSOTP_PHONE_FOUND, "+447700900222", 0 };
	struct fake c = { SMSOTP_PHONE_FOUND, "+447700900333", 0 };
	char out[SMSOTP_E164_SIZE], why[320];
	size_t which;

	(void)state;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
	assert_int_equal(b.calls, 0);
	assert_string_equal(out, "");
	assert_non_null(strstr(why, "fake: no usable answer"));
	a.answer = SMSOTP_PHONE_FOUND;
	a.number = "07700900111";	/* not E.164 */
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
	assert_int_equal(b.calls, 0);
	assert_string_equal(out, "");
	a.number = NULL;
	assert_int_equal(ask3(&a, &b, &c, out, why, &which),
	    SMSOTP_PHONE_ERROR);
}

/* --- LDAP --------------------------------------------------------------- */

static void
test_ldap_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(smsotp_ldap_escape("a*b(c)d\\e", 9, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a\\2ab\\28c\\29d\\5ce");
	assert_int_equal(smsotp_ldap_escape("x\0y", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "x\\00y");
	assert_int_equal(smsotp_ldap_escape("*", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\\2a");
	/* nothing else is touched (it is not a DN) */
	assert_int_equal(smsotp_ldap_escape("j.doe-1,=+<>#;\"", 15, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "j.doe-1,=+<>#;\"");
	assert_int_equal(smsotp_ldap_escape("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* too long: refused, not cut */
	assert_int_equal(smsotp_ldap_escape("abc", 3, out, 3), -1);
	assert_string_equal(out, "");
	assert_int_equal(smsotp_ldap_escape("a*", 2, out, 4), -1);
	assert_int_equal(smsotp_ldap_escape("a*", 2, out, 5), 0);
	assert_string_equal(out, "a\\2a");
}

static void
test_ldap_filter(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(smsotp_ldap_filter("(uid=%u)", "*)(uid=*", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "(uid=\\2a\\29\\28uid=\\2a)");
	assert_int_equal(smsotp_ldap_filter("(|(uid=%u)(mail=%u@x))", "bob",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "(|(uid=bob)(mail=bob@x))");
	assert_int_equal(smsotp_ldap_filter("(uid=%s)", "bob", out,
	    sizeof(out)), -1);
	assert_int_equal(smsotp_ldap_filter("(uid=%)", "bob", out,
	    sizeof(out)), -1);
	assert_int_equal(smsotp_ldap_filter("(uid=%u)", "bobbybob", out, 12),
	    -1);
	assert_string_equal(out, "");
}

static void
test_ldap_uri(void **state)
{
	(void)state;
	assert_null(smsotp_ldap_uri_check("ldaps://ldap.example.org", 0, 0));
	assert_null(smsotp_ldap_uri_check("ldaps://ldap.example.org:636/", 0,
	    0));
	assert_null(smsotp_ldap_uri_check("ldap://ldap.example.org", 1, 0));
	assert_null(smsotp_ldap_uri_check("ldap://127.0.0.1:3890", 0, 1));
	assert_null(smsotp_ldap_uri_check("ldap://[::1]:389", 0, 1));
	assert_null(smsotp_ldap_uri_check("ldap://LOCALHOST", 0, 1));
	/* plain, not to loopback, or not insecure */
	assert_non_null(smsotp_ldap_uri_check("ldap://ldap.example.org", 0,
	    0));
	assert_non_null(smsotp_ldap_uri_check("ldap://127.0.0.1", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldap://ldap.example.org", 0,
	    1));
	assert_non_null(smsotp_ldap_uri_check("ldap://127.0.0.2", 0, 1));
	/* insecure with TLS is a mistake */
	assert_non_null(smsotp_ldap_uri_check("ldaps://127.0.0.1", 0, 1));
	assert_non_null(smsotp_ldap_uri_check("ldap://127.0.0.1", 1, 1));
	assert_non_null(smsotp_ldap_uri_check("ldaps://h", 1, 0));
	/* one URI, nothing else */
	assert_non_null(smsotp_ldap_uri_check("ldaps://a ldaps://b", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldaps://a,ldaps://b", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldaps://a/dc=x??sub", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldaps://u@a", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldaps://a:x", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldaps://", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("ldapi:///", 0, 0));
	assert_non_null(smsotp_ldap_uri_check("https://a", 0, 0));
}

/* --- GECOS -------------------------------------------------------------- */

static void
test_gecos_field(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(smsotp_gecos_phone("Alice A,Room 1,+44 7700 900123,"
	    "+44 20 7946 0000,x", out, sizeof(out)), 1);
	assert_string_equal(out, "+44 7700 900123");
	/* the work phone empty: the home phone */
	assert_int_equal(smsotp_gecos_phone("Alice,,  ,07700 900456", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "07700 900456");
	assert_int_equal(smsotp_gecos_phone("Alice,1,, \t", out, sizeof(out)),
	    0);
	assert_string_equal(out, "");
	assert_int_equal(smsotp_gecos_phone("Alice", out, sizeof(out)), 0);
	assert_int_equal(smsotp_gecos_phone("", out, sizeof(out)), 0);
	assert_int_equal(smsotp_gecos_phone(NULL, out, sizeof(out)), 0);
	assert_int_equal(smsotp_gecos_phone(",,x", out, sizeof(out)), 1);
	assert_string_equal(out, "x");	/* the caller refuses it */
	assert_int_equal(smsotp_gecos_phone(",,0123456789", out, 5), -1);
	assert_string_equal(out, "");
}

static void
test_chfn_restrict(void **state)
{
	(void)state;
	assert_int_equal(smsotp_chfn_allows_phone("# x\nCHFN_RESTRICT\t\trwh\n"),
	    1);	/* Debian's default */
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT rf\n"), 0);
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT h"), 1);
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT yes\n"), 1);
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT no\n"), 0);
	assert_int_equal(smsotp_chfn_allows_phone("#CHFN_RESTRICT rwh\n"), 0);
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT_X w\n"), 0);
	assert_int_equal(smsotp_chfn_allows_phone(""), 0);
	/* the last one counts */
	assert_int_equal(smsotp_chfn_allows_phone("CHFN_RESTRICT rwh\n"
	    "CHFN_RESTRICT r\n"), 0);
}

/* --- the command source ------------------------------------------------- */

static void
test_command_output(void **state)
{
	char e[SMSOTP_E164_SIZE], why[320];
	char big[SMSOTP_PHONE_CMD_OUT_MAX + 2];

	(void)state;
	assert_int_equal(smsotp_phone_command_output("+447700900123\n", 14,
	    "44", e, why, sizeof(why)), SMSOTP_PHONE_FOUND);
	assert_string_equal(e, "+447700900123");
	assert_int_equal(smsotp_phone_command_output("07700 900123", 12,
	    "44", e, why, sizeof(why)), SMSOTP_PHONE_FOUND);
	assert_string_equal(e, "+447700900123");
	assert_int_equal(smsotp_phone_command_output("", 0, "44", e, why,
	    sizeof(why)), SMSOTP_PHONE_NONE);
	assert_int_equal(smsotp_phone_command_output("\n", 1, "44", e, why,
	    sizeof(why)), SMSOTP_PHONE_NONE);
	assert_string_equal(e, "");
	assert_int_equal(smsotp_phone_command_output("no such user\n", 13,
	    "44", e, why, sizeof(why)), SMSOTP_PHONE_ERROR);
	assert_non_null(strstr(why, "bad number"));
	assert_null(strstr(why, "no such user"));	/* never the output */
	assert_int_equal(smsotp_phone_command_output("+447700900123\n"
	    "+447700900124\n", 28, "44", e, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);
	assert_non_null(strstr(why, "more than one line"));
	assert_int_equal(smsotp_phone_command_output("\n\n", 2, "44", e, why,
	    sizeof(why)), SMSOTP_PHONE_ERROR);
	assert_int_equal(smsotp_phone_command_output("+447700900123\r\n", 15,
	    "44", e, why, sizeof(why)), SMSOTP_PHONE_ERROR);
	assert_int_equal(smsotp_phone_command_output("+4477\0" "00900123",
	    14, "44", e, why, sizeof(why)), SMSOTP_PHONE_ERROR);
	memset(big, '1', sizeof(big));
	assert_int_equal(smsotp_phone_command_output(big, sizeof(big), "44",
	    e, why, sizeof(why)), SMSOTP_PHONE_ERROR);
	assert_string_equal(e, "");
}

/* The program's exits through the source. */
static void
test_command_runs(void **state)
{
	static const struct {
		const char *body;
		int want;
		const char *why;
	} cases[] = {
		{ "echo \"+44 7700 $1\"", SMSOTP_PHONE_FOUND, NULL },
		{ "exit 0", SMSOTP_PHONE_NONE, NULL },
		{ "echo +447700900123; exit 1", SMSOTP_PHONE_ERROR, "exit 1" },
		{ "kill -TERM $$", SMSOTP_PHONE_ERROR, "killed by signal 15" },
		{ "echo garbage", SMSOTP_PHONE_ERROR, "bad number" },
		{ "head -c 200 /dev/zero | tr '\\0' 1", SMSOTP_PHONE_ERROR,
		    "more than 64 bytes" },
		/* an empty environment; stdin is /dev/null */
		{ "[ \"$(/usr/bin/env | /bin/grep -cv '^PWD=')\" = 0 ] && "
		    "[ -z \"$(/bin/cat)\" ] && echo +447700900777",
		    SMSOTP_PHONE_FOUND, NULL },
		/* stderr is not the output */
		{ "echo oops >&2", SMSOTP_PHONE_NONE, NULL },
	};
	char *dir = tu_tmpdir(), body[512], out[SMSOTP_E164_SIZE], why[320];
	struct smsotp_phone_command c;
	struct smsotp_phone_source src = { &smsotp_phone_source_command, "44",
	    &c };
	size_t i;

	(void)state;
	assert_int_equal(setenv("SMSOTP_TEST_LEAK", "1", 1), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "#!/bin/sh\n%s\n", cases[i].body);
		memset(&c, 0, sizeof(c));
		c.argv[0] = tu_write(dir, "phone-of", body, 0755);
		c.argv[1] = (char *)"%u";
		c.argc = 2;
		c.timeout = 5;
		c.owner = geteuid();
		if (smsotp_phone_ask(&src, 1, "900123", out, why, sizeof(why),
		    NULL) != cases[i].want)
			fail_msg("case %zu: %s: want %d (%s)", i, cases[i].body,
			    cases[i].want, why);
		if (cases[i].why != NULL && strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: why %s", i, why);
		if (cases[i].want == SMSOTP_PHONE_FOUND)
			assert_true(smsotp_e164_ok(out));
		free(c.argv[0]);
	}
	/* unsafe: group-writable, or someone else's */
	memset(&c, 0, sizeof(c));
	c.argv[0] = tu_write(dir, "phone-of", "#!/bin/sh\necho +447700900123\n",
	    0775);
	c.argc = 1;
	c.timeout = 5;
	c.owner = geteuid();
	assert_int_equal(smsotp_phone_ask(&src, 1, "bob", out, why,
	    sizeof(why), NULL), SMSOTP_PHONE_ERROR);
	assert_non_null(strstr(why, "writable by group or others"));
	assert_int_equal(chmod(c.argv[0], 0755), 0);
	c.owner = geteuid() + 1;
	assert_int_equal(smsotp_phone_ask(&src, 1, "bob", out, why,
	    sizeof(why), NULL), SMSOTP_PHONE_ERROR);
	free(c.argv[0]);
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_first_found),
		cmocka_unit_test(test_error_stops),
		cmocka_unit_test(test_contract_held),
		cmocka_unit_test(test_ldap_escape),
		cmocka_unit_test(test_ldap_filter),
		cmocka_unit_test(test_ldap_uri),
		cmocka_unit_test(test_gecos_field),
		cmocka_unit_test(test_chfn_restrict),
		cmocka_unit_test(test_command_output),
		cmocka_unit_test(test_command_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
