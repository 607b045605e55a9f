/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_store.c - the store through its face (store/store.h), on the
 * directory backend: round trip, locks with deadlines, remove, foreach,
 * keys, planted files, and a failed write that keeps the old record.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"
#include "testutil.h"

static int
begin(struct tu_store_fx *f, const char *key, double wait_s,
    struct smsotp_store_txn *t)
{
	return smsotp_store_begin(&f->store, key, smsotp_mono() + wait_s, t,
	    f->why, sizeof(f->why));
}

/* get under t into a NUL-terminated buffer; returns the result. */
static int
get(struct tu_store_fx *f, struct smsotp_store_txn *t, const char *key,
    char *buf, size_t cap, int *exists)
{
	size_t len = 0;
	int r;

	r = smsotp_store_get(t, key, buf, cap, &len, exists, f->why,
	    sizeof(f->why));
	buf[r == SMSOTP_ST_OK ? len : 0] = '\0';
	return r;
}

static int
put(struct tu_store_fx *f, struct smsotp_store_txn *t, const char *key,
    const char *v)
{
	return smsotp_store_put(t, key, v, strlen(v), SMSOTP_PUT_DURABLE, f->why,
	    sizeof(f->why));
}

static void
test_round_trip(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn t;
	char buf[64];
	size_t len;
	int exists;

	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(put(f, &t, "u-1", "one"), SMSOTP_ST_OK);
	/* the lock covers the caller's other records too */
	assert_int_equal(put(f, &t, "b-1", "two"), SMSOTP_ST_OK);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_int_equal(exists, 1);
	assert_string_equal(buf, "one");
	smsotp_store_end(&t);
	smsotp_store_end(&t);	/* twice is harmless */
	assert_null(t.store);
	/* a peek needs no lock */
	assert_int_equal(smsotp_store_peek(&f->store, "b-1", buf, sizeof(buf),
	    &len, &exists, f->why, sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(exists, 1);
	assert_memory_equal(buf, "two", 3);
	assert_int_equal(len, 3);
	/* a counter write reads back the same */
	assert_int_equal(begin(f, "c-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(smsotp_store_put(&t, "c-1", "7", 1, SMSOTP_PUT_COUNTER,
	    f->why, sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(get(f, &t, "c-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_string_equal(buf, "7");
	smsotp_store_end(&t);
	/* a record of cap bytes or more is corrupt, not cut */
	assert_int_equal(smsotp_store_peek(&f->store, "u-1", buf, 3, &len,
	    &exists, f->why, sizeof(f->why)), SMSOTP_ST_CORRUPT);
}

static void
test_busy_within_deadline(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn a, b;
	double t0, dt;

	assert_int_equal(begin(f, "u-1", 0, &a), SMSOTP_ST_OK);
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "u-1", 0.05, &b), SMSOTP_ST_BUSY);
	dt = smsotp_mono() - t0;
	assert_true(dt >= 0.045 && dt < 0.5);
	assert_null(b.store);
	assert_int_equal(b.handle, -1);
	assert_non_null(strstr(f->why, "locked"));
	/* a past deadline tries once */
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "u-1", -1, &b), SMSOTP_ST_BUSY);
	assert_true(smsotp_mono() - t0 < 0.05);
	/* another key is not held up */
	assert_int_equal(begin(f, "u-2", 0, &b), SMSOTP_ST_OK);
	smsotp_store_end(&b);
	smsotp_store_end(&a);
	assert_int_equal(begin(f, "u-1", 0, &b), SMSOTP_ST_OK);
	smsotp_store_end(&b);
}

static void
test_remove(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn t;
	char buf[64], *p = tu_path(f->dir, "u-1");
	struct stat sb;
	int exists;

	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "u-1", "one"), SMSOTP_ST_OK);
	assert_int_equal(smsotp_store_remove(&t, "u-1", f->why,
	    sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(lstat(p, &sb), -1);
	/* no record is no error */
	assert_int_equal(smsotp_store_remove(&t, "u-1", f->why,
	    sizeof(f->why)), SMSOTP_ST_OK);
	smsotp_store_end(&t);
	/* nothing is read, written or removed without a lock */
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_ERROR);
	assert_int_equal(put(f, &t, "u-1", "x"), SMSOTP_ST_ERROR);
	assert_int_equal(smsotp_store_remove(&t, "u-1", f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_int_equal(lstat(p, &sb), -1);
	free(p);
}

struct seen {
	int n;
	char keys[8][SMSOTP_STORE_KEY_MAX + 1];
};

static int
note(const char *key, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		(void)snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	s->n++;
	return 0;
}

static int
stop(const char *key, void *arg)
{
	(void)key;
	(void)arg;
	return 42;
}

static int
has(const struct seen *s, const char *key)
{
	int i;

	for (i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->keys[i], key) == 0)
			return 1;
	return 0;
}

static void
test_foreach(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn t;
	struct seen s;
	char *p;

	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "u-1", "one"), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "u-2", "two"), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "b-1", "b"), SMSOTP_ST_OK);
	smsotp_store_end(&t);
	/* neither a lock, a temporary, a directory nor a bad name is a record */
	free(tu_write(f->dir, "u-3.tmp", "x", 0600));
	free(tu_write(f->dir, "U-4", "x", 0600));
	p = tu_path(f->dir, "u-5");
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	memset(&s, 0, sizeof(s));
	assert_int_equal(smsotp_store_foreach(&f->store, "u-", note, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, "u-1") && has(&s, "u-2"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(smsotp_store_foreach(&f->store, "", note, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(smsotp_store_foreach(&f->store, "u-", stop, NULL), 42);
}

static void
test_keys(void **state)
{
	struct tu_store_fx *f = *state;
	static const char *bad[] = { "", ".u", "a/b", "u-1.lock", "u-1.tmp",
	    "U-1", "u 1", "u-1\n", "0123456789012345678901234567890123456789x",
	    NULL };
	struct smsotp_store_txn t;
	struct seen s;
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		assert_false(smsotp_store_key_ok(bad[i]));
		assert_int_equal(begin(f, bad[i], 0, &t), SMSOTP_ST_ERROR);
		assert_null(t.store);
	}
	assert_true(smsotp_store_key_ok("g-0a1b"));
	assert_true(smsotp_store_key_ok("global"));
	/* a good lock does not let a bad key through */
	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "../u-1", "x"), SMSOTP_ST_ERROR);
	assert_int_equal(put(f, &t, "u-1.lock", "x"), SMSOTP_ST_ERROR);
	smsotp_store_end(&t);
	memset(&s, 0, sizeof(s));
	assert_int_equal(smsotp_store_foreach(&f->store, "", note, &s), 0);
	assert_int_equal(s.n, 0);
}

