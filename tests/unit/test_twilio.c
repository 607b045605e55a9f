/* SPDX-License-Identifier: BSD-3-Clause */
/* test_twilio.c - the twilio gateway and the libcurl transport against local HTTPS mocks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <libconfig.h>
#include <sodium.h>

#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "mockgw.h"
#include "testutil.h"

#define SID "AC0123456789abcdef0123456789abcdef"
#define MSID "MG0123456789abcdef0123456789abcdef"
#define TOKEN "test-token-5f3a9c"
#define FROM "+15005550006"
#define TEXT "123456 is your login code"

static char *token_file;

static int
group_teardown(void **state)
{
	(void)state;
	free(token_file);
	token_file = NULL;
	return mockgw_teardown();
}

static int
group_setup(void **state)
{
	static const char *const extra[] = { "--twilio-token", TOKEN, NULL };

	(void)state;
	if (mockgw_setup((1u << MOCKGW_N) - 1, extra) != 0)
		return -1;
	token_file = tu_write(mockgw.dir, "token", TOKEN "\n", 0600);
	return 0;
}

/* --- helpers -------------------------------------------------------------- */

/*
 * Lines 5 to 10 of a "gateways = ( { ... } );" text (2 is the group's);
 * NULL picks the default line for mock m (good CA, token file, From).
 */
struct lines {
	const char *sid, *tok, *sender, *url, *ca, *extra;
};

/* Configure gw from l against m; returns what configure returned. */
static int
configure_lines(struct smsotp_gateway *gw, struct smsotp_errs *errs,
    const struct lines *l, const struct mockgw *m)
{
	char text[4096], tok[512], url[128], ca[512];

	snprintf(tok, sizeof(tok), "auth_token_file = \"%s\";", token_file);
	snprintf(url, sizeof(url), "base_url = \"%s://127.0.0.1:%d/\";",
	    m->cert != NULL ? "https" : "http", m->port);
	snprintf(ca, sizeof(ca), "ca_file = \"%s/ca.pem\";", mockgw.dir);
	assert_int_equal(smsotp_fmt(text, sizeof(text),
	    "gateways = (\n{\n name = \"tw\";\n type = \"twilio\";\n"
	    " %s\n %s\n %s\n %s\n %s\n %s\n}\n);\n",
	    l->sid != NULL ? l->sid : "account_sid = \"" SID "\";",
	    l->tok != NULL ? l->tok : tok,
	    l->sender != NULL ? l->sender : "from = \"" FROM "\";",
	    l->url != NULL ? l->url : url, l->ca != NULL ? l->ca : ca,
	    l->extra != NULL ? l->extra : ""), 0);
	return mockgw_configure(&smsotp_gw_twilio, "tw", text, gw, errs);
}

static void
configure_ok(struct smsotp_gateway *gw, const struct lines *l,
    const struct mockgw *m)
{
	struct smsotp_errs errs;

	if (configure_lines(gw, &errs, l, m) != 0)
		fail_msg("unexpected config error: %s", errs.msg[0]);
}

static void
send_to(const struct smsotp_gateway *gw, const char *to, double budget,
    struct smsotp_gw_result *res, double *elapsed)
{
	static const char *const secrets[] = { TOKEN, "123456", NULL };

	mockgw_send(gw, to, TEXT, budget, secrets, res, elapsed);
}

/* Configure for m, send to to, expect outcome; returns nothing, fills res. */
static void
run(const struct mockgw *m, const struct lines *l, const char *to,
    enum smsotp_gw_outcome want, struct smsotp_gw_result *res)
{
	struct smsotp_gateway gw;

	configure_ok(&gw, l, m);
	send_to(&gw, to, 10, res, NULL);
	smsotp_gw_twilio.destroy(&gw);
	if (res->outcome != want)
		print_error("outcome %d detail '%s'\n", res->outcome, res->detail);
	assert_int_equal(res->outcome, want);
}

/* --- tests ---------------------------------------------------------------- */

static const struct lines DEF;	/* all defaults */
#define GOOD (&mockgw.m[MOCKGW_GOOD])

