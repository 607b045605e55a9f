/*
 * decoy.h - the same answer for everyone (issue 4, item 2).
 *
 * Unless the configuration says `reveal_status = true`, a begin for a user
 * without a phone (when the module was not given nullok), a locked user, a
 * user over a send limit, or a number outside allowed_countries is answered
 * SENT like a real begin, with a decoy challenge that can never succeed:
 *
 *  - the challenge id is 4 random bytes n, the creation time masked with
 *    BLAKE2b(key, "decoy-time" user n), and an 8-byte tag BLAKE2b(key,
 *    "decoy-tag" user n time): the helper recognises its own decoys for
 *    that user without storing anything (no file per unknown user name),
 *    and another user's decoy, or a real challenge, is never one (2^-64);
 *  - the masked number is the user's real one when there is one, else a
 *    number derived from BLAKE2b(key, user) (same country as
 *    phones.default_country), so repeated logins show the same number;
 *  - verify of a decoy answers BAD_CODE with the attempts a first wrong
 *    code gets (EXPIRED after code.ttl); resend answers RATE_LIMITED
 *    within resend_cooldown, EXPIRED after code.ttl, else SENT;
 *  - cost: a decoy does the same locked write + fsync of a state-sized
 *    file ("decoy" in the state directory) as many times as the real
 *    request writes, and a decoy begin then waits for the duration of a
 *    recent real send picked at random (smsotp_limits.h: "sendms"), so its answer
 *    time follows the real distribution.
 * SECURITY: nothing in a decoy is stored per user; the decoy file holds
 * random bytes only.
 */
#ifndef SMSOTP_DECOY_H
#define SMSOTP_DECOY_H

#include <stdint.h>

#include "code.h"
#include "conf.h"
#include "engine.h"
#include "phone.h"

#define SMSOTP_DECOY_NAME "decoy"

/* --- pure functions (unit-tested) --------------------------------------- */

void smsotp_decoy_id(const unsigned char key[SMSOTP_KEY_LEN], const char *user,
    int64_t now, char out[SMSOTP_CHALLENGE_HEXLEN + 1]);
/* 1 when id is a decoy made for user (*made = its time), else 0. */
int smsotp_decoy_id_check(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const char *id, int64_t *made);
/* A plausible E.164 number for user, the same for the same key and user. */
void smsotp_decoy_phone(const unsigned char key[SMSOTP_KEY_LEN],
    const char *user, const struct smsotp_conf *conf,
    char out[SMSOTP_E164_SIZE]);

/* --- requests ------------------------------------------------------------ */

/*
 * Answer a begin with a decoy: SENT with a decoy id, masked from phone (or
 * from smsotp_decoy_phone when phone is NULL), the configured ttl and
 * resend_after; logs "user=U: <why>: decoy prompt, no code sent". Costs
 * like a real begin (see above). Returns SMSOTP_SENT.
 */
int smsotp_decoy_begin(const struct smsotp_ctx *ctx, const char *user,
    const char *phone, const char *why, struct smsotp_reply *r);

/* When challenge is a decoy of user: fill r, return 1. Else 0. */
int smsotp_decoy_verify(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, struct smsotp_reply *r);
int smsotp_decoy_resend(const struct smsotp_ctx *ctx, const char *user,
    const char *challenge, struct smsotp_reply *r);

#endif
