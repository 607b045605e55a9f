/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/conf_load.c - load and validate /etc/security/pam_smsotp.conf
 * (libconfig): the whole configuration assembled from the readers of
 * helper/conf/ and the gateway types' own settings (gateways/registry.c).
 * It lives above the gateways so that conf/ needs nothing of theirs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/secfile.h"
#include "base/template.h"
#include "core/conf_load.h"
#include "core/limits.h"
#include "core/policy.h"
#include "gateways/gateway.h"
#include "phones/phones_conf.h"

#define DEFAULT_MESSAGE \
	"%{code} is your %{service} login code for %{host}. " \
	"It expires in %{minutes} minutes."

static const char *const top_keys[] = {
	"code", "message", "phones", "limits", "gateways", "routes",
	"health", "reveal_status", "log", "policy", NULL
};
static const char *const code_keys[] = {
	"length", "ttl", "max_attempts", NULL
};
static const char *const limits_keys[] = {
	"resend_cooldown", "sends_per_user", "sends_window", "lockout_after",
	"lockout_time", "lockout_max", "max_live_codes", "send_deadline",
	"global_sends_per_minute", "global_sends_per_day", "allowed_countries",
	NULL
};
static const char *const route_keys[] = { "prefix", "gateways", NULL };
static const char *const health_keys[] = {
	"failures", "window", "cooldown", NULL
};

static int
def(enum smsotp_set id)
{
	return (int)smsotp_setting(id)->def;
}

/* The defaults of conf/schema.h, for the groups left out. */
static void
set_defaults(struct smsotp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->code_length = def(SMSOTP_SET_CODE_LENGTH);
	c->code_ttl = def(SMSOTP_SET_CODE_TTL);
	c->code_max_attempts = def(SMSOTP_SET_CODE_MAX_ATTEMPTS);
	c->resend_cooldown = def(SMSOTP_SET_RESEND_COOLDOWN);
	c->sends_per_user = def(SMSOTP_SET_SENDS_PER_USER);
	c->sends_window = def(SMSOTP_SET_SENDS_WINDOW);
	c->lockout_after = def(SMSOTP_SET_LOCKOUT_AFTER);
	c->lockout_time = def(SMSOTP_SET_LOCKOUT_TIME);
	c->lockout_max = def(SMSOTP_SET_LOCKOUT_MAX);
	c->max_live_codes = def(SMSOTP_SET_MAX_LIVE_CODES);
	c->send_deadline = def(SMSOTP_SET_SEND_DEADLINE);
	c->global_per_minute = def(SMSOTP_SET_GLOBAL_PER_MINUTE);
	c->global_per_day = def(SMSOTP_SET_GLOBAL_PER_DAY);
	c->reveal_status = def(SMSOTP_SET_REVEAL_STATUS);
	c->health_failures = def(SMSOTP_SET_HEALTH_FAILURES);
	c->health_window = def(SMSOTP_SET_HEALTH_WINDOW);
	c->health_cooldown = def(SMSOTP_SET_HEALTH_COOLDOWN);
}

/* A group setting, or NULL when absent; error when present but no group. */
static const config_setting_t *
group(struct smsotp_cfgctx *ctx, const config_setting_t *parent,
    const char *name, int *bad)
{
	const config_setting_t *s = config_setting_get_member(parent, name);

	if (s != NULL && !config_setting_is_group(s)) {
		smsotp_cfg_error(ctx, s, "'%s' must be a group { ... }", name);
		*bad = 1;
		return NULL;
	}
	return s;
}

static int
read_code(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	int bad = 0;
	const config_setting_t *g = group(ctx, root, "code", &bad);

	if (g != NULL) {
		bad |= smsotp_cfg_check_keys(ctx, g, code_keys) != 0;
		bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_CODE_LENGTH,
		    &c->code_length) != 0;
		bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_CODE_TTL,
		    &c->code_ttl) != 0;
		bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_CODE_MAX_ATTEMPTS,
		    &c->code_max_attempts) != 0;
	}
	return bad ? -1 : 0;
}

