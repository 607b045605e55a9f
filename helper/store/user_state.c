/* SPDX-License-Identifier: BSD-3-Clause */
/* user_state.c - a user's state read, changed and written under its lock. */
#include "config.h"

#include <string.h>

#include "store/state.h"
#include "base/wipe.h"

/* Parse a state record read into buf; CORRUPT with why when it does not. */
static int
decode(struct smsotp_store *store, const char *name, const char *buf,
    size_t len, struct smsotp_state *st, char *why, size_t whysz)
{
	const char *perr = "?";

	if (smsotp_state_parse(buf, len, st, &perr) == 0)
		return SMSOTP_ST_OK;
	smsotp_say(why, whysz, "%s/%s: corrupt: %s", smsotp_store_where(store),
	    name, perr);
	return SMSOTP_ST_CORRUPT;
}

/*
 * Lock and read the state record name for user. slot: the record is
 * shared by several names (decoys for unknown users): another name's
 * state there is replaced by a fresh one instead of being corrupt.
 */
static int
begin_named(struct smsotp_store *store, const char *name, int slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz)
{
	char buf[SMSOTP_STATE_MAX_SIZE + 1];
	size_t len = 0;
	int rv = SMSOTP_ST_ERROR;

	memset(txn, 0, sizeof(*txn));
	txn->lock.handle = -1;
	txn->slot = slot;
	memset(st, 0, sizeof(*st));
	if (user == NULL || user[0] == '\0' ||
	    strnlen(user, SMSOTP_USER_MAX + 1) > SMSOTP_USER_MAX ||
	    smsotp_fmt(txn->name, sizeof(txn->name), "%s", name) != 0) {
		smsotp_say(why, whysz, "state: bad user name");
		goto out;
	}
	rv = smsotp_store_begin(store, txn->name, smsotp_mono() +
	    (wait_ms > 0 ? wait_ms : 0) / 1000.0, &txn->lock, why, whysz);
	if (rv != SMSOTP_ST_OK)
		goto out;
	rv = smsotp_store_get(&txn->lock, txn->name, buf, sizeof(buf), &len,
	    &txn->exists, why, whysz);
	if (rv == SMSOTP_ST_OK && txn->exists)
		rv = decode(store, txn->name, buf, len, st, why, whysz);
	if (rv == SMSOTP_ST_OK && txn->exists && strcmp(st->user, user) != 0) {
		if (slot) {
			txn->exists = 0;	/* another unknown name's: evicted */
		} else {
			/* SECURITY: a hash collision or a record copied over another's. */
			smsotp_say(why, whysz, "%s/%s: corrupt: belongs to another "
			    "user", smsotp_store_where(store), txn->name);
			rv = SMSOTP_ST_CORRUPT;
		}
	}
	if (rv == SMSOTP_ST_OK && !txn->exists)
		smsotp_state_init(st, user);
out:
	if (rv != SMSOTP_ST_OK && rv != SMSOTP_ST_CORRUPT)
		smsotp_store_end(&txn->lock);
	if (rv != SMSOTP_ST_OK && user != NULL)
		smsotp_state_init(st, user);
	if (rv == SMSOTP_ST_OK && why != NULL && whysz > 0)
		why[0] = '\0';
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_state_begin(struct smsotp_store *store, const char *user, int wait_ms,
    struct smsotp_txn *txn, struct smsotp_state *st, char *why, size_t whysz)
{
	char name[SMSOTP_STATE_NAME_SIZE] = "";

	if (user != NULL && user[0] != '\0' &&
	    strnlen(user, SMSOTP_USER_MAX + 1) <= SMSOTP_USER_MAX)
		smsotp_state_name(user, name);
	return begin_named(store, name, 0, user, wait_ms, txn, st, why, whysz);
}

int
smsotp_state_begin_slot(struct smsotp_store *store, const char *slot,
    const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st, char *why, size_t whysz)
{
	return begin_named(store, slot, 1, user, wait_ms, txn, st, why, whysz);
}

int
smsotp_state_commit(struct smsotp_txn *txn, const struct smsotp_state *st,
    char *why, size_t whysz)
{
	char buf[SMSOTP_STATE_MAX_SIZE + 1], chk[SMSOTP_STATE_NAME_SIZE];
	const char *where = smsotp_store_where(txn->lock.store);
	size_t len;
	int rv = SMSOTP_ST_ERROR;

	if (txn->lock.store == NULL) {
		smsotp_say(why, whysz, "state: commit without a locked "
		    "transaction");
		goto out;
	}
	if (smsotp_state_format(st, buf, sizeof(buf), &len) != 0) {
		smsotp_say(why, whysz, "%s/%s: refusing to write an invalid "
		    "state", where, txn->name);
		goto out;
	}
	smsotp_state_name(st->user, chk);
	if (!txn->slot && strcmp(chk, txn->name) != 0) {
		smsotp_say(why, whysz, "%s/%s: state of another user, not "
		    "written", where, txn->name);
		goto out;
	}
	rv = smsotp_store_put(&txn->lock, txn->name, buf, len,
	    SMSOTP_PUT_DURABLE, why, whysz);
	if (rv == SMSOTP_ST_OK)
		txn->exists = 1;
out:
	smsotp_wipe(buf, sizeof(buf));
	return rv;
}

int
smsotp_state_remove(struct smsotp_txn *txn, char *why, size_t whysz)
{
	int rv;

	if (txn->lock.store == NULL) {
		smsotp_say(why, whysz, "state: remove without a locked "
		    "transaction");
		return SMSOTP_ST_ERROR;
	}
	rv = smsotp_store_remove(&txn->lock, txn->name, why, whysz);
	if (rv == SMSOTP_ST_OK)
		txn->exists = 0;
	return rv;
}

void
smsotp_state_end(struct smsotp_txn *txn)
{
	if (txn != NULL)
		smsotp_store_end(&txn->lock);
}

/* "u-" + 32 lower-case hex digits, nothing more. */
static int
state_name_ok(const char *n)
{
	int i;

	if (n[0] != 'u' || n[1] != '-')
		return 0;
	for (i = 2; i < 34; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	return n[34] == '\0';
}

struct each {
	struct smsotp_store *store;
	int (*fn)(const char *name, const struct smsotp_state *st, void *arg);
	void *arg;
	struct smsotp_state st;
};

static int
each_state(const char *key, void *arg)
{
	struct each *e = arg;
	char buf[SMSOTP_STATE_MAX_SIZE + 1], chk[SMSOTP_STATE_NAME_SIZE];
	char why[512];
	size_t len = 0;
	int exists = 0, r, rv;

	if (!state_name_ok(key))
		return 0;
	r = smsotp_store_peek(e->store, key, buf, sizeof(buf), &len, &exists,
	    why, sizeof(why));
	if (r == SMSOTP_ST_OK && !exists)
		return 0;		/* removed meanwhile */
	if (r == SMSOTP_ST_OK)
		r = decode(e->store, key, buf, len, &e->st, why, sizeof(why));
	if (r == SMSOTP_ST_OK) {
		smsotp_state_name(e->st.user, chk);
		if (strcmp(chk, key) != 0)
			r = SMSOTP_ST_CORRUPT;
	}
	smsotp_wipe(buf, sizeof(buf));
	rv = e->fn(key, r == SMSOTP_ST_OK ? &e->st : NULL, e->arg);
	smsotp_wipe(&e->st, sizeof(e->st));
	return rv;
}

int
smsotp_state_foreach(struct smsotp_store *store,
    int (*fn)(const char *name, const struct smsotp_state *st, void *arg),
    void *arg)
{
	struct each e;
	int rv;

	memset(&e, 0, sizeof(e));
	e.store = store;
	e.fn = fn;
	e.arg = arg;
	rv = smsotp_store_foreach(store, "u-", each_state, &e);
	smsotp_wipe(&e, sizeof(e));
	return rv;
}
