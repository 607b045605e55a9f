/* SPDX-License-Identifier: BSD-3-Clause */
/* wipe.h - clear secrets from memory (codes, keys, requests). */
#ifndef SMSOTP_WIPE_H
#define SMSOTP_WIPE_H

#include <stddef.h>

/* Wipe memory in a way the compiler cannot elide. NULL or 0: nothing. */
void smsotp_wipe(void *p, size_t n);

#endif
