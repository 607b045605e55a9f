/* SPDX-License-Identifier: BSD-3-Clause */
/* test_gw_http.c - the vonage, kannel and generic http gateway types against the local mocks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "gateways/gateway.h"
#include "gateways/http_template.h"
#include "gateways/request_buf.h"
#include "mockgw.h"
#include "testutil.h"

#define VKEY "vkey-77"
#define VSECRET "vsecret-9d1e"
#define GTOKEN "gtoken-4c2b"
#define KUSER "kuser"
#define KPASS "kpass-0a7f"
#define TEXT "123456 is your login code"
#define TO "+447700900123"
#define NLINES 10

#define GOOD (&mockgw.m[MOCKGW_GOOD])
#define PLAIN (&mockgw.m[MOCKGW_PLAIN])

static char *vsecret_file, *gtoken_file, *kpass_file;
static const char *const secrets[] = { VSECRET, GTOKEN, KPASS, "123456",
	NULL };

/* Lines 5.. of a gateway group (lines 1-4: "gateways = (", "{", name, type). */
struct lines {
	char l[NLINES][600];
};

static void
set(struct lines *L, int line, const char *fmt, ...) SMSOTP_ATTR_FMT(3, 4);
static void
set(struct lines *L, int line, const char *fmt, ...)
{
	va_list ap;

	assert_true(line >= 5 && line < 5 + NLINES);
	va_start(ap, fmt);
	vsnprintf(L->l[line - 5], sizeof(L->l[0]), fmt, ap);
	va_end(ap);
}

static const struct smsotp_gw_type *
type_of(const char *name)
{
	const struct smsotp_gw_type *t = smsotp_gw_type_find(name);

	assert_non_null(t);
	return t;
}

static int
configure(const char *type, const struct lines *L, struct smsotp_gateway *gw,
    struct smsotp_errs *errs)
{
	char text[8192];
	size_t o;
	int i;

	o = (size_t)snprintf(text, sizeof(text),
	    "gateways = (\n{\n name = \"g\";\n type = \"%s\";\n", type);
	for (i = 0; i < NLINES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " %s\n",
		    L->l[i]);
	assert_true(o + 8 < sizeof(text));
	snprintf(text + o, sizeof(text) - o, "}\n);\n");
	return mockgw_configure(type_of(type), "g", text, gw, errs);
}

/* Default lines of each type, against the good (HTTPS) or plain mock. */
static void
vonage_lines(struct lines *L)
{
	memset(L, 0, sizeof(*L));
	set(L, 5, "api_key = \"%s\";", VKEY);
	set(L, 6, "api_secret_file = \"%s\";", vsecret_file);
	set(L, 7, "from = \"SMSOTP\";");
	set(L, 8, "base_url = \"https://127.0.0.1:%d\";", GOOD->port);
	set(L, 9, "ca_file = \"%s/ca.pem\";", mockgw.dir);
}

static void
kannel_lines(struct lines *L)
{
	memset(L, 0, sizeof(*L));
	set(L, 5, "url = \"http://127.0.0.1:%d/cgi-bin/sendsms\";", PLAIN->port);
	set(L, 6, "username = \"%s\";", KUSER);
	set(L, 7, "password_file = \"%s\";", kpass_file);
	set(L, 8, "insecure_http = true;");
}

static void
http_lines(struct lines *L)
{
	memset(L, 0, sizeof(*L));
	set(L, 5, "url = \"https://127.0.0.1:%d/v1/messages\";", GOOD->port);
	set(L, 6, "content_type = \"application/json\";");
	set(L, 7, "body = \"{\\\"to\\\": \\\"%%{to}\\\", \\\"text\\\": "
	    "\\\"%%{text}\\\"}\";");
	set(L, 8, "headers = [ \"Authorization: Bearer %%{secret}\", "
	    "\"X-Test: 1\" ];");
	set(L, 9, "secret_file = \"%s\";", gtoken_file);
	set(L, 10, "ca_file = \"%s/ca.pem\";", mockgw.dir);
	set(L, 11, "success_match = \"\\\"queued\\\"\";");
}

