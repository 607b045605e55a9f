/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen.c - bench/run's load driver: N worker processes, each looping
 * whole logins (pam_start, pam_authenticate, pam_end: what pamtester does,
 * without a process per login) for a given time, through /etc/pam.d.
 *
 *   loadgen OUTBOX SECONDS POOL USER SERVICE...
 *
 * One worker per SERVICE. USER "-" = distinct users: worker i's k-th login
 * is for bu%06d of (i + k * N) mod POOL (bench/benchlib.py user_name);
 * otherwise every login is for USER. A code prompt is answered with the
 * code of the first outbox line after the login's start that names the
 * worker's service (each worker has its own service name); OUTBOX "-" =
 * no prompt expected (pam_permit). Prints one line per login:
 *   worker wall_us kind prompts
 * kind: ok, refused (PAM_AUTH_ERR before any code prompt: locked, rate
 * limited; a backup code prompt, offered when no text was sent, is
 * answered empty and not counted), code_refused (PAM_AUTH_ERR after a prompt), no_code (prompted,
 * no text for it in the outbox), error (any other PAM result).
 *
 *   loadgen --spawn SECONDS N PROGRAM
 *
 * The machine's ceiling: N workers each posix_spawn PROGRAM (a program
 * that does nothing) and wait for it, in a loop; prints the spawns done.
 * Compiled and run by bench/phases_load.py; not installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAXW 1024

struct login {
	const char *outbox;
	const char *service;
	off_t offset;		/* outbox size when the login started */
	int prompts;
	int no_code;
};

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* The code for lg's service in the outbox after lg->offset, or NULL. */
static char *
find_code(struct login *lg)
{
	char token[256], *buf = NULL, *p, *line, *code = NULL;
	ssize_t n;
	off_t size;
	int fd, tries;

	snprintf(token, sizeof(token), "is your %s login code", lg->service);
	for (tries = 0; tries < 2000 && code == NULL; tries++) {
		if (tries > 0)
			usleep(1000);
		fd = open(lg->outbox, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		size = file_size(lg->outbox);
		if (size <= lg->offset) {
			close(fd);
			continue;
		}
		free(buf);
		buf = malloc((size_t)(size - lg->offset) + 1);
		n = buf != NULL ? pread(fd, buf, (size_t)(size - lg->offset),
		    lg->offset) : -1;
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (line = buf; line != NULL && code == NULL; line = p) {
			char *tab1, *tab2, *end;

			p = strchr(line, '\n');
			if (p == NULL)
				break;		/* a line still being written */
			*p++ = '\0';
			if (strstr(line, token) == NULL)
				continue;
			/* time \t number \t text */
			tab1 = strchr(line, '\t');
			tab2 = tab1 != NULL ? strchr(tab1 + 1, '\t') : NULL;
			if (tab2 == NULL)
				continue;
			end = tab2 + 1;
			while (*end >= '0' && *end <= '9')
				end++;
			if (end - (tab2 + 1) >= 4 && *end == ' ')
				code = strndup(tab2 + 1, (size_t)(end - tab2 - 1));
		}
	}
	free(buf);
	return code;
}

static int
conv(int num, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct login *lg = appdata;
	struct pam_response *r;
	int i;

	r = calloc((size_t)num, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		/* no text was sent: a backup code is asked for; none */
		if (strstr(msg[i]->msg, "Backup code") != NULL) {
			r[i].resp = strdup("");
			if (r[i].resp == NULL) {
				lg->no_code = 1;
				while (i-- > 0)
					free(r[i].resp);
				free(r);
				return PAM_BUF_ERR;
			}
			continue;
		}
		lg->prompts++;
		r[i].resp = lg->outbox != NULL ? find_code(lg) : NULL;
		if (r[i].resp == NULL) {
			lg->no_code = 1;
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static void
worker(int w, int nw, const char *outbox, double until, int pool,
    const char *user, const char *service, int out)
{
	char name[32], rec[128];
	const char *u;
	long k;
	int len;

	for (k = 0; now_s() < until; k++) {
		struct login lg = { outbox, service, 0, 0, 0 };
		struct pam_conv pc = { conv, &lg };
		pam_handle_t *pamh = NULL;
		const char *kind;
		double t0;
		int rc;

		if (user == NULL) {
			snprintf(name, sizeof(name), "bu%06ld",
			    (w + k * nw) % pool);
			u = name;
		} else {
			u = user;
		}
		t0 = now_s();
		if (outbox != NULL)
			lg.offset = file_size(outbox);
		rc = pam_start(service, u, &pc, &pamh);
		if (rc == PAM_SUCCESS)
			rc = pam_authenticate(pamh, 0);
		if (pamh != NULL)
			pam_end(pamh, rc);
		kind = rc == PAM_SUCCESS ? "ok" : lg.no_code ? "no_code" :
		    rc == PAM_AUTH_ERR && lg.prompts == 0 ? "refused" :
		    rc == PAM_AUTH_ERR ? "code_refused" : "error";
		len = snprintf(rec, sizeof(rec), "%d %ld %s %d\n", w,
		    (long)((now_s() - t0) * 1e6), kind, lg.prompts);
		if (write(out, rec, (size_t)len) != len)	/* < PIPE_BUF */
			_exit(2);
	}
	_exit(0);
}

extern char **environ;

static int
spawn_ceiling(double secs, int nw, char *prog)
{
	char *const av[] = { prog, NULL };
	double until = now_s() + secs;
	long total = 0, done;
	int p[2], i, st;
	pid_t pid;

	if (nw < 1 || nw > MAXW || pipe(p) != 0)
		return 2;
	for (i = 0; i < nw; i++) {
		if (fork() != 0)
			continue;
		close(p[0]);
		for (done = 0; now_s() < until; done++)
			if (posix_spawn(&pid, prog, NULL, NULL, av, environ) != 0 ||
			    waitpid(pid, &st, 0) != pid)
				_exit(1);
		_exit(write(p[1], &done, sizeof(done)) == sizeof(done) ? 0 : 1);
	}
	close(p[1]);
	while (read(p[0], &done, sizeof(done)) == sizeof(done))
		total += done;
	while (wait(&st) > 0)
		;
	printf("%ld\n", total);
	return 0;
}

int
main(int argc, char **argv)
{
	char buf[65536];
	const char *outbox, *user;
	double until;
	pid_t pids[MAXW];
	int p[2], i, nw, pool, st, bad = 0;
	ssize_t n;

	if (argc == 5 && strcmp(argv[1], "--spawn") == 0)
		return spawn_ceiling(atof(argv[2]), atoi(argv[3]), argv[4]);
	if (argc < 6 || argc - 5 > MAXW) {
		fprintf(stderr, "usage: loadgen OUTBOX SECONDS POOL USER "
		    "SERVICE...\n");
		return 2;
	}
	outbox = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
	until = now_s() + atof(argv[2]);
	pool = atoi(argv[3]);
	user = strcmp(argv[4], "-") == 0 ? NULL : argv[4];
	nw = argc - 5;
	if (pool < 1 || pipe(p) != 0)
		return 2;
	for (i = 0; i < nw; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 2;
		if (pids[i] == 0) {
			close(p[0]);
			worker(i, nw, outbox, until, pool, user, argv[5 + i],
			    p[1]);
		}
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 2;
	}
	for (i = 0; i < nw; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	return bad == 0 ? 0 : 1;
}
