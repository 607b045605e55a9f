/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/account.c - the NSS name of an account
 * (helper/phones/account.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "phones/account.h"
#include "phones/account_files.h"

#define MISS_SAMPLES 16
#define MISS_FRESH 8	/* one hit in this many asks NSS for a miss again */

static pthread_mutex_t miss_mu = PTHREAD_MUTEX_INITIALIZER;
static long miss_us[MISS_SAMPLES];	/* under miss_mu */
static unsigned miss_n, miss_next, miss_hits;

/*
 * SECURITY: NSS answers a name it does not know more slowly than one it
 * knows (every source is asked; nss-systemd is loaded for the miss), so
 * the answer time would tell a caller which names exist. Every request
 * asks NSS once for a name that exists and once for one that does not.
 */
static void
balance(int found, char *buf, size_t sz)
{
	struct passwd pwd, *pw = NULL;

	(void)getpwnam_r(found ? "smsotp-no-such-user" : "root", &pwd, buf, sz,
	    &pw);
	explicit_bzero(buf, sz);
}

static void
miss_note(double started)
{
	long us = (long)((smsotp_mono() - started) * 1e6);

	if (pthread_mutex_lock(&miss_mu) != 0)
		return;
	miss_us[miss_next] = us;
	miss_next = (miss_next + 1) % MISS_SAMPLES;
	if (miss_n < MISS_SAMPLES)
		miss_n++;
	(void)pthread_mutex_unlock(&miss_mu);
}

static void
real_miss(char *buf, size_t sz)
{
	struct passwd pwd, *pw = NULL;
	double t0 = smsotp_mono();

	(void)getpwnam_r("smsotp-no-such-user", &pwd, buf, sz, &pw);
	explicit_bzero(buf, sz);
	miss_note(t0);
}

/*
 * The map was read anew (the request that reads it is slow whether the
 * name is in it or not): the samples of the old file go, and as many new
 * ones as a hit needs are taken now.
 */
static void
misses_anew(char *buf, size_t sz)
{
	int i;

	if (pthread_mutex_lock(&miss_mu) != 0)
		return;
	miss_n = miss_next = miss_hits = 0;
	(void)pthread_mutex_unlock(&miss_mu);
	for (i = 0; i < MISS_SAMPLES / 2; i++)
		real_miss(buf, sz);
}

/*
 * SECURITY: a name the kept map answers costs no NSS lookup, one it does
 * not know costs NSS's whole walk (the files scan, then the sources
 * after files). A hit waits as long as one of the recent NSS misses took
 * (drawn at random); one hit in MISS_FRESH, or any while there are too
 * few samples, makes a real miss instead, to keep them current (a
 * machine under load answers misses more slowly).
 */
static void
like_a_miss(char *buf, size_t sz)
{
	struct timespec ts;
	long us = -1;

	if (pthread_mutex_lock(&miss_mu) == 0) {
		if (miss_n >= MISS_SAMPLES / 2 && miss_hits++ % MISS_FRESH != 0)
			us = miss_us[randombytes_uniform(miss_n)];
		(void)pthread_mutex_unlock(&miss_mu);
	}
	if (us < 0) {
		real_miss(buf, sz);
		return;
	}
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

enum smsotp_phone_result
smsotp_user_canon(const char *given, char *out, size_t outsz, uid_t *uid,
    char *why, size_t whysz)
{
	struct passwd pwd, *pw = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	size_t n;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	double t0 = smsotp_mono();
	int e, kept, fresh = 0;

	if (sz < 1024)
		sz = 1024;
	kept = smsotp_account_files_find(given, out, outsz, uid, &fresh);
	if (kept == 1 && !smsotp_user_ok(out))
		kept = -1;	/* NSS answers, and refuses it below */
	for (;;) {
		buf = malloc((size_t)sz);
		if (buf == NULL) {
			(void)smsotp_fmt(why, whysz, "out of memory");
			return SMSOTP_PHONE_ERROR;
		}
		if (fresh)
			misses_anew(buf, (size_t)sz);
		if (kept == 1) {
			like_a_miss(buf, (size_t)sz);
			free(buf);
			return SMSOTP_PHONE_FOUND;
		}
		e = getpwnam_r(given, &pwd, buf, (size_t)sz, &pw);
		if (e != ERANGE || sz >= 1 << 20)
			break;
		free(buf);
		sz *= 4;
	}
	if (pw == NULL) {
		/* 0, ENOENT, ESRCH, EBADF, EPERM: "no such user" (getpwnam_r(3)) */
		if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF ||
		    e == EPERM) {
			n = strlen(given);
			if (n < outsz) {
				memcpy(out, given, n + 1);
				rv = SMSOTP_PHONE_NONE;
			} else {
				(void)smsotp_fmt(why, whysz, "user name too long");
			}
		} else {
			(void)smsotp_fmt(why, whysz, "user database: %s",
			    strerror(e));
		}
		goto out;
	}
	n = strlen(pw->pw_name);
	if (n >= outsz || !smsotp_user_ok(pw->pw_name)) {
		(void)smsotp_fmt(why, whysz, "the account's name is not usable");
		goto out;
	}
	memcpy(out, pw->pw_name, n + 1);
	*uid = pw->pw_uid;
	rv = SMSOTP_PHONE_FOUND;
out:
	if (kept == 0)
		miss_note(t0);	/* files did not know it: NSS walked on */
	else
		balance(pw != NULL, buf, (size_t)sz);
	explicit_bzero(buf, (size_t)sz);
	free(buf);
	return rv;
}
