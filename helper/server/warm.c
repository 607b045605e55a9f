/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * warm.c - the configuration and key the resident service keeps
 * (warm.h). A snapshot is shared by the requests that use it and freed
 * by the last; a changed file makes the next request load a new one.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "base/wipe.h"
#include "core/conf_load.h"
#include "server/warm.h"

static pthread_mutex_t warm_mu = PTHREAD_MUTEX_INITIALIZER;
static struct smsotp_snapshot *current;		/* under warm_mu */
static int enabled;

int
smsotp_conf_load_logged(const char *path, struct smsotp_conf *conf)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_errs errs;
	int i;

	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(path, &opts, conf, &errs) == 0)
		return 0;
	for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++)
		smsotp_log(LOG_ERR, "config: %s", errs.msg[i]);
	smsotp_log(LOG_ERR, "configuration invalid (%d error%s): login "
	    "denied; run 'smsotpctl check-config'", errs.n,
	    errs.n == 1 ? "" : "s");
	return -1;
}

int
smsotp_key_load_logged(unsigned char key[SMSOTP_KEY_LEN])
{
	char why[320];

	if (smsotp_key_load(SMSOTP_KEY_PATH, 0, key, why, sizeof(why)) == 0)
		return 0;
	smsotp_log(LOG_ERR, "key: %s (run 'smsotpctl init')", why);
	return -1;
}

void
smsotp_warm_enable(void)
{
	enabled = 1;
}

int
smsotp_warm_enabled(void)
{
	return enabled;
}

static void
snapshot_free(struct smsotp_snapshot *s)
{
	smsotp_conf_free(&s->conf);
	smsotp_secret_unlock(s->key, sizeof(s->key));
	smsotp_stamps_free(&s->stamps);
	free(s);
}

/* A new snapshot, its files noted as they are read; NULL (logged). */
static struct smsotp_snapshot *
load(void)
{
	struct smsotp_snapshot *s = calloc(1, sizeof(*s));
	int rv;

	if (s == NULL) {
		smsotp_log(LOG_CRIT, "out of memory");
		return NULL;
	}
	smsotp_secret_lock(s->key, sizeof(s->key));
	s->loaded = smsotp_mono();
	smsotp_stamps_watch(&s->stamps);
	rv = smsotp_conf_load_logged(SMSOTP_CONF_PATH, &s->conf);
	if (rv == 0 && (rv = smsotp_key_load_logged(s->key)) != 0)
		smsotp_conf_free(&s->conf);
	smsotp_stamps_watch(NULL);
	if (rv != 0) {
		smsotp_secret_unlock(s->key, sizeof(s->key));
		smsotp_stamps_free(&s->stamps);
		free(s);
		return NULL;
	}
	s->refs = 1;		/* the cache's */
	return s;
}

static int
fresh(const struct smsotp_snapshot *s)
{
	return smsotp_mono() - s->loaded < SMSOTP_WARM_MAX_AGE &&
	    smsotp_stamps_same(&s->stamps);
}

struct smsotp_snapshot *
smsotp_warm_get(void)
{
	struct smsotp_snapshot *s, *old = NULL;

	(void)pthread_mutex_lock(&warm_mu);
	s = current;
	if (s != NULL)
		s->refs++;
	(void)pthread_mutex_unlock(&warm_mu);
	/* the stats outside the lock: a slow file system holds up no one */
	if (s != NULL && fresh(s))
		return s;
	if (s != NULL)
		smsotp_warm_put(s);
	s = load();
	(void)pthread_mutex_lock(&warm_mu);
	old = current;
	current = s;		/* NULL too: nothing invalid is kept */
	if (s != NULL)
		s->refs++;	/* this request's */
	(void)pthread_mutex_unlock(&warm_mu);
	if (old != NULL)
		smsotp_warm_put(old);	/* the cache's reference */
	return s;
}

void
smsotp_warm_put(struct smsotp_snapshot *s)
{
	int last;

	if (s == NULL)
		return;
	(void)pthread_mutex_lock(&warm_mu);
	last = --s->refs == 0;
	(void)pthread_mutex_unlock(&warm_mu);
	if (last)
		snapshot_free(s);
}
