/*
 * http.h - one HTTPS request through libcurl with the project's hygiene:
 * peer and host always verified, https only (plain http only with
 * insecure_http), no redirects, finite connect and total timeouts bounded
 * by the caller's deadline, reply capped at SMSOTP_HTTP_MAX_REPLY bytes,
 * proxy only when given (environment proxies ignored), our User-Agent.
 */
#ifndef SMSOTP_HTTP_H
#define SMSOTP_HTTP_H

#include <stddef.h>

#include "util.h"

#define SMSOTP_HTTP_MAX_REPLY (64 * 1024)

struct smsotp_http_opts {
	const char *ca_file;		/* NULL: system bundle */
	const char *pinned_public_key;	/* NULL or "sha256//..." */
	const char *proxy;		/* NULL: never a proxy */
	long connect_timeout;		/* seconds, > 0 */
	long timeout;			/* seconds, > 0 */
	int insecure_http;		/* allow http:// (loopback Kannel) */
};

struct smsotp_http_req {
	const char *method;		/* "GET" or "POST" */
	const char *url;
	const char *const *headers;	/* NULL-terminated, may be NULL */
	const char *body;		/* POST body, may be NULL */
	size_t body_len;
	const char *username;		/* Basic auth when non-NULL */
	const char *password;
};

struct smsotp_http_resp {
	long status;			/* HTTP status, 0 if none */
	char *body;			/* NUL-terminated, NULL if none */
	size_t len;
	long retry_after;		/* seconds from Retry-After, -1 if none */
	int transport_error;		/* 1 when no HTTP reply was received */
	char error[128];		/* libcurl's reason, sanitised */
};

/*
 * Perform req before deadline (smsotp_mono() time). Returns 0 when an HTTP
 * reply was received (any status), -1 otherwise (resp->error says why).
 * Free resp with smsotp_http_resp_free in both cases.
 */
int smsotp_http_do(const struct smsotp_http_opts *opts,
    const struct smsotp_http_req *req, double deadline,
    struct smsotp_http_resp *resp) SMSOTP_WUR;
void smsotp_http_resp_free(struct smsotp_http_resp *resp);

/* application/x-www-form-urlencoded escaping of s; NULL on OOM. free(). */
char *smsotp_http_form_escape(const char *s);

#endif
