/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * code.c - one-time codes, challenge ids and their HMAC-SHA-256 hashes;
 * the keyed hash that binds a challenge to a PAM handle.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "core/code.h"
#include "base/secfile.h"
#include "store/state.h"

/* The state keeps the hashes this file makes. */
_Static_assert(SMSOTP_HASH_LEN == SMSOTP_STATE_HASH_LEN,
    "a code's hash and the state's room for it differ");

_Static_assert(SMSOTP_BIND_LEN == SMSOTP_STATE_BIND_LEN,
    "a handle's binding and the state's room for it differ");

_Static_assert(SMSOTP_KEY_LEN == 32, "key length messages say 32 bytes");

int
smsotp_crypto_init(void)
{
	return sodium_init() >= 0 ? 0 : -1;
}

/* why = "PATH: what", or "what" alone when that does not fit. */
static void
set_why(char *why, size_t whysz, const char *path, const char *what)
{
	if (why == NULL || whysz == 0)
		return;
	if (smsotp_fmt(why, whysz, "%s: %s", path, what) != 0 &&
	    smsotp_fmt(why, whysz, "%s", what) != 0)
		why[0] = '\0';
}

/*
 * SECURITY: the key is raw random bytes, so it may hold NUL bytes (one key
 * in eight does), which smsotp_secfile_read() refuses: open and check the
 * file the same way (O_NOFOLLOW, fstat checks via smsotp_secfile_check_fd)
 * and read at most one byte more than the key.
 */
int
smsotp_key_load(const char *path, uid_t owner,
    unsigned char key[SMSOTP_KEY_LEN], char *why, size_t whysz)
{
	unsigned char buf[SMSOTP_KEY_LEN + 1];
	size_t used = 0;
	ssize_t n;
	int fd, rv = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		set_why(why, whysz, path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (smsotp_secfile_check_fd(fd, path, owner, SMSOTP_SF_SECRET, why,
	    whysz) != 0)
		goto out;
	while (used < sizeof(buf)) {
		n = read(fd, buf + used, sizeof(buf) - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_why(why, whysz, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used != SMSOTP_KEY_LEN) {
		set_why(why, whysz, path, used < SMSOTP_KEY_LEN ?
		    "too short: must be 32 bytes" :
		    "too long: must be 32 bytes");
		goto out;
	}
	memcpy(key, buf, SMSOTP_KEY_LEN);
	rv = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return rv;
}

void
smsotp_code_generate(int length, char *out)
{
	int i;

	if (length < SMSOTP_CODE_MIN || length > SMSOTP_CODE_MAX) {
		out[0] = '\0';	/* caller bug: never hand out a short code */
		return;
	}
	for (i = 0; i < length; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[length] = '\0';
}

void
smsotp_challenge_new(char out[SMSOTP_CHALLENGE_HEXLEN + 1])
{
	unsigned char raw[SMSOTP_CHALLENGE_HEXLEN / 2];

	randombytes_buf(raw, sizeof(raw));
	smsotp_hex(raw, sizeof(raw), out);
	sodium_memzero(raw, sizeof(raw));
}

int
smsotp_challenge_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < SMSOTP_CHALLENGE_HEXLEN; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return s[i] == '\0';
}

void
smsotp_code_hash(const unsigned char key[SMSOTP_KEY_LEN],
    const char *challenge, const char *code, size_t codelen,
    unsigned char out[SMSOTP_HASH_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, SMSOTP_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)challenge,
	    strlen(challenge));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)code,
	    codelen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
smsotp_handle_bind(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    const char *handle, const char *service, const char *rhost,
    const char *tty, unsigned char out[SMSOTP_BIND_LEN])
{
	static const char label[] = "smsotp-handle";
	const char *part[5] = { user, handle, service, rhost, tty };
	crypto_generichash_state st;
	int i;

	/* Each part with its NUL: no two lists of parts hash alike. */
	crypto_generichash_init(&st, key, SMSOTP_KEY_LEN, SMSOTP_BIND_LEN);
	crypto_generichash_update(&st, (const unsigned char *)label,
	    sizeof(label));
	for (i = 0; i < 5; i++) {
		const char *p = part[i] != NULL ? part[i] : "";

		crypto_generichash_update(&st, (const unsigned char *)p,
		    strlen(p) + 1);
	}
	crypto_generichash_final(&st, out, SMSOTP_BIND_LEN);
	sodium_memzero(&st, sizeof(st));
}

/*
 * SECURITY: the same work whatever was typed: a malformed answer is
 * replaced by a dummy of the right length and hashed all the same, and the
 * digests are compared with sodium_memcmp.
 */
int
smsotp_code_check(const unsigned char key[SMSOTP_KEY_LEN],
    const char *challenge, const char *typed, size_t typedlen, int length,
    const unsigned char stored[SMSOTP_HASH_LEN])
{
	static const char dummy[SMSOTP_CODE_MAX + 1] = "0000000000";
	unsigned char h[SMSOTP_HASH_LEN];
	size_t len, i;
	unsigned int bad = 0;
	int format_ok, match;

	if (length < SMSOTP_CODE_MIN || length > SMSOTP_CODE_MAX) {
		bad = 1;
		len = SMSOTP_CODE_MAX;
	} else {
		len = (size_t)length;
	}
	if (typed == NULL || typedlen != len)
		bad = 1;
	for (i = 0; typed != NULL && i < len && i < typedlen; i++) {
		unsigned int d = (unsigned int)(unsigned char)typed[i] - '0';
		bad |= (unsigned int)(d > 9);
	}
	format_ok = bad == 0;
	smsotp_code_hash(key, challenge != NULL ? challenge : "",
	    format_ok ? typed : dummy, len, h);
	match = sodium_memcmp(h, stored, SMSOTP_HASH_LEN) == 0;
	sodium_memzero(h, sizeof(h));
	return match && format_ok;
}

void
smsotp_secret_lock(void *p, size_t n)
{
	(void)sodium_mlock(p, n);
}

void
smsotp_secret_unlock(void *p, size_t n)
{
	/* wipes, then unlocks; on memory it could not lock, wipes all the same */
	if (sodium_munlock(p, n) != 0)
		sodium_memzero(p, n);
}

void
smsotp_secret_unlock_wiped(void *p, size_t n)
{
	(void)munlock(p, n);
}
