/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/decoy.h - the same answers for everyone.
 *
 * Unless the configuration says `reveal_status = true`, a begin for a
 * name unknown to NSS, a user without a phone (when the module was not
 * given nullok), a locked user, a user over a send limit, a number
 * outside allowed_countries, or a user whose state is corrupt is a decoy.
 * The engine decides that once (pipeline.h: smsotp_login_decoy, at the
 * first step that can know) and then runs the SAME pipeline as for a real
 * login with the decoy sender in place of the real one (sender.h; OpenSSH's
 * fakepw()): the decoy challenge is stored in the user's state with its
 * attempts, the user's failures and lockout and sends count exactly as a
 * real user's, and verify, resend, limits and lockout give the same
 * answers. What the decoy sender substitutes:
 *  - the challenge: its id is a decoy id (below) and its hash random, so
 *    no code ever matches (a backup code neither: a locked user stays
 *    locked), and the engine knows it for a decoy without storing a flag;
 *  - the count: the send is counted in the "decoys" record (core/limits.h)
 *    where a real one is taken from the global counters, the same kind of
 *    write at the same step;
 *  - the send: nothing is sent; the request answers as long after its
 *    start as a recent real begin did (one of the samples in the global
 *    counts, drawn at random: request start to end of send), so its answer
 *    time follows the real distribution, lookups included.
 * A corrupt state is never written and nothing is counted for it: that
 * decoy only waits and answers, with an id no state holds.
 * An unknown name's state lives in one of 256 shared slot files ("d-XX",
 * XX from a keyed hash of the name), so that guessing names cannot fill
 * the disk: two names in one slot evict each other.
 *
 * Decoy ids: 4 random bytes n, the creation time masked with BLAKE2b(key,
 * "decoy-time" user n), and an 8-byte tag BLAKE2b(key, "decoy-tag" user n
 * time): another user's decoy, or a real challenge, is never one (2^-64).
 * The masked number is the user's real one when there is one, else one
 * derived from BLAKE2b(key, user) (the country of phones.default_country),
 * so repeated logins show the same number.
 */
#ifndef SMSOTP_DECOY_H
#define SMSOTP_DECOY_H

#include <stdint.h>

#include "core/code.h"
#include "conf/conf.h"
#include "phones/phone.h"
#include "store/state.h"

/* Pure functions of the key (unit-tested). */

void smsotp_decoy_id(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    int64_t now, char out[SMSOTP_CHALLENGE_HEXLEN + 1]);
/* 1 when id is a decoy made for user (*made = its time), else 0. */
int smsotp_decoy_id_check(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const char *id, int64_t *made);
/* A plausible E.164 number for user, the same for the same key and user. */
void smsotp_decoy_phone(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const struct smsotp_conf *conf,
    char out[SMSOTP_E164_SIZE]);

/* The slot file of an unknown name ("d-" + 2 hex). */
void smsotp_decoy_slot(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, char out[SMSOTP_STATE_NAME_SIZE]);

#endif
