/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/conf/conf.h - the helper's configuration (libconfig) as loaded
 * (struct smsotp_conf) and the readers of its settings; the loader that
 * assembles it is core/conf_load.h.
 *
 * Every problem is reported as "FILE:LINE: text" into a struct smsotp_errs
 * so that `smsotpctl check-config` can print all of them; loading fails
 * when there is at least one. Unknown settings, out-of-range numbers,
 * unknown placeholders, unknown gateway types or names, unsafe file modes
 * (of the config and of every file it names) are all errors.
 */
#ifndef SMSOTP_CONF_H
#define SMSOTP_CONF_H

#include <libconfig.h>
#include <sys/types.h>

#include "base/util.h"
#include "conf/schema.h"

#define SMSOTP_CONF_MAX_SIZE   (256 * 1024)
#define SMSOTP_MAX_GATEWAYS    16
#define SMSOTP_MAX_ROUTES      64
#define SMSOTP_PREFIX_MAX      16	/* "+" and up to 15 digits */
#define SMSOTP_MAX_COUNTRIES   64	/* limits.allowed_countries entries */
#define SMSOTP_COUNTRY_MAX     6	/* digits of one allowed calling code */

#define SMSOTP_MAX_POLICY_GROUPS 32	/* policy.exempt_groups, only_groups */
#define SMSOTP_GROUP_NAME_MAX  32	/* bytes of a group name */
#define SMSOTP_MAX_NETWORKS    64	/* policy.exempt_networks */
#define SMSOTP_MAX_SERVICES    32	/* policy.services */
#define SMSOTP_SERVICE_NAME_MAX 32	/* bytes of a service's name */

struct smsotp_gateway;
struct smsotp_phones_conf;	/* phones/phones_conf.h */

/* One of policy.exempt_networks: family AF_INET or AF_INET6, the prefix. */
struct smsotp_network {
	int family;
	int bits;			/* 0..32 or 0..128 */
	unsigned char addr[16];		/* host bits zero */
};

/* policy.services.NAME: what is not set takes the general rule. */
struct smsotp_service_rule {
	char name[SMSOTP_SERVICE_NAME_MAX + 1];
	int skip;			/* skip = true: no second factor */
	int failmode;			/* -1 unset (the module's), 0 secure,
					   1 safe */
	int grace_period;		/* -1 unset: policy.grace_period */
	char *message;			/* NULL: the top-level message */
};

/* policy = { ... } (core/policy.h decides with it). */
struct smsotp_policy {
	int nexempt, nonly, nnets, nservices;
	char exempt_groups[SMSOTP_MAX_POLICY_GROUPS][SMSOTP_GROUP_NAME_MAX + 1];
	char only_groups[SMSOTP_MAX_POLICY_GROUPS][SMSOTP_GROUP_NAME_MAX + 1];
	struct smsotp_network nets[SMSOTP_MAX_NETWORKS];
	int grace_period;		/* seconds, 0: none */
	int grace_survives_reboot;
	struct smsotp_service_rule services[SMSOTP_MAX_SERVICES];
};

struct smsotp_route {
	char prefix[SMSOTP_PREFIX_MAX + 1];	/* "+", "+44", "+4477" */
	int ngw;
	int gw[SMSOTP_MAX_GATEWAYS];		/* indexes into conf->gateways */
};

struct smsotp_conf {
	char *path;
	/* the ranges and defaults of the settings: conf/schema.c */

	/* code = { length; ttl; max_attempts; } */
	int code_length;
	int code_ttl;
	int code_max_attempts;

	/* message template, placeholders checked */
	char *message;

	/* phones = { sources; file; default_country; ldap; command; ... } */
	char *phones_file;	/* NULL: no users file */
	char default_country[4];	/* digits, "" when unset */
	/* the sources, their order and settings; NULL: the users file alone */
	struct smsotp_phones_conf *phones;

	/* limits = { ... } */
	int resend_cooldown;
	int sends_per_user;
	int sends_window;
	int lockout_after;
	int lockout_time;
	int lockout_max;
	int max_live_codes;
	int send_deadline;	/* helper deadline 30 */
	/* global caps (helper/core/limits.h) and destinations; 0 = unlimited */
	int global_per_minute;	/* global_sends_per_minute */
	int global_per_day;	/* global_sends_per_day */
	int nallowed;		/* allowed_countries; 0: every country */
	char allowed_countries[SMSOTP_MAX_COUNTRIES][SMSOTP_COUNTRY_MAX + 1];

	/* reveal_status (top level): explicit NO_PHONE/LOCKED/RATE_LIMITED */
	int reveal_status;	/* 0: decoy prompts (decoy.h) */

	/* log (top level): "syslog", "stderr" or an absolute path */
	char *log;

	/* health = { failures; window; cooldown; } (circuit breaker, helper/gateways/breaker.h) */
	int health_failures;	/* 0: breaker off */
	int health_window;
	int health_cooldown;

	struct smsotp_policy policy;	/* policy = { ... } */

	struct smsotp_gateway *gateways;	/* array of ngateways */
	int ngateways;
	struct smsotp_route routes[SMSOTP_MAX_ROUTES];
	int nroutes;		/* 0: every gateway, in declared order */
};

/*
 * Lexical pre-check (conf_lex.c): refuses an unterminated comment or
 * string and integers beyond 32 bits without L. 0, or -1 with *line, *why.
 */
int smsotp_conf_lex_check(const char *text, int *line, const char **why)
    SMSOTP_WUR;

/*
 * Reading settings of one group, for core/conf_load.c and for gateway types. Each
 * function records an error "FILE:LINE: ..." in ctx->errs and returns -1
 * on a problem; returns 0 when the setting was read or was absent and
 * optional (the out value is then left alone, so preset defaults, but for
 * the numbers and booleans of the schema, which take its default).
 */
struct smsotp_cfgctx {
	const char *path;
	uid_t owner;
	struct smsotp_errs *errs;
};

void smsotp_cfg_error(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const char *fmt, ...) SMSOTP_ATTR_FMT(3, 4);
/* Every child of group must be named in allowed (NULL-terminated). */
int smsotp_cfg_check_keys(struct smsotp_cfgctx *ctx,
    const config_setting_t *group, const char *const *allowed);
int smsotp_cfg_str(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, char **out);
/*
 * A number or a boolean of the schema (conf/schema.h): its name, range and
 * default come from there; absent, *out is set to the default.
 */
int smsotp_cfg_int(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    enum smsotp_set id, int *out);
int smsotp_cfg_bool(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    enum smsotp_set id, int *out);
/*
 * A secret given either inline (name = "...") or as name_file = "PATH"
 * (root-owned, not readable by others, first line used). Exactly one of
 * the two must be present when required. *out must be wiped and freed by
 * the caller (smsotp_cfg_secret_free).
 */
int smsotp_cfg_secret(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, char **out);
void smsotp_cfg_secret_free(char *secret);
/* A file setting that must exist, be root-owned and not group/world writable. */
int smsotp_cfg_file(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, int secret, char **out);

#endif
