/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/account.h - one name per account (DESIGN.md 6).
 *
 * SECURITY: lookups, records and limits use the name NSS gives for the
 * account (pw_name), never the string the caller typed: with
 * case-insensitive or qualified names (sssd case_sensitive = false, AD
 * "user@domain") "VICTIM" or "victim@example.com" are the same account as
 * "victim" and must find its number and share its limits. A name NSS does
 * not know is never skipped: the engine gives it a decoy.
 */
#ifndef SMSOTP_USER_CANON_H
#define SMSOTP_USER_CANON_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/source.h"

/*
 * The account of the name given (source.h results):
 *   SMSOTP_PHONE_FOUND  NSS knows it: out = pw_name, *uid set.
 *   SMSOTP_PHONE_NONE   NSS says there is no such user: out = given.
 *   SMSOTP_PHONE_ERROR  NSS failed, or pw_name is unusable (why): an
 *                       account whose pw_name is not a valid user name
 *                       (smsotp_user_ok) or longer than outsz - 1.
 */
enum smsotp_phone_result smsotp_user_canon(const char *given, char *out,
    size_t outsz, uid_t *uid, char *why, size_t whysz) SMSOTP_WUR;

#endif
