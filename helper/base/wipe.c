/* SPDX-License-Identifier: BSD-3-Clause */
/* wipe.c - clear secrets from memory. */
#include "config.h"

#include <string.h>

#include "base/wipe.h"

void
smsotp_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
#endif
}
