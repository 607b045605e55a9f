/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamlog.h - what the module's code logged: a test program linked with
 * -Wl,--wrap=pam_syslog gets every pam_syslog() line here instead of
 * syslog, to check that a refusal says why.
 */
#ifndef SMSOTP_PAMLOG_H
#define SMSOTP_PAMLOG_H

/* Forget what was logged. */
void tu_pamlog_reset(void);
/* 1 when a line at priority prio or more urgent holding text was logged. */
int tu_pamlog_has(int prio, const char *text);
/* The lines logged since the reset, one per line ("" when none). */
const char *tu_pamlog_all(void);

#endif
