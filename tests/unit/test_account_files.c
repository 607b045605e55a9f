/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_account_files.c - the kept map of /etc/passwd
 * (helper/phones/account_files.c): used only when nsswitch.conf puts
 * files first with no action; the first line of a name wins and NIS +/-
 * lines never match, as in nss_files; any change to either file (a
 * replacement, an edit in place of the same size) is seen at the next
 * lookup; on this machine it agrees with getpwnam_r for every line.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phones/account_files.h"
#include "testutil.h"

static void
test_nsswitch(void **unused)
{
	(void)unused;
	assert_int_equal(smsotp_nsswitch_files_first("passwd: files\n"), 1);
	assert_int_equal(smsotp_nsswitch_files_first(
	    "# x\ngroup: sss\npasswd:         files systemd\n"), 1);
	assert_int_equal(smsotp_nsswitch_files_first(
	    "passwd\t:\tfiles # then\nshadow: files"), 1);
	assert_int_equal(smsotp_nsswitch_files_first(
	    "passwd: files [NOTFOUND=return] ldap\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first(
	    "passwd: files [SUCCESS=merge] sss\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("passwd: sss files\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("passwd: compat\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("passwd: filesx\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("passwd:\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("#passwd: files\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first("group: files\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first(""), 0);
	/* two passwd lines: which one glibc takes is not ours to guess */
	assert_int_equal(smsotp_nsswitch_files_first(
	    "passwd: files\nPASSWD: sss\n"), 0);
	assert_int_equal(smsotp_nsswitch_files_first(
	    "passwd: files\npasswd: files\n"), 0);
}

#define PW_TEXT \
	"# the accounts\n" \
	"root:x:0:0:root:/root:/bin/sh\n" \
	"+nis:x:7:7::/:/bin/sh\n" \
	"alice:x:1001:1001::/home/alice:/bin/sh\n" \
	"\n" \
	"bob:x:1002:1002::/home/bob:/bin/sh\n" \
	"alice:x:2001:2001::/home/alice2:/bin/sh\n"

static int last_fresh;	/* find's: the files were read anew */

static int
find(const char *dir, const char *name, uid_t *uid)
{
	char *pw = tu_path(dir, "passwd"), *ns = tu_path(dir, "nsswitch.conf");
	char out[64];
	int rv, fresh;

	*uid = (uid_t)-1;
	rv = smsotp_account_files_find_at(pw, ns, name, out, sizeof(out), uid,
	    &fresh);
	if (rv == 1)
		assert_string_equal(out, name);
	last_fresh = fresh;
	free(pw);
	free(ns);
	return rv;
}

static void
test_map(void **unused)
{
	char *dir = tu_tmpdir(), *pw, *ns, out[4];
	uid_t uid;
	int fresh;

	(void)unused;
	free(tu_write(dir, "passwd", PW_TEXT, 0644));
	free(tu_write(dir, "nsswitch.conf", "passwd: files systemd\n", 0644));
	assert_int_equal(find(dir, "alice", &uid), 1);
	assert_int_equal(uid, 1001);		/* the first line wins */
	assert_int_equal(find(dir, "bob", &uid), 1);
	assert_int_equal(uid, 1002);
	assert_int_equal(find(dir, "root", &uid), 1);
	assert_int_equal(uid, 0);
	assert_int_equal(find(dir, "+nis", &uid), 0);
	assert_int_equal(find(dir, "nis", &uid), 0);
	assert_int_equal(find(dir, "carol", &uid), 0);
	assert_int_equal(find(dir, "Alice", &uid), 0);
	/* a name that does not fit: NSS answers, not the map */
	pw = tu_path(dir, "passwd");
	ns = tu_path(dir, "nsswitch.conf");
	assert_int_equal(smsotp_account_files_find_at(pw, ns, "alice", out,
	    sizeof(out), &uid, &fresh), -1);
	assert_int_equal(fresh, 0);	/* the map was read before */
	free(pw);
	free(ns);
	tu_rmrf(dir);
	free(dir);
}

static void
test_not_files_first(void **unused)
{
	char *dir = tu_tmpdir();
	uid_t uid;

	(void)unused;
	free(tu_write(dir, "passwd", PW_TEXT, 0644));
	free(tu_write(dir, "nsswitch.conf", "passwd: sss files\n", 0644));
	assert_int_equal(find(dir, "alice", &uid), -1);
	assert_int_equal(find(dir, "carol", &uid), -1);
	tu_rmrf(dir);
	/* no such files: NSS answers */
	assert_int_equal(find(dir, "alice", &uid), -1);
	free(dir);
}

/* Replace the file at dir/name through a rename, as useradd and vipw do. */
static void
replace(const char *dir, const char *name, const char *text)
{
	char *tmp = tu_write(dir, "new", text, 0644), *to = tu_path(dir, name);

	assert_int_equal(rename(tmp, to), 0);
	free(tmp);
	free(to);
}

static void
test_changes(void **unused)
{
	char *dir = tu_tmpdir(), *pw;
	uid_t uid;
	FILE *f;

	(void)unused;
	free(tu_write(dir, "passwd", PW_TEXT, 0644));
	free(tu_write(dir, "nsswitch.conf", "passwd: files\n", 0644));
	assert_int_equal(find(dir, "alice", &uid), 1);
	/* an account removed */
	replace(dir, "passwd", "bob:x:1002:1002::/home/bob:/bin/sh\n");
	assert_int_equal(find(dir, "alice", &uid), 0);
	assert_int_equal(last_fresh, 1);
	assert_int_equal(find(dir, "bob", &uid), 1);
	assert_int_equal(last_fresh, 0);
	/* edited in place, the same size, within the same second */
	pw = tu_path(dir, "passwd");
	f = fopen(pw, "r+");
	assert_non_null(f);
	assert_int_equal(fputs("bob:x:1003:1003::/home/bob:/bin/sh\n", f) >= 0,
	    1);
	assert_int_equal(fclose(f), 0);
	free(pw);
	assert_int_equal(find(dir, "bob", &uid), 1);
	assert_int_equal(uid, 1003);
	/* nsswitch.conf changed: the map no longer applies */
	replace(dir, "nsswitch.conf", "passwd: ldap files\n");
	assert_int_equal(find(dir, "bob", &uid), -1);
	assert_int_equal(last_fresh, 0);	/* no map applies */
	replace(dir, "nsswitch.conf", "passwd: files ldap\n");
	assert_int_equal(find(dir, "bob", &uid), 1);
	tu_rmrf(dir);
	free(dir);
}

/* The map reads this machine's /etc/passwd as NSS does, line for line. */
static void
test_agrees_with_nss(void **unused)
{
	struct passwd *e, pwd, *pw;
	char out[256], buf[4096];
	int checked = 0, rv, fresh;
	uid_t uid;
	FILE *f;

	(void)unused;
	f = fopen("/etc/passwd", "r");
	assert_non_null(f);
	while ((e = fgetpwent(f)) != NULL) {
		char name[256];

		if (strlen(e->pw_name) >= sizeof(name))
			continue;
		strcpy(name, e->pw_name);
		rv = smsotp_account_files_find_at("/etc/passwd",
		    "/etc/nsswitch.conf", name, out, sizeof(out), &uid, &fresh);
		if (rv == -1)
			continue;	/* not files first here */
		pw = NULL;
		assert_int_equal(getpwnam_r(name, &pwd, buf, sizeof(buf), &pw),
		    0);
		if (name[0] == '+' || name[0] == '-') {
			assert_int_equal(rv, 0);
			continue;
		}
		assert_int_equal(rv, 1);
		assert_non_null(pw);
		assert_string_equal(out, pw->pw_name);
		assert_int_equal(uid, pw->pw_uid);
		checked++;
	}
	(void)fclose(f);
	print_message("%d accounts agree\n", checked);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsswitch),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_not_files_first),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_agrees_with_nss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
