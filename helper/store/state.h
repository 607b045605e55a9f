/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * state.h - the per-user state (DESIGN.md section 5): its record format
 * and its read-modify-write through the store (store/store.h).
 *
 * One record per user, keyed by a hash of the user name ("u-" + 32 hex
 * digits of BLAKE2b-128(user)), never the raw name. A read-modify-write
 * holds the record's lock for its whole duration and writes it durably.
 *
 * File format (text, one record per line, LF):
 *   smsotp-state 1
 *   user <percent-encoded user name>
 *   failures <n>              consecutive wrong codes (user-wide)
 *   lockouts <n>              lockouts so far (lockout time doubles)
 *   locked_until <unix time>  0 when not locked
 *   sends <t1> <t2> ...       times of recent sends (may be empty list)
 *   challenge <id> <hash hex> <created> <expires> <last_sent> <attempts> [<bind hex>]
 *   ... (0..SMSOTP_MAX_CHALLENGES challenge lines; bind: when the begin
 *   that made it named its PAM handle, core/code.h smsotp_handle_bind)
 *   decision <time> <kind> <why> [service=<enc>] [rhost=<enc>]
 *   ... (0..SMSOTP_MAX_DECISIONS, oldest first: what the last requests
 *   came to and why, for smsotpctl status; kind and why are tokens of
 *   the tables below, service and rhost percent-encoded as the user name)
 *   grace <login hex> <granted> <expires> <boot hex> <phone hex>
 *   ... (0..SMSOTP_MAX_GRACE: logins not asked again until expires,
 *   core/grace.h; login, boot and phone are keyed hashes)
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

#include "base/util.h"
#include "proto/proto.h"
#include "store/store.h"

#define SMSOTP_MAX_CHALLENGES 8
#define SMSOTP_MAX_SENDS      64
#define SMSOTP_STATE_MAX_SIZE 8192
#define SMSOTP_STATE_NAME_SIZE 48	/* "u-" + 32 hex + NUL fits */
#define SMSOTP_STATE_HASH_LEN 32	/* a code's keyed hash (core/code.h) */
#define SMSOTP_STATE_BIND_LEN 16	/* a handle's keyed hash (core/code.h) */
#define SMSOTP_MAX_GRACE 4
#define SMSOTP_GRACE_HASH_LEN 16	/* core/grace.h's keyed hashes */

/* A login that is not asked again until expires (core/grace.h). */
struct smsotp_grace {
	unsigned char login[SMSOTP_GRACE_HASH_LEN];	/* service, rhost, tty */
	int64_t granted;
	int64_t expires;
	unsigned char boot[SMSOTP_GRACE_HASH_LEN];	/* the boot it began in */
	unsigned char phone[SMSOTP_GRACE_HASH_LEN];	/* the number it was for */
};

struct smsotp_challenge {
	char id[SMSOTP_CHALLENGE_HEXLEN + 1];
	unsigned char hash[SMSOTP_STATE_HASH_LEN];
	int64_t created;
	int64_t expires;
	int64_t last_sent;
	int attempts;		/* wrong codes typed against this challenge */
	int bound;		/* made for a named PAM handle: bind holds it */
	unsigned char bind[SMSOTP_STATE_BIND_LEN];
};

/*
 * What a request came to (a decision's kind), and why. The tokens are the
 * state format's (store/decision.c): add at the end, never renumber.
 */
enum smsotp_decision_kind {
	SMSOTP_DK_SENT = 1,	/* begin: a code was sent */
	SMSOTP_DK_AGAIN,	/* begin: this login's code was sent already */
	SMSOTP_DK_RESENT,	/* resend: a new code for the same challenge */
	SMSOTP_DK_DECOY,	/* a prompt, no code sent (why) */
	SMSOTP_DK_SEND_FAILED,	/* a send that failed (why) */
	SMSOTP_DK_REFUSED,	/* refused, and the caller told (why) */
	SMSOTP_DK_SKIPPED,	/* no second factor asked (why: the rule) */
	SMSOTP_DK_ACCEPTED,	/* the right code */
	SMSOTP_DK_WRONG,	/* a wrong code */
	SMSOTP_DK_LOCKED_OUT,	/* a wrong code that began a lockout */
	SMSOTP_DK_EXPIRED,	/* a code for an expired challenge */
	SMSOTP_DK_N
};

enum smsotp_why {
	SMSOTP_WHY_NONE = 0,
	SMSOTP_WHY_UNKNOWN_USER,	/* the name is unknown to NSS */
	SMSOTP_WHY_NO_PHONE,		/* the user has no number */
	SMSOTP_WHY_COUNTRY,		/* outside limits.allowed_countries */
	SMSOTP_WHY_LOCKED,		/* locked out */
	SMSOTP_WHY_SEND_LIMIT,		/* limits.sends_per_user */
	SMSOTP_WHY_GLOBAL_CAP,		/* the global send caps */
	SMSOTP_WHY_CORRUPT,		/* a corrupt state (never stored) */
	SMSOTP_WHY_DECOY_CHALLENGE,	/* a code or resend for a decoy */
	SMSOTP_WHY_GATEWAY_DOWN,	/* every gateway failed */
	SMSOTP_WHY_ERROR,		/* a local fault or a refusal */
	SMSOTP_WHY_NULLOK,		/* no number, and the module's nullok */
	SMSOTP_WHY_SERVICE,		/* policy.services.NAME.skip */
	SMSOTP_WHY_ONLY_GROUPS,		/* not in policy.only_groups */
	SMSOTP_WHY_EXEMPT_GROUP,	/* in policy.exempt_groups */
	SMSOTP_WHY_EXEMPT_NETWORK,	/* from policy.exempt_networks */
	SMSOTP_WHY_GRACE,		/* within policy.grace_period */
	SMSOTP_WHY_N
};

