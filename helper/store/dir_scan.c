/* SPDX-License-Identifier: BSD-3-Clause */
/* dir_scan.c - the state directory's records by key prefix (foreach). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/dir_int.h"

/* A record: a valid key naming a regular file (not a swap's "<key>.d"). */
static int
is_record(int dfd, const struct dirent *e, const char *prefix, size_t plen)
{
	struct stat sb;

	if (strncmp(e->d_name, prefix, plen) != 0 ||
	    !smsotp_store_key_ok(e->d_name))
		return 0;
	if (e->d_type == DT_REG)
		return 1;
	if (e->d_type != DT_UNKNOWN)
		return 0;
	return fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(sb.st_mode);
}

int
smsotp_dir_foreach(struct smsotp_store *store, const char *prefix,
    smsotp_store_each_fn fn, void *arg)
{
	const struct smsotp_dir *sd = smsotp_dir_of(store);
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d;
	int fd, rv = SMSOTP_ST_ERROR;

	/* A new open file description: our readdir offset is our own. */
	fd = openat(sd->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
		if (!is_record(fd, e, prefix, plen))
			continue;
		rv = fn(e->d_name, arg);
		if (rv != 0)
			break;
	}
	closedir(d);
	return rv;
}
