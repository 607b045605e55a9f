/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_fixture.c - a store on a fresh scratch directory.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"
#include "testutil.h"

char *
tu_store_open(struct smsotp_store *st)
{
	char *dir = tu_tmpdir();
	char why[512];

	if (smsotp_store_open_dir(dir, geteuid(), st, why, sizeof(why)) !=
	    SMSOTP_ST_OK) {
		fprintf(stderr, "store: %s\n", why);
		fail();
	}
	return dir;
}

void
tu_store_close(char *dir, struct smsotp_store *st)
{
	smsotp_store_close(st);
	tu_rmrf(dir);
	free(dir);
}

int
tu_store_setup(void **state)
{
	struct tu_store_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_store_open(&f->store);
	*state = f;
	return 0;
}

int
tu_store_teardown(void **state)
{
	struct tu_store_fx *f = *state;

	tu_store_close(f->dir, &f->store);
	free(f);
	return 0;
}
