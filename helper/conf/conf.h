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

#define SMSOTP_CONF_MAX_SIZE   (256 * 1024)
#define SMSOTP_MAX_GATEWAYS    16
#define SMSOTP_MAX_ROUTES      64
#define SMSOTP_PREFIX_MAX      16	/* "+" and up to 15 digits */
#define SMSOTP_MAX_SENDS_TRACKED 64	/* = SMSOTP_MAX_SENDS of state.h */
#define SMSOTP_HEALTH_MAX_FAILURES 32	/* health.failures at most (helper/gateways/breaker.h) */
#define SMSOTP_MAX_COUNTRIES   64	/* limits.allowed_countries entries */
#define SMSOTP_COUNTRY_MAX     6	/* digits of one allowed calling code */

struct smsotp_gateway;

struct smsotp_route {
	char prefix[SMSOTP_PREFIX_MAX + 1];	/* "+", "+44", "+4477" */
	int ngw;
	int gw[SMSOTP_MAX_GATEWAYS];		/* indexes into conf->gateways */
};

struct smsotp_conf {
	char *path;

	/* code = { length; ttl; max_attempts; } */
	int code_length;	/* 4..10, default 6 */
	int code_ttl;		/* 5..3600 s, default 300 */
	int code_max_attempts;	/* 1..10, default 3 */

	/* message template, placeholders checked */
	char *message;

	/* phones = { file; default_country; } */
	char *phones_file;	/* NULL: no users file */
	char default_country[4];	/* digits, "" when unset */

	/* limits = { ... } */
	int resend_cooldown;	/* 0..3600 s, default 30 */
	int sends_per_user;	/* 1..64, default 5 */
	int sends_window;	/* 60..86400 s, default 900 */
	int lockout_after;	/* 1..1000, default 10 */
	int lockout_time;	/* 1..86400 s, default 900 */
	int lockout_max;	/* lockout_time..31536000 s, default 86400 */
	int max_live_codes;	/* 1..8, default 3 */
	int send_deadline;	/* 1..25 s, default 15 (helper deadline 30) */
	/* global caps (helper/core/limits.h) and destinations; 0 = unlimited */
	int global_per_minute;	/* global_sends_per_minute 0..100000, default 60 */
	int global_per_day;	/* global_sends_per_day 0..10000000, default 2000 */
	int nallowed;		/* allowed_countries; 0: every country */
	char allowed_countries[SMSOTP_MAX_COUNTRIES][SMSOTP_COUNTRY_MAX + 1];

	/* reveal_status (top level): explicit NO_PHONE/LOCKED/RATE_LIMITED */
	int reveal_status;	/* default 0: decoy prompts (decoy.h) */

	/* health = { failures; window; cooldown; } (circuit breaker, helper/gateways/breaker.h) */
	int health_failures;	/* 0..32, default 3; 0: breaker off */
	int health_window;	/* 1..86400 s, default 60 */
	int health_cooldown;	/* 1..86400 s, default 120 */

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
 * optional (the out value is then left alone, so preset defaults).
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
int smsotp_cfg_int(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, long min, long max, int *out);
int smsotp_cfg_bool(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int *out);
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
