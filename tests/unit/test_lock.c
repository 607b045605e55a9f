/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lock.c - the one lock with a deadline (base/lock.h): woken as soon
 * as the lock is free, given up at the caller's own deadline (also one
 * shorter than its tick), and nothing shared between two waiting threads.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/lock.h"
#include "testutil.h"

struct fx {
	char *dir;
	char *path;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	f->path = tu_write(f->dir, "l", "", 0600);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* A new open file description: flock conflicts even within one process. */
static int
open_lock(const struct fx *f)
{
	int fd = open(f->path, O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

struct waiter {
	int fd;
	double wait_s;
	enum smsotp_lock_result r;
	double took;
};

static void *
wait_thread(void *arg)
{
	struct waiter *w = arg;
	double t0 = smsotp_mono();

	w->r = smsotp_lock_until(w->fd, t0 + w->wait_s);
	w->took = smsotp_mono() - t0;
	return NULL;
}

static void
test_free_lock_and_busy(void **state)
{
	struct fx *f = *state;
	int a = open_lock(f), b = open_lock(f);
	double t0;

	assert_int_equal(smsotp_lock_wait(a, 0), SMSOTP_LOCK_OK);
	t0 = smsotp_mono();
	assert_int_equal(smsotp_lock_wait(b, 0), SMSOTP_LOCK_BUSY);
	assert_true(smsotp_mono() - t0 < 0.05);
	close(a);
	assert_int_equal(smsotp_lock_wait(b, 0), SMSOTP_LOCK_OK);
	close(b);
	/* a descriptor that is not open is an error, not busy */
	assert_int_equal(smsotp_lock_wait(-1, 10), SMSOTP_LOCK_ERROR);
}

/* Given up at a deadline shorter than the 100 ms tick, not at the tick. */
static void
test_short_deadline(void **state)
{
	struct fx *f = *state;
	int a = open_lock(f), b = open_lock(f);
	double t0, dt;

	assert_int_equal(smsotp_lock_wait(a, 0), SMSOTP_LOCK_OK);
	t0 = smsotp_mono();
	assert_int_equal(smsotp_lock_wait(b, 20), SMSOTP_LOCK_BUSY);
	dt = smsotp_mono() - t0;
	assert_true(dt >= 0.018 && dt < 0.08);
	close(a);
	close(b);
}

/* A waiter is woken when the holder lets go, long before its deadline. */
static void
test_woken_on_release(void **state)
{
	struct fx *f = *state;
	struct waiter w = { open_lock(f), 5.0, SMSOTP_LOCK_ERROR, 0 };
	int a = open_lock(f);
	pthread_t th;

	assert_int_equal(smsotp_lock_wait(a, 0), SMSOTP_LOCK_OK);
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(150000);
	close(a);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.r, SMSOTP_LOCK_OK);
	assert_true(w.took >= 0.14 && w.took < 1.0);
	close(w.fd);
}

/*
 * Two threads wait at once, each with its own deadline: each gives up at
 * its own (a timer shared by the process would end both at the first).
 */
static void
test_two_waiters_own_deadlines(void **state)
{
	struct fx *f = *state;
	struct waiter w1 = { open_lock(f), 0.1, SMSOTP_LOCK_ERROR, 0 };
	struct waiter w2 = { open_lock(f), 0.4, SMSOTP_LOCK_ERROR, 0 };
	int a = open_lock(f);
	pthread_t t1, t2;
	sigset_t before, after;

	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &before), 0);
	assert_int_equal(smsotp_lock_wait(a, 0), SMSOTP_LOCK_OK);
	assert_int_equal(pthread_create(&t1, NULL, wait_thread, &w1), 0);
	assert_int_equal(pthread_create(&t2, NULL, wait_thread, &w2), 0);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	assert_int_equal(w1.r, SMSOTP_LOCK_BUSY);
	assert_int_equal(w2.r, SMSOTP_LOCK_BUSY);
	assert_true(w1.took >= 0.09 && w1.took < 0.3);
	assert_true(w2.took >= 0.39 && w2.took < 0.8);
	/* the caller's signal mask is as it was */
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
	assert_int_equal(sigismember(&before, SIGUSR2),
	    sigismember(&after, SIGUSR2));
	close(a);
	close(w1.fd);
	close(w2.fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_free_lock_and_busy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_woken_on_release, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_waiters_own_deadlines,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
