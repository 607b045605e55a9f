/*
 * gw_util.h - helpers shared by the HTTP gateway types (vonage, kannel,
 * http): a wiping byte buffer, form and JSON escaping, the request body
 * template (%{to} %{to_digits} %{text} %{secret}), the "url" setting, and
 * filling a gateway result from a transport failure.
 *
 * SECURITY: bodies and URLs built here hold the text (so the code) and
 * often a secret; every buffer is wiped before it is freed or regrown.
 */
#ifndef SMSOTP_GW_UTIL_H
#define SMSOTP_GW_UTIL_H

#include <stddef.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "base/util.h"

/* A growable NUL-terminated buffer; oom is set on the first failure. */
struct smsotp_buf {
	char *p;
	size_t len, cap;
	int oom;
};

enum smsotp_esc {
	SMSOTP_ESC_NONE,	/* copied as is */
	SMSOTP_ESC_FORM,	/* percent-encoding, unreserved kept */
	SMSOTP_ESC_JSON,	/* the inside of a JSON string */
};

void smsotp_buf_add(struct smsotp_buf *b, const char *s, size_t n);
void smsotp_buf_adds(struct smsotp_buf *b, const char *s);
void smsotp_buf_add_esc(struct smsotp_buf *b, const char *s, enum smsotp_esc e);
/* "key=escaped(value)", preceded by '&' unless b is empty. */
void smsotp_buf_add_field(struct smsotp_buf *b, const char *key,
    const char *value);
/* Wipe and free; b is empty (and usable) afterwards. */
void smsotp_buf_free(struct smsotp_buf *b);

/* Values of the body template's placeholders; NULL ones are refused. */
struct smsotp_gwu_vars {
	const char *to;		/* "+447700900123" */
	const char *to_digits;	/* "447700900123" */
	const char *text;
	const char *secret;
};

/*
 * Check a template: "%%" is a literal '%'; %{to}, %{to_digits}, %{text}
 * are allowed when allow_msg, %{secret} when allow_secret; any other '%'
 * use is an error. 0, or -1 with *why (static text).
 */
int smsotp_gwu_tmpl_check(const char *tmpl, int allow_msg, int allow_secret,
    const char **why) SMSOTP_WUR;
/* Append tmpl, checked before, with each value escaped by e. */
void smsotp_gwu_tmpl_render(struct smsotp_buf *b, const char *tmpl,
    const struct smsotp_gwu_vars *v, enum smsotp_esc e);

/* "+" and 8 to 15 digits, no leading zero. */
int smsotp_gwu_e164_ok(const char *s);

/*
 * The transport settings of a type whose endpoint is a full URL given as
 * setting name (e.g. "url" of kannel and http) instead of base_url:
 * reads name (required), then smsotp_http_configure with it; errors about
 * the URL are reported at name's line and under its name. 'base_url' is
 * refused. out must be zeroed. 0, or -1 (out freed).
 */
int smsotp_gwu_http_url(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const char *gwname, const char *name,
    struct smsotp_http_settings *out) SMSOTP_WUR;

/* Fixed or untrusted text into res->detail, sanitised and cut to fit. */
void smsotp_gwu_detail(struct smsotp_gw_result *res, const char *msg);
/* printf into res->detail; on overflow the fixed fallback is used. */
void smsotp_gwu_detailf(struct smsotp_gw_result *res, const char *fallback,
    const char *fmt, ...) SMSOTP_ATTR_FMT(3, 4);
/* Append " retry-after Ns" when the reply had a Retry-After. */
void smsotp_gwu_retry_after(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r);
/*
 * No HTTP reply: a local failure when r->local (libcurl unavailable, out
 * of memory, ...), else a temporary one; libcurl's (sanitised) reason.
 */
void smsotp_gwu_transport_fail(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r);

#endif
