/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_phone.c - unit tests for E.164 normalisation, masking and the users
 * file lookup.
 */
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
#include <time.h>
#include <unistd.h>

#include "phones/phone.h"
#include "testutil.h"

#define B "\xe2\x80\xa2"	/* U+2022 bullet */

struct ncase {
	const char *in;
	const char *cc;
	const char *want;	/* NULL: must be refused */
};

static const struct ncase good_cases[] = {
	{ "+447700900123", "", "+447700900123" },
	{ "+44 7700 900123", "", "+447700900123" },
	{ "+44 7700 900123", "1", "+447700900123" },
	{ "07700900123", "44", "+447700900123" },
	{ "07700 900 123", "44", "+447700900123" },
	{ "7700900123", "44", "+447700900123" },
	{ "0044 7700 900123", "", "+447700900123" },
	{ "0044-7700-900-123", "33", "+447700900123" },
	{ "+44 (0)7700 900123", "", "+447700900123" },
	{ "0044 (0)20 7946 0018", "", "+442079460018" },
	{ "(0)7700 900123", "44", "+447700900123" },
	{ "(020) 7946 0018", "44", "+442079460018" },
	{ "+1 (555) 123-4567", "", "+15551234567" },
	{ "555.123.4567", "1", "+15551234567" },
	{ "  +33 6 12 34 56 78  ", "", "+33612345678" },
	{ "+49\t30\t12345678", "", "+493012345678" },
	{ "06 12 34 56 78", "33", "+33612345678" },
	{ "+12345678", "", "+12345678" },		/* 8 digits: shortest */
	{ "+123456789012345", "", "+123456789012345" },	/* 15: longest */
	{ "0012345678", "", "+12345678" },
	{ "12345678", "358", "+35812345678" },
};

static const struct ncase bad_cases[] = {
	{ "", "44", NULL },
	{ "   ", "44", NULL },
	{ "+", "", NULL },
	{ "07700900123", "", NULL },		/* national, no default */
	{ "7700900123", "", NULL },
	{ "++447700900123", "", NULL },
	{ "+44+7700900123", "", NULL },
	{ "44+7700900123", "", NULL },
	{ "-+447700900123", "", NULL },
	{ "+44 7700 9OO123", "", NULL },	/* letter O */
	{ "call +447700900123", "", NULL },
	{ "+44 7700 900123 ext 5", "", NULL },
	{ "+44/7700900123", "", NULL },
	{ "+1234567", "", NULL },		/* 7 digits */
	{ "+1234567890123456", "", NULL },	/* 16 digits */
	{ "001234567", "", NULL },		/* 7 after 00 */
	{ "023456", "44", NULL },		/* +4423456: 7 digits */
	{ "+0447700900123", "", NULL },		/* country code 0 */
	{ "000447700900123", "", NULL },
	{ "0012345678901234567", "", NULL },
	{ "((0)7700) 900123", "44", NULL },
	{ "+44 (0)7700 (9)00123", "", NULL },
	{ "+44 )0( 7700900123", "", NULL },
	{ "+44 (0 7700900123", "", NULL },
	{ "+44 () 7700900123", "", NULL },
	{ "+(0)447700900123", "", NULL },	/* "(0)" before the country */
	{ "00(0)447700900123", "", NULL },
	{ "7700900123", "0", NULL },		/* bad default country */
	{ "7700900123", "4444", NULL },
	{ "7700900123", "4a", NULL },
	{ "+\xd9\xa4\xd9\xa4 7700900123", "", NULL },	/* Arabic-Indic 44 */
	{ "+447700900123\n", "", NULL },
	{ "+44 7700 900 123                                                     "
	  "   ", "", NULL },			/* > 64 chars */
};

static void
test_normalize_good(void **state)
{
	char out[SMSOTP_E164_SIZE];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		why = NULL;
		memset(out, 'x', sizeof(out));
		if (smsotp_phone_normalize(good_cases[i].in, good_cases[i].cc,
		    out, &why) != 0)
			fail_msg("case %zu \"%s\" refused: %s", i,
			    good_cases[i].in, why ? why : "(null)");
		if (strcmp(out, good_cases[i].want) != 0)
			fail_msg("case %zu \"%s\": got %s, want %s", i,
			    good_cases[i].in, out, good_cases[i].want);
	}
}

