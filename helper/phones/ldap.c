/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/ldap.c - the LDAP phone source (ldap.h): RFC 4515 escaping,
 * the URI's checks, and one verified connection, bind and search a lookup.
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>

#include "base/secfile.h"
#include "base/wipe.h"
#include "phones/e164.h"
#include "phones/ldap.h"

/* When ca_file is not set: Debian's bundle of the system trust store. */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define PASSWORD_MAX 1024
#define VALUE_MAX 64

/* --- the filter and the URI ------------------------------------------- */

int
smsotp_ldap_escape(const char *in, size_t inlen, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
			if (o + 3 >= cap)
				goto toolong;
			out[o++] = '\\';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= cap)
				goto toolong;
			out[o++] = (char)c;
		}
	}
	if (o >= cap)
		goto toolong;
	out[o] = '\0';
	return 0;
toolong:
	if (cap > 0)
		out[0] = '\0';
	return -1;
}

int
smsotp_ldap_filter(const char *tmpl, const char *user, char *out, size_t cap)
{
	size_t o = 0;

	while (*tmpl != '\0') {
		if (*tmpl == '%') {
			if (tmpl[1] != 'u')
				goto bad;
			if (o >= cap || smsotp_ldap_escape(user, strlen(user),
			    out + o, cap - o) != 0)
				goto bad;
			o += strlen(out + o);
			tmpl += 2;
			continue;
		}
		if (o + 1 >= cap)
			goto bad;
		out[o++] = *tmpl++;
	}
	if (o >= cap)
		goto bad;
	out[o] = '\0';
	return 0;
bad:
	if (cap > 0)
		out[0] = '\0';
	return -1;
}

const char *
smsotp_ldap_uri_check(const char *uri, int starttls, int insecure)
{
	const char *a, *why;
	int tls;
	size_t i, n, hostlen;

	if (strncmp(uri, "ldaps://", 8) == 0) {
		a = uri + 8;
		tls = 1;
	} else if (strncmp(uri, "ldap://", 7) == 0) {
		a = uri + 7;
		tls = 0;
	} else {
		return "must start with ldaps:// or ldap://";
	}
	for (i = 0; uri[i] != '\0'; i++) {
		unsigned char c = (unsigned char)uri[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '?' ||
		    c == '@' || c == '#' || c == '%')
			return "must be one URI: scheme, host and port only";
	}
	n = strcspn(a, "/");
	why = smsotp_url_hostport(a, n, &hostlen);
	if (why != NULL)
		return why;
	if (!(a[n] == '\0' || (a[n] == '/' && a[n + 1] == '\0')))
		return "must be one URI: scheme, host and port only";
	if (tls && starttls)
		return "is ldaps:// already: 'starttls' is for ldap://";
	if (insecure && (tls || starttls ||
	    !smsotp_loopback_host(a, hostlen)))
		return "'insecure = true' is only allowed for ldap:// without "
		    "starttls to 127.0.0.1, [::1] or localhost";
	if (!tls && !starttls && !insecure)
		return "ldap:// needs 'starttls = true' (or use ldaps://; "
		    "plain ldap:// only with 'insecure = true' to a loopback "
		    "host)";
	return NULL;
}

void
smsotp_phone_ldap_free(struct smsotp_phone_ldap *l)
{
	if (l == NULL)
		return;
	free(l->uri);
	free(l->base);
	free(l->filter);
	free(l->attribute);
	free(l->bind_dn);
	free(l->bind_password_file);
	free(l->ca_file);
	free(l);
}

/* --- libldap, loaded when first asked ---------------------------------- */

/*
 * Cost: libldap (with GnuTLS and SASL) is loaded (dlopen, the soname
 * configure found) at the first LDAP lookup, not linked: linked, every
 * helper run would pay for binding its symbols and those of its
 * dependencies, verify included. Once per process; a failure is kept.
 */