static int
read_message(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	const char *why;

	if (smsotp_cfg_str(ctx, root, "message", 0, &c->message) != 0)
		return -1;
	if (c->message == NULL) {
		c->message = strdup(DEFAULT_MESSAGE);
		if (c->message == NULL) {
			smsotp_cfg_error(ctx, root, "out of memory");
			return -1;
		}
		return 0;
	}
	if (smsotp_template_check(c->message, &why) != 0) {
		smsotp_cfg_error(ctx, config_setting_get_member(root, "message"),
		    "message: %s", why);
		return -1;
	}
	return 0;
}

/* log = "syslog" | "stderr" | "/absolute/path"; the file is checked when
 * the helper opens it (base/log.h). */
static int
read_log(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	if (smsotp_cfg_str(ctx, root, "log", 0, &c->log) != 0)
		return -1;
	if (c->log == NULL) {
		c->log = strdup(smsotp_setting(SMSOTP_SET_LOG)->sdef);
		if (c->log == NULL) {
			smsotp_cfg_error(ctx, root, "out of memory");
			return -1;
		}
		return 0;
	}
	if (strcmp(c->log, "syslog") != 0 && strcmp(c->log, "stderr") != 0 &&
	    (c->log[0] != '/' || strstr(c->log, "/../") != NULL)) {
		smsotp_cfg_error(ctx, config_setting_get_member(root, "log"),
		    "'log' must be \"syslog\", \"stderr\" or an absolute "
		    "path");
		return -1;
	}
	return 0;
}

static int
read_limits(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	int bad = 0;
	const config_setting_t *g = group(ctx, root, "limits", &bad);

	if (g == NULL)
		return bad ? -1 : 0;
	bad |= smsotp_cfg_check_keys(ctx, g, limits_keys) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_RESEND_COOLDOWN,
	    &c->resend_cooldown) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_SENDS_PER_USER,
	    &c->sends_per_user) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_SENDS_WINDOW,
	    &c->sends_window) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_LOCKOUT_AFTER,
	    &c->lockout_after) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_LOCKOUT_TIME,
	    &c->lockout_time) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_LOCKOUT_MAX,
	    &c->lockout_max) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_MAX_LIVE_CODES,
	    &c->max_live_codes) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_SEND_DEADLINE,
	    &c->send_deadline) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_GLOBAL_PER_MINUTE,
	    &c->global_per_minute) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_GLOBAL_PER_DAY,
	    &c->global_per_day) != 0;
	bad |= smsotp_cfg_countries(ctx, g, c) != 0;	/* limits.c */
	if (!bad && c->lockout_max < c->lockout_time) {
		smsotp_cfg_error(ctx, config_setting_get_member(g, "lockout_max") ?
		    config_setting_get_member(g, "lockout_max") : g,
		    "'limits.lockout_max' (%d) must be at least "
		    "'limits.lockout_time' (%d)", c->lockout_max, c->lockout_time);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* health = { failures; window; cooldown; }: the circuit breaker. */
static int
read_health(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	int bad = 0;
	const config_setting_t *g = group(ctx, root, "health", &bad);

	if (g == NULL)
		return bad ? -1 : 0;
	bad |= smsotp_cfg_check_keys(ctx, g, health_keys) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_HEALTH_FAILURES,
	    &c->health_failures) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_HEALTH_WINDOW,
	    &c->health_window) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_HEALTH_COOLDOWN,
	    &c->health_cooldown) != 0;
	return bad ? -1 : 0;
}

static int
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* Keys a gateway of type t accepts: name, type and the type's own. */
static int
check_gateway_keys(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const struct smsotp_gw_type *t)
{
	const char *allowed[64];
	size_t n = 0, i;

	allowed[n++] = "name";
	allowed[n++] = "type";
	for (i = 0; t->settings[i] != NULL && n < 63; i++)
		allowed[n++] = t->settings[i];
	allowed[n] = NULL;
	return smsotp_cfg_check_keys(ctx, s, allowed);
}

