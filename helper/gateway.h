/*
 * gateway.h - the gateway vtable (DESIGN.md section 7) and routing.
 *
 * A gateway type parses its own settings from the config and sends one
 * text to one E.164 number, reporting success, temporary failure (try the
 * next gateway of the route) or permanent failure (stop: e.g. bad number).
 * SECURITY: types keep their secrets in their private data, never log them,
 * and put only sanitised provider text into result->detail.
 */
#ifndef SMSOTP_GATEWAY_H
#define SMSOTP_GATEWAY_H

#include <libconfig.h>
#include <stdint.h>

#include "conf.h"

struct smsotp_store;

enum smsotp_gw_outcome {
	SMSOTP_GW_SENT = 0,
	SMSOTP_GW_TEMPFAIL = 1,
	SMSOTP_GW_PERMFAIL = 2,
};

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
	/* settings the type accepts, besides "name" and "type" */
	const char *const *settings;
	/* parse settings of s into gw->priv; errors into ctx; 0 or -1 */
	int (*configure)(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
	    const config_setting_t *s);
	/*
	 * Send text to to (E.164). deadline is an absolute smsotp_mono()
	 * time the attempt must finish by. Always fills res.
	 */
	void (*send)(const struct smsotp_gateway *gw, const char *to,
	    const char *text, double deadline, struct smsotp_gw_result *res);
	/* free priv, wiping secrets */
	void (*destroy)(struct smsotp_gateway *gw);
};

extern const struct smsotp_gw_type smsotp_gw_outbox;
extern const struct smsotp_gw_type smsotp_gw_twilio;
extern const struct smsotp_gw_type smsotp_gw_smstools;	/* gw_smstools.c */
extern const struct smsotp_gw_type smsotp_gw_command;	/* gw_command.c */
extern const struct smsotp_gw_type smsotp_gw_vonage;	/* gw_vonage.c */
extern const struct smsotp_gw_type smsotp_gw_kannel;	/* gw_kannel.c */
extern const struct smsotp_gw_type smsotp_gw_http;	/* gw_http.c */

/* Type called name, or NULL. */
const struct smsotp_gw_type *smsotp_gw_type_find(const char *name);

/* Route for to: the longest matching prefix; NULL when none matches. */
const struct smsotp_route *smsotp_gw_route_for(const struct smsotp_conf *conf,
    const char *to);

/*
 * Send text to to through its route, trying the route's gateways in order
 * on temporary failure, stopping at the first success or permanent
 * failure, never past deadline. Logs one line per attempt (gateway,
 * masked number, outcome, detail, milliseconds). Returns the final outcome;
 * *gw_used is the index of the last gateway tried (-1 when none).
 */
enum smsotp_gw_outcome smsotp_gw_send(const struct smsotp_conf *conf,
    const char *to, const char *text, double deadline, int *gw_used);

const char *smsotp_gw_outcome_name(enum smsotp_gw_outcome o);

/* --- circuit breaker and per-attempt reports (gwspool) ------------------ */
struct smsotp_gw_opts {
	/* circuit breaker state (health.h); NULL: no breaker */
	struct smsotp_store *store;
	/* wall clock (seconds) when the send starts, for the breaker */
	int64_t now;
	/* >= 0: send through this gateway index alone, never skipped */
	int only;
	/*
	 * Called after each attempt, and for each gateway skipped because
	 * its breaker is open (skipped 1, ms 0, res->detail says until when).
	 */
	void (*on_attempt)(void *arg, const struct smsotp_gateway *gw,
	    const struct smsotp_gw_result *res, int skipped, long ms);
	void *arg;
};

/*
 * smsotp_gw_send with options (opts may be NULL: no breaker, no reports).
 * With a breaker: a gateway whose breaker is open is skipped (logged
 * "send gateway=X skipped: circuit open until T"); temporary failures and
 * successes are recorded. When no gateway sent and none failed
 * permanently, the skipped gateway whose cooldown ends first gets one
 * last-resort attempt within the deadline: a route never gives up only
 * because its breakers are open.
 */
enum smsotp_gw_outcome smsotp_gw_send_opts(const struct smsotp_conf *conf,
    const char *to, const char *text, double deadline,
    const struct smsotp_gw_opts *opts, int *gw_used);

#endif
