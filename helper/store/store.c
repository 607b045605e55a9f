/* SPDX-License-Identifier: BSD-3-Clause */
/* store.c - the store's face: checks keys and locks, calls the backend. */
#include "config.h"

#include <string.h>

#include "store/store.h"

static int
ends_with(const char *s, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && memcmp(s + n - t, tail, t) == 0;
}

int
smsotp_store_key_ok(const char *key)
{
	size_t i, n;

	if (key == NULL)
		return 0;
	n = strnlen(key, SMSOTP_STORE_KEY_MAX + 1);
	if (n == 0 || n > SMSOTP_STORE_KEY_MAX || key[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return !ends_with(key, n, ".lock") && !ends_with(key, n, ".tmp");
}

const char *
smsotp_store_where(const struct smsotp_store *store)
{
	return store != NULL && store->where != NULL ? store->where : "?";
}

/* The store is open and key usable; else why says which. */
static int
usable(const struct smsotp_store *store, const char *key, char *why,
    size_t whysz)
{
	if (store == NULL || store->ops == NULL) {
		smsotp_say(why, whysz, "store: not open");
		return 0;
	}
	if (!smsotp_store_key_ok(key)) {
		smsotp_say(why, whysz, "%s: bad record key",
		    smsotp_store_where(store));
		return 0;
	}
	return 1;
}

/* The transaction holds a lock; else why says so. */
static int
held(const struct smsotp_store_txn *txn, const char *what, char *why,
    size_t whysz)
{
	if (txn == NULL || txn->store == NULL || txn->store->ops == NULL) {
		smsotp_say(why, whysz, "store: %s without a lock", what);
		return 0;
	}
	return 1;
}

int
smsotp_store_begin(struct smsotp_store *store, const char *key,
    double deadline, struct smsotp_store_txn *txn, char *why, size_t whysz)
{
	memset(txn, 0, sizeof(*txn));
	txn->handle = -1;
	if (!usable(store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return store->ops->begin(store, key, deadline, txn, why, whysz);
}

int
smsotp_store_get(struct smsotp_store_txn *txn, const char *key, char *buf,
    size_t cap, size_t *len, int *exists, char *why, size_t whysz)
{
	*len = 0;
	*exists = 0;
	if (!held(txn, "read", why, whysz) ||
	    !usable(txn->store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return txn->store->ops->get(txn->store, key, buf, cap, len, exists, why,
	    whysz);
}

int
smsotp_store_put(struct smsotp_store_txn *txn, const char *key,
    const char *buf, size_t len, enum smsotp_store_put how, char *why,
    size_t whysz)
{
	if (!held(txn, "write", why, whysz) ||
	    !usable(txn->store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return txn->store->ops->put(txn->store, key, buf, len, how, why, whysz);
}

int
smsotp_store_remove(struct smsotp_store_txn *txn, const char *key, char *why,
    size_t whysz)
{
	if (!held(txn, "remove", why, whysz) ||
	    !usable(txn->store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return txn->store->ops->remove(txn->store, key, why, whysz);
}

void
smsotp_store_end(struct smsotp_store_txn *txn)
{
	if (txn == NULL || txn->store == NULL || txn->store->ops == NULL)
		return;
	txn->store->ops->end(txn);
	txn->store = NULL;
	txn->handle = -1;
}

int
smsotp_store_peek(struct smsotp_store *store, const char *key, char *buf,
    size_t cap, size_t *len, int *exists, char *why, size_t whysz)
{
	*len = 0;
	*exists = 0;
	if (!usable(store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return store->ops->get(store, key, buf, cap, len, exists, why, whysz);
}

int
smsotp_store_foreach(struct smsotp_store *store, const char *prefix,
    smsotp_store_each_fn fn, void *arg)
{
	if (store == NULL || store->ops == NULL || prefix == NULL)
		return SMSOTP_ST_ERROR;
	return store->ops->foreach(store, prefix, fn, arg);
}

int
smsotp_store_swap(struct smsotp_store *store, const char *key, size_t cap,
    smsotp_swap_fn fn, void *arg, double deadline, char *why, size_t whysz)
{
	if (!usable(store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return store->ops->swap(store, key, cap, fn, arg, deadline, why, whysz);
}

int
smsotp_store_swap_read(struct smsotp_store *store, const char *key,
    char *buf, size_t cap, size_t *len, struct smsotp_swap_cur *cur,
    char *why, size_t whysz)
{
	*len = 0;
	memset(cur, 0, sizeof(*cur));
	if (!usable(store, key, why, whysz))
		return SMSOTP_ST_ERROR;
	return store->ops->swap_read(store, key, buf, cap, len, cur, why,
	    whysz);
}

void
smsotp_store_close(struct smsotp_store *store)
{
	if (store == NULL)
		return;
	if (store->ops != NULL)
		store->ops->close(store);
	store->ops = NULL;
	store->where = NULL;
	store->be = NULL;
}
