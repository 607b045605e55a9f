/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/edit.c - atomic edits of the users file: one user's lines
 * change, everything else is kept byte for byte.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic.h"
#include "base/lock.h"
#include "base/secfile.h"
#include "base/util.h"
#include "phones/edit.h"
#include "phones/users_format.h"

#define LOCK_WAIT_MS 5000
#define OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
smsotp_users_name_ok(const char *user)
{
	size_t i;

	if (user == NULL || !smsotp_user_ok(user) || user[0] == '#')
		return 0;
	for (i = 0; user[i] != '\0'; i++)
		if (is_blank(user[i]) || user[i] == '\r' || user[i] == '\n')
			return 0;
	return 1;
}

/* 1 when line (len bytes, no '\n') is a line of user (the lookup's rule). */
static int
line_is_user(const char *line, size_t len, const char *user, size_t userlen)
{
	size_t f, flen;

	return smsotp_users_line_field(line, len, &f, &flen) &&
	    flen == userlen && memcmp(line + f, user, userlen) == 0;
}

int
smsotp_users_edit(const char *in, size_t inlen, const char *user,
    const char *e164, char **out, size_t *outlen, int *found)
{
	size_t userlen = strlen(user), cap, o = 0, pos = 0, len, newlen = 0;
	char newline[SMSOTP_USER_MAX + SMSOTP_E164_SIZE + 4];
	const char *nl;
	char *buf;
	int placed = 0;

	*out = NULL;
	*outlen = 0;
	*found = 0;
	if (e164 != NULL) {
		if (smsotp_fmt(newline, sizeof(newline), "%s %s\n", user,
		    e164) != 0)
			return -1;
		newlen = strlen(newline);
	}
	cap = inlen + newlen + 2;
	buf = malloc(cap);
	if (buf == NULL)
		return -1;
	while (pos < inlen) {
		nl = memchr(in + pos, '\n', inlen - pos);
		len = (size_t)((nl != NULL ? nl : in + inlen) - (in + pos));
		if (line_is_user(in + pos, len, user, userlen)) {
			(*found)++;
			if (e164 != NULL && !placed) {
				memcpy(buf + o, newline, newlen);
				o += newlen;
				placed = 1;
			}
		} else {
			memcpy(buf + o, in + pos, len);
			o += len;
			if (nl != NULL)
				buf[o++] = '\n';
		}
		pos += len + (nl != NULL ? 1 : 0);
	}
	if (e164 != NULL && !placed) {
		if (o > 0 && buf[o - 1] != '\n')
			buf[o++] = '\n';
		memcpy(buf + o, newline, newlen);
		o += newlen;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
}

/* Split path into a directory and a base name. 0, or -1 when unusable. */
static int
split_path(const char *path, char *dir, size_t dirsz, char *base,
    size_t basesz)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return smsotp_fmt(dir, dirsz, ".") == 0 &&
		    smsotp_fmt(base, basesz, "%s", path) == 0 ? 0 : -1;
	if (slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return -1;
	if (smsotp_fmt(base, basesz, "%s", slash + 1) != 0)
		return -1;
	if (slash == path)
		return smsotp_fmt(dir, dirsz, "/");
	return smsotp_fmt(dir, dirsz, "%.*s", (int)(slash - path), path);
}

/* The directory: no symlink, owned by owner, writable by nobody else. */
static int
open_dir(const char *dir, uid_t owner, char *why, size_t whysz)
{
	struct stat sb;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		smsotp_say(why, whysz, "%s: %s", dir, errno == ENOTDIR || errno == ELOOP ?
		    "not a directory or a symbolic link, refused" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || sb.st_uid != owner ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH))) {
		/* SECURITY: others could swap the file between our steps */
		smsotp_say(why, whysz, "%s: must be owned by uid %lu and not writable "
		    "by group or others, refused", dir, (unsigned long)owner);
		close(fd);
		return -1;
	}
	return fd;
}

int
smsotp_users_dir_lock(const char *path, uid_t owner, char *dir, size_t dirsz,
    char *base, size_t basesz, char *why, size_t whysz)
{
	enum smsotp_lock_result r;
	int dirfd = -1;

	if (split_path(path, dir, dirsz, base, basesz) != 0) {
		smsotp_say(why, whysz, "%s: not a usable file path", path);
		goto out;
	}
	dirfd = open_dir(dir, owner, why, whysz);
	if (dirfd < 0)
		goto out;
	r = smsotp_lock_wait(dirfd, LOCK_WAIT_MS);
	if (r != SMSOTP_LOCK_OK) {
		smsotp_say(why, whysz, "%s: cannot lock: %s", dir,
		    r == SMSOTP_LOCK_BUSY ? strerror(EWOULDBLOCK) :
		    strerror(errno));
		close(dirfd);
		dirfd = -1;
	}
out:
	return dirfd;
}

