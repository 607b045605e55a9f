/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backup.c - backup codes: generation, one-KDF-per-try matching, the
 * "b-<hash>" file (format and locked IO) and the try at the code prompt.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/record.h"
#include "base/textfmt.h"
#include "core/backup.h"
#include "core/code.h"
#include "base/log.h"
#include "base/wipe.h"

#define HDR_LINE   "smsotp-backup 1\n"
#define KDF_NAME   "argon2id13"
#define FORM_MAX   20			/* bytes of a typed backup code */

/*
 * Parameters of new sets; a set keeps the ones it was made with, so they can
 * be raised later. OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane):
 * libsodium's INTERACTIVE (64 MiB) took 0.5-1.1 s per try on the shared
 * 2-core build machine, this about 0.2 s (tests/unit/test_backup prints it).
 */
#define NEW_OPSLIMIT 2ULL
#define NEW_MEMLIMIT ((size_t)19 * 1024 * 1024)
_Static_assert(NEW_MEMLIMIT >= crypto_pwhash_MEMLIMIT_MIN &&
    NEW_OPSLIMIT >= crypto_pwhash_OPSLIMIT_MIN, "KDF limits");
/* SECURITY: bounds for a stored set, so a file cannot ask for 4 GiB. */
#define MAX_OPSLIMIT crypto_pwhash_OPSLIMIT_SENSITIVE
#define MAX_MEMLIMIT crypto_pwhash_MEMLIMIT_MODERATE

_Static_assert(SMSOTP_BACKUP_SALT_LEN == crypto_pwhash_SALTBYTES,
    "salt length");
_Static_assert(2 * SMSOTP_BACKUP_DIGITS == FORM_MAX, "typed form bound");

int
smsotp_backup_form(const char *typed, size_t len,
    char out[SMSOTP_BACKUP_DIGITS + 1])
{
	size_t i, n = 0;

	out[0] = '\0';
	if (typed == NULL || len > FORM_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = typed[i];
		if (c >= '0' && c <= '9') {
			if (n == SMSOTP_BACKUP_DIGITS)
				break;
			out[n++] = c;
		} else if (c != '-' && c != ' ') {
			break;
		}
	}
	if (i != len || n != SMSOTP_BACKUP_DIGITS) {
		smsotp_wipe(out, SMSOTP_BACKUP_DIGITS + 1);
		return 0;
	}
	out[n] = '\0';
	return 1;
}

