/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/gecos.h - the GECOS phone source (kind "gecos", source.h):
 * the phone fields of the account's passwd entry.
 *
 * SECURITY: opt-in only. Users can change these fields with chfn(1)
 * unless /etc/login.defs CHFN_RESTRICT forbids it, so a number from here
 * is only as trustworthy as that setting (pam_smsotp.conf(5)).
 */
#ifndef SMSOTP_PHONE_GECOS_H
#define SMSOTP_PHONE_GECOS_H

#include <stddef.h>

#include "base/util.h"
#include "phones/source.h"

/*
 * The ops table; ctx unused (NULL). Its lookup (getpwnam_r of the
 * account's name): FOUND with the normalised number of the work phone
 * field, or when that is empty the home phone field; NONE when both are
 * empty or NSS has no such account; ERROR when NSS fails or the field is
 * not a number.
 */
extern const struct smsotp_phone_source_ops smsotp_phone_source_gecos;

/*
 * The phone field of gecos ("Full Name,Room,Work phone,Home phone,Other"):
 * the third comma-separated field, or when it is empty (blanks only) the
 * fourth, without leading and trailing blanks, into out (cap bytes). 1
 * when there is one, 0 when both are empty or missing, -1 when it does not
 * fit (out is then "").
 */
int smsotp_gecos_phone(const char *gecos, char *out, size_t cap) SMSOTP_WUR;

/*
 * For check-config: whether /etc/login.defs (its text) lets users change
 * the work or home phone with chfn: its last CHFN_RESTRICT holds 'w' or
 * 'h', or is "yes" (the same as "rwh"). 1 when it does, 0 when not (no
 * CHFN_RESTRICT: only root may change the fields).
 */
int smsotp_chfn_allows_phone(const char *login_defs);

#endif
