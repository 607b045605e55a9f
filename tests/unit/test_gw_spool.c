/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gw_spool.c - the smstools gateway (spool file byte for byte, only
 * ever a complete file in the spool: inotify sees a rename, never a
 * create or a write) and the command gateway (exit codes, the number and
 * the text on stdin and not in argv, %{to} when argv asks for it, empty
 * environment, closed fds, timeout killing the group, local failures).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libconfig.h>

#include "core/code.h"
#include "gateways/gateway.h"
#include "testutil.h"

#define TO   "+447700900123"
#define TEXT "123456 is your login code for bastion.\nIt expires in 5 minutes."

static char *dir;

static int
group_setup(void **state)
{
	(void)state;
	assert_int_equal(smsotp_crypto_init(), 0);
	dir = tu_tmpdir();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/* Configure gw of type t from the settings text; returns configure's result. */
static int
configure(struct smsotp_gateway *gw, const struct smsotp_gw_type *t,
    const char *settings, struct smsotp_errs *errs)
{
	struct smsotp_cfgctx ctx = { "test.conf", geteuid(), errs };
	char text[2048];
	config_t cfg;
	int rv;

	memset(gw, 0, sizeof(*gw));
	memset(errs, 0, sizeof(*errs));
	gw->name = strdup("g1");
	gw->type = t;
	snprintf(text, sizeof(text), "g = { %s };\n", settings);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	rv = t->configure(gw, &ctx, config_lookup(&cfg, "g"));
	config_destroy(&cfg);
	if (rv != 0)
		assert_true(errs->n > 0);
	return rv;
}

static void
destroy(struct smsotp_gateway *gw)
{
	gw->type->destroy(gw);
	free(gw->name);
}

static void
send(const struct smsotp_gateway *gw, const char *text, double budget,
    struct smsotp_gw_result *res)
{
	memset(res, 0, sizeof(*res));
	gw->type->send(gw, TO, text, smsotp_mono() + budget, res);
}

static char *
slurp(const char *path, size_t *len)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* --- smstools ---------------------------------------------------------------- */

static void
mkdirs(char **spool, char **tmp)
{
	static int n;
	char name[32];

	snprintf(name, sizeof(name), "spool%d", n);
	*spool = tu_path(dir, name);
	snprintf(name, sizeof(name), "tmp%d", n++);
	*tmp = tu_path(dir, name);
	assert_int_equal(mkdir(*spool, 0770), 0);
	assert_int_equal(mkdir(*tmp, 0700), 0);
}

static void
test_smstools_file(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	struct smsotp_errs errs;
	char settings[512], ev[4096], *spool, *tmp, *path;
	const struct inotify_event *e;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, wd, moved = 0, other = 0;

	(void)state;
	mkdirs(&spool, &tmp);
	/* The spool belongs to smsd: the file must end up being smsd's. */
	if (geteuid() == 0)
		assert_int_equal(chown(spool, 65534, 65534), 0);
	snprintf(settings, sizeof(settings), "spool_dir = \"%s\"; "
	    "tmp_dir = \"%s\";", spool, tmp);
	assert_int_equal(configure(&gw, &smsotp_gw_smstools, settings, &errs), 0);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(fd >= 0);
	wd = inotify_add_watch(fd, spool, IN_ALL_EVENTS);
	assert_true(wd >= 0);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_SENT);
	assert_int_equal(strncmp(res.detail, "pam_smsotp-", 11), 0);
	assert_int_equal(strlen(res.detail), 11 + 32);
	/* The only change the spool ever saw: a complete file moved in. */
	while ((n = read(fd, ev, sizeof(ev))) > 0) {
		const char *p;
		for (p = ev; p < ev + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(const void *)p;
			if (e->mask & (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE |
			    IN_ATTRIB))
				other++;
			if ((e->mask & IN_MOVED_TO) && e->len > 0 &&
			    strcmp(e->name, res.detail) == 0)
				moved++;
		}
	}
	close(fd);
	assert_int_equal(moved, 1);
	assert_int_equal(other, 0);
	path = tu_path(spool, res.detail);
	assert_string_equal(slurp(path, &len), "To: 447700900123\n"
	    "Alphabet: UTF-8\n\n" TEXT "\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, 65534);
	/* Nothing left behind in tmp_dir; a second send gets another name. */
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);
	{
		char first[64];
		snprintf(first, sizeof(first), "%s", res.detail);
		send(&gw, "second", 5, &res);
		assert_int_equal(res.outcome, SMSOTP_GW_SENT);
		assert_string_not_equal(first, res.detail);
	}
	destroy(&gw);
	free(path);
	free(spool);
	free(tmp);
}

