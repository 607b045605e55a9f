/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lock.h - the one exclusive lock with a deadline: flock(LOCK_EX) on an
 * open file, given up at a deadline. Every lock the helper and smsotpctl
 * take goes through it (the store's per-record locks, the users file's
 * directory lock).
 *
 * A blocked flock is woken the moment the lock is free, where retries with
 * sleeps lose it to newcomers: under a queue of logins those starved for
 * seconds. So the wait blocks in flock, and a timer of the calling thread
 * (SIGEV_THREAD_ID, one per call: nothing process-wide a second request or
 * thread would share) interrupts it every LOCK_TICK to check the deadline.
 * The tick is periodic so that one firing just before flock blocks is no
 * loss. Its signal (SIGUSR2) gets a handler that does nothing; the
 * helper uses SIGUSR2 for nothing else.
 */
#ifndef SMSOTP_LOCK_H
#define SMSOTP_LOCK_H

#include "base/util.h"

enum smsotp_lock_result {
	SMSOTP_LOCK_OK = 0,
	SMSOTP_LOCK_ERROR = -1,	/* flock or the timer failed: errno says why */
	SMSOTP_LOCK_BUSY = -2	/* still held by another at the deadline */
};

/*
 * Lock fd exclusively, waiting until deadline (smsotp_mono() seconds; a
 * deadline already past tries once). The lock lasts until fd is closed
 * (or every descriptor sharing its open file is).
 */
enum smsotp_lock_result smsotp_lock_until(int fd, double deadline)
    SMSOTP_WUR;

/* smsotp_lock_until(fd, now + wait_ms). */
enum smsotp_lock_result smsotp_lock_wait(int fd, int wait_ms) SMSOTP_WUR;

#endif
