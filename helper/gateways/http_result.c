/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_result.c - detail, Retry-After and transport
 * failures into a gateway result.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gateways/http_result.h"

void
smsotp_gw_detail(struct smsotp_gw_result *res, const char *msg)
{
	smsotp_sanitize(res->detail, sizeof(res->detail), msg, strlen(msg));
}

void
smsotp_gw_detailf(struct smsotp_gw_result *res, const char *fallback,
    const char *fmt, ...)
{
	char buf[sizeof(res->detail)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	smsotp_gw_detail(res, n >= 0 && (size_t)n < sizeof(buf) ? buf :
	    fallback);
}

void
smsotp_gw_retry_after(struct smsotp_gw_result *res,
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
smsotp_gw_transport_fail(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r)
{
	res->outcome = r->local ? SMSOTP_GW_LOCALFAIL : SMSOTP_GW_TEMPFAIL;
	res->http_status = r->status;
	smsotp_gw_detail(res, r->error[0] != '\0' ? r->error :
	    "transport error");
}
