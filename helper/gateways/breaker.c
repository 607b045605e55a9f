/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/breaker.c - the per-gateway circuit breaker: transitions, file format and
 * locked atomic updates in the state directory (see helper/gateways/breaker.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "gateways/breaker.h"
#include "base/log.h"
#include "base/record.h"
#include "base/util.h"

#define HDR_LINE    "smsotp-health 1\n"
#define INT64_DIGITS 19

/* --- pure functions ----------------------------------------------------- */

static int
gw_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void
smsotp_health_init(struct smsotp_health *h, const char *gateway)
{
	memset(h, 0, sizeof(*h));
	(void)smsotp_fmt(h->gateway, sizeof(h->gateway), "%s", gateway);
}

enum smsotp_breaker
smsotp_health_state(const struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int64_t now)
{
	if (lim->failures == 0 || h->open_until == 0)
		return SMSOTP_BREAKER_CLOSED;
	/* The clock went back: never skip a gateway for longer than cooldown. */
	if (h->open_until > now && h->open_until - now <= lim->cooldown)
		return SMSOTP_BREAKER_OPEN;
	return SMSOTP_BREAKER_HALF_OPEN;
}

int
smsotp_health_apply(struct smsotp_health *h,
    const struct smsotp_health_limits *lim, int ok, int64_t now)
{
	enum smsotp_breaker was = smsotp_health_state(h, lim, now);
	int i, j;

	if (lim->failures == 0)
		return 0;
	if (ok) {
		h->open_until = 0;
		h->nfail = 0;
		return was != SMSOTP_BREAKER_CLOSED ? -1 : 0;
	}
	if (was != SMSOTP_BREAKER_CLOSED) {
		/* A failed probe (half-open) or last resort (open): reopen. */
		h->open_until = now + lim->cooldown;
		h->nfail = 0;
		return was == SMSOTP_BREAKER_HALF_OPEN ? 1 : 0;
	}
	/* Forget failures outside the window (and from a clock gone back). */
	for (i = 0, j = 0; i < h->nfail; i++)
		if (h->fail[i] > now - lim->window && h->fail[i] <= now)
			h->fail[j++] = h->fail[i];
	h->nfail = j;
	if (h->nfail == SMSOTP_HEALTH_MAX_FAILURES) {
		memmove(h->fail, h->fail + 1, sizeof(h->fail[0]) * (size_t)(j - 1));
		h->nfail--;
	}
	h->fail[h->nfail++] = now;
	if (h->nfail < lim->failures)
		return 0;
	h->open_until = now + lim->cooldown;
	h->nfail = 0;
	return 1;
}

void
smsotp_health_name(const char *gateway, char out[SMSOTP_HEALTH_NAME_SIZE])
{
	unsigned char hash[16];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)gateway,
	    strlen(gateway), NULL, 0);
	out[0] = 'g';
	out[1] = '-';
	smsotp_hex(hash, sizeof(hash), out + 2);
}

int
smsotp_health_format(const struct smsotp_health *h, char *buf, size_t cap,
    size_t *len)
{
	struct smsotp_recw w;
	int i;

	if (!gw_name_ok(h->gateway, strlen(h->gateway)) || h->open_until < 0 ||
	    h->nfail < 0 || h->nfail > SMSOTP_HEALTH_MAX_FAILURES)
		return -1;
	smsotp_recw_init(&w, buf, cap);
	smsotp_recw_str(&w, HDR_LINE "gateway ");
	smsotp_recw_str(&w, h->gateway);
	smsotp_recw_str(&w, "\nopen_until ");
	smsotp_recw_num(&w, (uint64_t)h->open_until);
	smsotp_recw_str(&w, "\nfailures");
	for (i = 0; i < h->nfail; i++) {
		if (h->fail[i] < 0)
			smsotp_recw_fail(&w);
		else
			smsotp_recw_snum(&w, (uint64_t)h->fail[i]);
	}
	smsotp_recw_str(&w, "\n");
	return smsotp_record_seal(&w, SMSOTP_HEALTH_MAX_SIZE, len);
}