static void
test_success(void **state)
{
	struct smsotp_gw_result res;
	unsigned char cred[] = SID ":" TOKEN;
	char b64[128], want[160];
	const char *ua;
	json_t *j;
	int before = mockgw_log_lines(GOOD);

	(void)state;
	run(GOOD, &DEF, "+447700900123", SMSOTP_GW_SENT, &res);
	assert_int_equal(res.http_status, 201);
	assert_int_equal(strlen(res.detail), 34);
	assert_memory_equal(res.detail, "SM", 2);
	assert_int_equal(mockgw_log_lines(GOOD), before + 1);

	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, NULL, "method"), "POST");
	assert_string_equal(mockgw_jstr(j, NULL, "path"),
	    "/2010-04-01/Accounts/" SID "/Messages.json");
	assert_string_equal(mockgw_jstr(j, "form", "To"), "+447700900123");
	assert_string_equal(mockgw_jstr(j, "form", "From"), FROM);
	assert_string_equal(mockgw_jstr(j, "form", "Body"), TEXT);
	assert_null(mockgw_jstr(j, "form", "MessagingServiceSid"));
	sodium_bin2base64(b64, sizeof(b64), cred, sizeof(cred) - 1,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(want, sizeof(want), "Basic %s", b64);
	assert_string_equal(mockgw_jstr(j, "headers", "Authorization"), want);
	assert_string_equal(mockgw_jstr(j, "headers", "Content-Type"),
	    "application/x-www-form-urlencoded");
	ua = mockgw_jstr(j, "headers", "User-Agent");
	assert_non_null(ua);
	assert_memory_equal(ua, "pam_smsotp/", 11);
	assert_null(json_object_get(json_object_get(j, "headers"), "Expect"));
	json_decref(j);
}

/* Inline token, MessagingServiceSid, host name "localhost". */
static void
test_messaging_service(void **state)
{
	struct smsotp_gw_result res;
	char url[128];
	struct lines l = { .tok = "auth_token = \"" TOKEN "\";",
	    .sender = "messaging_service_sid = \"" MSID "\";", .url = url };
	json_t *j;

	(void)state;
	snprintf(url, sizeof(url), "base_url = \"https://localhost:%d\";",
	    GOOD->port);
	run(GOOD, &l, "+447700900124", SMSOTP_GW_SENT, &res);
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, "form", "MessagingServiceSid"), MSID);
	assert_string_equal(mockgw_jstr(j, "form", "To"), "+447700900124");
	assert_null(mockgw_jstr(j, "form", "From"));
	json_decref(j);
}

static void
test_error_replies(void **state)
{
	static const struct {
		const char *to;
		enum smsotp_gw_outcome outcome;
		long status;
		const char *detail;
	} cases[] = {
		{ "+15005550001", SMSOTP_GW_PERMFAIL, 400, "twilio error 21211" },
		{ "+15005550002", SMSOTP_GW_PERMFAIL, 401,
		    "http 401 twilio error 20003" },
		{ "+15005550003", SMSOTP_GW_TEMPFAIL, 429,
		    "http 429 twilio error 20429 retry-after 7s" },
		{ "+15005550004", SMSOTP_GW_TEMPFAIL, 500,
		    "http 500 twilio error 20500" },
		{ "+15005550005", SMSOTP_GW_TEMPFAIL, 201, "bad reply (http 201)" },
		/* A followed redirect would end in a transport error. */
		{ "+15005550008", SMSOTP_GW_TEMPFAIL, 302, "http 302" },
	};
	const struct lines bad_token = { .tok = "auth_token = \"nope\";" };
	struct smsotp_gw_result res;
	size_t i;
	int before;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = mockgw_log_lines(GOOD);
		run(GOOD, &DEF, cases[i].to, cases[i].outcome, &res);
		assert_int_equal(res.http_status, cases[i].status);
		assert_string_equal(res.detail, cases[i].detail);
		assert_int_equal(mockgw_log_lines(GOOD), before + 1);
	}
	/* Wrong credentials: Twilio said no (PERMFAIL, never "provider
	 * down"), token not shown. */
	run(GOOD, &bad_token, "+447700900123", SMSOTP_GW_PERMFAIL, &res);
	assert_int_equal(res.http_status, 401);
	assert_null(strstr(res.detail, "nope"));
}

static void
test_timeouts(void **state)
{
	const struct lines t2 = { .extra = "timeout = 2;" };
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	double el;
	int before;

	(void)state;
	/* The configured timeout bounds a blackholed request... */
	configure_ok(&gw, &t2, GOOD);
	send_to(&gw, "+15005550006", 10, &res, &el);
	smsotp_gw_twilio.destroy(&gw);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_non_null(strstr(res.detail, "timed out"));
	assert_true(el >= 1.9 && el < 3.0);

	/* ...and so does the deadline, when it comes first. */
	configure_ok(&gw, &DEF, GOOD);
	send_to(&gw, "+15005550006", 1.0, &res, &el);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_true(el >= 0.9 && el < 2.0);

	/* Less than 50 ms left: nothing is sent at all, and the provider
	 * was not even asked: a local failure. */
	before = mockgw_log_lines(GOOD);
	send_to(&gw, "+447700900123", 0.02, &res, &el);
	smsotp_gw_twilio.destroy(&gw);
	assert_int_equal(res.outcome, SMSOTP_GW_LOCALFAIL);
	assert_non_null(strstr(res.detail, "deadline"));
	assert_true(el < 0.1);
	assert_int_equal(mockgw_log_lines(GOOD), before);
}

