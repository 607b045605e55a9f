/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/smstools.c - the "smstools" gateway type: hands the text
 * to a local smsd (SMS Server Tools 3) through its outgoing spool
 * directory.
 *
 * The file ("To: <digits>\nAlphabet: UTF-8\n\n<text>\n", smstools3
 * fileformat, headers case-sensitive) is written under a random name in
 * tmp_dir (same filesystem as spool_dir), fsync'ed, given to the owner of
 * spool_dir (mode 0600) and renamed into spool_dir, whose directory entry
 * is then fsync'ed: smsd never sees a partial file. Success means the file
 * is in place; smsd sends it later. detail = the file name.
 * SECURITY: the file holds the code: mode 0600, owned by smsd (the owner
 * of spool_dir), created O_EXCL | O_NOFOLLOW relative to checked directory
 * fds; the buffer is wiped. Handing the file to smsd needs a root caller
 * (sshd, sudo, su): the type is root_only, and the route skips it for any
 * other caller (helper/gateways/router.c). Every failure here is this host's (directory
 * missing or unsafe, disk full, rename refused): SMSOTP_GW_LOCALFAIL; only
 * a number that cannot be written is a permanent failure.
 */
#include "config.h"	/* _GNU_SOURCE (AC_USE_SYSTEM_EXTENSIONS): renameat2 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "gateways/gateway.h"
#include "base/template.h"
#include "base/util.h"
#include "base/wipe.h"

#define FILE_PREFIX "pam_smsotp-"
#define NAME_SIZE   (sizeof(FILE_PREFIX) + 32)
#define DIR_FLAGS   (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

struct smstools {
	char *spool_dir;
	char *tmp_dir;
};

static const char *const smstools_settings[] = { "spool_dir", "tmp_dir", NULL };

/*
 * Open dir as a directory (never through a symlink at its last component)
 * that others cannot write. The fd, or -1 with why.
 */
