/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/kannel.c - the "kannel" gateway type: Kannel smsbox,
 * GET {url}?username=...&to=...&text=...
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "gateways/http_result.h"
#include "gateways/request_buf.h"
#include "gateways/url_setting.h"
#include "phones/e164.h"

#define EXCERPT_MAX 64

struct kannel {
	struct smsotp_http_settings http;	/* base_url = the sendsms url */
	char *username;
	char *password;			/* secret */
	char *from;			/* or NULL: smsbox's global-sender */
	char *smsc;			/* or NULL: bearerbox routes */
};

static const char *const kannel_settings[] = {
	"url", "username", "password", "password_file", "from", "smsc",
	SMSOTP_HTTP_SETTING_NAMES, NULL
};

/* 1..max printable ASCII characters (spaces only when spaces). */
static int
printable(const char *s, size_t max, int spaces)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (*s < (spaces ? 0x20 : 0x21) || *s >= 0x7f)
			return 0;
	return 1;
}

static int
smsc_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		    *s == '.'))
			return 0;
	return 1;
}

static void
kannel_free(struct kannel *k)
{
	if (k == NULL)
		return;
	smsotp_http_settings_free(&k->http);
	smsotp_cfg_secret_free(k->password);
	free(k->username);
	free(k->from);
	free(k->smsc);
	free(k);
}

/* Error at setting name of s (or at s), prefixed with the gateway's name. */
#define BAD(key_, what_) do { \
		const config_setting_t *w_ = config_setting_get_member(s, key_); \
		smsotp_cfg_error(ctx, w_ != NULL ? w_ : s, \
		    "gateway '%s': %s", gw->name, what_); \
		bad = 1; \
	} while (0)

static int
kannel_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct kannel *k;
	int bad = 0;

	gw->priv = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	if (smsotp_cfg_str(ctx, s, "username", 1, &k->username) != 0)
		bad = 1;
	else if (!printable(k->username, 64, 0))
		BAD("username", "'username' must be 1-64 printable characters "
		    "without spaces");
	if (smsotp_cfg_secret(ctx, s, "password", 1, &k->password) != 0)
		bad = 1;
	else if (!printable(k->password, 256, 1))
		BAD(config_setting_get_member(s, "password") != NULL ?
		    "password" : "password_file",
		    "the password must be printable characters");
	if (smsotp_cfg_str(ctx, s, "from", 0, &k->from) != 0)
		bad = 1;
	else if (k->from != NULL && !printable(k->from, 20, 0))
		BAD("from", "'from' must be 1-20 printable characters without "
		    "spaces");
	if (smsotp_cfg_str(ctx, s, "smsc", 0, &k->smsc) != 0)
		bad = 1;
	else if (k->smsc != NULL && !smsc_ok(k->smsc))
		BAD("smsc", "'smsc' must be an smsc-id: 1-32 letters, digits, "
		    "'_', '-' or '.'");
	if (smsotp_gw_url_setting(ctx, s, gw->name, "url", &k->http) != 0)
		bad = 1;
	if (bad) {
		kannel_free(k);
		return -1;
	}
	gw->priv = k;
	return 0;
}

static void
kannel_destroy(struct smsotp_gateway *gw)
{
	kannel_free(gw->priv);
	gw->priv = NULL;
}

/*
 * "http N" and Kannel's reply, e.g. "0: Accepted for delivery": its first
 * line, leading status digit kept, then letters, spaces and punctuation
 * only. SECURITY: no other digits, so never a code, whatever the server
 * echoes.
 */
static void
detail(struct smsotp_gw_result *res, const struct smsotp_http_resp *r)
{
	char ex[EXCERPT_MAX + 1];
	const char *b = r->body != NULL ? r->body : "";
	size_t i, o = 0;

	for (i = 0; b[i] != '\0' && b[i] != '\r' && b[i] != '\n' &&
	    o < EXCERPT_MAX; i++) {
		char c = b[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == ' ' || c == ':' || c == '.' || c == '-' ||
		    c == ',' || c == '\'' || c == '(' || c == ')' || c == '/' ||
		    (i == 0 && c >= '0' && c <= '9'))
			ex[o++] = c;
	}
	ex[o] = '\0';
	smsotp_gw_detailf(res, "http error", o > 0 ? "http %ld %s" :
	    "http %ld%s", r->status, ex);
}

static void
classify(const struct smsotp_http_resp *r, struct smsotp_gw_result *res)
{
	const char *b = r->body != NULL ? r->body : "";
	long st = r->status;

	detail(res, r);
	if (st == 202 && (strncmp(b, "0:", 2) == 0 || strncmp(b, "3:", 2) == 0))
		res->outcome = SMSOTP_GW_SENT;
	else if (st >= 400 && st < 500 && st != 408 && st != 429)
		/* Kannel said no: refused credentials (401, 403 "Authorization
		 * failed"), missing or refused receiver, denied number. */
		res->outcome = SMSOTP_GW_PERMFAIL;
	else
		/* 503 (queue full, no SMSC), other 5xx, 2xx-3xx oddities. */
		res->outcome = SMSOTP_GW_TEMPFAIL;
	smsotp_gw_retry_after(res, r);
}

static void
kannel_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct kannel *k = gw->priv;
	struct smsotp_http_resp resp;
	struct smsotp_http_req req;
	struct smsotp_buf url = { NULL, 0, 0, 0 }, q = { NULL, 0, 0, 0 };

	memset(res, 0, sizeof(*res));
	memset(&resp, 0, sizeof(resp));
	res->outcome = SMSOTP_GW_TEMPFAIL;
	if (k == NULL) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "not configured");
		goto out;
	}
	if (!smsotp_e164_ok(to)) {
		res->outcome = SMSOTP_GW_PERMFAIL;
		smsotp_gw_detail(res, "not an E.164 number");
		goto out;
	}
	/* Kannel's sendsms takes GET (a form POST is refused). */
	smsotp_buf_add_field(&q, "username", k->username);
	smsotp_buf_add_field(&q, "password", k->password);
	smsotp_buf_add_field(&q, "to", to);
	smsotp_buf_add_field(&q, "text", text);
	if (k->from != NULL)
		smsotp_buf_add_field(&q, "from", k->from);
	if (k->smsc != NULL)
		smsotp_buf_add_field(&q, "smsc", k->smsc);
	smsotp_buf_adds(&url, k->http.base_url);
	smsotp_buf_add(&url, "?", 1);
	if (!q.oom)
		smsotp_buf_add(&url, q.p, q.len);
	if (url.oom || q.oom) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url.p;
	if (smsotp_http_do(&k->http.opts, &req, deadline, &resp) != 0) {
		smsotp_gw_transport_fail(res, &resp);
		goto out;
	}
	res->http_status = resp.status;
	classify(&resp, res);
out:
	/* SECURITY: the URL holds the password and the text (the code). */
	smsotp_buf_free(&q);
	smsotp_buf_free(&url);
	smsotp_http_resp_free(&resp);
}

const struct smsotp_gw_type smsotp_gw_kannel = {
	.name = "kannel",
	.settings = kannel_settings,
	.configure = kannel_configure,
	.send = kannel_send,
	.destroy = kannel_destroy,
};