static int
read_gateways(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	const config_setting_t *list = config_setting_get_member(root, "gateways");
	int i, j, n, bad = 0;

	if (list == NULL) {
		smsotp_cfg_error(ctx, root, "missing setting 'gateways': "
		    "configure at least one gateway");
		return -1;
	}
	if (!config_setting_is_list(list) || config_setting_length(list) == 0) {
		smsotp_cfg_error(ctx, list,
		    "'gateways' must be a non-empty list ( { ... }, ... )");
		return -1;
	}
	n = config_setting_length(list);
	if (n > SMSOTP_MAX_GATEWAYS) {
		smsotp_cfg_error(ctx, list, "at most %d gateways",
		    SMSOTP_MAX_GATEWAYS);
		return -1;
	}
	c->gateways = calloc((size_t)n, sizeof(*c->gateways));
	if (c->gateways == NULL) {
		smsotp_cfg_error(ctx, list, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
		struct smsotp_gateway *gw = &c->gateways[i];
		char *type = NULL;

		if (!config_setting_is_group(s)) {
			smsotp_cfg_error(ctx, s, "each gateway must be a group");
			bad = 1;
			continue;
		}
		gw->line = (int)config_setting_source_line(s);
		if (smsotp_cfg_str(ctx, s, "name", 1, &gw->name) != 0 ||
		    smsotp_cfg_str(ctx, s, "type", 1, &type) != 0) {
			bad = 1;
			free(type);
			continue;
		}
		c->ngateways = i + 1;
		if (!name_ok(gw->name)) {
			smsotp_cfg_error(ctx, s, "gateway name '%s': use 1-32 "
			    "letters, digits, '_' or '-'", gw->name);
			bad = 1;
		}
		for (j = 0; j < i; j++) {
			if (c->gateways[j].name != NULL &&
			    strcmp(c->gateways[j].name, gw->name) == 0) {
				smsotp_cfg_error(ctx, s, "duplicate gateway "
				    "name '%s'", gw->name);
				bad = 1;
			}
		}
		gw->type = smsotp_gw_type_find(type);
		if (gw->type == NULL) {
			smsotp_cfg_error(ctx, s, "gateway '%s': unknown type '%s'",
			    gw->name, type);
			bad = 1;
			free(type);
			continue;
		}
		free(type);
		if (check_gateway_keys(ctx, s, gw->type) != 0)
			bad = 1;
		if (gw->type->configure(gw, ctx, s) != 0)
			bad = 1;
	}
	c->ngateways = n;
	return bad ? -1 : 0;
}

static int
prefix_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n < 1 || n > SMSOTP_PREFIX_MAX || p[0] != '+')
		return 0;
	for (i = 1; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int
read_route(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    struct smsotp_conf *c, struct smsotp_route *r)
{
	const config_setting_t *gws;
	char *prefix = NULL;
	int i, n, bad = 0;

	if (!config_setting_is_group(s)) {
		smsotp_cfg_error(ctx, s, "each route must be a group");
		return -1;
	}
	bad |= smsotp_cfg_check_keys(ctx, s, route_keys) != 0;
	if (smsotp_cfg_str(ctx, s, "prefix", 1, &prefix) != 0)
		return -1;
	if (!prefix_ok(prefix)) {
		smsotp_cfg_error(ctx, s, "route prefix '%s': must be '+' "
		    "followed by up to 15 digits", prefix);
		bad = 1;
	} else {
		memcpy(r->prefix, prefix, strlen(prefix) + 1);
	}
	free(prefix);
	gws = config_setting_get_member(s, "gateways");
	if (gws == NULL || !(config_setting_is_array(gws) ||
	    config_setting_is_list(gws)) || config_setting_length(gws) == 0) {
		smsotp_cfg_error(ctx, gws != NULL ? gws : s, "route needs "
		    "'gateways = [ \"name\", ... ]' with at least one name");
		return -1;
	}
	n = config_setting_length(gws);
	if (n > SMSOTP_MAX_GATEWAYS) {
		smsotp_cfg_error(ctx, gws, "too many gateways in route");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(gws, (unsigned)i);
		const char *name = config_setting_get_string(e);
		int idx = name != NULL ? smsotp_conf_gateway_index(c, name) : -1;

		if (idx < 0) {
			smsotp_cfg_error(ctx, e, "route names unknown gateway "
			    "'%s'", name != NULL ? name : "(not a string)");
			bad = 1;
			continue;
		}
		r->gw[r->ngw++] = idx;
	}
	return bad ? -1 : 0;
}

static int
read_routes(struct smsotp_cfgctx *ctx, const config_setting_t *root,
    struct smsotp_conf *c)
{
	const config_setting_t *list = config_setting_get_member(root, "routes");
	int i, j, n, bad = 0;

	if (list == NULL)
		return 0;
	if (!config_setting_is_list(list)) {
		smsotp_cfg_error(ctx, list, "'routes' must be a list ( { ... } )");
		return -1;
	}
	n = config_setting_length(list);
	if (n > SMSOTP_MAX_ROUTES) {
		smsotp_cfg_error(ctx, list, "at most %d routes",
		    SMSOTP_MAX_ROUTES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
		struct smsotp_route *r = &c->routes[c->nroutes];

		memset(r, 0, sizeof(*r));
		if (read_route(ctx, s, c, r) != 0) {
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nroutes; j++) {
			if (strcmp(c->routes[j].prefix, r->prefix) == 0) {
				smsotp_cfg_error(ctx, s, "duplicate route "
				    "prefix '%s'", r->prefix);
				bad = 1;
			}
		}
		c->nroutes++;
	}
	return bad ? -1 : 0;
}

/* libconfig's @include would read files we never checked: refuse it. */
static int
has_include(const char *text, int *line)
{
	const char *p = text;
	int l = 1;

	while (*p != '\0') {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "@include", 8) == 0) {
			*line = l;
			return 1;
		}
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
		l++;
	}
	return 0;
}

