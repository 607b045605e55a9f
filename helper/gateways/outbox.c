/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/outbox.c - the embedded "outbox" gateway for demos and
 * tests: appends "ISO-8601-UTC<TAB>+E164<TAB>text\n" to a local file (mode
 * 0600 when created; 0660 in a setgid directory of the smsotp group, as
 * the state directory, so that the exec'd helper and the resident service
 * both can),
 * with newline, tab and backslash of the text escaped.
 *
 * SECURITY: the file receives every code, so whoever owns it reads them
 * all. Before anything is written:
 *   - its directory (opened without following a symbolic link at its last
 *     component; the file is opened relative to that fd) is owned by root
 *     or by the helper's real uid and writable by nobody else: no write
 *     bit for others, and a group write bit only for the smsotp group
 *     (the state directory is root:smsotp 2770);
 *   - the file, when it exists, is a single-link regular file owned by
 *     root, the helper's real uid or the service user, not readable or
 *     writable by others.
 * Otherwise the send is refused (a local failure, logged with the reason)
 * and nothing is written. The line goes out in one write(2) on an O_APPEND
 * descriptor, atomic for a regular file: no lock, so nothing can make a
 * login wait for another process. Every failure here is local
 * (SMSOTP_GW_LOCALFAIL): the outbox has no provider.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gateways/gateway.h"
#include "base/template.h"
#include "base/wipe.h"

struct outbox {
	char *path;
	char *dir;		/* the directory part of path */
	char *base;		/* the file name part of path */
};

static const char *const outbox_settings[] = { "path", NULL };

/* o->dir and o->base from o->path ("/a/b" -> "/a", "b"). 0, or -1. */
static int
split_path(struct outbox *o)
{
	const char *slash = strrchr(o->path, '/');
	size_t n = (size_t)(slash - o->path);

	if (slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return -1;
	o->base = strdup(slash + 1);
	o->dir = n == 0 ? strdup("/") : strndup(o->path, n);
	return o->base != NULL && o->dir != NULL ? 0 : -1;
}

static int
outbox_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct outbox *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	gw->priv = o;
	if (smsotp_cfg_str(ctx, s, "path", 1, &o->path) != 0)
		return -1;
	if (o->path[0] != '/') {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "path"),
		    "gateway '%s': 'path' must be absolute", gw->name);
		return -1;
	}
	if (split_path(o) != 0) {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "path"),
		    "gateway '%s': 'path' must name a file in a directory",
		    gw->name);
		return -1;
	}
	return 0;
}

/* Escape text into out; returns the length. out holds 2*len+1 bytes. */
static size_t
escape(const char *text, char *out)
{
	size_t o = 0;

	for (; *text != '\0'; text++) {
		switch (*text) {
		case '\n':
			out[o++] = '\\';
			out[o++] = 'n';
			break;
		case '\t':
			out[o++] = '\\';
			out[o++] = 't';
			break;
		case '\\':
			out[o++] = '\\';
			out[o++] = '\\';
			break;
		default:
			out[o++] = *text;
		}
	}
	out[o] = '\0';
	return o;
}

/* The gid of the smsotp group, or (gid_t)-1 when it does not exist. */
static gid_t
group_gid(void)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(SMSOTP_GROUP, &gr, buf, sizeof(buf), &res) != 0 ||
	    res == NULL)
		return (gid_t)-1;
	return gr.gr_gid;
}

/*
 * uid may own the outbox and its directory: root, the helper's caller, or
 * the resident service's user.
 */
static int
owner_ok(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (uid == 0 || uid == getuid())
		return 1;
	return getpwnam_r(SMSOTP_SERVICE_USER, &pw, buf, sizeof(buf), &res) ==
	    0 && res != NULL && res->pw_uid == uid;
}

/*
 * Open o->dir for openat, checked (see the top of the file): the fd, or
 * -1 with why.
 */
static int
open_dir(const struct outbox *o, char *why, size_t whysz)
{
	struct stat st;
	int fd;

	fd = open(o->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		(void)smsotp_fmt(why, whysz, "directory: %s: %s", errno ==
		    ENOTDIR ? "not a directory (or a symbolic link)" :
		    strerror(errno), o->dir);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))
		(void)smsotp_fmt(why, whysz, "directory: not a directory: %s",
		    o->dir);
	else if (!owner_ok(st.st_uid))
		(void)smsotp_fmt(why, whysz, "refused: directory owned by uid "
		    "%lu, not root or uid %lu: %s", (unsigned long)st.st_uid,
		    (unsigned long)getuid(), o->dir);
	else if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) &&
	    st.st_gid != group_gid()))
		(void)smsotp_fmt(why, whysz, "refused: directory writable by "
		    "%s (mode %04o): %s", (st.st_mode & S_IWOTH) ? "others" :
		    "a group other than " SMSOTP_GROUP,
		    (unsigned)(st.st_mode & 07777), o->dir);
	else
		return fd;
	close(fd);
	return -1;
}

