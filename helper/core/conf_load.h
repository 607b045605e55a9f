/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/conf_load.h - the configuration file loaded whole: every
 * setting read and checked, the gateways built by their types. struct
 * smsotp_conf and the readers are in conf/conf.h.
 */
#ifndef SMSOTP_CONF_LOAD_H
#define SMSOTP_CONF_LOAD_H

#include <sys/types.h>

#include "conf/conf.h"

struct smsotp_conf_opts {
	uid_t owner;		/* files must be owned by this uid (0) */
};

/*
 * Load and validate path. Returns 0 with *conf filled (free with
 * smsotp_conf_free), or -1 with at least one entry in errs (conf then
 * needs no freeing). Gateway secrets are loaded here, into memory owned
 * by the gateway, and wiped by smsotp_conf_free.
 */
int smsotp_conf_load(const char *path, const struct smsotp_conf_opts *opts,
    struct smsotp_conf *conf, struct smsotp_errs *errs) SMSOTP_WUR;
void smsotp_conf_free(struct smsotp_conf *conf);

#endif
