/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/policy.c - who is asked for a code (policy.h): a service's
 * rule, the groups of the account (NSS) and a privileged caller's literal
 * remote address against policy = { ... }.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "core/policy.h"

#define NSS_BUF_MAX (1024 * 1024)	/* a group with many members */
#define GROUPS_MAX 65536

static const char *const tokens[] = {
	[SMSOTP_SKIP_NONE] = NULL,
	[SMSOTP_SKIP_SERVICE] = "service",
	[SMSOTP_SKIP_ONLY_GROUPS] = "not-in-only-groups",
	[SMSOTP_SKIP_EXEMPT_GROUP] = "exempt-group",
	[SMSOTP_SKIP_EXEMPT_NETWORK] = "exempt-network",
	[SMSOTP_SKIP_GRACE] = "grace",
};

const char *
smsotp_skip_token(enum smsotp_skip why)
{
	return (unsigned)why < sizeof(tokens) / sizeof(tokens[0]) ?
	    tokens[why] : NULL;
}

const struct smsotp_service_rule *
smsotp_policy_service(const struct smsotp_policy *p, const char *service)
{
	int i;

	if (service == NULL)
		return NULL;
	for (i = 0; i < p->nservices; i++)
		if (strcmp(p->services[i].name, service) == 0)
			return &p->services[i];
	return NULL;
}

/* --- groups ------------------------------------------------------------ */

/* The account's groups (getgrouplist, its primary group among them). */
struct membership {
	const char *user;
	gid_t *gids;
	int ngids;
	int loaded;		/* 1 read, -1 NSS failed */
};

static int
load_groups(struct membership *m, char *why, size_t whysz)
{
	struct passwd pwd, *pw = NULL;
	char *buf = NULL;
	size_t sz = 1024;
	int e, n = 32;

	if (m->loaded != 0)
		return m->loaded > 0 ? 0 : -1;
	m->loaded = -1;
	for (;;) {
		char *nb = realloc(buf, sz);

		if (nb == NULL) {
			(void)smsotp_fmt(why, whysz, "out of memory");
			goto fail;
		}
		buf = nb;
		e = getpwnam_r(m->user, &pwd, buf, sz, &pw);
		if (e != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	if (pw == NULL) {
		(void)smsotp_fmt(why, whysz, "NSS: cannot read the account: "
		    "%s", e != 0 ? strerror(e) : "gone");
		goto fail;
	}
	for (;;) {
		gid_t *ng = realloc(m->gids, (size_t)n * sizeof(*ng));
		int got = n;

		if (ng == NULL) {
			(void)smsotp_fmt(why, whysz, "out of memory");
			goto fail;
		}
		m->gids = ng;
		if (getgrouplist(pw->pw_name, pw->pw_gid, m->gids, &got) >= 0) {
			m->ngids = got;
			break;
		}
		if (got <= n || got > GROUPS_MAX) {
			(void)smsotp_fmt(why, whysz, "NSS: cannot list the "
			    "account's groups");
			goto fail;
		}
		n = got;
	}
	free(buf);
	m->loaded = 1;
	return 0;
fail:
	free(buf);
	return -1;
}

/*
 * 1 when m's account is a member of group, 0 when not (or there is no
 * such group), -1 with why when NSS could not answer.
 */
static int
member_of(struct membership *m, const char *group, char *why, size_t whysz)
{
	struct group grp, *gr = NULL;
	char *buf = NULL, **mem;
	size_t sz = 1024;
	int e, i, rv = 0;

	for (;;) {
		char *nb = realloc(buf, sz);

		if (nb == NULL) {
			free(buf);
			(void)smsotp_fmt(why, whysz, "out of memory");
			return -1;
		}
		buf = nb;
		e = getgrnam_r(group, &grp, buf, sz, &gr);
		if (e != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	if (gr == NULL) {
		free(buf);
		if (e == 0 || e == ENOENT || e == ESRCH)
			return 0;	/* no such group: no member */
		(void)smsotp_fmt(why, whysz, "NSS: cannot read group '%s': %s",
		    group, strerror(e));
		return -1;
	}
	for (mem = gr->gr_mem; mem != NULL && *mem != NULL && rv == 0; mem++)
		if (strcmp(*mem, m->user) == 0)
			rv = 1;
	if (rv == 0) {
		if (load_groups(m, why, whysz) != 0)
			rv = -1;
		for (i = 0; rv == 0 && i < m->ngids; i++)
			if (m->gids[i] == gr->gr_gid)
				rv = 1;
	}
	free(buf);
	return rv;
}

/* --- networks ---------------------------------------------------------- */

static int
in_net(const struct smsotp_network *n, int family, const unsigned char *a)
{
	int full = n->bits / 8, rest = n->bits % 8;
	unsigned char mask;

	if (n->family != family || memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == n->addr[full];
}

int
smsotp_policy_network_match(const struct smsotp_policy *p, const char *text)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	unsigned char a[16];
	int i, family;

	/*
	 * SECURITY: a literal address only. inet_pton takes no name, no
	 * zone ("fe80::1%eth0"), no shorthand ("10.1"): nothing here asks
	 * DNS, so a name that resolves into a network never matches.
	 */
	if (text == NULL || p->nnets == 0)
		return 0;
	if (inet_pton(AF_INET, text, a) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		family = AF_INET6;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			/* ::ffff:192.0.2.1 is 192.0.2.1 */
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else {
		return 0;
	}
	for (i = 0; i < p->nnets; i++)
		if (in_net(&p->nets[i], family, a))
			return 1;
	return 0;
}

/* --- the decision ------------------------------------------------------ */

int
smsotp_policy_skip(const struct smsotp_policy *p, const char *user,
    const char *service, const char *rhost, char *detail, size_t detailsz,
    char *why, size_t whysz)
{
	const struct smsotp_service_rule *rule = smsotp_policy_service(p,
	    service);
	struct membership m = { user, NULL, 0, 0 };
	int i, r, rv = SMSOTP_SKIP_NONE;

	detail[0] = '\0';
	why[0] = '\0';
	if (rule != NULL && rule->skip) {
		(void)smsotp_fmt(detail, detailsz, "%s", rule->name);
		return SMSOTP_SKIP_SERVICE;
	}
	if (p->nonly > 0) {
		for (i = 0, r = 0; i < p->nonly && r == 0; i++)
			r = member_of(&m, p->only_groups[i], why, whysz);
		if (r < 0) {
			rv = -1;
			goto out;
		}
		if (r == 0) {
			rv = SMSOTP_SKIP_ONLY_GROUPS;
			goto out;
		}
	}
	for (i = 0; i < p->nexempt; i++) {
		r = member_of(&m, p->exempt_groups[i], why, whysz);
		if (r > 0) {
			(void)smsotp_fmt(detail, detailsz, "%s",
			    p->exempt_groups[i]);
			rv = SMSOTP_SKIP_EXEMPT_GROUP;
			goto out;
		}
		if (r < 0) {
			/* no exemption on a guess: the code is asked */
			smsotp_log(LOG_WARNING, "policy.exempt_groups: %s: "
			    "not exempt", why);
			why[0] = '\0';
		}
	}
	if (smsotp_policy_network_match(p, rhost)) {
		(void)smsotp_fmt(detail, detailsz, "%s", rhost);
		rv = SMSOTP_SKIP_EXEMPT_NETWORK;
	}
out:
	free(m.gids);
	return rv;
}
