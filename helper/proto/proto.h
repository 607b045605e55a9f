/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto.h - the wire protocol between pam_smsotp.so and smsotp-helper.
 *
 * One request per helper execution, sent on the helper's stdin; one reply
 * on its stdout. Both are text lines "key=value\n", values percent-encoded
 * (every byte outside [A-Za-z0-9._~+-] as %XX), each line at most
 * SMSOTP_PROTO_MAX_LINE bytes, at most SMSOTP_PROTO_MAX_FIELDS lines.
 * The first line of a request is "op=begin|resend|verify", the first line
 * of a reply is "status=NAME". A key may appear once; unknown keys are
 * rejected by whoever validates the message (smsotp_msg_check_keys()).
 *
 * This file is linked into the PAM module: it must stay free of libcurl,
 * libconfig and anything that reads secrets.
 */
#ifndef SMSOTP_PROTO_H
#define SMSOTP_PROTO_H

#include <stddef.h>

/*
 * Stable status enum: the values are part of the protocol (and the helper's
 * exit status). Never renumber; only append.
 */
enum smsotp_status {
	SMSOTP_OK = 0,
	SMSOTP_SENT = 1,
	SMSOTP_SKIP = 2,
	SMSOTP_BAD_CODE = 3,
	SMSOTP_EXPIRED = 4,
	SMSOTP_LOCKED = 5,
	SMSOTP_RATE_LIMITED = 6,
	SMSOTP_NO_PHONE = 7,
	SMSOTP_GATEWAY_DOWN = 8,
	SMSOTP_ERROR = 9,
};
#define SMSOTP_STATUS_MAX SMSOTP_ERROR

#define SMSOTP_PROTO_MAX_LINE   4096	/* bytes per line, key and '\n' included */
#define SMSOTP_PROTO_MAX_FIELDS 16
#define SMSOTP_PROTO_MAX_MSG    (SMSOTP_PROTO_MAX_LINE * SMSOTP_PROTO_MAX_FIELDS)
#define SMSOTP_PROTO_MAX_KEY    31
#define SMSOTP_CHALLENGE_HEXLEN 32	/* 16 random bytes, lower-case hex */

/* Name of a status ("SENT"), or NULL when out of range. */
const char *smsotp_status_name(int status);
/* Status for a name, or -1 when the name is unknown. */
int smsotp_status_from_name(const char *name);

struct smsotp_field {
	char key[SMSOTP_PROTO_MAX_KEY + 1];
	char *value;		/* decoded, NUL-terminated, owned by the msg */
	size_t len;		/* decoded length (a value may hold no NUL) */
};

struct smsotp_msg {
	int nfields;
	struct smsotp_field f[SMSOTP_PROTO_MAX_FIELDS];
};

/*
 * Parse buf[0..len) into msg. Returns 0, or -1 with *why set to a static
 * description (line too long, bad key, bad escape, duplicate key, embedded
 * NUL, too many fields, missing final newline). On failure msg is left
 * empty (nothing to free). Values holding a NUL byte are rejected.
 */
int smsotp_msg_parse(const char *buf, size_t len, struct smsotp_msg *msg,
    const char **why) __attribute__((warn_unused_result, nonnull));

/* Value of key, or NULL when absent. */
const char *smsotp_msg_get(const struct smsotp_msg *msg, const char *key)
    __attribute__((nonnull));

/*
 * 0 when every key of msg is in the NULL-terminated list allowed, -1 and
 * *bad set to the first offending key otherwise.
 */
int smsotp_msg_check_keys(const struct smsotp_msg *msg,
    const char *const *allowed, const char **bad) __attribute__((nonnull));

/* Wipe (sodium-free explicit_bzero) and free every value. */
void smsotp_msg_free(struct smsotp_msg *msg);

/*
 * Builder: appends "key=<percent-encoded value>\n" to buf (size cap).
 * *used is the current length. Returns 0, or -1 when it would not fit or
 * the line would exceed SMSOTP_PROTO_MAX_LINE (nothing appended then).
 * buf stays NUL-terminated.
 */
int smsotp_msg_add(char *buf, size_t cap, size_t *used, const char *key,
    const char *value) __attribute__((warn_unused_result, nonnull));
int smsotp_msg_addn(char *buf, size_t cap, size_t *used, const char *key,
    const char *value, size_t vlen) __attribute__((warn_unused_result, nonnull));

/* Parse a decimal in [min,max] without sign or junk. 0 ok, -1 otherwise. */
int smsotp_parse_long(const char *s, long min, long max, long *out)
    __attribute__((warn_unused_result, nonnull));


#endif
