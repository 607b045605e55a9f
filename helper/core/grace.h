/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/grace.h - policy.grace_period: after a right code, the same
 * login (user, service, remote host, and the tty of a local login) is not
 * asked again for a while. The entries live in the user's state (the
 * store, root's: never a file the user can write), as keyed hashes, and
 * hold only while nothing they were granted on changed: the number (a
 * new number is a new authenticator), the boot (unless
 * policy.grace_survives_reboot), no lockout since (a lockout clears them,
 * as `smsotpctl reset` does). Only a root caller's logins get one: an
 * unprivileged caller's service, rhost and tty are claims.
 */
#ifndef SMSOTP_GRACE_H
#define SMSOTP_GRACE_H

#include <stdint.h>

#include "core/engine.h"
#include "store/state.h"

/*
 * The grace period for ctx's service (its rule, else the policy's), 0 off
 * (and for an unprivileged caller).
 */
int smsotp_grace_period(const struct smsotp_ctx *ctx);

/* What an entry is keyed and bound by, for ctx's login and a number. */
struct smsotp_grace_id {
	unsigned char login[SMSOTP_GRACE_HASH_LEN];
	unsigned char boot[SMSOTP_GRACE_HASH_LEN];
	unsigned char phone[SMSOTP_GRACE_HASH_LEN];
};

/*
 * The id of ctx's login for the number phone. 0, or -1 when the boot
 * cannot be told (/proc/sys/kernel/random/boot_id unreadable): no grace
 * then, neither granted nor used.
 */
int smsotp_grace_id(const struct smsotp_ctx *ctx, const char *phone,
    struct smsotp_grace_id *id);

/*
 * 1 when st holds a live entry for id at ctx->now, else 0: granted at most
 * period seconds ago (a period since shortened applies), not yet expired.
 */
int smsotp_grace_holds(const struct smsotp_ctx *ctx,
    const struct smsotp_state *st, const struct smsotp_grace_id *id,
    int period);

/* Grant id for period seconds from ctx->now (replacing its old entry, or
 * the one that ends first when st is full); expired entries go. */
void smsotp_grace_grant(const struct smsotp_ctx *ctx, struct smsotp_state *st,
    const struct smsotp_grace_id *id, int period);

/* Forget every entry (a lockout). */
void smsotp_grace_clear(struct smsotp_state *st);

#endif
