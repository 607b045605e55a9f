/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/account.c - the NSS name of an account
 * (helper/phones/account.h).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phones/account.h"

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

enum smsotp_phone_result
smsotp_user_canon(const char *given, char *out, size_t outsz, uid_t *uid,
    char *why, size_t whysz)
{
	struct passwd pwd, *pw = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	size_t n;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int e;

	if (sz < 1024)
		sz = 1024;
	for (;;) {
		buf = malloc((size_t)sz);
		if (buf == NULL) {
			(void)smsotp_fmt(why, whysz, "out of memory");
			return SMSOTP_PHONE_ERROR;
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
	balance(pw != NULL, buf, (size_t)sz);
	explicit_bzero(buf, (size_t)sz);
	free(buf);
	return rv;
}
