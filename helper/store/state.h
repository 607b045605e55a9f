/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * state.h - the per-user state file (DESIGN.md section 5).
 *
 * One file per user in the state directory, named by a hash of the user
 * name ("u-" + 32 hex digits of BLAKE2b-128(user)), never the raw name.
 * A read-modify-write holds flock(LOCK_EX) on a per-user lock file
 * ("u-<hash>.lock") for its whole duration; the state is written to
 * "u-<hash>.tmp", fsync'ed, renamed over "u-<hash>", and the directory is
 * fsync'ed. Every open is openat(dirfd, ..., O_NOFOLLOW | O_NONBLOCK |
 * O_CLOEXEC) followed by fstat: S_ISREG and st_nlink == 1 required.
 *
 * File format (text, one record per line, LF):
 *   smsotp-state 1
 *   user <percent-encoded user name>
 *   failures <n>              consecutive wrong codes (user-wide)
 *   lockouts <n>              lockouts so far (lockout time doubles)
 *   locked_until <unix time>  0 when not locked
 *   sends <t1> <t2> ...       times of recent sends (may be empty list)
 *   challenge <id> <hash hex> <created> <expires> <last_sent> <attempts>
 *   ... (0..SMSOTP_MAX_CHALLENGES challenge lines)
 *   end <hex BLAKE2b-128 of every byte before this line>
 * Anything else (unknown record, bad number, missing "end", checksum
 * mismatch, trailing bytes, over SMSOTP_STATE_MAX_SIZE) is corrupt.
 * SECURITY: a corrupt file is never read as "no limits": callers treat the
 * user as locked until `smsotpctl reset`.
 */
#ifndef SMSOTP_STATE_H
#define SMSOTP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/code.h"
#include "proto/proto.h"
#include "base/util.h"

#define SMSOTP_MAX_CHALLENGES 8
#define SMSOTP_MAX_SENDS      64
#define SMSOTP_STATE_MAX_SIZE 8192
#define SMSOTP_STATE_NAME_SIZE 48	/* "u-" + 32 hex + ".lock" + NUL fits */

struct smsotp_challenge {
	char id[SMSOTP_CHALLENGE_HEXLEN + 1];
	unsigned char hash[SMSOTP_HASH_LEN];
	int64_t created;
	int64_t expires;
	int64_t last_sent;
	int attempts;		/* wrong codes typed against this challenge */
};

struct smsotp_state {
	char user[SMSOTP_USER_MAX + 1];
	uint32_t failures;
	uint32_t lockouts;
	int64_t locked_until;
	int nsends;
	int64_t sends[SMSOTP_MAX_SENDS];	/* oldest first */
	int nchal;
	struct smsotp_challenge chal[SMSOTP_MAX_CHALLENGES];
};

/* Result codes of the functions below. */
#define SMSOTP_ST_OK       0
#define SMSOTP_ST_ERROR   -1	/* system error (message in why) */
#define SMSOTP_ST_CORRUPT -2	/* file exists but does not parse */
#define SMSOTP_ST_BUSY    -3	/* lock not obtained in time */

/* Pure format functions (fuzzed). */
int smsotp_state_parse(const char *buf, size_t len, struct smsotp_state *st,
    const char **why) SMSOTP_WUR;
/* 0, or -1 when it does not fit cap. */
int smsotp_state_format(const struct smsotp_state *st, char *buf, size_t cap,
    size_t *len) SMSOTP_WUR;
/* Fresh state for user (all zero, user copied). */
void smsotp_state_init(struct smsotp_state *st, const char *user);
/* File base name for user: "u-<32 hex>". */
void smsotp_state_name(const char *user, char out[SMSOTP_STATE_NAME_SIZE]);

struct smsotp_store {
	int dirfd;
	char *path;
};

/*
 * Open the state directory: O_DIRECTORY | O_NOFOLLOW, owned by owner,
 * not writable by others (world-writable = refuse). 0 or SMSOTP_ST_ERROR.
 */
int smsotp_store_open(const char *dir, uid_t owner, struct smsotp_store *store,
    char *why, size_t whysz) SMSOTP_WUR;
void smsotp_store_close(struct smsotp_store *store);

struct smsotp_txn {
	struct smsotp_store *store;
	int lockfd;
	char name[SMSOTP_STATE_NAME_SIZE];
	int exists;		/* a state file was read */
	int slot;		/* a shared slot file (smsotp_state_begin_slot) */
};

