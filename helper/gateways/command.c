/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/command.c - the "command" gateway type: runs a local
 * program (no shell) and gives it the destination number and the text on
 * its standard input, then end of file:
 *     +447700900123\n            the number (E.164), one line
 *     123456 is your code...     the text, as is (no newline added)
 * When the administrator's argv names the number (%{to} or %{to_digits}),
 * the number goes there instead and standard input carries the text alone
 * (the format of earlier versions, for existing programs); such arguments
 * are visible to every local user in /proc/PID/cmdline.
 *
 * Outcomes: exit 0 = sent; exit 75 (EX_TEMPFAIL) or still running at its
 * timeout (then SIGKILL of its whole process group) = temporary failure
 * (try the next gateway); any other exit = permanent failure (the program
 * said no). Not startable, killed by a signal it was not sent by us, a
 * pipe, fork or argument that failed = local failure (SMSOTP_GW_LOCALFAIL:
 * this host's fault, e.g. a resource limit of the caller).
 *
 * Not root_only: the program needs nothing of root's; for an unprivileged
 * caller it runs with that caller's uid (and group smsotp, which makes it
 * non-dumpable), and what that caller may do to it (signals) can only fail
 * its own login: such callers never record in the breaker.
 *
 * SECURITY: the text (with the code) and, by default, the number go only
 * through a pipe on stdin, never argv or the environment; the environment
 * is a fixed PATH only; fds beyond 2 are closed; stdout and stderr are
 * captured, truncated and sanitised into the result detail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateways/gateway.h"
#include "base/template.h"
#include "base/wipe.h"

#define MAX_ARGS     32
#define MAX_ARG_LEN  1024
#define OUT_KEEP     96		/* bytes of output kept for the detail */
#define EX_TEMPFAIL_ 75		/* sysexits.h EX_TEMPFAIL */
#define CHILD_PATH   "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct command {
	int argc;
	char *argv[MAX_ARGS + 1];
	int timeout;		/* seconds, default 10 */
	int number_in_argv;	/* argv names %{to} or %{to_digits} */
};

static const char *const command_settings[] = { "argv", "timeout", NULL };

static void
command_free(struct command *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

/* Only %{to} and %{to_digits} may appear in arguments (never the text). */
static int
arg_ok(const char *a, const char **why)
{
	const char *p = a;

	while ((p = strstr(p, "%{")) != NULL) {
		if (strncmp(p, "%{to}", 5) == 0) {
			p += 5;
		} else if (strncmp(p, "%{to_digits}", 12) == 0) {
			p += 12;
		} else {
			*why = "only %{to} and %{to_digits} may be used in "
			    "'argv' (the text goes to standard input)";
			return 0;
		}
	}
	if (strlen(a) > MAX_ARG_LEN / 2) {
		*why = "argument too long";
		return 0;
	}
	return 1;
}

/* argv[0]: an absolute path to a root-owned executable nobody else may change. */
static int
program_ok(const char *path, uid_t owner, char *why, size_t whysz)
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

static int
command_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	const config_setting_t *list = config_setting_get_member(s, "argv");
	struct command *c = calloc(1, sizeof(*c));
	const char *why = "";
	char buf[320];
	int i, n;

	if (c == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	gw->priv = c;
	if (smsotp_cfg_int(ctx, s, SMSOTP_SET_COMMAND_TIMEOUT, &c->timeout) != 0)
		return -1;
	if (list == NULL || !(config_setting_is_array(list) ||
	    config_setting_is_list(list)) || config_setting_length(list) < 1 ||
	    config_setting_length(list) > MAX_ARGS) {
		smsotp_cfg_error(ctx, list != NULL ? list : s, "gateway '%s': "
		    "'argv' must be a list of 1 to %d strings, like "
		    "[ \"/usr/local/bin/send-sms\", \"%%{to}\" ]", gw->name,
		    MAX_ARGS);
		return -1;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL) {
			smsotp_cfg_error(ctx, e, "gateway '%s': 'argv' entries "
			    "must be strings", gw->name);
			return -1;
		}
		if (!arg_ok(v, &why) || (i == 0 && strstr(v, "%{") != NULL)) {
			smsotp_cfg_error(ctx, e, "gateway '%s': argv[%d]: %s",
			    gw->name, i, i == 0 && strstr(v, "%{") != NULL ?
			    "no placeholder in the program path" : why);
			return -1;
		}
		c->argv[i] = strdup(v);
		if (c->argv[i] == NULL) {
			smsotp_cfg_error(ctx, e, "out of memory");
			return -1;
		}
		c->argc = i + 1;
		if (strstr(v, "%{to}") != NULL ||
		    strstr(v, "%{to_digits}") != NULL)
			c->number_in_argv = 1;
	}
	if (!program_ok(c->argv[0], ctx->owner, buf, sizeof(buf))) {
		smsotp_cfg_error(ctx, config_setting_get_elem(list, 0),
		    "gateway '%s': %s", gw->name, buf);
		return -1;
	}
	return 0;
}

