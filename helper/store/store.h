/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.h - the store: where the helper keeps what must outlive a request
 * (DESIGN.md section 5). The face every layer above uses; nothing above
 * the store touches its files, descriptors or paths.
 *
 * Records are small byte strings under keys. A key is 1 to
 * SMSOTP_STORE_KEY_MAX characters of [a-z0-9_-] and '.', not starting
 * with '.', never ending in ".lock" or ".tmp" (the backend's own). The
 * codecs that give records their meaning sit above this face: the user
 * state (store/state.h), the global send counts (core/limits.h), the
 * breaker (gateways/breaker.h), the backup set (core/backup.h).
 *
 * Three ways in:
 *  - a transaction: smsotp_store_begin(lock key, deadline) takes the
 *    key's exclusive lock; smsotp_store_get / _put / _remove then work on
 *    the records that lock covers (the caller's convention: a user's lock
 *    "u-<hash>" covers "u-<hash>" and the backup set "b-<hash>"), and
 *    smsotp_store_end releases it. A process that is stopped or killed
 *    while holding it holds nothing for long: a killed one releases it,
 *    and the lock is only ever taken with a deadline (SMSOTP_ST_BUSY).
 *  - a peek: smsotp_store_peek reads one record without any lock (a value
 *    that may be a moment old: status displays, the breaker's check).
 *  - a swap: smsotp_store_swap updates a record with no lock at all
 *    (compare-and-swap, retried until a deadline): for records every
 *    login updates, which no stoppable process may hold up.
 *
 * Lock order: at most one user (or decoy slot) lock, then at most one
 * breaker lock ("h-<gateway>") inside it; never a user lock while a
 * breaker lock is held. Swaps take no lock and may run inside either.
 *
 * Writes are atomic: a reader sees the old record or the new one, never a
 * mix. SMSOTP_PUT_DURABLE survives a crash once put returns;
 * SMSOTP_PUT_COUNTER may be lost by a crash (never for a user's state: a
 * lost update there would bring back a used code).
 *
 * Backends: the state directory (store/dir.c) is the only one today; a
 * fleet backend (Redis, DESIGN.md section 9) fills the same operations.
 */
#ifndef SMSOTP_STORE_H
#define SMSOTP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/util.h"

#define SMSOTP_STORE_KEY_MAX 40

/* The store layer's results. */
enum smsotp_store_result {
	SMSOTP_ST_OK = 0,
	SMSOTP_ST_ERROR = -1,	/* system error or refused (why says which) */
	SMSOTP_ST_CORRUPT = -2,	/* the record exists but does not parse */
	SMSOTP_ST_BUSY = -3	/* lock not obtained, or swap not won, in time */
};

enum smsotp_store_put {
	SMSOTP_PUT_DURABLE = 0,
	SMSOTP_PUT_COUNTER = 1
};

struct smsotp_store;

/* A held lock: from smsotp_store_begin to smsotp_store_end. */
struct smsotp_store_txn {
	struct smsotp_store *store;	/* NULL: none held */
	char key[SMSOTP_STORE_KEY_MAX + 1];
	int handle;			/* the backend's (-1: none) */
};

/* What a swap's update function is given: the newest version. */
struct smsotp_swap_cur {
	int exists;		/* 0: no version yet (buf empty) */
	uint64_t seq;		/* its sequence number (0 when none) */
	time_t mtime;		/* when it was written */
};

/* Returned by the update function. */
#define SMSOTP_SWAP_WRITE 0	/* write buf[0..*len) as the next version */
#define SMSOTP_SWAP_DONE  1	/* nothing to write: the update is complete */
#define SMSOTP_SWAP_FAIL  2	/* give up: smsotp_store_swap returns ERROR */

/*
 * The update: buf holds the newest version (len bytes, NUL-terminated,
 * cap bytes of room). Change buf and *len in place and return one of the
 * above. It may be called more than once (after a lost race): it must
 * start from what it is given each time.
 */
typedef int (*smsotp_swap_fn)(char *buf, size_t cap, size_t *len,
    const struct smsotp_swap_cur *cur, void *arg);

/* Called by smsotp_store_foreach; non-zero stops the walk (returned). */
typedef int (*smsotp_store_each_fn)(const char *key, void *arg);

/* A backend. Keys reach it already checked. */
struct smsotp_store_ops {
	const char *name;
	int (*begin)(struct smsotp_store *, const char *key, double deadline,
	    struct smsotp_store_txn *, char *why, size_t whysz);
	int (*get)(struct smsotp_store *, const char *key, char *buf,
	    size_t cap, size_t *len, int *exists, char *why, size_t whysz);
	int (*put)(struct smsotp_store *, const char *key, const char *buf,
	    size_t len, enum smsotp_store_put how, char *why, size_t whysz);
	int (*remove)(struct smsotp_store *, const char *key, char *why,
	    size_t whysz);
	void (*end)(struct smsotp_store_txn *);
	int (*foreach)(struct smsotp_store *, const char *prefix,
	    smsotp_store_each_fn fn, void *arg);
	int (*swap)(struct smsotp_store *, const char *key, size_t cap,
	    smsotp_swap_fn fn, void *arg, double deadline, char *why,
	    size_t whysz);
	int (*swap_read)(struct smsotp_store *, const char *key, char *buf,
	    size_t cap, size_t *len, struct smsotp_swap_cur *cur, char *why,
	    size_t whysz);
	void (*close)(struct smsotp_store *);
};

struct smsotp_store {
	const struct smsotp_store_ops *ops;	/* NULL: no store */
	const char *where;	/* for messages: the directory, the URL */
	void *be;		/* the backend's own */
};

/* A store that is not open (every operation fails; close is a no-op). */
#define SMSOTP_STORE_NONE { NULL, NULL, NULL }

/*
 * The state directory as the store: O_DIRECTORY | O_NOFOLLOW, owned by
 * owner, not world-writable. SMSOTP_ST_OK, or SMSOTP_ST_ERROR (why; store
 * is then SMSOTP_STORE_NONE).
 */
int smsotp_store_open_dir(const char *dir, uid_t owner,
    struct smsotp_store *store, char *why, size_t whysz) SMSOTP_WUR;

/* Release everything; store becomes SMSOTP_STORE_NONE. NULL is fine. */
void smsotp_store_close(struct smsotp_store *store);

/* 1 when key is a valid key (see above), else 0. */
int smsotp_store_key_ok(const char *key);

/*
 * Take key's lock, waiting until deadline (smsotp_mono() seconds).
 * SMSOTP_ST_OK (end it with smsotp_store_end), _BUSY or _ERROR (no lock
 * then, txn->store NULL).
 */
int smsotp_store_begin(struct smsotp_store *store, const char *key,
    double deadline, struct smsotp_store_txn *txn, char *why, size_t whysz)
    SMSOTP_WUR;

/*
 * Read record key whole into buf (cap bytes; a record of cap bytes or more
 * is SMSOTP_ST_CORRUPT). SMSOTP_ST_OK with *exists 0 (no record) or 1, or
 * SMSOTP_ST_ERROR. A lock must be held (txn).
 */
int smsotp_store_get(struct smsotp_store_txn *txn, const char *key,
    char *buf, size_t cap, size_t *len, int *exists, char *why, size_t whysz)
    SMSOTP_WUR;

/* Replace record key with buf (atomic; how: see above). OK or _ERROR. */
int smsotp_store_put(struct smsotp_store_txn *txn, const char *key,
    const char *buf, size_t len, enum smsotp_store_put how, char *why,
    size_t whysz) SMSOTP_WUR;

/* Remove record key (no record is no error). OK or _ERROR. */
int smsotp_store_remove(struct smsotp_store_txn *txn, const char *key,
    char *why, size_t whysz) SMSOTP_WUR;

/* Release the lock. A txn that holds none (or NULL) is fine. */
void smsotp_store_end(struct smsotp_store_txn *txn);

/* smsotp_store_get without a lock: a value that may be a moment old. */
int smsotp_store_peek(struct smsotp_store *store, const char *key,
    char *buf, size_t cap, size_t *len, int *exists, char *why, size_t whysz)
    SMSOTP_WUR;

/*
 * Call fn for every record whose key starts with prefix (in no order;
 * records added or removed meanwhile may or may not be seen). 0, fn's
 * non-zero result, or SMSOTP_ST_ERROR.
 */
int smsotp_store_foreach(struct smsotp_store *store, const char *prefix,
    smsotp_store_each_fn fn, void *arg);

/*
 * Update record key (at most 32 characters) with fn, retrying lost races
 * until deadline. cap bounds a version's size (a larger one is passed cut
 * to cap - 1 bytes, for fn to find damaged). SMSOTP_ST_OK (written or
 * DONE), _BUSY (deadline reached while losing races), _ERROR (why:
 * refused, unwritable, FAIL). Versions are written like
 * SMSOTP_PUT_COUNTER: the caller decides what a damaged one means.
 */
int smsotp_store_swap(struct smsotp_store *store, const char *key,
    size_t cap, smsotp_swap_fn fn, void *arg, double deadline, char *why,
    size_t whysz) SMSOTP_WUR;

/* The newest version of a swapped record. OK (cur->exists 0: none), ERROR. */
int smsotp_store_swap_read(struct smsotp_store *store, const char *key,
    char *buf, size_t cap, size_t *len, struct smsotp_swap_cur *cur,
    char *why, size_t whysz) SMSOTP_WUR;

/* For messages: where the store is ("?" when not open). */
const char *smsotp_store_where(const struct smsotp_store *store);

#endif
