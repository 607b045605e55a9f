/* SPDX-License-Identifier: BSD-3-Clause */
/* reply.c - a reply's wire form, key by key from the protocol's table. */
#include "config.h"

#include <string.h>

#include "base/util.h"
#include "proto/ops.h"
#include "server/transport.h"

/*
 * The value of reply key k into num (or a string of r): NULL when an
 * optional key has no value (LOCKED without a known end, SENT that is not
 * again).
 */
static const char *
value_of(const struct smsotp_reply *r, const char *k, char *num, size_t sz)
{
	long v;

	if (strcmp(k, "status") == 0)
		return smsotp_status_name(r->status);
	/* optional but for SENT: a backup code's challenge (begin.c) */
	if (strcmp(k, "challenge") == 0)
		return r->challenge[0] != '\0' ? r->challenge : NULL;
	if (strcmp(k, "masked") == 0)
		return r->masked;
	if (strcmp(k, "again") == 0)
		return r->again ? "1" : NULL;
	if (strcmp(k, "reason") == 0)
		return r->reason;
	if (strcmp(k, "failmode") == 0)
		return r->failmode == SMSOTP_FAILMODE_SAFE ? "safe" :
		    r->failmode == SMSOTP_FAILMODE_SECURE ? "secure" : NULL;
	if (strcmp(k, "ttl") == 0) {
		if (r->challenge[0] == '\0')
			return NULL;
		v = r->ttl;
	} else if (strcmp(k, "resend_after") == 0)
		v = r->resend_after;
	else if (strcmp(k, "retry_after") == 0)
		v = r->retry_after;
	else if (strcmp(k, "attempts_left") == 0)
		v = r->attempts_left;
	else if (strcmp(k, "until") == 0) {
		if (r->until <= 0)
			return NULL;
		v = (long)r->until;
	} else
		return NULL;
	return smsotp_fmt(num, sz, "%ld", v) == 0 ? num : NULL;
}

int
smsotp_reply_format(const struct smsotp_reply *r, char *buf, size_t cap,
    size_t *len)
{
	const struct smsotp_reply_spec *spec;
	const char *v;
	char num[32];
	int i;

	*len = 0;
	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if (r->status < 0 || r->status > SMSOTP_STATUS_MAX)
		return -1;
	spec = &smsotp_replies[r->status];
	for (i = 0; spec->keys[i] != NULL; i++) {
		v = value_of(r, spec->keys[i], num, sizeof(num));
		if (v == NULL && i < spec->nreq)
			return -1;
		if (v != NULL &&
		    smsotp_msg_add(buf, cap, len, spec->keys[i], v) != 0)
			return -1;
	}
	return 0;
}
