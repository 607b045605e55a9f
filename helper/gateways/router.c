/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/router.c - prefix routing and the failover loop over a
 * route's gateways: who may use which gateway, the circuit breaker's
 * skips and records, the deadline, the last resort.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "base/log.h"
#include "gateways/breaker.h"
#include "gateways/gateway.h"
#include "phones/e164.h"

#define HEALTH_LOCK_WAIT_MS 500	/* breaker update; bounded, never blocks a login */

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

/* Breaker limits of conf. */
static void
limits_of(const struct smsotp_conf *conf, struct smsotp_health_limits *lim)
{
	lim->failures = conf->health_failures;
	lim->window = conf->health_window;
	lim->cooldown = conf->health_cooldown;
}

/* The breaker's clock: opts->now advanced by the time spent since t0. */
static int64_t
clock_of(const struct smsotp_gw_opts *opts, double t0)
{
	return opts->now + (int64_t)(smsotp_mono() - t0);
}

/* 1 when the breaker records attempts of this caller. */
static int
records(const struct smsotp_gw_opts *opts)
{
	return opts != NULL && opts->store != NULL && opts->privileged;
}

/* 1 for a privileged caller (opts NULL: unprivileged). */
static int
privileged(const struct smsotp_gw_opts *opts)
{
	return opts != NULL && opts->privileged;
}

/*
 * One attempt through gateway idx, logged, reported and, for a privileged
 * caller, recorded: only what says something about the provider (a
 * success or a temporary failure), never a permanent or local failure.
 */
static enum smsotp_gw_outcome
attempt(const struct smsotp_conf *conf, int idx, const char *to,
    const char *masked, const char *text, double deadline,
    const struct smsotp_gw_opts *opts, double start)
{
	const struct smsotp_gateway *gw = &conf->gateways[idx];
	struct smsotp_health_limits lim;
	struct smsotp_gw_result res;
	double t0 = smsotp_mono();
	long ms;

	memset(&res, 0, sizeof(res));
	res.outcome = SMSOTP_GW_LOCALFAIL;
	gw->type->send(gw, to, text, deadline, &res);
	ms = (long)((smsotp_mono() - t0) * 1000.0 + 0.5);
	smsotp_log(res.outcome == SMSOTP_GW_SENT ? LOG_INFO :
	    res.outcome == SMSOTP_GW_LOCALFAIL ? LOG_ERR : LOG_WARNING,
	    "send gateway=%s type=%s to=%s outcome=%s detail=\"%s\" ms=%ld",
	    gw->name, gw->type->name, masked, smsotp_gw_outcome_name(res.outcome),
	    res.detail, ms);
	if (records(opts) && (res.outcome == SMSOTP_GW_SENT ||
	    res.outcome == SMSOTP_GW_TEMPFAIL)) {
		limits_of(conf, &lim);
		(void)smsotp_health_record(opts->store, &lim, gw->name,
		    res.outcome == SMSOTP_GW_SENT, clock_of(opts, start),
		    HEALTH_LOCK_WAIT_MS);
	}
	if (opts != NULL && opts->on_attempt != NULL)
		opts->on_attempt(opts->arg, gw, &res, 0, ms);
	return res.outcome;
}

/* 1 when gateway idx must be skipped now (open breaker), logged, reported. */
static int
skip_open(const struct smsotp_conf *conf, int idx,
    const struct smsotp_gw_opts *opts, double start, int64_t *until)
{
	const struct smsotp_gateway *gw = &conf->gateways[idx];
	struct smsotp_health_limits lim;
	struct smsotp_gw_result res;
	char when[32];
	time_t t;
	struct tm tm;

	if (opts == NULL || opts->store == NULL || opts->only >= 0)
		return 0;
	limits_of(conf, &lim);
	if (smsotp_health_check(opts->store, &lim, gw->name,
	    clock_of(opts, start), until) != SMSOTP_BREAKER_OPEN)
		return 0;
	t = (time_t)*until;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)smsotp_fmt(when, sizeof(when), "%lld", (long long)*until);
	smsotp_log(LOG_NOTICE, "send gateway=%s skipped: circuit open until %s",
	    gw->name, when);
	if (opts->on_attempt != NULL) {
		memset(&res, 0, sizeof(res));
		res.outcome = SMSOTP_GW_TEMPFAIL;
		(void)smsotp_fmt(res.detail, sizeof(res.detail),
		    "circuit open until %s", when);
		opts->on_attempt(opts->arg, gw, &res, 1, 0);
	}
	return 1;
}