static struct {
	int state;			/* 1 loaded, -1 failed */
	const char *why;
	int (*initialize)(LDAP **, const char *);
	int (*set_option)(LDAP *, int, const void *);
	int (*get_option)(LDAP *, int, void *);
	int (*start_tls_s)(LDAP *, LDAPControl **, LDAPControl **);
	int (*sasl_bind_s)(LDAP *, const char *, const char *,
	    struct berval *, LDAPControl **, LDAPControl **,
	    struct berval **);
	int (*search_ext_s)(LDAP *, const char *, int, const char *,
	    char **, int, LDAPControl **, LDAPControl **, struct timeval *,
	    int, LDAPMessage **);
	int (*count_entries)(LDAP *, LDAPMessage *);
	LDAPMessage *(*first_entry)(LDAP *, LDAPMessage *);
	struct berval **(*get_values_len)(LDAP *, LDAPMessage *,
	    const char *);
	int (*count_values_len)(struct berval **);
	void (*value_free_len)(struct berval **);
	int (*msgfree)(LDAPMessage *);
	int (*unbind_ext_s)(LDAP *, LDAPControl **, LDAPControl **);
	char *(*err2string)(int);
	void (*memfree)(void *);
} lf;
static pthread_once_t lf_once = PTHREAD_ONCE_INIT;

static void
lf_load_once(void)
{
	void *dl;
	int bad = 0, v, cwd;

	lf.state = -1;
	lf.why = "cannot load " SMSOTP_LIBLDAP_SONAME;
	dl = dlopen(SMSOTP_LIBLDAP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL)
		return;
#define SYM(f, n) (bad |= smsotp_dlsym_fn(dl, n, &lf.f, sizeof(lf.f)))
	SYM(initialize, "ldap_initialize");
	SYM(set_option, "ldap_set_option");
	SYM(get_option, "ldap_get_option");
	SYM(start_tls_s, "ldap_start_tls_s");
	SYM(sasl_bind_s, "ldap_sasl_bind_s");
	SYM(search_ext_s, "ldap_search_ext_s");
	SYM(count_entries, "ldap_count_entries");
	SYM(first_entry, "ldap_first_entry");
	SYM(get_values_len, "ldap_get_values_len");
	SYM(count_values_len, "ldap_count_values_len");
	SYM(value_free_len, "ldap_value_free_len");
	SYM(msgfree, "ldap_msgfree");
	SYM(unbind_ext_s, "ldap_unbind_ext_s");
	SYM(err2string, "ldap_err2string");
	SYM(memfree, "ldap_memfree");
#undef SYM
	if (bad) {
		lf.why = SMSOTP_LIBLDAP_SONAME " lacks a needed function";
		return;
	}
	/*
	 * SECURITY: libldap reads its defaults once, on first use: ldap.conf,
	 * and, when the effective uid is the real one (the exec'd helper is
	 * setgid only), "ldaprc" in the current directory, which is the
	 * caller's. Have it read them from "/" (the environment is already
	 * empty: no LDAPRC, LDAPCONF, HOME); every option that matters is set
	 * on each handle anyway (lookup below).
	 */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir("/") != 0) {
		lf.why = "cannot initialise libldap from /";
		if (cwd >= 0)
			close(cwd);
		return;
	}
	(void)lf.get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
	/* back where we were; without it the process stays in / */
	if (cwd >= 0) {
		(void)!fchdir(cwd);
		close(cwd);
	}
	lf.state = 1;
}

/* --- the lookup --------------------------------------------------------- */

/* libldap's text for rc, with the server's diagnostic message if any. */
static void
say_ldap(LDAP *ld, const struct smsotp_phone_ldap *l, const char *step,
    int rc, char *why, size_t whysz)
{
	char *diag = NULL, clean[160];

	clean[0] = '\0';
	if (ld != NULL && lf.get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
	    &diag) == LDAP_OPT_SUCCESS && diag != NULL) {
		smsotp_sanitize(clean, sizeof(clean), diag, strlen(diag));
		lf.memfree(diag);
	}
	/* libldap says no more of a refused certificate */
	if (strcmp(clean, "(unknown error code)") == 0)
		clean[0] = '\0';
	smsotp_say(why, whysz, "%s: %s: %s (%d)%s%s%s", l->uri, step,
	    lf.err2string(rc), rc, clean[0] != '\0' ? ": " : "", clean,
	    rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ?
	    " (server down or unreachable, TLS failed, or its certificate "
	    "was refused)" : "");
}

