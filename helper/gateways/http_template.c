/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_template.c - check and render the generic http
 * type's request templates.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "gateways/http_template.h"

enum ph { PH_TO, PH_TO_DIGITS, PH_TEXT, PH_SECRET, PH_BAD };

/* Placeholder at t (just after "%{"): which, and its length with '}'. */
static enum ph
placeholder(const char *t, size_t *n)
{
	static const struct {
		const char *name;
		enum ph ph;
	} names[] = {
		{ "to}", PH_TO }, { "to_digits}", PH_TO_DIGITS },
		{ "text}", PH_TEXT }, { "secret}", PH_SECRET },
	};
	size_t i, l;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		l = strlen(names[i].name);
		if (strncmp(t, names[i].name, l) == 0) {
			*n = l;
			return names[i].ph;
		}
	}
	return PH_BAD;
}

int
smsotp_gw_tmpl_check(const char *tmpl, int allow_msg, int allow_secret,
    const char **why)
{
	size_t n;
	enum ph ph;

	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl != '%')
			continue;
		if (tmpl[1] == '%') {
			tmpl++;
			continue;
		}
		if (tmpl[1] != '{') {
			*why = "a '%' must start a placeholder %{...} or be "
			    "written %%";
			return -1;
		}
		ph = placeholder(tmpl + 2, &n);
		if (ph == PH_BAD) {
			*why = "unknown placeholder (known: %{to}, "
			    "%{to_digits}, %{text}, %{secret})";
			return -1;
		}
		if (ph == PH_SECRET ? !allow_secret : !allow_msg) {
			*why = ph == PH_SECRET ? "%{secret} needs 'secret' or "
			    "'secret_file'" : "only %{secret} may be used here";
			return -1;
		}
		tmpl += 1 + n;
	}
	return 0;
}

void
smsotp_gw_tmpl_render(struct smsotp_buf *b, const char *tmpl,
    const struct smsotp_gw_tmpl_vars *v, enum smsotp_esc e)
{
	const char *val;
	size_t n, run;

	while (*tmpl != '\0' && !b->oom) {
		run = strcspn(tmpl, "%");
		smsotp_buf_add(b, tmpl, run);
		tmpl += run;
		if (*tmpl == '\0')
			break;
		if (tmpl[1] == '%') {
			smsotp_buf_add(b, "%", 1);
			tmpl += 2;
			continue;
		}
		val = NULL;
		n = 0;
		if (tmpl[1] == '{') {
			switch (placeholder(tmpl + 2, &n)) {
			case PH_TO:
				val = v->to;
				break;
			case PH_TO_DIGITS:
				val = v->to_digits;
				break;
			case PH_TEXT:
				val = v->text;
				break;
			case PH_SECRET:
				val = v->secret;
				break;
			case PH_BAD:
				break;
			}
		}
		if (val == NULL) {
			b->oom = 1;	/* unchecked template: refuse */
			break;
		}
		smsotp_buf_add_esc(b, val, e);
		tmpl += 2 + n;
	}
}
