/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * code.h - one-time codes, challenge ids and their keyed hashes (libsodium).
 *
 * A code is stored only as HMAC-SHA-256(key, challenge_id || ":" || code);
 * checked with sodium_memcmp. SECURITY: callers wipe plain codes with
 * sodium_memzero as soon as they are sent or checked.
 */
#ifndef SMSOTP_CODE_H
#define SMSOTP_CODE_H

#include <stddef.h>
#include <sys/types.h>

#include "proto/proto.h"
#include "base/util.h"

#define SMSOTP_KEY_LEN   32
#define SMSOTP_HASH_LEN  32
#define SMSOTP_BIND_LEN  16
#define SMSOTP_CODE_MIN  4
#define SMSOTP_CODE_MAX  10

/* sodium_init(); -1 when libsodium cannot start. */
int smsotp_crypto_init(void) SMSOTP_WUR;

/*
 * Load the HMAC key: exactly SMSOTP_KEY_LEN raw bytes, owned by owner,
 * mode without any "others" bits and not group-writable, regular file, no
 * symlink. 0, or -1 with why.
 */
int smsotp_key_load(const char *path, uid_t owner,
    unsigned char key[SMSOTP_KEY_LEN], char *why, size_t whysz) SMSOTP_WUR;

/* length (SMSOTP_CODE_MIN..MAX) uniform random digits, NUL-terminated. */
void smsotp_code_generate(int length, char *out);

/* A fresh challenge id: 16 random bytes as 32 lower-case hex digits. */
void smsotp_challenge_new(char out[SMSOTP_CHALLENGE_HEXLEN + 1]);

/* 1 when s is a well-formed challenge id (32 lower-case hex digits). */
int smsotp_challenge_ok(const char *s);

void smsotp_code_hash(const unsigned char key[SMSOTP_KEY_LEN],
    const char *challenge, const char *code, size_t codelen,
    unsigned char out[SMSOTP_HASH_LEN]);

/*
 * What ties a challenge to the PAM handle that began it: BLAKE2b-128 keyed
 * with key over user, handle (begin's handle=, the module's name for its
 * handle), service, rhost and tty, each NULL as "". A later begin with the
 * same binding is given the same live challenge (engine.h).
 */
void smsotp_handle_bind(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const char *handle, const char *service,
    const char *rhost, const char *tty, unsigned char out[SMSOTP_BIND_LEN]);

/*
 * 1 when typed (typedlen bytes, may be anything) is the code whose hash is
 * stored for challenge, 0 otherwise. A typed value that is not exactly
 * length ASCII digits never matches, but is hashed anyway so that the
 * answer takes the same time.
 */
int smsotp_code_check(const unsigned char key[SMSOTP_KEY_LEN],
    const char *challenge, const char *typed, size_t typedlen, int length,
    const unsigned char stored[SMSOTP_HASH_LEN]);

/*
 * Keep a secret (the key, a code) out of swap and core dumps while it is
 * held: sodium_mlock where RLIMIT_MEMLOCK allows, silently nothing where
 * it does not (never a failure). smsotp_secret_unlock wipes it first.
 */
void smsotp_secret_lock(void *p, size_t n);
void smsotp_secret_unlock(void *p, size_t n);
/*
 * Unlock a large buffer whose used part the caller has wiped already (the
 * request buffer: 64 KiB of which a request uses a few hundred bytes), so
 * that all of it is not cleared a second time.
 */
void smsotp_secret_unlock_wiped(void *p, size_t n);

#endif
