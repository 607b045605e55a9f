/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/url_setting.c - read a whole-URL setting into the
 * transport settings, its errors told under its own name.
 */
#include "config.h"

#include <string.h>

#include "gateways/url_setting.h"

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
smsotp_gw_url_setting(struct smsotp_cfgctx *ctx, const config_setting_t *s,
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
