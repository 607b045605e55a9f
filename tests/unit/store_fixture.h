/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_fixture.h - a store on a fresh scratch directory, for the unit tests
 * that go through store/store.h.
 */
#ifndef SMSOTP_TEST_STORE_FIXTURE_H
#define SMSOTP_TEST_STORE_FIXTURE_H

#include "store/store.h"

/*
 * Open st on a new scratch directory and return the directory (malloc'ed);
 * fails the test when the store does not open.
 */
char *tu_store_open(struct smsotp_store *st);
/* Close st, remove dir and everything in it, free dir. */
void tu_store_close(char *dir, struct smsotp_store *st);

/* The state of a test that needs a store and nothing else. */
struct tu_store_fx {
	char *dir;
	struct smsotp_store store;
	char why[512];
};

/* cmocka setup and teardown of a struct tu_store_fx. */
int tu_store_setup(void **state);
int tu_store_teardown(void **state);
#define tu_store_test(fn) \
	cmocka_unit_test_setup_teardown(fn, tu_store_setup, tu_store_teardown)

#endif