static void
test_normalize_bad(void **state)
{
	char out[SMSOTP_E164_SIZE];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		why = NULL;
		if (smsotp_phone_normalize(bad_cases[i].in, bad_cases[i].cc,
		    out, &why) != -1)
			fail_msg("case %zu \"%s\" (cc \"%s\") accepted as %s",
			    i, bad_cases[i].in, bad_cases[i].cc, out);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
		assert_string_equal(out, "");
	}
}

static void
test_normalize_reasons(void **state)
{
	char out[SMSOTP_E164_SIZE], in[80];
	const char *why = NULL;

	(void)state;
	assert_int_equal(smsotp_phone_normalize("07700900123", "", out, &why),
	    -1);
	assert_non_null(strstr(why, "default country"));
	assert_int_equal(smsotp_phone_normalize("++44770090012", "", out, &why),
	    -1);
	assert_non_null(strstr(why, "more than one '+'"));
	assert_int_equal(smsotp_phone_normalize("+44abc", "", out, &why), -1);
	assert_non_null(strstr(why, "invalid character"));
	/* exactly 64 characters is still accepted, 65 is not */
	memset(in, ' ', sizeof(in));
	memcpy(in, "+44 7700 900123", 15);
	in[64] = '\0';
	assert_int_equal(smsotp_phone_normalize(in, "", out, &why), 0);
	assert_string_equal(out, "+447700900123");
	in[64] = ' ';
	in[65] = '\0';
	assert_int_equal(smsotp_phone_normalize(in, "", out, &why), -1);
	assert_non_null(strstr(why, "too long"));
	/* NULL default country behaves as "" */
	assert_int_equal(smsotp_phone_normalize("+447700900123", NULL, out,
	    &why), 0);
	assert_int_equal(smsotp_phone_normalize("07700900123", NULL, out,
	    &why), -1);
}

