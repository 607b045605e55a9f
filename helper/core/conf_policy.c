/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/conf_policy.c - reading policy = { ... } (conf/conf.h struct
 * smsotp_policy): the groups and networks that are not asked, the grace
 * period, and the rules of single services. Every problem is an error
 * with its line; nothing is guessed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/template.h"
#include "core/conf_load.h"
#include "core/policy.h"

static const char *const policy_keys[] = {
	"exempt_groups", "only_groups", "exempt_networks", "grace_period",
	"grace_survives_reboot", "services", NULL
};
static const char *const service_keys[] = {
	"skip", "failmode", "grace_period", "message", NULL
};

/* A group name as groupadd(8) takes it: no ':', ',', blank, '/'; short. */
static int
group_name_ok(const char *g)
{
	size_t i, n = strlen(g);

	if (n == 0 || n > SMSOTP_GROUP_NAME_MAX || g[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (g[i] <= ' ' || g[i] == ':' || g[i] == ',' || g[i] == '/' ||
		    (unsigned char)g[i] >= 0x7f)
			return 0;
	return 1;
}

/* exempt_groups, only_groups: an array of group names into names. */
static int
read_groups(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    const char *name, char names[][SMSOTP_GROUP_NAME_MAX + 1], int *n)
{
	const config_setting_t *a = config_setting_get_member(g, name);
	int i, len, bad = 0;

	*n = 0;
	if (a == NULL)
		return 0;
	len = config_setting_is_array(a) || config_setting_is_list(a) ?
	    config_setting_length(a) : -1;
	if (len < 0 || len > SMSOTP_MAX_POLICY_GROUPS) {
		smsotp_cfg_error(ctx, a, "'policy.%s' must be an array of at "
		    "most %d group names like [ \"wheel\" ]", name,
		    SMSOTP_MAX_POLICY_GROUPS);
		return -1;
	}
	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || !group_name_ok(v)) {
			smsotp_cfg_error(ctx, e, "'policy.%s': each entry must "
			    "be a group name of 1 to %d characters", name,
			    SMSOTP_GROUP_NAME_MAX);
			bad = 1;
			continue;
		}
		memcpy(names[(*n)++], v, strlen(v) + 1);
	}
	return bad ? -1 : 0;
}

int
smsotp_network_parse(const char *text, struct smsotp_network *net)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	long bits;
	char *end;
	int i, max;

	memset(net, 0, sizeof(*net));
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	bits = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || bits < 0 || bits > max)
			return -1;
	}
	net->bits = (int)bits;
	/* host bits set ("192.0.2.1/24") are a typo more often than not */
	for (i = 0; i < max / 8; i++) {
		int keep = (int)bits - i * 8;
		unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 :
		    (unsigned char)(0xff << (8 - keep));

		if ((net->addr[i] & (unsigned char)~mask) != 0)
			return -1;
	}
	return 0;
}

static int
read_networks(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_policy *p)
{
	const config_setting_t *a = config_setting_get_member(g,
	    "exempt_networks");
	int i, len, bad = 0;

	if (a == NULL)
		return 0;
	len = config_setting_is_array(a) || config_setting_is_list(a) ?
	    config_setting_length(a) : -1;
	if (len < 0 || len > SMSOTP_MAX_NETWORKS) {
		smsotp_cfg_error(ctx, a, "'policy.exempt_networks' must be an "
		    "array of at most %d prefixes like [ \"192.0.2.0/24\", "
		    "\"2001:db8::/32\" ]", SMSOTP_MAX_NETWORKS);
		return -1;
	}
	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL ||
		    smsotp_network_parse(v, &p->nets[p->nnets]) != 0) {
			smsotp_cfg_error(ctx, e, "'policy.exempt_networks': "
			    "each entry must be an IPv4 or IPv6 address with an "
			    "optional /prefix and no host bits set, like "
			    "\"192.0.2.0/24\" (host names are never matched)");
			bad = 1;
			continue;
		}
		p->nnets++;
	}
	return bad ? -1 : 0;
}

static int
read_failmode(struct smsotp_cfgctx *ctx, const config_setting_t *svc,
    struct smsotp_service_rule *rule)
{
	const config_setting_t *s = config_setting_get_member(svc, "failmode");
	const char *v = s != NULL ? config_setting_get_string(s) : NULL;

