/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * socket_client.h - one request to the resident service over its Unix
 * stream socket, SMSOTP_SOCKET_PATH (compiled in), and its validated reply.
 *
 * Wire: the request lines of smsotp_request_build(), then one empty line;
 * the server answers with the reply lines of the pipe and closes. There is
 * no exit status: the reply's own status is the answer.
 */
#ifndef SMSOTP_SOCKET_CLIENT_H
#define SMSOTP_SOCKET_CLIENT_H

#include <sys/types.h>

#include <security/pam_modules.h>

#include "run_helper.h"

/*
 * The outcome of one request. Only UNAVAILABLE may be followed by an exec
 * of the helper (transport=auto): in every other case the service is
 * there, and either cannot be trusted, or may already have acted on the
 * request (a second try could send a second text).
 */
enum smsotp_sock_result {
	SMSOTP_SOCK_OK = 0,		/* *rep holds a validated reply */
	SMSOTP_SOCK_UNAVAILABLE,	/* nothing sent: no socket file
					 * (ENOENT), nobody listening
					 * (ECONNREFUSED) */
	SMSOTP_SOCK_UNTRUSTED,		/* nothing sent: the path is not a
					 * socket, or it or the server's peer
					 * uid is not trusted */
	SMSOTP_SOCK_BUSY,		/* nothing sent: the server's listen
					 * backlog is full (EAGAIN) */
	SMSOTP_SOCK_ERROR,		/* nothing sent: a local failure or
					 * another connect error (EACCES...) */
	SMSOTP_SOCK_NO_ANSWER,		/* connected to a trusted server: no
					 * valid reply by the deadline */
};

#define SMSOTP_SOCK_TRUST_MAX 2

/* The uids the socket file and the server may have, named for the log. */
struct smsotp_sock_trust {
	int n;
	uid_t uid[SMSOTP_SOCK_TRUST_MAX];
	const char *name[SMSOTP_SOCK_TRUST_MAX];	/* "root", "_smsotp" */
};

/*
 * Root and SMSOTP_SERVICE_USER (getpwnam_r). A user that does not exist,
 * or cannot be looked up (logged), leaves root alone trusted.
 */
void smsotp_sock_trust_default(pam_handle_t *pamh, int debug,
    struct smsotp_sock_trust *t) __attribute__((nonnull(3)));

/*
 * One request to the server at path, trusted as *trust, within timeout_ms
 * for the whole exchange (connect, send, reply). OK fills *rep with a reply
 * validated as smsotp_helper_reply_parse() does (SMSOTP_REPLY_NO_EXIT).
 * Every result but OK and UNAVAILABLE is logged here at LOG_ERR with its
 * reason; for UNAVAILABLE *unavail_why gets a static reason and the caller
 * decides whether that is an error. *rep is zeroed unless OK.
 * SECURITY: the socket file must be a socket owned by a trusted uid
 * (lstat: no symlink is followed), and the connected server's SO_PEERCRED
 * uid must be trusted before a byte of the request is written.
 */
enum smsotp_sock_result smsotp_socket_request_at(pam_handle_t *pamh,
    int debug, const char *path, const struct smsotp_sock_trust *trust,
    long timeout_ms, const struct smsotp_request *req,
    struct smsotp_helper_reply *rep, const char **unavail_why)
    __attribute__((warn_unused_result, nonnull(3, 4, 6, 7, 8)));

/*
 * The same at SMSOTP_SOCKET_PATH, trusting smsotp_sock_trust_default(),
 * within SMSOTP_HELPER_TIMEOUT_MS (the exec path's deadline).
 */
enum smsotp_sock_result smsotp_socket_request(pam_handle_t *pamh, int debug,
    const struct smsotp_request *req, struct smsotp_helper_reply *rep,
    const char **unavail_why)
    __attribute__((warn_unused_result, nonnull(3, 4, 5)));

#endif
