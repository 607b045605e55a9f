/* SPDX-License-Identifier: BSD-3-Clause */
/* pamlog.c - __wrap_pam_syslog: keep the module's log lines for the test. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <security/pam_ext.h>

#include "pamlog.h"

#define LINES 32
#define LINE_MAX_LEN 512

static struct {
	int prio;
	char text[LINE_MAX_LEN];
} lines[LINES];
static int nlines;
static char all[LINES * (LINE_MAX_LEN + 16)];

void __wrap_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

void
__wrap_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	(void)pamh;
	if (nlines >= LINES)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(lines[nlines].text, sizeof(lines[nlines].text), fmt,
	    ap);
	va_end(ap);
	lines[nlines++].prio = prio;
}

void
tu_pamlog_reset(void)
{
	nlines = 0;
}

int
tu_pamlog_has(int prio, const char *text)
{
	int i;

	for (i = 0; i < nlines; i++)
		if (lines[i].prio <= prio && strstr(lines[i].text, text) != NULL)
			return 1;
	return 0;
}

const char *
tu_pamlog_all(void)
{
	size_t o = 0;
	int i;

	all[0] = '\0';
	for (i = 0; i < nlines; i++)
		o += (size_t)snprintf(all + o, sizeof(all) - o, "%d %s\n",
		    lines[i].prio, lines[i].text);
	return all;
}
