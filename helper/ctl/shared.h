/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/shared.h - what several smsotpctl verbs share: a user's state
 * opened under its lock (status, reset, backup-codes) and the JSON output
 * (status, locked, settings).
 */
#ifndef SMSOTP_CTL_SHARED_H
#define SMSOTP_CTL_SHARED_H

#include <stddef.h>

#include <jansson.h>

#include "store/state.h"

/*
 * Validate user, open the state directory and lock and read user's state.
 * SMSOTP_CTL_OK (the caller ends txn and closes store) with *corrupt set
 * when the file did not parse (st is then fresh, why says why), or
 * SMSOTP_CTL_FAILED with a message on stderr.
 */
int smsotp_ctl_open_user(const char *user, struct smsotp_store *store,
    struct smsotp_txn *txn, struct smsotp_state *st, int *corrupt,
    char *why, size_t whysz);

/* Print j on stdout (indented, in order) and free it: 0, or 1 (a message). */
int smsotp_ctl_json_out(json_t *j);

#endif
