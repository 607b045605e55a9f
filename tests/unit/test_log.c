/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c - the log targets (helper/base/log.c): a file created 0640,
 * the lines logged before it, one line per call, and the files refused.
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

#include "base/log.h"
#include "testutil.h"


static int
lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Refused: relative, a symbolic link, open to others, group-writable. */
static void
test_refused(void **state)
{
	char *dir = tu_tmpdir(), *target, *link, *wide, *gw, why[256];

	(void)state;
	assert_int_equal(smsotp_log_to("pam_smsotp.log", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not an absolute path"));
	target = tu_write(dir, "target", "", 0600);
	link = tu_path(dir, "link");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(smsotp_log_to(link, why, sizeof(why)), -1);
	assert_non_null(strstr(why, link));
	wide = tu_write(dir, "wide", "", 0644);
	assert_int_equal(smsotp_log_to(wide, why, sizeof(why)), -1);
	gw = tu_write(dir, "gw", "", 0660);
	assert_int_equal(chmod(gw, 0660), 0);
	assert_int_equal(smsotp_log_to(gw, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "0640"));
	assert_string_equal(tu_read(wide), "");
	assert_string_equal(tu_read(target), "");
	tu_rmrf(dir);
	free(dir);
	free(target);
	free(link);
	free(wide);
	free(gw);
}

/* Created 0640 by root; the early lines first; a newline cannot forge a
 * line. */
static void
test_file(void **state)
{
	char *dir, *path, why[256];
	const char *text;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the file must be root's */
	dir = tu_tmpdir();
	path = tu_path(dir, "smsotp.log");
	smsotp_log(LOG_ERR, "before the target %d", 1);
	smsotp_log(LOG_INFO, "before the target %d", 2);
	assert_int_equal(smsotp_log_to(path, why, sizeof(why)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, 0);
	smsotp_log(LOG_WARNING, "user=%s: refused", "bob\nforged: line");
	text = tu_read(path);
	assert_int_equal(lines(text), 3);
	assert_non_null(strstr(text, "test_log["));
	assert_non_null(strstr(text, "]: err: before the target 1\n"));
	assert_non_null(strstr(text, "]: info: before the target 2\n"));
	assert_non_null(strstr(text, "]: warning: user=bob?forged: line: "
	    "refused\n"));
	assert_true(strstr(text, "err: before") < strstr(text, "warning:"));
	tu_rmrf(dir);
	free(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_file),
	};

	smsotp_log_init("test_log", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
