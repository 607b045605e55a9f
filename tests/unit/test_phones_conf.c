/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_phones_conf.c - phones = { ... } as the loader reads it
 * (phones/phones_conf.h): the sources and their order, each source's
 * settings and defaults, and what check-config refuses, with FILE:LINE.
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

#include "core/conf_load.h"
#include "phones/command.h"
#include "phones/ldap.h"
#include "phones/phones_conf.h"
#include "testutil.h"

struct cfx {
	char *dir, *users, *prog, *pw, *pwbad;
};

static int
setup(void **state)
{
	struct cfx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->users = tu_write(f->dir, "users", "alice +447700900123\n", 0640);
	f->prog = tu_write(f->dir, "prog", "#!/bin/sh\nexit 0\n", 0755);
	f->pw = tu_write(f->dir, "pw", "secret\n", 0640);
	f->pwbad = tu_write(f->dir, "pwbad", "secret\n", 0644);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct cfx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->users);
	free(f->prog);
	free(f->pw);
	free(f->pwbad);
	free(f);
	return 0;
}

/* Load a config with this phones group; 0 or -1, the errors in e. */
static int
load(struct cfx *f, const char *phones, struct smsotp_conf *c,
    struct smsotp_errs *e)
{
	struct smsotp_conf_opts o = { geteuid() };
	char text[4096], *p;
	int rv;

	snprintf(text, sizeof(text), "phones = { %s };\ngateways = ( { name = "
	    "\"o\"; type = \"outbox\"; path = \"%s/outbox\"; } );\n", phones,
	    f->dir);
	p = tu_write(f->dir, "smsotp.conf", text, 0640);
	memset(e, 0, sizeof(*e));
	rv = smsotp_conf_load(p, &o, c, e);
	free(p);
	return rv;
}

static int
refused(struct cfx *f, const char *phones, const char *what)
{
	struct smsotp_conf c;
	struct smsotp_errs e;
	int i;

	if (load(f, phones, &c, &e) == 0) {
		smsotp_conf_free(&c);
		fail_msg("accepted: %s", phones);
	}
	for (i = 0; i < e.n && i < SMSOTP_MAX_ERRS; i++)
		if (strstr(e.msg[i], what) != NULL &&
		    strstr(e.msg[i], "smsotp.conf:1: ") != NULL)
			return 1;
	fail_msg("%s: no error with '%s' (first: %s)", phones, what,
	    e.n > 0 ? e.msg[0] : "none");
	return 0;
}

static void
test_conf_sources(void **state)
{
	struct cfx *f = *state;
	struct smsotp_conf c;
	struct smsotp_errs e;
	char buf[1024];

	/* the default: the users file alone */
	snprintf(buf, sizeof(buf), "file = \"%s\";", f->users);
	assert_int_equal(load(f, buf, &c, &e), 0);
	assert_non_null(c.phones);
	assert_int_equal(c.phones->nsources, 1);
	assert_int_equal(c.phones->sources[0], SMSOTP_PHONE_KIND_FILE);
	assert_null(c.phones->ldap);
	assert_null(c.phones->command);
	smsotp_conf_free(&c);
	/* all four, in the order given */
	snprintf(buf, sizeof(buf), "sources = [ \"gecos\", \"command\", "
	    "\"ldap\", \"file\" ]; file = \"%s\"; command = [ \"%s\", \"-u\", "
	    "\"%%u\" ]; command_timeout = 2; ldap = { uri = "
	    "\"ldaps://127.0.0.1:6360\"; base = \"dc=example,dc=org\"; "
	    "bind_dn = \"cn=x\"; bind_password_file = \"%s\"; timeout = 3; };",
	    f->users, f->prog, f->pw);
	assert_int_equal(load(f, buf, &c, &e), 0);
	assert_int_equal(c.phones->nsources, 4);
	assert_int_equal(c.phones->sources[0], SMSOTP_PHONE_KIND_GECOS);
	assert_int_equal(c.phones->sources[1], SMSOTP_PHONE_KIND_COMMAND);
	assert_int_equal(c.phones->sources[2], SMSOTP_PHONE_KIND_LDAP);
	assert_int_equal(c.phones->sources[3], SMSOTP_PHONE_KIND_FILE);
	assert_int_equal(c.phones->command->argc, 3);
	assert_string_equal(c.phones->command->argv[2], "%u");
	assert_int_equal(c.phones->command->timeout, 2);
	assert_string_equal(c.phones->ldap->filter, "(uid=%u)");
	assert_string_equal(c.phones->ldap->attribute, "mobile");
	assert_int_equal(c.phones->ldap->timeout, 3);
	assert_int_equal(c.phones->ldap->starttls, 0);
	assert_null(c.phones->ldap->ca_file);
	smsotp_conf_free(&c);
	/* no phones group at all */
	assert_int_equal(load(f, "", &c, &e), 0);
	assert_int_equal(c.phones->nsources, 1);
	smsotp_conf_free(&c);
}

