/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_result.h - filling a gateway result (gateway.h)
 * in the HTTP gateway types: the sanitised detail, the Retry-After of a
 * reply, a request that got no reply.
 */
#ifndef SMSOTP_HTTP_RESULT_H
#define SMSOTP_HTTP_RESULT_H

#include "base/util.h"
#include "gateways/gateway.h"
#include "gateways/http_client.h"

/* Fixed or untrusted text into res->detail, sanitised and cut to fit. */
void smsotp_gw_detail(struct smsotp_gw_result *res, const char *msg);
/* printf into res->detail; on overflow the fixed fallback is used. */
void smsotp_gw_detailf(struct smsotp_gw_result *res, const char *fallback,
    const char *fmt, ...) SMSOTP_ATTR_FMT(3, 4);
/* Append " retry-after Ns" when the reply had a Retry-After. */
void smsotp_gw_retry_after(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r);
/*
 * No HTTP reply: a local failure when r->local (libcurl unavailable, out
 * of memory, ...), else a temporary one; libcurl's (sanitised) reason.
 */
void smsotp_gw_transport_fail(struct smsotp_gw_result *res,
    const struct smsotp_http_resp *r);

#endif
