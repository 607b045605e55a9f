/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - logging for the helper and smsotpctl: syslog (LOG_AUTHPRIV),
 * optionally mirrored to stderr for the interactive admin tool.
 * SECURITY: never pass a code, key or gateway secret to these functions;
 * pass untrusted text through smsotp_sanitize() first.
 */
#ifndef SMSOTP_LOG_H
#define SMSOTP_LOG_H

#include <syslog.h>

#include "base/util.h"

void smsotp_log_init(const char *ident, int to_stderr);
void smsotp_log(int prio, const char *fmt, ...) SMSOTP_ATTR_FMT(2, 3);

#endif
