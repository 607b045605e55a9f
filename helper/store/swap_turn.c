/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swap_turn.c - what one process keeps about the versioned records of
 * swap.c (dir_int.h): a mutex per record, on which its threads take turns
 * at updating it, and the newest version it last saw of each, so that a
 * warm update need not list the record's directory.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/util.h"
#include "store/dir_int.h"

#define TURNS  8	/* records are hashed on this many slots */
#define RESCAN 16	/* one update in this many lists the directory */

struct hint {
	char name[40];
	dev_t dev;
	ino_t ino;
	uint64_t seq;
	unsigned uses;
};

static pthread_mutex_t turns[TURNS] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
static pthread_mutex_t hint_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hint hints[TURNS];	/* under hint_mu */

static unsigned
slot(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % TURNS;
}

pthread_mutex_t *
smsotp_swap_turn(const char *name, double deadline)
{
	pthread_mutex_t *mu = &turns[slot(name)];
	struct timespec until;
	double left = deadline - smsotp_mono();

	if (pthread_mutex_trylock(mu) == 0)
		return mu;
	/*
	 * pthread_mutex_timedlock takes a CLOCK_REALTIME time (the clocklock
	 * variant would take the monotonic one, but sanitizers do not know
	 * it): the time left, from now on that clock.
	 */
	if (left < 0)
		left = 0;
	if (clock_gettime(CLOCK_REALTIME, &until) != 0)
		return NULL;
	until.tv_sec += (time_t)left;
	until.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_timedlock(mu, &until) == 0 ? mu : NULL;
}

uint64_t
smsotp_swap_hint(int dfd, const char *name, int writing)
{
	struct hint *h = &hints[slot(name)];
	struct stat sb;
	uint64_t seq = 0;

	if (fstat(dfd, &sb) != 0 || pthread_mutex_lock(&hint_mu) != 0)
		return 0;
	if (h->seq != 0 && h->dev == sb.st_dev && h->ino == sb.st_ino &&
	    strcmp(h->name, name) == 0 && !(writing && ++h->uses % RESCAN == 0))
		seq = h->seq;
	(void)pthread_mutex_unlock(&hint_mu);
	return seq;
}

void
smsotp_swap_hint_set(int dfd, const char *name, uint64_t seq)
{
	struct hint *h = &hints[slot(name)];
	struct stat sb;

	if (strlen(name) >= sizeof(h->name) || fstat(dfd, &sb) != 0 ||
	    pthread_mutex_lock(&hint_mu) != 0)
		return;
	if (h->dev != sb.st_dev || h->ino != sb.st_ino ||
	    strcmp(h->name, name) != 0) {
		memcpy(h->name, name, strlen(name) + 1);
		h->dev = sb.st_dev;
		h->ino = sb.st_ino;
		h->uses = 0;
	}
	h->seq = seq;
	(void)pthread_mutex_unlock(&hint_mu);
}
