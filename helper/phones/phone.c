/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phone.c - a user's number: the configured phone sources
 * asked through their ops tables (source.h), their contract held.
 */
#include "config.h"

#include "phones/phone.h"

/*
 * src's answer for user, held to the contract of source.h whatever the
 * kind returned: only FOUND carries a number; anything but FOUND and NONE
 * is ERROR (fail closed).
 */
static enum smsotp_phone_result
ask(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	enum smsotp_phone_result r;

	r = src->ops->lookup(src, user, out, why, whysz);
	if (r == SMSOTP_PHONE_FOUND || r == SMSOTP_PHONE_NONE) {
		if (r == SMSOTP_PHONE_NONE)
			out[0] = '\0';
		return r;
	}
	out[0] = '\0';
	return SMSOTP_PHONE_ERROR;
}

enum smsotp_phone_result
smsotp_phone_lookup(const char *path, uid_t owner, const char *user,
    const char *default_country, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz, struct smsotp_users_index_note *note)
{
	struct smsotp_users_file_source file = { path, owner, note };
	struct smsotp_phone_source src = {
		&smsotp_phone_source_file, default_country, &file
	};

	return ask(&src, user, out, why, whysz);
}