static void
test_endless_reply(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	double el;

	(void)state;
	configure_ok(&gw, &DEF, GOOD);
	send_to(&gw, "+15005550007", 10, &res, &el);
	smsotp_gw_twilio.destroy(&gw);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_string_equal(res.detail, "reply too large");
	assert_true(el < 3.0);
}

/* TLS failures: TEMPFAIL, no HTTP status, and nothing reached the server. */
static void
expect_tls_failure(const struct mockgw *m, const struct lines *l)
{
	struct smsotp_gw_result res;
	int before = mockgw_log_lines(m);

	run(m, l, "+447700900123", SMSOTP_GW_TEMPFAIL, &res);
	assert_int_equal(res.http_status, 0);
	assert_non_null(strstr(res.detail, "SSL"));
	assert_int_equal(mockgw_log_lines(m), before);
}

static void
test_tls_refusals(void **state)
{
	char ca[512];
	struct lines other_ca = { .ca = ca };

	(void)state;
	expect_tls_failure(&mockgw.m[MOCKGW_WRONG], &DEF);
	expect_tls_failure(&mockgw.m[MOCKGW_SELF], &DEF);
	expect_tls_failure(&mockgw.m[MOCKGW_EXPIRED], &DEF);
	assert_int_equal(mockgw_log_lines(&mockgw.m[MOCKGW_WRONG]), 0);
	assert_int_equal(mockgw_log_lines(&mockgw.m[MOCKGW_SELF]), 0);
	assert_int_equal(mockgw_log_lines(&mockgw.m[MOCKGW_EXPIRED]), 0);
	/* A CA bundle without our CA: the good server is refused too. */
	snprintf(ca, sizeof(ca), "ca_file = \"%s/self.pem\";", mockgw.dir);
	expect_tls_failure(GOOD, &other_ca);
}

static void
test_pinning(void **state)
{
	const struct lines bad = { .extra = "pinned_public_key = \"sha256//"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";" };
	struct smsotp_gw_result res;
	char line[200];
	struct lines good = { .extra = line };

	(void)state;
	expect_tls_failure(GOOD, &bad);
	snprintf(line, sizeof(line), "pinned_public_key = \"%s\";", mockgw.pin);
	run(GOOD, &good, "+447700900123", SMSOTP_GW_SENT, &res);
}

static const char *const proxy_vars[] = {
	"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	"all_proxy", "ALL_PROXY", NULL
};

/* Runs even when test_proxies fails half-way. */
static int
unset_proxies(void **state)
{
	int i;

	(void)state;
	for (i = 0; proxy_vars[i] != NULL; i++)
		unsetenv(proxy_vars[i]);
	return 0;
}

static void
test_proxies(void **state)
{
	struct smsotp_gw_result res;
	char proxy[64], line[128];
	struct lines conf_proxy = { .extra = line };
	int lfd, port, i;

	lfd = mockgw_listener(&port);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", port);
	/* Environment proxies are ignored. */
	for (i = 0; proxy_vars[i] != NULL; i++)
		assert_int_equal(setenv(proxy_vars[i], proxy, 1), 0);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	run(GOOD, &DEF, "+447700900123", SMSOTP_GW_SENT, &res);
	assert_false(mockgw_pending(lfd));
	unset_proxies(state);
	/* Control: a configured proxy is used (and never answers here). */
	snprintf(line, sizeof(line), "proxy = \"%s\"; timeout = 1;", proxy);
	run(GOOD, &conf_proxy, "+447700900123", SMSOTP_GW_TEMPFAIL, &res);
	assert_true(mockgw_pending(lfd));
	close(lfd);
}

static void
test_plain_http(void **state)
{
	const struct lines insecure = { .extra = "insecure_http = true;" };
	struct smsotp_gw_result res;
	struct smsotp_http_opts opts = { .connect_timeout = 2, .timeout = 2 };
	struct smsotp_http_req req = { "GET", NULL, NULL, NULL, 0, NULL, NULL };
	struct smsotp_http_resp resp;
	const struct mockgw *m = &mockgw.m[MOCKGW_PLAIN];
	char url[128];
	int before;

	(void)state;
	/* With insecure_http, a loopback http:// gateway works... */
	run(m, &insecure, "+447700900123", SMSOTP_GW_SENT, &res);
	/* ...and without it the transport refuses http:// outright. */
	before = mockgw_log_lines(m);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", m->port);
	req.url = url;
	assert_int_equal(smsotp_http_do(&opts, &req, smsotp_mono() + 5, &resp), -1);
	assert_int_equal(resp.transport_error, 1);
	assert_non_null(strstr(resp.error, "http"));
	smsotp_http_resp_free(&resp);
	assert_int_equal(mockgw_log_lines(m), before);
	opts.insecure_http = 1;
	assert_int_equal(smsotp_http_do(&opts, &req, smsotp_mono() + 5, &resp), 0);
	assert_int_equal(resp.status, 404);
	assert_non_null(resp.body);
	smsotp_http_resp_free(&resp);
	assert_int_equal(mockgw_log_lines(m), before + 1);
}