/* Configure, send text to to, check the outcome and (unless NULL) detail. */
static void
run(const char *type, const struct lines *L, const char *to, const char *text,
    enum smsotp_gw_outcome want, const char *detail)
{
	struct smsotp_gateway gw;
	struct smsotp_errs errs;
	struct smsotp_gw_result res;

	if (configure(type, L, &gw, &errs) != 0)
		fail_msg("unexpected config error: %s", errs.msg[0]);
	mockgw_send(&gw, to, text, 10, secrets, &res, NULL);
	gw.type->destroy(&gw);
	assert_null(gw.priv);
	if (res.outcome != want || (detail != NULL &&
	    strcmp(res.detail, detail) != 0))
		fail_msg("%s to %s: outcome %d detail '%s', want %d '%s'", type,
		    to, res.outcome, res.detail, want, detail ? detail : "*");
}

/* configure must fail, with an error on line whose text has want. */
static void
expect_config_error(const char *type, const struct lines *L, int line,
    const char *want)
{
	struct smsotp_gateway gw;
	struct smsotp_errs errs;
	char pfx[32];
	int i;

	assert_int_equal(configure(type, L, &gw, &errs), -1);
	assert_null(gw.priv);
	snprintf(pfx, sizeof(pfx), "test.conf:%d: ", line);
	for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++)
		if (strncmp(errs.msg[i], pfx, strlen(pfx)) == 0 &&
		    (want == NULL || strstr(errs.msg[i], want) != NULL))
			return;
	fail_msg("got '%s', want '%s...%s'", errs.msg[0], pfx, want ? want : "");
}

struct reply_case {
	const char *to;
	enum smsotp_gw_outcome outcome;
	const char *detail;
};

static void
run_cases(const char *type, const struct lines *L, const struct mockgw *m,
    const struct reply_case *c, size_t n)
{
	size_t i;
	int before;

	for (i = 0; i < n; i++) {
		before = mockgw_log_lines(m);
		run(type, L, c[i].to, TEXT, c[i].outcome, c[i].detail);
		assert_int_equal(mockgw_log_lines(m), before + 1);
	}
}

/* --- vonage --------------------------------------------------------------- */

static void
test_vonage_success(void **state)
{
	struct lines L;
	json_t *j;
	const char *id;

	(void)state;
	vonage_lines(&L);
	run("vonage", &L, TO, TEXT, SMSOTP_GW_SENT, NULL);
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, NULL, "method"), "POST");
	assert_string_equal(mockgw_jstr(j, NULL, "path"), "/sms/json");
	assert_string_equal(mockgw_jstr(j, "form", "api_key"), VKEY);
	assert_string_equal(mockgw_jstr(j, "form", "api_secret"), VSECRET);
	assert_string_equal(mockgw_jstr(j, "form", "from"), "SMSOTP");
	assert_string_equal(mockgw_jstr(j, "form", "to"), "447700900123");
	assert_string_equal(mockgw_jstr(j, "form", "text"), TEXT);
	assert_null(mockgw_jstr(j, "form", "type"));
	id = mockgw_jstr(j, "headers", "User-Agent");
	assert_true(id != NULL && strncmp(id, "pam_smsotp/", 11) == 0);
	json_decref(j);
	/* Non-ASCII text goes as type=unicode; inline secret; number sender. */
	set(&L, 6, "api_secret = \"%s\";", VSECRET);
	set(&L, 7, "from = \"+447700900999\";");
	run("vonage", &L, TO, "123456 \xc3\xa9t\xc3\xa9", SMSOTP_GW_SENT, NULL);
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, "form", "type"), "unicode");
	assert_string_equal(mockgw_jstr(j, "form", "text"),
	    "123456 \xc3\xa9t\xc3\xa9");
	assert_string_equal(mockgw_jstr(j, "form", "from"), "447700900999");
	json_decref(j);
}