static void
test_not_open(void **state)
{
	struct smsotp_store none = SMSOTP_STORE_NONE;
	struct smsotp_store_txn t;
	char why[128], buf[8];
	size_t len;
	int exists;

	(void)state;
	assert_int_equal(smsotp_store_begin(&none, "u-1", smsotp_mono(), &t,
	    why, sizeof(why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(why, "not open"));
	assert_int_equal(smsotp_store_peek(&none, "u-1", buf, sizeof(buf),
	    &len, &exists, why, sizeof(why)), SMSOTP_ST_ERROR);
	assert_int_equal(smsotp_store_foreach(&none, "", note, NULL),
	    SMSOTP_ST_ERROR);
	assert_string_equal(smsotp_store_where(&none), "?");
	smsotp_store_close(&none);
	smsotp_store_close(NULL);
}

/* Symlinks, hard links and FIFOs at a record are refused, never followed. */
static void
test_planted_files(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn t;
	char *victim = tu_write(f->dir, "victim", "precious\n", 0600);
	char *rec = tu_path(f->dir, "u-1"), *lock = tu_path(f->dir, "u-1.lock");
	char buf[64];
	struct stat sb;
	int exists;

	/* at the lock */
	assert_int_equal(symlink(victim, lock), 0);
	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "symbolic link"));
	assert_int_equal(unlink(lock), 0);
	/* at the record: reads refused */
	assert_int_equal(symlink(victim, rec), 0);
	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "symbolic link"));
	/* a write replaces the link itself, never writes through it */
	assert_int_equal(put(f, &t, "u-1", "new"), SMSOTP_ST_OK);
	assert_int_equal(lstat(rec, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(unlink(rec), 0);
	assert_int_equal(link(victim, rec), 0);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "hard links"));
	assert_int_equal(unlink(rec), 0);
	assert_int_equal(mkfifo(rec, 0600), 0);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "not a regular file"));
	assert_int_equal(unlink(rec), 0);
	smsotp_store_end(&t);
	assert_int_equal(lstat(victim, &sb), 0);
	assert_int_equal(sb.st_nlink, 1);
	assert_int_equal(sb.st_size, 9);
	assert_int_equal(sb.st_mode & 07777, 0600);
	free(victim);
	free(rec);
	free(lock);
}

/* A write that fails leaves the old record, and no temporary behind. */
static void
test_failed_put_keeps_old(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_store_txn t;
	char *tmp = tu_path(f->dir, "u-1.tmp"), buf[64];
	struct stat sb;
	int exists;

	assert_int_equal(begin(f, "u-1", 0, &t), SMSOTP_ST_OK);
	assert_int_equal(put(f, &t, "u-1", "old"), SMSOTP_ST_OK);
	assert_int_equal(mkdir(tmp, 0700), 0);	/* nobody's temporary */
	assert_int_equal(put(f, &t, "u-1", "new"), SMSOTP_ST_ERROR);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_string_equal(buf, "old");
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(mkfifo(tmp, 0600), 0);	/* nor a FIFO, left alone */
	assert_int_equal(put(f, &t, "u-1", "new"), SMSOTP_ST_ERROR);
	assert_int_equal(lstat(tmp, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_int_equal(unlink(tmp), 0);
	/* a stale regular temporary of a crashed writer is replaced */
	free(tu_write(f->dir, "u-1.tmp", "crash", 0600));
	assert_int_equal(put(f, &t, "u-1", "new"), SMSOTP_ST_OK);
	assert_int_equal(lstat(tmp, &sb), -1);
	assert_int_equal(get(f, &t, "u-1", buf, sizeof(buf), &exists),
	    SMSOTP_ST_OK);
	assert_string_equal(buf, "new");
	smsotp_store_end(&t);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		tu_store_test(test_round_trip),
		tu_store_test(test_busy_within_deadline),
		tu_store_test(test_remove),
		tu_store_test(test_foreach),
		tu_store_test(test_keys),
		cmocka_unit_test(test_not_open),
		tu_store_test(test_planted_files),
		tu_store_test(test_failed_put_keeps_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
