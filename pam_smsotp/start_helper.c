/* SPDX-License-Identifier: BSD-3-Clause */
/* start_helper.c - posix_spawn or fork+execve of smsotp-helper. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "child_limits.h"
#include "start_helper.h"

#ifndef SMSOTP_HELPER_PATH
#error "SMSOTP_HELPER_PATH must be defined by the build"
#endif

/*
 * Child side of fork: only async-signal-safe calls between fork and
 * execve (the host may be multithreaded).
 */
static void __attribute__((noreturn))
exec_helper(pam_handle_t *pamh, const struct smsotp_child_limits *cl,
    int in_rd, int out_wr)
{
	static char arg0[] = "smsotp-helper";
	char *const argv[] = { arg0, NULL };
	char *const envp[] = { NULL };
	struct sigaction sa;
	sigset_t none;
	int a, b, sig, nul, closed = 0;

	smsotp_child_limits_apply(cl);
	/* Move both ends above 2 first, so that dup2 cannot clobber one. */
	a = fcntl(in_rd, F_DUPFD_CLOEXEC, 3);
	b = fcntl(out_wr, F_DUPFD_CLOEXEC, 3);
	if (a < 0 || b < 0 || dup2(a, STDIN_FILENO) < 0 ||
	    dup2(b, STDOUT_FILENO) < 0)
		_exit(127);
	/*
	 * stderr to /dev/null, every fd above 2 closed. close_range is one
	 * syscall; pam_modutil_sanitize_helper_fds (Linux-PAM 1.5) calls
	 * close() on every fd up to the hard RLIMIT_NOFILE, capped at 65535,
	 * even after close_range: it is only the fallback (kernel < 5.9).
	 */
#ifdef HAVE_CLOSE_RANGE
	closed = close_range(3, ~0U, 0) == 0;
#endif
	if (closed) {
		nul = open("/dev/null", O_RDWR);
		if (nul < 0 || dup2(nul, STDERR_FILENO) < 0)
			_exit(127);
		if (nul != STDERR_FILENO)
			(void)close(nul);
	} else if (pam_modutil_sanitize_helper_fds(pamh, PAM_MODUTIL_IGNORE_FD,
	    PAM_MODUTIL_IGNORE_FD, PAM_MODUTIL_NULL_FD) < 0) {
		_exit(127);
	}
	(void)setsid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* undo inherited SIG_IGN */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(SMSOTP_HELPER_PATH, argv, envp);
	_exit(127);
}

#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
#ifndef POSIX_SPAWN_SETSID
#define POSIX_SPAWN_SETSID 0	/* glibc < 2.26 has no closefrom either */
#endif
/*
 * posix_spawn instead of fork: glibc runs the child on the parent's
 * memory until execve (CLONE_VM | CLONE_VFORK), so a big host (sshd with
 * many sessions, a desktop locker) does not copy its page tables for
 * every helper run. The child gets what exec_helper gives it.
 */
static int
spawn_helper(int in_rd, int out_wr, pid_t *pid)
{
	static char arg0[] = "smsotp-helper";
	char *const argv[] = { arg0, NULL };
	char *const envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int e, fa_ok = 0, at_ok = 0;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_ok = 1;
	if ((e = posix_spawnattr_init(&at)) != 0)
		goto out;
	at_ok = 1;
	sigfillset(&all);
	sigemptyset(&none);
	if ((e = posix_spawn_file_actions_adddup2(&fa, in_rd, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, out_wr, 1)) != 0 ||
	    (e = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
	    O_RDWR, 0)) != 0 ||
	    (e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&at, &all)) != 0 ||
	    (e = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
	    (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID)) != 0)
		goto out;
	e = posix_spawn(pid, SMSOTP_HELPER_PATH, &fa, &at, argv, envp);
out:
	if (at_ok)
		(void)posix_spawnattr_destroy(&at);
	if (fa_ok)
		(void)posix_spawn_file_actions_destroy(&fa);
	return e;
}
#endif

int
smsotp_start_helper(pam_handle_t *pamh, int debug, int in_rd, int out_wr,
    pid_t *pid)
{
	struct smsotp_child_limits cl;
	int fix = smsotp_child_limits_plan(&cl);

	if (debug && fix)
		pam_syslog(pamh, LOG_DEBUG, "helper child: %s%d limit(s) "
		    "to set", cl.become_root ? "real uid 0, " : "", cl.n);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	if (!fix)
		return spawn_helper(in_rd, out_wr, pid);
#endif
	*pid = fork();
	if (*pid < 0)
		return errno;
	if (*pid == 0)
		exec_helper(pamh, &cl, in_rd, out_wr);
	return 0;
}