static void
test_smstools_config(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	struct smsotp_errs errs;
	char settings[512], *spool, *tmp, *link;

	(void)state;
	mkdirs(&spool, &tmp);
	/* Relative, missing, world-writable, symlinked: refused at load. */
	assert_int_equal(configure(&gw, &smsotp_gw_smstools,
	    "spool_dir = \"var/spool\"; tmp_dir = \"/tmp\";", &errs), -1);
	assert_non_null(strstr(errs.msg[0], "absolute"));
	destroy(&gw);
	snprintf(settings, sizeof(settings), "spool_dir = \"%s/none\"; "
	    "tmp_dir = \"%s\";", spool, tmp);
	assert_int_equal(configure(&gw, &smsotp_gw_smstools, settings, &errs), -1);
	destroy(&gw);
	assert_int_equal(chmod(spool, 0777), 0);
	snprintf(settings, sizeof(settings), "spool_dir = \"%s\"; "
	    "tmp_dir = \"%s\";", spool, tmp);
	assert_int_equal(configure(&gw, &smsotp_gw_smstools, settings, &errs), -1);
	assert_non_null(strstr(errs.msg[0], "world-writable"));
	destroy(&gw);
	assert_int_equal(chmod(spool, 0770), 0);
	link = tu_path(dir, "spool-link");
	assert_int_equal(symlink(spool, link), 0);
	snprintf(settings, sizeof(settings), "spool_dir = \"%s\"; "
	    "tmp_dir = \"%s\";", link, tmp);
	assert_int_equal(configure(&gw, &smsotp_gw_smstools, settings, &errs), -1);
	destroy(&gw);
	/* Another filesystem (when /dev/shm is one): no atomic rename. */
	{
		char shm[] = "/dev/shm/smsotp-unit-XXXXXX";
		struct stat a, b;
		if (mkdtemp(shm) != NULL && stat(shm, &a) == 0 &&
		    stat(spool, &b) == 0 && a.st_dev != b.st_dev) {
			snprintf(settings, sizeof(settings), "spool_dir = "
			    "\"%s\"; tmp_dir = \"%s\";", spool, shm);
			assert_int_equal(configure(&gw, &smsotp_gw_smstools,
			    settings, &errs), -1);
			assert_non_null(strstr(errs.msg[0], "filesystem"));
			destroy(&gw);
		}
		(void)rmdir(shm);
	}
	/* Unknown setting names are the loader's job; a spool gone later
	 * is this host's fault, not smsd's: a local failure. */
	snprintf(settings, sizeof(settings), "spool_dir = \"%s\"; "
	    "tmp_dir = \"%s\";", spool, tmp);
	assert_int_equal(configure(&gw, &smsotp_gw_smstools, settings, &errs), 0);
	assert_int_equal(rmdir(spool), 0);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_LOCALFAIL);
	destroy(&gw);
	free(link);
	free(spool);
	free(tmp);
}

/* --- command ----------------------------------------------------------------- */

/* An executable script dir/name (mode 0755) running body under /bin/sh. */
static char *
script(const char *name, const char *body)
{
	char text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	return tu_write(dir, name, text, 0755);
}

static void
cmd_gw(struct smsotp_gateway *gw, const char *argv, int timeout)
{
	struct smsotp_errs errs;
	char settings[1024];

	snprintf(settings, sizeof(settings), "argv = [ %s ]; timeout = %d;",
	    argv, timeout);
	if (configure(gw, &smsotp_gw_command, settings, &errs) != 0) {
		fprintf(stderr, "%s\n", errs.msg[0]);
		fail();
	}
}

static void
test_command_exit_codes(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	char argv[512], *s;

	(void)state;
	free(script("exit.sh", "echo \"id-$1 queued\"; echo second line; "
	    "exit \"$1\""));
	s = tu_path(dir, "exit.sh");
	snprintf(argv, sizeof(argv), "\"%s\", \"0\"", s);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_SENT);
	assert_string_equal(res.detail, "id-0 queued");
	destroy(&gw);
	snprintf(argv, sizeof(argv), "\"%s\", \"75\"", s);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_string_equal(res.detail, "exit 75: id-75 queued");
	destroy(&gw);
	snprintf(argv, sizeof(argv), "\"%s\", \"1\"", s);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_PERMFAIL);
	assert_string_equal(res.detail, "exit 1: id-1 queued");
	destroy(&gw);
	free(s);
	/* Output is sanitised for the log line. */
	free(script("ctl.sh", "printf 'a\\033[31mb%%c\\n'; exit 0"));
	s = tu_path(dir, "ctl.sh");
	snprintf(argv, sizeof(argv), "\"%s\"", s);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_string_equal(res.detail, "a?[31mb?c");
	/* Not startable any more (removed after load): local. */
	assert_int_equal(unlink(s), 0);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_LOCALFAIL);
	assert_non_null(strstr(res.detail, "cannot run"));
	destroy(&gw);
	free(s);
}

