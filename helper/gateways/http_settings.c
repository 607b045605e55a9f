/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_settings.c - the transport settings every HTTP
 * gateway type takes (http_client.h smsotp_http_configure): the URL's
 * checks, the timeouts, the CA and pin, the proxy, and the gateway's own
 * pool of kept libcurl handles.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/schema.h"
#include "gateways/http_client.h"

/*
 * Check url: scheme, then a host[:port] without user info, then an
 * optional path; no spaces, controls, query or fragment. Sets *plain for
 * http:// and *loopback when the host is a loopback name. NULL when fine,
 * else why.
 */
static const char *
check_url(const char *url, int *plain, int *loopback)
{
	const char *a, *p, *why;
	size_t i, hostlen;

	*plain = 0;
	*loopback = 0;
	if (strncmp(url, "https://", 8) == 0) {
		a = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		a = url + 7;
		*plain = 1;
	} else {
		return "must start with https://";
	}
	for (i = 0; url[i] != '\0'; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || c == '\\')
			return "must not contain spaces, controls, '?' or '#'";
	}
	p = a + strcspn(a, "/");
	if (memchr(a, '@', (size_t)(p - a)) != NULL)
		return "must not contain user info (credentials go in their own settings)";
	why = smsotp_url_hostport(a, (size_t)(p - a), &hostlen);
	if (why != NULL)
		return why;
	*loopback = smsotp_loopback_host(a, hostlen);
	return NULL;
}

void
smsotp_http_settings_free(struct smsotp_http_settings *st)
{
	if (st == NULL)
		return;
	free(st->base_url);
	free(st->ca_file);
	free(st->pinned_public_key);
	free(st->proxy);
	smsotp_http_pool_free(st->opts.pool);
	memset(st, 0, sizeof(*st));
}

int
smsotp_http_configure(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    struct smsotp_http_settings *out)
{
	const config_setting_t *bs = config_setting_get_member(s, "base_url");
	const char *why;
	int ct = 0, to = 0, insecure = 0, plain, loopback, bad = 0;
	size_t n;

	bad |= smsotp_cfg_str(ctx, s, "base_url", out->base_url == NULL,
	    &out->base_url) != 0;
	bad |= smsotp_cfg_int(ctx, s, SMSOTP_SET_HTTPS_CONNECT_TIMEOUT, &ct) != 0;
	bad |= smsotp_cfg_int(ctx, s, SMSOTP_SET_HTTPS_TIMEOUT, &to) != 0;
	bad |= smsotp_cfg_file(ctx, s, "ca_file", 0, 0, &out->ca_file) != 0;
	bad |= smsotp_cfg_str(ctx, s, "pinned_public_key", 0,
	    &out->pinned_public_key) != 0;
	bad |= smsotp_cfg_str(ctx, s, "proxy", 0, &out->proxy) != 0;
	bad |= smsotp_cfg_bool(ctx, s, SMSOTP_SET_HTTPS_INSECURE_HTTP,
	    &insecure) != 0;
	if (out->pinned_public_key != NULL &&
	    (strncmp(out->pinned_public_key, "sha256//", 8) != 0 ||
	    out->pinned_public_key[8] == '\0')) {
		smsotp_cfg_error(ctx, config_setting_get_member(s,
		    "pinned_public_key"), "'pinned_public_key' must be "
		    "\"sha256//BASE64\" (see CURLOPT_PINNEDPUBLICKEY)");
		bad = 1;
	}
	if (out->proxy != NULL && out->proxy[0] == '\0') {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "proxy"),
		    "'proxy' must not be empty (leave it out for no proxy)");
		bad = 1;
	}
	if (out->base_url != NULL) {
		n = strlen(out->base_url);
		while (n > 0 && out->base_url[n - 1] == '/')
			out->base_url[--n] = '\0';
		why = check_url(out->base_url, &plain, &loopback);
		if (why == NULL && plain && !insecure)
			why = "must start with https:// (http:// needs "
			    "'insecure_http = true', loopback hosts only)";
		if (why == NULL && insecure && !(plain && loopback))
			why = "'insecure_http = true' is only allowed for an "
			    "http:// URL on 127.0.0.1, [::1] or localhost";
		if (why != NULL) {
			smsotp_cfg_error(ctx, bs != NULL ? bs : s,
			    "'base_url' %s", why);
			bad = 1;
		}
	}
	if (bad) {
		smsotp_http_settings_free(out);
		return -1;
	}
	out->opts.ca_file = out->ca_file;
	out->opts.pinned_public_key = out->pinned_public_key;
	out->opts.proxy = out->proxy;
	out->opts.connect_timeout = ct;
	out->opts.timeout = to;
	out->opts.insecure_http = insecure;
	out->opts.pool = smsotp_http_pool_new();
	if (out->opts.pool == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		smsotp_http_settings_free(out);
		return -1;
	}
	return 0;
}

