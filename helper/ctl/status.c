/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/status.c - smsotpctl status USER and locked: what the state
 * directory holds about a user, and who is locked out (text or --json).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/backup.h"
#include "core/code.h"
#include "conf/conf.h"
#include "ctl/shared.h"
#include "ctl/verbs.h"
#include "base/log.h"
#include "phones/phone.h"
#include "base/wipe.h"

static void
iso_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/* A JSON string; text that is not UTF-8 is sanitized first. */
static json_t *
jstr(const char *s)
{
	char safe[512];
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j == NULL) {
		smsotp_sanitize(safe, sizeof(safe), s, strlen(s));
		j = json_string(safe);
	}
	return j;
}

/* What a decision came to, in the words status prints. */
static const char *const kind_texts[SMSOTP_DK_N] = {
	[SMSOTP_DK_SENT] = "code sent",
	[SMSOTP_DK_AGAIN] = "code already sent for this login, none sent",
	[SMSOTP_DK_RESENT] = "code sent again",
	[SMSOTP_DK_DECOY] = "prompt, no code sent",
	[SMSOTP_DK_SEND_FAILED] = "send failed",
	[SMSOTP_DK_REFUSED] = "refused",
	[SMSOTP_DK_SKIPPED] = "skipped",
	[SMSOTP_DK_ACCEPTED] = "code accepted",
	[SMSOTP_DK_WRONG] = "wrong code",
	[SMSOTP_DK_LOCKED_OUT] = "wrong code, locked out",
	[SMSOTP_DK_EXPIRED] = "code for an expired challenge",
};

/* "kind: why" (or "kind" alone) into buf. */
static void
decision_text(const struct smsotp_decision *d, char *buf, size_t cap)
{
	const char *k = d->kind > 0 && d->kind < SMSOTP_DK_N ?
	    kind_texts[d->kind] : "?";

	if (d->why == SMSOTP_WHY_NONE)
		(void)smsotp_fmt(buf, cap, "%s", k);
	else
		(void)smsotp_fmt(buf, cap, "%s: %s", k,
		    smsotp_why_text(d->why));
}

static void
decisions_text(const struct smsotp_state *st)
{
	char t[32], what[160], where[2 * 80 + 16];
	char svc[80], rh[80];
	int i;

	printf("%-16s %s\n", "last decisions:", st->ndec == 0 ? "none" :
	    "(oldest first)");
	for (i = 0; i < st->ndec; i++) {
		const struct smsotp_decision *d = &st->dec[i];

		iso_time(d->at, t);
		decision_text(d, what, sizeof(what));
		smsotp_sanitize(svc, sizeof(svc), d->service,
		    strlen(d->service));
		smsotp_sanitize(rh, sizeof(rh), d->rhost, strlen(d->rhost));
		(void)smsotp_fmt(where, sizeof(where), "%s%s%s%s",
		    svc[0] != '\0' ? " service=" : "", svc,
		    rh[0] != '\0' ? " rhost=" : "", rh);
		printf("  %s %s%s\n", t, what, where);
	}
}

