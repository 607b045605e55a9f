/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/base/run.c - check and run an administrator's program (run.h):
 * fork, exec without a shell, wait with a deadline, kill the group.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/run.h"
#include "base/wipe.h"

int
smsotp_program_ok(const char *path, uid_t owner, char *why, size_t whysz)
{
	struct stat st;

	if (path[0] != '/') {
		(void)smsotp_fmt(why, whysz, "'argv[0]' must be an absolute path");
		return 0;
	}
	if (stat(path, &st) != 0) {
		(void)smsotp_fmt(why, whysz, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
		(void)smsotp_fmt(why, whysz, "%s: not an executable file", path);
	else if (st.st_uid != owner)
		(void)smsotp_fmt(why, whysz, "%s: owned by uid %lu, must be "
		    "owned by uid %lu", path, (unsigned long)st.st_uid,
		    (unsigned long)owner);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		(void)smsotp_fmt(why, whysz, "%s: writable by group or others "
		    "(mode %04o), refused", path, (unsigned)(st.st_mode & 07777));
	else
		return 1;
	return 0;
}

/* In the child: never returns. errfd (close-on-exec) gets errno on failure. */
static void
child(const struct smsotp_run *r, int infd, int outfd, int errfd, int nullfd)
{
	sigset_t none;
	int e, fd, sig;
	long maxfd;

	(void)setpgid(0, 0);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	if (dup2(infd, STDIN_FILENO) < 0 || dup2(outfd, STDOUT_FILENO) < 0 ||
	    dup2(r->stderr_too ? outfd : nullfd, STDERR_FILENO) < 0)
		goto fail;
	/* Every fd beyond 2 except the exec-error pipe (close-on-exec). */
	maxfd = -1;
#ifdef SYS_close_range
	if ((errfd == 3 || syscall(SYS_close_range, 3, errfd - 1, 0) == 0) &&
	    syscall(SYS_close_range, errfd + 1, ~0U, 0) == 0)
		maxfd = 0;
#endif
	if (maxfd < 0) {
		maxfd = sysconf(_SC_OPEN_MAX);
		if (maxfd < 0 || maxfd > 65536)
			maxfd = 65536;
		for (fd = 3; fd < maxfd; fd++)
			if (fd != errfd)
				(void)close(fd);
	}
	execve(r->argv[0], r->argv, r->envp);
fail:
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/* pidfd of pid, or -1 (old kernel: poll with short sleeps instead). */
static int
pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Append what outfd has to r->out (at most outcap kept, the rest read,
 * counted and dropped). 1 after data, 2 when nothing is there now, 0 at
 * EOF or error.
 */
static int
drain(const struct smsotp_run *r, int outfd, struct smsotp_run_result *res)
{
	char buf[512];
	ssize_t n = read(outfd, buf, sizeof(buf));
	size_t k;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 2 : 0;
	if (n == 0)
		return 0;
	k = (size_t)n;
	res->total += k;
	if (k > r->outcap - res->olen)
		k = r->outcap - res->olen;
	memcpy(r->out + res->olen, buf, k);
	res->olen += k;
	smsotp_wipe(buf, sizeof(buf));
	return 1;
}

/* Wait for pid until r->end, reading its output; kill its group then. */
static void
wait_child(const struct smsotp_run *r, pid_t pid, int outfd,
    struct smsotp_run_result *res)
{
	int pfd = pidfd_of(pid), open_out = 1;

	while (!res->exited) {
		struct pollfd p[2];
		double left = r->end - smsotp_mono();
		int np = 0, ms;

		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			res->killed = 1;
			break;
		}
		ms = pfd >= 0 ? (int)(left * 1000) + 1 : 10;
		if (pfd < 0 && ms > left * 1000)
			ms = (int)(left * 1000) + 1;
		memset(p, 0, sizeof(p));
		if (open_out) {
			p[np].fd = outfd;
			p[np++].events = POLLIN;
		}
		if (pfd >= 0) {
			p[np].fd = pfd;
			p[np++].events = POLLIN;
		}
		if (np > 0 && poll(p, (nfds_t)np, ms) < 0 && errno != EINTR)
			break;
		if (np == 0)
			(void)poll(NULL, 0, ms);
		if (open_out && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			open_out = drain(r, outfd, res) != 0;
		if (waitpid(pid, &res->status, WNOHANG) == pid)
			res->exited = 1;
	}
	if (!res->exited && waitpid(pid, &res->status, 0) == pid)
		res->exited = 1;
	/* What is left now; a grandchild holding the pipe is not waited for. */
	while (open_out && drain(r, outfd, res) == 1)
		;
	if (pfd >= 0)
		close(pfd);
}

int
smsotp_run_program(const struct smsotp_run *r, struct smsotp_run_result *res,
    char *why, size_t whysz)
{
	int in[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int i, e, nullfd = -1, rv = -1;
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	/* The whole input fits the pipe buffer: written before the fork, so
	 * the child reads it and EOF, and no SIGPIPE can reach us. */
	if ((r->input != NULL && pipe2(in, O_CLOEXEC) != 0) ||
	    pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		(void)smsotp_fmt(why, whysz, "pipe: %s", strerror(errno));
		goto out;
	}
	if (r->input == NULL || !r->stderr_too) {
		nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nullfd < 0) {
			(void)smsotp_fmt(why, whysz, "/dev/null: %s",
			    strerror(errno));
			goto out;
		}
	}
	if (r->input != NULL) {
		n = write(in[1], r->input, r->inlen);
		if (n != (ssize_t)r->inlen) {
			(void)smsotp_fmt(why, whysz, "pipe: %s", n < 0 ?
			    strerror(errno) : "short write");
			goto out;
		}
		close(in[1]);
		in[1] = -1;
	}
	pid = fork();
	if (pid < 0) {
		(void)smsotp_fmt(why, whysz, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(r, r->input != NULL ? in[0] : nullfd, op[1], ep[1],
		    nullfd);
	(void)setpgid(pid, pid);	/* also here: no race with the kill */
	close(op[1]);
	op[1] = -1;
	close(ep[1]);
	ep[1] = -1;
	(void)fcntl(op[0], F_SETFL, O_NONBLOCK);
	wait_child(r, pid, op[0], res);
	if (read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		res->exec_errno = e != 0 ? e : EINVAL;
	rv = 0;
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (nullfd >= 0)
		close(nullfd);
	return rv;
}
