/* SPDX-License-Identifier: BSD-3-Clause */
/* lock.c - flock(LOCK_EX) with a deadline, woken by a per-thread timer. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/lock.h"

#define LOCK_TICK_NS 100000000L	/* 100 ms between deadline checks */
#define LOCK_SIG     SIGUSR2	/* SIGALRM is left to the caller */

/* glibc before 2.41 names the field only through the union. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static void
lock_tick(int sig)
{
	(void)sig;		/* only to interrupt flock (no SA_RESTART) */
}

/* The first tick at the deadline when it is nearer than a tick. */
static long
first_tick_ns(double deadline)
{
	double left = deadline - smsotp_mono();

	if (left <= 0)
		return 1000000L;
	if (left * 1e9 < LOCK_TICK_NS)
		return (long)(left * 1e9) + 1;
	return LOCK_TICK_NS;
}

enum smsotp_lock_result
smsotp_lock_until(int fd, double deadline)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;
	sigset_t unblock, oldmask;
	timer_t timer;
	enum smsotp_lock_result rv = SMSOTP_LOCK_ERROR;
	int have_timer = 0, have_mask = 0, e = 0;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return SMSOTP_LOCK_OK;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return SMSOTP_LOCK_ERROR;
	if (smsotp_mono() >= deadline)
		return SMSOTP_LOCK_BUSY;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lock_tick;
	sigemptyset(&sa.sa_mask);
	/* The same handler every time: concurrent waiters never undo it. */
	if (sigaction(LOCK_SIG, &sa, NULL) != 0)
		return SMSOTP_LOCK_ERROR;
	sigemptyset(&unblock);
	sigaddset(&unblock, LOCK_SIG);
	if (pthread_sigmask(SIG_UNBLOCK, &unblock, &oldmask) != 0)
		goto out;
	have_mask = 1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = LOCK_SIG;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
		goto out;
	have_timer = 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = first_tick_ns(deadline);
	its.it_interval.tv_nsec = LOCK_TICK_NS;
	if (timer_settime(timer, 0, &its, NULL) != 0)
		goto out;
	for (;;) {
		if (flock(fd, LOCK_EX) == 0) {
			rv = SMSOTP_LOCK_OK;
			break;
		}
		if (errno != EINTR)
			break;
		if (smsotp_mono() >= deadline) {
			rv = SMSOTP_LOCK_BUSY;
			break;
		}
	}
out:
	e = errno;
	if (have_timer)
		(void)timer_delete(timer);
	if (have_mask)
		(void)pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	errno = e;
	return rv;
}

enum smsotp_lock_result
smsotp_lock_wait(int fd, int wait_ms)
{
	return smsotp_lock_until(fd, smsotp_mono() +
	    (wait_ms > 0 ? wait_ms : 0) / 1000.0);
}
