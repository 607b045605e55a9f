/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hardening.c - make smsotp-helper a hostile-caller-proof process.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#ifdef HAVE_CLOSE_RANGE
#include <linux/close_range.h>
#endif
#include <linux/magic.h>

#include "server/hardening.h"
#include "base/log.h"
#include "proto/rlimits.h"
#include "base/util.h"

extern char **environ;

/* Close every fd above stdio but keep (-1: none). */
static void
close_from_3(int keep)
{
	DIR *d;
	struct dirent *e;
	int dfd;

#ifdef HAVE_CLOSE_RANGE
	if (keep < 0 && close_range(3, ~0U, 0) == 0)
		return;
	if (keep == 3 && close_range(4, ~0U, 0) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (d == NULL) {
		long max = sysconf(_SC_OPEN_MAX), fd;
		for (fd = 3; fd < (max > 0 ? max : 65536); fd++)
			if (fd != keep)
				(void)close((int)fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end == '\0' && fd > 2 && fd != dfd && fd != keep)
			(void)close((int)fd);
	}
	closedir(d);
}

int
smsotp_harden(void)
{
	return smsotp_harden_keep(-1);
}

int
smsotp_harden_keep(int keep)
{
	static char *empty_env[] = { NULL };
	struct rlimit rl = { 0, 0 };
	struct sigaction sa;
	sigset_t all;
	int fd, fl, sig;

	/*
	 * Never do work with a closed standard fd: a later open would take
	 * it. For a setgid program glibc has already put /dev/null on a closed
	 * one, opened for the wrong direction (stdin write-only, stdout and
	 * stderr read-only): that counts as closed too.
	 */
	for (fd = 0; fd <= 2; fd++) {
		fl = fcntl(fd, F_GETFL);
		if (fl == -1 || (fl & O_ACCMODE) == (fd == 0 ? O_WRONLY :
		    O_RDONLY))
			return -1;
	}
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	environ = empty_env;
	close_from_3(keep);
	umask(077);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		(void)sigaction(sig, &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	return 0;
}

/* "unlimited" or the number, for log lines. */
static const char *
rlim_str(rlim_t v, char *buf, size_t sz)
{
	if (v == RLIM_INFINITY ||
	    smsotp_fmt(buf, sz, "%llu", (unsigned long long)v) != 0)
		return "unlimited";
	return buf;
}

/*
 * Raise the soft limit of t to its want when it is below t->need: up to
 * the hard limit, and with euid 0 the hard limit too. 0 when the soft
 * limit is (now) at least the need.
 */
static int
raise_one(const struct smsotp_rlimit_need *t, int root, struct rlimit *cur)
{
	struct rlimit rl;

	if (getrlimit(t->resource, cur) != 0) {
		cur->rlim_cur = cur->rlim_max = 0;
		return -1;
	}
	if (cur->rlim_cur >= t->need)
		return 0;
	if (root) {
		rl.rlim_cur = t->want;
		rl.rlim_max = cur->rlim_max < t->want ? t->want : cur->rlim_max;
		if (setrlimit(t->resource, &rl) == 0)
			return 0;
	}
	if (cur->rlim_max < t->need)
		return -1;
	rl.rlim_cur = cur->rlim_max < t->want ? cur->rlim_max : t->want;
	rl.rlim_max = cur->rlim_max;
	return setrlimit(t->resource, &rl);
}

int
smsotp_rlimits_ok(int privileged)
{
	const struct smsotp_rlimit_need *t = NULL;
	struct rlimit cur;
	char msg[600], a[24], b[24];
	size_t i, n = 0, used = 0;
	int root = geteuid() == 0, bad = 0, w;

	msg[0] = '\0';
	t = smsotp_rlimit_needs(&n);
	for (i = 0; i < n; i++) {
		/* the kernel does not hold real root to RLIMIT_NPROC */
		if (t[i].need == 0 || (privileged &&
		    t[i].resource == RLIMIT_NPROC) ||
		    raise_one(&t[i], root, &cur) == 0)
			continue;
		bad++;
		w = snprintf(msg + used, sizeof(msg) - used, "%s%s is %s %s "
		    "(hard %s), needs %llu", bad > 1 ? "; " : "", t[i].name,
		    rlim_str(cur.rlim_cur, a, sizeof(a)), t[i].unit,
		    rlim_str(cur.rlim_max, b, sizeof(b)),
		    (unsigned long long)t[i].need);
		if (w > 0 && (size_t)w < sizeof(msg) - used)
			used += (size_t)w;	/* else: the line is full */
	}
	if (bad == 0)
		return 0;
	smsotp_log(LOG_ERR, "resource limits too low for the helper: %s; "
	    "request refused (a local fault, not a gateway one)", msg);
	return -1;
}

/*
 * SECURITY: the initial user namespace maps every uid to itself, and only
 * it: "0 0 4294967295". Faking /proc takes CAP_SYS_ADMIN over a mount
 * namespace: real root (trusted anyway) or root of a user namespace, where
 * the setgid bit does not apply (the smsotp group is not mapped); a file
 * not on procfs is refused anyway.
 */
static int
initial_userns(void)
{
	char buf[128], *p, *end;
	unsigned long long v[3];
	struct statfs sf;
	ssize_t len;
	int fd, i, ok = 0;

	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		smsotp_log(LOG_ERR, "cannot open /proc/self/uid_map: %s; "
		    "the caller counts as unprivileged", strerror(errno));
		return 0;
	}
	if (fstatfs(fd, &sf) != 0 || sf.f_type != PROC_SUPER_MAGIC) {
		smsotp_log(LOG_ERR, "/proc/self/uid_map is not on procfs; "
		    "the caller counts as unprivileged");
		goto out;
	}
	do {
		len = read(fd, buf, sizeof(buf) - 1);
	} while (len < 0 && errno == EINTR);
	if (len <= 0) {
		smsotp_log(LOG_ERR, "cannot read /proc/self/uid_map: %s; "
		    "the caller counts as unprivileged",
		    len < 0 ? strerror(errno) : "empty");
		goto out;
	}
	buf[len] = '\0';
	p = buf;
	for (i = 0; i < 3; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno != 0)
			break;
		p = end;
	}
	ok = i == 3 && strcmp(p, "\n") == 0 && v[0] == 0 && v[1] == 0 &&
	    v[2] == 4294967295ULL;
	if (!ok)
		smsotp_log(LOG_NOTICE, "uid 0 inside a user namespace: the "
		    "caller counts as unprivileged");
out:
	close(fd);
	return ok;
}

int
smsotp_caller_privileged(void)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) != 0 || r != 0 || e != 0)
		return 0;
	return initial_userns();
}
