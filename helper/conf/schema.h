/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/conf/schema.h - the one description of every setting of
 * pam_smsotp.conf: where it is, its type, range and default, and one line
 * of what it does. The readers take the ranges and defaults of numbers
 * and booleans from here (conf.h smsotp_cfg_int, smsotp_cfg_bool), so do
 * `smsotpctl check-config` and `smsotpctl settings` (which prints this
 * table); the suite checks pam_smsotp.conf(5) and the sample
 * configuration against that output.
 */
#ifndef SMSOTP_CONF_SCHEMA_H
#define SMSOTP_CONF_SCHEMA_H

#include <stddef.h>

/*
 * Bounds that other layers size their arrays by: limits.sends_per_user at
 * most (= SMSOTP_MAX_SENDS of store/state.h) and health.failures at most
 * (gateways/breaker.h).
 */
#define SMSOTP_MAX_SENDS_TRACKED 64
#define SMSOTP_HEALTH_MAX_FAILURES 32

enum smsotp_set_type {
	SMSOTP_SET_INT,		/* integer in min..max */
	SMSOTP_SET_BOOL,	/* true or false */
	SMSOTP_SET_STR,		/* a string; what it may hold: shape */
	SMSOTP_SET_OTHER	/* a group, list or array; see shape */
};

/* Every setting, in the order of pam_smsotp.conf(5). */
enum smsotp_set {
	SMSOTP_SET_CODE_LENGTH,
	SMSOTP_SET_CODE_TTL,
	SMSOTP_SET_CODE_MAX_ATTEMPTS,
	SMSOTP_SET_MESSAGE,
	SMSOTP_SET_PHONES_FILE,
	SMSOTP_SET_PHONES_DEFAULT_COUNTRY,
	SMSOTP_SET_PHONES_SOURCES,
	SMSOTP_SET_PHONES_LDAP,
	SMSOTP_SET_LDAP_URI,
	SMSOTP_SET_LDAP_BASE,
	SMSOTP_SET_LDAP_FILTER,
	SMSOTP_SET_LDAP_ATTRIBUTE,
	SMSOTP_SET_LDAP_BIND_DN,
	SMSOTP_SET_LDAP_BIND_PASSWORD_FILE,
	SMSOTP_SET_LDAP_CA_FILE,
	SMSOTP_SET_LDAP_STARTTLS,
	SMSOTP_SET_LDAP_TIMEOUT,
	SMSOTP_SET_LDAP_INSECURE,
	SMSOTP_SET_PHONES_COMMAND,
	SMSOTP_SET_PHONES_COMMAND_TIMEOUT,
	SMSOTP_SET_RESEND_COOLDOWN,
	SMSOTP_SET_SENDS_PER_USER,
	SMSOTP_SET_SENDS_WINDOW,
	SMSOTP_SET_LOCKOUT_AFTER,
	SMSOTP_SET_LOCKOUT_TIME,
	SMSOTP_SET_LOCKOUT_MAX,
	SMSOTP_SET_MAX_LIVE_CODES,
	SMSOTP_SET_SEND_DEADLINE,
	SMSOTP_SET_GLOBAL_PER_MINUTE,
	SMSOTP_SET_GLOBAL_PER_DAY,
	SMSOTP_SET_ALLOWED_COUNTRIES,
	SMSOTP_SET_REVEAL_STATUS,
	SMSOTP_SET_LOG,
	SMSOTP_SET_POLICY,
	SMSOTP_SET_POLICY_EXEMPT_GROUPS,
	SMSOTP_SET_POLICY_ONLY_GROUPS,
	SMSOTP_SET_POLICY_EXEMPT_NETWORKS,
	SMSOTP_SET_POLICY_GRACE_PERIOD,
	SMSOTP_SET_POLICY_GRACE_SURVIVES_REBOOT,
	SMSOTP_SET_POLICY_SERVICES,
	SMSOTP_SET_SERVICE_SKIP,
	SMSOTP_SET_SERVICE_FAILMODE,
	SMSOTP_SET_SERVICE_GRACE_PERIOD,
	SMSOTP_SET_SERVICE_MESSAGE,
	SMSOTP_SET_GATEWAYS,
	SMSOTP_SET_GATEWAY_NAME,
	SMSOTP_SET_GATEWAY_TYPE,
	SMSOTP_SET_ROUTES,
	SMSOTP_SET_ROUTE_PREFIX,
	SMSOTP_SET_ROUTE_GATEWAYS,
	SMSOTP_SET_HEALTH,
	SMSOTP_SET_HEALTH_FAILURES,
	SMSOTP_SET_HEALTH_WINDOW,
	SMSOTP_SET_HEALTH_COOLDOWN,
	SMSOTP_SET_OUTBOX_PATH,
	SMSOTP_SET_TWILIO_ACCOUNT_SID,
	SMSOTP_SET_TWILIO_AUTH_TOKEN,
	SMSOTP_SET_TWILIO_FROM,
	SMSOTP_SET_TWILIO_MESSAGING_SERVICE_SID,
	SMSOTP_SET_TWILIO_BASE_URL,
	SMSOTP_SET_HTTPS_CONNECT_TIMEOUT,
	SMSOTP_SET_HTTPS_TIMEOUT,
	SMSOTP_SET_HTTPS_CA_FILE,
	SMSOTP_SET_HTTPS_PINNED_PUBLIC_KEY,
	SMSOTP_SET_HTTPS_PROXY,
	SMSOTP_SET_HTTPS_INSECURE_HTTP,
	SMSOTP_SET_VONAGE_API_KEY,
	SMSOTP_SET_VONAGE_API_SECRET,
	SMSOTP_SET_VONAGE_FROM,
	SMSOTP_SET_VONAGE_BASE_URL,
	SMSOTP_SET_KANNEL_URL,
	SMSOTP_SET_KANNEL_USERNAME,
	SMSOTP_SET_KANNEL_PASSWORD,
	SMSOTP_SET_KANNEL_FROM,
	SMSOTP_SET_KANNEL_SMSC,
	SMSOTP_SET_HTTP_URL,
	SMSOTP_SET_HTTP_METHOD,
	SMSOTP_SET_HTTP_CONTENT_TYPE,
	SMSOTP_SET_HTTP_BODY,
	SMSOTP_SET_HTTP_HEADERS,
	SMSOTP_SET_HTTP_SECRET,
	SMSOTP_SET_HTTP_USERNAME,
	SMSOTP_SET_HTTP_SUCCESS_STATUS,
	SMSOTP_SET_HTTP_SUCCESS_MATCH,
	SMSOTP_SET_SMSTOOLS_SPOOL_DIR,
	SMSOTP_SET_SMSTOOLS_TMP_DIR,
	SMSOTP_SET_COMMAND_ARGV,
	SMSOTP_SET_COMMAND_TIMEOUT,
	SMSOTP_SET_COUNT
};