int
smsotp_conf_load(const char *path, const struct smsotp_conf_opts *opts,
    struct smsotp_conf *c, struct smsotp_errs *errs)
{
	struct smsotp_cfgctx ctx = { path, opts->owner, errs };
	config_t cfg;
	const config_setting_t *root;
	char *text = NULL, why[320];
	const char *lexwhy;
	size_t len = 0;
	int line, bad = 0;

	set_defaults(c);
	config_init(&cfg);
	if (smsotp_secfile_read(path, opts->owner, SMSOTP_SF_SECRET,
	    SMSOTP_CONF_MAX_SIZE, &text, &len, why, sizeof(why)) != 0) {
		smsotp_errs_add(errs, "%s", why);
		goto out;
	}
	if (has_include(text, &line)) {
		smsotp_errs_add(errs, "%s:%d: @include is not allowed", path, line);
		goto out;
	}
	if (smsotp_conf_lex_check(text, &line, &lexwhy) != 0) {
		smsotp_errs_add(errs, "%s:%d: %s", path, line, lexwhy);
		goto out;
	}
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		smsotp_errs_add(errs, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
		goto out;
	}
	c->path = strdup(path);
	if (c->path == NULL) {
		smsotp_errs_add(errs, "%s: out of memory", path);
		goto out;
	}
	root = config_root_setting(&cfg);
	bad |= smsotp_cfg_check_keys(&ctx, root, top_keys) != 0;
	bad |= read_code(&ctx, root, c) != 0;
	bad |= read_message(&ctx, root, c) != 0;
	bad |= read_log(&ctx, root, c) != 0;
	bad |= smsotp_phones_conf_read(&ctx, root, c) != 0;
	bad |= read_limits(&ctx, root, c) != 0;
	bad |= smsotp_cfg_bool(&ctx, root, SMSOTP_SET_REVEAL_STATUS,
	    &c->reveal_status) != 0;
	bad |= read_health(&ctx, root, c) != 0;
	bad |= smsotp_conf_read_policy(&ctx, root, c) != 0;
	if (read_gateways(&ctx, root, c) != 0)
		bad = 1;
	else
		bad |= read_routes(&ctx, root, c) != 0;
out:
	config_destroy(&cfg);
	smsotp_secfile_free(text, len);
	if (bad || errs->n > 0) {
		if (errs->n == 0)
			smsotp_errs_add(errs, "%s: invalid configuration", path);
		smsotp_conf_free(c);
		return -1;
	}
	return 0;
}

void
smsotp_conf_free(struct smsotp_conf *c)
{
	int i;

	for (i = 0; i < c->ngateways && c->gateways != NULL; i++) {
		struct smsotp_gateway *gw = &c->gateways[i];
		if (gw->type != NULL && gw->type->destroy != NULL)
			gw->type->destroy(gw);
		free(gw->name);
	}
	free(c->gateways);
	free(c->path);
	free(c->message);
	free(c->log);
	smsotp_phones_conf_free(c);
	smsotp_conf_free_policy(&c->policy);
	memset(c, 0, sizeof(*c));
}
