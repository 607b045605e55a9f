/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/http_client.c - one hardened libcurl request per call, on
 * a handle the gateway keeps (its pool). libcurl is loaded (dlopen) on the
 * first request only: helper runs that send nothing over HTTP never pay
 * for loading it and its TLS stack.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>

#include <curl/curl.h>	/* types and constants only: calls go through lc */
#include <jansson.h>
#include <malloc.h>

#include "gateways/http_client.h"
#include "base/log.h"
#include "base/wipe.h"

#define MIN_LEFT 0.05		/* refuse to start with less than 50 ms left */
#define POOL_IDLE 4		/* handles a gateway keeps idle */
/*
 * How long a kept connection and a parsed CA store are used (s): a CA
 * file replaced on disk applies within this, as a changed configuration
 * does in the resident service.
 */
#define KEEP_SECONDS 60L

/*
 * SECURITY: libcurl by soname only, never a path from configuration or
 * the environment (the helper's environment is empty, and the loader
 * ignores LD_LIBRARY_PATH for a setgid program).
 */
#define LIBCURL_SONAME "libcurl.so.4"

/* The libcurl functions used here, resolved once by lc_load. */
static struct {
	int state;			/* 0 not tried, 1 loaded, -1 failed */
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} lc;

/*
 * Load libcurl and call curl_global_init, once per process (pthread_once:
 * the resident service's threads may race to the first send). A failure is
 * remembered and logged once, and every request then fails as a transport
 * error.
 */
static void
lc_load_once(void)
{
	void *dl;
	int bad = 0;

	lc.state = -1;
	dl = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		smsotp_log(LOG_ERR, "cannot load " LIBCURL_SONAME
		    ": HTTP gateways unavailable");
		return;
	}
#define SYM(f, n) (bad |= smsotp_dlsym_fn(dl, n, &lc.f, sizeof(lc.f)))
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_reset, "curl_easy_reset");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (bad) {
		smsotp_log(LOG_ERR, LIBCURL_SONAME " lacks a needed function: "
		    "HTTP gateways unavailable");
		return;		/* dl stays loaded: harmless */
	}
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		smsotp_log(LOG_ERR, "libcurl failed to initialise: "
		    "HTTP gateways unavailable");
		return;
	}
	lc.state = 1;
}

/* 0 when libcurl is usable. */
static int
lc_load(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (pthread_once(&once, lc_load_once) != 0)
		return -1;
	return lc.state > 0 ? 0 : -1;
}

struct smsotp_http_pool {
	pthread_mutex_t mu;
	int n;
	CURL *idle[POOL_IDLE];
};

struct smsotp_http_pool *
smsotp_http_pool_new(void)
{
	struct smsotp_http_pool *p = calloc(1, sizeof(*p));

	if (p != NULL && pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}

void
smsotp_http_pool_free(struct smsotp_http_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		lc.easy_cleanup(p->idle[i]);	/* only libcurl's filled it */
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* A kept handle of p when one is idle, else a new one (NULL: OOM). */
static CURL *
handle_take(struct smsotp_http_pool *p)
{
	CURL *h = NULL;

	if (p != NULL) {
		pthread_mutex_lock(&p->mu);
		if (p->n > 0)
			h = p->idle[--p->n];
		pthread_mutex_unlock(&p->mu);
	}
	return h != NULL ? h : lc.easy_init();
}

/*
 * Back to p, its options dropped (SECURITY: the credentials and body of
 * the request are not kept), its connections and CA store kept; freed
 * when p is full or there is none.
 */
static void
handle_give(struct smsotp_http_pool *p, CURL *h)
{
	if (h == NULL)
		return;
	lc.easy_reset(h);
	if (p != NULL) {
		pthread_mutex_lock(&p->mu);
		if (p->n < POOL_IDLE) {
			p->idle[p->n++] = h;
			h = NULL;
		}
		pthread_mutex_unlock(&p->mu);
	}
	if (h != NULL)
		lc.easy_cleanup(h);
}

struct sink {
	char *buf;
	size_t len, cap;
	int too_large;
	int oom;		/* the reply did not fit in memory */
	int sock_errno;		/* socket() refused for a local reason */
	long retry_after;
};

/* SECURITY: replies may echo the message (and so the code): wipe on growth. */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *k = userdata;
	size_t n = size * nmemb, ncap;
	char *nb;

	if (n == 0)
		return 0;
	if (n > SMSOTP_HTTP_MAX_REPLY || k->len + n > SMSOTP_HTTP_MAX_REPLY) {
		k->too_large = 1;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (k->len + n + 1 > k->cap) {
		ncap = k->cap != 0 ? k->cap : 4096;
		while (ncap < k->len + n + 1)
			ncap *= 2;
		nb = malloc(ncap);
		if (nb == NULL) {
			k->oom = 1;
			return 0;
		}
		if (k->buf != NULL) {
			memcpy(nb, k->buf, k->len);
			smsotp_wipe(k->buf, k->cap);
			free(k->buf);
		}
		k->buf = nb;
		k->cap = ncap;
	}
	memcpy(k->buf + k->len, ptr, n);
	k->len += n;
	k->buf[k->len] = '\0';
	return n;
}

/* Retry-After in its delta-seconds form; the HTTP-date form is ignored. */
static size_t
header_cb(char *ptr, size_t size, size_t nitems, void *userdata)
{
	struct sink *k = userdata;
	size_t n = size * nitems, i;
	static const char name[] = "retry-after:";
	long v = 0;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		k->retry_after = -1;	/* a new response (after 1xx) */
		return n;
	}
	if (n <= sizeof(name) - 1 || strncasecmp(ptr, name, sizeof(name) - 1) != 0)
		return n;
	i = sizeof(name) - 1;
	while (i < n && (ptr[i] == ' ' || ptr[i] == '\t'))
		i++;
	if (i >= n || ptr[i] < '0' || ptr[i] > '9')
		return n;
	for (; i < n && ptr[i] >= '0' && ptr[i] <= '9'; i++) {
		v = v * 10 + (ptr[i] - '0');
		if (v > 86400 * 365)
			return n;	/* absurd: ignore */
	}
	while (i < n && (ptr[i] == ' ' || ptr[i] == '\t' || ptr[i] == '\r' ||
	    ptr[i] == '\n'))
		i++;
	if (i == n)
		k->retry_after = v;
	return n;
}

/* A socket refused for lack of descriptors or memory is a local fault. */
static curl_socket_t
open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct sink *k = clientp;
	int fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
	    errno == ENOBUFS || errno == ENOMEM))
		k->sock_errno = errno;
	return fd < 0 ? CURL_SOCKET_BAD : (curl_socket_t)fd;
}

