/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phone.c - a user's number: the configured phone sources
 * asked in order through their ops tables (source.h), their contract held.
 */
#include "config.h"

#include <string.h>

#include "phones/command.h"
#include "phones/gecos.h"
#include "phones/ldap.h"
#include "phones/phone.h"

/*
 * src's answer for user, held to the contract of source.h whatever the
 * kind returned: only FOUND carries a number; anything but FOUND and NONE
 * is ERROR (fail closed), and says so.
 */
static enum smsotp_phone_result
ask(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	enum smsotp_phone_result r;

	r = src->ops->lookup(src, user, out, why, whysz);
	if (r == SMSOTP_PHONE_FOUND && smsotp_e164_ok(out))
		return r;
	out[0] = '\0';
	if (r == SMSOTP_PHONE_NONE)
		return r;
	if (why != NULL && whysz > 0 && (r == SMSOTP_PHONE_FOUND ||
	    why[0] == '\0'))
		smsotp_say(why, whysz, "%s: no usable answer", src->ops->name);
	return SMSOTP_PHONE_ERROR;
}

enum smsotp_phone_result
smsotp_phone_ask(const struct smsotp_phone_source *srcs, size_t n,
    const char *user, char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    size_t *which)
{
	enum smsotp_phone_result r = SMSOTP_PHONE_NONE;
	size_t i;

	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	for (i = 0; i < n; i++) {
		r = ask(&srcs[i], user, out, why, whysz);
		if (r != SMSOTP_PHONE_NONE)
			break;
		/* NONE: what the source may have said is not kept */
		if (why != NULL && whysz > 0)
			why[0] = '\0';
	}
	if (which != NULL)
		*which = i;
	return r;
}

enum smsotp_phone_result
smsotp_phone_lookup(const struct smsotp_conf *conf, uid_t owner,
    const char *user, char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    struct smsotp_users_index_note *note)
{
	static const struct smsotp_phones_conf file_only = {
		1, { SMSOTP_PHONE_KIND_FILE }, NULL, NULL
	};
	const struct smsotp_phones_conf *p = conf->phones != NULL ?
	    conf->phones : &file_only;
	struct smsotp_users_file_source file = { conf->phones_file, owner,
	    note };
	struct smsotp_phone_source srcs[SMSOTP_PHONE_KINDS];
	char swhy[320];
	enum smsotp_phone_result r;
	size_t n = 0, which = 0;
	int i;

	if (note != NULL) {
		note->state = SMSOTP_UIDX_ABSENT;
		note->why[0] = '\0';
	}
	for (i = 0; i < p->nsources && i < SMSOTP_PHONE_KINDS; i++) {
		struct smsotp_phone_source *s = &srcs[n];

		s->default_country = conf->default_country;
		s->ctx = NULL;
		switch (p->sources[i]) {
		case SMSOTP_PHONE_KIND_FILE:
			if (conf->phones_file == NULL)
				continue;	/* no users file: no entry */
			s->ops = &smsotp_phone_source_file;
			s->ctx = &file;
			break;
		case SMSOTP_PHONE_KIND_LDAP:
			s->ops = &smsotp_phone_source_ldap;
			s->ctx = p->ldap;
			break;
		case SMSOTP_PHONE_KIND_COMMAND:
			s->ops = &smsotp_phone_source_command;
			s->ctx = p->command;
			break;
		case SMSOTP_PHONE_KIND_GECOS:
			s->ops = &smsotp_phone_source_gecos;
			break;
		default:
			s->ops = NULL;
			break;
		}
		if (s->ops == NULL || (s->ctx == NULL &&
		    p->sources[i] != SMSOTP_PHONE_KIND_GECOS)) {
			/* a loader's bug: fail closed */
			out[0] = '\0';
			smsotp_say(why, whysz, "%s: not configured",
			    smsotp_phone_kind_name(p->sources[i]));
			return SMSOTP_PHONE_ERROR;
		}
		n++;
	}
	r = smsotp_phone_ask(srcs, n, user, out, swhy, sizeof(swhy), &which);
	if (r == SMSOTP_PHONE_ERROR)
		smsotp_say(why, whysz, "%s: %s", srcs[which].ops->name, swhy);
	else if (why != NULL && whysz > 0)
		why[0] = '\0';
	return r;
}

enum smsotp_phone_result
smsotp_phone_lookup_file(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz, struct smsotp_users_index_note *note)
{
	struct smsotp_users_file_source file = { path, owner, note };
	struct smsotp_phone_source src = {
		&smsotp_phone_source_file, default_country, &file
	};

	return smsotp_phone_ask(&src, 1, user, out, why, whysz, NULL);
}
