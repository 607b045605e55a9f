/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http.c - the generic "http" gateway type: a templated
 * request to any HTTPS SMS API.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "gateways/http_result.h"
#include "gateways/http_template.h"
#include "gateways/request_buf.h"
#include "gateways/url_setting.h"
#include "phones/e164.h"

#define MAX_HEADERS 16
#define MAX_HEADER_LEN 1024
#define MAX_STATUS 16
#define MAX_BODY_TMPL 4096
#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

struct ghttp {
	struct smsotp_http_settings http;	/* base_url = the url */
	int get;			/* GET: the body is the query */
	enum smsotp_esc esc;
	char *headers[MAX_HEADERS + 2];	/* rendered (may hold the secret) */
	int nheaders;
	char *body;			/* template */
	int success[MAX_STATUS];
	int nsuccess;
	char *match;			/* or NULL */
	char *username;			/* Basic auth, or NULL */
	char *password;			/* secret */
	char *secret;			/* %{secret}, or NULL */
};

static const char *const http_settings[] = {
	"url", "method", "headers", "content_type", "body", "success_status",
	"success_match", "username", "password", "password_file", "secret",
	"secret_file", SMSOTP_HTTP_SETTING_NAMES, NULL
};

/* Headers that the transport sets or that would break the request. */
static const char *const reserved_headers[] = {
	"content-type", "content-length", "transfer-encoding", "host",
	"expect", "connection", NULL
};

static void
ghttp_free(struct ghttp *g)
{
	int i;

	if (g == NULL)
		return;
	smsotp_http_settings_free(&g->http);
	for (i = 0; i < MAX_HEADERS + 2; i++)
		smsotp_cfg_secret_free(g->headers[i]);
	free(g->body);
	free(g->match);
	free(g->username);
	smsotp_cfg_secret_free(g->password);
	smsotp_cfg_secret_free(g->secret);
	free(g);
}

/* NULL when h is "Name: value" with a token name and no controls. */
static const char *
header_problem(const char *h)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t n = strcspn(h, ":"), i;

	if (strlen(h) > MAX_HEADER_LEN)
		return "is too long";
	for (i = 0; h[i] != '\0'; i++)
		if ((unsigned char)h[i] < 0x20 || h[i] == 0x7f)
			return "must not contain CR, LF or other control "
			    "characters";
	if (n == 0 || h[n] != ':')
		return "must be \"Name: value\"";
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= 'a' &&
		    h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') ||
		    strchr(tchar, h[i]) != NULL))
			return "has a bad header name";
	for (i = 0; reserved_headers[i] != NULL; i++)
		if (strlen(reserved_headers[i]) == n &&
		    strncasecmp(h, reserved_headers[i], n) == 0)
			return "sets a header that is not allowed here (use "
			    "'content_type' for Content-Type)";
	return NULL;
}

#define BAD(set, ...) do { \
		smsotp_cfg_error(ctx, (set), __VA_ARGS__); \
		bad = 1; \
	} while (0)

static int
read_headers(struct ghttp *g, const char *gwname, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	const config_setting_t *l = config_setting_get_member(s, "headers"), *e;
	struct smsotp_gw_tmpl_vars v = { NULL, NULL, NULL, g->secret };
	struct smsotp_buf b = { NULL, 0, 0, 0 };
	const char *why;
	int i, n, bad = 0;

	if (l == NULL)
		return 0;
	if (!config_setting_is_aggregate(l) || config_setting_is_group(l) ||
	    config_setting_length(l) > MAX_HEADERS) {
		BAD(l, "gateway '%s': 'headers' must be a list of at most %d "
		    "strings [ \"Name: value\", ... ]", gwname, MAX_HEADERS);
		return -1;
	}
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			BAD(e, "gateway '%s': each header must be a string",
			    gwname);
			continue;
		}
		if (smsotp_gw_tmpl_check(config_setting_get_string(e), 0,
		    g->secret != NULL, &why) != 0) {
			BAD(e, "gateway '%s': header: %s", gwname, why);
			continue;
		}
		smsotp_gw_tmpl_render(&b, config_setting_get_string(e), &v,
		    SMSOTP_ESC_NONE);
		why = b.oom ? "out of memory" :
		    header_problem(b.p != NULL ? b.p : "");
		if (why != NULL)
			BAD(e, "gateway '%s': header %d %s", gwname, i + 1, why);
		else
			g->headers[g->nheaders++] = b.p;
		if (why != NULL)
			smsotp_buf_free(&b);
		memset(&b, 0, sizeof(b));	/* owned by g->headers now */
	}
	return bad ? -1 : 0;
}