static void
test_form_escape(void **state)
{
	char *e = smsotp_http_form_escape("a b&c=d+\xc3\xa9~-._/%");

	(void)state;
	assert_non_null(e);
	assert_string_equal(e, "a%20b%26c%3Dd%2B%C3%A9~-._%2F%25");
	free(e);
}

/* configure must fail with its first error on line of "test.conf". */
static void
expect_config_error(int line, const struct lines *l)
{
	struct smsotp_gateway gw;
	struct smsotp_errs errs;
	char want[32];

	assert_int_equal(configure_lines(&gw, &errs, l, GOOD), -1);
	assert_null(gw.priv);
	snprintf(want, sizeof(want), "test.conf:%d: ", line);
	if (strncmp(errs.msg[0], want, strlen(want)) != 0)
		fail_msg("got '%s', want '%s...'", errs.msg[0], want);
}

/* No descriptor left for a socket (the caller's RLIMIT_NOFILE): local. */
static void
test_socket_limit(void **state)
{
	const struct lines insecure = { .extra = "insecure_http = true;" };
	const struct mockgw *m = &mockgw.m[MOCKGW_PLAIN];
	struct smsotp_gw_result res;
	struct smsotp_gateway gw;
	pid_t pid;
	int st, before;

	(void)state;
	run(m, &insecure, "+447700900123", SMSOTP_GW_SENT, &res);
	configure_ok(&gw, &insecure, m);
	before = mockgw_log_lines(m);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		int lowest = open("/dev/null", O_RDONLY);

		close(lowest);
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(2);
		rl.rlim_cur = (rlim_t)lowest;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(2);
		memset(&res, 0, sizeof(res));
		smsotp_gw_twilio.send(&gw, "+447700900123", TEXT,
		    smsotp_mono() + 5, &res);
		_exit(res.outcome == SMSOTP_GW_LOCALFAIL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	smsotp_gw_twilio.destroy(&gw);
	assert_int_equal(mockgw_log_lines(m), before);
}

static void
test_config_errors(void **state)
{
	char tok[512], *loose;
	const struct lines cases[] = {
		{ .sid = "account_sid = \"AC0123\";" },
		{ .sid = "account_sid = \"XX0123456789abcdef0123456789abcdef\";" },
		{ .sender = "from = \"15005550006\";" },
		{ .url = "base_url = \"http://127.0.0.1:1\";" },
		{ .url = "base_url = \"http://example.com\";",
		    .extra = "insecure_http = true;" },
		{ .url = "base_url = \"https://127.0.0.1:1\";",
		    .extra = "insecure_http = true;" },
		{ .url = "base_url = \"https://user:pw@example.com\";" },
		{ .extra = "messaging_service_sid = \"" MSID "\";" },
		{ .extra = "pinned_public_key = \"/etc/key.pem\";" },
		{ .extra = "timeout = 0;" },
		{ .extra = "connect_timeout = 61;" },
	};
	static const int lines[] = { 5, 5, 7, 8, 8, 8, 8, 10, 10, 10, 10 };
	const struct lines no_sender = { .sender = "" };
	const struct lines loose_tok = { .tok = tok };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_config_error(lines[i], &cases[i]);
	expect_config_error(2, &no_sender);
	loose = tu_write(mockgw.dir, "token644", TOKEN "\n", 0644);
	snprintf(tok, sizeof(tok), "auth_token_file = \"%s\";", loose);
	free(loose);
	expect_config_error(6, &loose_tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_escape),
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_messaging_service),
		cmocka_unit_test(test_error_replies),
		cmocka_unit_test(test_endless_reply),
		cmocka_unit_test(test_tls_refusals),
		cmocka_unit_test(test_pinning),
		cmocka_unit_test_teardown(test_proxies, unset_proxies),
		cmocka_unit_test(test_plain_http),
		cmocka_unit_test(test_socket_limit),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_timeouts),
	};

	if (access(MOCKGW_PYTHON, X_OK) != 0) {
		fprintf(stderr, "SKIP: %s not found\n", MOCKGW_PYTHON);
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
