/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phones_conf.c - read phones = { ... } (phones_conf.h):
 * the sources and their order, the users file, the default country, the
 * ldap group and the command.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/run.h"
#include "phones/command.h"
#include "phones/ldap.h"
#include "phones/phones_conf.h"

static const char *const kind_names[SMSOTP_PHONE_KINDS] = {
	"file", "ldap", "command", "gecos"
};
static const char *const phones_keys[] = {
	"sources", "file", "default_country", "ldap", "command",
	"command_timeout", NULL
};
static const char *const ldap_keys[] = {
	"uri", "base", "filter", "attribute", "bind_dn", "bind_password_file",
	"ca_file", "starttls", "timeout", "insecure", NULL
};

const char *
smsotp_phone_kind_name(enum smsotp_phone_kind kind)
{
	return kind >= 0 && kind < SMSOTP_PHONE_KINDS ? kind_names[kind] : "?";
}

static const config_setting_t *
member(const config_setting_t *g, const char *name)
{
	return g != NULL ? config_setting_get_member(g, name) : NULL;
}

static int
is_listed(const struct smsotp_phones_conf *p, enum smsotp_phone_kind k)
{
	int i;

	for (i = 0; i < p->nsources; i++)
		if (p->sources[i] == k)
			return 1;
	return 0;
}

/* sources = [ "file", "ldap", ... ]: known kinds, each at most once. */
static int
read_sources(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_phones_conf *p)
{
	const config_setting_t *list = member(g, "sources");
	int i, k, n, bad = 0;

	p->nsources = 1;
	p->sources[0] = SMSOTP_PHONE_KIND_FILE;
	if (list == NULL)
		return 0;
	n = config_setting_length(list);
	if (!(config_setting_is_array(list) || config_setting_is_list(list)) ||
	    n < 1 || n > SMSOTP_PHONE_KINDS) {
		smsotp_cfg_error(ctx, list, "'phones.sources' must be a list of "
		    "1 to %d of \"file\", \"ldap\", \"command\", \"gecos\"",
		    SMSOTP_PHONE_KINDS);
		return -1;
	}
	p->nsources = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		for (k = 0; v != NULL && k < SMSOTP_PHONE_KINDS; k++)
			if (strcmp(v, kind_names[k]) == 0)
				break;
		if (v == NULL || k == SMSOTP_PHONE_KINDS) {
			smsotp_cfg_error(ctx, e, "'phones.sources': unknown "
			    "source '%s' (use \"file\", \"ldap\", \"command\" "
			    "or \"gecos\")", v != NULL ? v : "(not a string)");
			bad = 1;
			continue;
		}
		if (is_listed(p, (enum smsotp_phone_kind)k)) {
			smsotp_cfg_error(ctx, e, "'phones.sources': '%s' is "
			    "listed twice", v);
			bad = 1;
			continue;
		}
		p->sources[p->nsources++] = (enum smsotp_phone_kind)k;
	}
	return bad ? -1 : 0;
}

static int
read_country(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_conf *c)
{
	char *cc = NULL;
	size_t i, n;
	int bad = 0;

	if (smsotp_cfg_str(ctx, g, "default_country", 0, &cc) != 0)
		return -1;
	if (cc == NULL)
		return 0;
	n = strlen(cc);
	for (i = 0; i < n; i++)
		if (cc[i] < '0' || cc[i] > '9')
			break;
	if (n < 1 || n > 3 || i != n || cc[0] == '0') {
		smsotp_cfg_error(ctx, member(g, "default_country"),
		    "'phones.default_country' must be a calling code of 1 to "
		    "3 digits without '+', like \"44\"");
		bad = 1;
	} else {
		memcpy(c->default_country, cc, n + 1);
	}
	free(cc);
	return bad ? -1 : 0;
}

