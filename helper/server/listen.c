/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * listen.c - the resident service's listening socket (listen.h): the one
 * systemd passes (the LISTEN_FDS protocol, sd_listen_fds(3)), or one bound
 * here for other init systems.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"
#include "server/listen.h"

#define LISTEN_FDS_START 3	/* SD_LISTEN_FDS_START */

/* A decimal number that is all of s, or -1. */
static long
parse_num(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : v;
}

int
smsotp_listen_inherited(int *fd, char *why, size_t whysz)
{
	long pid = parse_num(getenv("LISTEN_PID"));
	long n = parse_num(getenv("LISTEN_FDS"));

	*fd = -1;
	if (getenv("LISTEN_FDS") == NULL)
		return 0;
	/* the variables are for this process only, not for its children */
	if (pid != (long)getpid())
		return 0;
	if (n != 1) {
		smsotp_say(why, whysz, "LISTEN_FDS=%s: exactly one socket is "
		    "expected", getenv("LISTEN_FDS"));
		return -1;
	}
	*fd = LISTEN_FDS_START;
	return 0;
}

int
smsotp_listen_check(int fd, char *why, size_t whysz)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int type = 0, on = 0;
	socklen_t tl = sizeof(type), ol = sizeof(on);

	memset(&sa, 0, sizeof(sa));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		smsotp_say(why, whysz, "fd %d is not a socket: %s", fd,
		    strerror(errno));
		return -1;
	}
	if (sa.sun_family != AF_UNIX || type != SOCK_STREAM || !on) {
		smsotp_say(why, whysz, "fd %d is not a listening Unix stream "
		    "socket (ListenStream= a path)", fd);
		return -1;
	}
	return 0;
}

int
smsotp_listen_bind(const char *path, int backlog, int *fd, char *why,
    size_t whysz)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int s;

	*fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		smsotp_say(why, whysz, "socket %s: not an absolute path that "
		    "fits a socket address", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* only a socket left by an earlier run is replaced, nothing else */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			smsotp_say(why, whysz, "%s exists and is not a socket: "
			    "not replaced", path);
			return -1;
		}
		if (unlink(path) != 0) {
			smsotp_say(why, whysz, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		smsotp_say(why, whysz, "socket: %s", strerror(errno));
		return -1;
	}
	/* every local caller may connect: the caller's uid decides the rest */
	old = umask(0111);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		(void)umask(old);
		smsotp_say(why, whysz, "bind %s: %s", path, strerror(errno));
		(void)close(s);
		return -1;
	}
	(void)umask(old);
	if (listen(s, backlog) != 0) {
		smsotp_say(why, whysz, "listen %s: %s", path, strerror(errno));
		(void)close(s);
		(void)unlink(path);
		return -1;
	}
	*fd = s;
	return 0;
}
