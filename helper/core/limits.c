/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/limits.c - global send limits (per minute, per day): the
 * record's format (in the record envelope, base/record.h) and
 * the sliding windows (pure), and the allowed destination countries.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "base/record.h"
#include "base/textfmt.h"
#include "core/limits.h"

#define HDR_LINE   "smsotp-global 1\n"
#define MAX_COUNT  100000000u	/* per bucket; more is corrupt */
#define MAX_US     3600000000u	/* one hour, in microseconds */

void
smsotp_global_init(struct smsotp_global *g)
{
	memset(g, 0, sizeof(*g));
}

/* --- parsing ------------------------------------------------------------- */

/* The next line (without its LF) starting with word and a space. */
static int
line(const char **p, const char *end, const char *word, struct smsotp_cur *c)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t w = strlen(word);

	if (nl == NULL || (size_t)(nl - *p) < w + 1 ||
	    memcmp(*p, word, w) != 0 || (*p)[w] != ' ')
		return -1;
	c->p = *p + w + 1;
	c->e = nl;
	*p = nl + 1;
	return 0;
}

/* "<base> <c0> ... <c(n-1)>": exactly n counts. */
static int
parse_ring(struct smsotp_cur *c, int64_t *base, uint32_t *v, int n)
{
	const char *t;
	size_t len;
	uint64_t x;
	int i;

	if (smsotp_tok_next(c, &t, &len) != 1 || smsotp_parse_u64(t, len, INT64_MAX, &x) != 0)
		return -1;
	*base = (int64_t)x;
	for (i = 0; i < n; i++) {
		if (smsotp_tok_next(c, &t, &len) != 1 || smsotp_parse_u64(t, len, MAX_COUNT, &x) != 0)
			return -1;
		v[i] = (uint32_t)x;
	}
	return smsotp_tok_next(c, &t, &len) == 0 ? 0 : -1;
}

int
smsotp_global_parse(const char *buf, size_t len, struct smsotp_global *g,
    const char **why)
{
	const char *p = buf, *end, *t;
	struct smsotp_cur c;
	size_t n, body;
	uint64_t x;
	int k, rv = -1;

	smsotp_global_init(g);
	*why = "empty, too large, or not text";
	if (len == 0 || len > SMSOTP_GLOBAL_MAX_SIZE ||
	    memchr(buf, '\0', len) != NULL || buf[len - 1] != '\n')
		goto out;
	if (smsotp_record_open(buf, len, &body, why) != 0)
		goto out;
	end = buf + body;
	*why = "bad header (not smsotp-global 1)";
	if ((size_t)(end - p) < strlen(HDR_LINE) ||
	    memcmp(p, HDR_LINE, strlen(HDR_LINE)) != 0)
		goto out;
	p += strlen(HDR_LINE);
	*why = "bad minute record";
	if (line(&p, end, "minute", &c) != 0 ||
	    parse_ring(&c, &g->sec_base, g->sec, SMSOTP_GLOBAL_SECS) != 0)
		goto out;
	*why = "bad day record";
	if (line(&p, end, "day", &c) != 0 ||
	    parse_ring(&c, &g->slot_base, g->slot, SMSOTP_GLOBAL_SLOTS) != 0)
		goto out;
	*why = "bad sendus record";
	if (p < end && memcmp(p, "sendus\n", 7) == 0) {
		p += 7;		/* no durations yet */
	} else {
		if (line(&p, end, "sendus", &c) != 0)
			goto out;
		while ((k = smsotp_tok_next(&c, &t, &n)) == 1) {
			if (g->nus == SMSOTP_GLOBAL_SAMPLES ||
			    smsotp_parse_u64(t, n, MAX_US, &x) != 0)
				goto out;
			g->us[g->nus++] = (uint32_t)x;
		}
		if (k != 0)
			goto out;
	}
	*why = "extra records";
	if (p != end)
		goto out;
	rv = 0;
out:
	if (rv != 0)
		smsotp_global_init(g);
	return rv;
}

/* --- formatting ---------------------------------------------------------- */

