/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phone.h - the phones layer as the rest of the helper uses
 * it: a user's number from the configured phone sources (source.h,
 * phones_conf.h), and through the headers below, E.164 (e164.h), the users
 * file and its index (users_file.h, index.h). Results: enum
 * smsotp_phone_result (source.h).
 */
#ifndef SMSOTP_PHONE_H
#define SMSOTP_PHONE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "conf/conf.h"
#include "phones/e164.h"
#include "phones/index.h"
#include "phones/phones_conf.h"
#include "phones/source.h"
#include "phones/users_file.h"

/*
 * Ask the n sources srcs in order (DESIGN.md 6): the first FOUND answers;
 * NONE goes on to the next; ERROR from any source stops and is the answer.
 * SECURITY: a source that fails never lets a later one answer (a later one
 * may be weaker: GECOS is the user's own), and never becomes NONE (which
 * nullok would turn into a login without a second factor). Any value but
 * FOUND and NONE from a source is ERROR. NONE when n is 0. *which (may be
 * NULL) is the index of the source that answered FOUND or ERROR, n for
 * NONE. out and why as in source.h.
 */
enum smsotp_phone_result smsotp_phone_ask(
    const struct smsotp_phone_source *srcs, size_t n, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz, size_t *which)
    SMSOTP_WUR;

/*
 * The number of user (the account's name) from the sources conf lists
 * (conf->phones; NULL: the users file alone), national numbers completed
 * with conf->default_country; files and programs must be owned by owner.
 * The users file source answers NONE when conf has no users file. FOUND
 * (1) with the E.164 number in out; NONE (0) when no source has a number
 * for user; ERROR (-1) with why ("SOURCE: ...") when a source failed or
 * user's entry is unusable (never NONE then). note (may be NULL) says what
 * the users file index did.
 */
enum smsotp_phone_result smsotp_phone_lookup(const struct smsotp_conf *conf,
    uid_t owner, const char *user, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz, struct smsotp_users_index_note *note) SMSOTP_WUR;

/*
 * The users file at path alone (smsotp_phone_source_file, owned by owner):
 * as smsotp_phone_lookup.
 */
enum smsotp_phone_result smsotp_phone_lookup_file(const char *path,
    uid_t owner, const char *user, const char *default_country,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    struct smsotp_users_index_note *note) SMSOTP_WUR;

#endif