/*
 * Lock user's state (waiting at most wait_ms, then SMSOTP_ST_BUSY) and read
 * it into st (a fresh state when there is no file). Returns SMSOTP_ST_OK,
 * SMSOTP_ST_CORRUPT (st is then fresh, but the lock is held so that the
 * caller may still answer LOCKED or reset), SMSOTP_ST_BUSY or
 * SMSOTP_ST_ERROR. On OK and CORRUPT the caller must smsotp_state_end().
 */
int smsotp_state_begin(struct smsotp_store *store, const char *user,
    int wait_ms, struct smsotp_txn *txn, struct smsotp_state *st, char *why,
    size_t whysz) SMSOTP_WUR;

/*
 * smsotp_state_begin for a state kept in the shared slot file slot (a
 * plain base name, e.g. "d-3f") instead of the user's own: an unknown
 * user's decoy state (decoy.h). A slot holding another name's state reads
 * as a fresh state for user (the other is evicted), never as corrupt.
 */
int smsotp_state_begin_slot(struct smsotp_store *store, const char *slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz) SMSOTP_WUR;

/*
 * Write st atomically (tmp, fsync, rename, fsync dir). Signals SIGTERM,
 * SIGHUP, SIGINT are blocked during the write. 0 or SMSOTP_ST_ERROR (the
 * old file then stays in place).
 */
int smsotp_state_commit(struct smsotp_txn *txn, const struct smsotp_state *st,
    char *why, size_t whysz) SMSOTP_WUR;

/*
 * The same discipline for other files of the store (limits.c's "global"
 * file, decoys): name is a plain base name of at most 40 bytes, without
 * '/' ("global"); its lock is "<name>.lock", its temp file "<name>.tmp".
 * smsotp_store_lock: open (creating) and flock the lock file, waiting at
 * most wait_ms; SMSOTP_ST_OK with *lockfd (close it to unlock), _BUSY or
 * _ERROR. smsotp_store_read: the whole file into buf (a file of cap bytes
 * or more is SMSOTP_ST_CORRUPT); SMSOTP_ST_OK with *exists 0 or 1, or
 * _ERROR (refused: symlink, hard link, not regular; unreadable).
 * smsotp_store_write: temp, fsync, rename, fsync of the directory, with
 * SIGTERM, SIGHUP and SIGINT blocked; SMSOTP_ST_OK or _ERROR (the old
 * file then stays). The caller holds the lock around read and write.
 */
int smsotp_store_lock(struct smsotp_store *store, const char *name,
    int wait_ms, int *lockfd, char *why, size_t whysz) SMSOTP_WUR;
int smsotp_store_read(struct smsotp_store *store, const char *name, char *buf,
    size_t cap, size_t *len, int *exists, char *why, size_t whysz) SMSOTP_WUR;
int smsotp_store_write(struct smsotp_store *store, const char *name,
    const char *buf, size_t len, char *why, size_t whysz) SMSOTP_WUR;

/*
 * smsotp_store_put: smsotp_store_write with a choice. SMSOTP_PUT_DURABLE is
 * smsotp_store_write. SMSOTP_PUT_COUNTER writes the temp file and renames
 * it without any fsync: readers still see the old file or the new one,
 * never a mix, and the lock around it is held for microseconds instead of
 * two disk flushes; but a crash may lose the last updates, or (on a
 * filesystem that does not flush a file renamed over another) leave it
 * empty or damaged. For counters whose loss only loosens a cost cap for a
 * while (the global send counts: helper/store/global.c takes a damaged file last
 * written before the current boot as such a loss), never for a user's
 * state: a lost update there would bring back a used code.
 */
#define SMSOTP_PUT_DURABLE 0
#define SMSOTP_PUT_COUNTER 1
int smsotp_store_put(struct smsotp_store *store, const char *name,
    const char *buf, size_t len, int how, char *why, size_t whysz) SMSOTP_WUR;

/* Remove the user's state file (reset). 0 or SMSOTP_ST_ERROR. */
int smsotp_state_remove(struct smsotp_txn *txn, char *why, size_t whysz)
    SMSOTP_WUR;

/* Release the lock (and wipe nothing: st belongs to the caller). */
void smsotp_state_end(struct smsotp_txn *txn);

/*
 * Call fn for every state file of the store (for smsotpctl locked): the
 * file is read without the lock; corrupt ones are passed with st NULL.
 */
int smsotp_state_foreach(struct smsotp_store *store,
    int (*fn)(const char *name, const struct smsotp_state *st, void *arg),
    void *arg);

#endif
