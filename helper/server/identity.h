/* SPDX-License-Identifier: BSD-3-Clause */
/* identity.h - the resident service's user and group (identity.c). */
#ifndef SMSOTP_IDENTITY_H
#define SMSOTP_IDENTITY_H

#include <stddef.h>

/*
 * Run as root: become SMSOTP_SERVICE_USER with the group SMSOTP_GROUP and
 * no supplementary groups, for good. Run as anyone else: nothing to do.
 * 0, or -1 with why (no such user or group, or the change failed).
 */
int smsotp_service_identity(char *why, size_t whysz);

#endif