/* Substitute %{to} and %{to_digits} of in into out. 0 or -1 (too long). */
static int
expand(const char *in, const char *to, char *out, size_t cap)
{
	size_t o = 0, n;
	const char *v;

	while (*in != '\0') {
		v = NULL;
		if (strncmp(in, "%{to}", 5) == 0) {
			v = to;
			in += 5;
		} else if (strncmp(in, "%{to_digits}", 12) == 0) {
			v = to[0] == '+' ? to + 1 : to;
			in += 12;
		}
		if (v != NULL) {
			n = strlen(v);
			if (o + n >= cap)
				return -1;
			memcpy(out + o, v, n);
			o += n;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

/* In the child: never returns. errfd (close-on-exec) gets errno on failure. */
static void
child(char *const argv[], int infd, int outfd, int errfd)
{
	static char *const envp[] = { (char *)CHILD_PATH, NULL };
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
	    dup2(outfd, STDERR_FILENO) < 0)
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
	execve(argv[0], argv, envp);
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
 * Append what outfd has to out (at most OUT_KEEP kept, the rest read and
 * dropped). 1 after data, 2 when nothing is there now, 0 at EOF or error.
 */
static int
drain(int outfd, char *out, size_t *olen)
{
	char buf[512];
	ssize_t n = read(outfd, buf, sizeof(buf));
	size_t k;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 2 : 0;
	if (n == 0)
		return 0;
	k = (size_t)n;
	if (k > OUT_KEEP - *olen)
		k = OUT_KEEP - *olen;
	memcpy(out + *olen, buf, k);
	*olen += k;
	return 1;
}

static void
set_detail(struct smsotp_gw_result *res, const char *what, const char *out,
    size_t olen)
{
	char clean[OUT_KEEP + 1];
	size_t n = 0;

	/* The first line of the output, sanitised. */
	while (n < olen && out[n] != '\n' && out[n] != '\r')
		n++;
	smsotp_sanitize(clean, sizeof(clean), out, n);
	if (smsotp_fmt(res->detail, sizeof(res->detail), "%s%s%s", what,
	    what[0] != '\0' && clean[0] != '\0' ? ": " : "", clean) != 0)
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "%s", what);
}

/*
 * Standard input for the program (see the top of the file) into buf, its
 * length into *len. 0, or -1 when it does not fit.
 */
static int
input_of(const struct command *c, const char *to, const char *text,
    char *buf, size_t cap, size_t *len)
{
	if (strlen(text) > SMSOTP_TEXT_MAX ||
	    smsotp_fmt(buf, cap, "%s%s%s", c->number_in_argv ? "" : to,
	    c->number_in_argv ? "" : "\n", text) != 0)
		return -1;
	*len = strlen(buf);
	return 0;
}

static void
command_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct command *c = gw->priv;
	char args[MAX_ARGS][MAX_ARG_LEN], *argv[MAX_ARGS + 1];
	char out[OUT_KEEP], what[48], input[24 + SMSOTP_TEXT_MAX];
	int in[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int i, st = 0, pfd = -1, killed = 0, exited = 0, open_out = 1, e;
	size_t olen = 0, ilen = 0;
	ssize_t n;
	double end = smsotp_mono() + c->timeout;
	pid_t pid = -1;

	/* Until the program has run, every failure is this host's. */
	res->outcome = SMSOTP_GW_LOCALFAIL;
	if (end > deadline)
		end = deadline;
	for (i = 0; i < c->argc; i++) {
		if (expand(c->argv[i], to, args[i], sizeof(args[i])) != 0) {
			(void)smsotp_fmt(res->detail, sizeof(res->detail),
			    "argument %d too long", i);
			goto out;
		}
		argv[i] = args[i];
	}
	argv[c->argc] = NULL;
	if (input_of(c, to, text, input, sizeof(input), &ilen) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail),
		    "text too long");
		goto out;
	}
	/* The whole input fits the pipe buffer: written before the fork, so
	 * the child reads it and EOF, and no SIGPIPE can reach us. */
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(op, O_CLOEXEC) != 0 ||
	    pipe2(ep, O_CLOEXEC) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "pipe: %s",
		    strerror(errno));
		goto out;
	}
	n = write(in[1], input, ilen);
	if (n != (ssize_t)ilen) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "pipe: %s",
		    n < 0 ? strerror(errno) : "short write");
		goto out;
	}
	close(in[1]);
	in[1] = -1;
	pid = fork();
	if (pid < 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "fork: %s",
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(argv, in[0], op[1], ep[1]);
	(void)setpgid(pid, pid);	/* also here: no race with the kill */
	close(op[1]);
	op[1] = -1;
	close(ep[1]);
	ep[1] = -1;
	(void)fcntl(op[0], F_SETFL, O_NONBLOCK);
	pfd = pidfd_of(pid);
	while (!exited) {
		struct pollfd p[2];
		double left = end - smsotp_mono();
		int np = 0, ms;

		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		ms = pfd >= 0 ? (int)(left * 1000) + 1 : 10;
		if (pfd < 0 && ms > left * 1000)
			ms = (int)(left * 1000) + 1;
		memset(p, 0, sizeof(p));
		if (open_out) {
			p[np].fd = op[0];
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
			open_out = drain(op[0], out, &olen) != 0;
		if (waitpid(pid, &st, WNOHANG) == pid)
			exited = 1;
	}
	if (!exited && waitpid(pid, &st, 0) == pid)
		exited = 1;
	/* What is left now; a grandchild holding the pipe is not waited for. */
	while (open_out && olen < OUT_KEEP && drain(op[0], out, &olen) == 1)
		;
	if (read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "cannot run "
		    "%s: %s", c->argv[0], strerror(e));
		goto out;
	}
	if (killed) {
		/* Most often the program waiting for its provider. */
		res->outcome = SMSOTP_GW_TEMPFAIL;
		set_detail(res, "timeout: killed", out, olen);
	} else if (!exited) {
		set_detail(res, "lost the child", out, olen);
	} else if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 0)
			res->outcome = SMSOTP_GW_SENT;
		else if (WEXITSTATUS(st) == EX_TEMPFAIL_)
			res->outcome = SMSOTP_GW_TEMPFAIL;
		else
			res->outcome = SMSOTP_GW_PERMFAIL;
		(void)smsotp_fmt(what, sizeof(what), "exit %d",
		    WEXITSTATUS(st));
		/* A success shows the program's first line (a message id). */
		set_detail(res, WEXITSTATUS(st) == 0 && olen > 0 ? "" : what,
		    out, olen);
	} else {
		/* Not by us: a crash, a resource limit, the caller's signal. */
		(void)smsotp_fmt(what, sizeof(what), "killed by signal %d",
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		set_detail(res, what, out, olen);
	}
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (pfd >= 0)
		close(pfd);
	smsotp_wipe(out, sizeof(out));
	smsotp_wipe(input, sizeof(input));
}

static void
command_destroy(struct smsotp_gateway *gw)
{
	command_free(gw->priv);
	gw->priv = NULL;
}

const struct smsotp_gw_type smsotp_gw_command = {
	.name = "command",
	.root_only = 0,		/* see the top of the file */
	.settings = command_settings,
	.configure = command_configure,
	.send = command_send,
	.destroy = command_destroy,
};
