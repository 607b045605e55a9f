/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_template.h - the request templates of the generic
 * "http" gateway type (its body, query and header values): text with the
 * placeholders %{to} %{to_digits} %{text} %{secret}, each value escaped
 * as the template's place needs.
 */
#ifndef SMSOTP_HTTP_TEMPLATE_H
#define SMSOTP_HTTP_TEMPLATE_H

#include "base/util.h"
#include "gateways/request_buf.h"

/* Values of the placeholders; NULL ones are refused. */
struct smsotp_gw_tmpl_vars {
	const char *to;		/* "+447700900123" */
	const char *to_digits;	/* "447700900123" */
	const char *text;
	const char *secret;
};

/*
 * Check a template: "%%" is a literal '%'; %{to}, %{to_digits}, %{text}
 * are allowed when allow_msg, %{secret} when allow_secret; any other '%'
 * use is an error. 0, or -1 with *why (static text).
 */
int smsotp_gw_tmpl_check(const char *tmpl, int allow_msg, int allow_secret,
    const char **why) SMSOTP_WUR;
/*
 * Append tmpl, checked before, with each value escaped by e. A
 * placeholder that is unknown or whose value is NULL sets b->oom (the
 * template was not checked: refuse it).
 */
void smsotp_gw_tmpl_render(struct smsotp_buf *b, const char *tmpl,
    const struct smsotp_gw_tmpl_vars *v, enum smsotp_esc e);

#endif
