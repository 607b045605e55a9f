/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/account_files.h - the accounts of /etc/passwd, kept
 * parsed by the resident service (account.c asks it first).
 *
 * NSS's "files" source parses /etc/passwd line by line at every lookup:
 * on a host with a thousand local accounts that is most of what a request
 * costs the service. The map holds what "files" would answer, and is used
 * only where that answer is the whole answer:
 *   - the passwd line of nsswitch.conf names "files" first, with no
 *     [STATUS=action] after it: a name files knows is never asked of the
 *     sources after it (glibc's default action for SUCCESS is return);
 *   - both files are as they were when the map was read (device, inode,
 *     size, owner, mode, mtime, ctime: a stat each per lookup); any change
 *     reads them again.
 * A name files does not know is "not in the map": the caller asks NSS,
 * whose later sources (nss-systemd, sssd, LDAP) may know it. Nothing
 * here ever answers "no such user".
 */
#ifndef SMSOTP_ACCOUNT_FILES_H
#define SMSOTP_ACCOUNT_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

/* From now on smsotp_account_files_find answers (the service only). */
void smsotp_account_files_enable(void);
int smsotp_account_files_enabled(void);

/*
 * The account files gives for name (first line wins, as nss_files):
 *    1  found: out = pw_name (copied when it fits outsz), *uid set;
 *    0  files has no such name: ask NSS;
 *   -1  the map does not apply (not enabled, nsswitch.conf not
 *       "files" first, a file unreadable, out of memory): ask NSS.
 * *fresh = 1 when this call read the files anew into a map that applies.
 */
int smsotp_account_files_find(const char *name, char *out, size_t outsz,
    uid_t *uid, int *fresh) SMSOTP_WUR;

/* The same, with other files and no enabling: for the tests. */
int smsotp_account_files_find_at(const char *passwd, const char *nsswitch,
    const char *name, char *out, size_t outsz, uid_t *uid, int *fresh)
    SMSOTP_WUR;

/* 1 when the passwd line of the nsswitch.conf text s puts files first. */
int smsotp_nsswitch_files_first(const char *s);

#endif
