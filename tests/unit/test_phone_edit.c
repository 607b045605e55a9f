/* SPDX-License-Identifier: BSD-3-Clause */
/* test_phone_edit.c - unit tests of the users file editor (set-phone, remove-phone). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "phones/phone.h"
#include "phones/edit.h"
#include "testutil.h"

/* Run the pure edit and compare the result with want. */
static void
edit_is(const char *in, const char *user, const char *e164, const char *want,
    int want_found)
{
	char *out = NULL;
	size_t len = 0;
	int found = -1;

	assert_int_equal(smsotp_users_edit(in, strlen(in), user, e164, &out, &len,
	    &found), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(found, want_found);
	free(out);
}

#define FILE1 "# phones\nalice +447700900123\n\n  bob\t+447700900456\r\n# alice +1\n"

static void
test_edit_set(void **state)
{
	(void)state;
	/* replaced in place; comments, blanks, CRLF and others kept */
	edit_is(FILE1, "alice", "+447700900999",
	    "# phones\nalice +447700900999\n\n  bob\t+447700900456\r\n# alice +1\n", 1);
	edit_is(FILE1, "bob", "+33612345678",
	    "# phones\nalice +447700900123\n\nbob +33612345678\n# alice +1\n", 1);
	/* appended when missing, also after a last line without '\n' */
	edit_is(FILE1, "carol", "+447700900789", FILE1 "carol +447700900789\n", 0);
	edit_is("alice +447700900123", "carol", "+447700900789",
	    "alice +447700900123\ncarol +447700900789\n", 0);
	edit_is("", "carol", "+447700900789", "carol +447700900789\n", 0);
	/* a prefix of a name is another name */
	edit_is("alice2 +447700900123\n", "alice", "+447700900999",
	    "alice2 +447700900123\nalice +447700900999\n", 0);
	/* duplicates: the first place wins, the later lines go */
	edit_is("alice +1\nbob +2\nalice +3\n", "alice", "+447700900999",
	    "alice +447700900999\nbob +2\n", 2);
}

static void
test_edit_remove(void **state)
{
	(void)state;
	edit_is(FILE1, "alice", NULL,
	    "# phones\n\n  bob\t+447700900456\r\n# alice +1\n", 1);
	edit_is(FILE1, "bob", NULL, "# phones\nalice +447700900123\n\n# alice +1\n", 1);
	edit_is(FILE1, "carol", NULL, FILE1, 0);
	edit_is("alice +1\nbob +2\nalice +3", "alice", NULL, "bob +2\n", 2);
}

static void
test_names(void **state)
{
	static const char *const bad[] = {
		"", "a b", "a\tb", "#alice", "-alice", ".alice", "a/b", "a\nb",
		" alice",
	};
	size_t i;

	(void)state;
	assert_int_equal(smsotp_users_name_ok("alice"), 1);
	assert_int_equal(smsotp_users_name_ok("DOMAIN\\alice@example.com"), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(smsotp_users_name_ok(bad[i]), 0);
}

struct fx {
	char *dir;
	char *path;
	char why[512];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	assert_int_equal(chmod(f->dir, 0755), 0);
	f->path = tu_path(f->dir, "users");
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 4096);

	assert_non_null(fp);
	assert_non_null(buf);
	assert_true(fread(buf, 1, 4095, fp) < 4095);
	fclose(fp);
	return buf;
}

static int
edit(struct fx *f, const char *user, const char *e164)
{
	return smsotp_users_file_edit(f->path, geteuid(), user, e164, getegid(),
	    0640, f->why, sizeof(f->why));
}

static void
test_file_create_set_remove(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], *s;
	struct stat sb;

	/* remove from no file: nothing to do, nothing created */
	assert_int_equal(edit(f, "alice", NULL), 1);
	assert_int_equal(lstat(f->path, &sb), -1);
	/* set creates it with the mode asked */
	assert_int_equal(edit(f, "alice", "+447700900123"), 0);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(smsotp_phone_lookup_file(f->path, geteuid(), "alice",
	    "44", out, f->why, sizeof(f->why), NULL), 1);
	assert_string_equal(out, "+447700900123");
	/* an existing file keeps its mode and its other lines */
	assert_int_equal(chmod(f->path, 0644), 0);
	free(tu_write(f->dir, "users", FILE1, 0644));
	assert_int_equal(edit(f, "bob", "+33612345678"), 0);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	s = slurp(f->path);
	assert_string_equal(s,
	    "# phones\nalice +447700900123\n\nbob +33612345678\n# alice +1\n");
	free(s);
	assert_int_equal(smsotp_phone_lookup_file(f->path, geteuid(), "bob",
	    "44", out, f->why, sizeof(f->why), NULL), 1);
	assert_string_equal(out, "+33612345678");
	assert_int_equal(edit(f, "alice", NULL), 0);
	assert_int_equal(smsotp_phone_lookup_file(f->path, geteuid(), "alice",
	    "44", out, f->why, sizeof(f->why), NULL), 0);
	assert_int_equal(edit(f, "alice", NULL), 1);
	/* no temporary file is left behind */
	s = slurp(f->path);
	assert_string_equal(s, "# phones\n\nbob +33612345678\n# alice +1\n");
	free(s);
}

