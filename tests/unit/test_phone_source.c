/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_phone_source.c - the phone source interface (helper/phones/source.h)
 * through its face: the users file source answers FOUND, NONE or ERROR as
 * the contract says, and a users file it cannot read, or cannot read to
 * the end, is ERROR, never NONE. Also smsotp_e164_ok (phones/e164.h), the
 * one check of a normalised number.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "phones/e164.h"
#include "phones/index.h"
#include "phones/source.h"
#include "phones/users_file.h"
#include "testutil.h"

#define NOBODY 65534

static const char users[] =
    "# users\n"
    "alice +44 7700 900123\n"
    "bob 07700900456\n"
    "erin not-a-number\n";

struct fx {
	char *dir;
	char *path;
	struct smsotp_users_file_source file;
	struct smsotp_users_index_note note;
	struct smsotp_phone_source src;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "users");
	f->file.path = f->path;
	f->file.owner = geteuid();
	f->file.note = &f->note;
	f->src.ops = &smsotp_phone_source_file;
	f->src.default_country = "44";
	f->src.ctx = &f->file;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

static void
put_users(struct fx *f, const void *text, size_t len, mode_t mode)
{
	free(tu_write_bin(f->dir, "users", text, len, mode));
}

/*
 * One lookup through the ops table, with the checks every answer gets:
 * one of the three values; a number only with FOUND; why set with ERROR
 * and only then.
 */
static enum smsotp_phone_result
ask(struct fx *f, const char *user, char out[SMSOTP_E164_SIZE], char *why,
    size_t whysz)
{
	enum smsotp_phone_result r;

	memset(out, 'X', SMSOTP_E164_SIZE);
	memset(why, 'X', whysz);
	memset(&f->note, 0x55, sizeof(f->note));
	r = f->src.ops->lookup(&f->src, user, out, why, whysz);
	assert_true(r == SMSOTP_PHONE_FOUND || r == SMSOTP_PHONE_NONE ||
	    r == SMSOTP_PHONE_ERROR);
	assert_non_null(memchr(why, '\0', whysz));
	if (r == SMSOTP_PHONE_FOUND)
		assert_true(smsotp_e164_ok(out));
	else
		assert_string_equal(out, "");
	if (r == SMSOTP_PHONE_ERROR)
		assert_true(why[0] != '\0');
	else
		assert_string_equal(why, "");
	return r;
}

static void
test_ops_table(void **state)
{
	(void)state;
	assert_string_equal(smsotp_phone_source_file.name, "file");
	assert_non_null(smsotp_phone_source_file.lookup);
	/* callers compare with these values */
	assert_int_equal(SMSOTP_PHONE_FOUND, 1);
	assert_int_equal(SMSOTP_PHONE_NONE, 0);
	assert_int_equal(SMSOTP_PHONE_ERROR, -1);
}

static void
test_found_and_none(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256];

	put_users(f, users, strlen(users), 0600);
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_string_equal(out, "+447700900123");
	assert_int_equal(f->note.state, SMSOTP_UIDX_ABSENT);
	/* the source's default country completes a national number */
	assert_int_equal(ask(f, "bob", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_string_equal(out, "+447700900456");
	f->src.default_country = "33";
	assert_int_equal(ask(f, "bob", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_string_equal(out, "+337700900456");
	/* no line: an explicit NONE */
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);
	assert_int_equal(ask(f, "users", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);
	put_users(f, "", 0, 0600);
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);
	/* the note is optional */
	f->file.note = NULL;
	put_users(f, users, strlen(users), 0600);
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);
}

/* The user's own line is unusable: ERROR, with the place. */
static void
test_bad_entry(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256], want[300];

	put_users(f, users, strlen(users), 0600);
	assert_int_equal(ask(f, "erin", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);
	assert_true(snprintf(want, sizeof(want), "%s:4: bad number", f->path) >
	    0);
	assert_non_null(strstr(why, want));
	f->src.default_country = "";
	assert_int_equal(ask(f, "bob", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);
}

/* A file that is not there, not safe, or not a file: ERROR, not NONE. */
static void
test_unusable_file(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256];
	char *link = tu_path(f->dir, "link");

	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* missing */
	assert_non_null(strstr(why, f->path));
	put_users(f, users, strlen(users), 0620);
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* group-writable */
	assert_int_equal(chmod(f->path, 0600), 0);
	f->file.owner = geteuid() + 1;
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* someone else's */
	f->file.owner = geteuid();
	assert_int_equal(symlink(f->path, link), 0);
	f->file.path = link;
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* a symbolic link */
	f->file.path = f->dir;
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* a directory */
	f->file.path = f->path;
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);		/* and the file itself is fine */
	free(link);
}

