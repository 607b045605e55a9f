/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/global.c - smsotpctl global [reset]: the global send counters
 * (helper/core/limits.h) and the limits they are checked against.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/code.h"
#include "conf/conf.h"
#include "base/log.h"
#include "core/limits.h"
#include "ctl/verbs.h"

static void
print_text(const struct smsotp_conf *c, const struct smsotp_global *g,
    int corrupt)
{
	int i;

	if (corrupt) {
		printf("%-16s CORRUPT: every send is refused until "
		    "'smsotpctl global reset'\n", "global:");
	} else {
		printf("%-16s %u in the last 60 s (limit %d%s)\n",
		    "global sends:", smsotp_global_minute(g),
		    c->global_per_minute, c->global_per_minute == 0 ?
		    ": none" : "");
		printf("%-16s %u in the last day (limit %d%s)\n", "",
		    smsotp_global_day(g), c->global_per_day,
		    c->global_per_day == 0 ? ": none" : "");
		printf("%-16s", "send times (us):");
		for (i = 0; i < g->nus; i++)
			printf(" %u", g->us[i]);
		printf("%s\n", g->nus == 0 ? " none yet" : "");
	}
	printf("%-16s", "countries:");
	for (i = 0; i < c->nallowed; i++)
		printf(" +%s", c->allowed_countries[i]);
	printf("%s\n", c->nallowed == 0 ? " all" : "");
	printf("%-16s %s\n", "reveal_status:", c->reveal_status ? "true" :
	    "false (decoy prompts)");
}

static int
print_json(const struct smsotp_conf *c, const struct smsotp_global *g,
    int corrupt)
{
	json_t *o = json_object(), *a = json_array(), *ms = json_array();
	int i, rv = 1;

	if (o == NULL || a == NULL || ms == NULL)
		goto out;
	for (i = 0; i < c->nallowed; i++)
		json_array_append_new(a, json_string(c->allowed_countries[i]));
	for (i = 0; !corrupt && i < g->nus; i++)
		json_array_append_new(ms, json_integer(g->us[i]));
	json_object_set_new(o, "corrupt", json_boolean(corrupt));
	json_object_set_new(o, "sends_last_minute",
	    json_integer(corrupt ? 0 : smsotp_global_minute(g)));
	json_object_set_new(o, "sends_last_day",
	    json_integer(corrupt ? 0 : smsotp_global_day(g)));
	json_object_set_new(o, "global_sends_per_minute",
	    json_integer(c->global_per_minute));
	json_object_set_new(o, "global_sends_per_day",
	    json_integer(c->global_per_day));
	json_object_set_new(o, "send_us", ms);
	json_object_set_new(o, "allowed_countries", a);
	json_object_set_new(o, "reveal_status", json_boolean(c->reveal_status));
	ms = a = NULL;
	if (json_dumpf(o, stdout, JSON_INDENT(2)) == 0 && puts("") >= 0)
		rv = 0;
out:
	json_decref(ms);
	json_decref(a);
	json_decref(o);
	return rv;
}

int
smsotp_ctl_global(const struct smsotp_ctl_call *call)
{
	const struct smsotp_conf *conf = call->conf;
	struct smsotp_store store;
	struct smsotp_global g, d;
	char why[320];
	int reset = call->argc == 1 && strcmp(call->argv[0], "reset") == 0;
	int st, rv = SMSOTP_CTL_FAILED;

	if (smsotp_crypto_init() != 0 ||
	    smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, &store, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: state directory: %s\n", why);
		return SMSOTP_CTL_FAILED;
	}
	if (reset) {
		if (smsotp_limits_reset(&store, SMSOTP_CTL_LOCK_WAIT_MS, why,
		    sizeof(why)) != 0) {
			fprintf(stderr, "smsotpctl: global reset: %s\n", why);
		} else {
			printf("global send counters reset\n");
			smsotp_log(LOG_NOTICE, "global send counters reset by "
			    "smsotpctl");
			rv = SMSOTP_CTL_OK;
		}
	} else {
		st = smsotp_limits_peek(&store, smsotp_now(), &g, why,
		    sizeof(why));
		if (st < 0 && st != SMSOTP_ST_CORRUPT)
			fprintf(stderr, "smsotpctl: global: %s\n", why);
		else if (call->json)
			rv = print_json(conf, &g, st == SMSOTP_ST_CORRUPT);
		else {
			print_text(conf, &g, st == SMSOTP_ST_CORRUPT);
			if (smsotp_limits_peek_decoys(&store, smsotp_now(), &d,
			    why, sizeof(why)) >= 0)
				printf("%-16s %u in the last 60 s, %u in the last "
				    "day\n", "decoy prompts:",
				    smsotp_global_minute(&d), smsotp_global_day(&d));
			rv = SMSOTP_CTL_OK;
		}
	}
	smsotp_store_close(&store);
	return rv;
}