/* Canonical decimal (no sign, no leading zero) of at most 19 digits. */
static int
parse_num(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > INT64_DIGITS || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The line starting at *p, without its '\n'; advances *p past it. */
static int
take_line(const char **p, const char *end, const char **l, size_t *n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return -1;
	*l = *p;
	*n = (size_t)(nl - *p);
	*p = nl + 1;
	return 0;
}

int
smsotp_health_parse(const char *buf, size_t len, struct smsotp_health *h,
    const char **why)
{
	const char *p = buf, *end, *l, *tok, *rwhy;
	size_t n, k, body;
	int64_t v;

	memset(h, 0, sizeof(*h));
	*why = "bad header";
	if (len > SMSOTP_HEALTH_MAX_SIZE || len < sizeof(HDR_LINE) - 1 ||
	    memcmp(buf, HDR_LINE, sizeof(HDR_LINE) - 1) != 0)
		return -1;
	*why = "bad checksum line";
	if (smsotp_record_open(buf, len, &body, &rwhy) != 0)
		return -1;
	end = buf + body;
	p += sizeof(HDR_LINE) - 1;
	*why = "bad gateway line";
	if (take_line(&p, end, &l, &n) != 0 || n < 9 ||
	    memcmp(l, "gateway ", 8) != 0 || !gw_name_ok(l + 8, n - 8))
		return -1;
	memcpy(h->gateway, l + 8, n - 8);
	*why = "bad open_until line";
	if (take_line(&p, end, &l, &n) != 0 || n < 12 ||
	    memcmp(l, "open_until ", 11) != 0 ||
	    parse_num(l + 11, n - 11, &h->open_until) != 0)
		return -1;
	*why = "bad failures line";
	if (take_line(&p, end, &l, &n) != 0 || n < 8 ||
	    memcmp(l, "failures", 8) != 0)
		return -1;
	for (k = 8; k < n;) {
		if (l[k] != ' ' || h->nfail == SMSOTP_HEALTH_MAX_FAILURES)
			return -1;
		tok = l + ++k;
		while (k < n && l[k] != ' ')
			k++;
		if (parse_num(tok, (size_t)(l + k - tok), &v) != 0)
			return -1;
		h->fail[h->nfail++] = v;
	}
	*why = "trailing lines";
	if (p != end)
		return -1;
	*why = NULL;
	return 0;
}

/* --- files -------------------------------------------------------------- */

/*
 * Read gateway's record name: under txn's lock, or without one (txn
 * NULL). 1 read, 0 none, -1 unreadable or corrupt (why filled).
 */
static int
read_health(struct smsotp_store *s, struct smsotp_store_txn *txn,
    const char *name, const char *gateway, struct smsotp_health *h,
    char *why, size_t whysz)
{
	char buf[SMSOTP_HEALTH_MAX_SIZE + 1];
	const char *perr = NULL;
	size_t len = 0;
	int exists = 0, r, rv = -1;

	smsotp_health_init(h, gateway);
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	r = txn != NULL ?
	    smsotp_store_get(txn, name, buf, sizeof(buf), &len, &exists, why,
	    whysz) :
	    smsotp_store_peek(s, name, buf, sizeof(buf), &len, &exists, why,
	    whysz);
	if (r != SMSOTP_ST_OK)
		return -1;
	if (!exists)
		return 0;
	if (smsotp_health_parse(buf, len, h, &perr) != 0)
		smsotp_say(why, whysz, "%s/%s: %s", smsotp_store_where(s), name,
		    perr);
	else if (strcmp(h->gateway, gateway) != 0)
		smsotp_say(why, whysz, "%s/%s: belongs to another gateway",
		    smsotp_store_where(s), name);
	else
		rv = 1;
	if (rv != 1)
		smsotp_health_init(h, gateway);
	return rv;
}

/* Write gateway's record name (durable) under txn's lock. 0 or -1. */
static int
write_health(struct smsotp_store_txn *txn, const char *name,
    const struct smsotp_health *h, char *why, size_t whysz)
{
	char buf[SMSOTP_HEALTH_MAX_SIZE];
	size_t len;

	if (smsotp_health_format(h, buf, sizeof(buf), &len) != 0) {
		smsotp_say(why, whysz, "refusing to write an invalid record");
		return -1;
	}
	return smsotp_store_put(txn, name, buf, len, SMSOTP_PUT_DURABLE, why,
	    whysz) == SMSOTP_ST_OK ? 0 : -1;
}

/* Lock gateway's record: 0 with txn held, or -1 (logged). */
static int
lock_gateway(struct smsotp_store *s, const char *gateway, int wait_ms,
    char name[SMSOTP_HEALTH_NAME_SIZE], struct smsotp_store_txn *txn)
{
	char why[512];
	int r;

	smsotp_health_name(gateway, name);
	r = smsotp_store_begin(s, name, smsotp_mono() +
	    (wait_ms > 0 ? wait_ms : 0) / 1000.0, txn, why, sizeof(why));
	if (r == SMSOTP_ST_OK)
		return 0;
	if (r == SMSOTP_ST_BUSY)
		smsotp_log(LOG_WARNING, "gateway %s: breaker lock not obtained "
		    "in %d ms (%s)", gateway, wait_ms, why);
	else
		smsotp_log(LOG_ERR, "gateway %s: breaker lock: %s", gateway,
		    why);
	return -1;
}

static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)smsotp_fmt(out, 32, "%lld", (long long)t);
}

