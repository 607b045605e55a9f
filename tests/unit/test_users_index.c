/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_users_index.c - the users file index (PATH.cdb): build, lookups
 * equal to the scan's, stale and broken indexes fall back to the scan.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "phones/phone.h"
#include "phones/index.h"
#include "testutil.h"

struct fx {
	char *dir;
	char *path;	/* dir/users */
	char *ipath;	/* dir/users.cdb */
};

static const char users[] =
    "# phones\n"
    "\n"
    "alice +44 7700 900123\n"
    "bob\t\t07700900456  \n"
    "#carol +447700900789\n"
    "  dave   0044 7700 900999\r\n"
    "alice +33612345678\n"
    "alicex +33612345679\n"
    "erin not-a-number\n"
    "frank\n"
    "frank +33611111111\n"
    "hank +33 6 99 88 77 66\n"
    "hank bad\n"
    "gina +33 6 11 22 33 44";	/* no final newline */

static const char *const names[] = {
	"alice", "bob", "carol", "#carol", "dave", "alicex", "erin", "frank",
	"gina", "hank", "nobody", "ali", "", "u1", "u2", "u3"
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "users");
	f->ipath = tu_path(f->dir, "users.cdb");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->path);
	free(f->ipath);
	free(f);
	return 0;
}

/* Replace the users file by a new one (a new inode), like an editor. */
static void
write_users(struct fx *f, const char *text, mode_t mode)
{
	char *tmp = tu_write(f->dir, "users.new", text, mode);

	assert_int_equal(rename(tmp, f->path), 0);
	free(tmp);
}

static long
build(struct fx *f)
{
	char why[512] = "";
	long n = smsotp_users_index_build(f->path, geteuid(), why, sizeof(why));

	if (n < 0)
		print_error("build: %s\n", why);
	return n;
}

static int
look(struct fx *f, const char *user, const char *cc, char *out, char *why,
    size_t whysz, int *state)
{
	struct smsotp_users_index_note note;
	int r;

	memset(&note, 0x55, sizeof(note));
	r = smsotp_phone_lookup_file(f->path, geteuid(), user, cc, out, why,
	    whysz, &note);
	*state = note.state;
	return r;
}

/* Every name, both country settings: same rv, number and message. */
static void
assert_same_as_scan(struct fx *f, int want_state)
{
	char out1[SMSOTP_E164_SIZE], out2[SMSOTP_E164_SIZE];
	char why1[512], why2[512], *keep;
	static const char *const ccs[] = { "44", "" };
	int r1[sizeof(names) / sizeof(names[0])][2], st, c;
	char o1[sizeof(names) / sizeof(names[0])][2][SMSOTP_E164_SIZE];
	char w1[sizeof(names) / sizeof(names[0])][2][512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (c = 0; c < 2; c++) {
			why1[0] = '\0';
			r1[i][c] = look(f, names[i], ccs[c], out1, why1,
			    sizeof(why1), &st);
			assert_int_equal(st, want_state);
			memcpy(o1[i][c], out1, sizeof(out1));
			memcpy(w1[i][c], why1, sizeof(why1));
		}
	}
	/* the same without the index file */
	keep = tu_path(f->dir, "kept.cdb");
	if (want_state != SMSOTP_UIDX_ABSENT)
		assert_int_equal(rename(f->ipath, keep), 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (c = 0; c < 2; c++) {
			why2[0] = '\0';
			assert_int_equal(look(f, names[i], ccs[c], out2, why2,
			    sizeof(why2), &st), r1[i][c]);
			assert_int_equal(st, SMSOTP_UIDX_ABSENT);
			assert_string_equal(out2, o1[i][c]);
			if (r1[i][c] < 0)
				assert_string_equal(why2, w1[i][c]);
		}
	}
	if (want_state != SMSOTP_UIDX_ABSENT)
		assert_int_equal(rename(keep, f->ipath), 0);
	free(keep);
}