static int
read_status(struct ghttp *g, const char *gwname, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	const config_setting_t *l = config_setting_get_member(s,
	    "success_status"), *e;
	int i, n, v, bad = 0;

	if (l == NULL) {
		g->success[0] = 200;
		g->success[1] = 201;
		g->success[2] = 202;
		g->nsuccess = 3;
		return 0;
	}
	n = config_setting_is_aggregate(l) && !config_setting_is_group(l) ?
	    config_setting_length(l) : 0;
	if (n < 1 || n > MAX_STATUS) {
		BAD(l, "gateway '%s': 'success_status' must be a list of 1 to "
		    "%d HTTP status codes, e.g. [ 200, 202 ]", gwname,
		    MAX_STATUS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(l, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_INT ?
		    config_setting_get_int(e) : 0;
		if (v < 200 || v > 299)
			BAD(e, "gateway '%s': 'success_status' entries must "
			    "be integers 200..299", gwname);
		else
			g->success[g->nsuccess++] = v;
	}
	return bad ? -1 : 0;
}

/* The body template: placeholders, the text and number in it, syntax. */
static int
check_body(struct ghttp *g, const char *gwname, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	const config_setting_t *bs = config_setting_get_member(s, "body");
	struct smsotp_gw_tmpl_vars v = { "+447700900123", "447700900123",
	    "123456 is \"your\" code\\\n", "s" };
	struct smsotp_buf b = { NULL, 0, 0, 0 };
	json_error_t jerr;
	json_t *j;
	const char *why = NULL, *p;
	int bad = 0;

	if (strlen(g->body) > MAX_BODY_TMPL)
		why = "is too long";
	else if (smsotp_gw_tmpl_check(g->body, 1, g->secret != NULL, &why) != 0)
		;
	else if (strstr(g->body, "%{text}") == NULL || (strstr(g->body,
	    "%{to}") == NULL && strstr(g->body, "%{to_digits}") == NULL))
		why = "must contain %{text} and %{to} or %{to_digits}";
	if (why != NULL) {
		BAD(bs, "gateway '%s': 'body' %s", gwname, why);
		return -1;
	}
	if (g->esc == SMSOTP_ESC_FORM) {
		for (p = g->body; *p != '\0'; p++)
			if (*p <= 0x20 || *p >= 0x7f)
				break;
		if (*p != '\0')
			BAD(bs, "gateway '%s': a form 'body' must be printable "
			    "ASCII without spaces, e.g. "
			    "\"to=%%{to}&text=%%{text}\"", gwname);
		return bad ? -1 : 0;
	}
	smsotp_gw_tmpl_render(&b, g->body, &v, SMSOTP_ESC_JSON);
	j = b.oom ? NULL : json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		BAD(bs, "gateway '%s': 'body' is not valid JSON once filled in "
		    "(%s); write placeholders inside strings: "
		    "{\"to\": \"%%{to}\", \"text\": \"%%{text}\"}", gwname,
		    b.oom ? "out of memory" : jerr.text);
	json_decref(j);
	smsotp_buf_free(&b);
	return bad ? -1 : 0;
}

static int
read_method_type(struct ghttp *g, const char *gwname,
    struct smsotp_cfgctx *ctx, const config_setting_t *s)
{
	char *method = NULL, *ct = NULL;
	int bad = 0;

	if (smsotp_cfg_str(ctx, s, "method", 0, &method) != 0 ||
	    smsotp_cfg_str(ctx, s, "content_type", 0, &ct) != 0) {
		bad = 1;
		goto out;
	}
	if (method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "POST") != 0)
		BAD(config_setting_get_member(s, "method"), "gateway '%s': "
		    "'method' must be \"POST\" or \"GET\"", gwname);
	g->get = method != NULL && strcmp(method, "GET") == 0;
	g->esc = SMSOTP_ESC_FORM;
	if (ct != NULL && strcmp(ct, JSON) == 0)
		g->esc = SMSOTP_ESC_JSON;
	else if (ct != NULL && strcmp(ct, FORM) != 0)
		BAD(config_setting_get_member(s, "content_type"), "gateway "
		    "'%s': 'content_type' must be \"" FORM "\" or \"" JSON "\"",
		    gwname);
	if (g->get && g->esc == SMSOTP_ESC_JSON)
		BAD(config_setting_get_member(s, "content_type"), "gateway "
		    "'%s': a GET request sends its body as the URL's query: "
		    "'content_type' must be \"" FORM "\"", gwname);
	if (!bad && !g->get) {
		g->headers[g->nheaders] = strdup(g->esc == SMSOTP_ESC_JSON ?
		    "Content-Type: " JSON : "Content-Type: " FORM);
		if (g->headers[g->nheaders++] == NULL)
			BAD(s, "out of memory");
	}
out:
	free(method);
	free(ct);
	return bad ? -1 : 0;
}

static int
ghttp_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct ghttp *g;
	int bad = 0, mt_bad;

	gw->priv = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	bad |= smsotp_gw_url_setting(ctx, s, gw->name, "url", &g->http) != 0;
	bad |= smsotp_cfg_secret(ctx, s, "secret", 0, &g->secret) != 0;
	if (g->secret != NULL && (strchr(g->secret, '\r') != NULL ||
	    strchr(g->secret, '\n') != NULL))
		BAD(s, "gateway '%s': the secret must be one line", gw->name);
	mt_bad = read_method_type(g, gw->name, ctx, s) != 0;
	bad |= mt_bad;
	bad |= read_headers(g, gw->name, ctx, s) != 0;
	if (smsotp_cfg_str(ctx, s, "body", 1, &g->body) != 0)
		bad = 1;
	else if (!mt_bad)	/* escaping known: check the body too */
		bad |= check_body(g, gw->name, ctx, s) != 0;
	bad |= read_status(g, gw->name, ctx, s) != 0;
	bad |= smsotp_cfg_str(ctx, s, "success_match", 0, &g->match) != 0;
	if (g->match != NULL && (g->match[0] == '\0' || strlen(g->match) > 256))
		BAD(config_setting_get_member(s, "success_match"), "gateway "
		    "'%s': 'success_match' must be 1-256 characters", gw->name);
	bad |= smsotp_cfg_str(ctx, s, "username", 0, &g->username) != 0;
	bad |= smsotp_cfg_secret(ctx, s, "password", 0, &g->password) != 0;
	if ((g->username == NULL) != (g->password == NULL))
		BAD(s, "gateway '%s': Basic authentication needs both "
		    "'username' and 'password' (or 'password_file')", gw->name);
	if (bad) {
		ghttp_free(g);
		return -1;
	}
	gw->priv = g;
	return 0;
}

