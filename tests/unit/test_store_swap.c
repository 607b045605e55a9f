/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_store_swap.c - the lock-free versioned record: exact under
 * concurrent updaters, and a stopped updater delays nobody.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/dir_int.h"
#include "store_fixture.h"
#include "testutil.h"

/* The record is a decimal count; the update adds one. */
static int
incr(char *buf, size_t cap, size_t *len, const struct smsotp_swap_cur *cur,
    void *arg)
{
	long v = cur->exists ? strtol(buf, NULL, 10) : 0;
	int n;

	if (arg != NULL && *(int *)arg) {	/* stop in the middle, once */
		*(int *)arg = 0;
		raise(SIGSTOP);
	}
	n = snprintf(buf, cap, "%ld\n", v + 1);
	if (n < 0 || (size_t)n >= cap)
		return SMSOTP_SWAP_FAIL;
	*len = (size_t)n;
	return SMSOTP_SWAP_WRITE;
}

static long
value(struct tu_store_fx *f)
{
	struct smsotp_swap_cur cur;
	char buf[64], why[256];
	size_t len;

	assert_int_equal(smsotp_store_swap_read(&f->store, "count", buf,
	    sizeof(buf), &len, &cur, why, sizeof(why)), SMSOTP_ST_OK);
	return cur.exists ? strtol(buf, NULL, 10) : 0;
}

static int
bump(struct tu_store_fx *f, void *arg)
{
	char why[256];

	return smsotp_store_swap(&f->store, "count", 64, incr, arg,
	    smsotp_mono() + 30, why, sizeof(why));
}

/* Make every version of "count" look a minute old. */
static void
age_versions(struct tu_store_fx *f)
{
	struct timespec old[2];
	struct dirent *e;
	char *d, *p;
	DIR *dir;

	clock_gettime(CLOCK_REALTIME, &old[0]);
	old[0].tv_sec -= 60;
	old[1] = old[0];
	d = tu_path(f->dir, "count.d");
	dir = opendir(d);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		p = tu_path(d, e->d_name);
		assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
		free(p);
	}
	closedir(dir);
	free(d);
}

/* 4 processes x 200 updates at once: none lost, none doubled. */
static void
test_exact_under_races(void **state)
{
	struct tu_store_fx *f = *state;
	pid_t pid[4];
	int i, k, st;

	assert_int_equal(value(f), 0);
	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			for (k = 0; k < 200; k++)
				if (bump(f, NULL) != SMSOTP_ST_OK)
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(value(f), 800);
}

static void *
bump_many(void *arg)
{
	int k;

	for (k = 0; k < 200; k++)
		if (bump(arg, NULL) != SMSOTP_ST_OK)
			return arg;
	return NULL;
}

/*
 * 4 threads of one process (the resident service) and 2 processes x 200
 * updates at once: the threads take turns, the processes race them, and
 * the threads' updates that trust the newest version they saw last still
 * see every other process's: none lost, none doubled.
 */
static void
test_exact_threads_and_processes(void **state)
{
	struct tu_store_fx *f = *state;
	pthread_t th[4];
	pid_t pid[2];
	void *rv;
	int i, st;

	assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0)
			_exit(bump_many(f) == NULL ? 0 : 1);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, bump_many, f), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &rv), 0);
		assert_null(rv);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(value(f), 1201);
}

/*
 * An updater stopped in the middle of its update (the record read, the
 * new version not yet written) holds nothing: 50 updates go through at
 * once, and when it goes on it loses its race, reads again and adds its
 * one on top.
 */
static void
test_stopped_updater_blocks_nobody(void **state)
{
	struct tu_store_fx *f = *state;
	double t0;
	pid_t pid;
	int i, st, stop = 1;

	assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(bump(f, &stop) == SMSOTP_ST_OK ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	t0 = smsotp_mono();
	for (i = 0; i < 50; i++)
		assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	assert_true(smsotp_mono() - t0 < 1.0);
	assert_int_equal(value(f), 51);
	/*
	 * It stays stopped long enough for the version it read, and the name
	 * it will publish, to be removed: its rename then succeeds, yet it
	 * must see that its version was not built on by the newer ones.
	 */
	age_versions(f);
	assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(value(f), 53);
}

/* Old versions are removed; a symlink as the newest is refused. */
static void
test_old_versions_and_symlink(void **state)
{
	struct tu_store_fx *f = *state;
	char *d, *p, why[256], buf[64];
	struct smsotp_swap_cur cur;
	size_t len;
	int i, n = 0;
	struct stat sb;

	for (i = 0; i < 20; i++)
		assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	age_versions(f);	/* superseded for seconds: the next update removes them */
	assert_int_equal(bump(f, NULL), SMSOTP_ST_OK);
	d = tu_path(f->dir, "count.d");
	for (i = 1; i <= 21; i++) {
		char name[16];

		(void)snprintf(name, sizeof(name), "%d", i);
		p = tu_path(d, name);
		n += stat(p, &sb) == 0;
		free(p);
	}
	assert_in_range(n, 1, SMSOTP_SWAP_KEEP);
	/* the newest this process saw is not fresh: the directory is listed */
	age_versions(f);
	p = tu_path(d, "99");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(smsotp_store_swap_read(&f->store, "count", buf,
	    sizeof(buf), &len, &cur, why, sizeof(why)), SMSOTP_ST_ERROR);
	assert_int_not_equal(bump(f, NULL), SMSOTP_ST_OK);
	free(p);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		tu_store_test(test_exact_under_races),
		tu_store_test(test_exact_threads_and_processes),
		tu_store_test(test_stopped_updater_blocks_nobody),
		tu_store_test(test_old_versions_and_symlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
