/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/twilio.c - the "twilio" gateway type: Programmable
 * Messaging, POST .../Messages.json.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "gateways/http_result.h"
#include "phones/e164.h"
#include "base/wipe.h"

#define SID_HEX 32

struct twilio {
	struct smsotp_http_settings http;
	char *account_sid;		/* "AC" + 32 hex */
	char *auth_token;		/* secret */
	char *from;			/* E.164, or NULL */
	char *msid;			/* "MG" + 32 hex, or NULL */
	char *url;			/* base_url/2010-04-01/Accounts/AC.../Messages.json */
};

static const char *const twilio_settings[] = {
	"account_sid", "auth_token", "auth_token_file", "from",
	"messaging_service_sid", SMSOTP_HTTP_SETTING_NAMES, NULL
};

/* Error codes that mean "this destination cannot be texted": stop there. */
static const long bad_to_codes[] = {
	21211,	/* invalid 'To' phone number */
	21214,	/* 'To' phone number cannot be reached */
	21408,	/* permission to send to this region not enabled */
	21610,	/* recipient unsubscribed (STOP) */
	21612,	/* cannot route to this number */
	21614,	/* 'To' is not a valid mobile number */
};

static int
sid_ok(const char *s, const char *prefix)
{
	size_t i;

	if (strncmp(s, prefix, 2) != 0 || strlen(s) != 2 + SID_HEX)
		return 0;
	for (i = 2; i < 2 + SID_HEX; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

static void
twilio_free(struct twilio *t)
{
	if (t == NULL)
		return;
	smsotp_http_settings_free(&t->http);
	smsotp_cfg_secret_free(t->auth_token);
	free(t->account_sid);
	free(t->from);
	free(t->msid);
	free(t->url);
	free(t);
}

static int
twilio_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct twilio *t;
	size_t n;
	int bad = 0, sender_bad;

	gw->priv = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	if (smsotp_cfg_str(ctx, s, "account_sid", 1, &t->account_sid) != 0) {
		bad = 1;
	} else if (!sid_ok(t->account_sid, "AC")) {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "account_sid"),
		    "gateway '%s': 'account_sid' must be \"AC\" and 32 hex "
		    "digits", gw->name);
		bad = 1;
	}
	bad |= smsotp_cfg_secret(ctx, s, "auth_token", 1, &t->auth_token) != 0;
	sender_bad = smsotp_cfg_str(ctx, s, "from", 0, &t->from) != 0;
	sender_bad |= smsotp_cfg_str(ctx, s, "messaging_service_sid", 0,
	    &t->msid) != 0;
	bad |= sender_bad;
	if (t->from != NULL && !smsotp_e164_ok(t->from)) {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "from"),
		    "gateway '%s': 'from' must be an E.164 number like "
		    "\"+15005550006\"", gw->name);
		bad = 1;
	}
	if (t->msid != NULL && !sid_ok(t->msid, "MG")) {
		smsotp_cfg_error(ctx, config_setting_get_member(s,
		    "messaging_service_sid"), "gateway '%s': "
		    "'messaging_service_sid' must be \"MG\" and 32 hex digits",
		    gw->name);
		bad = 1;
	}
	if ((t->from == NULL) == (t->msid == NULL) && !sender_bad) {
		const config_setting_t *w = config_setting_get_member(s,
		    "messaging_service_sid");
		smsotp_cfg_error(ctx, w != NULL ? w : s, "gateway '%s': give "
		    "exactly one of 'from' and 'messaging_service_sid'",
		    gw->name);
		bad = 1;
	}
	t->http.base_url = strdup(
	    smsotp_setting(SMSOTP_SET_TWILIO_BASE_URL)->sdef);
	if (t->http.base_url == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		bad = 1;
	} else if (smsotp_http_configure(ctx, s, &t->http) != 0) {
		bad = 1;
	}
	if (!bad) {
		n = strlen(t->http.base_url) + strlen(t->account_sid) + 64;
		t->url = malloc(n);
		if (t->url == NULL || smsotp_fmt(t->url, n,
		    "%s/2010-04-01/Accounts/%s/Messages.json", t->http.base_url,
		    t->account_sid) != 0) {
			smsotp_cfg_error(ctx, s, "out of memory");
			bad = 1;
		}
	}
	if (bad) {
		twilio_free(t);
		return -1;
	}
	gw->priv = t;
	return 0;
}

static void
twilio_destroy(struct smsotp_gateway *gw)
{
	twilio_free(gw->priv);
	gw->priv = NULL;
}

/* Append "&key=escaped(value)" (no '&' when first) to the body. */
static int
add_field(char *buf, size_t cap, size_t *used, const char *key,
    const char *value)
{
	char *e = smsotp_http_form_escape(value);
	size_t kl = strlen(key), el;
	int rv = -1;

	if (e == NULL)
		return -1;
	el = strlen(e);
	if (*used + (*used > 0) + kl + 1 + el + 1 <= cap) {
		if (*used > 0)
			buf[(*used)++] = '&';
		memcpy(buf + *used, key, kl);
		*used += kl;
		buf[(*used)++] = '=';
		memcpy(buf + *used, e, el);
		*used += el;
		buf[*used] = '\0';
		rv = 0;
	}
	smsotp_wipe(e, el);
	free(e);
	return rv;
}

