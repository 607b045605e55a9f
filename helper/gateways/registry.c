/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/registry.c - the gateway types by name (one ops table
 * each, in its own file), the configured gateways by name and the names
 * of the outcomes.
 */
#include "config.h"

#include <string.h>

#include "gateways/gateway.h"

static const struct smsotp_gw_type *const types[] = {
	&smsotp_gw_outbox,
	&smsotp_gw_twilio,
	&smsotp_gw_smstools,
	&smsotp_gw_command,
	&smsotp_gw_vonage,
	&smsotp_gw_kannel,
	&smsotp_gw_http,
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
	case SMSOTP_GW_LOCALFAIL:
		return "local failure";
	}
	return "?";
}

int
smsotp_conf_gateway_index(const struct smsotp_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->ngateways; i++)
		if (c->gateways[i].name != NULL &&
		    strcmp(c->gateways[i].name, name) == 0)
			return i;
	return -1;
}