static void
put_ring(struct smsotp_recw *w, const char *word, int64_t base,
    const uint32_t *v, int n)
{
	int i;

	if (base < 0)
		smsotp_recw_fail(w);
	smsotp_recw_str(w, word);
	smsotp_recw_snum(w, (uint64_t)base);
	for (i = 0; i < n; i++) {
		if (v[i] > MAX_COUNT)
			smsotp_recw_fail(w);
		smsotp_recw_snum(w, v[i]);
	}
	smsotp_recw_put(w, "\n", 1);
}

int
smsotp_global_format(const struct smsotp_global *g, char *buf, size_t cap,
    size_t *len)
{
	struct smsotp_recw w;
	int i;

	smsotp_recw_init(&w, buf, cap);
	if (g->nus < 0 || g->nus > SMSOTP_GLOBAL_SAMPLES)
		smsotp_recw_fail(&w);
	smsotp_recw_str(&w, HDR_LINE);
	put_ring(&w, "minute", g->sec_base, g->sec, SMSOTP_GLOBAL_SECS);
	put_ring(&w, "day", g->slot_base, g->slot, SMSOTP_GLOBAL_SLOTS);
	smsotp_recw_str(&w, "sendus");
	for (i = 0; i < g->nus && i < SMSOTP_GLOBAL_SAMPLES; i++) {
		if (g->us[i] > MAX_US)
			smsotp_recw_fail(&w);
		smsotp_recw_snum(&w, g->us[i]);
	}
	smsotp_recw_put(&w, "\n", 1);
	return smsotp_record_seal(&w, SMSOTP_GLOBAL_MAX_SIZE, len);
}

/* --- windows ------------------------------------------------------------- */

/* Slide one ring of n buckets so that *base becomes at. */
static void
slide(int64_t *base, uint32_t *v, int n, int64_t at)
{
	int64_t d = at - *base;

	if (d == 0)
		return;
	if (d < 0 && -d < n)
		return;		/* the clock went back a little: keep */
	if (d < 0 || d >= n) {
		memset(v, 0, sizeof(*v) * (size_t)n);
	} else {
		memmove(v + d, v, sizeof(*v) * (size_t)(n - d));
		memset(v, 0, sizeof(*v) * (size_t)d);
	}
	*base = at;
}

void
smsotp_global_advance(struct smsotp_global *g, int64_t now)
{
	if (now < 0)
		now = 0;
	slide(&g->sec_base, g->sec, SMSOTP_GLOBAL_SECS, now);
	slide(&g->slot_base, g->slot, SMSOTP_GLOBAL_SLOTS,
	    now / SMSOTP_GLOBAL_SLOT);
}