/*
 * What is left of the lookup's time until end, as the timeouts of the next
 * step (connecting, TLS, the answer). 0, or -1 when none is left.
 */
static int
time_left(LDAP *ld, double end, struct timeval *tv)
{
	double left = end - smsotp_mono();

	if (left < 0.001)
		return -1;
	tv->tv_sec = (time_t)left;
	tv->tv_usec = (suseconds_t)((left - (double)tv->tv_sec) * 1e6);
	if (lf.set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv) != 0 ||
	    lf.set_option(ld, LDAP_OPT_TIMEOUT, tv) != 0)
		return -1;
	return 0;
}

/* Every option on the handle: nothing is left to ldap.conf. */
static int
set_options(LDAP *ld, const struct smsotp_phone_ldap *l, char *why,
    size_t whysz)
{
	struct timeval tv = { l->timeout, 0 };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND;
	int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, never = LDAP_DEREF_NEVER;
	int size = 2, secs = l->timeout, zero = 0;
	const char *ca = l->ca_file != NULL ? l->ca_file : SYSTEM_CA_FILE;
	const char *step = NULL;

	if (lf.set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != 0)
		step = "protocol version";
	else if (lf.set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != 0)
		step = "referrals";
	else if (lf.set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_OFF) != 0)
		step = "restart";
	else if (lf.set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != 0)
		step = "network timeout";
	else if (lf.set_option(ld, LDAP_OPT_TIMEOUT, &tv) != 0)
		step = "timeout";
	else if (lf.set_option(ld, LDAP_OPT_TIMELIMIT, &secs) != 0)
		step = "time limit";
	else if (lf.set_option(ld, LDAP_OPT_SIZELIMIT, &size) != 0)
		step = "size limit";
	else if (lf.set_option(ld, LDAP_OPT_DEREF, &never) != 0)
		step = "deref";
	else if (lf.set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != 0)
		step = "TLS require cert";
	else if (lf.set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) != 0)
		step = "TLS protocol";
	else if (lf.set_option(ld, LDAP_OPT_X_TLS_CACERTDIR, NULL) != 0)
		step = "TLS CA directory";
	else if (lf.set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca) != 0)
		step = "TLS CA file";
	else if (lf.set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != 0)
		step = "TLS context";
	if (step == NULL)
		return 0;
	smsotp_say(why, whysz, "%s: cannot set the %s option", l->uri, step);
	return -1;
}

/* Bind as l->bind_dn with the first line of its password file. */
static int
bind_as(LDAP *ld, const struct smsotp_phone_ldap *l, char *why, size_t whysz)
{
	struct berval cred;
	char *text = NULL, fwhy[320];
	size_t len = 0, n;
	int rc;

	if (smsotp_secfile_read(l->bind_password_file, l->owner,
	    SMSOTP_SF_SECRET, PASSWORD_MAX, &text, &len, fwhy,
	    sizeof(fwhy)) != 0) {
		smsotp_say(why, whysz, "bind password: %s", fwhy);
		return -1;
	}
	n = strcspn(text, "\r\n");
	if (n == 0) {
		smsotp_secfile_free(text, len);
		smsotp_say(why, whysz, "bind password: %s: empty first line",
		    l->bind_password_file);
		return -1;
	}
	cred.bv_val = text;
	cred.bv_len = n;
	rc = lf.sasl_bind_s(ld, l->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
	    NULL, NULL);
	smsotp_wipe(&cred, sizeof(cred));
	smsotp_secfile_free(text, len);
	if (rc == LDAP_SUCCESS)
		return 0;
	say_ldap(ld, l, "bind", rc, why, whysz);
	return -1;
}