/*
 * A line over 1024 bytes stops the reading: a user whose line is not
 * before it cannot be told absent. ERROR, from the scan and from an index
 * of the same file.
 */
static void
test_corrupt_file(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256];
	size_t n = strlen(users);
	char *buf = malloc(n + 1100);
	char iwhy[256];

	assert_non_null(buf);
	memcpy(buf, users, n);
	memset(buf + n, 'y', 1025);
	memcpy(buf + n + 1025, "\ncarol +447700900777\n", 21);
	put_users(f, buf, n + 1025 + 21, 0600);
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);		/* before it: fine */
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);
	assert_non_null(strstr(why, ":5: line longer than 1024 bytes"));
	assert_int_equal(ask(f, "dave", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);		/* not NONE */
	assert_int_equal(f->note.state, SMSOTP_UIDX_ABSENT);
	assert_true(smsotp_users_index_build(f->path, geteuid(), iwhy,
	    sizeof(iwhy)) >= 0);
	assert_int_equal(ask(f, "dave", out, why, sizeof(why)),
	    SMSOTP_PHONE_ERROR);
	assert_int_equal(f->note.state, SMSOTP_UIDX_USED);
	assert_non_null(strstr(why, ":5: line longer than 1024 bytes"));
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_int_equal(f->note.state, SMSOTP_UIDX_USED);
	free(buf);
}

/* A corrupt index is not a corrupt users file: the scan answers. */
static void
test_corrupt_index(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256];

	put_users(f, users, strlen(users), 0600);
	free(tu_write(f->dir, "users.cdb", "garbage\n", 0600));
	assert_int_equal(ask(f, "alice", out, why, sizeof(why)),
	    SMSOTP_PHONE_FOUND);
	assert_int_equal(f->note.state, SMSOTP_UIDX_BROKEN);
	assert_int_equal(ask(f, "carol", out, why, sizeof(why)),
	    SMSOTP_PHONE_NONE);
	assert_int_equal(f->note.state, SMSOTP_UIDX_BROKEN);
}

/*
 * In a child that cannot read the users file (EACCES): the lookup's
 * answer, 0 when it is ERROR with an empty number and the reason, else 1
 * + 10 * (result + 1).
 */
static int
unreadable_answer(struct fx *f, const char *user)
{
	char out[SMSOTP_E164_SIZE], why[256];
	enum smsotp_phone_result r;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) != 0 ||
		    setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			_exit(99);
		r = f->src.ops->lookup(&f->src, user, out, why, sizeof(why));
		_exit(r == SMSOTP_PHONE_ERROR && out[0] == '\0' &&
		    strstr(why, "Permission denied") != NULL ? 0 :
		    1 + 10 * ((int)r + 1));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * A users file the helper cannot read is ERROR, never NONE nor an answer
 * from its index: as root, a child of another uid reads a current index
 * it may read next to a users file it may not; otherwise a mode 0 file.
 */
static void
test_unreadable_file(void **state)
{
	struct fx *f = *state;
	char why[256], *ipath = tu_path(f->dir, "users.cdb");

	put_users(f, users, strlen(users), 0600);
	if (geteuid() != 0) {
		assert_int_equal(chmod(f->path, 0), 0);
		assert_int_equal(unreadable_answer(f, "alice"), 0);
		assert_int_equal(unreadable_answer(f, "carol"), 0);
		assert_int_equal(chmod(f->path, 0600), 0);
		free(ipath);
		return;
	}
	assert_int_equal(chmod(f->dir, 0711), 0);
	assert_int_equal(unreadable_answer(f, "alice"), 0);
	assert_int_equal(unreadable_answer(f, "carol"), 0);
	assert_true(smsotp_users_index_build(f->path, geteuid(), why,
	    sizeof(why)) == 3);
	/* the child may read the index */
	assert_int_equal(chmod(ipath, 0644), 0);
	assert_int_equal(unreadable_answer(f, "alice"), 0);
	assert_int_equal(unreadable_answer(f, "carol"), 0);
	assert_int_equal(chmod(f->dir, 0700), 0);
	free(ipath);
}

static void
test_e164_ok(void **state)
{
	static const char *const good[] = {
		"+12345678", "+447700900123", "+123456789012345",
		"+99999999",
	};
	static const char *const bad[] = {
		"", "+", "+1234567", "+1234567890123456", "+0447700900123",
		"447700900123", "+44 7700900123", "+44770090012a",
		"++4477009001",
		"+44-7700900123", "0044770090012",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!smsotp_e164_ok(good[i]))
			fail_msg("refused: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (smsotp_e164_ok(bad[i]))
			fail_msg("accepted: %s", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_table),
		cmocka_unit_test_setup_teardown(test_found_and_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_entry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unusable_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_file, setup,
		    teardown),
		cmocka_unit_test(test_e164_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