/* An ldap group of "ldaps://h" and "dc=x" with more settings: refused. */
static void
refused_ldap(struct cfx *f, const char *more, const char *what)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "sources = [ \"ldap\" ]; ldap = { uri = "
	    "\"ldaps://h\"; base = \"dc=x\"; %s };", more);
	refused(f, buf, what);
}

/* The command [ f->prog, arg ] (arg "" : none) and more: refused. */
static void
refused_command(struct cfx *f, const char *arg, const char *more,
    const char *what)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "sources = [ \"command\" ]; command = "
	    "[ \"%s\"%s%s%s ]; %s", f->prog, arg[0] != '\0' ? ", \"" : "",
	    arg, arg[0] != '\0' ? "\"" : "", more);
	refused(f, buf, what);
}

static void
test_conf_refused(void **state)
{
	struct cfx *f = *state;
	char buf[1024];

	refused(f, "sources = [ \"nis\" ];", "unknown source 'nis'");
	refused(f, "sources = [ \"gecos\", \"gecos\" ];", "listed twice");
	refused(f, "sources = [ ];", "'phones.sources' must be");
	refused(f, "sources = [ \"ldap\" ];", "no 'phones.ldap'");
	refused(f, "sources = [ \"command\" ];", "no 'phones.command'");
	refused(f, "sources = [ \"file\", \"gecos\" ];", "no 'phones.file'");
	refused(f, "ldap = { uri = \"ldaps://h\"; base = \"dc=x\"; };",
	    "does not list \"ldap\"");
	snprintf(buf, sizeof(buf), "command = [ \"%s\" ];", f->prog);
	refused(f, buf, "does not list \"command\"");
	refused(f, "command_timeout = 5;", "without 'phones.command'");
	/* the URI */
	refused(f, "sources = [ \"ldap\" ]; ldap = { uri = \"ldap://h\"; "
	    "base = \"dc=x\"; };", "needs 'starttls = true'");
	refused(f, "sources = [ \"ldap\" ]; ldap = { uri = \"ldap://h\"; "
	    "base = \"dc=x\"; insecure = true; };", "'insecure = true' is only");
	refused(f, "sources = [ \"ldap\" ]; ldap = { uri = \"ldap://127.0.0.1\"; "
	    "base = \"dc=x\"; };", "'phones.ldap.uri'");
	refused(f, "sources = [ \"ldap\" ]; ldap = { base = \"dc=x\"; };",
	    "missing setting 'ldap.uri'");
	refused(f, "sources = [ \"ldap\" ]; ldap = { uri = \"ldaps://h\"; };",
	    "missing setting 'ldap.base'");
	/* the filter, the numbers, unknown keys */
	refused_ldap(f, "filter = \"(uid=%s)\";", "'phones.ldap.filter'");
	refused_ldap(f, "filter = \"uid=%u\";", "'phones.ldap.filter'");
	refused_ldap(f, "timeout = 31;", "'ldap.timeout' = 31 is out of range");
	refused_ldap(f, "colour = 1;", "colour");
	/* the bind password file: with bind_dn, and safe */
	refused_ldap(f, "bind_dn = \"cn=x\";",
	    "bind_dn and bind_password_file go together");
	snprintf(buf, sizeof(buf), "bind_dn = \"cn=x\"; bind_password_file = "
	    "\"%s\";", f->pwbad);
	refused_ldap(f, buf, "pwbad");		/* world-readable */
	assert_int_equal(chmod(f->pwbad, 0660), 0);
	refused_ldap(f, buf, "pwbad");		/* group-writable */
	/* the command */
	refused(f, "sources = [ \"command\" ]; command = [ \"prog\" ];",
	    "absolute path");
	refused_command(f, "--user=%u", "", "only as a whole argument");
	refused_command(f, "", "command_timeout = 0;",
	    "'phones.command_timeout' = 0 is out of range");
	assert_int_equal(chmod(f->prog, 0775), 0);
	refused_command(f, "", "", "writable by group or others");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf_sources, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
