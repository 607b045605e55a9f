/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/vonage.c - the "vonage" gateway type: Vonage (Nexmo) SMS
 * API, POST {base_url}/sms/json.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "gateways/http_result.h"
#include "gateways/request_buf.h"
#include "phones/e164.h"


struct vonage {
	struct smsotp_http_settings http;
	char *api_key;
	char *api_secret;		/* secret */
	char *from;			/* digits (no '+') or alphanumeric ID */
	char *url;			/* base_url/sms/json */
};

static const char *const vonage_settings[] = {
	"api_key", "api_secret", "api_secret_file", "from",
	SMSOTP_HTTP_SETTING_NAMES, NULL
};

/*
 * messages[].status values (developer.vonage.com/api-errors/sms). Vonage
 * saying no is permanent: about the destination (another provider would
 * refuse the number too) and about our credentials or account (a login
 * must not pass as "provider down" because of them: gateway.h). Everything
 * else (throttling, quota, sender, platform errors, unknown values) is
 * temporary, so that the route fails over to its next gateway.
 */
static const struct {
	int status;
	int permanent;
	const char *name;
} statuses[] = {
	{ 1, 0, "throttled" },
	{ 2, 0, "missing parameters" },
	{ 3, 1, "invalid parameters" },
	{ 4, 1, "invalid credentials" },
	{ 5, 0, "internal error" },
	{ 6, 1, "invalid message" },
	{ 7, 1, "number barred" },
	{ 8, 1, "partner account barred" },
	{ 9, 0, "partner quota violation" },
	{ 10, 0, "too many existing binds" },
	{ 11, 1, "account not enabled for HTTP" },
	{ 12, 0, "message too long" },
	{ 14, 1, "invalid signature" },
	{ 15, 0, "invalid sender address" },
	{ 22, 1, "invalid network code" },
	{ 23, 0, "invalid callback url" },
	{ 29, 1, "non-whitelisted destination" },
	{ 32, 0, "signature and api secret disallowed" },
	{ 33, 1, "number de-activated" },
};

/* 1-15 digits (a leading '+' is dropped), or 1-11 letters, digits, spaces. */
static int
from_ok(char *from)
{
	size_t i, n, letters = 0;

	if (from[0] == '+')
		memmove(from, from + 1, strlen(from));
	n = strlen(from);
	if (n == 0 || n > 15)
		return 0;
	for (i = 0; i < n; i++) {
		char c = from[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			letters++;
		else if (!((c >= '0' && c <= '9') || c == ' '))
			return 0;
	}
	return letters == 0 ? from[0] != ' ' && strchr(from, ' ') == NULL :
	    n <= 11;
}

/* Printable ASCII without spaces: what API keys and secrets are made of. */
static int
token_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

static void
vonage_free(struct vonage *v)
{
	if (v == NULL)
		return;
	smsotp_http_settings_free(&v->http);
	smsotp_cfg_secret_free(v->api_secret);
	smsotp_cfg_secret_free(v->api_key);
	free(v->from);
	free(v->url);
	free(v);
}

static int
vonage_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct vonage *v;
	size_t n;
	int bad = 0;

	gw->priv = NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	if (smsotp_cfg_str(ctx, s, "api_key", 1, &v->api_key) != 0) {
		bad = 1;
	} else if (!token_ok(v->api_key) || strlen(v->api_key) > 64) {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "api_key"),
		    "gateway '%s': 'api_key' must be 1-64 printable characters "
		    "without spaces", gw->name);
		bad = 1;
	}
	if (smsotp_cfg_secret(ctx, s, "api_secret", 1, &v->api_secret) != 0) {
		bad = 1;
	} else if (!token_ok(v->api_secret)) {
		const config_setting_t *w = config_setting_get_member(s,
		    "api_secret");
		smsotp_cfg_error(ctx, w != NULL ? w : config_setting_get_member(s,
		    "api_secret_file"), "gateway '%s': the API secret must be "
		    "printable characters without spaces", gw->name);
		bad = 1;
	}
	if (smsotp_cfg_str(ctx, s, "from", 1, &v->from) != 0) {
		bad = 1;
	} else if (!from_ok(v->from)) {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "from"),
		    "gateway '%s': 'from' must be a number (up to 15 digits) "
		    "or a sender ID of 1-11 letters, digits and spaces",
		    gw->name);
		bad = 1;
	}
	v->http.base_url = strdup(
	    smsotp_setting(SMSOTP_SET_VONAGE_BASE_URL)->sdef);
	if (v->http.base_url == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		bad = 1;
	} else if (smsotp_http_configure(ctx, s, &v->http) != 0) {
		bad = 1;
	}
	if (!bad) {
		n = strlen(v->http.base_url) + sizeof("/sms/json");
		v->url = malloc(n);
		if (v->url == NULL || smsotp_fmt(v->url, n, "%s/sms/json",
		    v->http.base_url) != 0) {
			smsotp_cfg_error(ctx, s, "out of memory");
			bad = 1;
		}
	}
	if (bad) {
		vonage_free(v);
		return -1;
	}
	gw->priv = v;
	return 0;
}

