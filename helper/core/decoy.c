/*
 * decoy.c - decoy challenges: the answer an unknown, phoneless, locked or
 * rate-limited user gets, indistinguishable from a real one (decoy.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/decoy.h"
#include "base/log.h"
#include "core/limits.h"

#define SPIN_US   500		/* the end of a decoy's wait is spun, not slept */
#define NONCE_LEN 4
#define TIME_LEN  4
#define TAG_LEN   8

/* BLAKE2b keyed with key over label, 0, user, 0, a, b. */
static void
keyed(const unsigned char key[SMSOTP_KEY_LEN], const char *label,
    const char *user, const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, unsigned char *out, size_t outlen)
{
	crypto_generichash_state st;
	static const unsigned char zero = 0;

	crypto_generichash_init(&st, key, SMSOTP_KEY_LEN, outlen);
	crypto_generichash_update(&st, (const unsigned char *)label,
	    strlen(label));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, (const unsigned char *)user,
	    strlen(user));
	crypto_generichash_update(&st, &zero, 1);
	if (alen > 0)
		crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof(st));
}

void
smsotp_decoy_id(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    int64_t now, char out[SMSOTP_CHALLENGE_HEXLEN + 1])
{
	unsigned char raw[NONCE_LEN + TIME_LEN + TAG_LEN], pad[TIME_LEN];
	uint32_t t = now < 0 ? 0 : (uint32_t)now;
	int i;

	randombytes_buf(raw, NONCE_LEN);
	keyed(key, "smsotp-decoy-time", user, raw, NONCE_LEN, NULL, 0, pad,
	    sizeof(pad));
	for (i = 0; i < TIME_LEN; i++)
		raw[NONCE_LEN + i] = (unsigned char)(t >> (8 * (3 - i))) ^ pad[i];
	keyed(key, "smsotp-decoy-tag", user, raw, NONCE_LEN + TIME_LEN, NULL, 0,
	    raw + NONCE_LEN + TIME_LEN, TAG_LEN);
	smsotp_hex(raw, sizeof(raw), out);
}

int
smsotp_decoy_id_check(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const char *id, int64_t *made)
{
	unsigned char raw[NONCE_LEN + TIME_LEN + TAG_LEN], tag[TAG_LEN];
	unsigned char pad[TIME_LEN];
	uint32_t t = 0;
	int i;

	*made = 0;
	if (!smsotp_challenge_ok(id) || smsotp_unhex(id, raw, sizeof(raw)) != 0)
		return 0;
	keyed(key, "smsotp-decoy-tag", user, raw, NONCE_LEN + TIME_LEN, NULL, 0,
	    tag, sizeof(tag));
	if (sodium_memcmp(tag, raw + NONCE_LEN + TIME_LEN, TAG_LEN) != 0)
		return 0;
	keyed(key, "smsotp-decoy-time", user, raw, NONCE_LEN, NULL, 0, pad,
	    sizeof(pad));
	for (i = 0; i < TIME_LEN; i++)
		t = t << 8 | (uint32_t)(raw[NONCE_LEN + i] ^ pad[i]);
	*made = (int64_t)t;
	return 1;
}

void
smsotp_decoy_phone(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    const struct smsotp_conf *conf, char out[SMSOTP_E164_SIZE])
{
	unsigned char h[32];
	const char *cc = "44";
	size_t o = 0, i, total;

	if (conf->default_country[0] != '\0')
		cc = conf->default_country;
	else if (conf->nallowed > 0 && strlen(conf->allowed_countries[0]) <= 3)
		cc = conf->allowed_countries[0];
	keyed(key, "smsotp-decoy-phone", user, NULL, 0, NULL, 0, h, sizeof(h));
	total = strcmp(cc, "1") == 0 ? 11 : 12;
	out[o++] = '+';
	for (i = 0; cc[i] != '\0'; i++)
		out[o++] = cc[i];
	/* national part: never starting with 0 */
	out[o++] = (char)('1' + h[0] % 9);
	for (i = 1; o < total + 1; i++)
		out[o++] = (char)('0' + h[i] % 10);
	out[o] = '\0';
}

void
smsotp_decoy_challenge(const struct smsotp_ctx *ctx, const char *user,
    struct smsotp_challenge *c)
{
	smsotp_decoy_id(ctx->key, user, ctx->now, c->id);
	/* SECURITY: a random hash: no code, typed or guessed, ever matches */
	randombytes_buf(c->hash, sizeof(c->hash));
}

void
smsotp_decoy_slot(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    char out[SMSOTP_STATE_NAME_SIZE])
{
	unsigned char h[1];

	keyed(key, "smsotp-decoy-slot", user, NULL, 0, NULL, 0, h, sizeof(h));
	(void)smsotp_fmt(out, SMSOTP_STATE_NAME_SIZE, "d-%02x", h[0]);
}

void
smsotp_decoy_send(const struct smsotp_ctx *ctx)
{
	struct smsotp_global g;
	struct timespec ts;
	char why[320];
	double left, until;
	long us;

	if (smsotp_limits_peek(ctx->store, ctx->now, &g, why,
	    sizeof(why)) != 1 || g.nus == 0)
		return;
	us = (long)g.us[randombytes_uniform((uint32_t)g.nus)];
	left = ctx->deadline - smsotp_mono();
	if (left <= 0)
		return;
	if (us / 1e6 > left)
		us = (long)(left * 1e6);
	/*
	 * A real send of a few hundred microseconds is over when it is over;
	 * a sleep of as long wakes up late on a busy machine (the scheduler's
	 * latency), which would make a decoy the slower answer. So sleep up
	 * to SPIN_US before the end and spin the rest.
	 */
	until = smsotp_mono() + us / 1e6;
	if (us > SPIN_US) {
		us -= SPIN_US;
		ts.tv_sec = us / 1000000;
		ts.tv_nsec = (us % 1000000) * 1000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	while (smsotp_mono() < until)
		;
}

int
smsotp_decoy_stateless(const struct smsotp_ctx *ctx, const char *user,
    const char *phone, const char *why, struct smsotp_reply *r)
{
	char ulog[80], fake[SMSOTP_E164_SIZE];

	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	smsotp_log(LOG_NOTICE, "user=%s: %s: decoy prompt, no code sent", ulog,
	    why);
	smsotp_decoy_send(ctx);
	memset(r, 0, sizeof(*r));
	r->status = SMSOTP_SENT;
	smsotp_decoy_id(ctx->key, user, ctx->now, r->challenge);
	if (phone == NULL) {
		smsotp_decoy_phone(ctx->key, user, ctx->conf, fake);
		phone = fake;
	}
	smsotp_phone_mask(phone, r->masked, sizeof(r->masked));
	r->ttl = ctx->conf->code_ttl;
	r->resend_after = ctx->conf->resend_cooldown;
	return r->status;
}
