/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/store/dir_scan.c - every user's state file of the store, read without the
 * lock (smsotpctl locked, status of all users).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "store/state.h"
#include "store/dir_int.h"
#include "base/util.h"

/* "u-" + 32 lower-case hex digits, nothing more. */
static int
state_name_ok(const char *n)
{
	int i;

	if (n[0] != 'u' || n[1] != '-')
		return 0;
	for (i = 2; i < 34; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	return n[34] == '\0';
}

int
smsotp_state_foreach(struct smsotp_store *store,
    int (*fn)(const char *name, const struct smsotp_state *st, void *arg),
    void *arg)
{
	struct smsotp_state st;
	char chk[SMSOTP_STATE_NAME_SIZE], why[512];
	struct dirent *e;
	DIR *d;
	int fd, exists, r, rv = SMSOTP_ST_ERROR;

	/* A new open file description: our readdir offset is our own. */
	fd = openat(store->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return SMSOTP_ST_ERROR;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return SMSOTP_ST_ERROR;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (e == NULL) {
			if (errno == 0)
				rv = 0;
			break;
		}
		if (!state_name_ok(e->d_name))
			continue;
		r = smsotp_state_read_unlocked(store, e->d_name, &st, &exists, why, sizeof(why));
		if (r == SMSOTP_ST_OK && !exists)
			continue;		/* removed meanwhile */
		if (r == SMSOTP_ST_OK) {
			smsotp_state_name(st.user, chk);
			if (strcmp(chk, e->d_name) != 0)
				r = SMSOTP_ST_CORRUPT;
		}
		rv = fn(e->d_name, r == SMSOTP_ST_OK ? &st : NULL, arg);
		if (rv != 0)
			break;
	}
	closedir(d);
	smsotp_wipe(&st, sizeof(st));
	return rv;
}