/*
 * The strings are arrays, not pointers: the table needs no relocation when
 * a program starts ("" stands for none).
 */
struct smsotp_setting {
	/*
	 * Where pam_smsotp.conf(5) describes it: the first word of its
	 * section ("code", "limits", "twilio"). The HTTPS transport settings
	 * every HTTP gateway type takes are described with twilio.
	 */
	char section[16];
	char name[24];			/* as written in the file */
	enum smsotp_set_type type;
	long min, max;			/* SMSOTP_SET_INT */
	long def;			/* SMSOTP_SET_INT, _BOOL: the default */
	char unit[8];			/* SMSOTP_SET_INT: "seconds" or "" */
	/* SMSOTP_SET_INT: the manual's lower bound when it is another
	 * setting (checked by the loader), else "": min */
	char min_text[16];
	/*
	 * What the manual says in parentheses after the name, when it is not
	 * made from the type, range and default (strings, lists, groups).
	 */
	char shape[64];
	char doc[80];			/* one line */
	/* SMSOTP_SET_STR: the default, or "" (none, or not a string) */
	char sdef[40];
	/*
	 * SMSOTP_SET_INT: the rule that sets one of the bounds, said with
	 * the error for a value beyond it ("" none): rule_max 1 for max, 0
	 * for min.
	 */
	char rule[64];
	int rule_max;
};

/* The setting id (0 <= id < SMSOTP_SET_COUNT). */
const struct smsotp_setting *smsotp_setting(enum smsotp_set id);

/*
 * What the manual says of it in parentheses: "integer, 6..10, default 6",
 * "boolean, default false", its shape, or for a string with a default
 * its shape and ", default \"VALUE\"". 0, or -1 when cap is too small.
 */
int smsotp_setting_shape(const struct smsotp_setting *s, char *buf,
    size_t cap);

#endif