/*
 * 1 when gateway idx needs a root caller and this one is not: logged (once
 * per attempt of the route), reported, never counted by the breaker.
 */
static int
skip_root_only(const struct smsotp_conf *conf, int idx,
    const struct smsotp_gw_opts *opts)
{
	const struct smsotp_gateway *gw = &conf->gateways[idx];
	struct smsotp_gw_result res;

	if (!gw->type->root_only || privileged(opts))
		return 0;
	smsotp_log(LOG_INFO, "send gateway=%s skipped: type %s needs a root "
	    "caller", gw->name, gw->type->name);
	if (opts != NULL && opts->on_attempt != NULL) {
		memset(&res, 0, sizeof(res));
		res.outcome = SMSOTP_GW_LOCALFAIL;
		(void)smsotp_fmt(res.detail, sizeof(res.detail),
		    "type %s needs a root caller", gw->type->name);
		opts->on_attempt(opts->arg, gw, &res, 2, 0);
	}
	return 1;
}

/* 1 when less than SMSOTP_GW_MIN_LEFT is left: logged. */
static int
out_of_time(const struct smsotp_conf *conf, int idx, const char *masked,
    double deadline)
{
	if (deadline - smsotp_mono() >= SMSOTP_GW_MIN_LEFT)
		return 0;
	smsotp_log(LOG_ERR, "send deadline reached for %s before gateway %s",
	    masked, conf->gateways[idx].name);
	return 1;
}

enum smsotp_gw_outcome
smsotp_gw_send_opts(const struct smsotp_conf *conf, const char *to,
    const char *text, double deadline, const struct smsotp_gw_opts *opts,
    int *gw_used)
{
	const struct smsotp_route *r = smsotp_gw_route_for(conf, to);
	/* Nothing tried yet: a local failure (DESIGN.md section 5.3). */
	enum smsotp_gw_outcome o = SMSOTP_GW_LOCALFAIL;
	char masked[SMSOTP_MASKED_SIZE];
	double start = smsotp_mono();
	int64_t until, first_until = 0;
	int i, n, idx, tried = 0, last_resort = -1;

	*gw_used = -1;
	smsotp_phone_mask(to, masked, sizeof(masked));
	if (opts != NULL && opts->only >= 0) {
		if (opts->only >= conf->ngateways)
			return SMSOTP_GW_LOCALFAIL;	/* the caller's bug */
		if (skip_root_only(conf, opts->only, opts) ||
		    out_of_time(conf, opts->only, masked, deadline))
			return SMSOTP_GW_LOCALFAIL;
		*gw_used = opts->only;
		return attempt(conf, opts->only, to, masked, text, deadline,
		    opts, start);
	}
	if (r == NULL && conf->nroutes > 0) {
		smsotp_log(LOG_ERR, "no route for %s: not sent", masked);
		return SMSOTP_GW_PERMFAIL;
	}
	n = r != NULL ? r->ngw : conf->ngateways;
	for (i = 0; i < n; i++) {
		idx = r != NULL ? r->gw[i] : i;
		if (skip_root_only(conf, idx, opts))
			continue;
		if (out_of_time(conf, idx, masked, deadline))
			return tried ? o : SMSOTP_GW_LOCALFAIL;
		if (skip_open(conf, idx, opts, start, &until)) {
			if (last_resort < 0 || until < first_until) {
				last_resort = idx;
				first_until = until;
			}
			continue;
		}
		*gw_used = idx;
		tried = 1;
		o = attempt(conf, idx, to, masked, text, deadline, opts, start);
		if (o != SMSOTP_GW_TEMPFAIL)
			return o;
	}
	/* Every other gateway failed or was skipped: the breaker never
	 * turns a route into "send nothing". */
	if (last_resort >= 0 && !out_of_time(conf, last_resort, masked,
	    deadline)) {
		smsotp_log(LOG_NOTICE, "send gateway=%s: no other gateway sent "
		    "to %s, trying it as a last resort",
		    conf->gateways[last_resort].name, masked);
		*gw_used = last_resort;
		tried = 1;
		o = attempt(conf, last_resort, to, masked, text, deadline, opts,
		    start);
	}
	if (!tried)
		smsotp_log(LOG_ERR, "no gateway tried for %s: not sent", masked);
	return tried ? o : SMSOTP_GW_LOCALFAIL;
}

enum smsotp_gw_outcome
smsotp_gw_send(const struct smsotp_conf *conf, const char *to,
    const char *text, double deadline, int *gw_used)
{
	return smsotp_gw_send_opts(conf, to, text, deadline, NULL, gw_used);
}
