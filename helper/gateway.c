/*
 * gateway.c - gateway type registry, prefix routing and failover.
 */
#include "config.h"

#include <string.h>

#include "gateway.h"
#include "log.h"
#include "phone.h"

static const struct smsotp_gw_type *const types[] = {
	&smsotp_gw_outbox,
	&smsotp_gw_twilio,
	NULL
};

const struct smsotp_gw_type *
smsotp_gw_type_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; types[i] != NULL; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

const char *
smsotp_gw_outcome_name(enum smsotp_gw_outcome o)
{
	switch (o) {
	case SMSOTP_GW_SENT:
		return "sent";
	case SMSOTP_GW_TEMPFAIL:
		return "temporary failure";
	case SMSOTP_GW_PERMFAIL:
		return "permanent failure";
	}
	return "?";
}

const struct smsotp_route *
smsotp_gw_route_for(const struct smsotp_conf *conf, const char *to)
{
	const struct smsotp_route *best = NULL;
	size_t bestlen = 0;
	int i;

	for (i = 0; i < conf->nroutes; i++) {
		const struct smsotp_route *r = &conf->routes[i];
		size_t n = strlen(r->prefix);

		if (strncmp(to, r->prefix, n) == 0 && (best == NULL || n > bestlen)) {
			best = r;
			bestlen = n;
		}
	}
	return best;
}

/* One attempt through gateway idx, logged. */
static enum smsotp_gw_outcome
attempt(const struct smsotp_conf *conf, int idx, const char *to,
    const char *masked, const char *text, double deadline)
{
	const struct smsotp_gateway *gw = &conf->gateways[idx];
	struct smsotp_gw_result res;
	double t0 = smsotp_mono();
	long ms;

	memset(&res, 0, sizeof(res));
	res.outcome = SMSOTP_GW_TEMPFAIL;
	gw->type->send(gw, to, text, deadline, &res);
	ms = (long)((smsotp_mono() - t0) * 1000.0 + 0.5);
	smsotp_log(res.outcome == SMSOTP_GW_SENT ? LOG_INFO : LOG_WARNING,
	    "send gateway=%s type=%s to=%s outcome=%s detail=\"%s\" ms=%ld",
	    gw->name, gw->type->name, masked, smsotp_gw_outcome_name(res.outcome),
	    res.detail, ms);
	return res.outcome;
}

enum smsotp_gw_outcome
smsotp_gw_send(const struct smsotp_conf *conf, const char *to,
    const char *text, double deadline, int *gw_used)
{
	const struct smsotp_route *r = smsotp_gw_route_for(conf, to);
	enum smsotp_gw_outcome o = SMSOTP_GW_TEMPFAIL;
	char masked[SMSOTP_MASKED_SIZE];
	int i, n, idx;

	*gw_used = -1;
	smsotp_phone_mask(to, masked, sizeof(masked));
	if (r == NULL && conf->nroutes > 0) {
		smsotp_log(LOG_ERR, "no route for %s: not sent", masked);
		return SMSOTP_GW_PERMFAIL;
	}
	n = r != NULL ? r->ngw : conf->ngateways;
	for (i = 0; i < n; i++) {
		idx = r != NULL ? r->gw[i] : i;
		if (smsotp_mono() >= deadline) {
			smsotp_log(LOG_ERR, "send deadline reached for %s "
			    "before gateway %s", masked, conf->gateways[idx].name);
			break;
		}
		*gw_used = idx;
		o = attempt(conf, idx, to, masked, text, deadline);
		if (o != SMSOTP_GW_TEMPFAIL)
			break;
	}
	return o;
}
