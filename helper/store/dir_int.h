/* SPDX-License-Identifier: BSD-3-Clause */
/* helper/store/dir_int.h - shared by the state store's files (helper/store/dir.c, helper/store/dir_scan.c). */
#ifndef SMSOTP_STATE_INT_H
#define SMSOTP_STATE_INT_H

#include "store/state.h"

/*
 * Read and parse the state file name, without taking its lock.
 * SMSOTP_ST_OK with *exists 0 (no file) or 1, SMSOTP_ST_CORRUPT,
 * SMSOTP_ST_ERROR; why filled unless OK.
 */
int smsotp_state_read_unlocked(const struct smsotp_store *s, const char *name,
    struct smsotp_state *st, int *exists, char *why, size_t whysz) SMSOTP_WUR;

#endif
