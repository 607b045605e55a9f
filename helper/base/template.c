/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * template.c - checking and rendering the SMS text template.
 */
#include "config.h"

#include <string.h>

#include "base/template.h"
#include "base/wipe.h"

enum tvar { TV_CODE, TV_SERVICE, TV_HOST, TV_MINUTES, TV_USER, TV_COUNT };

static const char *const tvar_names[TV_COUNT] = {
	[TV_CODE] = "code",
	[TV_SERVICE] = "service",
	[TV_HOST] = "host",
	[TV_MINUTES] = "minutes",
	[TV_USER] = "user",
};

static const char *
tvar_value(const struct smsotp_tvars *vars, enum tvar v)
{
	const char *s = NULL;

	if (vars == NULL)
		return "";
	switch (v) {
	case TV_CODE:
		s = vars->code;
		break;
	case TV_SERVICE:
		s = vars->service;
		break;
	case TV_HOST:
		s = vars->host;
		break;
	case TV_MINUTES:
		s = vars->minutes;
		break;
	case TV_USER:
		s = vars->user;
		break;
	case TV_COUNT:
		break;
	}
	return s != NULL ? s : "";
}

/* Append n bytes at out[*o] unless that would pass cap. 0 or -1. */
static int
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (out == NULL)
		return 0;
	if (n > cap - *o)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

/*
 * Walk tmpl. With out != NULL, render at most cap bytes into it (no NUL
 * added). *has_code tells whether %{code} occurs. 0, or -1 with *why.
 */
static int
walk(const char *tmpl, const struct smsotp_tvars *vars, char *out, size_t cap,
    size_t *used, int *has_code, const char **why)
{
	const char *p = tmpl, *pct, *close;
	size_t o = 0, nlen;
	int v;

	*has_code = 0;
	while ((pct = strchr(p, '%')) != NULL) {
		if (put(out, cap, &o, p, (size_t)(pct - p)) != 0)
			goto toolong;
		if (pct[1] == '%') {
			if (put(out, cap, &o, "%", 1) != 0)
				goto toolong;
			p = pct + 2;
			continue;
		}
		if (pct[1] != '{') {
			*why = "lone '%' (write %% for a literal %)";
			return -1;
		}
		close = strchr(pct + 2, '}');
		if (close == NULL) {
			*why = "unterminated placeholder (missing '}')";
			return -1;
		}
		nlen = (size_t)(close - (pct + 2));
		for (v = 0; v < TV_COUNT; v++)
			if (strlen(tvar_names[v]) == nlen &&
			    memcmp(tvar_names[v], pct + 2, nlen) == 0)
				break;
		if (v == TV_COUNT) {
			*why = "unknown placeholder (known: %{code} %{service} "
			    "%{host} %{minutes} %{user})";
			return -1;
		}
		if (v == TV_CODE)
			*has_code = 1;
		if (out != NULL) {
			const char *val = tvar_value(vars, (enum tvar)v);
			if (put(out, cap, &o, val, strlen(val)) != 0)
				goto toolong;
		}
		p = close + 1;
	}
	if (put(out, cap, &o, p, strlen(p)) != 0)
		goto toolong;
	*used = o;
	return 0;
toolong:
	*why = "rendered text too long";
	return -1;
}

int
smsotp_template_check(const char *tmpl, const char **why)
{
	size_t used = 0;
	int has_code;

	if (tmpl == NULL) {
		*why = "no template";
		return -1;
	}
	if (walk(tmpl, NULL, NULL, 0, &used, &has_code, why) != 0)
		return -1;
	if (!has_code) {
		*why = "template lacks %{code}";
		return -1;
	}
	return 0;
}

int
smsotp_template_render(const char *tmpl, const struct smsotp_tvars *vars,
    char *out, size_t outsz)
{
	const char *why = NULL;
	size_t cap, used = 0;
	int has_code, rv = -1;

	if (out == NULL || outsz == 0)
		return -1;
	cap = outsz - 1 < SMSOTP_TEXT_MAX ? outsz - 1 : SMSOTP_TEXT_MAX;
	if (tmpl == NULL)
		goto out;
	if (walk(tmpl, vars, out, cap, &used, &has_code, &why) != 0)
		goto out;
	out[used] = '\0';
	rv = 0;
out:
	if (rv != 0)	/* SECURITY: a partial text may hold the code */
		smsotp_wipe(out, cap + 1);
	return rv;
}