static void
test_mask(void **state)
{
	char out[SMSOTP_MASKED_SIZE];

	(void)state;
	smsotp_phone_mask("+12345678", out, sizeof(out));
	assert_string_equal(out, "+12" B B B B "78");
	smsotp_phone_mask("+1555123456", out, sizeof(out));
	assert_string_equal(out, "+15" B B B B B "456");
	smsotp_phone_mask("+447700900123", out, sizeof(out));
	assert_string_equal(out, "+44" B B B B B B B "123");
	smsotp_phone_mask("+123456789012345", out, sizeof(out));
	assert_string_equal(out, "+12" B B B B B B B B B B "345");
	/* malformed input is never echoed */
	smsotp_phone_mask("alice", out, sizeof(out));
	assert_null(strstr(out, "alice"));
	smsotp_phone_mask("+4477009001234567", out, sizeof(out));
	assert_null(strstr(out, "4567"));
	smsotp_phone_mask(NULL, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	/* too small a buffer: empty, never overflowing */
	memset(out, 'x', sizeof(out));
	smsotp_phone_mask("+447700900123", out, 10);
	assert_string_equal(out, "");
	assert_int_equal(out[10], 'x');
}

/* --- users file ------------------------------------------------------- */

struct fx {
	char *dir;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = tu_tmpdir();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static const char users[] =
    "# users file\n"
    "\n"
    "   \n"
    "alice +44 7700 900123\n"
    "bob\t\t07700900456  \n"
    "#carol +447700900789\n"
    "  dave   0044 7700 900999\r\n"
    "alice +33612345678\n"
    "alicex +33612345679\n"
    "erin not-a-number\n"
    "frank\n"
    "gina +33 6 11 22 33 44";	/* no final newline */

static int
lookup(const char *path, const char *user, char *out, char *why, size_t whysz)
{
	return smsotp_phone_lookup_file(path, geteuid(), user, "44", out, why,
	    whysz, NULL);
}

static void
test_lookup_found(void **state)
{
	struct fx *f = *state;
	char *p = tu_write(f->dir, "users", users, 0600);
	char out[SMSOTP_E164_SIZE], why[256];

	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700900123");	/* first match wins */
	assert_int_equal(lookup(p, "bob", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700900456");
	assert_int_equal(lookup(p, "dave", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700900999");
	assert_int_equal(lookup(p, "alicex", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+33612345679");
	assert_int_equal(lookup(p, "gina", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+33611223344");
	/* mode 0644 (readable by all, writable by owner only) is fine */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(lookup(p, "bob", out, why, sizeof(why)), 1);
	free(p);
}

static void
test_lookup_not_found(void **state)
{
	struct fx *f = *state;
	char *p = tu_write(f->dir, "users", users, 0600);
	char out[SMSOTP_E164_SIZE], why[256];

	/* commented out, prefix of a user, case differs, empty */
	assert_int_equal(lookup(p, "carol", out, why, sizeof(why)), 0);
	assert_string_equal(out, "");
	assert_int_equal(lookup(p, "#carol", out, why, sizeof(why)), 0);
	assert_int_equal(lookup(p, "ali", out, why, sizeof(why)), 0);
	assert_int_equal(lookup(p, "Alice", out, why, sizeof(why)), 0);
	assert_int_equal(lookup(p, "", out, why, sizeof(why)), 0);
	assert_int_equal(lookup(p, "+44", out, why, sizeof(why)), 0);
	free(p);
	p = tu_write(f->dir, "empty", "", 0600);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 0);
	free(p);
}

static void
test_lookup_bad_number(void **state)
{
	static const char nul_file[] = "x +33612345678\nbob +4477\0" "009\n";
	struct fx *f = *state;
	char *p = tu_write(f->dir, "users", users, 0600);
	char out[SMSOTP_E164_SIZE], why[256], want[300];

	assert_int_equal(lookup(p, "erin", out, why, sizeof(why)), -1);
	assert_string_equal(out, "");
	assert_int_equal(snprintf(want, sizeof(want), "%s:10:", p) > 0, 1);
	assert_non_null(strstr(why, want));
	assert_int_equal(lookup(p, "frank", out, why, sizeof(why)), -1);
	assert_int_equal(snprintf(want, sizeof(want), "%s:11:", p) > 0, 1);
	assert_non_null(strstr(why, want));
	/* a NUL byte in the user's line */
	free(p);
	p = tu_write_bin(f->dir, "nul", nul_file, sizeof(nul_file) - 1, 0600);
	assert_int_equal(lookup(p, "x", out, why, sizeof(why)), 1);
	assert_int_equal(lookup(p, "bob", out, why, sizeof(why)), -1);
	assert_int_equal(snprintf(want, sizeof(want), "%s:2: NUL", p) > 0, 1);
	assert_non_null(strstr(why, want));
	free(p);
	p = tu_write(f->dir, "users", users, 0600);
	/* a national number with no default country */
	assert_int_equal(smsotp_phone_lookup_file(p, geteuid(), "bob", "",
	    out, why, sizeof(why), NULL), -1);
	assert_int_equal(snprintf(want, sizeof(want), "%s:5:", p) > 0, 1);
	assert_non_null(strstr(why, want));
	free(p);
}

static void
test_lookup_unsafe(void **state)
{
	struct fx *f = *state;
	char *p = tu_write(f->dir, "users", users, 0600);
	char *l = tu_path(f->dir, "link");
	char out[SMSOTP_E164_SIZE], why[256];

	assert_int_equal(chmod(p, 0602), 0);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable"));
	assert_string_equal(out, "");
	assert_int_equal(chmod(p, 0620), 0);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable"));
	assert_int_equal(chmod(p, 0600), 0);

	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(lookup(l, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "symbolic link"));

	assert_int_equal(smsotp_phone_lookup_file(p, geteuid() + 1, "alice",
	    "44", out, why, sizeof(why), NULL), -1);
	assert_non_null(strstr(why, "owned by"));

	assert_int_equal(lookup(f->dir, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	free(l);
	l = tu_path(f->dir, "missing");
	assert_int_equal(lookup(l, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, l));
	/* and the safe file itself still works */
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 1);
	free(l);
	free(p);
}

static void
test_lookup_long_line(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256], want[300];
	char *buf = malloc(4096), *p;
	size_t n;

	assert_non_null(buf);
	/* line 3 is 1025 bytes; alice on line 4 is never reached */
	n = (size_t)snprintf(buf, 4096, "# x\nbob +447700900456\n");
	memset(buf + n, 'y', 1025);
	n += 1025;
	n += (size_t)snprintf(buf + n, 4096 - n, "\nalice +447700900123\n");
	p = tu_write_bin(f->dir, "users", buf, n, 0600);
	assert_int_equal(lookup(p, "bob", out, why, sizeof(why)), 1);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), -1);
	assert_int_equal(snprintf(want, sizeof(want), "%s:3:", p) > 0, 1);
	assert_non_null(strstr(why, want));
	assert_non_null(strstr(why, "longer than"));
	free(p);

	/* exactly 1024 bytes is fine, also with no final newline */
	memcpy(buf, "alice +447700900123 ", 20);
	memset(buf + 20, ' ', 1004);
	p = tu_write_bin(f->dir, "users", buf, 1024, 0600);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700900123");
	free(p);
	/* and 1025 with no final newline is not */
	buf[1024] = ' ';
	p = tu_write_bin(f->dir, "users", buf, 1025, 0600);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, ":1:"));
	free(p);
	free(buf);
}

/* Short comment lines filling buf[0..upto); returns their number. */
static unsigned long
fill_comments(char *buf, size_t upto)
{
	size_t n = 0, len;
	unsigned long lines = 0;

	while (n < upto) {
		len = upto - n > 200 ? 100 : upto - n;	/* last <= 200 */
		memset(buf + n, '#', len - 1);
		buf[n + len - 1] = '\n';
		n += len;
		lines++;
	}
	return lines;
}

/* Lines that straddle the 64 KiB read boundary are reassembled. */
static void
test_lookup_chunk_boundary(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256], want[300];
	size_t cap = 200000, n, start;
	unsigned long lines;
	char *buf = malloc(cap), *p;

	assert_non_null(buf);
	for (start = 65536 - 21; start <= 65536; start += 7) {
		fill_comments(buf, start);
		n = start;
		n += (size_t)snprintf(buf + n, cap - n,
		    "alice +44 7700 900123\n");
		p = tu_write_bin(f->dir, "users", buf, n, 0600);
		assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 1);
		assert_string_equal(out, "+447700900123");
		free(p);
	}
	/* a 1025-byte line split by the boundary is still refused */
	lines = fill_comments(buf, 65000);
	memset(buf + 65000, 'z', 1025);
	n = 65000 + 1025;
	n += (size_t)snprintf(buf + n, cap - n, "\nalice +447700900123\n");
	p = tu_write_bin(f->dir, "users", buf, n, 0600);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), -1);
	assert_true(snprintf(want, sizeof(want), "%s:%lu: line longer than 1024 bytes",
	    p, lines + 1) > 0);
	assert_string_equal(why, want);
	free(p);
	/* ... and 1024 bytes split there is accepted */
	memcpy(buf + 65000, "alice +447700900123", 19);
	memset(buf + 65019, ' ', 1005);
	buf[65000 + 1024] = '\n';
	p = tu_write_bin(f->dir, "users", buf, 65000 + 1025, 0600);
	assert_int_equal(lookup(p, "alice", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700900123");
	free(p);
	free(buf);
}

/* 100,000 users; lines straddle the 64 KiB read boundaries. */
static void
test_lookup_100k(void **state)
{
	struct fx *f = *state;
	char out[SMSOTP_E164_SIZE], why[256];
	size_t cap = 100000 * 40, n = 0;
	char *buf = malloc(cap), *p;
	struct timespec t0, t1;
	double secs;
	int i;

	assert_non_null(buf);
	for (i = 0; i < 100000; i++) {
		int k = snprintf(buf + n, cap - n, "user%06d +4477009%05d\n",
		    i, i % 100000);
		assert_true(k > 0 && (size_t)k < cap - n);
		n += (size_t)k;
	}
	p = tu_write_bin(f->dir, "users", buf, n, 0600);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lookup(p, "user099999", out, why, sizeof(why)), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(out, "+447700999999");
	assert_int_equal(lookup(p, "user050000", out, why, sizeof(why)), 1);
	assert_string_equal(out, "+447700950000");
	assert_int_equal(lookup(p, "user100000", out, why, sizeof(why)), 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* generous: a few ms expected, even under valgrind/sanitizers */
	if (getenv("SMSOTP_TEST_VERBOSE") != NULL)
		print_message("100k-line lookup: %.4f s\n", secs);
	if (secs > 2.0)
		fail_msg("100k-line lookup took %.3f s", secs);
	free(p);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_good),
		cmocka_unit_test(test_normalize_bad),
		cmocka_unit_test(test_normalize_reasons),
		cmocka_unit_test(test_mask),
		cmocka_unit_test_setup_teardown(test_lookup_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_bad_number, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_unsafe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_chunk_boundary,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_100k, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