static void
test_vonage_replies(void **state)
{
	static const struct reply_case cases[] = {
		{ "+15005550001", SMSOTP_GW_PERMFAIL,
		    "vonage status 6 (invalid message)" },
		{ "+15005550002", SMSOTP_GW_PERMFAIL,
		    "vonage status 4 (invalid credentials)" },
		{ "+15005550011", SMSOTP_GW_TEMPFAIL,
		    "vonage status 1 (throttled)" },
		{ "+15005550012", SMSOTP_GW_PERMFAIL,
		    "vonage status 29 (non-whitelisted destination)" },
		{ "+15005550013", SMSOTP_GW_TEMPFAIL,
		    "vonage status 5 (internal error)" },
		{ "+15005550003", SMSOTP_GW_TEMPFAIL, "http 429 retry-after 7s" },
		{ "+15005550004", SMSOTP_GW_TEMPFAIL, "http 500" },
		{ "+15005550005", SMSOTP_GW_TEMPFAIL, "bad reply (http 200)" },
		{ "+15005550007", SMSOTP_GW_TEMPFAIL, "reply too large" },
		{ "+15005550008", SMSOTP_GW_TEMPFAIL, "http 302" },
		{ "+15005550010", SMSOTP_GW_TEMPFAIL, "http 302" },
	};
	struct lines L;

	(void)state;
	vonage_lines(&L);
	run_cases("vonage", &L, GOOD, cases, sizeof(cases) / sizeof(cases[0]));
	/* Bad credentials come back as HTTP 200, status "4": Vonage said no,
	 * never "provider down" (gateway.h). */
	set(&L, 6, "api_secret = \"wrong-secret\";");
	run("vonage", &L, TO, TEXT, SMSOTP_GW_PERMFAIL,
	    "vonage status 4 (invalid credentials)");
	run("vonage", &L, "447700900123", TEXT, SMSOTP_GW_PERMFAIL,
	    "not an E.164 number");
}

/* Line line set to text ("": removed); configure fails at line at with want. */
struct cfg_case {
	int line;
	const char *text;
	int at;
	const char *want;
};

static void
run_config_cases(const char *type, void (*defaults)(struct lines *),
    const struct cfg_case *c, size_t n)
{
	struct lines L;
	size_t i;

	for (i = 0; i < n; i++) {
		defaults(&L);
		set(&L, c[i].line, "%s", c[i].text);
		expect_config_error(type, &L, c[i].at, c[i].want);
	}
}

static void
test_vonage_config(void **state)
{
	static const struct cfg_case cases[] = {
		{ 7, "from = \"12ab+\";", 7, "'from'" },
		{ 7, "from = \"TWELVELETTER\";", 7, "'from'" },
		{ 5, "", 2, "api_key" },
		{ 10, "api_secret = \"x\";", 6, "not both" },
		{ 6, "api_secret = \"a b\";", 6, "secret" },
		{ 8, "base_url = \"http://127.0.0.1:1\";", 8, "https://" },
	};
	struct lines L;
	char *loose;

	(void)state;
	run_config_cases("vonage", vonage_lines, cases,
	    sizeof(cases) / sizeof(cases[0]));
	vonage_lines(&L);
	loose = tu_write(mockgw.dir, "vsecret644", VSECRET "\n", 0644);
	set(&L, 6, "api_secret_file = \"%s\";", loose);
	free(loose);
	expect_config_error("vonage", &L, 6, NULL);
}

/* --- kannel --------------------------------------------------------------- */

static void
test_kannel_success(void **state)
{
	struct lines L;
	json_t *j;

	(void)state;
	kannel_lines(&L);
	run("kannel", &L, TO, TEXT " & more", SMSOTP_GW_SENT,
	    "http 202 0: Accepted for delivery");
	j = mockgw_log_last(PLAIN);
	assert_string_equal(mockgw_jstr(j, NULL, "method"), "GET");
	assert_string_equal(mockgw_jstr(j, NULL, "path"), "/cgi-bin/sendsms");
	assert_string_equal(mockgw_jstr(j, "args", "username"), KUSER);
	assert_string_equal(mockgw_jstr(j, "args", "password"), KPASS);
	assert_string_equal(mockgw_jstr(j, "args", "to"), TO);
	assert_string_equal(mockgw_jstr(j, "args", "text"), TEXT " & more");
	assert_null(mockgw_jstr(j, "args", "from"));
	assert_null(mockgw_jstr(j, "args", "smsc"));
	json_decref(j);
	/* Optional from and smsc; over HTTPS with our CA, inline password. */
	set(&L, 5, "url = \"https://127.0.0.1:%d/cgi-bin/sendsms\";",
	    GOOD->port);
	set(&L, 7, "password = \"%s\";", KPASS);
	set(&L, 8, "ca_file = \"%s/ca.pem\";", mockgw.dir);
	set(&L, 9, "from = \"+15005550006\"; smsc = \"fake-1\";");
	run("kannel", &L, TO, TEXT, SMSOTP_GW_SENT, NULL);
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, "args", "from"), "+15005550006");
	assert_string_equal(mockgw_jstr(j, "args", "smsc"), "fake-1");
	json_decref(j);
}