/* libcurl results that come from this host, never from the server. */
static int
local_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_FAILED_INIT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FUNCTION_NOT_FOUND:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_INTERFACE_FAILED:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
		return 1;
	default:
		return 0;
	}
}

static long
min_ms(long seconds, double left)
{
	long a = seconds * 1000, b = (long)(left * 1000.0);

	return a < b ? a : b;
}

static void
set_error(struct smsotp_http_resp *resp, const char *msg)
{
	smsotp_sanitize(resp->error, sizeof(resp->error), msg, strlen(msg));
}

/* Wipe then free a header list (headers may hold API keys). */
static void
free_headers(struct curl_slist *list)
{
	struct curl_slist *p;

	for (p = list; p != NULL; p = p->next)
		if (p->data != NULL)
			smsotp_wipe(p->data, strlen(p->data));
	if (list != NULL)
		lc.slist_free_all(list);
}

/* Whether libcurl was built with a default CA bundle file. */
static int
default_bundle(CURL *h)
{
	char *path = NULL;

	return lc.easy_getinfo(h, CURLINFO_CAINFO, &path) == CURLE_OK &&
	    path != NULL && path[0] != '\0';
}

/* All options; nonzero on the first one libcurl refuses. */
static CURLcode
setup(CURL *h, const struct smsotp_http_opts *opts,
    const struct smsotp_http_req *req, double left, struct sink *k,
    struct curl_slist *hdrs, char *errbuf)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { \
		if (rc == CURLE_OK) \
			rc = lc.easy_setopt(h, opt, val); \
	} while (0)
	/* a speed-up only: a libcurl that lacks it works without */
#define OPTIONAL(opt, val) do { \
		if (rc == CURLE_OK) \
			rc = lc.easy_setopt(h, opt, val); \
		if (rc == CURLE_UNKNOWN_OPTION || rc == CURLE_NOT_BUILT_IN) \
			rc = CURLE_OK; \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, req->url);
	/* SECURITY: https only, never redirected, always verified. */
	SET(CURLOPT_PROTOCOLS_STR, opts->insecure_http ? "http,https" : "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (opts->ca_file != NULL)
		SET(CURLOPT_CAINFO, opts->ca_file);
	/*
	 * The bundle file alone, never a hashed directory besides it: the
	 * CA store is parsed once per kept handle and cached only then
	 * (Debian's libcurl has a default CAPATH, which turns the cache off;
	 * update-ca-certificates writes every CA it knows into the bundle).
	 * The system's CAs so only where libcurl has a default bundle file.
	 */
	if (opts->ca_file != NULL || default_bundle(h))
		SET(CURLOPT_CAPATH, (char *)NULL);
	OPTIONAL(CURLOPT_CA_CACHE_TIMEOUT, KEEP_SECONDS);
	OPTIONAL(CURLOPT_MAXAGE_CONN, KEEP_SECONDS);
	if (opts->pinned_public_key != NULL)
		SET(CURLOPT_PINNEDPUBLICKEY, opts->pinned_public_key);
	/*
	 * SECURITY: environment proxies never apply. "" disables proxies
	 * outright; with a configured proxy, NOPROXY "" keeps no_proxy from
	 * the environment from routing around it.
	 */
	if (opts->proxy != NULL) {
		SET(CURLOPT_PROXY, opts->proxy);
		SET(CURLOPT_NOPROXY, "");
		SET(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
	} else {
		SET(CURLOPT_PROXY, "");
	}
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_CONNECTTIMEOUT_MS, min_ms(opts->connect_timeout, left));
	SET(CURLOPT_TIMEOUT_MS, min_ms(opts->timeout, left));
	SET(CURLOPT_USERAGENT, "pam_smsotp/" SMSOTP_VERSION);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SMSOTP_HTTP_MAX_REPLY);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, k);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, k);
	SET(CURLOPT_OPENSOCKETFUNCTION, open_cb);
	SET(CURLOPT_OPENSOCKETDATA, k);
	if (req->username != NULL) {
		/* SECURITY: credentials never go into the URL. */
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, req->username);
		SET(CURLOPT_PASSWORD, req->password != NULL ? req->password : "");
	}
	if (strcmp(req->method, "POST") == 0) {
		SET(CURLOPT_POST, 1L);
		/* Not COPYPOSTFIELDS: the caller owns (and wipes) the body. */
		SET(CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0));
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
	SET(CURLOPT_HTTPHEADER, hdrs);
