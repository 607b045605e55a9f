/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_conf.c - configuration loading and validation.
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
#include "gateways/gateway.h"
#include "testutil.h"

struct fx {
	char *dir;
	char *users;
	char *token;
	char *ca;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->users = tu_write(f->dir, "users", "alice +447700900123\n", 0644);
	f->token = tu_write(f->dir, "token", "s3cr3t-token\n", 0600);
	f->ca = tu_write(f->dir, "ca.pem", "not really a CA\n", 0644);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->users);
	free(f->token);
	free(f->ca);
	free(f);
	return 0;
}

/* Write text as the config (mode), load it; returns load's result. */
static int
load(struct fx *f, const char *text, mode_t mode, struct smsotp_conf *c,
    struct smsotp_errs *e)
{
	struct smsotp_conf_opts o = { geteuid() };
	char *p = tu_write(f->dir, "smsotp.conf", text, mode);
	int rv;

	memset(e, 0, sizeof(*e));
	rv = smsotp_conf_load(p, &o, c, e);
	free(p);
	return rv;
}

/* 1 when some error message contains all of the given fragments. */
static int
has_error(const struct smsotp_errs *e, const char *a, const char *b)
{
	int i;

	for (i = 0; i < e->n && i < SMSOTP_MAX_ERRS; i++)
		if (strstr(e->msg[i], a) != NULL &&
		    (b == NULL || strstr(e->msg[i], b) != NULL))
			return 1;
	return 0;
}

static char *
contract(struct fx *f)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
	    "# contract\n"
	    "code = { length = 6; ttl = 300; max_attempts = 3; };\n"
	    "message = \"%%{code} is your %%{service} login code for %%{host}. "
	    "It expires in %%{minutes} minutes.\";\n"
	    "phones = { file = \"%s\"; default_country = \"44\"; };\n"
	    "limits = { resend_cooldown = 30; };\n"
	    "gateways = (\n"
	    "  { name = \"demo\"; type = \"outbox\"; path = \"%s/outbox\"; },\n"
	    "  { name = \"twilio\"; type = \"twilio\"; account_sid = "
	    "\"AC0123456789abcdef0123456789abcdef\";\n"
	    "    auth_token_file = \"%s\"; from = \"+15005550006\";\n"
	    "    base_url = \"https://api.twilio.com\"; ca_file = \"%s\";\n"
	    "    connect_timeout = 3; timeout = 10; }\n"
	    ");\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"twilio\" ]; } );\n",
	    f->users, f->dir, f->token, f->ca);
	return buf;
}

static void
test_contract_parses(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f, contract(f), 0600, &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c.code_length, 6);
	assert_int_equal(c.code_ttl, 300);
	assert_int_equal(c.code_max_attempts, 3);
	assert_string_equal(c.default_country, "44");
	assert_string_equal(c.phones_file, f->users);
	assert_int_equal(c.resend_cooldown, 30);
	assert_int_equal(c.ngateways, 2);
	assert_string_equal(c.gateways[0].name, "demo");
	assert_ptr_equal(c.gateways[0].type, &smsotp_gw_outbox);
	assert_ptr_equal(c.gateways[1].type, &smsotp_gw_twilio);
	assert_int_equal(c.nroutes, 1);
	assert_string_equal(c.routes[0].prefix, "+");
	assert_int_equal(c.routes[0].ngw, 1);
	assert_int_equal(c.routes[0].gw[0], 1);
	/* defaults of what the contract leaves out */
	assert_int_equal(c.sends_per_user, 5);
	assert_int_equal(c.sends_window, 900);
	assert_int_equal(c.lockout_after, 10);
	assert_int_equal(c.lockout_time, 900);
	assert_int_equal(c.lockout_max, 86400);
	assert_int_equal(c.send_deadline, 15);
	smsotp_conf_free(&c);
}

