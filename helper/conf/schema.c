/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/conf/schema.c - every setting of pam_smsotp.conf (schema.h).
 */
#include "config.h"

#include <stdio.h>

#include "conf/schema.h"

#define INT(sec, nm, lo, hi, d, u, txt) \
	{ sec, nm, SMSOTP_SET_INT, lo, hi, d, u, "", "", txt, "", "", 0 }
/* an integer one of whose bounds a rule sets (rmax: the upper one) */
#define INTR(sec, nm, lo, hi, d, u, txt, rmax, rule) \
	{ sec, nm, SMSOTP_SET_INT, lo, hi, d, u, "", "", txt, "", rule, rmax }
#define BOOL(sec, nm, d, txt) \
	{ sec, nm, SMSOTP_SET_BOOL, 0, 1, d, "", "", "", txt, "", "", 0 }
#define STR(sec, nm, shp, txt) \
	{ sec, nm, SMSOTP_SET_STR, 0, 0, 0, "", "", shp, txt, "", "", 0 }
#define STRD(sec, nm, shp, d, txt) \
	{ sec, nm, SMSOTP_SET_STR, 0, 0, 0, "", "", shp, txt, d, "", 0 }
#define OTHER(sec, nm, shp, txt) \
	{ sec, nm, SMSOTP_SET_OTHER, 0, 0, 0, "", "", shp, txt, "", "", 0 }

/* NIST SP 800-63B-4, 3.1.3 (out-of-band) and 3.2.2 (rate limiting) */
#define NIST_RULE "NIST SP 800-63B-4: "

