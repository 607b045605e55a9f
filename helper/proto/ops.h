/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ops.h - the protocol's vocabulary in one table, used by both sides: the
 * module builds its requests and checks the replies with it, the helper
 * checks the requests and builds its replies with it. Wire format and
 * statuses: proto.h; the protocol itself: smsotp-helper(8).
 */
#ifndef SMSOTP_OPS_H
#define SMSOTP_OPS_H

#include "proto/proto.h"

/* The operations, in the order of smsotp_ops[]. */
enum smsotp_op {
	SMSOTP_OP_BEGIN = 0,	/* send a code: challenge, masked number */
	SMSOTP_OP_RESEND,	/* send another code for a challenge */
	SMSOTP_OP_VERIFY,	/* check a typed code against a challenge */
	SMSOTP_OP_COUNT
};

#define SMSOTP_OP_MAX_KEYS 10

/*
 * One operation: its name on the wire ("op=" line), the request keys it
 * takes (NULL-terminated; "op" and "user" always), and those of them a
 * request must carry.
 */
struct smsotp_op_spec {
	const char *name;
	const char *keys[SMSOTP_OP_MAX_KEYS];
	const char *required[SMSOTP_OP_MAX_KEYS];
};

extern const struct smsotp_op_spec smsotp_ops[SMSOTP_OP_COUNT];

/* The operation named name, or -1 when there is none. */
int smsotp_op_from_name(const char *name);

/*
 * The keys of a reply with a status (NULL-terminated, "status" first);
 * the first nreq are required, the others optional.
 */
struct smsotp_reply_spec {
	int nreq;
	const char *keys[8];
};

extern const struct smsotp_reply_spec smsotp_replies[SMSOTP_STATUS_MAX + 1];

/*
 * 0 when msg is a valid request for op: only its keys, each required one
 * present. -1 with *bad the first stray or missing key.
 */
int smsotp_op_check(enum smsotp_op op, const struct smsotp_msg *msg,
    const char **bad) __attribute__((warn_unused_result, nonnull));

#endif