static void
test_minimal_defaults(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f, "gateways = ( { name = \"o\"; type = \"outbox\"; "
	    "path = \"/tmp/x\"; } );\n", 0600, &c, &e), 0);
	assert_int_equal(c.code_length, 6);
	assert_non_null(strstr(c.message, "%{code}"));
	assert_null(c.phones_file);
	assert_int_equal(c.nroutes, 0);
	smsotp_conf_free(&c);
}

static void
test_unknown_keys_with_lines(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f,
	    "gateways = ( { name = \"o\"; type = \"outbox\"; path = \"/tmp/x\"; } );\n"
	    "\n"
	    "colour = \"blue\";\n"
	    "code = {\n"
	    "  length = 6;\n"
	    "  lenght = 7;\n"
	    "};\n", 0600, &c, &e), -1);
	assert_true(has_error(&e, ":3: ", "unknown setting 'colour'"));
	assert_true(has_error(&e, ":6: ", "unknown setting 'code.lenght'"));
	assert_int_equal(e.n, 2);
}

static void
test_out_of_range(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	static const char *const bad[] = {
		"code = { length = 11; };", "code.length",
		"code = { length = 3; };", "code.length",
		"code = { ttl = 4; };", "code.ttl",
		"code = { max_attempts = 0; };", "code.max_attempts",
		"limits = { resend_cooldown = -1; };", "limits.resend_cooldown",
		"limits = { max_live_codes = 9; };", "limits.max_live_codes",
		"limits = { sends_per_user = 100; };", "sends_per_user",
		"limits = { lockout_time = 600; lockout_max = 60; };", "lockout_max",
		"code = { length = \"6\"; };", "must be an integer",
		"code = { length = 6.5; };", "must be an integer",
		"phones = { default_country = \"+44\"; };", "default_country",
		"phones = { default_country = \"4444\"; };", "default_country",
		"phones = { file = \"relative/users\"; };", "absolute",
		"code = 6;", "must be a group",
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i += 2) {
		snprintf(text, sizeof(text), "gateways = ( { name = \"o\"; "
		    "type = \"outbox\"; path = \"/tmp/x\"; } );\n%s\n", bad[i]);
		assert_int_equal(load(f, text, 0600, &c, &e), -1);
		if (!has_error(&e, ":2: ", bad[i + 1])) {
			fprintf(stderr, "case %s: got '%s'\n", bad[i], e.msg[0]);
			fail();
		}
	}
}

/* The bounds NIST SP 800-63B-4 sets are refused with the rule named. */
static void
test_nist_bounds(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	static const char *const bad[] = {
		"code = { length = 4; };", "at least 6 digits",
		"code = { length = 5; };", "at least 6 digits",
		"code = { ttl = 900; };", "at most 10 minutes",
		"code = { ttl = 601; };", "at most 10 minutes",
		"limits = { lockout_after = 500; };", "at most 100 failures",
		"limits = { lockout_after = 101; };", "at most 100 failures",
	};
	static const char *const good[] = {
		"code = { length = 6; ttl = 600; };",
		"limits = { lockout_after = 100; };",
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i += 2) {
		snprintf(text, sizeof(text), "gateways = ( { name = \"o\"; "
		    "type = \"outbox\"; path = \"/tmp/x\"; } );\n%s\n", bad[i]);
		assert_int_equal(load(f, text, 0600, &c, &e), -1);
		if (!has_error(&e, "NIST SP 800-63B-4: ", bad[i + 1])) {
			fprintf(stderr, "case %s: got '%s'\n", bad[i], e.msg[0]);
			fail();
		}
	}
	/* a bound no rule sets is said without one */
	snprintf(text, sizeof(text), "gateways = ( { name = \"o\"; type = "
	    "\"outbox\"; path = \"/tmp/x\"; } );\ncode = { length = 11; };\n");
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_false(has_error(&e, "NIST", NULL));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "gateways = ( { name = \"o\"; "
		    "type = \"outbox\"; path = \"/tmp/x\"; } );\n%s\n",
		    good[i]);
		assert_int_equal(load(f, text, 0600, &c, &e), 0);
		smsotp_conf_free(&c);
	}
}

