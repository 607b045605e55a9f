/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_client.h - one HTTPS request through libcurl with
 * the project's hygiene: peer and host always verified, https only (plain
 * http only with insecure_http), no redirects, finite connect and total
 * timeouts bounded by the caller's deadline, reply capped at
 * SMSOTP_HTTP_MAX_REPLY bytes, proxy only when given (environment proxies
 * ignored), our User-Agent.
 */
#ifndef SMSOTP_HTTP_H
#define SMSOTP_HTTP_H

#include <stddef.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "base/util.h"

#define SMSOTP_HTTP_MAX_REPLY (64 * 1024)

struct smsotp_http_opts {
	const char *ca_file;		/* NULL: system bundle */
	const char *pinned_public_key;	/* NULL or "sha256//..." */
	const char *proxy;		/* NULL: never a proxy */
	long connect_timeout;		/* seconds, > 0 */
	long timeout;			/* seconds, > 0 */
	int insecure_http;		/* allow http:// (loopback Kannel) */
	struct smsotp_http_pool *pool;	/* NULL: a new handle per request */
};

/*
 * The libcurl handles a gateway keeps between its requests (one per
 * request in flight, up to a few kept idle): a kept handle keeps its
 * connection to the provider alive and its parsed CA store, so a warm
 * send in the resident service needs neither a TCP nor a TLS handshake
 * nor a CA bundle parse. Every option, the pin and the deadlines among
 * them, is set anew on every request (libcurl reuses a connection only
 * for the same TLS settings, pin included), and a kept handle holds no
 * option of the last request (reset when it comes back). Thread safe;
 * freed with the gateway's settings.
 */
struct smsotp_http_pool;
struct smsotp_http_pool *smsotp_http_pool_new(void);
void smsotp_http_pool_free(struct smsotp_http_pool *pool);

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
	/*
	 * With transport_error: 1 when the cause is this host's, not the
	 * server's nor the network's (gateway.h LOCALFAIL): libcurl that
	 * cannot be loaded or initialised, out of memory, an option or
	 * protocol this libcurl refuses, an unreadable ca_file, no socket
	 * for a resource limit (EMFILE, ENFILE, ENOBUFS, ENOMEM), the
	 * deadline reached before the request. 0: the server or the network
	 * (refused, reset, DNS, TLS verification, timeout, reply too large).
	 */
	int local;
	char error[128];		/* libcurl's reason, sanitised */
};

/*
 * libcurl is not linked: the first smsotp_http_do loads libcurl.so.4
 * (dlopen, by soname only) and calls curl_global_init; when that fails the
 * request fails as a local transport error, "libcurl unavailable". Besides
 * that table smsotp_http_do keeps no global state: each call uses a fresh
 * easy handle. Single-threaded callers only.
 *
 * Perform req before deadline (smsotp_mono() time). Refuses to start when
 * less than 50 ms are left. Returns 0 when an HTTP
 * reply was received (any status), -1 otherwise (resp->error says why,
 * resp->local whose fault it is). Free resp with smsotp_http_resp_free in
 * both cases.
 */
/*
 * Once per process, before the first request: a jansson allocator that
 * wipes every block it frees (provider replies can echo the text, hence
 * the code). Cheap: libcurl is loaded by the first request. Returns 0.
 */
int smsotp_http_global_init(void) SMSOTP_WUR;

int smsotp_http_do(const struct smsotp_http_opts *opts,
    const struct smsotp_http_req *req, double deadline,
    struct smsotp_http_resp *resp) SMSOTP_WUR;
void smsotp_http_resp_free(struct smsotp_http_resp *resp);

/* application/x-www-form-urlencoded escaping of s; NULL on OOM. free(). */
char *smsotp_http_form_escape(const char *s);

/*
 * Transport settings every HTTP gateway type takes, read from its config
 * group by smsotp_http_configure:
 *   base_url          https://HOST[:PORT][/PATH] (no user info, query or
 *                     fragment; a trailing '/' is dropped); http:// only
 *                     with insecure_http
 *   connect_timeout   1..60 s, default 5
 *   timeout           1..120 s, default 10
 *   ca_file           PEM bundle instead of the system one (checked file)
 *   pinned_public_key "sha256//BASE64[;sha256//...]"
 *   proxy             proxy URL; without it no proxy is ever used
 *   insecure_http     true allows http:// base_urls, and only those whose
 *                     host is 127.0.0.1, ::1 or localhost (loopback Kannel)
 * Gateway types append SMSOTP_HTTP_SETTING_NAMES to their settings list.
 */
#define SMSOTP_HTTP_SETTING_NAMES \
	"base_url", "connect_timeout", "timeout", "ca_file", \
	"pinned_public_key", "proxy", "insecure_http"

struct smsotp_http_settings {
	char *base_url;			/* malloc'ed, no trailing '/' */
	char *ca_file;			/* malloc'ed or NULL */
	char *pinned_public_key;	/* malloc'ed or NULL */
	char *proxy;			/* malloc'ed or NULL */
	struct smsotp_http_opts opts;	/* points at the strings above */
};

/*
 * Read the transport settings of gateway group s into out, which must be
 * zeroed by the caller, except that out->base_url may be preset to a
 * malloc'ed default (e.g. "https://api.twilio.com"); when it is NULL,
 * base_url is required. Errors go to ctx as "FILE:LINE: ...". Returns 0,
 * or -1 after freeing out (smsotp_http_settings_free).
 */
int smsotp_http_configure(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    struct smsotp_http_settings *out) SMSOTP_WUR;
void smsotp_http_settings_free(struct smsotp_http_settings *st);

#endif
