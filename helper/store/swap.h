/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/store/swap.h - lock-free read-modify-write of a small shared record of
 * the state directory (the global send counts).
 *
 * SECURITY: a record that every login updates must never be behind a lock
 * that a process the caller can stop may hold: an unprivileged caller runs
 * the setgid helper with its own uid and may SIGSTOP it at any moment, and
 * every other login would then wait for that lock. So such a record takes
 * no lock at all. It is a series of versions in the directory
 * "<name>.d/", each a whole file named by its decimal sequence number. An
 * update reads the newest version n, builds version n + 1 in a temporary
 * file of its own and renames it to "n+1" with RENAME_NOREPLACE (link(2)
 * where the filesystem lacks it): of two updates that read the same n, one
 * wins and the other reads again (compare-and-swap). A stopped or killed
 * updater holds nothing: the others go past it, and when it wakes its
 * rename finds "n+1" taken and it starts over. The oldest versions are
 * removed by the winners (the newest SMSOTP_SWAP_KEEP stay), temporary
 * files of killed updaters after a minute.
 *
 * Versions are written without fsync (state.h SMSOTP_PUT_COUNTER): a
 * crash may lose the last updates or leave the newest version damaged, and
 * the caller decides what a damaged version means (helper/store/global.c: written
 * before this boot, a crash's loss; else fail closed).
 */
#ifndef SMSOTP_STORE_SWAP_H
#define SMSOTP_STORE_SWAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/state.h"

#define SMSOTP_SWAP_KEEP 4	/* versions kept; older ones are removed */

/* What the newest version is, for the update function. */
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

/*
 * Update record name (a base name without '/', at most 32 bytes) with fn,
 * retrying lost races until deadline (smsotp_mono() time). cap bounds a
 * version's size (a larger one is read as damaged: its first cap - 1
 * bytes are passed). SMSOTP_ST_OK (written or DONE), SMSOTP_ST_BUSY
 * (deadline reached while losing races), SMSOTP_ST_ERROR (why filled:
 * refused, unwritable, FAIL).
 */
int smsotp_store_swap(struct smsotp_store *store, const char *name,
    size_t cap, smsotp_swap_fn fn, void *arg, double deadline, char *why,
    size_t whysz) SMSOTP_WUR;

/*
 * Read the newest version into buf (cap bytes; NUL-terminated). SMSOTP_ST_OK
 * with cur filled (cur->exists 0: none), or SMSOTP_ST_ERROR (why).
 */
int smsotp_store_swap_read(struct smsotp_store *store, const char *name,
    char *buf, size_t cap, size_t *len, struct smsotp_swap_cur *cur,
    char *why, size_t whysz) SMSOTP_WUR;

#endif
