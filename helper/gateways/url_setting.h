/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/url_setting.h - the endpoint of an HTTP gateway type
 * given as one whole URL setting (kannel's and http's "url") instead of
 * base_url.
 */
#ifndef SMSOTP_URL_SETTING_H
#define SMSOTP_URL_SETTING_H

#include <libconfig.h>

#include "base/util.h"
#include "conf/conf.h"
#include "gateways/http_client.h"

/*
 * The transport settings of a type whose endpoint is a full URL given as
 * setting name (e.g. "url" of kannel and http) instead of base_url:
 * reads name (required), then smsotp_http_configure with it; errors about
 * the URL are reported at name's line and under its name. 'base_url' is
 * refused. out must be zeroed. 0, or -1 (out freed).
 */
int smsotp_gw_url_setting(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const char *gwname, const char *name,
    struct smsotp_http_settings *out) SMSOTP_WUR;

#endif
