/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mockgw.h - for cmocka tests of the HTTP gateway types: the local mock
 * gateway processes (tests/integration/mock_gateway.py) with a test CA,
 * their request logs, configuring a gateway from config text, and sending
 * through it with checks that no secret or code reaches the result.
 */
#ifndef SMSOTP_MOCKGW_H
#define SMSOTP_MOCKGW_H

#include <sys/types.h>

#include <jansson.h>

#include "gateways/gateway.h"

#define MOCKGW_PYTHON "/usr/bin/python3"

/* The mock instances: certificate (NULL: plain HTTP) and log name. */
enum { MOCKGW_GOOD, MOCKGW_WRONG, MOCKGW_SELF, MOCKGW_EXPIRED, MOCKGW_PLAIN,
	MOCKGW_N };

struct mockgw {
	const char *cert;
	const char *logname;
	pid_t pid;
	int port;
	int rfd;
	char *log;
};

struct mockgw_env {
	char *dir;		/* scratch dir: certs (mkcerts.sh), logs */
	char pin[128];		/* "sha256//..." of good's key */
	struct mockgw m[MOCKGW_N];
};

extern struct mockgw_env mockgw;

/*
 * curl_global_init, make the certificates in a new scratch dir, start
 * the instances whose bit (1 << MOCKGW_X) is in mask, each with the extra
 * arguments (NULL-terminated, may be NULL), and wait for them. 0 or -1
 * (everything stopped again).
 */
int mockgw_setup(unsigned mask, const char *const *extra);
/* Stop the mocks, remove the scratch dir. Returns 0 (a cmocka teardown). */
int mockgw_teardown(void);

/* Requests logged by m so far. */
int mockgw_log_lines(const struct mockgw *m);
/* The last request m logged, parsed (the test fails otherwise); decref it. */
json_t *mockgw_log_last(const struct mockgw *m);
/* j[obj][key] (obj NULL: j[key]) as a string, or NULL. */
const char *mockgw_jstr(json_t *j, const char *obj, const char *key);

/*
 * Configure gw as gateway name of type t from text (a whole config with
 * "gateways = ( { ... } );", errors named "test.conf"). Returns what
 * configure returned; errs holds its errors (none on success, at least
 * one on failure, else the test fails).
 */
int mockgw_configure(const struct smsotp_gw_type *t, const char *name,
    const char *text, struct smsotp_gateway *gw, struct smsotp_errs *errs);

/*
 * Send text to to through gw with budget seconds; *elapsed (may be NULL)
 * gets the time taken. Fails the test when res->detail is not terminated
 * or holds any of the NULL-terminated strings in secrets.
 */
void mockgw_send(const struct smsotp_gateway *gw, const char *to,
    const char *text, double budget, const char *const *secrets,
    struct smsotp_gw_result *res, double *elapsed);

/* A non-blocking loopback listener; its port in *port. */
int mockgw_listener(int *port);
/* 1 when a connection is waiting on listening socket lfd (accepted). */
int mockgw_pending(int lfd);

#endif