static void
test_command_io(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	char argv[1024], out[512], *s;
	size_t len;

	(void)state;
	snprintf(out, sizeof(out), "%s/io", dir);
	mkdir(out, 0700);
	/* Arguments (with %{to}: the text alone on stdin), environment,
	 * open fds. */
	s = script("io.sh", "d=$1; shift; printf '%s\\n' \"$@\" >\"$d/args\"; "
	    "cat >\"$d/stdin\"; /usr/bin/env >\"$d/env\"; "
	    "ls /proc/$$/fd >\"$d/fds\"");
	snprintf(argv, sizeof(argv), "\"%s\", \"%s\", \"--to=%%{to}\", "
	    "\"%%{to_digits}\", \"plain\"", s, out);
	cmd_gw(&gw, argv, 5);
	/* A descriptor the helper leaked must not reach the command. */
	assert_int_equal(dup2(STDERR_FILENO, 42), 42);
	send(&gw, TEXT, 5, &res);
	close(42);
	assert_int_equal(res.outcome, SMSOTP_GW_SENT);
	assert_string_equal(res.detail, "exit 0");
	snprintf(argv, sizeof(argv), "%s/args", out);
	assert_string_equal(slurp(argv, &len), "--to=" TO "\n447700900123\n"
	    "plain\n");
	snprintf(argv, sizeof(argv), "%s/stdin", out);
	assert_string_equal(slurp(argv, &len), TEXT);
	snprintf(argv, sizeof(argv), "%s/env", out);
	/* dash adds PWD for its children; nothing from our environment. */
	{
		char *env = slurp(argv, &len);
		assert_non_null(strstr(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
		assert_null(strstr(env, "HOME="));
		assert_null(strstr(env, "CMOCKA"));
		assert_null(strstr(env, "TMPDIR"));
	}
	snprintf(argv, sizeof(argv), "%s/fds", out);
	/* 0, 1, 2 and dash's own (10: a saved stdout, 11: the script). */
	{
		char *l = slurp(argv, &len), *end;
		long fd;
		int n = 0;
		while (*l != '\0') {
			fd = strtol(l, &end, 10);
			assert_true(end != l && *end == '\n');
			assert_true(fd <= 2 || fd == 10 || fd == 11);
			l = end + 1;
			n++;
		}
		assert_true(n >= 3 && n <= 5);
	}
	destroy(&gw);
	free(s);
}

/* By default the number goes on stdin's first line, never into argv. */
static void
test_command_stdin(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	char argv[1024], out[512], path[600], *s;
	size_t len;

	(void)state;
	snprintf(out, sizeof(out), "%s/stdin-io", dir);
	mkdir(out, 0700);
	s = script("stdin.sh", "d=$1; shift; printf '%s\\n' \"$@\" >\"$d/args\"; "
	    "tr '\\000' ' ' </proc/$$/cmdline >\"$d/cmdline\"; "
	    "IFS= read -r to; printf '%s' \"$to\" >\"$d/to\"; "
	    "cat >\"$d/text\"");
	snprintf(argv, sizeof(argv), "\"%s\", \"%s\", \"--plain\"", s, out);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_SENT);
	snprintf(path, sizeof(path), "%s/to", out);
	assert_string_equal(slurp(path, &len), TO);
	snprintf(path, sizeof(path), "%s/text", out);
	assert_string_equal(slurp(path, &len), TEXT);
	snprintf(path, sizeof(path), "%s/args", out);
	assert_string_equal(slurp(path, &len), "--plain\n");
	snprintf(path, sizeof(path), "%s/cmdline", out);
	assert_null(strstr(slurp(path, &len), "447700900123"));
	destroy(&gw);
	free(s);
}

/* Failures of this host (a crash, a resource limit) are local. */
static void
test_command_local_failures(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	char argv[512], *s;
	pid_t pid;
	int st;

	(void)state;
	s = script("crash.sh", "kill -KILL $$");
	snprintf(argv, sizeof(argv), "\"%s\"", s);
	cmd_gw(&gw, argv, 5);
	send(&gw, TEXT, 5, &res);
	assert_int_equal(res.outcome, SMSOTP_GW_LOCALFAIL);
	assert_string_equal(res.detail, "killed by signal 9");
	destroy(&gw);
	free(s);
	/* No descriptor left for the pipes (RLIMIT_NOFILE of the caller). */
	s = script("never.sh", "exit 0");
	snprintf(argv, sizeof(argv), "\"%s\"", s);
	cmd_gw(&gw, argv, 5);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		int lowest = open("/dev/null", O_RDONLY);

		close(lowest);
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = (rlim_t)lowest;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(2);
		send(&gw, TEXT, 5, &res);
		_exit(res.outcome == SMSOTP_GW_LOCALFAIL &&
		    strncmp(res.detail, "pipe:", 5) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	destroy(&gw);
	free(s);
}

static void
test_command_timeout(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_gw_result res;
	char argv[1100], pidfile[512], *s;
	double t0;
	size_t len;
	long pid;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", dir);
	/* A background grandchild in the same process group dies too. */
	s = script("hang.sh", "sleep 300 & echo $! >\"$1\"; echo started; "
	    "sleep 300");
	snprintf(argv, sizeof(argv), "\"%s\", \"%s\"", s, pidfile);
	cmd_gw(&gw, argv, 1);
	t0 = smsotp_mono();
	send(&gw, TEXT, 10, &res);
	assert_true(smsotp_mono() - t0 < 1.8);
	assert_true(smsotp_mono() - t0 >= 0.9);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	assert_string_equal(res.detail, "timeout: killed: started");
	pid = atol(slurp(pidfile, &len));
	assert_true(pid > 0);
	{
		char proc[64], *stat;
		FILE *f;
		int gone = 0, i;
		/* Gone, or a zombie waiting for a non-reaping pid 1. */
		for (i = 0; i < 100 && !gone; i++) {
			snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
			f = fopen(proc, "r");
			if (f == NULL) {
				gone = 1;
				break;
			}
			fclose(f);
			stat = slurp(proc, &len);
			gone = strstr(stat, ") Z ") != NULL;
			usleep(10000);
		}
		assert_true(gone);
	}
	destroy(&gw);
	/* The send deadline bounds a longer timeout. */
	cmd_gw(&gw, argv, 10);
	t0 = smsotp_mono();
	send(&gw, TEXT, 0.5, &res);
	assert_true(smsotp_mono() - t0 < 1.3);
	assert_int_equal(res.outcome, SMSOTP_GW_TEMPFAIL);
	destroy(&gw);
	free(s);
}

static void
test_command_config(void **state)
{
	struct smsotp_gateway gw;
	struct smsotp_errs errs;
	char settings[512], *s;

	(void)state;
	s = script("ok.sh", "exit 0");
	/* The text (the code) can never be put in argv. */
	snprintf(settings, sizeof(settings), "argv = [ \"%s\", \"%%{text}\" ];",
	    s);
	assert_int_equal(configure(&gw, &smsotp_gw_command, settings, &errs), -1);
	assert_non_null(strstr(errs.msg[0], "standard input"));
	destroy(&gw);
	assert_int_equal(configure(&gw, &smsotp_gw_command,
	    "argv = [ \"ok.sh\" ];", &errs), -1);
	assert_non_null(strstr(errs.msg[0], "absolute"));
	destroy(&gw);
	assert_int_equal(configure(&gw, &smsotp_gw_command, "argv = [ ];",
	    &errs), -1);
	destroy(&gw);
	assert_int_equal(chmod(s, 0775), 0);
	snprintf(settings, sizeof(settings), "argv = [ \"%s\" ];", s);
	assert_int_equal(configure(&gw, &smsotp_gw_command, settings, &errs), -1);
	assert_non_null(strstr(errs.msg[0], "writable"));
	destroy(&gw);
	assert_int_equal(chmod(s, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(s, 65534, 0), 0);
		assert_int_equal(configure(&gw, &smsotp_gw_command, settings,
		    &errs), -1);
		assert_non_null(strstr(errs.msg[0], "owned by"));
		destroy(&gw);
		assert_int_equal(chown(s, 0, 0), 0);
	}
	snprintf(settings, sizeof(settings), "argv = [ \"%s\" ]; timeout = 0;",
	    s);
	assert_int_equal(configure(&gw, &smsotp_gw_command, settings, &errs), -1);
	destroy(&gw);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smstools_file),
		cmocka_unit_test(test_smstools_config),
		cmocka_unit_test(test_command_exit_codes),
		cmocka_unit_test(test_command_io),
		cmocka_unit_test(test_command_stdin),
		cmocka_unit_test(test_command_local_failures),
		cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_command_config),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
