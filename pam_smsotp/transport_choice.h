/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * transport_choice.h - one request by the transport= the module was given:
 * the resident service's socket (socket_client.h), the exec'd helper
 * (run_helper.h), or the socket with exec when no service is there.
 */
#ifndef SMSOTP_TRANSPORT_CHOICE_H
#define SMSOTP_TRANSPORT_CHOICE_H

#include <security/pam_modules.h>

#include "args.h"
#include "run_helper.h"

/*
 * Send req by a->transport. 0 with *rep validated, or -1 (logged at
 * LOG_ERR): the caller maps it to PAM_AUTHINFO_UNAVAIL.
 *   exec:   smsotp_run_helper() alone.
 *   socket: the socket alone; no service there is an error too.
 *   auto:   the socket; the helper is exec'd only when nothing was sent
 *           because there is no service (SMSOTP_SOCK_UNAVAILABLE).
 * SECURITY: an untrusted socket or server, a busy service, and a request
 * sent without a valid answer are errors, never a fallback: the first two
 * would let a local user steer logins off the service, the last could
 * send a second text.
 */
int smsotp_transport_request(pam_handle_t *pamh, const struct smsotp_args *a,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep)
    __attribute__((warn_unused_result, nonnull(2, 3, 4)));

#endif
