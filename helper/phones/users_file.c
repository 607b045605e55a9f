/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/users_file.c - the users file phone source: open and check
 * the file, ask its index, else scan it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/secfile.h"
#include "phones/index.h"
#include "phones/users_file.h"
#include "phones/users_format.h"

int
smsotp_users_open(const char *path, uid_t owner, struct stat *sb, char *why,
    size_t whysz)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		smsotp_users_why(why, whysz, path, 0, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno), NULL);
		return -1;
	}
	if (smsotp_secfile_check_fd(fd, path, owner, 0, why, whysz) != 0)
		goto fail;
	if (fstat(fd, sb) != 0) {
		smsotp_users_why(why, whysz, path, 0, "fstat", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
smsotp_users_index_check(const char *path, uid_t owner,
    struct smsotp_users_index_note *note, char *why, size_t whysz)
{
	struct stat sb;
	int fd = -1, rv = -1;

	note->state = SMSOTP_UIDX_ABSENT;
	note->why[0] = '\0';
	fd = smsotp_users_open(path, owner, &sb, why, whysz);
	if (fd < 0)
		goto out;
	smsotp_users_index_state(path, owner, &sb, note);
	rv = note->state;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

/* The scan's state: one user looked up. */
struct lookup {
	const char *path, *user, *cc;
	size_t userlen;
	char *out, *why;
	size_t whysz;
};

static int
lookup_cb(void *arg, const char *line, size_t len, unsigned long lineno)
{
	struct lookup *l = arg;

	return smsotp_users_line(line, len, l->path, lineno, l->user,
	    l->userlen, l->cc, l->out, l->why, l->whysz);
}

static enum smsotp_phone_result
file_lookup(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	const struct smsotp_users_file_source *fs = src->ctx;
	struct smsotp_users_index_note ignored, *note;
	struct lookup l;
	struct stat sb;
	unsigned long longline;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int fd = -1;

	note = fs->note != NULL ? fs->note : &ignored;
	note->state = SMSOTP_UIDX_ABSENT;
	note->why[0] = '\0';
	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	fd = smsotp_users_open(fs->path, fs->owner, &sb, why, whysz);
	if (fd < 0)
		goto out;
	/* The index answers in O(1) when current; when absent, stale or
	 * unusable the scan gives the same answer. */
	rv = smsotp_users_index_lookup(fs->path, fs->owner, &sb, user,
	    src->default_country, out, why, whysz, note);
	if (note->state == SMSOTP_UIDX_USED)
		goto out;
	l.path = fs->path;
	l.user = user;
	l.userlen = strlen(user);
	l.cc = src->default_country;
	l.out = out;
	l.why = why;
	l.whysz = whysz;
	switch (smsotp_users_scan(fd, fs->path, lookup_cb, &l, &longline, why,
	    whysz)) {
	case SMSOTP_PHONE_FOUND:
		rv = SMSOTP_PHONE_FOUND;
		break;
	case SMSOTP_PHONE_NONE:
		rv = SMSOTP_PHONE_NONE;
		break;
	default:
		rv = SMSOTP_PHONE_ERROR;
		break;
	}
out:
	if (rv != SMSOTP_PHONE_FOUND)
		out[0] = '\0';
	if (fd >= 0)
		close(fd);
	return rv;
}

const struct smsotp_phone_source_ops smsotp_phone_source_file = {
	.name = "file",
	.lookup = file_lookup,
};