	if (s == NULL)
		return 0;
	if (v != NULL && strcmp(v, "secure") == 0)
		rule->failmode = 0;
	else if (v != NULL && strcmp(v, "safe") == 0)
		rule->failmode = 1;
	else {
		smsotp_cfg_error(ctx, s, "'policy.services.%s.failmode' must "
		    "be \"secure\" or \"safe\"", rule->name);
		return -1;
	}
	return 0;
}

/* policy.services.NAME = { skip; failmode; grace_period; message; } */
static int
read_service(struct smsotp_cfgctx *ctx, const config_setting_t *svc,
    struct smsotp_service_rule *rule)
{
	const char *name = config_setting_name(svc);
	const char *why;
	int bad = 0;

	memset(rule, 0, sizeof(*rule));
	rule->failmode = -1;
	rule->grace_period = -1;
	if (name == NULL || strlen(name) > SMSOTP_SERVICE_NAME_MAX) {
		smsotp_cfg_error(ctx, svc, "'policy.services': a service name "
		    "has at most %d characters", SMSOTP_SERVICE_NAME_MAX);
		return -1;
	}
	memcpy(rule->name, name, strlen(name) + 1);
	if (!config_setting_is_group(svc)) {
		smsotp_cfg_error(ctx, svc, "'policy.services.%s' must be a "
		    "group { ... }", name);
		return -1;
	}
	bad |= smsotp_cfg_check_keys(ctx, svc, service_keys) != 0;
	bad |= smsotp_cfg_bool(ctx, svc, SMSOTP_SET_SERVICE_SKIP,
	    &rule->skip) != 0;
	bad |= read_failmode(ctx, svc, rule) != 0;
	if (config_setting_get_member(svc, "grace_period") != NULL)
		bad |= smsotp_cfg_int(ctx, svc, SMSOTP_SET_POLICY_GRACE_PERIOD,
		    &rule->grace_period) != 0;
	if (smsotp_cfg_str(ctx, svc, "message", 0, &rule->message) != 0) {
		bad = 1;
	} else if (rule->message != NULL &&
	    smsotp_template_check(rule->message, &why) != 0) {
		smsotp_cfg_error(ctx, config_setting_get_member(svc, "message"),
		    "'policy.services.%s.message': %s", name, why);
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
read_services(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_policy *p)
{
	const config_setting_t *s = config_setting_get_member(g, "services");
	int i, n, bad = 0;

	if (s == NULL)
		return 0;
	n = config_setting_is_group(s) ? config_setting_length(s) : -1;
	if (n < 0 || n > SMSOTP_MAX_SERVICES) {
		smsotp_cfg_error(ctx, s, "'policy.services' must be a group of "
		    "at most %d services like { sudo = { failmode = "
		    "\"secure\"; }; }", SMSOTP_MAX_SERVICES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		bad |= read_service(ctx, config_setting_get_elem(s,
		    (unsigned)i), &p->services[p->nservices]) != 0;
		p->nservices++;		/* freed with the rest, read or not */
	}
	return bad ? -1 : 0;
}

int
smsotp_conf_read_policy(struct smsotp_cfgctx *ctx,
    const config_setting_t *root, struct smsotp_conf *c)
{
	const config_setting_t *g = config_setting_get_member(root, "policy");
	struct smsotp_policy *p = &c->policy;
	int bad = 0;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g)) {
		smsotp_cfg_error(ctx, g, "'policy' must be a group { ... }");
		return -1;
	}
	bad |= smsotp_cfg_check_keys(ctx, g, policy_keys) != 0;
	bad |= read_groups(ctx, g, "exempt_groups", p->exempt_groups,
	    &p->nexempt) != 0;
	bad |= read_groups(ctx, g, "only_groups", p->only_groups,
	    &p->nonly) != 0;
	bad |= read_networks(ctx, g, p) != 0;
	bad |= smsotp_cfg_int(ctx, g, SMSOTP_SET_POLICY_GRACE_PERIOD,
	    &p->grace_period) != 0;
	bad |= smsotp_cfg_bool(ctx, g, SMSOTP_SET_POLICY_GRACE_SURVIVES_REBOOT,
	    &p->grace_survives_reboot) != 0;
	bad |= read_services(ctx, g, p) != 0;
	return bad ? -1 : 0;
}

void
smsotp_conf_free_policy(struct smsotp_policy *p)
{
	int i;

	for (i = 0; i < p->nservices; i++)
		free(p->services[i].message);
	p->nservices = 0;
}