static int
derive(const unsigned char salt[SMSOTP_BACKUP_SALT_LEN],
    unsigned long long ops, size_t mem, const char *digits,
    unsigned char out[SMSOTP_BACKUP_HASH_LEN])
{
	return crypto_pwhash(out, SMSOTP_BACKUP_HASH_LEN, digits,
	    SMSOTP_BACKUP_DIGITS, salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
}

int
smsotp_backup_generate(struct smsotp_backup *b, const char *user,
    char shown[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE])
{
	char digits[SMSOTP_BACKUP_DIGITS + 1];
	size_t ulen = strnlen(user, SMSOTP_USER_MAX);
	int i, rv = -1;

	memset(b, 0, sizeof(*b));
	memcpy(b->user, user, ulen);
	b->opslimit = NEW_OPSLIMIT;
	b->memlimit = NEW_MEMLIMIT;
	randombytes_buf(b->salt, sizeof(b->salt));
	for (i = 0; i < SMSOTP_BACKUP_COUNT; i++) {
		smsotp_code_generate(SMSOTP_BACKUP_DIGITS, digits);
		memcpy(shown[i], digits, 5);
		shown[i][5] = '-';
		memcpy(shown[i] + 6, digits + 5, 5);
		shown[i][11] = '\0';
		if (derive(b->salt, b->opslimit, b->memlimit, digits,
		    b->hash[i]) != 0)
			goto out;
	}
	b->n = SMSOTP_BACKUP_COUNT;
	rv = 0;
out:
	smsotp_wipe(digits, sizeof(digits));
	if (rv != 0) {
		smsotp_wipe(shown, sizeof(shown[0]) * SMSOTP_BACKUP_COUNT);
		smsotp_wipe(b, sizeof(*b));
	}
	return rv;
}

void
smsotp_backup_dummy(const char *typed, size_t len)
{
	static const unsigned char salt[SMSOTP_BACKUP_SALT_LEN];
	char digits[SMSOTP_BACKUP_DIGITS + 1];
	unsigned char h[SMSOTP_BACKUP_HASH_LEN];

	if (!smsotp_backup_form(typed, len, digits))
		return;
	(void)derive(salt, NEW_OPSLIMIT, NEW_MEMLIMIT, digits, h);
	sodium_memzero(h, sizeof(h));
	smsotp_wipe(digits, sizeof(digits));
}

int
smsotp_backup_match(const struct smsotp_backup *b,
    const char digits[SMSOTP_BACKUP_DIGITS + 1])
{
	unsigned char h[SMSOTP_BACKUP_HASH_LEN];
	int i, found = SMSOTP_BACKUP_NO_MATCH;

	if (b->n <= 0)
		return SMSOTP_BACKUP_NO_MATCH;
	if (derive(b->salt, b->opslimit, b->memlimit, digits, h) != 0)
		return SMSOTP_BACKUP_KDF_FAILED;
	/* every stored hash is compared: no early exit on a match */
	for (i = 0; i < b->n && i < SMSOTP_BACKUP_COUNT; i++)
		if (sodium_memcmp(h, b->hash[i], sizeof(h)) == 0 && found < 0)
			found = i;
	sodium_memzero(h, sizeof(h));
	return found;
}

void
smsotp_backup_consume(struct smsotp_backup *b, int idx)
{
	int i;

	if (idx < 0 || idx >= b->n)
		return;
	for (i = idx; i + 1 < b->n; i++)
		memcpy(b->hash[i], b->hash[i + 1], SMSOTP_BACKUP_HASH_LEN);
	b->n--;
	sodium_memzero(b->hash[b->n], SMSOTP_BACKUP_HASH_LEN);
}

int
smsotp_backup_format(const struct smsotp_backup *b, char *buf, size_t cap,
    size_t *len)
{
	struct smsotp_recw w;
	char num[64];
	size_t ulen = strnlen(b->user, SMSOTP_USER_MAX + 1);
	int i;

	*len = 0;
	smsotp_recw_init(&w, buf, cap);
	if (ulen == 0 || ulen > SMSOTP_USER_MAX || b->n < 0 ||
	    b->n > SMSOTP_BACKUP_COUNT || smsotp_fmt(num, sizeof(num),
	    "\nkdf " KDF_NAME " %llu %zu\nsalt ", b->opslimit,
	    b->memlimit) != 0) {
		smsotp_recw_fail(&w);
		return smsotp_record_seal(&w, cap, len);
	}
	smsotp_recw_str(&w, HDR_LINE);
	smsotp_recw_str(&w, "user ");
	smsotp_recw_hex(&w, (const unsigned char *)b->user, ulen);
	smsotp_recw_str(&w, num);
	smsotp_recw_hex(&w, b->salt, sizeof(b->salt));
	smsotp_recw_put(&w, "\n", 1);
	for (i = 0; i < b->n; i++) {
		smsotp_recw_str(&w, "code ");
		smsotp_recw_hex(&w, b->hash[i], SMSOTP_BACKUP_HASH_LEN);
		smsotp_recw_put(&w, "\n", 1);
	}
	return smsotp_record_seal(&w, cap, len);
}

/* The line at *pos (without '\n') when it starts with tag; advances *pos. */
static const char *
take_line(const char *buf, size_t len, size_t *pos, const char *tag,
    size_t *vlen)
{
	size_t tl = strlen(tag);
	const char *nl, *p = buf + *pos;

	if (*pos >= len || len - *pos < tl || memcmp(p, tag, tl) != 0)
		return NULL;
	nl = memchr(p, '\n', len - *pos);
	if (nl == NULL)
		return NULL;
	*vlen = (size_t)(nl - p) - tl;
	*pos += (size_t)(nl - p) + 1;
	return p + tl;
}

/* Canonical unsigned decimal (base/textfmt.h) of at most 19 digits. */
static int
parse_u64(const char *s, size_t n, unsigned long long *out)
{
	uint64_t v;

	*out = 0;
	if (n > 19 || smsotp_parse_u64(s, n, UINT64_MAX, &v) != 0)
		return -1;
	*out = (unsigned long long)v;
	return 0;
}

static int
parse_body(const char *buf, size_t len, struct smsotp_backup *b,
    const char **why)
{
	unsigned long long ops = 0, mem = 0;
	const char *v, *sp;
	size_t pos = 0, n;

	*why = "bad header";
	if (len < strlen(HDR_LINE) || memcmp(buf, HDR_LINE, strlen(HDR_LINE)))
		return -1;
	pos = strlen(HDR_LINE);
	*why = "bad user line";
	v = take_line(buf, len, &pos, "user ", &n);
	if (v == NULL || n == 0 || n % 2 != 0 || n / 2 > SMSOTP_USER_MAX ||
	    smsotp_parse_lhex(v, n, (unsigned char *)b->user, n / 2) != 0 ||
	    memchr(b->user, '\0', n / 2) != NULL)
		return -1;
	b->user[n / 2] = '\0';
	*why = "bad kdf line";
	v = take_line(buf, len, &pos, "kdf " KDF_NAME " ", &n);
	sp = v != NULL ? memchr(v, ' ', n) : NULL;
	if (sp == NULL || parse_u64(v, (size_t)(sp - v), &ops) != 0 ||
	    parse_u64(sp + 1, n - (size_t)(sp - v) - 1, &mem) != 0)
		return -1;
	*why = "kdf parameters out of bounds";
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > MAX_OPSLIMIT ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > MAX_MEMLIMIT)
		return -1;
	b->opslimit = ops;
	b->memlimit = (size_t)mem;
	*why = "bad salt line";
	v = take_line(buf, len, &pos, "salt ", &n);
	if (v == NULL || smsotp_parse_lhex(v, n, b->salt, SMSOTP_BACKUP_SALT_LEN) != 0)
		return -1;
	*why = "bad code line";
	while ((v = take_line(buf, len, &pos, "code ", &n)) != NULL) {
		if (b->n == SMSOTP_BACKUP_COUNT ||
		    smsotp_parse_lhex(v, n, b->hash[b->n], SMSOTP_BACKUP_HASH_LEN) != 0)
			return -1;
		b->n++;
	}
	*why = "unexpected record";
	return pos == len ? 0 : -1;
}

