/* SPDX-License-Identifier: BSD-3-Clause */
/* dispatch.h - serve one request from any transport (server/transport.h). */
#ifndef SMSOTP_DISPATCH_H
#define SMSOTP_DISPATCH_H

#include "core/engine.h"
#include "server/transport.h"

/*
 * Check in against the protocol's table and the caller's rights, load the
 * configuration, key and store, run the operation's pipeline: r filled
 * (ERROR for anything refused, logged). Nothing outlives the call.
 */
void smsotp_dispatch(const struct smsotp_inbound *in, struct smsotp_reply *r);

/*
 * Dispatch and answer every request t brings (ERROR for one that cannot
 * be served), until it has no more or a reply cannot be sent. The last
 * reply's status (ERROR when a reply failed). t stays open.
 */
int smsotp_serve(struct smsotp_transport *t);

#endif