/* Twilio's numeric error "code" in a JSON error reply, or 0. */
static long
reply_code(const struct smsotp_http_resp *r)
{
	json_t *root, *c;
	long code = 0;

	if (r->body == NULL || r->len == 0)
		return 0;
	root = json_loadb(r->body, r->len, 0, NULL);
	if (root == NULL)
		return 0;
	c = json_object_get(root, "code");
	if (json_is_integer(c) && json_integer_value(c) > 0 &&
	    json_integer_value(c) < 1000000)
		code = (long)json_integer_value(c);
	json_decref(root);
	return code;
}

/* Fill res from a received HTTP reply. */
static void
classify(const struct smsotp_http_resp *r, struct smsotp_gw_result *res)
{
	long st = r->status, code;
	json_t *root = NULL, *sid;
	size_t i;

	if (st == 200 || st == 201) {
		root = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
		sid = json_object_get(root, "sid");
		if (json_is_string(sid) && json_string_length(sid) > 0) {
			res->outcome = SMSOTP_GW_SENT;
			smsotp_sanitize(res->detail, sizeof(res->detail),
			    json_string_value(sid), json_string_length(sid));
		} else {
			res->outcome = SMSOTP_GW_TEMPFAIL;
			if (smsotp_fmt(res->detail, sizeof(res->detail),
			    "bad reply (http %ld)", st) != 0)
				smsotp_gw_detail(res, "bad reply");
		}
		json_decref(root);
		return;
	}
	code = reply_code(r);
	if (st >= 400 && st < 500 && st != 408 && st != 429) {
		/* Twilio said no: the number, our credentials or account
		 * (401, 403, 404), the request. */
		res->outcome = SMSOTP_GW_PERMFAIL;
		for (i = 0; i < sizeof(bad_to_codes) / sizeof(bad_to_codes[0]); i++)
			if (code == bad_to_codes[i]) {
				if (smsotp_fmt(res->detail, sizeof(res->detail),
				    "twilio error %ld", code) != 0)
					smsotp_gw_detail(res, "twilio error");
				return;
			}
	} else {
		/* 408, 429, 5xx, 1xx-3xx: try the next gateway. */
		res->outcome = SMSOTP_GW_TEMPFAIL;
	}
	if ((code != 0 ? smsotp_fmt(res->detail, sizeof(res->detail),
	    "http %ld twilio error %ld", st, code) :
	    smsotp_fmt(res->detail, sizeof(res->detail), "http %ld", st)) != 0)
		smsotp_gw_detail(res, "http error");
	smsotp_gw_retry_after(res, r);
}

static void
twilio_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct twilio *t = gw->priv;
	struct smsotp_http_resp resp;
	struct smsotp_http_req req;
	char *body = NULL;
	size_t cap = 0, used = 0;

	memset(res, 0, sizeof(*res));
	memset(&resp, 0, sizeof(resp));
	res->outcome = SMSOTP_GW_TEMPFAIL;
	if (t == NULL) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "not configured");
		goto out;
	}
	if (!smsotp_e164_ok(to)) {
		res->outcome = SMSOTP_GW_PERMFAIL;
		smsotp_gw_detail(res, "not an E.164 number");
		goto out;
	}
	/* Each value escapes to at most 3 bytes per byte. */
	cap = 3 * (strlen(to) + strlen(text) +
	    (t->from != NULL ? strlen(t->from) : strlen(t->msid))) + 64;
	body = malloc(cap);
	if (body == NULL || add_field(body, cap, &used, "To", to) != 0 ||
	    (t->from != NULL ?
	    add_field(body, cap, &used, "From", t->from) :
	    add_field(body, cap, &used, "MessagingServiceSid", t->msid)) != 0 ||
	    add_field(body, cap, &used, "Body", text) != 0) {
		res->outcome = SMSOTP_GW_LOCALFAIL;
		smsotp_gw_detail(res, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = t->url;
	req.body = body;
	req.body_len = used;
	req.username = t->account_sid;
	req.password = t->auth_token;
	if (smsotp_http_do(&t->http.opts, &req, deadline, &resp) != 0) {
		smsotp_gw_transport_fail(res, &resp);
		goto out;
	}
	res->http_status = resp.status;
	classify(&resp, res);
out:
	/* SECURITY: the body holds the text, hence the code. */
	if (body != NULL) {
		smsotp_wipe(body, cap);
		free(body);
	}
	smsotp_http_resp_free(&resp);
}

const struct smsotp_gw_type smsotp_gw_twilio = {
	.name = "twilio",
	.settings = twilio_settings,
	.configure = twilio_configure,
	.send = twilio_send,
	.destroy = twilio_destroy,
};