static void
test_kannel_replies(void **state)
{
	static const struct reply_case cases[] = {
		{ "+15005550001", SMSOTP_GW_PERMFAIL, "http 403 Number(s) "
		    "has/have been denied by white- and/or black-lists." },
		{ "+15005550002", SMSOTP_GW_PERMFAIL,
		    "http 403 Authorization failed for sendsms" },
		{ "+15005550011", SMSOTP_GW_SENT,
		    "http 202 3: Queued for later delivery" },
		{ "+15005550012", SMSOTP_GW_TEMPFAIL,
		    "http 503 Sendsms: queue full" },
		{ "+15005550004", SMSOTP_GW_TEMPFAIL,
		    "http 500 Internal Server Error" },
		{ "+15005550005", SMSOTP_GW_TEMPFAIL, "http 202 sid: SM, status: "
		    "queu" },
		{ "+15005550008", SMSOTP_GW_TEMPFAIL, "http 302" },
	};
	struct lines L;

	(void)state;
	kannel_lines(&L);
	run_cases("kannel", &L, PLAIN, cases, sizeof(cases) / sizeof(cases[0]));
	set(&L, 7, "password = \"wrong\";");
	run("kannel", &L, TO, TEXT, SMSOTP_GW_PERMFAIL,
	    "http 403 Authorization failed for sendsms");
}

static void
test_kannel_config(void **state)
{
	static const struct cfg_case cases[] = {
		{ 8, "", 5, "'url' must start with https://" },
		{ 5, "url = \"http://example.com/cgi-bin/sendsms\";", 5, "'url'" },
		{ 9, "base_url = \"http://127.0.0.1:1\";", 9, "'base_url'" },
		{ 5, "", 2, "'url'" },
		{ 6, "username = \"a b\";", 6, "'username'" },
		{ 9, "smsc = \"a/b\";", 9, "'smsc'" },
		{ 7, "", 2, "password" },
	};

	(void)state;
	run_config_cases("kannel", kannel_lines, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

/* --- generic http ----------------------------------------------------------- */

static void
test_http_json(void **state)
{
	static const char hard[] = "123456 \"q\" \\ \n\t\x01 \xc3\xa9 </x>";
	struct lines L;
	json_t *j;

	(void)state;
	http_lines(&L);
	run("http", &L, TO, TEXT, SMSOTP_GW_SENT, "http 200");
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, NULL, "method"), "POST");
	assert_string_equal(mockgw_jstr(j, "headers", "Authorization"),
	    "Bearer " GTOKEN);
	assert_string_equal(mockgw_jstr(j, "headers", "X-Test"), "1");
	assert_string_equal(mockgw_jstr(j, "headers", "Content-Type"),
	    "application/json");
	assert_string_equal(mockgw_jstr(j, "json", "to"), TO);
	assert_string_equal(mockgw_jstr(j, "json", "text"), TEXT);
	json_decref(j);
	/* JSON string escaping survives any text. */
	run("http", &L, TO, hard, SMSOTP_GW_SENT, "http 200");
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, "json", "text"), hard);
	json_decref(j);
}

