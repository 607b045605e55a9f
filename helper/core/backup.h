/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backup.h - backup codes (DESIGN.md section 4): 10 single-use codes of 10
 * digits per user, typed at the same prompt as an SMS code.
 *
 * Only slow hashes are stored, in a file of their own in the state
 * directory: "b-" + the same 32 hex digits as the user's state file, read
 * and written only while the user's state lock is held (smsotp_state_begin),
 * with the store's temp + fsync + rename discipline.
 *
 * One KDF run per try, not ten: a set has one random salt, and each code is
 * stored as crypto_pwhash(Argon2id, code digits, salt). A try derives once
 * with that salt and compares the result with every unused hash
 * (sodium_memcmp). SECURITY: only a typed value of backup form (10 digits,
 * '-' and ' ' ignored) runs the KDF, so a normal wrong code costs nothing
 * extra; a used code is deleted from the file.
 *
 * File format (text, LF):
 *   smsotp-backup 1
 *   user <hex of the user name>
 *   kdf argon2id13 <opslimit> <memlimit>
 *   salt <32 hex>
 *   code <64 hex>             0..SMSOTP_BACKUP_COUNT lines, the unused codes
 *   end <hex BLAKE2b-128 of every byte before this line>
 * Anything else is corrupt: then no backup code is accepted.
 */
#ifndef SMSOTP_BACKUP_H
#define SMSOTP_BACKUP_H

#include <stddef.h>

#include "store/state.h"
#include "base/util.h"

#define SMSOTP_BACKUP_COUNT    10
#define SMSOTP_BACKUP_DIGITS   10
#define SMSOTP_BACKUP_HASH_LEN 32
#define SMSOTP_BACKUP_SALT_LEN 16	/* crypto_pwhash_SALTBYTES */
#define SMSOTP_BACKUP_MAX_SIZE 4096
/* "12345-67890" and a NUL: how a code is shown once. */
#define SMSOTP_BACKUP_SHOWN_SIZE (SMSOTP_BACKUP_DIGITS + 2)

struct smsotp_backup {
	char user[SMSOTP_USER_MAX + 1];
	unsigned long long opslimit;
	size_t memlimit;
	unsigned char salt[SMSOTP_BACKUP_SALT_LEN];
	int n;				/* unused codes */
	unsigned char hash[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_HASH_LEN];
};

/*
 * 1 when typed (len bytes) has backup form: at most 20 bytes of digits,
 * '-' and ' ', exactly 10 of them digits; the digits go to out. Else 0.
 */
int smsotp_backup_form(const char *typed, size_t len,
    char out[SMSOTP_BACKUP_DIGITS + 1]);

/*
 * A fresh set for user with the default KDF parameters: shown[i] is code i
 * as "12345-67890". 0, or -1 (KDF failed: out of memory). SECURITY: the
 * caller prints shown once and wipes it.
 */
int smsotp_backup_generate(struct smsotp_backup *b, const char *user,
    char shown[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE]) SMSOTP_WUR;

/*
 * Derive once from digits (smsotp_backup_form output) and compare with
 * every unused hash. The index of the matching code, -1 when none, -2 when
 * the KDF failed.
 */
/*
 * SECURITY: when typed has backup form, spend one KDF run (fixed salt,
 * current parameters) and forget it, so that users without a set, unknown
 * users and decoys take as long as users with one.
 */
void smsotp_backup_dummy(const char *typed, size_t len);

/*
 * The index of the code of b whose hash digits give (every hash compared),
 * SMSOTP_BACKUP_NO_MATCH, or SMSOTP_BACKUP_KDF_FAILED (out of memory).
 */
#define SMSOTP_BACKUP_NO_MATCH   (-1)
#define SMSOTP_BACKUP_KDF_FAILED (-2)
int smsotp_backup_match(const struct smsotp_backup *b,
    const char digits[SMSOTP_BACKUP_DIGITS + 1]) SMSOTP_WUR;

/* Delete code idx from the set (it was used). */
void smsotp_backup_consume(struct smsotp_backup *b, int idx);

/* Pure format functions. format: 0, or -1 when invalid or cap too small. */
int smsotp_backup_format(const struct smsotp_backup *b, char *buf, size_t cap,
    size_t *len) SMSOTP_WUR;
int smsotp_backup_parse(const char *buf, size_t len, struct smsotp_backup *b,
    const char **why) SMSOTP_WUR;

/* File base name for user: "b-<32 hex>". */
void smsotp_backup_name(const char *user, char out[SMSOTP_STATE_NAME_SIZE]);

/*
 * Read user's set; txn must hold user's lock. SMSOTP_ST_OK with *exists 0
 * (no set: b->n == 0) or 1, SMSOTP_ST_CORRUPT (also a set of another user),
 * or SMSOTP_ST_ERROR, with why unless OK.
 */
int smsotp_backup_load(struct smsotp_txn *txn, const char *user,
    struct smsotp_backup *b, int *exists, char *why, size_t whysz)
    SMSOTP_WUR;

/* Write b atomically; txn must hold b->user's lock. 0 or SMSOTP_ST_ERROR. */
int smsotp_backup_save(struct smsotp_txn *txn, const struct smsotp_backup *b,
    char *why, size_t whysz) SMSOTP_WUR;

/*
 * At the code prompt (smsotp_verify, lock held): when typed has backup
 * form and matches one of user's unused codes, delete that code from the
 * file and return 1. 0: not a backup code, no set, no match, or an
 * unreadable/corrupt set (logged). -1: it matched but could not be deleted
 * (logged; SECURITY: then it must not be accepted).
 */
int smsotp_backup_try(struct smsotp_txn *txn, const char *user,
    const char *typed, size_t len) SMSOTP_WUR;

#endif
