/* SPDX-License-Identifier: BSD-3-Clause */
/* mockgw.c - mock gateway processes, their logs and gateway helpers for the cmocka tests. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libconfig.h>

#include "mockgw.h"
#include "testutil.h"

#define MOCK SMSOTP_SRCDIR "/tests/integration/mock_gateway.py"
#define MKCERTS SMSOTP_SRCDIR "/tests/integration/mkcerts.sh"
#define MAX_EXTRA 16

struct mockgw_env mockgw = { .m = {
	{ "good", "good.log", -1, 0, -1, NULL },
	{ "wronghost", "wrong.log", -1, 0, -1, NULL },
	{ "self", "self.log", -1, 0, -1, NULL },
	{ "expired", "expired.log", -1, 0, -1, NULL },
	{ NULL, "plain.log", -1, 0, -1, NULL },
} };

static pid_t
spawn(char *const argv[], int outfd)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	/* The mock dies with this test even when the test crashes. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	if (outfd >= 0 && dup2(outfd, STDOUT_FILENO) < 0)
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

static void
reap(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static int
start_mock(struct mockgw *m, const char *const *extra)
{
	char cert[512], key[512];
	char *argv[12 + MAX_EXTRA] = { (char *)MOCKGW_PYTHON, (char *)MOCK,
	    (char *)"--port", (char *)"0", (char *)"--log", NULL };
	int fds[2], n = 6, i;

	m->log = argv[5] = tu_path(mockgw.dir, m->logname);
	if (m->cert != NULL) {
		snprintf(cert, sizeof(cert), "%s/%s.pem", mockgw.dir, m->cert);
		snprintf(key, sizeof(key), "%s/%s.key", mockgw.dir, m->cert);
		argv[n++] = (char *)"--cert";
		argv[n++] = cert;
		argv[n++] = (char *)"--key";
		argv[n++] = key;
	} else {
		argv[n++] = (char *)"--http";
	}
	for (i = 0; extra != NULL && extra[i] != NULL && i < MAX_EXTRA; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	m->pid = spawn(argv, fds[1]);
	close(fds[1]);
	m->rfd = fds[0];
	return m->pid < 0 ? -1 : 0;
}

/* Read "READY <port>\n" from the mock within 15 s. */
static int
await_mock(struct mockgw *m)
{
	char line[64];
	size_t got = 0;
	struct pollfd p = { m->rfd, POLLIN, 0 };
	ssize_t r;

	while (got < sizeof(line) - 1 && memchr(line, '\n', got) == NULL) {
		if (poll(&p, 1, 15000) != 1)
			return -1;
		r = read(m->rfd, line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	line[got] = '\0';
	close(m->rfd);
	m->rfd = -1;
	if (sscanf(line, "READY %d", &m->port) != 1 || m->port <= 0)
		return -1;
	return 0;
}

int
mockgw_teardown(void)
{
	int i;

	for (i = 0; i < MOCKGW_N; i++) {
		reap(mockgw.m[i].pid);
		mockgw.m[i].pid = -1;
		if (mockgw.m[i].rfd >= 0)
			close(mockgw.m[i].rfd);
		mockgw.m[i].rfd = -1;
		free(mockgw.m[i].log);
		mockgw.m[i].log = NULL;
	}
	if (mockgw.dir != NULL)
		tu_rmrf(mockgw.dir);
	free(mockgw.dir);
	mockgw.dir = NULL;
	curl_global_cleanup();
	return 0;
}

int
mockgw_setup(unsigned mask, const char *const *extra)
{
	char *argv[] = { (char *)"/bin/sh", (char *)MKCERTS, NULL, NULL };
	char *pinpath;
	FILE *f;
	pid_t pid;
	int st, i;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	mockgw.dir = tu_tmpdir();
	argv[2] = mockgw.dir;
	pid = spawn(argv, -1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		goto fail;
	pinpath = tu_path(mockgw.dir, "good.pin");
	f = fopen(pinpath, "r");
	free(pinpath);
	if (f == NULL || fgets(mockgw.pin, sizeof(mockgw.pin), f) == NULL) {
		if (f != NULL)
			fclose(f);
		goto fail;
	}
	fclose(f);
	mockgw.pin[strcspn(mockgw.pin, "\n")] = '\0';
	for (i = 0; i < MOCKGW_N; i++)
		if ((mask & (1u << i)) && start_mock(&mockgw.m[i], extra) != 0)
			goto fail;
	for (i = 0; i < MOCKGW_N; i++)
		if ((mask & (1u << i)) && await_mock(&mockgw.m[i]) != 0)
			goto fail;
	return 0;
fail:
	mockgw_teardown();
	return -1;
}

int
mockgw_log_lines(const struct mockgw *m)
{
	FILE *f = fopen(m->log, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

json_t *
mockgw_log_last(const struct mockgw *m)
{
	char buf[16384], last[16384] = "";
	FILE *f = fopen(m->log, "r");
	json_t *j;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f) != NULL)
		memcpy(last, buf, sizeof(last));
	fclose(f);
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	return j;
}

const char *
mockgw_jstr(json_t *j, const char *obj, const char *key)
{
	json_t *o = obj != NULL ? json_object_get(j, obj) : j;

	return json_string_value(json_object_get(o, key));
}

int
mockgw_configure(const struct smsotp_gw_type *t, const char *name,
    const char *text, struct smsotp_gateway *gw, struct smsotp_errs *errs)
{
	struct smsotp_cfgctx ctx = { "test.conf", 0, errs };
	config_t cfg;
	const config_setting_t *s;
	int rv;

	ctx.owner = geteuid();
	memset(errs, 0, sizeof(*errs));
	memset(gw, 0, sizeof(*gw));
	gw->name = (char *)name;
	gw->type = t;
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		fail_msg("bad test config, line %d: %s\n%s",
		    config_error_line(&cfg), config_error_text(&cfg), text);
	s = config_setting_get_elem(config_lookup(&cfg, "gateways"), 0);
	assert_non_null(s);
	rv = t->configure(gw, &ctx, s);
	config_destroy(&cfg);
	if (rv == 0)
		assert_int_equal(errs->n, 0);
	else if (errs->n == 0)
		fail_msg("configure failed without an error");
	return rv;
}

void
mockgw_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double budget, const char *const *secrets, struct smsotp_gw_result *res,
    double *elapsed)
{
	double t0 = smsotp_mono();

	memset(res, 0x55, sizeof(*res));
	gw->type->send(gw, to, text, t0 + budget, res);
	if (elapsed != NULL)
		*elapsed = smsotp_mono() - t0;
	assert_non_null(memchr(res->detail, '\0', sizeof(res->detail)));
	for (; secrets != NULL && *secrets != NULL; secrets++)
		if (strstr(res->detail, *secrets) != NULL)
			fail_msg("detail '%s' shows '%s'", res->detail, *secrets);
}

int
mockgw_listener(int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

int
mockgw_pending(int lfd)
{
	int c = accept(lfd, NULL, NULL);

	if (c < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return 0;
	}
	close(c);
	return 1;
}
