/* SPDX-License-Identifier: BSD-3-Clause */
/* dir_int.h - the state-directory backend's own, shared by its files. */
#ifndef SMSOTP_STORE_DIR_INT_H
#define SMSOTP_STORE_DIR_INT_H

#include <pthread.h>
#include <stdint.h>

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

/*
 * swap_turn.c: this process's turn at updating record name, waited for
 * until deadline (smsotp_mono() time): the mutex to unlock, or NULL.
 */
pthread_mutex_t *smsotp_swap_turn(const char *name, double deadline);
/*
 * The newest version of name (in the directory dfd) this process last
 * saw, 0 for none; a writer gets 0 once in a while, so that it lists the
 * directory and removes old versions.
 */
uint64_t smsotp_swap_hint(int dfd, const char *name, int writing);
void smsotp_swap_hint_set(int dfd, const char *name, uint64_t seq);

#endif
