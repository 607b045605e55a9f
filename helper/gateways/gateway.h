/*
 * gateway.h - the gateway vtable (DESIGN.md section 7) and routing.
 *
 * A gateway type parses its own settings from the config and sends one
 * text to one E.164 number, reporting one of the outcomes below.
 * SECURITY: types keep their secrets in their private data, never log them,
 * and put only sanitised provider text into result->detail.
 */
#ifndef SMSOTP_GATEWAY_H
#define SMSOTP_GATEWAY_H

#include <libconfig.h>
#include <stdint.h>

#include "conf/conf.h"

struct smsotp_store;

/*
 * What one attempt (and a whole route) came to. Every failure path of a
 * type is one of the three failure classes:
 *   SENT      the provider (or the local spool, outbox, program) took it.
 *   TEMPFAIL  the provider or the network failed for now: connection
 *             refused or reset, DNS, TLS, a timeout, HTTP 5xx or 429, a
 *             reply that cannot be read, the provider's "try later", a
 *             command that exited 75 or ran out of its timeout. The next
 *             gateway is tried; the breaker counts it.
 *   PERMFAIL  the provider said no: HTTP 4xx such as a bad number or
 *             rejected credentials, a command that exited with another
 *             status, a number no route takes. Stops the route (the next
 *             provider would refuse it too); not counted by the breaker.
 *   LOCALFAIL a fault of this host, not the provider's: libcurl failing
 *             to load or to initialise ("libcurl unavailable"), out of
 *             memory, fork, pipe or exec failure, a resource limit, a
 *             spool or outbox directory that cannot be used, a local file
 *             with a bad owner or mode, a text or template that does not
 *             fit, the deadline used up before any gateway was tried, a
 *             route whose gateways all need a root caller. Stops the
 *             route (the next gateway would meet the same fault) and is
 *             never counted by the breaker (the provider is not at fault).
 * The engine maps TEMPFAIL to GATEWAY_DOWN (the only outcome failmode=safe
 * may turn into a login without a code) and PERMFAIL and LOCALFAIL to
 * ERROR (DESIGN.md section 5.3).
 */
enum smsotp_gw_outcome {
	SMSOTP_GW_SENT = 0,
	SMSOTP_GW_TEMPFAIL = 1,
	SMSOTP_GW_PERMFAIL = 2,
	SMSOTP_GW_LOCALFAIL = 3,
};

/*
 * No gateway is started with less than this (seconds) left before the
 * deadline: a little more than helper/gateways/http_client.h's own minimum, so an HTTP type never
 * refuses a request the route let it start.
 */
#define SMSOTP_GW_MIN_LEFT 0.1

struct smsotp_gw_result {
	enum smsotp_gw_outcome outcome;
	long http_status;	/* 0 when not HTTP */
	char detail[128];	/* provider message id or error, sanitised */
};

struct smsotp_gateway {
	char *name;
	const struct smsotp_gw_type *type;
	void *priv;		/* type-specific settings and secrets */
	int line;		/* config line, for messages */
};

struct smsotp_gw_type {
	const char *name;
	/*
	 * 1: sending needs a root caller (smstools hands its spool file to
	 * smsd with fchown). For an unprivileged caller such a gateway is
	 * skipped, not tried (smsotp_gw_send_opts).
	 */
	int root_only;
	/* settings the type accepts, besides "name" and "type" */
	const char *const *settings;
	/* parse settings of s into gw->priv; errors into ctx; 0 or -1 */
	int (*configure)(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
	    const config_setting_t *s);
	/*
	 * Send text to to (E.164). deadline is an absolute smsotp_mono()
	 * time the attempt must finish by. Always fills res (outcome, and
	 * detail without the number or the text).
	 */
	void (*send)(const struct smsotp_gateway *gw, const char *to,
	    const char *text, double deadline, struct smsotp_gw_result *res);
	/* free priv, wiping secrets */
	void (*destroy)(struct smsotp_gateway *gw);
};

