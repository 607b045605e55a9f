/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/phone.h - the phones layer as the rest of the helper uses
 * it: a user's number from the configured phone sources (source.h), and
 * through the headers below, E.164 (e164.h), the users file and its index
 * (users_file.h, index.h). Results: enum smsotp_phone_result (source.h).
 */
#ifndef SMSOTP_PHONE_H
#define SMSOTP_PHONE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/e164.h"
#include "phones/index.h"
#include "phones/source.h"
#include "phones/users_file.h"

/*
 * The number of user (the account's name) from the phone sources: the
 * users file at path (smsotp_phone_source_file, users_file.h, owned by
 * owner), national numbers completed with default_country. FOUND (1) with
 * the E.164 number in out; NONE (0) when no source has an entry for user;
 * ERROR (-1) with why when a source failed or user's entry is unusable
 * (never NONE then). note (may be NULL) says what the users file index did.
 */
enum smsotp_phone_result smsotp_phone_lookup(const char *path, uid_t owner,
    const char *user, const char *default_country, char out[SMSOTP_E164_SIZE],
    char *why, size_t whysz, struct smsotp_users_index_note *note)
    SMSOTP_WUR;

#endif