int
smsotp_backup_parse(const char *buf, size_t len, struct smsotp_backup *b,
    const char **why)
{
	char again[SMSOTP_BACKUP_MAX_SIZE];
	size_t body, alen;
	int rv = -1;

	memset(b, 0, sizeof(*b));
	*why = "too large";
	if (len > SMSOTP_BACKUP_MAX_SIZE)
		goto out;
	if (smsotp_record_open(buf, len, &body, why) != 0)
		goto out;
	if (parse_body(buf, body, b, why) != 0)
		goto out;
	/* canonical: formatting what was read gives the same bytes */
	*why = "not in canonical form";
	if (smsotp_backup_format(b, again, sizeof(again), &alen) != 0 ||
	    alen != len || memcmp(again, buf, len) != 0)
		goto out;
	rv = 0;
out:
	if (rv != 0)
		smsotp_wipe(b, sizeof(*b));
	smsotp_wipe(again, sizeof(again));
	return rv;
}

void
smsotp_backup_name(const char *user, char out[SMSOTP_STATE_NAME_SIZE])
{
	smsotp_state_name(user, out);
	out[0] = 'b';
}

int
smsotp_backup_load(struct smsotp_txn *txn, const char *user,
    struct smsotp_backup *b, int *exists, char *why, size_t whysz)
{
	char name[SMSOTP_STATE_NAME_SIZE], buf[SMSOTP_BACKUP_MAX_SIZE + 1];
	const char *perr = "?";
	size_t len = 0;
	int rv;