static void
ghttp_destroy(struct smsotp_gateway *gw)
{
	ghttp_free(gw->priv);
	gw->priv = NULL;
}

static void
classify(const struct ghttp *g, const struct smsotp_http_resp *r,
    struct smsotp_gw_result *res)
{
	int i;

	/* SECURITY: the reply is not logged: generic APIs may echo the text. */
	smsotp_gw_detailf(res, "http error", "http %ld", r->status);
	for (i = 0; i < g->nsuccess; i++)
		if (r->status == g->success[i])
			break;
	if (i < g->nsuccess) {
		if (g->match == NULL || (r->body != NULL &&
		    strstr(r->body, g->match) != NULL)) {
			res->outcome = SMSOTP_GW_SENT;
		} else {
			res->outcome = SMSOTP_GW_TEMPFAIL;
			smsotp_gw_detailf(res, "reply did not match",
			    "http %ld, reply did not match", r->status);
		}
	} else if (r->status == 408 || r->status == 429 || r->status >= 500) {
		/* The provider's "try later". */
		res->outcome = SMSOTP_GW_TEMPFAIL;
		smsotp_gw_retry_after(res, r);
	} else {
		/* The provider said no (4xx: number, credentials, request). */
		res->outcome = SMSOTP_GW_PERMFAIL;
	}
}

static void
ghttp_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct ghttp *g = gw->priv;
	struct smsotp_http_resp resp;
	struct smsotp_http_req req;
	struct smsotp_buf body = { NULL, 0, 0, 0 }, url = { NULL, 0, 0, 0 };
	struct smsotp_gw_tmpl_vars v;

	memset(res, 0, sizeof(*res));
	memset(&resp, 0, sizeof(resp));
	res->outcome = SMSOTP_GW_TEMPFAIL;
	if (g == NULL) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "not configured");
		goto out;
	}
	if (!smsotp_e164_ok(to)) {
		res->outcome = SMSOTP_GW_PERMFAIL;
		smsotp_gw_detail(res, "not an E.164 number");
		goto out;
	}
	v.to = to;
	v.to_digits = to + 1;
	v.text = text;
	v.secret = g->secret != NULL ? g->secret : "";
	smsotp_gw_tmpl_render(&body, g->body, &v, g->esc);
	smsotp_buf_adds(&url, g->http.base_url);
	if (g->get) {
		smsotp_buf_add(&url, "?", 1);
		if (!body.oom)
			smsotp_buf_add(&url, body.p, body.len);
	}
	if (body.oom || url.oom) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = g->get ? "GET" : "POST";
	req.url = url.p;
	req.headers = (const char *const *)g->headers;
	req.body = g->get ? NULL : body.p;
	req.body_len = g->get ? 0 : body.len;
	req.username = g->username;
	req.password = g->password;
	if (smsotp_http_do(&g->http.opts, &req, deadline, &resp) != 0) {
		smsotp_gw_transport_fail(res, &resp);
		goto out;
	}
	res->http_status = resp.status;
	classify(g, &resp, res);
out:
	/* SECURITY: body and URL hold the text (the code), maybe the secret. */
	smsotp_buf_free(&body);
	smsotp_buf_free(&url);
	smsotp_http_resp_free(&resp);
}

const struct smsotp_gw_type smsotp_gw_http = {
	.name = "http",
	.settings = http_settings,
	.configure = ghttp_configure,
	.send = ghttp_send,
	.destroy = ghttp_destroy,
};