/* Read the checked file (fd) whole. 0 with *buf, or -1 with why. */
static int
read_all(int fd, const char *path, char **buf, size_t *len, char *why,
    size_t whysz)
{
	struct stat sb;
	size_t used = 0, cap;
	ssize_t n;
	char *b;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &sb) != 0 || sb.st_size > SMSOTP_USERS_EDIT_MAX) {
		smsotp_say(why, whysz, "%s: larger than %d bytes", path,
		    SMSOTP_USERS_EDIT_MAX);
		return -1;
	}
	cap = (size_t)sb.st_size + 1;
	b = malloc(cap + 1);
	if (b == NULL) {
		smsotp_say(why, whysz, "%s: out of memory", path);
		return -1;
	}
	for (;;) {
		n = read(fd, b + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || used + (size_t)n >= cap) {
			smsotp_say(why, whysz, "%s: %s", path, n < 0 ? strerror(errno) :
			    "changed while being read");
			free(b);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (memchr(b, '\0', used) != NULL) {
		smsotp_say(why, whysz, "%s: contains a NUL byte, refused", path);
		free(b);
		return -1;
	}
	b[used] = '\0';
	*buf = b;
	*len = used;
	return 0;
}

/* Replace dir/base with data, owned uid:gid with mode (base/atomic.h). */
static int
replace_file(int dirfd, const char *dir, const char *base, uid_t uid,
    gid_t gid, mode_t mode, const char *data, size_t len, char *why,
    size_t whysz)
{
	struct smsotp_atomic a;

	if (smsotp_atomic_begin(&a, dirfd, dir, base, SMSOTP_ATOMIC_RANDOM,
	    0600, why, whysz) != 0)
		return -1;
	/* chown first: it may clear mode bits that fchmod then sets */
	if (smsotp_atomic_chown(&a, uid, gid, why, whysz) != 0)
		goto fail;
	if (fchmod(a.fd, mode) != 0) {
		smsotp_say(why, whysz, "%s/%s: fchmod: %s", dir, a.tmp,
		    strerror(errno));
		goto fail;
	}
	if (smsotp_atomic_write(&a, data, len, why, whysz) != 0)
		goto fail;
	return smsotp_atomic_commit(&a, SMSOTP_ATOMIC_DURABLE, why, whysz);
fail:
	smsotp_atomic_abort(&a);
	return -1;
}

int
smsotp_users_file_edit(const char *path, uid_t owner, const char *user,
    const char *e164, gid_t new_gid, mode_t new_mode, char *why, size_t whysz)
{
	char dir[4096], base[256];
	char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	struct stat sb;
	int dirfd = -1, fd = -1, found = 0, rv = -1;
	uid_t uid = owner;
	gid_t gid = new_gid;
	mode_t mode = new_mode & 0644;

	if (!smsotp_users_name_ok(user)) {
		smsotp_say(why, whysz, "invalid user name");
		goto out;
	}
	dirfd = smsotp_users_dir_lock(path, owner, dir, sizeof(dir), base,
	    sizeof(base), why, whysz);
	if (dirfd < 0)
		goto out;
	fd = openat(dirfd, base, O_RDONLY | OPEN_FLAGS);
	if (fd < 0 && errno != ENOENT) {
		smsotp_say(why, whysz, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link, refused" : strerror(errno));
		goto out;
	}
	if (fd >= 0) {
		if (smsotp_secfile_check_fd(fd, path, owner, 0, why, whysz) != 0)
			goto out;
		if (fstat(fd, &sb) != 0 || sb.st_nlink != 1) {
			smsotp_say(why, whysz, "%s: has more than one link, refused",
			    path);
			goto out;
		}
		uid = sb.st_uid;
		gid = sb.st_gid;
		mode = sb.st_mode & 0777;
		if (read_all(fd, path, &in, &inlen, why, whysz) != 0)
			goto out;
	} else if (e164 == NULL) {
		rv = 1;		/* no file: nobody has a line */
		goto out;
	}
	if (smsotp_users_edit(in != NULL ? in : "", inlen, user, e164, &out,
	    &outlen, &found) != 0) {
		smsotp_say(why, whysz, "%s: out of memory", path);
		goto out;
	}
	if (e164 == NULL && found == 0) {
		rv = 1;
		goto out;
	}
	if (outlen > SMSOTP_USERS_EDIT_MAX) {
		smsotp_say(why, whysz, "%s: would grow over %d bytes", path,
		    SMSOTP_USERS_EDIT_MAX);
		goto out;
	}
	rv = replace_file(dirfd, dir, base, uid, gid, mode, out, outlen, why,
	    whysz);
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);	/* releases the lock */
	if (in != NULL)
		smsotp_secfile_free(in, inlen);
	if (out != NULL)
		smsotp_secfile_free(out, outlen);
	return rv;
}
