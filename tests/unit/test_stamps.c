/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_stamps.c - the stamps of the files a thread reads through
 * secfile.c (helper/base/stamps.c): the same while nothing changes; a
 * change in place (even of the same size), a replacement, a mode change
 * or a removal each make them differ; other threads' reads are not noted.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/secfile.h"
#include "base/stamps.h"
#include "testutil.h"

static void
read_ok(const char *path)
{
	char *buf, why[256];
	size_t len;

	assert_int_equal(smsotp_secfile_read(path, geteuid(), 0, 4096, &buf,
	    &len, why, sizeof(why)), 0);
	smsotp_secfile_free(buf, len);
}

/* Stamps of one file holding text; the file's path into *path. */
static void
noted(struct smsotp_stamps *st, char *dir, const char *text, char **path)
{
	*path = tu_write(dir, "f", text, 0600);
	memset(st, 0, sizeof(*st));
	smsotp_stamps_watch(st);
	read_ok(*path);
	smsotp_stamps_watch(NULL);
	assert_int_equal(st->n, 1);
	assert_int_equal(smsotp_stamps_same(st), 1);
}

static void
test_changes(void **unused)
{
	struct smsotp_stamps st;
	char *dir = tu_tmpdir(), *p, *q;
	FILE *f;

	(void)unused;
	/* written in place, the same size, within the same second */
	noted(&st, dir, "abcdef\n", &p);
	f = fopen(p, "r+");
	assert_non_null(f);
	assert_int_equal(fputs("ABCDEF\n", f) >= 0, 1);
	fclose(f);
	assert_int_equal(smsotp_stamps_same(&st), 0);
	smsotp_stamps_free(&st);
	free(p);
	/* replaced by a rename */
	noted(&st, dir, "abcdef\n", &p);
	q = tu_write(dir, "g", "abcdef\n", 0600);
	assert_int_equal(rename(q, p), 0);
	assert_int_equal(smsotp_stamps_same(&st), 0);
	smsotp_stamps_free(&st);
	free(p);
	free(q);
	/* its mode changed */
	noted(&st, dir, "abcdef\n", &p);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(smsotp_stamps_same(&st), 0);
	smsotp_stamps_free(&st);
	free(p);
	/* removed */
	noted(&st, dir, "abcdef\n", &p);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(smsotp_stamps_same(&st), 0);
	smsotp_stamps_free(&st);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void
test_overflow_and_unwatched(void **unused)
{
	struct smsotp_stamps st;
	char *dir = tu_tmpdir(), *p;
	int i;

	(void)unused;
	p = tu_write(dir, "f", "x\n", 0600);
	read_ok(p);		/* nobody watching: nothing noted anywhere */
	memset(&st, 0, sizeof(st));
	smsotp_stamps_watch(&st);
	for (i = 0; i < SMSOTP_STAMPS_MAX + 1; i++)
		read_ok(p);
	smsotp_stamps_watch(NULL);
	read_ok(p);
	assert_int_equal(st.n, SMSOTP_STAMPS_MAX);
	assert_int_equal(st.overflow, 1);
	assert_int_equal(smsotp_stamps_same(&st), 0);	/* never trusted */
	smsotp_stamps_free(&st);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void *
other_thread(void *path)
{
	read_ok(path);
	return NULL;
}

static void
test_per_thread(void **unused)
{
	struct smsotp_stamps st;
	char *dir = tu_tmpdir(), *p;
	pthread_t th;

	(void)unused;
	p = tu_write(dir, "f", "x\n", 0600);
	memset(&st, 0, sizeof(st));
	smsotp_stamps_watch(&st);
	assert_int_equal(pthread_create(&th, NULL, other_thread, p), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	smsotp_stamps_watch(NULL);
	assert_int_equal(st.n, 0);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_overflow_and_unwatched),
		cmocka_unit_test(test_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