static void
test_file_no_tmp_left(void **state)
{
	struct fx *f = *state;
	char cmd[600];

	free(tu_write(f->dir, "users", "alice +447700900123\n", 0644));
	assert_int_equal(edit(f, "bob", "+447700900456"), 0);
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = users", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_file_refusals(void **state)
{
	struct fx *f = *state;
	char *other, *s, *link2;

	other = tu_write(f->dir, "real", "alice +447700900123\n", 0644);
	/* a symlink is refused and its target untouched */
	assert_int_equal(symlink(other, f->path), 0);
	assert_int_equal(edit(f, "bob", "+447700900456"), -1);
	assert_non_null(strstr(f->why, "symbolic link"));
	assert_int_equal(edit(f, "alice", NULL), -1);
	s = slurp(other);
	assert_string_equal(s, "alice +447700900123\n");
	free(s);
	assert_int_equal(unlink(f->path), 0);
	/* group- or world-writable file */
	free(tu_write(f->dir, "users", "alice +447700900123\n", 0664));
	assert_int_equal(edit(f, "bob", "+447700900456"), -1);
	assert_non_null(strstr(f->why, "unsafe mode"));
	assert_int_equal(chmod(f->path, 0644), 0);
	/* a hard link */
	link2 = tu_path(f->dir, "users2");
	assert_int_equal(link(f->path, link2), 0);
	assert_int_equal(edit(f, "bob", "+447700900456"), -1);
	assert_non_null(strstr(f->why, "link"));
	assert_int_equal(unlink(link2), 0);
	/* a directory others may write to */
	assert_int_equal(chmod(f->dir, 0775), 0);
	assert_int_equal(edit(f, "bob", "+447700900456"), -1);
	assert_non_null(strstr(f->why, "not writable"));
	assert_int_equal(chmod(f->dir, 0755), 0);
	/* a bad user name */
	assert_int_equal(edit(f, "a b", "+447700900456"), -1);
	assert_int_equal(edit(f, "#x", NULL), -1);
	/* a file owned by another uid */
	assert_int_equal(smsotp_users_file_edit(f->path, geteuid() + 1, "bob",
	    "+447700900456", 0, 0640, f->why, sizeof(f->why)), -1);
	/* after all that, the file is as it was */
	s = slurp(f->path);
	assert_string_equal(s, "alice +447700900123\n");
	free(s);
	/* a NUL byte inside */
	free(tu_write_bin(f->dir, "users", "alice +4477\0x\n", 14, 0644));
	assert_int_equal(edit(f, "bob", "+447700900456"), -1);
	assert_non_null(strstr(f->why, "NUL"));
	free(other);
	free(link2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_set),
		cmocka_unit_test(test_edit_remove),
		cmocka_unit_test(test_names),
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
		FX(test_file_create_set_remove),
		FX(test_file_no_tmp_left),
		FX(test_file_refusals),
#undef FX
	};

	if (sodium_init() < 0)
		return 1;
	umask(077);
	return cmocka_run_group_tests_name("phone_edit", tests, NULL, NULL);
}