	memset(b, 0, sizeof(*b));
	*exists = 0;
	if (txn->lock.store == NULL) {
		(void)smsotp_fmt(why, whysz, "backup codes: read without lock");
		return SMSOTP_ST_ERROR;
	}
	smsotp_backup_name(user, name);
	rv = smsotp_store_get(&txn->lock, name, buf, sizeof(buf), &len, exists,
	    why, whysz);
	if (rv != SMSOTP_ST_OK || !*exists)
		goto out;
	if (smsotp_backup_parse(buf, len, b, &perr) != 0) {
		(void)smsotp_fmt(why, whysz, "%s/%s: corrupt: %s",
		    smsotp_store_where(txn->lock.store), name, perr);
		rv = SMSOTP_ST_CORRUPT;
	} else if (strcmp(b->user, user) != 0) {
		(void)smsotp_fmt(why, whysz, "%s/%s: corrupt: belongs to "
		    "another user", smsotp_store_where(txn->lock.store), name);
		rv = SMSOTP_ST_CORRUPT;
	}
out:
	if (rv != SMSOTP_ST_OK)
		smsotp_wipe(b, sizeof(*b));
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_backup_save(struct smsotp_txn *txn, const struct smsotp_backup *b,
    char *why, size_t whysz)
{
	char name[SMSOTP_STATE_NAME_SIZE], chk[SMSOTP_STATE_NAME_SIZE];
	char buf[SMSOTP_BACKUP_MAX_SIZE];
	size_t len;
	int rv = SMSOTP_ST_ERROR;

	if (txn->lock.store == NULL) {
		(void)smsotp_fmt(why, whysz, "backup codes: write without lock");
		goto out;
	}
	smsotp_backup_name(b->user, name);
	smsotp_state_name(b->user, chk);
	/* SECURITY: the lock held must be this user's */
	if (strcmp(chk, txn->name) != 0 ||
	    smsotp_backup_format(b, buf, sizeof(buf), &len) != 0) {
		(void)smsotp_fmt(why, whysz, "backup codes: refusing to write "
		    "an invalid set");
		goto out;
	}
	rv = smsotp_store_put(&txn->lock, name, buf, len, SMSOTP_PUT_DURABLE,
	    why, whysz);
out:
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_backup_try(struct smsotp_txn *txn, const char *user,
    const char *typed, size_t len)
{
	struct smsotp_backup b;
	char digits[SMSOTP_BACKUP_DIGITS + 1], why[320], ulog[80];
	int exists = 0, idx, rv = 0;

	if (!smsotp_backup_form(typed, len, digits))
		return 0;
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	if (smsotp_backup_load(txn, user, &b, &exists, why, sizeof(why)) !=
	    SMSOTP_ST_OK) {
		smsotp_log(LOG_ERR, "user=%s: backup codes unusable: %s", ulog,
		    why);
		goto out;
	}
	if (!exists || b.n == 0) {
		/* SECURITY: the same KDF cost whether a set exists or not */
		smsotp_backup_dummy(typed, len);
		goto out;
	}
	idx = smsotp_backup_match(&b, digits);
	if (idx == SMSOTP_BACKUP_KDF_FAILED)
		smsotp_log(LOG_CRIT, "user=%s: backup code KDF failed (out of "
		    "memory?)", ulog);
	if (idx < 0)
		goto out;
	smsotp_backup_consume(&b, idx);
	if (smsotp_backup_save(txn, &b, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "user=%s: backup code matched but cannot be "
		    "used up: %s: denied", ulog, why);
		rv = -1;
		goto out;
	}
	smsotp_log(LOG_NOTICE, "user=%s: backup code used (%d left)", ulog, b.n);
	rv = 1;
out:
	smsotp_wipe(digits, sizeof(digits));
	smsotp_wipe(&b, sizeof(b));
	return rv;
}