static void
vonage_destroy(struct smsotp_gateway *gw)
{
	vonage_free(gw->priv);
	gw->priv = NULL;
}

/* messages[i].status as a number, or -1 when missing or not a number. */
static int
msg_status(json_t *m)
{
	json_t *st = json_object_get(m, "status");
	const char *p;
	int v = 0;

	if (json_is_integer(st))
		return json_integer_value(st) >= 0 &&
		    json_integer_value(st) < 1000 ? (int)json_integer_value(st) : -1;
	if (!json_is_string(st) || json_string_length(st) == 0 ||
	    json_string_length(st) > 3)
		return -1;
	for (p = json_string_value(st); *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* Fill res from a 200 reply: every part must have status "0". */
static void
classify_200(const struct smsotp_http_resp *r, struct smsotp_gw_result *res)
{
	json_t *root = json_loadb(r->body, r->len, 0, NULL), *msgs, *id;
	size_t i, k;
	int st = -1;

	msgs = json_object_get(root, "messages");
	if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
		smsotp_gw_detail(res, "bad reply (http 200)");
		goto out;
	}
	for (i = 0; i < json_array_size(msgs); i++) {
		st = msg_status(json_array_get(msgs, i));
		if (st != 0)
			break;
	}
	if (st == 0) {
		id = json_object_get(json_array_get(msgs, 0), "message-id");
		res->outcome = SMSOTP_GW_SENT;
		if (json_is_string(id) && json_string_length(id) > 0)
			smsotp_sanitize(res->detail, sizeof(res->detail),
			    json_string_value(id), json_string_length(id));
		else
			smsotp_gw_detail(res, "accepted");
		goto out;
	}
	if (st < 0) {
		smsotp_gw_detail(res, "bad reply (http 200)");
		goto out;
	}
	/* SECURITY: our own names only; error-text is not logged. */
	for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
		if (statuses[k].status == st)
			break;
	if (k < sizeof(statuses) / sizeof(statuses[0])) {
		if (statuses[k].permanent)
			res->outcome = SMSOTP_GW_PERMFAIL;
		smsotp_gw_detailf(res, "vonage error", "vonage status %d (%s)",
		    st, statuses[k].name);
	} else {
		smsotp_gw_detailf(res, "vonage error", "vonage status %d", st);
	}
out:
	json_decref(root);
}

static void
vonage_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct vonage *v = gw->priv;
	struct smsotp_http_resp resp;
	struct smsotp_http_req req;
	struct smsotp_buf body = { NULL, 0, 0, 0 };
	const char *p;

	memset(res, 0, sizeof(*res));
	memset(&resp, 0, sizeof(resp));
	res->outcome = SMSOTP_GW_TEMPFAIL;
	if (v == NULL) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "not configured");
		goto out;
	}
	if (!smsotp_e164_ok(to)) {
		res->outcome = SMSOTP_GW_PERMFAIL;
		smsotp_gw_detail(res, "not an E.164 number");
		goto out;
	}
	smsotp_buf_add_field(&body, "api_key", v->api_key);
	smsotp_buf_add_field(&body, "api_secret", v->api_secret);
	smsotp_buf_add_field(&body, "from", v->from);
	/* Vonage wants the international number without '+' or 00. */
	smsotp_buf_add_field(&body, "to", to + 1);
	smsotp_buf_add_field(&body, "text", text);
	for (p = text; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p != '\0')	/* non-ASCII: sent as UCS-2, not mangled to GSM */
		smsotp_buf_add_field(&body, "type", "unicode");
	if (body.oom) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = v->url;
	req.body = body.p;
	req.body_len = body.len;
	if (smsotp_http_do(&v->http.opts, &req, deadline, &resp) != 0) {
		smsotp_gw_transport_fail(res, &resp);
		goto out;
	}
	res->http_status = resp.status;
	if (resp.status == 200) {
		classify_200(&resp, res);
	} else {
		/* 429, 5xx and anything unexpected: try the next gateway. */
		smsotp_gw_detailf(res, "http error", "http %ld", resp.status);
		smsotp_gw_retry_after(res, &resp);
	}
out:
	/* SECURITY: the body holds the API secret and the text (the code). */
	smsotp_buf_free(&body);
	smsotp_http_resp_free(&resp);
}

const struct smsotp_gw_type smsotp_gw_vonage = {
	.name = "vonage",
	.settings = vonage_settings,
	.configure = vonage_configure,
	.send = vonage_send,
	.destroy = vonage_destroy,
};