static void
test_http_form_and_get(void **state)
{
	struct lines L;
	json_t *j;

	(void)state;
	http_lines(&L);
	set(&L, 6, "content_type = \"application/x-www-form-urlencoded\";");
	set(&L, 7, "body = \"to=%%{to_digits}&text=%%{text}&x=100%%%%\";");
	run("http", &L, TO, TEXT " & a=b", SMSOTP_GW_SENT, "http 200");
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, "form", "to"), "447700900123");
	assert_string_equal(mockgw_jstr(j, "form", "text"), TEXT " & a=b");
	assert_string_equal(mockgw_jstr(j, "form", "x"), "100%");
	json_decref(j);
	/* GET: the rendered body is the query; default content type. */
	set(&L, 6, "method = \"GET\";");
	set(&L, 7, "body = \"to=%%{to}&text=%%{text}\";");
	run("http", &L, TO, TEXT, SMSOTP_GW_SENT, "http 200");
	j = mockgw_log_last(GOOD);
	assert_string_equal(mockgw_jstr(j, NULL, "method"), "GET");
	assert_string_equal(mockgw_jstr(j, "args", "to"), TO);
	assert_string_equal(mockgw_jstr(j, "args", "text"), TEXT);
	assert_null(mockgw_jstr(j, "headers", "Content-Type"));
	json_decref(j);
}

static void
test_http_replies(void **state)
{
	static const struct reply_case cases[] = {
		{ "+15005550001", SMSOTP_GW_PERMFAIL, "http 400" },
		{ "+15005550002", SMSOTP_GW_PERMFAIL, "http 401" },
		{ "+15005550011", SMSOTP_GW_TEMPFAIL, "http 503" },
		{ "+15005550003", SMSOTP_GW_TEMPFAIL, "http 429 retry-after 7s" },
		{ "+15005550005", SMSOTP_GW_TEMPFAIL,
		    "http 200, reply did not match" },
		{ "+15005550007", SMSOTP_GW_TEMPFAIL, "reply too large" },
		{ "+15005550008", SMSOTP_GW_PERMFAIL, "http 302" },
	};
	struct lines L;
	double el;
	struct smsotp_gateway gw;
	struct smsotp_errs errs;
	struct smsotp_gw_result res;

	(void)state;
	http_lines(&L);
	run_cases("http", &L, GOOD, cases, sizeof(cases) / sizeof(cases[0]));
	/* success_status narrows success: 200 is then permanent. */
	set(&L, 12, "success_status = [ 202 ];");
	run("http", &L, TO, TEXT, SMSOTP_GW_PERMFAIL, "http 200");
	/* A trickling server is cut at the timeout. */
	http_lines(&L);
	set(&L, 12, "timeout = 2;");
	assert_int_equal(configure("http", &L, &gw, &errs), 0);
	mockgw_send(&gw, "+15005550009", TEXT, 10, secrets, &res, &el);
	gw.type->destroy(&gw);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_true(el >= 1.9 && el < 3.0);
}

