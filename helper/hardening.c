/*
 * hardening.c - make smsotp-helper a hostile-caller-proof process.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_CLOSE_RANGE
#include <linux/close_range.h>
#endif

#include "hardening.h"

extern char **environ;

static void
close_from_3(void)
{
	DIR *d;
	struct dirent *e;
	int dfd;

#ifdef HAVE_CLOSE_RANGE
	if (close_range(3, ~0U, 0) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (d == NULL) {
		long max = sysconf(_SC_OPEN_MAX), fd;
		for (fd = 3; fd < (max > 0 ? max : 65536); fd++)
			(void)close((int)fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end == '\0' && fd > 2 && fd != dfd)
			(void)close((int)fd);
	}
	closedir(d);
}

int
smsotp_harden(unsigned deadline_s)
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
	close_from_3();
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
	alarm(deadline_s);
	return 0;
}
