/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/gateway.h - the gateway layer: the ops table of a
 * gateway type (DESIGN.md section 7), the layer's result enum, routing and
 * the failover loop (router.c).
 *
 * One file per type, each ending in its const ops table (curl lib/vtls/
 * style): outbox.c, twilio.c, vonage.c, kannel.c, http.c, smstools.c,
 * command.c; registry.c finds them by name. A type parses its own settings
 * from the config and sends one text to one E.164 number, reporting one of
 * the outcomes below. Helpers for the HTTP types: http_client.h (the
 * request), request_buf.h (bodies and URLs), http_template.h, url_setting.h,
 * http_result.h.
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
 * The gateway layer's result: what one attempt (and a whole route) came
 * to. The values are fixed. Every failure path of a type is one of the
 * three failure classes:
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
 * deadline: a little more than http_client.h's own minimum, so an HTTP
 * type never refuses a request the route let it start.
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

/*
 * The ops table of a gateway type: one const instance per type, at the end
 * of its file, named smsotp_gw_TYPE. Every slot is required (root_only may
 * be 0). The engine never calls a type directly: smsotp_gw_send_opts does.
 */
struct smsotp_gw_type {
	/*
	 * The type's name: the config's 'type = "NAME"' (smsotp_gw_type_find)
	 * and type=NAME in the send log lines. Unique among the types.
	 */
	const char *name;
	/*
	 * 1: sending needs a root caller (smstools hands its spool file to
	 * smsd with fchown). For an unprivileged caller such a gateway is
	 * skipped, not tried (smsotp_gw_send_opts). 0: any caller.
	 */
	int root_only;
	/*
	 * NULL-terminated names of the settings the type accepts in its
	 * gateway group, besides "name" and "type" (at most 61): the config
	 * loader refuses any other key before configure runs. HTTP types
	 * append SMSOTP_HTTP_SETTING_NAMES (http_client.h).
	 */
	const char *const *settings;
	/*
	 * Parse the settings of gateway group s into gw->priv (the type's
	 * own allocation; gw->name and gw->line are set). Called once per
	 * gateway at config load, also when another setting was already found
	 * bad (so every error is reported at once). Each error goes to ctx
	 * (smsotp_cfg_error: "FILE:LINE: ..."), with the gateway's name.
	 * Secrets are read with smsotp_cfg_secret (a secret or its _file).
	 * Returns 0, or -1 after an error; either way destroy is called later,
	 * so gw->priv may be left half filled (or NULL).
	 */
	int (*configure)(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
	    const config_setting_t *s);
	/*
	 * Send text to to, an E.164 number (phones/e164.h smsotp_e164_ok;
	 * the HTTP types check it again and refuse others as PERMFAIL).
	 * deadline is an absolute smsotp_mono() time the attempt must finish
	 * by (a type whose work is local and bounded may ignore it); the
	 * router starts no attempt with less than SMSOTP_GW_MIN_LEFT left.
	 * From the router res arrives zeroed with outcome LOCALFAIL; send
	 * always fills outcome (the failure classes above), http_status (0
	 * when not HTTP) and detail: on success the provider's message id
	 * (or what stands for it: "appended", the spool file's name), else
	 * the reason; sanitised, never the number, the text or a secret.
	 * Never retries (failover is the router's) and does not log the
	 * attempt (the router does). Wipes every buffer that held the text.
	 * Called only for a configuration that loaded (every configure
	 * returned 0).
	 */
	void (*send)(const struct smsotp_gateway *gw, const char *to,
	    const char *text, double deadline, struct smsotp_gw_result *res);
	/*
	 * Free gw->priv, wiping secrets, and set it to NULL. Called for every
	 * gateway of a configuration being freed, after a failed configure
	 * too; gw->priv may be NULL or half filled.
	 */
	void (*destroy)(struct smsotp_gateway *gw);
};

extern const struct smsotp_gw_type smsotp_gw_outbox;	/* outbox.c */
extern const struct smsotp_gw_type smsotp_gw_twilio;	/* twilio.c */
extern const struct smsotp_gw_type smsotp_gw_smstools;	/* smstools.c */
extern const struct smsotp_gw_type smsotp_gw_command;	/* command.c */
extern const struct smsotp_gw_type smsotp_gw_vonage;	/* vonage.c */
extern const struct smsotp_gw_type smsotp_gw_kannel;	/* kannel.c */
extern const struct smsotp_gw_type smsotp_gw_http;	/* http.c */

/* Type called name, or NULL (registry.c). */
const struct smsotp_gw_type *smsotp_gw_type_find(const char *name);

/* Index of the configured gateway called name in conf, or -1. */
int smsotp_conf_gateway_index(const struct smsotp_conf *conf, const char *name);

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

/* "sent", "temporary failure", ... for logs (registry.c). */
const char *smsotp_gw_outcome_name(enum smsotp_gw_outcome o);

/* --- circuit breaker, callers and per-attempt reports ------------------- */
struct smsotp_gw_opts {
	/* circuit breaker state (breaker.h); NULL: no breaker */
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
