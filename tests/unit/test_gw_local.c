/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gw_local.c - the outbox gateway, whose file receives every code:
 * a file someone else owns and a directory others may write are refused
 * with nothing written, the line goes out in one write(2) without any lock
 * (a process holding one cannot stall a login), and a short write (a
 * resource limit) is a local failure.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libconfig.h>

#include "core/code.h"
#include "gateways/gateway.h"
#include "testutil.h"

#define TO   "+447700900123"
#define TEXT "123456 is your login code"
#define NOBODY 65534

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

/* An outbox gateway writing to path. */
static void
outbox(struct smsotp_gateway *gw, const char *path)
{
	struct smsotp_errs errs;
	struct smsotp_cfgctx ctx = { "test.conf", geteuid(), &errs };
	char text[1024];
	config_t cfg;

	memset(gw, 0, sizeof(*gw));
	memset(&errs, 0, sizeof(errs));
	gw->name = strdup("box");
	gw->type = &smsotp_gw_outbox;
	snprintf(text, sizeof(text), "g = { path = \"%s\"; };\n", path);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	assert_int_equal(gw->type->configure(gw, &ctx, config_lookup(&cfg, "g")),
	    0);
	config_destroy(&cfg);
}

static void
destroy(struct smsotp_gateway *gw)
{
	gw->type->destroy(gw);
	free(gw->name);
}

static enum smsotp_gw_outcome
send_to(const char *path, struct smsotp_gw_result *res)
{
	struct smsotp_gateway gw;

	outbox(&gw, path);
	memset(res, 0, sizeof(*res));
	gw.type->send(&gw, TO, TEXT, smsotp_mono() + 5, res);
	destroy(&gw);
	return res->outcome;
}

/* A fresh directory dir/name with mode (set after creation). */
static char *
subdir(const char *name, mode_t mode)
{
	char *d = tu_path(dir, name);

	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chmod(d, mode), 0);
	return d;
}

static off_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A planted outbox of another user gets nothing. */
static void
test_outbox_other_owner(void **state)
{
	struct smsotp_gw_result res;
	char *d, *box;

	(void)state;
	if (geteuid() != 0)
		skip();
	d = subdir("planted", 0700);
	box = tu_write(d, "outbox", "", 0600);
	assert_int_equal(chown(box, NOBODY, NOBODY), 0);
	assert_int_equal(send_to(box, &res), SMSOTP_GW_LOCALFAIL);
	assert_non_null(strstr(res.detail, "refused: owned by uid 65534"));
	assert_int_equal(size_of(box), 0);
	/* Its own, or root's: written. */
	assert_int_equal(chown(box, 0, 0), 0);
	assert_int_equal(send_to(box, &res), SMSOTP_GW_SENT);
	assert_true(size_of(box) > 0);
	free(box);
	free(d);
}

/* A directory that others may write: refused, no file created. */
static void
test_outbox_unsafe_dir(void **state)
{
	static const struct {
		const char *name;
		mode_t mode;
		int group_nobody;
		int owner_nobody;
	} bad[] = {
		{ "world", 0777, 0, 0 },
		{ "sticky", 01777, 0, 0 },
		{ "otherw", 0702, 0, 0 },
		{ "groupw", 0770, 1, 0 },
		{ "theirs", 0700, 0, 1 },
	};
	struct smsotp_gw_result res;
	struct group *gr;
	char *d, *box;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if ((bad[i].group_nobody || bad[i].owner_nobody) &&
		    geteuid() != 0)
			continue;
		d = subdir(bad[i].name, bad[i].mode);
		if (bad[i].group_nobody)
			assert_int_equal(chown(d, (uid_t)-1, NOBODY), 0);
		if (bad[i].owner_nobody)
			assert_int_equal(chown(d, NOBODY, (gid_t)-1), 0);
		box = tu_path(d, "outbox");
		assert_int_equal(send_to(box, &res), SMSOTP_GW_LOCALFAIL);
		if (strstr(res.detail, "refused: directory") == NULL)
			fail_msg("%s: %s", bad[i].name, res.detail);
		assert_int_equal(size_of(box), -1);
		free(box);
		free(d);
	}
	/* Group-writable for the smsotp group (the state directory). */
	gr = getgrnam(SMSOTP_GROUP);
	if (gr != NULL && geteuid() == 0) {
		d = subdir("stategroup", 02770);
		assert_int_equal(chown(d, 0, gr->gr_gid), 0);
		box = tu_path(d, "outbox");
		assert_int_equal(send_to(box, &res), SMSOTP_GW_SENT);
		assert_true(size_of(box) > 0);
		free(box);
		free(d);
	}
}

/* A lock held on the outbox (a stopped process) never stalls a send. */
static void
test_outbox_no_lock(void **state)
{
	struct smsotp_gw_result res;
	char *d, *box, line[256], want[128];
	double t0;
	FILE *f;
	pid_t pid;
	int fd, st, n = 0;

	(void)state;
	d = subdir("locked", 0700);
	box = tu_write(d, "outbox", "", 0600);
	fd = open(box, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	t0 = smsotp_mono();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(5);
		_exit(send_to(box, &res) == SMSOTP_GW_SENT ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(smsotp_mono() - t0 < 2);
	close(fd);
	/* One whole line: stamp, number, text (field 3). */
	snprintf(want, sizeof(want), "\t%s\t%s\n", TO, TEXT);
	f = fopen(box, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_non_null(strstr(line, want));
		n++;
	}
	fclose(f);
	assert_int_equal(n, 1);
	free(box);
	free(d);
}

/* A file size limit cuts the write: a local failure, not "provider down". */
static void
test_outbox_short_write(void **state)
{
	struct smsotp_gw_result res;
	char *d, *box;
	pid_t pid;
	int st;

	(void)state;
	d = subdir("fsize", 0700);
	box = tu_write(d, "outbox", "", 0600);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 10, 10 };

		(void)signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		_exit(send_to(box, &res) == SMSOTP_GW_LOCALFAIL &&
		    strstr(res.detail, "write") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(box);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_other_owner),
		cmocka_unit_test(test_outbox_unsafe_dir),
		cmocka_unit_test(test_outbox_no_lock),
		cmocka_unit_test(test_outbox_short_write),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
