/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/policy.h - policy = { ... } of pam_smsotp.conf: whether a
 * login is asked for a code at all (DESIGN.md 8), and the rules of one
 * service. Decided here, on the privileged side, from what the caller
 * cannot choose: the account's groups (NSS), a privileged caller's
 * literal PAM_RHOST, the service (an unprivileged caller's is "login").
 */
#ifndef SMSOTP_POLICY_H
#define SMSOTP_POLICY_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "conf/conf.h"

/* Why a login is not asked (the SKIP reply's reason=, a state why). */
enum smsotp_skip {
	SMSOTP_SKIP_NONE = 0,
	SMSOTP_SKIP_SERVICE,		/* policy.services.NAME.skip */
	SMSOTP_SKIP_ONLY_GROUPS,	/* not in policy.only_groups */
	SMSOTP_SKIP_EXEMPT_GROUP,	/* in policy.exempt_groups */
	SMSOTP_SKIP_EXEMPT_NETWORK,	/* PAM_RHOST in policy.exempt_networks */
	SMSOTP_SKIP_GRACE		/* within the grace period */
};

/* The reason= token of a skip ("exempt-group"), NULL for NONE. */
const char *smsotp_skip_token(enum smsotp_skip why);

/*
 * Whether user (the account's name, known to NSS) is asked for a code by
 * service, from rhost (a privileged caller's PAM_RHOST, or NULL). In this
 * order: the service's skip, only_groups, exempt_groups, exempt_networks
 * (a literal IPv4 or IPv6 address only: never a name, which DNS answers).
 * Returns a skip, NONE, or -1 with why: a group of only_groups NSS could
 * not answer for (SECURITY: an outage is never "not a member", which
 * would skip). A group of exempt_groups NSS cannot answer for does not
 * exempt (logged). detail names the group or network that matched.
 */
int smsotp_policy_skip(const struct smsotp_policy *p, const char *user,
    const char *service, const char *rhost, char *detail, size_t detailsz,
    char *why, size_t whysz) SMSOTP_WUR;

/* The rule of service, or NULL when policy.services has none. */
const struct smsotp_service_rule *smsotp_policy_service(
    const struct smsotp_policy *p, const char *service);

/*
 * 1 when the literal address text (IPv4, IPv6, IPv4-mapped IPv6) lies in
 * one of p's exempt_networks, 0 otherwise (a name, a zone, garbage).
 */
int smsotp_policy_network_match(const struct smsotp_policy *p,
    const char *text);

/* "192.0.2.0/24", "2001:db8::/32", a plain address: 0, or -1. */
int smsotp_network_parse(const char *text, struct smsotp_network *net);

/* Reading policy = { ... } (conf_policy.c), for conf_load.c. */
int smsotp_conf_read_policy(struct smsotp_cfgctx *ctx,
    const config_setting_t *root, struct smsotp_conf *c);
void smsotp_conf_free_policy(struct smsotp_policy *p);

#endif
