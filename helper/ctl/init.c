/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/init.c - smsotpctl init: create the HMAC key of the codes and the
 * state directory (root:smsotp), keeping both when they exist.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/util.h"
#include "core/code.h"
#include "ctl/verbs.h"
#include "base/wipe.h"

static gid_t
smsotp_gid(int *found)
{
	struct group *gr = getgrnam(SMSOTP_GROUP);

	*found = gr != NULL;
	return gr != NULL ? gr->gr_gid : 0;
}

/* mkdir -p of the parents of path, mode 0755 (root's own directories). */
static int
mkparents(const char *path)
{
	char buf[4096];
	char *p;

	if (smsotp_fmt(buf, sizeof(buf), "%s", path) != 0)
		return -1;
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			/* our umask is 077: the group must reach the files */
			if (chmod(buf, 0755) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static int
init_key(gid_t gid)
{
	unsigned char key[SMSOTP_KEY_LEN];
	int fd, rv = 1;

	if (mkparents(SMSOTP_KEY_PATH) != 0) {
		fprintf(stderr, "smsotpctl: cannot create the directory of %s: "
		    "%s\n", SMSOTP_KEY_PATH, strerror(errno));
		return 1;
	}
	fd = open(SMSOTP_KEY_PATH, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		char why[320];
		if (smsotp_key_load(SMSOTP_KEY_PATH, 0, key, why, sizeof(why)) != 0) {
			fprintf(stderr, "smsotpctl: existing key unusable: %s\n",
			    why);
			return 1;
		}
		smsotp_wipe(key, sizeof(key));
		printf("key %s: exists, kept\n", SMSOTP_KEY_PATH);
		return 0;
	}
	if (fd < 0) {
		fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_KEY_PATH,
		    strerror(errno));
		return 1;
	}
	randombytes_buf(key, sizeof(key));
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fchown(fd, 0, gid) != 0 || fchmod(fd, 0640) != 0 ||
	    fsync(fd) != 0) {
		fprintf(stderr, "smsotpctl: writing %s: %s\n", SMSOTP_KEY_PATH,
		    strerror(errno));
		(void)unlink(SMSOTP_KEY_PATH);
		goto out;
	}
	printf("key %s: created (root:%s 0640)\n", SMSOTP_KEY_PATH,
	    gid != 0 ? SMSOTP_GROUP : "root");
	rv = 0;
out:
	smsotp_wipe(key, sizeof(key));
	close(fd);
	return rv;
}

static int
init_statedir(gid_t gid)
{
	struct stat st;
	int fd;

	if (mkparents(SMSOTP_STATE_DIR) != 0) {
		fprintf(stderr, "smsotpctl: cannot create the parents of %s: "
		    "%s\n", SMSOTP_STATE_DIR, strerror(errno));
		return 1;
	}
	if (mkdir(SMSOTP_STATE_DIR, 0700) == 0) {
		/* SECURITY: fix owner and mode through the fd, never a path. */
		fd = open(SMSOTP_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 || fchown(fd, 0, gid) != 0 || fchmod(fd, 02770) != 0) {
			fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_STATE_DIR,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
		close(fd);
		printf("state directory %s: created (root:%s 2770)\n",
		    SMSOTP_STATE_DIR, gid != 0 ? SMSOTP_GROUP : "root");
		return 0;
	}
	if (errno != EEXIST || lstat(SMSOTP_STATE_DIR, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_STATE_DIR,
		    errno == EEXIST ? "exists and is not a directory" :
		    strerror(errno));
		return 1;
	}
	if (st.st_uid != 0 || (st.st_mode & S_IWOTH)) {
		fprintf(stderr, "smsotpctl: %s exists with unsafe owner or mode "
		    "(uid %lu, %04o): fix it by hand\n", SMSOTP_STATE_DIR,
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return 1;
	}
	printf("state directory %s: exists, kept\n", SMSOTP_STATE_DIR);
	return 0;
}

int
smsotp_ctl_init(const struct smsotp_ctl_call *call)
{
	int found, rv;
	gid_t gid = smsotp_gid(&found);

	(void)call;
	if (!found)
		fprintf(stderr, "smsotpctl: warning: group '%s' does not exist; "
		    "using root: only root callers (sshd, sudo) will work. "
		    "Create it with 'groupadd --system %s' and rerun.\n",
		    SMSOTP_GROUP, SMSOTP_GROUP);
	rv = init_key(gid);
	rv |= init_statedir(gid);
	return rv;
}
