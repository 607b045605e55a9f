/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/decoy.c - what a decoy is made of: its challenge ids, its
 * stand-in number and the slot of an unknown name (decoy.h). Pure
 * functions of the key; the decoy sender (sender_decoy.c) uses them.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "core/decoy.h"

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
smsotp_decoy_slot(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    char out[SMSOTP_STATE_NAME_SIZE])
{
	unsigned char h[1];

	keyed(key, "smsotp-decoy-slot", user, NULL, 0, NULL, 0, h, sizeof(h));
	(void)smsotp_fmt(out, SMSOTP_STATE_NAME_SIZE, "d-%02x", h[0]);
}