static const struct smsotp_setting settings[SMSOTP_SET_COUNT] = {
	[SMSOTP_SET_CODE_LENGTH] = INTR("code", "length", 6, 10, 6, "",
	    "digits per code", 0, NIST_RULE "a code has at least 6 digits"),
	[SMSOTP_SET_CODE_TTL] = INTR("code", "ttl", 5, 600, 300, "seconds",
	    "how long a code stays valid after it was sent", 1,
	    NIST_RULE "a code lives at most 10 minutes"),
	[SMSOTP_SET_CODE_MAX_ATTEMPTS] = INT("code", "max_attempts", 1, 10, 3,
	    "", "wrong codes that may be typed against one code"),
	[SMSOTP_SET_MESSAGE] = STR("message", "message",
	    "string, default shown below",
	    "the text sent, with %{code} and other placeholders"),
	[SMSOTP_SET_PHONES_FILE] = STR("phones", "file",
	    "string, absolute path, no default",
	    "the users file: one USER NUMBER a line"),
	[SMSOTP_SET_PHONES_DEFAULT_COUNTRY] = STR("phones", "default_country",
	    "string, 1 to 3 digits, no default",
	    "calling code put in front of national numbers"),
	[SMSOTP_SET_PHONES_SOURCES] = OTHER("phones", "sources",
	    "array or list of strings, default [ \"file\" ]",
	    "the phone sources, asked in this order"),
	[SMSOTP_SET_PHONES_LDAP] = OTHER("phones", "ldap",
	    "group, required for the ldap source", "the LDAP directory"),
	[SMSOTP_SET_LDAP_URI] = STR("phones", "uri",
	    "string, required in ldap", "one ldaps:// or ldap:// URI"),
	[SMSOTP_SET_LDAP_BASE] = STR("phones", "base",
	    "string, required in ldap", "the search base DN"),
	[SMSOTP_SET_LDAP_FILTER] = STRD("phones", "filter", "string",
	    "(uid=%u)", "the search filter; %u is the escaped user name"),
	[SMSOTP_SET_LDAP_ATTRIBUTE] = STRD("phones", "attribute", "string",
	    "mobile", "the attribute that holds the number"),
	[SMSOTP_SET_LDAP_BIND_DN] = STR("phones", "bind_dn",
	    "string, default: an anonymous search", "the DN to bind as"),
	[SMSOTP_SET_LDAP_BIND_PASSWORD_FILE] = STR("phones",
	    "bind_password_file", "string, absolute path, required with bind_dn",
	    "a root-owned file whose first line is the password"),
	[SMSOTP_SET_LDAP_CA_FILE] = STR("phones", "ca_file",
	    "string, absolute path, default: the system trust store",
	    "the CA certificates to trust"),
	[SMSOTP_SET_LDAP_STARTTLS] = BOOL("phones", "starttls", 0,
	    "StartTLS on an ldap:// URI"),
	[SMSOTP_SET_LDAP_TIMEOUT] = INT("phones", "timeout", 1, 30, 5,
	    "seconds", "time for the whole LDAP lookup (connect, bind, search)"),
	[SMSOTP_SET_LDAP_INSECURE] = BOOL("phones", "insecure", 0,
	    "allow ldap:// without TLS to a loopback host (tests)"),
	[SMSOTP_SET_PHONES_COMMAND] = OTHER("phones", "command",
	    "array or list of 1 to 32 strings, no default",
	    "the program and its arguments; \"%u\" is the user name"),
	[SMSOTP_SET_PHONES_COMMAND_TIMEOUT] = INT("phones", "command_timeout",
	    1, 30, 5, "seconds", "time the program may take"),
	[SMSOTP_SET_RESEND_COOLDOWN] = INT("limits", "resend_cooldown", 0, 3600,
	    30, "seconds", "time before a code may be resent"),
	[SMSOTP_SET_SENDS_PER_USER] = INT("limits", "sends_per_user", 1,
	    SMSOTP_MAX_SENDS_TRACKED, 5, "",
	    "texts a user may get in sends_window"),
	[SMSOTP_SET_SENDS_WINDOW] = INT("limits", "sends_window", 60, 86400,
	    900, "seconds", "the window of sends_per_user"),
	[SMSOTP_SET_LOCKOUT_AFTER] = INTR("limits", "lockout_after", 1, 100, 10,
	    "", "consecutive wrong codes before a lockout", 1,
	    NIST_RULE "at most 100 failures before a lockout"),
	[SMSOTP_SET_LOCKOUT_TIME] = INT("limits", "lockout_time", 1, 86400, 900,
	    "seconds", "the first lockout; each further one doubles it"),
	[SMSOTP_SET_LOCKOUT_MAX] = { "limits", "lockout_max", SMSOTP_SET_INT,
	    1, 31536000, 86400, "seconds", "lockout_time", "",
	    "the longest lockout", "", "", 0 },
	[SMSOTP_SET_MAX_LIVE_CODES] = INT("limits", "max_live_codes", 1, 8, 3,
	    "", "codes a user may have open at once"),
	[SMSOTP_SET_SEND_DEADLINE] = INT("limits", "send_deadline", 1, 25, 15,
	    "seconds", "time for sending one text, all gateways together"),
	[SMSOTP_SET_GLOBAL_PER_MINUTE] = INT("limits", "global_sends_per_minute",
	    0, 100000, 60, "", "texts per minute for the whole host, 0: no cap"),
	[SMSOTP_SET_GLOBAL_PER_DAY] = INT("limits", "global_sends_per_day",
	    0, 10000000, 2000, "",
	    "texts per 24 hours for the whole host, 0: no cap"),
	[SMSOTP_SET_ALLOWED_COUNTRIES] = OTHER("limits", "allowed_countries",
	    "array or list of calling codes, default: every country",
	    "the calling codes texts may go to"),
	[SMSOTP_SET_REVEAL_STATUS] = BOOL("reveal_status", "reveal_status", 0,
	    "tell a login why no text was sent instead of a decoy prompt"),
	[SMSOTP_SET_LOG] = STRD("log", "log",
	    "string: \"syslog\", \"stderr\" or an absolute path", "syslog",
	    "where the helper's lines go"),
	[SMSOTP_SET_POLICY] = OTHER("policy", "policy", "group, optional",
	    "who is asked for a code, and when"),
	[SMSOTP_SET_POLICY_EXEMPT_GROUPS] = OTHER("policy", "exempt_groups",
	    "array of group names, at most 32, default none",
	    "members of these groups are never asked"),
	[SMSOTP_SET_POLICY_ONLY_GROUPS] = OTHER("policy", "only_groups",
	    "array of group names, at most 32, default: everyone",
	    "only members of these groups are asked"),
	[SMSOTP_SET_POLICY_EXEMPT_NETWORKS] = OTHER("policy", "exempt_networks",
	    "array of CIDR prefixes, at most 64, default none",
	    "a root caller's literal PAM_RHOST in one of these is not asked"),
	[SMSOTP_SET_POLICY_GRACE_PERIOD] = INT("policy", "grace_period", 0,
	    86400, 0, "seconds",
	    "after a right code, the same login is not asked again, 0: off"),
	[SMSOTP_SET_POLICY_GRACE_SURVIVES_REBOOT] = BOOL("policy",
	    "grace_survives_reboot", 0, "grace periods outlive a reboot"),
	[SMSOTP_SET_POLICY_SERVICES] = OTHER("policy", "services",
	    "group of groups, at most 32, optional",
	    "rules for one PAM service, by its name"),
	[SMSOTP_SET_SERVICE_SKIP] = BOOL("policy.services", "skip", 0,
	    "the service is never asked for a code"),
	[SMSOTP_SET_SERVICE_FAILMODE] = STR("policy.services", "failmode",
	    "string: \"secure\" or \"safe\", default: the module's",
	    "what a gateway outage gives, over the module's failmode"),
	[SMSOTP_SET_SERVICE_GRACE_PERIOD] = STR("policy.services",
	    "grace_period", "integer, 0..86400 seconds, default: policy's",
	    "the service's own grace period"),
	[SMSOTP_SET_SERVICE_MESSAGE] = STR("policy.services", "message",
	    "string, default: the top-level message",
	    "the text sent for the service"),
	[SMSOTP_SET_GATEWAYS] = OTHER("gateways", "gateways",
	    "list of groups, required, 1 to 16 entries", "the SMS gateways"),
	[SMSOTP_SET_GATEWAY_NAME] = STR("gateways", "name", "string, required",
	    "a gateway's unique name"),
	[SMSOTP_SET_GATEWAY_TYPE] = STR("gateways", "type", "string, required",
	    "a gateway's type"),
	[SMSOTP_SET_ROUTES] = OTHER("routes", "routes",
	    "list of groups, optional, at most 64 entries",
	    "which gateways serve which numbers"),
	[SMSOTP_SET_ROUTE_PREFIX] = STR("routes", "prefix", "string, required",
	    "\"+\" and up to 15 digits"),
	[SMSOTP_SET_ROUTE_GATEWAYS] = OTHER("routes", "gateways",
	    "array or list of strings, required, 1 to 16 entries",
	    "the route's gateways, tried in order"),
	[SMSOTP_SET_HEALTH] = OTHER("health", "health", "group, optional",
	    "the circuit breaker"),
	[SMSOTP_SET_HEALTH_FAILURES] = INT("health", "failures", 0,
	    SMSOTP_HEALTH_MAX_FAILURES, 3, "",
	    "failures in window that open a gateway's breaker, 0: off"),
	[SMSOTP_SET_HEALTH_WINDOW] = INT("health", "window", 1, 86400, 60,
	    "seconds", "the window of failures"),
	[SMSOTP_SET_HEALTH_COOLDOWN] = INT("health", "cooldown", 1, 86400, 120,
	    "seconds", "how long an open breaker skips its gateway"),
	[SMSOTP_SET_OUTBOX_PATH] = STR("outbox", "path",
	    "string, absolute path, required",
	    "the file every message is appended to"),
	[SMSOTP_SET_TWILIO_ACCOUNT_SID] = STR("twilio", "account_sid",
	    "string, required", "\"AC\" and 32 hex digits"),
	[SMSOTP_SET_TWILIO_AUTH_TOKEN] = STR("twilio", "auth_token",
	    "string, exactly one required",
	    "inline, or auth_token_file: a root-owned file's first line"),
	[SMSOTP_SET_TWILIO_FROM] = STR("twilio", "from", "string, no default",
	    "the sender number, E.164"),
	[SMSOTP_SET_TWILIO_MESSAGING_SERVICE_SID] = STR("twilio",
	    "messaging_service_sid", "string",
	    "a Messaging Service instead of from"),
	[SMSOTP_SET_TWILIO_BASE_URL] = STRD("twilio", "base_url",
	    "string", "https://api.twilio.com", "the API's URL"),
	[SMSOTP_SET_HTTPS_CONNECT_TIMEOUT] = INT("twilio", "connect_timeout",
	    1, 60, 5, "seconds", "time to connect (every HTTP gateway type)"),
	[SMSOTP_SET_HTTPS_TIMEOUT] = INT("twilio", "timeout", 1, 120, 10,
	    "seconds", "time for the whole request (every HTTP gateway type)"),
	[SMSOTP_SET_HTTPS_CA_FILE] = STR("twilio", "ca_file",
	    "string, absolute path, default: the system trust store",
	    "the CA certificates to trust"),
	[SMSOTP_SET_HTTPS_PINNED_PUBLIC_KEY] = STR("twilio",
	    "pinned_public_key", "string, no default",
	    "also require this server key"),
	[SMSOTP_SET_HTTPS_PROXY] = STR("twilio", "proxy", "string, no default",
	    "an HTTP proxy; never one without it"),
	[SMSOTP_SET_HTTPS_INSECURE_HTTP] = BOOL("twilio", "insecure_http", 0,
	    "allow http:// to a loopback host (tests)"),
	[SMSOTP_SET_VONAGE_API_KEY] = STR("vonage", "api_key",
	    "string, required", "the account's key"),
	[SMSOTP_SET_VONAGE_API_SECRET] = STR("vonage", "api_secret",
	    "string, exactly one required",
	    "inline, or api_secret_file: a root-owned file's first line"),
	[SMSOTP_SET_VONAGE_FROM] = STR("vonage", "from", "string, required",
	    "the sender"),
	[SMSOTP_SET_VONAGE_BASE_URL] = STRD("vonage", "base_url",
	    "string", "https://rest.nexmo.com", "the API's URL"),
	[SMSOTP_SET_KANNEL_URL] = STR("kannel", "url", "string, required",
	    "the sendsms URL"),
	[SMSOTP_SET_KANNEL_USERNAME] = STR("kannel", "username",
	    "string, required", "the sendsms user"),
	[SMSOTP_SET_KANNEL_PASSWORD] = STR("kannel", "password",
	    "string, exactly one required",
	    "inline, or password_file: a root-owned file's first line"),
	[SMSOTP_SET_KANNEL_FROM] = STR("kannel", "from", "string",
	    "the sender"),
	[SMSOTP_SET_KANNEL_SMSC] = STR("kannel", "smsc",
	    "string, no default: Kannel's own routing", "the SMSC to use"),
	[SMSOTP_SET_HTTP_URL] = STR("http", "url", "string, required",
	    "the URL to send to"),
	[SMSOTP_SET_HTTP_METHOD] = STR("http", "method",
	    "string, default \"POST\"", "POST or GET"),
	[SMSOTP_SET_HTTP_CONTENT_TYPE] = STR("http", "content_type",
	    "string, default \"application/x-www-form-urlencoded\"",
	    "the body's type"),
	[SMSOTP_SET_HTTP_BODY] = STR("http", "body",
	    "string, required, at most 4096 bytes", "the body's template"),
	[SMSOTP_SET_HTTP_HEADERS] = OTHER("http", "headers",
	    "list of strings, at most 16, default none", "extra header lines"),
	[SMSOTP_SET_HTTP_SECRET] = STR("http", "secret", "string, no default",
	    "the value of %{secret}, inline or as secret_file"),
	[SMSOTP_SET_HTTP_USERNAME] = STR("http", "username", "strings",
	    "HTTP Basic authentication: username and password (or "
	    "password_file)"),
	[SMSOTP_SET_HTTP_SUCCESS_STATUS] = OTHER("http", "success_status",
	    "list of integers 200..299, default [ 200, 201, 202 ]",
	    "the statuses that mean sent"),
	[SMSOTP_SET_HTTP_SUCCESS_MATCH] = STR("http", "success_match",
	    "string, 1 to 256 characters", "text the answer must hold"),
	[SMSOTP_SET_SMSTOOLS_SPOOL_DIR] = STR("smstools", "spool_dir",
	    "string, absolute path, required", "smsd's outgoing directory"),
	[SMSOTP_SET_SMSTOOLS_TMP_DIR] = STR("smstools", "tmp_dir",
	    "string, absolute path, default: the state directory",
	    "where a file is written before it is moved"),
	[SMSOTP_SET_COMMAND_ARGV] = OTHER("command", "argv",
	    "array or list of 1 to 32 strings, required",
	    "the program and its arguments"),
	[SMSOTP_SET_COMMAND_TIMEOUT] = INT("command", "timeout", 1, 60, 10,
	    "seconds", "time the program may take"),
};

const struct smsotp_setting *
smsotp_setting(enum smsotp_set id)
{
	return &settings[id];
}

int
smsotp_setting_shape(const struct smsotp_setting *s, char *buf, size_t cap)
{
	char lo[32];
	int n;

	switch (s->type) {
	case SMSOTP_SET_INT:
		if (s->min_text[0] != '\0')
			n = snprintf(lo, sizeof(lo), "%s", s->min_text);
		else
			n = snprintf(lo, sizeof(lo), "%ld", s->min);
		if (n < 0 || (size_t)n >= sizeof(lo))
			return -1;
		n = snprintf(buf, cap, "integer, %s..%ld%s%s, default %ld", lo,
		    s->max, s->unit[0] != '\0' ? " " : "", s->unit, s->def);
		break;
	case SMSOTP_SET_BOOL:
		n = snprintf(buf, cap, "boolean, default %s",
		    s->def ? "true" : "false");
		break;
	default:
		n = snprintf(buf, cap, "%s%s%s%s", s->shape,
		    s->sdef[0] != '\0' ? ", default \"" : "", s->sdef,
		    s->sdef[0] != '\0' ? "\"" : "");
		break;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
