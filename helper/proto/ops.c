/* SPDX-License-Identifier: BSD-3-Clause */
/* ops.c - the protocol's operations and reply keys (ops.h). */
#include "config.h"

#include <string.h>

#include "proto/ops.h"

const struct smsotp_op_spec smsotp_ops[SMSOTP_OP_COUNT] = {
	[SMSOTP_OP_BEGIN] = { "begin",
	    { "op", "user", "service", "rhost", "tty", "config", "nullok",
	    "handle", NULL },
	    { "op", "user", NULL } },
	[SMSOTP_OP_RESEND] = { "resend",
	    { "op", "user", "challenge", "service", "rhost", "tty", "config",
	    NULL },
	    { "op", "user", "challenge", NULL } },
	[SMSOTP_OP_VERIFY] = { "verify",
	    { "op", "user", "challenge", "code", "service", "rhost", "tty",
	    "config", NULL },
	    { "op", "user", "challenge", "code", NULL } },
};

const struct smsotp_reply_spec smsotp_replies[SMSOTP_STATUS_MAX + 1] = {
	[SMSOTP_OK] = { 1, { "status", NULL } },
	[SMSOTP_SENT] = { 5, { "status", "challenge", "masked", "ttl",
	    "resend_after", "again", NULL } },
	[SMSOTP_SKIP] = { 2, { "status", "reason", NULL } },
	[SMSOTP_BAD_CODE] = { 2, { "status", "attempts_left", NULL } },
	[SMSOTP_EXPIRED] = { 1, { "status", NULL } },
	[SMSOTP_LOCKED] = { 1, { "status", "until", NULL } },
	[SMSOTP_RATE_LIMITED] = { 2, { "status", "retry_after", "challenge",
	    "ttl", NULL } },
	[SMSOTP_NO_PHONE] = { 1, { "status", NULL } },
	[SMSOTP_GATEWAY_DOWN] = { 1, { "status", "failmode", "challenge",
	    "ttl", NULL } },
	[SMSOTP_ERROR] = { 1, { "status", NULL } },
};

int
smsotp_op_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < SMSOTP_OP_COUNT; i++)
		if (strcmp(name, smsotp_ops[i].name) == 0)
			return i;
	return -1;
}

int
smsotp_op_check(enum smsotp_op op, const struct smsotp_msg *msg,
    const char **bad)
{
	const char *const *k;

	*bad = "op";
	if ((unsigned)op >= SMSOTP_OP_COUNT)
		return -1;
	if (smsotp_msg_check_keys(msg, smsotp_ops[op].keys, bad) != 0)
		return -1;
	for (k = smsotp_ops[op].required; *k != NULL; k++) {
		if (smsotp_msg_get(msg, *k) == NULL) {
			*bad = *k;
			return -1;
		}
	}
	return 0;
}
