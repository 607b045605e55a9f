/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * template.h - the SMS text template: %{code} %{service} %{host}
 * %{minutes} %{user}. "%%" is a literal '%'. Any other '%' use is an error.
 */
#ifndef SMSOTP_TEMPLATE_H
#define SMSOTP_TEMPLATE_H

#include <stddef.h>

#include "base/util.h"

#define SMSOTP_TEXT_MAX 640	/* rendered text, bytes, NUL excluded */

struct smsotp_tvars {
	const char *code;
	const char *service;
	const char *host;
	const char *minutes;
	const char *user;
};

/*
 * Validate tmpl: known placeholders only, well-formed, must contain
 * %{code}. 0, or -1 with *why (static text).
 */
int smsotp_template_check(const char *tmpl, const char **why) SMSOTP_WUR;

/*
 * Render tmpl into out (outsz >= 1). NULL vars render as "". Returns 0, or
 * -1 when tmpl is invalid or the result would exceed outsz - 1 or
 * SMSOTP_TEXT_MAX bytes (out then empty).
 */
int smsotp_template_render(const char *tmpl, const struct smsotp_tvars *vars,
    char *out, size_t outsz) SMSOTP_WUR;

#endif
