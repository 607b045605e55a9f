/* SPDX-License-Identifier: BSD-3-Clause */
/* dir_int.h - the state-directory backend's own, shared by its files. */
#ifndef SMSOTP_STORE_DIR_INT_H
#define SMSOTP_STORE_DIR_INT_H

#include "store/store.h"

/* swap.c: versions of a swapped record kept; older ones are removed. */
#define SMSOTP_SWAP_KEEP 4

struct smsotp_dir {
	int dirfd;
	char *path;
};

static inline struct smsotp_dir *
smsotp_dir_of(const struct smsotp_store *store)
{
	return store->be;
}

/* dir_scan.c: the keys starting with prefix (store.h foreach). */
int smsotp_dir_foreach(struct smsotp_store *store, const char *prefix,
    smsotp_store_each_fn fn, void *arg);

/* swap.c: lock-free versioned records (store.h swap, swap_read). */
int smsotp_dir_swap(struct smsotp_store *store, const char *key, size_t cap,
    smsotp_swap_fn fn, void *arg, double deadline, char *why, size_t whysz);
int smsotp_dir_swap_read(struct smsotp_store *store, const char *key,
    char *buf, size_t cap, size_t *len, struct smsotp_swap_cur *cur,
    char *why, size_t whysz);

#endif
