/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * warm.h - the resident service keeps the configuration and the key it
 * parsed, and parses them again when one of the files they came from
 * changed (a stat each per request): what is on disk is what applies.
 */
#ifndef SMSOTP_WARM_H
#define SMSOTP_WARM_H

#include "base/stamps.h"
#include "conf/conf.h"
#include "core/code.h"

struct smsotp_snapshot {
	int refs;			/* under the cache's lock */
	double loaded;			/* smsotp_mono() time */
	struct smsotp_conf conf;
	unsigned char key[SMSOTP_KEY_LEN];	/* locked memory */
	struct smsotp_stamps stamps;	/* every file the two came from */
};

/*
 * Load the configuration at path, or the compiled-in key, as a request
 * does: 0, or -1 with the reasons logged (the same lines for every way
 * in). The configuration: free with smsotp_conf_free.
 */
int smsotp_conf_load_logged(const char *path, struct smsotp_conf *conf)
    __attribute__((warn_unused_result));
int smsotp_key_load_logged(unsigned char key[SMSOTP_KEY_LEN])
    __attribute__((warn_unused_result));

/* From now on the compiled-in configuration is kept (the service only). */
void smsotp_warm_enable(void);
int smsotp_warm_enabled(void);

/*
 * The snapshot of the compiled-in configuration and the key: the kept
 * one while every file it came from stats the same and it is younger than
 * SMSOTP_WARM_MAX_AGE seconds, else a new one. NULL when they do not load
 * (logged; nothing invalid is kept). Give it back with smsotp_warm_put.
 */
#define SMSOTP_WARM_MAX_AGE 60
struct smsotp_snapshot *smsotp_warm_get(void);
void smsotp_warm_put(struct smsotp_snapshot *s);

#endif
