/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - logging for the helper and smsotpctl: syslog (LOG_AUTHPRIV), or
 * once the configuration names one (its log setting) stderr or a file,
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
/*
 * Send the lines from now on to target: "syslog" (or NULL: as before),
 * "stderr", or an absolute path (a file root owns, opened to append and
 * never through a symbolic link, created 0640 when root runs this; not
 * writable by group nor open to others). The lines logged before, up to
 * 16, are written there too, each "TIME IDENT[PID]: PRIORITY: text".
 * 0, or -1 with why (the lines stay on syslog).
 */
int smsotp_log_to(const char *target, char *why, size_t whysz);

#endif