static uint32_t
sum(const uint32_t *v, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

uint32_t
smsotp_global_minute(const struct smsotp_global *g)
{
	return sum(g->sec, SMSOTP_GLOBAL_SECS);
}

uint32_t
smsotp_global_day(const struct smsotp_global *g)
{
	return sum(g->slot, SMSOTP_GLOBAL_SLOTS);
}

/*
 * Index of the bucket whose expiry brings the count below limit: the
 * oldest buckets leave first, so walk from the oldest.
 */
static int
freeing_bucket(const uint32_t *v, int n, uint32_t total, uint32_t limit)
{
	uint64_t need = (uint64_t)total - limit + 1, acc = 0;
	int i;

	for (i = n - 1; i > 0; i--) {
		acc += v[i];
		if (acc >= need)
			return i;
	}
	return 0;
}

int
smsotp_global_over(const struct smsotp_global *g, int per_minute,
    int per_day, int64_t now, long *retry_after, const char **which)
{
	uint32_t m = smsotp_global_minute(g), d = smsotp_global_day(g);
	int64_t t;
	int i;

	*retry_after = 0;
	*which = "";
	if (per_minute > 0 && m >= (uint32_t)per_minute) {
		i = freeing_bucket(g->sec, SMSOTP_GLOBAL_SECS, m,
		    (uint32_t)per_minute);
		t = g->sec_base - i + SMSOTP_GLOBAL_SECS;
		*retry_after = (long)(t - now);
		*which = "minute";
	}
	if (per_day > 0 && d >= (uint32_t)per_day) {
		i = freeing_bucket(g->slot, SMSOTP_GLOBAL_SLOTS, d,
		    (uint32_t)per_day);
		t = (g->slot_base - i + SMSOTP_GLOBAL_SLOTS) * SMSOTP_GLOBAL_SLOT;
		if ((long)(t - now) > *retry_after)
			*retry_after = (long)(t - now);
		*which = "day";
	}
	if (**which == '\0')
		return 0;
	if (*retry_after < 1)
		*retry_after = 1;
	return 1;
}

void
smsotp_global_count(struct smsotp_global *g)
{
	if (g->sec[0] < MAX_COUNT)
		g->sec[0]++;
	if (g->slot[0] < MAX_COUNT)
		g->slot[0]++;
}

int
smsotp_global_want_sample(const struct smsotp_global *g)
{
	return g->nus < SMSOTP_GLOBAL_SAMPLES ||
	    randombytes_uniform(SMSOTP_GLOBAL_SAMPLE_EVERY) == 0;
}

void
smsotp_global_note_us(struct smsotp_global *g, long us)
{
	if (us < 0)
		us = 0;
	if (us > (long)MAX_US)
		us = (long)MAX_US;
	if (g->nus == SMSOTP_GLOBAL_SAMPLES) {
		memmove(&g->us[0], &g->us[1], sizeof(g->us[0]) *
		    (SMSOTP_GLOBAL_SAMPLES - 1));
		g->nus--;
	}
	g->us[g->nus++] = (uint32_t)us;
}

int
smsotp_country_allowed(const struct smsotp_conf *conf, const char *e164)
{
	int i;

	if (conf->nallowed == 0)
		return 1;
	if (e164 == NULL || e164[0] != '+')
		return 0;
	for (i = 0; i < conf->nallowed; i++) {
		const char *cc = conf->allowed_countries[i];
		if (strncmp(e164 + 1, cc, strlen(cc)) == 0)
			return 1;
	}
	return 0;
}

/*
 * limits.allowed_countries = [ "44", "1" ] (or integers): calling codes
 * (or longer prefixes) of 1 to SMSOTP_COUNTRY_MAX digits; [] = every one.
 */
int
smsotp_cfg_countries(struct smsotp_cfgctx *ctx, const config_setting_t *g,
    struct smsotp_conf *c)
{
	const config_setting_t *a = config_setting_get_member(g,
	    "allowed_countries");
	char buf[24];
	int i, j, n, bad = 0;

	if (a == NULL)
		return 0;
	n = config_setting_is_aggregate(a) ? config_setting_length(a) : -1;
	if (n < 0 || config_setting_is_group(a) || n > SMSOTP_MAX_COUNTRIES) {
		smsotp_cfg_error(ctx, a, "'limits.allowed_countries' must be a "
		    "list of at most %d calling codes like [ \"44\", \"1\" ]",
		    SMSOTP_MAX_COUNTRIES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *v = NULL;
		size_t k, len;

		if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			v = config_setting_get_string(e);
		} else if ((config_setting_type(e) == CONFIG_TYPE_INT ||
		    config_setting_type(e) == CONFIG_TYPE_INT64) &&
		    smsotp_fmt(buf, sizeof(buf), "%lld",
		    (long long)config_setting_get_int64(e)) == 0) {
			v = buf;
		}
		len = v != NULL ? strlen(v) : 0;
		for (k = 0; k < len && v[k] >= '0' && v[k] <= '9'; k++)
			;
		if (len < 1 || len > SMSOTP_COUNTRY_MAX || k != len ||
		    v[0] == '0') {
			smsotp_cfg_error(ctx, e, "'limits.allowed_countries': "
			    "each entry must be a calling code of 1 to %d digits "
			    "without '+', like \"44\"", SMSOTP_COUNTRY_MAX);
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nallowed; j++)
			if (strcmp(c->allowed_countries[j], v) == 0)
				break;
		if (j < c->nallowed)
			continue;	/* a duplicate is harmless */
		memcpy(c->allowed_countries[c->nallowed++], v, len + 1);
	}
	return bad ? -1 : 0;
}