enum smsotp_breaker
smsotp_health_check(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int64_t now,
    int64_t *until)
{
	struct smsotp_health h;
	char name[SMSOTP_HEALTH_NAME_SIZE], why[512];

	*until = 0;
	if (store == NULL || lim->failures == 0)
		return SMSOTP_BREAKER_CLOSED;
	smsotp_health_name(gateway, name);
	if (read_health(store, NULL, name, gateway, &h, why,
	    sizeof(why)) < 0) {
		smsotp_log(LOG_WARNING, "gateway %s: breaker record corrupt "
		    "(%s): read as closed", gateway, why);
		return SMSOTP_BREAKER_CLOSED;
	}
	*until = h.open_until;
	return smsotp_health_state(&h, lim, now);
}

int
smsotp_health_record(struct smsotp_store *store,
    const struct smsotp_health_limits *lim, const char *gateway, int ok,
    int64_t now, int lock_wait_ms)
{
	struct smsotp_health h;
	struct smsotp_store_txn txn;
	char name[SMSOTP_HEALTH_NAME_SIZE], when[32], why[512];
	enum smsotp_breaker was;
	int r, rv = -1;

	if (store == NULL || lim->failures == 0)
		return 0;
	/* The common case, a success on a clean record, needs no lock. */
	smsotp_health_name(gateway, name);
	r = read_health(store, NULL, name, gateway, &h, why, sizeof(why));
	if (ok && r == 0)
		return 0;
	if (ok && r == 1 && h.open_until == 0 && h.nfail == 0)
		return 0;
	if (lock_gateway(store, gateway, lock_wait_ms, name, &txn) != 0)
		return -1;
	r = read_health(store, &txn, name, gateway, &h, why, sizeof(why));
	if (r < 0)
		smsotp_log(LOG_WARNING, "gateway %s: breaker record corrupt "
		    "(%s): rewritten as closed", gateway, why);
	/* Nothing to write for a success on a clean record. */
	if (ok && h.open_until == 0 && h.nfail == 0 && r >= 0) {
		rv = 0;
		goto out;
	}
	was = smsotp_health_state(&h, lim, now);
	r = smsotp_health_apply(&h, lim, ok, now);
	if (write_health(&txn, name, &h, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "gateway %s: breaker record: cannot "
		    "write: %s", gateway, why);
		goto out;
	}
	utc(h.open_until, when);
	if (r > 0 && was == SMSOTP_BREAKER_HALF_OPEN)
		smsotp_log(LOG_WARNING, "gateway %s: circuit open again until "
		    "%s (probe after the cooldown failed)", gateway, when);
	else if (r > 0)
		smsotp_log(LOG_WARNING, "gateway %s: circuit opened until %s "
		    "(%d temporary failures within %d s)", gateway, when,
		    lim->failures, lim->window);
	else if (r < 0)
		smsotp_log(LOG_NOTICE, "gateway %s: circuit closed (send "
		    "succeeded)", gateway);
	rv = 0;
out:
	smsotp_store_end(&txn);
	return rv;
}

int
smsotp_health_peek(struct smsotp_store *store, const char *gateway,
    struct smsotp_health *h, char *why, size_t whysz)
{
	char name[SMSOTP_HEALTH_NAME_SIZE];

	smsotp_health_name(gateway, name);
	return read_health(store, NULL, name, gateway, h, why, whysz);
}