static int
open_dir(const char *dir, struct stat *st, char *why, size_t whysz)
{
	int fd;

	if (dir[0] != '/') {
		(void)smsotp_fmt(why, whysz, "%s: must be an absolute path", dir);
		return -1;
	}
	fd = open(dir, DIR_FLAGS);
	if (fd < 0) {
		(void)smsotp_fmt(why, whysz, "%s: %s", dir, errno == ENOTDIR ?
		    "not a directory (or a symbolic link)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISDIR(st->st_mode)) {
		(void)smsotp_fmt(why, whysz, "%s: not a directory", dir);
	} else if (st->st_mode & S_IWOTH) {
		(void)smsotp_fmt(why, whysz, "%s: world-writable (mode %04o), "
		    "refused", dir, (unsigned)(st->st_mode & 07777));
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Both directories usable and on one filesystem: 0, or -1 with why. */
static int
open_dirs(const struct smstools *t, int *sfd, int *tfd, struct stat *sst,
    char *why, size_t whysz)
{
	struct stat tst;

	*tfd = -1;
	*sfd = open_dir(t->spool_dir, sst, why, whysz);
	if (*sfd < 0)
		return -1;
	*tfd = open_dir(t->tmp_dir, &tst, why, whysz);
	if (*tfd >= 0 && tst.st_dev == sst->st_dev)
		return 0;
	if (*tfd >= 0)
		(void)smsotp_fmt(why, whysz, "tmp_dir %s is not on the "
		    "filesystem of spool_dir %s: the rename would not be "
		    "atomic", t->tmp_dir, t->spool_dir);
	if (*tfd >= 0)
		close(*tfd);
	close(*sfd);
	*sfd = *tfd = -1;
	return -1;
}

static int
smstools_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct smstools *t = calloc(1, sizeof(*t));
	struct stat st;
	char why[320];
	int sfd, tfd;

	if (t == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	gw->priv = t;
	if (smsotp_cfg_str(ctx, s, "spool_dir", 1, &t->spool_dir) != 0 ||
	    smsotp_cfg_str(ctx, s, "tmp_dir", 0, &t->tmp_dir) != 0)
		return -1;
	if (t->tmp_dir == NULL) {
		t->tmp_dir = strdup(SMSOTP_STATE_DIR);
		if (t->tmp_dir == NULL) {
			smsotp_cfg_error(ctx, s, "out of memory");
			return -1;
		}
	}
	if (open_dirs(t, &sfd, &tfd, &st, why, sizeof(why)) != 0) {
		smsotp_cfg_error(ctx, s, "gateway '%s': %s", gw->name, why);
		return -1;
	}
	close(sfd);
	close(tfd);
	return 0;
}

/* The spool file. 0, or -1 when it does not fit cap. */
static int
render(const char *to, const char *text, char *buf, size_t cap, size_t *len)
{
	int n;

	if (to[0] != '+' || strchr(to, '\n') != NULL)
		return -1;
	/* The text follows the blank line: it cannot add headers. */
	n = snprintf(buf, cap, "To: %s\nAlphabet: UTF-8\n\n%s\n", to + 1, text);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
move_in(int tfd, int sfd, const char *name)
{
	int r = (int)renameat2(tfd, name, sfd, name, RENAME_NOREPLACE);

	/* Filesystems without RENAME_NOREPLACE: the name is random anyway. */
	if (r != 0 && (errno == EINVAL || errno == ENOSYS))
		r = renameat(tfd, name, sfd, name);
	return r;
}

static void
smstools_send(const struct smsotp_gateway *gw, const char *to,
    const char *text, double deadline, struct smsotp_gw_result *res)
{
	const struct smstools *t = gw->priv;
	char buf[64 + SMSOTP_TEXT_MAX], name[NAME_SIZE], why[320];
	unsigned char rnd[16];
	struct stat sst, fst;
	size_t len = 0;
	int sfd = -1, tfd = -1, fd = -1, created = 0, c;

	(void)deadline;		/* local file operations only */
	res->outcome = SMSOTP_GW_LOCALFAIL;
	if (to[0] != '+' || strchr(to, '\n') != NULL) {
		res->outcome = SMSOTP_GW_PERMFAIL;
		(void)smsotp_fmt(res->detail, sizeof(res->detail),
		    "bad number");
		goto out;
	}
	if (strlen(text) > SMSOTP_TEXT_MAX ||
	    render(to, text, buf, sizeof(buf), &len) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail),
		    "text too long");
		goto out;
	}
	if (open_dirs(t, &sfd, &tfd, &sst, why, sizeof(why)) != 0) {
		smsotp_sanitize(res->detail, sizeof(res->detail), why,
		    strlen(why));
		goto out;
	}
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(name, FILE_PREFIX, sizeof(FILE_PREFIX) - 1);
	smsotp_hex(rnd, sizeof(rnd), name + sizeof(FILE_PREFIX) - 1);
	fd = openat(tfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "create in "
		    "tmp_dir: %s", strerror(errno));
		goto out;
	}
	created = 1;
	/* smsd reads it as the owner of its spool (it runs as smsd:dialout
	 * on Debian, without the smsd group): never readable by others. */
	if (fstat(fd, &fst) != 0 || fchmod(fd, 0600) != 0 ||
	    ((fst.st_uid != sst.st_uid || fst.st_gid != sst.st_gid) &&
	    fchown(fd, sst.st_uid, sst.st_gid) != 0)) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "cannot give "
		    "the file to uid %lu (owner of spool_dir): %s",
		    (unsigned long)sst.st_uid, strerror(errno));
		goto out;
	}
	if (smsotp_write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "write: %s",
		    strerror(errno));
		goto out;
	}
	c = close(fd);
	fd = -1;
	if (c != 0 || move_in(tfd, sfd, name) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "%s: %s",
		    c != 0 ? "close" : "rename into spool_dir", strerror(errno));
		goto out;
	}
	created = 0;
	/* The entry must survive a crash before smsd picks it up. */
	if (fsync(sfd) != 0 && errno != EINVAL) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "%s (fsync "
		    "of spool_dir: %s)", name, strerror(errno));
		res->outcome = SMSOTP_GW_SENT;	/* it is there: smsd sends it */
		goto out;
	}
	res->outcome = SMSOTP_GW_SENT;
	(void)smsotp_fmt(res->detail, sizeof(res->detail), "%s", name);
out:
	if (fd >= 0)
		close(fd);
	if (created)
		(void)unlinkat(tfd, name, 0);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	smsotp_wipe(buf, sizeof(buf));
}

static void
smstools_destroy(struct smsotp_gateway *gw)
{
	struct smstools *t = gw->priv;

	if (t == NULL)
		return;
	free(t->spool_dir);
	free(t->tmp_dir);
	free(t);
	gw->priv = NULL;
}

const struct smsotp_gw_type smsotp_gw_smstools = {
	.name = "smstools",
	.root_only = 1,		/* fchown of the file to smsd */
	.settings = smstools_settings,
	.configure = smstools_configure,
	.send = smstools_send,
	.destroy = smstools_destroy,
};
