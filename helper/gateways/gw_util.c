/* gw_util.c - buffers, escaping, body templates and results shared by the HTTP gateway types. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateways/gw_util.h"
#include "proto/proto.h"

static const char hexd[] = "0123456789ABCDEF";

static int
grow(struct smsotp_buf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return -1;
	if (more > SIZE_MAX / 4 - b->len) {
		b->oom = 1;
		return -1;
	}
	if (b->len + more + 1 <= b->cap)
		return 0;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	np = malloc(ncap);
	if (np == NULL) {
		b->oom = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(np, b->p, b->len);
		smsotp_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	b->p[b->len] = '\0';
	return 0;
}

void
smsotp_buf_add(struct smsotp_buf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
smsotp_buf_adds(struct smsotp_buf *b, const char *s)
{
	smsotp_buf_add(b, s, strlen(s));
}

static void
add_form(struct smsotp_buf *b, const unsigned char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = *s;
		char e[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			smsotp_buf_add(b, (const char *)s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hexd[c >> 4];
		e[2] = hexd[c & 15];
		smsotp_buf_add(b, e, 3);
	}
}

/* RFC 8259 string content; bytes >= 0x80 are passed through (UTF-8). */
static void
add_json(struct smsotp_buf *b, const unsigned char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = *s;
		char e[6];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			smsotp_buf_add(b, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hexd[c >> 4];
			e[5] = hexd[c & 15];
			smsotp_buf_add(b, e, 6);
		} else {
			smsotp_buf_add(b, (const char *)s, 1);
		}
	}
}

void
smsotp_buf_add_esc(struct smsotp_buf *b, const char *s, enum smsotp_esc e)
{
	switch (e) {
	case SMSOTP_ESC_FORM:
		add_form(b, (const unsigned char *)s);
		break;
	case SMSOTP_ESC_JSON:
		add_json(b, (const unsigned char *)s);
		break;
	case SMSOTP_ESC_NONE:
		smsotp_buf_adds(b, s);
		break;
	}
}

void
smsotp_buf_add_field(struct smsotp_buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		smsotp_buf_add(b, "&", 1);
	smsotp_buf_adds(b, key);
	smsotp_buf_add(b, "=", 1);
	add_form(b, (const unsigned char *)value);
}

void
smsotp_buf_free(struct smsotp_buf *b)
{
	if (b->p != NULL) {
		smsotp_wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* --- templates ------------------------------------------------------------ */

enum ph { PH_TO, PH_TO_DIGITS, PH_TEXT, PH_SECRET, PH_BAD };

/* Placeholder at t (just after "%{"): which, and its length with '}'. */
static enum ph
placeholder(const char *t, size_t *n)
{
	static const struct {
		const char *name;
		enum ph ph;
	} names[] = {
		{ "to}", PH_TO }, { "to_digits}", PH_TO_DIGITS },
		{ "text}", PH_TEXT }, { "secret}", PH_SECRET },
	};
	size_t i, l;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		l = strlen(names[i].name);
		if (strncmp(t, names[i].name, l) == 0) {
			*n = l;
			return names[i].ph;
		}
	}
	return PH_BAD;
}

int
smsotp_gwu_tmpl_check(const char *tmpl, int allow_msg, int allow_secret,
    const char **why)
{
	size_t n;
	enum ph ph;

	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl != '%')
			continue;
		if (tmpl[1] == '%') {
			tmpl++;
			continue;
		}
		if (tmpl[1] != '{') {
			*why = "a '%' must start a placeholder %{...} or be "
			    "written %%";
			return -1;
		}
		ph = placeholder(tmpl + 2, &n);
		if (ph == PH_BAD) {
			*why = "unknown placeholder (known: %{to}, "
			    "%{to_digits}, %{text}, %{secret})";
			return -1;
		}
		if (ph == PH_SECRET ? !allow_secret : !allow_msg) {
			*why = ph == PH_SECRET ? "%{secret} needs 'secret' or "
			    "'secret_file'" : "only %{secret} may be used here";
			return -1;
		}
		tmpl += 1 + n;
	}
	return 0;
}

