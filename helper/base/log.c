/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c - syslog with an optional stderr mirror.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"

static int log_stderr;
static const char *log_ident = "smsotp";

void
smsotp_log_init(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	openlog(ident, LOG_PID, LOG_AUTHPRIV);
}

void
smsotp_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
	if (log_stderr) {
		va_start(ap, fmt);
		fprintf(stderr, "%s: ", log_ident);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
}