static json_t *
decisions_json(const struct smsotp_state *st)
{
	json_t *a = json_array(), *o;
	char t[32], what[160];
	int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < st->ndec; i++) {
		const struct smsotp_decision *d = &st->dec[i];

		if ((o = json_object()) == NULL) {
			json_decref(a);
			return NULL;
		}
		iso_time(d->at, t);
		decision_text(d, what, sizeof(what));
		json_object_set_new(o, "time", json_integer(d->at));
		json_object_set_new(o, "time_iso", jstr(t));
		json_object_set_new(o, "decision",
		    jstr(smsotp_decision_token(d->kind)));
		json_object_set_new(o, "reason", d->why == SMSOTP_WHY_NONE ?
		    json_null() : jstr(smsotp_why_token(d->why)));
		json_object_set_new(o, "text", jstr(what));
		json_object_set_new(o, "service", d->service[0] != '\0' ?
		    jstr(d->service) : json_null());
		json_object_set_new(o, "rhost", d->rhost[0] != '\0' ?
		    jstr(d->rhost) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* Grace entries (core/grace.h) that have not expired. */
static int
live_grace(const struct smsotp_state *st, int64_t now)
{
	int i, n = 0;

	for (i = 0; i < st->ngrace; i++)
		n += st->grace[i].expires > now;
	return n;
}

/* What status shows, gathered once for both output forms. */
struct status {
	const char *user;
	int phone_rv;			/* 1 found, 0 none, -1 error */
	char masked[SMSOTP_MASKED_SIZE];
	char phone_why[320];
	int corrupt;
	char state_why[320];
	int live, sends, backup_rv, backup_n;
	char backup_why[320];
};

static void
status_text(const struct status *s, const struct smsotp_state *st,
    const struct smsotp_conf *conf, int64_t now)
{
	char t[32];

	printf("%-16s %s\n", "user:", s->user);
	printf("%-16s %s\n", "phone:", s->phone_rv == 1 ? s->masked :
	    s->phone_rv == 0 ? "none" : s->phone_why);
	if (s->corrupt) {
		printf("%-16s CORRUPT (%s): the user is treated as locked; "
		    "'smsotpctl reset' recovers\n", "state:", s->state_why);
	} else {
		printf("%-16s %s", "live code:", s->live > 0 ? "yes" : "no");
		if (s->live > 0)
			printf(" (%d)", s->live);
		printf("\n%-16s %u of %d\n", "failures:", st->failures,
		    conf->lockout_after);
		if (st->locked_until > now) {
			iso_time(st->locked_until, t);
			printf("%-16s %s (in %lld s)\n", "locked until:", t,
			    (long long)(st->locked_until - now));
		} else {
			printf("%-16s no\n", "locked:");
		}
		printf("%-16s %u\n", "lockouts:", st->lockouts);
		printf("%-16s %d of %d in %d s\n", "sends:", s->sends,
		    conf->sends_per_user, conf->sends_window);
		printf("%-16s %d login%s not asked again for a while\n",
		    "grace:", live_grace(st, now), live_grace(st, now) == 1 ?
		    "" : "s");
	}
	if (s->backup_rv == SMSOTP_ST_OK)
		printf("%-16s %d left\n", "backup codes:", s->backup_n);
	else
		printf("%-16s %s (%s)\n", "backup codes:", s->backup_rv ==
		    SMSOTP_ST_CORRUPT ? "CORRUPT" : "unreadable", s->backup_why);
	if (!s->corrupt)
		decisions_text(st);
}

/*
 * JSON keys (stable): user, phone, phone_error, state ("ok"|"corrupt"),
 * state_error, locked, locked_until, locked_until_iso, failures,
 * lockout_after, lockouts, live_codes, sends, sends_per_user, sends_window,
 * grace_logins, backup_codes_left, backup_codes_error, decisions (oldest
 * first: time,
 * time_iso, decision, reason, text, service, rhost). Unknown values are
 * null.
 */
static int
status_json(const struct status *s, const struct smsotp_state *st,
    const struct smsotp_conf *conf, int64_t now)
{
	char t[32];
	int locked = s->corrupt || st->locked_until > now;
	int ok = !s->corrupt;
	json_t *o = json_object();

	if (o == NULL)
		return smsotp_ctl_json_out(NULL);
	iso_time(st->locked_until, t);
	json_object_set_new(o, "user", jstr(s->user));
	json_object_set_new(o, "phone", s->phone_rv == 1 ? jstr(s->masked) :
	    json_null());
	json_object_set_new(o, "phone_error", s->phone_rv < 0 ?
	    jstr(s->phone_why) : json_null());
	json_object_set_new(o, "state", jstr(ok ? "ok" : "corrupt"));
	json_object_set_new(o, "state_error", ok ? json_null() :
	    jstr(s->state_why));
	json_object_set_new(o, "locked", json_boolean(locked));
	json_object_set_new(o, "locked_until", ok && locked ?
	    json_integer(st->locked_until) : json_null());
	json_object_set_new(o, "locked_until_iso", ok && locked ? jstr(t) :
	    json_null());
	json_object_set_new(o, "failures", ok ? json_integer(st->failures) :
	    json_null());
	json_object_set_new(o, "lockout_after",
	    json_integer(conf->lockout_after));
	json_object_set_new(o, "lockouts", ok ? json_integer(st->lockouts) :
	    json_null());
	json_object_set_new(o, "live_codes", ok ? json_integer(s->live) :
	    json_null());
	json_object_set_new(o, "sends", ok ? json_integer(s->sends) :
	    json_null());
	json_object_set_new(o, "sends_per_user",
	    json_integer(conf->sends_per_user));
	json_object_set_new(o, "sends_window", json_integer(conf->sends_window));
	json_object_set_new(o, "grace_logins", ok ?
	    json_integer(live_grace(st, now)) : json_null());
	json_object_set_new(o, "backup_codes_left", s->backup_rv ==
	    SMSOTP_ST_OK ? json_integer(s->backup_n) : json_null());
	json_object_set_new(o, "backup_codes_error", s->backup_rv ==
	    SMSOTP_ST_OK ? json_null() : jstr(s->backup_why));
	json_object_set_new(o, "decisions", ok ? decisions_json(st) :
	    json_null());
	return smsotp_ctl_json_out(o);
}

int
smsotp_ctl_status(const struct smsotp_ctl_call *call)
{
	const struct smsotp_conf *conf = call->conf;
	const char *user = call->argv[0];
	struct smsotp_store store;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct smsotp_backup b;
	struct status s;
	char phone[SMSOTP_E164_SIZE];
	int64_t now = smsotp_now();
	int i, exists, rv;

	memset(&s, 0, sizeof(s));
	s.user = user;
	s.phone_rv = smsotp_phone_lookup(conf, 0, user, phone, s.phone_why,
	    sizeof(s.phone_why), NULL);
	if (s.phone_rv == 1)
		smsotp_phone_mask(phone, s.masked, sizeof(s.masked));
	if (smsotp_ctl_open_user(user, &store, &txn, &st, &s.corrupt,
	    s.state_why, sizeof(s.state_why)) != 0)
		return SMSOTP_CTL_FAILED;
	for (i = 0; i < st.nchal; i++)
		if (st.chal[i].expires > now)
			s.live++;
	for (i = 0; i < st.nsends; i++)
		if (st.sends[i] > now - conf->sends_window)
			s.sends++;
	s.backup_rv = smsotp_backup_load(&txn, user, &b, &exists, s.backup_why,
	    sizeof(s.backup_why));
	s.backup_n = b.n;
	smsotp_wipe(&b, sizeof(b));
	smsotp_state_end(&txn);
	smsotp_store_close(&store);
	if (call->json) {
		rv = status_json(&s, &st, conf, now);
	} else {
		status_text(&s, &st, conf, now);
		rv = SMSOTP_CTL_OK;
	}
	smsotp_wipe(&st, sizeof(st));
	return rv;
}

struct locked_walk {
	int64_t now;
	int count;
	json_t *arr;		/* NULL in text mode */
	int oom;
};

/*
 * One state file. JSON keys (stable): user (null when corrupt), file,
 * corrupt, locked_until, locked_until_iso, seconds_left, failures, lockouts
 * (null when corrupt).
 */
static int
locked_one(const char *name, const struct smsotp_state *st, void *arg)
{
	struct locked_walk *w = arg;
	char t[32];
	json_t *o;

	if (st != NULL && st->locked_until <= w->now)
		return 0;
	w->count++;
	if (st != NULL)
		iso_time(st->locked_until, t);
	if (w->arr == NULL) {
		if (st == NULL)
			printf("%s\tCORRUPT state: treated as locked until "
			    "'smsotpctl reset USER'\n", name);
		else
			printf("%s\tlocked until %s (in %lld s), lockout %u\n",
			    st->user, t, (long long)(st->locked_until - w->now),
			    st->lockouts);
		return 0;
	}
	o = json_object();
	if (o == NULL || json_array_append_new(w->arr, o) != 0) {
		w->oom = 1;
		return -1;
	}
	json_object_set_new(o, "user", st != NULL ? jstr(st->user) : json_null());
	json_object_set_new(o, "file", jstr(name));
	json_object_set_new(o, "corrupt", json_boolean(st == NULL));
	json_object_set_new(o, "locked_until", st != NULL ?
	    json_integer(st->locked_until) : json_null());
	json_object_set_new(o, "locked_until_iso", st != NULL ? jstr(t) :
	    json_null());
	json_object_set_new(o, "seconds_left", st != NULL ?
	    json_integer(st->locked_until - w->now) : json_null());
	json_object_set_new(o, "failures", st != NULL ?
	    json_integer(st->failures) : json_null());
	json_object_set_new(o, "lockouts", st != NULL ?
	    json_integer(st->lockouts) : json_null());
	return 0;
}

int
smsotp_ctl_locked(const struct smsotp_ctl_call *call)
{
	struct smsotp_store store;
	struct locked_walk w;
	char why[320];
	int rv = 1;

	memset(&w, 0, sizeof(w));
	w.now = smsotp_now();
	if (smsotp_crypto_init() != 0 ||
	    smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, &store, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: state directory: %s\n", why);
		return 1;
	}
	if (call->json && (w.arr = json_array()) == NULL)
		goto out;
	if (smsotp_state_foreach(&store, locked_one, &w) != 0 || w.oom) {
		fprintf(stderr, "smsotpctl: cannot list %s\n", SMSOTP_STATE_DIR);
		goto out;
	}
	if (w.arr != NULL) {
		rv = smsotp_ctl_json_out(w.arr);
		w.arr = NULL;
	} else {
		if (w.count == 0)
			printf("no user is locked\n");
		rv = 0;
	}
out:
	json_decref(w.arr);
	smsotp_store_close(&store);
	return rv;
}