/* A string setting with the schema's default when absent. */
static int
str_default(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    enum smsotp_set id, char **out)
{
	const struct smsotp_setting *s = smsotp_setting(id);

	if (smsotp_cfg_str(ctx, g, s->name, 0, out) != 0)
		return -1;
	if (*out != NULL && **out == '\0') {
		smsotp_cfg_error(ctx, member(g, s->name), "'phones.ldap.%s' "
		    "must not be empty", s->name);
		return -1;
	}
	if (*out == NULL) {
		*out = strdup(s->sdef);
		if (*out == NULL) {
			smsotp_cfg_error(ctx, g, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The filter: "(...)" with %u only, and not too long for a user name. */
static int
check_filter(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    const char *filter)
{
	char buf[SMSOTP_LDAP_FILTER_MAX];
	size_t n = strlen(filter);
	const char *p;

	for (p = filter; (p = strchr(p, '%')) != NULL; p += 2)
		if (p[1] != 'u')
			break;
	if (n < 2 || filter[0] != '(' || filter[n - 1] != ')' || p != NULL ||
	    smsotp_ldap_filter(filter, "", buf, sizeof(buf)) != 0 ||
	    n > SMSOTP_LDAP_FILTER_MAX / 4) {
		smsotp_cfg_error(ctx, member(g, "filter") != NULL ?
		    member(g, "filter") : g, "'phones.ldap.filter' must be "
		    "one parenthesised LDAP filter of at most %d bytes, with "
		    "%%u for the user name and no other '%%'",
		    SMSOTP_LDAP_FILTER_MAX / 4);
		return -1;
	}
	return 0;
}

static int
read_ldap(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_phones_conf *p)
{
	const config_setting_t *lg = member(g, "ldap");
	struct smsotp_phone_ldap *l;
	const char *why;
	int bad = 0;

	if (lg == NULL)
		return 0;
	if (!config_setting_is_group(lg)) {
		smsotp_cfg_error(ctx, lg, "'phones.ldap' must be a group "
		    "{ ... }");
		return -1;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		smsotp_cfg_error(ctx, lg, "out of memory");
		return -1;
	}
	p->ldap = l;
	l->owner = ctx->owner;
	bad |= smsotp_cfg_check_keys(ctx, lg, ldap_keys) != 0;
	bad |= smsotp_cfg_str(ctx, lg, "uri", 1, &l->uri) != 0;
	bad |= smsotp_cfg_str(ctx, lg, "base", 1, &l->base) != 0;
	bad |= str_default(ctx, lg, SMSOTP_SET_LDAP_FILTER, &l->filter) != 0;
	bad |= str_default(ctx, lg, SMSOTP_SET_LDAP_ATTRIBUTE,
	    &l->attribute) != 0;
	bad |= smsotp_cfg_str(ctx, lg, "bind_dn", 0, &l->bind_dn) != 0;
	if (l->bind_dn != NULL && l->bind_dn[0] == '\0') {
		smsotp_cfg_error(ctx, member(lg, "bind_dn"), "'phones.ldap."
		    "bind_dn' must not be empty (leave it out for an anonymous "
		    "search)");
		bad = 1;
	}
	bad |= smsotp_cfg_file(ctx, lg, "bind_password_file", 0, 1,
	    &l->bind_password_file) != 0;
	bad |= smsotp_cfg_file(ctx, lg, "ca_file", 0, 0, &l->ca_file) != 0;
	bad |= smsotp_cfg_bool(ctx, lg, SMSOTP_SET_LDAP_STARTTLS,
	    &l->starttls) != 0;
	bad |= smsotp_cfg_int(ctx, lg, SMSOTP_SET_LDAP_TIMEOUT,
	    &l->timeout) != 0;
	bad |= smsotp_cfg_bool(ctx, lg, SMSOTP_SET_LDAP_INSECURE,
	    &l->insecure) != 0;
	if (l->uri != NULL) {
		why = smsotp_ldap_uri_check(l->uri, l->starttls, l->insecure);
		if (why != NULL) {
			smsotp_cfg_error(ctx, member(lg, "uri"),
			    "'phones.ldap.uri' %s", why);
			bad = 1;
		}
	}
	if (l->filter != NULL && check_filter(ctx, lg, l->filter) != 0)
		bad = 1;
	if ((l->bind_dn != NULL) != (member(lg, "bind_password_file") != NULL)) {
		smsotp_cfg_error(ctx, lg, "'phones.ldap': bind_dn and "
		    "bind_password_file go together (neither: an anonymous "
		    "search)");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
read_command(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_phones_conf *p)
{
	const config_setting_t *list = member(g, "command");
	struct smsotp_phone_command *c;
	char why[320];
	int i, n;

	if (list == NULL) {
		if (member(g, "command_timeout") != NULL) {
			smsotp_cfg_error(ctx, member(g, "command_timeout"),
			    "'phones.command_timeout' without "
			    "'phones.command'");
			return -1;
		}
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		smsotp_cfg_error(ctx, list, "out of memory");
		return -1;
	}
	p->command = c;
	c->owner = ctx->owner;
	if (smsotp_cfg_int(ctx, g, SMSOTP_SET_PHONES_COMMAND_TIMEOUT,
	    &c->timeout) != 0)
		return -1;
	n = config_setting_length(list);
	if (!(config_setting_is_array(list) || config_setting_is_list(list)) ||
	    n < 1 || n > SMSOTP_PHONE_CMD_MAX_ARGS) {
		smsotp_cfg_error(ctx, list, "'phones.command' must be a list "
		    "of 1 to %d strings, like [ \"/usr/local/sbin/phone-of\", "
		    "\"%%u\" ]", SMSOTP_PHONE_CMD_MAX_ARGS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || strlen(v) > SMSOTP_PHONE_CMD_ARG_MAX ||
		    (strchr(v, '%') != NULL && (i == 0 ||
		    strcmp(v, "%u") != 0))) {
			smsotp_cfg_error(ctx, e, "'phones.command'[%d]: each "
			    "entry is a string of at most %d bytes; \"%%u\" "
			    "(the user name) only as a whole argument after "
			    "the program", i, SMSOTP_PHONE_CMD_ARG_MAX);
			return -1;
		}
		c->argv[i] = strdup(v);
		if (c->argv[i] == NULL) {
			smsotp_cfg_error(ctx, e, "out of memory");
			return -1;
		}
		c->argc = i + 1;
	}
	if (!smsotp_program_ok(c->argv[0], ctx->owner, why, sizeof(why))) {
		smsotp_cfg_error(ctx, config_setting_get_elem(list, 0),
		    "'phones.command': %s", why);
		return -1;
	}
	return 0;
}

/* Each listed source has its settings, and no settings lie unused. */
static int
check_listed(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    const struct smsotp_phones_conf *p)
{
	static const struct {
		enum smsotp_phone_kind kind;
		const char *setting;
	} need[] = {
		{ SMSOTP_PHONE_KIND_LDAP, "ldap" },
		{ SMSOTP_PHONE_KIND_COMMAND, "command" },
	};
	size_t i;
	int bad = 0, listed, set;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		listed = is_listed(p, need[i].kind);
		set = member(g, need[i].setting) != NULL;
		if (listed && !set) {
			smsotp_cfg_error(ctx, g, "'phones.sources' lists '%s' "
			    "but there is no 'phones.%s'", need[i].setting,
			    need[i].setting);
			bad = 1;
		} else if (set && !listed) {
			smsotp_cfg_error(ctx, member(g, need[i].setting),
			    "'phones.%s' is set but 'phones.sources' does not "
			    "list \"%s\"", need[i].setting, need[i].setting);
			bad = 1;
		}
	}
	if (member(g, "sources") != NULL &&
	    is_listed(p, SMSOTP_PHONE_KIND_FILE) && member(g, "file") == NULL) {
		smsotp_cfg_error(ctx, member(g, "sources"), "'phones.sources' "
		    "lists 'file' but there is no 'phones.file'");
		bad = 1;
	}
	return bad ? -1 : 0;
}

int
smsotp_phones_conf_read(struct smsotp_cfgctx *ctx,
    const config_setting_t *root, struct smsotp_conf *c)
{
	const config_setting_t *g = config_setting_get_member(root, "phones");
	struct smsotp_phones_conf *p;
	int bad = 0;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		smsotp_cfg_error(ctx, root, "out of memory");
		return -1;
	}
	c->phones = p;
	p->nsources = 1;
	p->sources[0] = SMSOTP_PHONE_KIND_FILE;
	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g)) {
		smsotp_cfg_error(ctx, g, "'phones' must be a group { ... }");
		return -1;
	}
	bad |= smsotp_cfg_check_keys(ctx, g, phones_keys) != 0;
	bad |= read_sources(ctx, g, p) != 0;
	bad |= smsotp_cfg_file(ctx, g, "file", 0, 0, &c->phones_file) != 0;
	bad |= read_country(ctx, g, c) != 0;
	bad |= read_ldap(ctx, g, p) != 0;
	bad |= read_command(ctx, g, p) != 0;
	bad |= check_listed(ctx, g, p) != 0;
	return bad ? -1 : 0;
}

void
smsotp_phones_conf_free(struct smsotp_conf *c)
{
	if (c->phones != NULL) {
		smsotp_phone_ldap_free(c->phones->ldap);
		smsotp_phone_command_free(c->phones->command);
		free(c->phones);
		c->phones = NULL;
	}
	free(c->phones_file);
	c->phones_file = NULL;
}