#define SMSOTP_MAX_DECISIONS 8
#define SMSOTP_DECISION_SERVICE_MAX 32	/* longer ones are cut */
#define SMSOTP_DECISION_RHOST_MAX 64

struct smsotp_decision {
	int64_t at;
	int kind;		/* enum smsotp_decision_kind */
	int why;		/* enum smsotp_why */
	char service[SMSOTP_DECISION_SERVICE_MAX + 1];	/* "" none */
	char rhost[SMSOTP_DECISION_RHOST_MAX + 1];	/* "" none */
};

/* The format's token, or NULL when k is out of range. */
const char *smsotp_decision_token(int kind);
const char *smsotp_why_token(int why);
/* The words for logs and smsotpctl status ("send limit reached"). */
const char *smsotp_why_text(int why);
/* The kind or why for a token of n bytes, or -1. */
int smsotp_decision_lookup(const char *t, size_t n);
int smsotp_why_lookup(const char *t, size_t n);

struct smsotp_state {
	char user[SMSOTP_USER_MAX + 1];
	uint32_t failures;
	uint32_t lockouts;
	int64_t locked_until;
	int nsends;
	int64_t sends[SMSOTP_MAX_SENDS];	/* oldest first */
	int nchal;
	struct smsotp_challenge chal[SMSOTP_MAX_CHALLENGES];
	int ndec;
	struct smsotp_decision dec[SMSOTP_MAX_DECISIONS];	/* oldest first */
	int ngrace;
	struct smsotp_grace grace[SMSOTP_MAX_GRACE];
};

/*
 * Note a decision at time at in st (the oldest one goes when the list is
 * full). service and rhost may be NULL; they are cut to their maximum.
 */
void smsotp_state_note(struct smsotp_state *st, int64_t at, int kind, int why,
    const char *service, const char *rhost);

/* Results: store.h's enum smsotp_store_result. */

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

/*
 * A user's state under its lock (store/store.h): the lock key is the
 * state's name, and the lock covers the user's other records too (the
 * backup set, core/backup.h).
 */
struct smsotp_txn {
	struct smsotp_store_txn lock;	/* lock.store NULL: none held */
	char name[SMSOTP_STATE_NAME_SIZE];
	int exists;		/* a state was read */
	int slot;		/* a shared slot (smsotp_state_begin_slot) */
};

/*
 * Lock user's state (waiting at most wait_ms, then SMSOTP_ST_BUSY) and read
 * it into st (a fresh state when there is none). Returns SMSOTP_ST_OK,
 * SMSOTP_ST_CORRUPT (st is then fresh, but the lock is held so that the
 * caller may still answer LOCKED or reset), SMSOTP_ST_BUSY or
 * SMSOTP_ST_ERROR. On OK and CORRUPT the caller must smsotp_state_end().
 */
int smsotp_state_begin(struct smsotp_store *store, const char *user,
    int wait_ms, struct smsotp_txn *txn, struct smsotp_state *st, char *why,
    size_t whysz) SMSOTP_WUR;

/*
 * smsotp_state_begin for a state kept in the shared slot slot (a key,
 * e.g. "d-3f") instead of the user's own: an unknown user's decoy state
 * (core/decoy.h). A slot holding another name's state reads as a fresh
 * state for user (the other is evicted), never as corrupt.
 */
int smsotp_state_begin_slot(struct smsotp_store *store, const char *slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz) SMSOTP_WUR;

/* Write st (SMSOTP_PUT_DURABLE). 0 or SMSOTP_ST_ERROR (the old stays). */
int smsotp_state_commit(struct smsotp_txn *txn, const struct smsotp_state *st,
    char *why, size_t whysz) SMSOTP_WUR;

/* Remove the user's state (reset). 0 or SMSOTP_ST_ERROR. */
int smsotp_state_remove(struct smsotp_txn *txn, char *why, size_t whysz)
    SMSOTP_WUR;

/* Release the lock (and wipe nothing: st belongs to the caller). */
void smsotp_state_end(struct smsotp_txn *txn);

/*
 * Call fn for every user's state in the store (for smsotpctl locked): read
 * without the lock; corrupt ones are passed with st NULL.
 */
int smsotp_state_foreach(struct smsotp_store *store,
    int (*fn)(const char *name, const struct smsotp_state *st, void *arg),
    void *arg);

#endif
