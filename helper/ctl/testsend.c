/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/testsend.c - `smsotpctl test-send`: one test message through the
 * configured route (or one gateway), each attempt printed with its outcome
 * and milliseconds. Uses the helper's own gateway loop (helper/gateways/router.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/code.h"
#include "conf/conf.h"
#include "ctl/verbs.h"
#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "base/log.h"
#include "phones/phone.h"
#include "store/state.h"

struct report {
	int lines;
};

static void
print_attempt(void *arg, const struct smsotp_gateway *gw,
    const struct smsotp_gw_result *res, int skipped, long ms)
{
	struct report *r = arg;

	if (r->lines++ == 0)
		printf("%-20s %-18s %7s  %s\n", "GATEWAY", "OUTCOME", "MS",
		    "DETAIL");
	printf("%-20s %-18s %7ld  %s\n", gw->name, skipped ? "skipped" :
	    smsotp_gw_outcome_name(res->outcome), ms, res->detail);
	fflush(stdout);
}

int
smsotp_ctl_test_send(const struct smsotp_ctl_call *call)
{
	const struct smsotp_conf *conf = call->conf;
	const char *number = call->argv[0], *gwname = call->opt_value, *perr;
	struct smsotp_store store = SMSOTP_STORE_NONE;
	struct smsotp_gw_opts gwo;
	struct report rep = { 0 };
	char to[SMSOTP_E164_SIZE], masked[SMSOTP_MASKED_SIZE];
	char host[256], text[320], why[320];
	enum smsotp_gw_outcome o;
	double t0;
	int used, have_store = 0, rv = SMSOTP_CTL_FAILED;

	memset(&gwo, 0, sizeof(gwo));
	gwo.only = -1;
	if (gwname != NULL) {
		gwo.only = smsotp_conf_gateway_index(conf, gwname);
		if (gwo.only < 0) {
			fprintf(stderr, "smsotpctl: no gateway called '%s'\n",
			    gwname);
			goto out;
		}
	}
	if (smsotp_phone_normalize(number, conf->default_country, to,
	    &perr) != 0) {
		fprintf(stderr, "smsotpctl: %s: %s\n", number, perr);
		goto out;
	}
	if (smsotp_crypto_init() != 0 || smsotp_http_global_init() != 0) {
		fprintf(stderr, "smsotpctl: libsodium or libcurl failed to "
		    "initialise\n");
		goto out;
	}
	/* The breaker lives in the state directory; without it, no breaker. */
	if (smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, &store, why,
	    sizeof(why)) == 0)
		have_store = 1;
	else
		fprintf(stderr, "smsotpctl: warning: state directory: %s: "
		    "circuit breaker not used\n", why);
	if (gethostname(host, sizeof(host)) != 0)
		(void)smsotp_fmt(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (smsotp_fmt(text, sizeof(text), "pam_smsotp test message from %s",
	    host) != 0)
		(void)smsotp_fmt(text, sizeof(text), "pam_smsotp test message");
	smsotp_phone_mask(to, masked, sizeof(masked));
	printf("test message to %s via %s%s\n", masked,
	    gwname != NULL ? "gateway " : "its route",
	    gwname != NULL ? gwname : "");
	smsotp_log(LOG_NOTICE, "test-send to %s via %s by smsotpctl", masked,
	    gwname != NULL ? gwname : "route");
	gwo.store = have_store ? &store : NULL;
	/* The administrator's tool: a root caller, like sshd or sudo. */
	gwo.privileged = getuid() == 0 && geteuid() == 0;
	gwo.now = smsotp_now();
	gwo.on_attempt = print_attempt;
	gwo.arg = &rep;
	t0 = smsotp_mono();
	o = smsotp_gw_send_opts(conf, to, text, t0 + conf->send_deadline, &gwo,
	    &used);
	if (o == SMSOTP_GW_SENT) {
		printf("sent via %s in %ld ms\n", conf->gateways[used].name,
		    (long)((smsotp_mono() - t0) * 1000.0 + 0.5));
		rv = SMSOTP_CTL_OK;
	} else {
		printf("NOT sent (%s) after %ld ms%s\n",
		    smsotp_gw_outcome_name(o),
		    (long)((smsotp_mono() - t0) * 1000.0 + 0.5),
		    used < 0 ? ": no gateway tried" : "");
	}
out:
	if (have_store)
		smsotp_store_close(&store);
	return rv;
}
