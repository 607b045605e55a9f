/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_policy.c - policy = { ... } (core/policy.h) as begin applies it:
 * exempt and only groups (NSS, with root and nobody), exempt networks
 * matched against a privileged caller's literal address only, a service
 * that is skipped, its own message and failmode; each skip answered SKIP
 * with its reason and noted, nothing sent.
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
#include <sys/socket.h>

#include "core/engine.h"
#include "core/policy.h"
#include "engine_fixture.h"
#include "testutil.h"

#define USERS "root +447700900123\nnobody +447700900124\nzed +33612345678\n"

static struct tu_engine_fx *
fixture(const char *policy)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "phones = { file = \"@USERS@\"; default_country = \"44\"; };\n"
	    "gateways = ( { name = \"demo\"; type = \"outbox\"; "
	    "path = \"@OUTBOX@\"; },\n"
	    "  { name = \"down\"; type = \"command\"; "
	    "argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );\n"
	    "routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; },\n"
	    "  { prefix = \"+33\"; gateways = [ \"down\" ]; } );\n"
	    "policy = { %s };\n", policy);
	return tu_engine_new(USERS, text);
}

static int
begin(struct tu_engine_fx *f, const char *user, const char *service,
    struct smsotp_reply *r)
{
	f->ctx.service = service;
	return smsotp_begin(&f->ctx, user, service, r);
}

/* The newest decision of user is SKIPPED for why. */
static void
assert_skipped(struct tu_engine_fx *f, const char *user, int why)
{
	static struct smsotp_state st;
	struct smsotp_txn txn;
	char ewhy[320];

	assert_int_equal(smsotp_state_begin(&f->store, user, 1000, &txn, &st,
	    ewhy, sizeof(ewhy)), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
	assert_true(st.ndec > 0);
	assert_int_equal(st.dec[st.ndec - 1].kind, SMSOTP_DK_SKIPPED);
	assert_int_equal(st.dec[st.ndec - 1].why, why);
}

static void
test_networks_parse_and_match(void **state)
{
	struct smsotp_policy p;
	struct smsotp_network n;
	static const char *const bad[] = {
		"", "/24", "192.0.2.0/", "192.0.2.0/33", "192.0.2.1/24",
		"2001:db8::/129", "2001:db8::1/32", "example.com/24",
		"192.0.2.0/24x", "192.0.2.0/-1", "10.1/16",
	};
	static const char *const in[] = {
		"192.0.2.7", "192.0.2.255", "::ffff:192.0.2.9", "2001:db8::1",
		"2001:db8:ffff::", "198.51.100.5",
	};
	static const char *const out[] = {
		"192.0.3.1", "2001:db9::1", "localhost", "host.example",
		"192.0.2.7.nip.io", " 192.0.2.7", "192.0.2.7 ", "fe80::1%lo",
		"[2001:db8::1]", "3221225991", "0xc0.0.2.7", "", "198.51.100.6",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (smsotp_network_parse(bad[i], &n) == 0)
			fail_msg("'%s' parsed", bad[i]);
	memset(&p, 0, sizeof(p));
	assert_int_equal(smsotp_network_parse("192.0.2.0/24", &p.nets[0]), 0);
	assert_int_equal(smsotp_network_parse("2001:db8::/32", &p.nets[1]), 0);
	assert_int_equal(smsotp_network_parse("198.51.100.5", &p.nets[2]), 0);
	p.nnets = 3;
	assert_int_equal(p.nets[0].family, AF_INET);
	assert_int_equal(p.nets[1].bits, 32);
	assert_int_equal(p.nets[2].bits, 32);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		if (!smsotp_policy_network_match(&p, in[i]))
			fail_msg("'%s' not matched", in[i]);
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		if (smsotp_policy_network_match(&p, out[i]))
			fail_msg("'%s' matched", out[i]);
	assert_false(smsotp_policy_network_match(&p, NULL));
	/* /0 holds every address of its family, and only of it */
	assert_int_equal(smsotp_network_parse("0.0.0.0/0", &p.nets[0]), 0);
	p.nnets = 1;
	assert_true(smsotp_policy_network_match(&p, "203.0.113.1"));
	assert_false(smsotp_policy_network_match(&p, "2001:db8::1"));
}

static void
test_exempt_group(void **state)
{
	struct tu_engine_fx *f = fixture("exempt_groups = [ \"nosuchgrp\", "
	    "\"root\" ];");
	struct smsotp_reply r;

	(void)state;
	assert_int_equal(begin(f, "root", "sshd", &r), SMSOTP_SKIP);
	assert_string_equal(r.reason, "exempt-group");
	assert_int_equal(tu_engine_texts(f, NULL), 0);
	assert_skipped(f, "root", SMSOTP_WHY_EXEMPT_GROUP);
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 1);
	/* a name NSS does not know is never skipped: its decoy */
	f->ctx.unknown_user = 1;
	assert_int_equal(begin(f, "ghost", "sshd", &r), SMSOTP_SENT);
	tu_engine_free(f);
}

static void
test_only_groups(void **state)
{
	struct tu_engine_fx *f = fixture("only_groups = [ \"root\" ];");
	struct smsotp_reply r;

	(void)state;
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SKIP);
	assert_string_equal(r.reason, "not-in-only-groups");
	assert_skipped(f, "nobody", SMSOTP_WHY_ONLY_GROUPS);
	assert_int_equal(begin(f, "root", "sshd", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 1);
	tu_engine_free(f);
}

static void
test_exempt_network_root_caller_only(void **state)
{
	struct tu_engine_fx *f = fixture("exempt_networks = [ \"192.0.2.0/24\","
	    " \"2001:db8::/32\" ];");
	struct smsotp_reply r;

	(void)state;
	f->ctx.privileged = 1;
	f->ctx.rhost = "192.0.2.7";
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SKIP);
	assert_string_equal(r.reason, "exempt-network");
	assert_skipped(f, "nobody", SMSOTP_WHY_EXEMPT_NETWORK);
	f->ctx.rhost = "2001:db8::5";
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SKIP);
	f->ctx.rhost = "in-the-network.example";
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SENT);
	f->ctx.rhost = "192.0.3.7";
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SENT);
	/* the engine sees no rhost from an unprivileged caller (dispatch) */
	f->ctx.privileged = 0;
	f->ctx.rhost = NULL;
	assert_int_equal(begin(f, "nobody", "login", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, NULL), 3);
	tu_engine_free(f);
}