static void
test_build_and_lookup(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[512], want[600];
	struct stat sb;
	int st;

	write_users(f, users, 0640);
	/* alice alicex bob dave erin frank gina hank */
	assert_int_equal(build(f), 8);
	assert_int_equal(lstat(f->ipath, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0640);	/* the users file's */
	assert_int_equal(sb.st_uid, geteuid());

	assert_int_equal(look(f, "alice", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_string_equal(out, "+447700900123");	/* first line wins */
	assert_int_equal(look(f, "bob", "44", out, why, sizeof(why), &st), 1);
	assert_string_equal(out, "+447700900456");	/* default country */
	assert_int_equal(look(f, "bob", "", out, why, sizeof(why), &st), -1);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_true(smsotp_fmt(want, sizeof(want), "%s:4: bad number: "
	    "national number and no default country code", f->path) == 0);
	assert_string_equal(why, want);
	assert_int_equal(look(f, "dave", "44", out, why, sizeof(why), &st), 1);
	assert_string_equal(out, "+447700900999");
	assert_int_equal(look(f, "hank", "44", out, why, sizeof(why), &st), 1);
	assert_string_equal(out, "+33699887766");	/* not "hank bad" */
	assert_int_equal(look(f, "gina", "44", out, why, sizeof(why), &st), 1);
	assert_string_equal(out, "+33611223344");

	/* a malformed first line is the error, with its line number */
	assert_int_equal(look(f, "erin", "44", out, why, sizeof(why), &st), -1);
	assert_true(smsotp_fmt(want, sizeof(want), "%s:9: bad number: ",
	    f->path) == 0);
	assert_memory_equal(why, want, strlen(want));
	assert_string_equal(out, "");
	assert_int_equal(look(f, "frank", "44", out, why, sizeof(why), &st), -1);
	assert_true(smsotp_fmt(want, sizeof(want), "%s:10: no number for the "
	    "user", f->path) == 0);
	assert_string_equal(why, want);

	/* misses */
	assert_int_equal(look(f, "carol", "44", out, why, sizeof(why), &st), 0);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_string_equal(out, "");
	assert_int_equal(look(f, "ali", "44", out, why, sizeof(why), &st), 0);
	assert_int_equal(look(f, "alice x", "44", out, why, sizeof(why), &st),
	    0);
	assert_int_equal(look(f, "", "44", out, why, sizeof(why), &st), 0);
}

static void
test_same_as_scan(void **state)
{
	struct fx *f = *state;

	write_users(f, users, 0600);
	assert_int_equal(build(f), 8);
	assert_same_as_scan(f, SMSOTP_UIDX_USED);
}

/* A line over 1024 bytes stops the scan: the index must stop there too. */
static void
test_long_line(void **state)
{
	struct fx *f = *state;
	char *text = malloc(4096);
	char out[SMSOTP_E164_SIZE], why[512], want[600];
	int st;

	assert_non_null(text);
	strcpy(text, "u1 +447700900001\nu2 ");
	memset(text + strlen(text), '1', 1100);
	strcpy(text + 20 + 1100, "\nu3 +447700900003\nalice +447700900004\n");
	write_users(f, text, 0600);
	assert_int_equal(build(f), 1);	/* u1 only: u2's line is too long */
	assert_int_equal(look(f, "u1", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_int_equal(look(f, "u3", "44", out, why, sizeof(why), &st), -1);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_true(smsotp_fmt(want, sizeof(want), "%s:2: line longer than "
	    "1024 bytes", f->path) == 0);
	assert_string_equal(why, want);
	assert_same_as_scan(f, SMSOTP_UIDX_USED);
	free(text);
}

static void
test_stale_after_rename(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[512];
	struct smsotp_users_index_note note;
	int st;

	write_users(f, users, 0600);
	assert_int_equal(build(f), 8);
	assert_int_equal(smsotp_users_index_check(f->path, geteuid(), &note,
	    why, sizeof(why)), SMSOTP_UIDX_USED);
	/* same size, other content, other inode */
	write_users(f, "alice +447700900777\n", 0600);
	assert_int_equal(look(f, "alice", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_STALE);
	assert_string_equal(out, "+447700900777");	/* the file, not the index */
	assert_int_equal(look(f, "bob", "44", out, why, sizeof(why), &st), 0);
	assert_int_equal(st, SMSOTP_UIDX_STALE);
	assert_int_equal(smsotp_users_index_check(f->path, geteuid(), &note,
	    why, sizeof(why)), SMSOTP_UIDX_STALE);
	assert_int_equal(build(f), 1);
	assert_int_equal(look(f, "alice", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	assert_string_equal(out, "+447700900777");
}

static void
test_stale_after_append(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[512];
	static const char more[] = "\nzed +447700900555\n";
	int st, fd;

	write_users(f, users, 0600);
	assert_int_equal(build(f), 8);
	assert_int_equal(look(f, "zed", "44", out, why, sizeof(why), &st), 0);
	assert_int_equal(st, SMSOTP_UIDX_USED);
	fd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, more, strlen(more)), (int)strlen(more));
	assert_int_equal(close(fd), 0);
	assert_int_equal(look(f, "zed", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_STALE);
	assert_string_equal(out, "+447700900555");
	assert_same_as_scan(f, SMSOTP_UIDX_STALE);
}

/* The scan's answers with a broken index in place, and its reason. */
static void
assert_broken(struct fx *f, const char *reason)
{
	char out[SMSOTP_E164_SIZE], why[512];
	struct smsotp_users_index_note note;
	int st;

	assert_int_equal(look(f, "alice", "44", out, why, sizeof(why), &st), 1);
	assert_int_equal(st, SMSOTP_UIDX_BROKEN);
	assert_string_equal(out, "+447700900123");
	assert_int_equal(smsotp_phone_lookup_file(f->path, geteuid(), "bob",
	    "44", out, why, sizeof(why), &note), 1);
	assert_non_null(strstr(note.why, reason));
	assert_same_as_scan(f, SMSOTP_UIDX_BROKEN);
}

static void
test_corrupt_index(void **state)
{
	struct fx *f = *state;
	char junk[4096];
	struct cdb_make cm;
	int fd;

	write_users(f, users, 0600);
	/* too short for a cdb file */
	free(tu_write(f->dir, "users.cdb", "garbage\n", 0600));
	assert_broken(f, "not a cdb file");
	/* the right size, nonsense tables */
	memset(junk, 0xff, sizeof(junk));
	free(tu_write_bin(f->dir, "users.cdb", junk, sizeof(junk), 0600));
	assert_broken(f, "corrupt");
	/* a cdb file without the metadata record */
	fd = open(f->ipath, O_RDWR | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(cdb_make_start(&cm, fd), 0);
	assert_int_equal(cdb_make_add(&cm, "alice", 5, "3 alice +1", 10), 0);
	assert_int_equal(cdb_make_finish(&cm), 0);
	assert_int_equal(close(fd), 0);
	assert_broken(f, "no metadata record");
	/* a good index, then its tail cut off */
	assert_int_equal(build(f), 8);
	assert_int_equal(truncate(f->ipath, 2100), 0);
	assert_broken(f, "");
}

static void
test_unsafe_index(void **state)
{
	struct fx *f = *state;
	char *target;

	write_users(f, users, 0600);
	assert_int_equal(build(f), 8);
	assert_int_equal(chmod(f->ipath, 0666), 0);	/* writable by all */
	assert_broken(f, "writable");
	assert_int_equal(chmod(f->ipath, 0600), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(f->ipath, 1, 0), 0);
		assert_broken(f, "owned");
		assert_int_equal(chown(f->ipath, 0, 0), 0);
	}
	/* a symbolic link to a good index */
	target = tu_path(f->dir, "elsewhere.cdb");
	assert_int_equal(rename(f->ipath, target), 0);
	assert_int_equal(symlink(target, f->ipath), 0);
	assert_broken(f, "symbolic link");
	free(target);
}

static void
test_absent_and_refused(void **state)
{
	struct fx *f = *state;
	char why[512];
	struct smsotp_users_index_note note;

	write_users(f, users, 0600);
	assert_int_equal(smsotp_users_index_exists(f->path), 0);
	assert_same_as_scan(f, SMSOTP_UIDX_ABSENT);
	assert_int_equal(smsotp_users_index_exists(f->path), 0);
	assert_int_equal(smsotp_users_index_check(f->path, geteuid(), &note,
	    why, sizeof(why)), SMSOTP_UIDX_ABSENT);
	/* an unsafe users file is not indexed */
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_true(smsotp_users_index_build(f->path, geteuid(), why,
	    sizeof(why)) < 0);
	assert_non_null(strstr(why, "writable"));
	assert_int_equal(smsotp_users_index_exists(f->path), 0);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(build(f), 8);
	assert_int_equal(smsotp_users_index_exists(f->path), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_and_lookup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_as_scan, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_after_rename, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_after_append, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_absent_and_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