/* The one entry of res: its value of the attribute, normalised. */
static enum smsotp_phone_result
read_entry(LDAP *ld, LDAPMessage *res, const struct smsotp_phone_ldap *l,
    const char *cc, char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	struct berval **vals;
	char value[VALUE_MAX + 1];
	const char *nwhy;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int n;

	n = lf.count_entries(ld, res);
	if (n == 0)
		return SMSOTP_PHONE_NONE;
	if (n != 1) {
		smsotp_say(why, whysz, "%s: search: %s", l->uri, n < 0 ?
		    "cannot read the entries" : "more than one entry matches");
		return SMSOTP_PHONE_ERROR;
	}
	vals = lf.get_values_len(ld, lf.first_entry(ld, res), l->attribute);
	n = vals != NULL ? lf.count_values_len(vals) : 0;
	if (n == 0) {
		rv = SMSOTP_PHONE_NONE;
	} else if (n > 1) {
		smsotp_say(why, whysz, "%s: the entry has %d values of %s",
		    l->uri, n, l->attribute);
	} else if (vals[0]->bv_len > VALUE_MAX ||
	    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) != NULL) {
		smsotp_say(why, whysz, "%s: %s: bad number", l->uri,
		    l->attribute);
	} else {
		memcpy(value, vals[0]->bv_val, vals[0]->bv_len);
		value[vals[0]->bv_len] = '\0';
		if (smsotp_phone_normalize(value, cc, out, &nwhy) == 0)
			rv = SMSOTP_PHONE_FOUND;
		else
			smsotp_say(why, whysz, "%s: %s: bad number: %s",
			    l->uri, l->attribute, nwhy);
		smsotp_wipe(value, sizeof(value));
	}
	if (vals != NULL)
		lf.value_free_len(vals);
	return rv;
}

static enum smsotp_phone_result
ldap_lookup(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	const struct smsotp_phone_ldap *l = src->ctx;
	char filter[SMSOTP_LDAP_FILTER_MAX], *attrs[2];
	struct timeval tv = { l->timeout, 0 };
	double end;
	LDAPMessage *res = NULL;
	LDAP *ld = NULL;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int rc;

	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	(void)pthread_once(&lf_once, lf_load_once);
	if (lf.state != 1) {
		smsotp_say(why, whysz, "%s", lf.why);
		return SMSOTP_PHONE_ERROR;
	}
	if (smsotp_ldap_filter(l->filter, user, filter, sizeof(filter)) != 0) {
		smsotp_say(why, whysz, "%s: the filter for this user is too "
		    "long", l->uri);
		return SMSOTP_PHONE_ERROR;
	}
	end = smsotp_mono() + l->timeout;
	rc = lf.initialize(&ld, l->uri);
	if (rc != LDAP_SUCCESS) {
		say_ldap(NULL, l, "initialize", rc, why, whysz);
		ld = NULL;
		goto out;
	}
	if (set_options(ld, l, why, whysz) != 0)
		goto out;
	if (l->starttls) {
		if (time_left(ld, end, &tv) != 0)
			goto timeout;
		rc = lf.start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			say_ldap(ld, l, "StartTLS", rc, why, whysz);
			goto out;
		}
	}
	if (l->bind_dn != NULL) {
		if (time_left(ld, end, &tv) != 0)
			goto timeout;
		if (bind_as(ld, l, why, whysz) != 0)
			goto out;
	}
	if (time_left(ld, end, &tv) != 0)
		goto timeout;
	attrs[0] = l->attribute;
	attrs[1] = NULL;
	rc = lf.search_ext_s(ld, l->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0,
	    NULL, NULL, &tv, 2, &res);
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		smsotp_say(why, whysz, "%s: search: more than one entry "
		    "matches", l->uri);
	else if (rc != LDAP_SUCCESS)
		say_ldap(ld, l, "search", rc, why, whysz);
	else
		rv = read_entry(ld, res, l, src->default_country, out, why,
		    whysz);
	goto out;
timeout:
	smsotp_say(why, whysz, "%s: no answer within %d s", l->uri,
	    l->timeout);
out:
	if (res != NULL)
		lf.msgfree(res);
	if (ld != NULL)
		(void)lf.unbind_ext_s(ld, NULL, NULL);
	smsotp_wipe(filter, sizeof(filter));
	if (rv != SMSOTP_PHONE_FOUND)
		out[0] = '\0';
	if (rv != SMSOTP_PHONE_ERROR && why != NULL && whysz > 0)
		why[0] = '\0';
	return rv;
}

const struct smsotp_phone_source_ops smsotp_phone_source_ldap = {
	.name = "ldap",
	.lookup = ldap_lookup,
};
