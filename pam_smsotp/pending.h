/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pending.h - the live challenge of a PAM handle, kept between calls of
 * pam_authenticate in it (pam_set_data). An application that retries
 * calls pam_authenticate again in the same handle; the code texted for an
 * earlier call is then asked for again instead of sending another text.
 *
 * What is kept: the challenge id, the masked number, when the challenge
 * expires (CLOCK_MONOTONIC) and what it was for: the user, service, rhost,
 * tty and config of the request. SECURITY: never the code. The id is no
 * secret, but the record is wiped when it is dropped or replaced and when
 * the handle ends.
 *
 * Some applications call pam_authenticate in a child they fork for each
 * try (sshd's keyboard-interactive): what such a child keeps in the handle
 * dies with it. The child names the handle to the helper instead (begin's
 * handle=), and the helper gives the live challenge bound to that name
 * again (smsotp-helper(8)).
 */
#ifndef SMSOTP_PENDING_H
#define SMSOTP_PENDING_H

#include <time.h>

#include <security/pam_modules.h>

#include "run_helper.h"

/*
 * The challenge kept in pamh for req's user, service, rhost, tty and
 * config: 1 with challenge, masked and *expires copied out when one lives
 * (now before *expires). 0 when there is none; one kept for another
 * request, or that has expired, is dropped then. SECURITY: any doubt
 * (no clock, no record, a record for anything else) is 0: a fresh begin.
 */
int smsotp_pending_get(pam_handle_t *pamh, const struct smsotp_request *req,
    char challenge[SMSOTP_CHALLENGE_HEXLEN + 1],
    char masked[SMSOTP_HELPER_MASKED_MAX + 1], struct timespec *expires)
    __attribute__((warn_unused_result, nonnull));

/*
 * Keep challenge and masked for req in pamh until *expires, in place of
 * what was kept. 0, or -1 (out of memory, logged; pam_set_data failed):
 * nothing is kept then, and the next call begins afresh.
 */
int smsotp_pending_set(pam_handle_t *pamh, const struct smsotp_request *req,
    const char *challenge, const char *masked, const struct timespec *expires)
    __attribute__((nonnull));

/* Drop (wipe and free) what pamh keeps, if anything. */
void smsotp_pending_drop(pam_handle_t *pamh) __attribute__((nonnull));

/*
 * The name of pamh for begin's handle=, into out (32 lower-case hex
 * digits): 0 when this process is a child of the one that loaded the
 * module (pam_start loads it), which is where sshd's tries run; the name
 * is a random id of that load and pamh's address, the same in every such
 * child. -1 in the process that loaded it (the handle's data is kept
 * there), in any other, or without the random id: no name, and every
 * begin in a new child sends a text as before.
 */
int smsotp_pending_handle_name(pam_handle_t *pamh,
    char out[SMSOTP_CHALLENGE_HEXLEN + 1])
    __attribute__((warn_unused_result, nonnull));

#endif