extern const struct smsotp_gw_type smsotp_gw_outbox;
extern const struct smsotp_gw_type smsotp_gw_twilio;
extern const struct smsotp_gw_type smsotp_gw_smstools;	/* helper/gateways/smstools.c */
extern const struct smsotp_gw_type smsotp_gw_command;	/* helper/gateways/command.c */
extern const struct smsotp_gw_type smsotp_gw_vonage;	/* helper/gateways/vonage.c */
extern const struct smsotp_gw_type smsotp_gw_kannel;	/* helper/gateways/kannel.c */
extern const struct smsotp_gw_type smsotp_gw_http;	/* helper/gateways/http.c */

/* Type called name, or NULL. */
const struct smsotp_gw_type *smsotp_gw_type_find(const char *name);

/* Route for to: the longest matching prefix; NULL when none matches. */
const struct smsotp_route *smsotp_gw_route_for(const struct smsotp_conf *conf,
    const char *to);

/*
 * Send text to to through its route, trying the route's gateways in order
 * on temporary failure, stopping at the first success, permanent or local
 * failure, never past deadline. Logs one line per attempt (gateway,
 * masked number, outcome, detail, milliseconds). Returns the final outcome:
 * SENT; TEMPFAIL only when gateways were tried and each failed
 * temporarily; PERMFAIL or LOCALFAIL from the attempt that stopped the
 * route; LOCALFAIL when no gateway was tried at all (deadline used up,
 * nothing this caller may use). *gw_used is the index of the last gateway
 * tried (-1 when none). No breaker; an unprivileged caller (see below).
 */
enum smsotp_gw_outcome smsotp_gw_send(const struct smsotp_conf *conf,
    const char *to, const char *text, double deadline, int *gw_used);

const char *smsotp_gw_outcome_name(enum smsotp_gw_outcome o);

/* --- circuit breaker, callers and per-attempt reports ------------------- */
struct smsotp_gw_opts {
	/* circuit breaker state (helper/gateways/breaker.h); NULL: no breaker */
	struct smsotp_store *store;
	/*
	 * 1 for a root caller (sshd, sudo, su, smsotpctl), 0 otherwise (the
	 * zeroed default). SECURITY: an unprivileged caller (a screen locker:
	 * the helper runs with its uid, and it may SIGSTOP or SIGKILL the
	 * helper at any moment) only reads the breaker, lock-free, and never
	 * records: it never takes the breaker's lock, so it cannot block other
	 * logins, and its self-inflicted failures (rlimits, signals) can never
	 * open a breaker for everyone. Gateways of a root_only type are
	 * skipped for it (logged at LOG_INFO, reported with skipped 2).
	 */
	int privileged;
	/* wall clock (seconds) when the send starts, for the breaker */
	int64_t now;
	/* >= 0: send through this gateway index alone, never skipped */
	int only;
	/*
	 * Called after each attempt (skipped 0), for each gateway skipped
	 * because its breaker is open (skipped 1, ms 0, res->detail says until
	 * when) and for each root_only gateway skipped for an unprivileged
	 * caller (skipped 2, ms 0, outcome LOCALFAIL).
	 */
	void (*on_attempt)(void *arg, const struct smsotp_gateway *gw,
	    const struct smsotp_gw_result *res, int skipped, long ms);
	void *arg;
};

/*
 * smsotp_gw_send with options (opts may be NULL: no breaker, no reports,
 * unprivileged). With a breaker: a gateway whose breaker is open is skipped
 * (logged "send gateway=X skipped: circuit open until T"); for a
 * privileged caller temporary failures and successes are recorded (a
 * bounded lock wait), never permanent or local failures. When no gateway
 * sent and none failed permanently or locally, the skipped gateway whose
 * cooldown ends first gets one last-resort attempt within the deadline: a
 * route never gives up only because its breakers are open. A root_only
 * gateway is skipped for an unprivileged caller (logged "send gateway=X
 * skipped: needs a root caller"); it is no failure of the route, but a
 * route left with nothing to try returns LOCALFAIL. opts->only names one
 * gateway, tried even when its breaker is open (still not when root_only
 * and unprivileged: LOCALFAIL).
 */
enum smsotp_gw_outcome smsotp_gw_send_opts(const struct smsotp_conf *conf,
    const char *to, const char *text, double deadline,
    const struct smsotp_gw_opts *opts, int *gw_used);

#endif