static void
test_file_modes(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	const char *ok = "gateways = ( { name = \"o\"; type = \"outbox\"; "
	    "path = \"/tmp/x\"; } );\n";
	char text[1024], *p, *link;

	assert_int_equal(load(f, ok, 0644, &c, &e), -1);
	assert_true(has_error(&e, "readable by others", NULL));
	assert_int_equal(load(f, ok, 0620, &c, &e), -1);
	assert_true(has_error(&e, "writable by group or others", NULL));
	assert_int_equal(load(f, ok, 0640, &c, &e), 0);
	smsotp_conf_free(&c);

	/* a symlink in place of the config is refused */
	p = tu_path(f->dir, "smsotp.conf");
	link = tu_path(f->dir, "link.conf");
	assert_int_equal(symlink(p, link), 0);
	{
		struct smsotp_conf_opts o = { geteuid() };
		memset(&e, 0, sizeof(e));
		assert_int_equal(smsotp_conf_load(link, &o, &c, &e), -1);
		assert_true(has_error(&e, "symbolic link", NULL));
		/* another owner is refused */
		o.owner = geteuid() + 1;
		memset(&e, 0, sizeof(e));
		assert_int_equal(smsotp_conf_load(p, &o, &c, &e), -1);
		assert_true(has_error(&e, "owned by uid", NULL));
	}
	free(p);
	free(link);

	/* a group-writable users file is refused with the setting's line */
	assert_int_equal(chmod(f->users, 0664), 0);
	snprintf(text, sizeof(text), "%s\nphones = { file = \"%s\"; };\n", ok,
	    f->users);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":3: ", "writable by group or others"));
	assert_int_equal(chmod(f->users, 0644), 0);

	/* a missing users file is an error too */
	snprintf(text, sizeof(text), "%s\nphones = { file = \"%s/nope\"; };\n",
	    ok, f->dir);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":3: ", "No such file"));
}

static void
test_secret_file_mode(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(chmod(f->token, 0644), 0);
	assert_int_equal(load(f, contract(f), 0600, &c, &e), -1);
	assert_true(has_error(&e, ":9: ", "readable by others"));
	assert_int_equal(chmod(f->token, 0600), 0);
}