static void
test_http_config(void **state)
{
	static const struct cfg_case cases[] = {
		{ 8, "headers = [ \"X-A: b\\r\\nX-B: c\" ];", 8, "CR, LF" },
		{ 8, "headers = [ \"Content-Type: text/plain\" ];", 8,
		    "content_type" },
		{ 8, "headers = [ \"NoColon\", \"\" ];", 8, "Name: value" },
		{ 8, "headers = [ \"\" ];", 8, "Name: value" },
		{ 8, "headers = [ \"X-A: %{text}\" ];", 8, "only %{secret}" },
		{ 7, "body = \"{\\\"to\\\": %{to}, \\\"text\\\": "
		    "\\\"%{text}\\\"}\";", 7, "not valid JSON" },
		{ 7, "body = \"{\\\"to\\\": \\\"%{to}\\\"}\";", 7, "%{text}" },
		{ 7, "body = \"{\\\"c\\\": \\\"%{code}\\\", \\\"text\\\": "
		    "\\\"%{text} %{to}\\\"}\";", 7, "unknown placeholder" },
		{ 6, "method = \"PUT\";", 6, "'method'" },
		{ 6, "content_type = \"text/plain\";", 6, "'content_type'" },
		{ 11, "success_status = [ 99 ];", 11, "200..299" },
		{ 11, "success_match = \"\";", 11, NULL },
		{ 5, "url = \"https://127.0.0.1:1/x?a=b\";", 5, "'url'" },
		{ 9, "", 8, "%{secret} needs" },
		{ 12, "method = \"GET\";", 6, "GET" },
		{ 12, "username = \"u\";", 2, "Basic" },
	};

	(void)state;
	run_config_cases("http", http_lines, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

/* --- shared ------------------------------------------------------------------ */

static void
test_util(void **state)
{
	struct smsotp_buf b = { NULL, 0, 0, 0 };
	struct smsotp_gw_tmpl_vars v = { "+4477", "4477", "a\"b", NULL };
	const char *why;

	(void)state;
	smsotp_buf_add_esc(&b, "q\"\\\n\x1f\x7f\xc3\xa9/", SMSOTP_ESC_JSON);
	assert_string_equal(b.p, "q\\\"\\\\\\u000A\\u001F\\u007F\xc3\xa9/");
	smsotp_buf_free(&b);
	smsotp_buf_add_field(&b, "k", "a b&c=+");
	smsotp_buf_add_field(&b, "t", "");
	assert_string_equal(b.p, "k=a%20b%26c%3D%2B&t=");
	smsotp_buf_free(&b);
	assert_int_equal(smsotp_gw_tmpl_check("%{to}%%%{text}", 1, 0, &why), 0);
	assert_int_equal(smsotp_gw_tmpl_check("%{secret}", 1, 0, &why), -1);
	assert_int_equal(smsotp_gw_tmpl_check("%{to", 1, 1, &why), -1);
	assert_int_equal(smsotp_gw_tmpl_check("100%", 1, 1, &why), -1);
	smsotp_gw_tmpl_render(&b, "%{to_digits}:%%:%{text}", &v,
	    SMSOTP_ESC_FORM);
	assert_string_equal(b.p, "4477:%:a%22b");
	smsotp_buf_free(&b);
	/* An unchecked template with a value missing renders nothing. */
	smsotp_gw_tmpl_render(&b, "x%{secret}", &v, SMSOTP_ESC_NONE);
	assert_true(b.oom);
	smsotp_buf_free(&b);
}

static void
test_destroy_null(void **state)
{
	static const char *const types[] = { "vonage", "kannel", "http", NULL };
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	int i;

	(void)state;
	for (i = 0; types[i] != NULL; i++) {
		memset(&gw, 0, sizeof(gw));
		gw.name = (char *)"g";
		gw.type = type_of(types[i]);
		gw.type->send(&gw, TO, TEXT, smsotp_mono() + 1, &res);
		assert_int_equal(res.outcome, SMSOTP_GW_LOCALFAIL);
		gw.type->destroy(&gw);
		assert_null(gw.priv);
	}
}

static int
group_setup(void **state)
{
	static const char *const extra[] = { "--vonage-key", VKEY,
	    "--vonage-secret", VSECRET, "--generic-token", GTOKEN,
	    "--kannel-user", KUSER, "--kannel-pass", KPASS, NULL };

	(void)state;
	if (mockgw_setup((1u << MOCKGW_GOOD) | (1u << MOCKGW_PLAIN), extra) != 0)
		return -1;
	vsecret_file = tu_write(mockgw.dir, "vsecret", VSECRET "\n", 0600);
	gtoken_file = tu_write(mockgw.dir, "gtoken", GTOKEN "\n", 0600);
	kpass_file = tu_write(mockgw.dir, "kpass", KPASS "\n", 0600);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(vsecret_file);
	free(gtoken_file);
	free(kpass_file);
	return mockgw_teardown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util),
		cmocka_unit_test(test_destroy_null),
		cmocka_unit_test(test_vonage_success),
		cmocka_unit_test(test_vonage_replies),
		cmocka_unit_test(test_vonage_config),
		cmocka_unit_test(test_kannel_success),
		cmocka_unit_test(test_kannel_replies),
		cmocka_unit_test(test_kannel_config),
		cmocka_unit_test(test_http_json),
		cmocka_unit_test(test_http_form_and_get),
		cmocka_unit_test(test_http_replies),
		cmocka_unit_test(test_http_config),
	};

	if (access(MOCKGW_PYTHON, X_OK) != 0) {
		fprintf(stderr, "SKIP: %s not found\n", MOCKGW_PYTHON);
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
