/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secfile.c - checked reads of trusted files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/secfile.h"
#include "base/stamps.h"
#include "base/wipe.h"

int
smsotp_secfile_check_fd(int fd, const char *path, uid_t owner, int flags,
    char *why, size_t whysz)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		(void)smsotp_fmt(why, whysz, "%s: fstat: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)smsotp_fmt(why, whysz, "%s: not a regular file", path);
		return -1;
	}
	if (!(flags & SMSOTP_SF_ANY_OWNER) && st.st_uid != owner) {
		(void)smsotp_fmt(why, whysz,
		    "%s: owned by uid %lu, must be owned by uid %lu", path,
		    (unsigned long)st.st_uid, (unsigned long)owner);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		(void)smsotp_fmt(why, whysz,
		    "%s: unsafe mode %04o (writable by group or others)", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if ((flags & SMSOTP_SF_SECRET) && (st.st_mode & S_IROTH)) {
		(void)smsotp_fmt(why, whysz,
		    "%s: unsafe mode %04o (secret readable by others)", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	smsotp_stamps_note(fd, path);
	return 0;
}

void
smsotp_secfile_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	smsotp_wipe(buf, len);
	free(buf);
}

int
smsotp_secfile_read(const char *path, uid_t owner, int flags, size_t maxlen,
    char **out, size_t *outlen, char *why, size_t whysz)
{
	int fd, rv = -1;
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		(void)smsotp_fmt(why, whysz, "%s: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (smsotp_secfile_check_fd(fd, path, owner, flags, why, whysz) != 0)
		goto out;
	buf = malloc(maxlen + 1);
	if (buf == NULL) {
		(void)smsotp_fmt(why, whysz, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf + used, maxlen + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			(void)smsotp_fmt(why, whysz, "%s: read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > maxlen) {
			(void)smsotp_fmt(why, whysz,
			    "%s: larger than %zu bytes", path, maxlen);
			goto out;
		}
	}
	buf[used] = '\0';
	if (memchr(buf, '\0', used) != NULL) {
		(void)smsotp_fmt(why, whysz, "%s: contains a NUL byte", path);
		goto out;
	}
	*out = buf;
	*outlen = used;
	buf = NULL;
	rv = 0;
out:
	if (buf != NULL)
		smsotp_secfile_free(buf, maxlen + 1);
	close(fd);
	return rv;
}