static void
test_message_placeholders(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	const char *gw = "gateways = ( { name = \"o\"; type = \"outbox\"; "
	    "path = \"/tmp/x\"; } );\n";
	char text[512];

	snprintf(text, sizeof(text), "%smessage = \"%%{code} for %%{hostname}\";\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "message"));
	snprintf(text, sizeof(text), "%smessage = \"no code here\";\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "message"));
	snprintf(text, sizeof(text), "%smessage = \"%%{user}: %%{code} 100%%%% %%{minutes}\";\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), 0);
	smsotp_conf_free(&c);
}

static void
test_gateways_and_routes(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f, "code = { length = 6; };\n", 0600, &c, &e), -1);
	assert_true(has_error(&e, "missing setting 'gateways'", NULL));

	assert_int_equal(load(f,
	    "gateways = ( { name = \"o\"; type = \"pigeon\"; } );\n", 0600, &c, &e), -1);
	assert_true(has_error(&e, ":1: ", "unknown type 'pigeon'"));

	assert_int_equal(load(f,
	    "gateways = ( { name = \"o\"; type = \"outbox\"; path = \"/tmp/a\"; },\n"
	    "             { name = \"o\"; type = \"outbox\"; path = \"/tmp/b\"; } );\n",
	    0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "duplicate gateway name 'o'"));

	assert_int_equal(load(f,
	    "gateways = ( { name = \"o\"; type = \"outbox\"; path = \"/tmp/a\"; "
	    "colour = 1; } );\n", 0600, &c, &e), -1);
	assert_true(has_error(&e, ":1: ", "unknown setting"));

	assert_int_equal(load(f,
	    "gateways = ( { name = \"o\"; type = \"outbox\"; path = \"/tmp/a\"; } );\n"
	    "routes = ( { prefix = \"+44\"; gateways = [ \"o\" ]; },\n"
	    "           { prefix = \"+1\"; gateways = [ \"nope\" ]; },\n"
	    "           { prefix = \"44\"; gateways = [ \"o\" ]; } );\n",
	    0600, &c, &e), -1);
	assert_true(has_error(&e, ":3: ", "unknown gateway 'nope'"));
	assert_true(has_error(&e, ":4: ", "prefix '44'"));

	assert_int_equal(load(f,
	    "gateways = ( { name = \"a\"; type = \"outbox\"; path = \"/tmp/a\"; },\n"
	    "             { name = \"b\"; type = \"outbox\"; path = \"/tmp/b\"; } );\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"a\" ]; },\n"
	    "           { prefix = \"+44\"; gateways = [ \"b\", \"a\" ]; } );\n",
	    0600, &c, &e), 0);
	assert_int_equal(c.nroutes, 2);
	assert_string_equal(smsotp_gw_route_for(&c, "+447700900123")->prefix, "+44");
	assert_string_equal(smsotp_gw_route_for(&c, "+15005550006")->prefix, "+");
	assert_int_equal(smsotp_gw_route_for(&c, "+447700900123")->gw[0], 1);
	smsotp_conf_free(&c);
}

static void
test_syntax_and_include(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f, "code = {\n length = 6\n ttl = 3; };\n", 0600,
	    &c, &e), -1);
	assert_true(has_error(&e, ":3: ", NULL));
	assert_int_equal(load(f, "gateways = ();\n  @include \"/etc/shadow\"\n",
	    0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "@include"));
}

static void
test_fail_open_syntax_refused(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	const char *gw = "gateways = ( { name = \"o\"; type = \"outbox\"; "
	    "path = \"/tmp/x\"; } );\n";
	char text[512];

	/* libconfig would wrap 2^32 to 0 ("no cap"): refused */
	snprintf(text, sizeof(text), "%slimits = { sends_window = 4294967296; };\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "out of range"));
	snprintf(text, sizeof(text), "%slimits = {\n sends_per_user = -4294967295; };\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":3: ", "out of range"));
	/* an unclosed comment would hide the rest of the file: refused */
	snprintf(text, sizeof(text), "%s/* TODO\nlimits = { sends_per_user = 1; };\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), -1);
	assert_true(has_error(&e, ":2: ", "unterminated comment"));
	/* numbers inside strings, names and comments are not numbers */
	snprintf(text, sizeof(text), "%s# 99999999999\nmessage = \"%%{code} 99999999999\";\n"
	    "/* 99999999999 */ code = { length = 6; ttl = 0x12c; };\n", gw);
	assert_int_equal(load(f, text, 0600, &c, &e), 0);
	assert_int_equal(c.code_ttl, 300);
	smsotp_conf_free(&c);
}

static void
test_all_errors_reported(void **state)
{
	struct fx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;

	assert_int_equal(load(f,
	    "a = 1;\nb = 2;\ncode = { length = 99; ttl = 1; };\n"
	    "gateways = ( { name = \"o\"; type = \"outbox\"; path = \"x\"; } );\n",
	    0600, &c, &e), -1);
	assert_int_equal(e.n, 5);
	assert_true(has_error(&e, ":1: ", "'a'"));
	assert_true(has_error(&e, ":2: ", "'b'"));
	assert_true(has_error(&e, ":3: ", "code.length"));
	assert_true(has_error(&e, ":3: ", "code.ttl"));
	assert_true(has_error(&e, ":4: ", "absolute"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_contract_parses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimal_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys_with_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nist_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_placeholders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateways_and_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_and_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_open_syntax_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_errors_reported, setup, teardown),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
