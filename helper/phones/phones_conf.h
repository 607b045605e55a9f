/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phones_conf.h - the phones = { ... } group of
 * pam_smsotp.conf: which phone sources are asked, in which order, and the
 * settings of each (DESIGN.md 6). Read by core/conf_load.c into struct
 * smsotp_conf (conf.h: phones_file, default_country and phones).
 */
#ifndef SMSOTP_PHONES_CONF_H
#define SMSOTP_PHONES_CONF_H

#include <libconfig.h>

#include "base/util.h"
#include "conf/conf.h"

/* The kinds of phone source phones.sources may list, each at most once. */
enum smsotp_phone_kind {
	SMSOTP_PHONE_KIND_FILE,
	SMSOTP_PHONE_KIND_LDAP,
	SMSOTP_PHONE_KIND_COMMAND,
	SMSOTP_PHONE_KIND_GECOS,
	SMSOTP_PHONE_KINDS
};

struct smsotp_phone_ldap;	/* phones/ldap.h */
struct smsotp_phone_command;	/* phones/command.h */

struct smsotp_phones_conf {
	/* phones.sources, in order (default: the users file alone) */
	int nsources;
	enum smsotp_phone_kind sources[SMSOTP_PHONE_KINDS];
	struct smsotp_phone_ldap *ldap;		/* phones.ldap, or NULL */
	struct smsotp_phone_command *command;	/* phones.command, or NULL */
};

/* The name of kind in phones.sources ("file", "ldap", ...). */
const char *smsotp_phone_kind_name(enum smsotp_phone_kind kind);

/*
 * Read the phones group of root (absent: the defaults) into c->phones_file,
 * c->default_country and a new c->phones. Errors "FILE:LINE: ..." go to
 * ctx; a source listed without its settings, settings of a source not
 * listed, a source listed twice, an unsafe file or program, plain ldap://
 * without insecure = true to a loopback host are all errors. 0 or -1
 * (c->phones may then be set: smsotp_phones_conf_free frees it).
 */
int smsotp_phones_conf_read(struct smsotp_cfgctx *ctx,
    const config_setting_t *root, struct smsotp_conf *c) SMSOTP_WUR;

/* Free c->phones and c->phones_file (NULL: nothing). */
void smsotp_phones_conf_free(struct smsotp_conf *c);

#endif