/* One write(2) of the whole line: 0, or -1 with why (nothing retried). */
static int
append(int fd, const char *line, size_t len, char *why, size_t whysz)
{
	ssize_t n;

	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);	/* nothing written: try again */
	if (n < 0) {
		(void)smsotp_fmt(why, whysz, "write: %s", strerror(errno));
		return -1;
	}
	if ((size_t)n != len) {
		(void)smsotp_fmt(why, whysz, "write: short (%zd of %zu bytes)",
		    n, len);
		return -1;
	}
	return 0;
}

static void
outbox_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct outbox *o = gw->priv;
	char line[64 + 17 + 2 * SMSOTP_TEXT_MAX + 4];
	char esc[2 * SMSOTP_TEXT_MAX + 1], stamp[32], why[320];
	struct stat st, dst;
	struct tm tm;
	time_t now = time(NULL);
	int dfd = -1, fd = -1, c;

	(void)deadline;		/* local file operations only */
	res->outcome = SMSOTP_GW_LOCALFAIL;
	why[0] = '\0';
	if (o == NULL || o->base == NULL) {
		(void)smsotp_fmt(why, sizeof(why), "not configured");
		goto out;
	}
	if (strlen(text) > SMSOTP_TEXT_MAX) {
		(void)smsotp_fmt(why, sizeof(why), "text too long");
		goto out;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		(void)smsotp_fmt(why, sizeof(why), "no time stamp");
		goto out;
	}
	escape(text, esc);
	if (smsotp_fmt(line, sizeof(line), "%s\t%s\t%s\n", stamp, to,
	    esc) != 0) {
		(void)smsotp_fmt(why, sizeof(why), "line too long");
		goto out;
	}
	dfd = open_dir(o, why, sizeof(why));
	if (dfd < 0)
		goto out;
	fd = openat(dfd, o->base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		(void)smsotp_fmt(why, sizeof(why), "open: %s: %s",
		    strerror(errno), o->path);
		goto out;
	}
	/* SECURITY: never append to a FIFO, a device, a hard-linked file or
	 * a file someone else owns (they would read every code). */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_mode & (S_IROTH | S_IWOTH))) {
		(void)smsotp_fmt(why, sizeof(why), "refused: not a private "
		    "single-link regular file: %s", o->path);
		goto out;
	}
	if (!owner_ok(st.st_uid)) {
		(void)smsotp_fmt(why, sizeof(why), "refused: owned by uid %lu, "
		    "not root, uid %lu or " SMSOTP_SERVICE_USER ": %s",
		    (unsigned long)st.st_uid, (unsigned long)getuid(), o->path);
		goto out;
	}
	/*
	 * In a directory of the smsotp group's (setgid, as the state
	 * directory) the other transport's process appends too: the group
	 * may write. Anywhere else the file stays the owner's alone.
	 */
	if (st.st_uid == geteuid() && (st.st_mode & 07777) == 0600 &&
	    fstat(dfd, &dst) == 0 && (dst.st_mode & S_ISGID) &&
	    dst.st_gid == group_gid() && st.st_gid == dst.st_gid)
		(void)fchmod(fd, 0660);
	if (append(fd, line, strlen(line), why, sizeof(why)) != 0)
		goto out;
	if (fsync(fd) != 0) {
		(void)smsotp_fmt(why, sizeof(why), "fsync: %s", strerror(errno));
		goto out;
	}
	c = close(fd);
	fd = -1;
	if (c != 0) {
		(void)smsotp_fmt(why, sizeof(why), "close: %s", strerror(errno));
		goto out;
	}
	res->outcome = SMSOTP_GW_SENT;
	(void)smsotp_fmt(why, sizeof(why), "appended");
out:
	smsotp_sanitize(res->detail, sizeof(res->detail), why, strlen(why));
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	smsotp_wipe(line, sizeof(line));
	smsotp_wipe(esc, sizeof(esc));
}

static void
outbox_destroy(struct smsotp_gateway *gw)
{
	struct outbox *o = gw->priv;

	if (o == NULL)
		return;
	free(o->path);
	free(o->dir);
	free(o->base);
	free(o);
	gw->priv = NULL;
}

const struct smsotp_gw_type smsotp_gw_outbox = {
	.name = "outbox",
	.settings = outbox_settings,
	.configure = outbox_configure,
	.send = outbox_send,
	.destroy = outbox_destroy,
};