void
smsotp_gwu_tmpl_render(struct smsotp_buf *b, const char *tmpl,
    const struct smsotp_gwu_vars *v, enum smsotp_esc e)
{
	const char *val;
	size_t n, run;

	while (*tmpl != '\0' && !b->oom) {
		run = strcspn(tmpl, "%");
		smsotp_buf_add(b, tmpl, run);
		tmpl += run;
		if (*tmpl == '\0')
			break;
		if (tmpl[1] == '%') {
			smsotp_buf_add(b, "%", 1);
			tmpl += 2;
			continue;
		}
		val = NULL;
		n = 0;
		if (tmpl[1] == '{') {
			switch (placeholder(tmpl + 2, &n)) {
			case PH_TO:
				val = v->to;
				break;
			case PH_TO_DIGITS:
				val = v->to_digits;
				break;
			case PH_TEXT:
				val = v->text;
				break;
			case PH_SECRET:
				val = v->secret;
				break;
			case PH_BAD:
				break;
			}
		}
		if (val == NULL) {
			b->oom = 1;	/* unchecked template: refuse */
			break;
		}
		smsotp_buf_add_esc(b, val, e);
		tmpl += 2 + n;
	}
}

int
smsotp_gwu_e164_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 9 || n > 16 || s[0] != '+' || s[1] == '0')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* --- the "url" setting ---------------------------------------------------- */

/*
 * smsotp_http_configure reports URL problems as "'base_url' ..." at the
 * group's line; for a type whose setting is called name, move them to
 * name's line and name. Messages past the array cannot be rewritten (and
 * are not printed either).
 */
static void
rename_url_errors(struct smsotp_cfgctx *ctx, int from, int gline, int uline,
    const char *name)
{
	char prefix[300], rebuilt[sizeof(ctx->errs->msg[0])];
	int i;

	if (smsotp_fmt(prefix, sizeof(prefix), "%s:%d: 'base_url' ",
	    ctx->path, gline) != 0)
		return;
	for (i = from; i < ctx->errs->n && i < SMSOTP_MAX_ERRS; i++) {
		char *m = ctx->errs->msg[i];

		if (strncmp(m, prefix, strlen(prefix)) != 0)
			continue;
		if (smsotp_fmt(rebuilt, sizeof(rebuilt), "%s:%d: '%s' %s",
		    ctx->path, uline, name, m + strlen(prefix)) == 0)
			memcpy(m, rebuilt, sizeof(rebuilt));
	}
}

int
smsotp_gwu_http_url(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const char *gwname, const char *name, struct smsotp_http_settings *out)
{
	const config_setting_t *u = config_setting_get_member(s, name);
	const config_setting_t *bu = config_setting_get_member(s, "base_url");
	int n0 = ctx->errs->n;

	if (bu != NULL) {
		smsotp_cfg_error(ctx, bu, "gateway '%s': give the whole URL as "
		    "'%s', not 'base_url'", gwname, name);
		return -1;
	}
	if (smsotp_cfg_str(ctx, s, name, 1, &out->base_url) != 0) {
		smsotp_http_settings_free(out);
		return -1;
	}
	if (smsotp_http_configure(ctx, s, out) != 0) {
		rename_url_errors(ctx, n0, (int)config_setting_source_line(s),
		    (int)config_setting_source_line(u), name);
		return -1;
	}
	return 0;
}

/* --- results -------------------------------------------------------------- */

void
smsotp_gwu_detail(struct smsotp_gw_result *res, const char *msg)
{
	smsotp_sanitize(res->detail, sizeof(res->detail), msg, strlen(msg));
}

void
smsotp_gwu_detailf(struct smsotp_gw_result *res, const char *fallback,
    const char *fmt, ...)
{
	char buf[sizeof(res->detail)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	smsotp_gwu_detail(res, n >= 0 && (size_t)n < sizeof(buf) ? buf :
	    fallback);
}

void
smsotp_gwu_retry_after(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r)
{
	size_t l = strlen(res->detail);

	if (r->retry_after < 0)
		return;
	if (smsotp_fmt(res->detail + l, sizeof(res->detail) - l,
	    " retry-after %lds", r->retry_after) != 0)
		res->detail[l] = '\0';
}

void
smsotp_gwu_transport_fail(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r)
{
	res->outcome = r->local ? SMSOTP_GW_LOCALFAIL : SMSOTP_GW_TEMPFAIL;
	res->http_status = r->status;
	smsotp_gwu_detail(res, r->error[0] != '\0' ? r->error :
	    "transport error");
}
