/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/ldap.h - the LDAP phone source (kind "ldap", source.h):
 * one search of a directory (OpenLDAP's libldap, loaded when first used).
 *
 * SECURITY: TLS is always verified (ldaps://, or ldap:// with StartTLS,
 * LDAP_OPT_X_TLS_REQUIRE_CERT demand, the CA set on the connection); plain
 * ldap:// only to a loopback host with insecure = true. Every option is
 * set on the handle (ldap.conf cannot weaken it), no referral is chased,
 * every step has a timeout, the user name is escaped (RFC 4515) into the
 * filter, the bind password is read at each bind and wiped after it, and
 * is never logged.
 */
#ifndef SMSOTP_PHONE_LDAP_H
#define SMSOTP_PHONE_LDAP_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/source.h"

/* The longest filter after %u is replaced. */
#define SMSOTP_LDAP_FILTER_MAX 2048

/* The settings of an "ldap" source (struct smsotp_phone_source ctx). */
struct smsotp_phone_ldap {
	char *uri;		/* one ldaps:// or ldap:// URI */
	char *base;		/* search base, subtree scope */
	char *filter;		/* with %u */
	char *attribute;
	char *bind_dn;		/* NULL: anonymous */
	char *bind_password_file;	/* with bind_dn */
	char *ca_file;		/* NULL: the system trust store */
	int starttls;
	int timeout;		/* seconds, the whole lookup */
	int insecure;		/* plain ldap:// to loopback allowed */
	uid_t owner;		/* bind_password_file's required owner */
};

/*
 * The ops table. Its lookup: exactly one entry with the attribute (its
 * first value) is FOUND with the normalised number; no entry, or an entry
 * without the attribute, is NONE; more than one entry, a value that is not
 * a number, a failed connection, TLS handshake, bind or search, a timeout
 * is ERROR (why from libldap's message, never the number or password).
 */
extern const struct smsotp_phone_source_ops smsotp_phone_source_ldap;

/*
 * in (inlen bytes, NUL bytes included) escaped as an RFC 4515 assertion
 * value into out (cap bytes, terminated): '*', '(', ')', '\\' and NUL
 * become \2a, \28, \29, \5c and \00. 0, or -1 when it does not fit.
 */
int smsotp_ldap_escape(const char *in, size_t inlen, char *out, size_t cap)
    SMSOTP_WUR;

/*
 * tmpl with each %u replaced by user escaped (smsotp_ldap_escape) into
 * out. 0, or -1 when it does not fit or tmpl has a '%' not before 'u'.
 */
int smsotp_ldap_filter(const char *tmpl, const char *user, char *out,
    size_t cap) SMSOTP_WUR;

/*
 * For the configuration: why uri with these settings is refused, or NULL
 * when it is fine (ldaps://, ldap:// with starttls, or ldap:// to
 * 127.0.0.1, [::1] or localhost with insecure; one URI, no spaces).
 */
const char *smsotp_ldap_uri_check(const char *uri, int starttls,
    int insecure);

/* The settings freed (NULL: nothing). */
void smsotp_phone_ldap_free(struct smsotp_phone_ldap *l);

#endif
