/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pending.c - the live challenge of a PAM handle between its calls, and
 * the handle's name for a child that runs a call.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pending.h"
#include "base/wipe.h"

/* The pam_set_data name: one per module, shared by its stack lines. */
#define PENDING_DATA "pam_smsotp_pending"

/*
 * Set when the module is loaded: the process that loaded it, and a random
 * id of this load (inherited by its children, never changed after).
 */
static pid_t loaded_by = -1;
static unsigned char load_id[8];
static int load_id_ok;

static void __attribute__((constructor))
at_load(void)
{
	loaded_by = getpid();
	load_id_ok = getrandom(load_id, sizeof(load_id), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(load_id);
}

struct pending {
	char challenge[SMSOTP_CHALLENGE_HEXLEN + 1];
	char masked[SMSOTP_HELPER_MASKED_MAX + 1];
	struct timespec expires;	/* CLOCK_MONOTONIC */
	size_t size;			/* of the whole allocation */
	size_t keylen;
	/* user, service, rhost, tty, config: each NUL-terminated, "" unset */
	char key[];
};

/* The request's key strings, in the order of struct pending's key. */
static void
key_parts(const struct smsotp_request *req, const char *part[5])
{
	part[0] = req->user;
	part[1] = req->service;
	part[2] = req->rhost;
	part[3] = req->tty;
	part[4] = req->config;
}

/*
 * The length of req's key (each part with its NUL), or 0 when it would
 * overflow. The parts hold no NUL, so equal keys mean equal requests.
 */
static size_t
key_len(const struct smsotp_request *req)
{
	const char *part[5];
	size_t n = 0, len;
	int i;

	key_parts(req, part);
	for (i = 0; i < 5; i++) {
		len = part[i] == NULL ? 0 : strlen(part[i]);
		if (len >= (size_t)-1 / 2 - n)
			return 0;
		n += len + 1;
	}
	return n;
}

static void
key_put(const struct smsotp_request *req, char *out)
{
	const char *part[5];
	size_t len;
	int i;

	key_parts(req, part);
	for (i = 0; i < 5; i++) {
		len = part[i] == NULL ? 0 : strlen(part[i]);
		if (len > 0)
			memcpy(out, part[i], len);
		out[len] = '\0';
		out += len + 1;
	}
}

/* SECURITY: equal only when every part is, compared with its NUL. */
static int
key_equal(const struct pending *p, const struct smsotp_request *req)
{
	const char *part[5];
	const char *k = p->key;
	size_t left = p->keylen, len;
	int i;

	key_parts(req, part);
	for (i = 0; i < 5; i++) {
		len = part[i] == NULL ? 0 : strlen(part[i]);
		if (len >= left || (len > 0 && memcmp(k, part[i], len) != 0) ||
		    k[len] != '\0')
			return 0;
		k += len + 1;
		left -= len + 1;
	}
	return left == 0;
}

/* pam_set_data's cleanup: at pam_end, and when replaced or dropped. */
static void
cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct pending *p = data;

	(void)pamh;
	(void)error_status;
	if (p != NULL) {
		smsotp_wipe(p, p->size);
		free(p);
	}
}

/* a before b */
static int
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

void
smsotp_pending_drop(pam_handle_t *pamh)
{
	const void *v = NULL;

	/* Replacing calls the old cleanup; an unset name is left unset. */
	if (pam_get_data(pamh, PENDING_DATA, &v) == PAM_SUCCESS && v != NULL)
		(void)pam_set_data(pamh, PENDING_DATA, NULL, NULL);
}

int
smsotp_pending_get(pam_handle_t *pamh, const struct smsotp_request *req,
    char challenge[SMSOTP_CHALLENGE_HEXLEN + 1],
    char masked[SMSOTP_HELPER_MASKED_MAX + 1], struct timespec *expires)
{
	const struct pending *p;
	const void *v = NULL;
	struct timespec now;

	if (pam_get_data(pamh, PENDING_DATA, &v) != PAM_SUCCESS || v == NULL)
		return 0;
	p = v;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0 || !before(&now,
	    &p->expires) || !key_equal(p, req)) {
		smsotp_pending_drop(pamh);
		return 0;
	}
	memcpy(challenge, p->challenge, sizeof(p->challenge));
	memcpy(masked, p->masked, sizeof(p->masked));
	*expires = p->expires;
	return 1;
}

int
smsotp_pending_set(pam_handle_t *pamh, const struct smsotp_request *req,
    const char *challenge, const char *masked, const struct timespec *expires)
{
	struct pending *p = NULL;
	size_t keylen = key_len(req);
	int rv = -1;

	smsotp_pending_drop(pamh);
	if (keylen == 0 || strlen(challenge) != SMSOTP_CHALLENGE_HEXLEN ||
	    strlen(masked) > SMSOTP_HELPER_MASKED_MAX)
		goto out;
	p = calloc(1, sizeof(*p) + keylen);
	if (p == NULL) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		goto out;
	}
	p->size = sizeof(*p) + keylen;
	memcpy(p->challenge, challenge, SMSOTP_CHALLENGE_HEXLEN + 1);
	memcpy(p->masked, masked, strlen(masked) + 1);
	p->expires = *expires;
	p->keylen = keylen;
	key_put(req, p->key);
	if (pam_set_data(pamh, PENDING_DATA, p, cleanup) != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "pam_set_data failed");
		goto out;
	}
	p = NULL;		/* the handle owns it now */
	rv = 0;
out:
	cleanup(pamh, p, 0);
	return rv;
}

_Static_assert(SMSOTP_CHALLENGE_HEXLEN == 32,
    "a handle's name: 8 bytes of the load's id, 8 of the address");

int
smsotp_pending_handle_name(pam_handle_t *pamh,
    char out[SMSOTP_CHALLENGE_HEXLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[SMSOTP_CHALLENGE_HEXLEN / 2];
	uint64_t a = (uint64_t)(uintptr_t)pamh;
	size_t i;

	out[0] = '\0';
	if (!load_id_ok || loaded_by <= 0 || getpid() == loaded_by ||
	    getppid() != loaded_by)
		return -1;
	memcpy(raw, load_id, sizeof(load_id));
	for (i = 0; i < 8; i++)
		raw[sizeof(load_id) + i] = (unsigned char)(a >> (8 * i));
	for (i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * sizeof(raw)] = '\0';
	return 0;
}