#undef OPTIONAL
#undef SET
	return rc;
}

int
smsotp_http_do(const struct smsotp_http_opts *opts,
    const struct smsotp_http_req *req, double deadline,
    struct smsotp_http_resp *resp)
{
	char errbuf[CURL_ERROR_SIZE];
	struct sink k = { NULL, 0, 0, 0, 0, 0, -1 };
	struct curl_slist *hdrs = NULL, *t;
	const char *const *hp;
	CURL *h = NULL;
	CURLcode rc;
	double left = deadline - smsotp_mono();
	int rv = -1;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	resp->transport_error = 1;
	/* Until the request is on its way, every failure is this host's. */
	resp->local = 1;
	errbuf[0] = '\0';
	if (left < MIN_LEFT) {
		set_error(resp, "deadline reached before the request");
		goto out;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0) {
		set_error(resp, "unsupported HTTP method");
		goto out;
	}
	if (opts->connect_timeout <= 0 || opts->timeout <= 0) {
		set_error(resp, "timeouts must be positive");
		goto out;
	}
	if (lc_load() != 0) {
		set_error(resp, "libcurl unavailable");
		goto out;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	hdrs = lc.slist_append(NULL, "Expect:");
	for (hp = req->headers; hdrs != NULL && hp != NULL && *hp != NULL; hp++) {
		t = lc.slist_append(hdrs, *hp);
		if (t == NULL)
			free_headers(hdrs);
		hdrs = t;
	}
	h = handle_take(opts->pool);
	if (hdrs == NULL || h == NULL) {
		set_error(resp, "out of memory");
		goto out;
	}
	rc = setup(h, opts, req, left, &k, hdrs, errbuf);
	if (rc != CURLE_OK) {
		set_error(resp, errbuf[0] != '\0' ? errbuf : lc.easy_strerror(rc));
		goto out;
	}
	rc = lc.easy_perform(h);
	(void)lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->retry_after = k.retry_after;
	resp->local = k.oom || k.sock_errno != 0 || local_code(rc);
	if (k.oom) {
		set_error(resp, "out of memory for the reply");
		goto out;
	}
	if (k.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		set_error(resp, "reply too large");
		goto out;
	}
	if (rc != CURLE_OK) {
		set_error(resp, k.sock_errno != 0 ? strerror(k.sock_errno) :
		    errbuf[0] != '\0' ? errbuf : lc.easy_strerror(rc));
		goto out;
	}
	resp->transport_error = 0;
	resp->local = 0;
	if (k.buf == NULL) {
		k.buf = calloc(1, 1);
		if (k.buf == NULL) {
			set_error(resp, "out of memory");
			resp->transport_error = 1;
			resp->local = 1;
			goto out;
		}
		k.cap = 1;
	}
	resp->body = k.buf;
	resp->len = k.len;
	k.buf = NULL;
	rv = 0;
out:
	handle_give(opts->pool, h);
	free_headers(hdrs);
	if (k.buf != NULL) {
		smsotp_wipe(k.buf, k.cap);
		free(k.buf);
	}
	return rv;
}

void
smsotp_http_resp_free(struct smsotp_http_resp *resp)
{
	if (resp == NULL)
		return;
	if (resp->body != NULL) {
		smsotp_wipe(resp->body, resp->len);
		free(resp->body);
	}
	resp->body = NULL;
	resp->len = 0;
}

char *
smsotp_http_form_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(3 * n + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* SECURITY: parsed replies may hold the text (and so the code): wipe. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	smsotp_wipe(p, malloc_usable_size(p));
	free(p);
}

int
smsotp_http_global_init(void)
{
	/* libcurl itself is loaded and initialised by the first request. */
	json_set_alloc_funcs(malloc, wiping_free);
	return 0;
}
