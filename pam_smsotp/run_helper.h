/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_helper.h - one request to smsotp-helper per execution, and its
 * validated reply. The helper is always SMSOTP_HELPER_PATH (compiled in).
 */
#ifndef SMSOTP_RUN_HELPER_H
#define SMSOTP_RUN_HELPER_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "proto/ops.h"

/* Overall time for one helper run (the helper has its own 30 s deadline). */
#define SMSOTP_HELPER_TIMEOUT_MS 40000
/*
 * The longest typed answer sent as typed; a longer one is sent as "x": an
 * invalid code, one wrong try. (Codes themselves are at most 10 digits,
 * helper/core/code.h; this bounds what a user may paste.)
 */
#define SMSOTP_TYPED_MAX 128
/* Requests are small: user, host names and a path, each on one line. */
#define SMSOTP_REQUEST_CAP (SMSOTP_PROTO_MAX_LINE * 8)
/* masked= is at most this many bytes (plus the NUL). */
#define SMSOTP_HELPER_MASKED_MAX 63

/*
 * A request. Lines are sent only for the op that takes them:
 *   begin:  user service rhost tty [config] [nullok=1] [handle]
 *   resend: user challenge service rhost tty [config]
 *   verify: user challenge code [config]
 * A NULL or empty service, rhost, tty or config is omitted. user and (for
 * resend and verify) challenge are required; code is required for verify.
 */
struct smsotp_request {
	enum smsotp_op op;
	const char *user;
	const char *challenge;
	const char *code;	/* SECURITY: the typed code; never logged */
	const char *service;
	const char *rhost;
	const char *tty;
	const char *config;
	int nullok;		/* begin: sent as nullok=1 (the helper's decoy) */
	const char *handle;	/* begin: the handle's name (pending.h), or NULL */
};

/* A validated reply; only the fields of its status are meaningful. */
#define SMSOTP_HELPER_REASON_MAX 23	/* a SKIP reason: [a-z-] */

struct smsotp_helper_reply {
	int status;		/* enum smsotp_status */
	char challenge[SMSOTP_CHALLENGE_HEXLEN + 1];	/* SENT */
	char masked[SMSOTP_HELPER_MASKED_MAX + 1];	/* SENT */
	long ttl;		/* SENT */
	long resend_after;	/* SENT */
	int again;		/* SENT by begin: again=1, no new text */
	long retry_after;	/* RATE_LIMITED */
	long attempts_left;	/* BAD_CODE */
	long until;		/* LOCKED, when has_until */
	int has_until;
	char reason[SMSOTP_HELPER_REASON_MAX + 1];	/* SKIP: why */
	int failmode;		/* GATEWAY_DOWN: 0 the module's, 1 secure,
				   2 safe (the service's rule) */
	int backup;		/* GATEWAY_DOWN, RATE_LIMITED: challenge and
				   ttl are for a backup code (no text) */
};

/*
 * Build the request lines for req (the same bytes on the pipe and on the
 * socket) into buf, which has SMSOTP_REQUEST_CAP bytes; *used is their
 * length, buf NUL-terminated. A typed code longer than SMSOTP_TYPED_MAX is
 * sent as "x". 0, or -1 when req is incomplete or does not fit.
 * SECURITY: buf then holds the typed code: the caller wipes it.
 */
int smsotp_request_build(const struct smsotp_request *req, char *buf,
    size_t *used) __attribute__((warn_unused_result, nonnull));

/*
 * Run the helper once for req. Returns 0 with *rep filled from a reply
 * that parsed, carried exactly the keys of its status with valid values,
 * and whose status equals the helper's exit status. Returns -1 ("helper
 * failed", logged at LOG_ERR) on anything else: request too large, pipe,
 * fork or exec failure, crash, signal, timeout (the helper is killed),
 * oversized or malformed reply, or status/exit mismatch. The caller maps
 * -1 to PAM_AUTHINFO_UNAVAIL, never to success.
 */
int smsotp_run_helper(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep)
    __attribute__((warn_unused_result));

/*
 * exit_status for a reply that came without one (the service's socket):
 * the reply's own status is the answer. Distinct from -1, which still
 * never matches.
 */
#define SMSOTP_REPLY_NO_EXIT (-2)

/*
 * Validate a reply buf[0..len) as received from a helper that exited with
 * exit_status (-1 when it did not exit normally, SMSOTP_REPLY_NO_EXIT when
 * there is no exit status to compare). 0 and *rep filled, or -1 with *why
 * set to a static reason. Pure: exposed for tests and fuzzing.
 */
int smsotp_helper_reply_parse(const char *buf, size_t len, int exit_status,
    struct smsotp_helper_reply *rep, const char **why)
    __attribute__((warn_unused_result));

#endif