static void
test_service_rules(void **state)
{
	struct tu_engine_fx *f = fixture("services = { cron = { skip = true; "
	    "}; sudo = { failmode = \"secure\"; }; sshd = { failmode = "
	    "\"safe\"; message = \"%{code} for the ssh login\"; }; };");
	struct smsotp_reply r;
	char code[16], line[512];
	FILE *o;

	(void)state;
	assert_int_equal(begin(f, "nobody", "cron", &r), SMSOTP_SKIP);
	assert_string_equal(r.reason, "service");
	assert_skipped(f, "nobody", SMSOTP_WHY_SERVICE);
	assert_int_equal(begin(f, "nobody", "sshd", &r), SMSOTP_SENT);
	assert_int_equal(tu_engine_texts(f, code), 1);
	o = fopen(f->outbox, "r");
	assert_non_null(o);
	assert_non_null(fgets(line, sizeof(line), o));
	fclose(o);
	assert_non_null(strstr(line, " for the ssh login"));
	/* zed's route is the gateway that is down */
	assert_int_equal(begin(f, "zed", "sudo", &r), SMSOTP_GATEWAY_DOWN);
	assert_int_equal(r.failmode, SMSOTP_FAILMODE_SECURE);
	assert_int_equal(begin(f, "zed", "sshd", &r), SMSOTP_GATEWAY_DOWN);
	assert_int_equal(r.failmode, SMSOTP_FAILMODE_SAFE);
	assert_int_equal(begin(f, "zed", "login", &r), SMSOTP_GATEWAY_DOWN);
	assert_int_equal(r.failmode, 0);
	tu_engine_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_networks_parse_and_match),
		cmocka_unit_test(test_exempt_group),
		cmocka_unit_test(test_only_groups),
		cmocka_unit_test(test_exempt_network_root_caller_only),
		cmocka_unit_test(test_service_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
