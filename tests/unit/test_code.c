/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_code.c - unit tests for key loading, code and challenge generation
 * and the constant-time code check.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/code.h"
#include "testutil.h"

#define CH1 "0123456789abcdef0123456789abcdef"
#define CH2 "fedcba9876543210fedcba9876543210"

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

static void
test_key_good(void **state)
{
	struct fx *f = *state;
	unsigned char raw[SMSOTP_KEY_LEN], key[SMSOTP_KEY_LEN];
	char why[256] = "";
	char *p;
	size_t i;

	/* NUL bytes and every other value are fine in a raw key */
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 8);
	p = tu_write_bin(f->dir, "key", raw, sizeof(raw), 0600);
	memset(key, 0xee, sizeof(key));
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    0);
	assert_memory_equal(key, raw, sizeof(raw));
	/* root:smsotp 0640 is the documented install mode */
	assert_int_equal(chmod(p, 0640), 0);
	memset(key, 0xee, sizeof(key));
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    0);
	assert_memory_equal(key, raw, sizeof(raw));
	free(p);
}

static void
test_key_bad_length(void **state)
{
	struct fx *f = *state;
	unsigned char raw[SMSOTP_KEY_LEN * 4], key[SMSOTP_KEY_LEN];
	static const size_t lens[] = { 0, 1, 31, 33, 64, 128 };
	char why[256];
	char *p;
	size_t i;

	memset(raw, 'k', sizeof(raw));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		p = tu_write_bin(f->dir, "key", raw, lens[i], 0600);
		why[0] = '\0';
		assert_int_equal(smsotp_key_load(p, geteuid(), key, why,
		    sizeof(why)), -1);
		assert_non_null(strstr(why, "must be 32 bytes"));
		assert_non_null(strstr(why, p));
		free(p);
	}
}

static void
test_key_unsafe(void **state)
{
	struct fx *f = *state;
	unsigned char raw[SMSOTP_KEY_LEN], key[SMSOTP_KEY_LEN];
	char why[256];
	char *p, *l;

	memset(raw, 7, sizeof(raw));
	p = tu_write_bin(f->dir, "key", raw, sizeof(raw), 0644);
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "readable by others"));
	assert_int_equal(chmod(p, 0604), 0);
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    -1);
	assert_int_equal(chmod(p, 0660), 0);
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "writable"));
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(smsotp_key_load(p, geteuid() + 1, key, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "owned by"));

	l = tu_path(f->dir, "link");
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(smsotp_key_load(l, geteuid(), key, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "symbolic link"));
	free(l);
	l = tu_path(f->dir, "missing");
	assert_int_equal(smsotp_key_load(l, geteuid(), key, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, l));
	assert_int_equal(smsotp_key_load(f->dir, geteuid(), key, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	/* the file itself is loadable: the refusals above were the checks */
	assert_int_equal(smsotp_key_load(p, geteuid(), key, why, sizeof(why)),
	    0);
	free(l);
	free(p);
}

static void
test_generate_lengths(void **state)
{
	char out[SMSOTP_CODE_MAX + 2];
	int len, i, k;

	(void)state;
	for (len = SMSOTP_CODE_MIN; len <= SMSOTP_CODE_MAX; len++) {
		for (k = 0; k < 100; k++) {
			memset(out, 'x', sizeof(out));
			smsotp_code_generate(len, out);
			assert_int_equal(strlen(out), (size_t)len);
			for (i = 0; i < len; i++)
				assert_true(out[i] >= '0' && out[i] <= '9');
			assert_int_equal(out[len + 1], 'x');
		}
	}
	/* out of range: an empty code, never a short or long one */
	smsotp_code_generate(SMSOTP_CODE_MIN - 1, out);
	assert_string_equal(out, "");
	smsotp_code_generate(SMSOTP_CODE_MAX + 1, out);
	assert_string_equal(out, "");
}

/* 100,000 digits: each digit 9%..11%, chi-square (9 dof) under 60. */
static void
test_generate_distribution(void **state)
{
	char out[SMSOTP_CODE_MAX + 1];
	long count[10] = { 0 };
	long first[10] = { 0 };
	double chi = 0, expect = 10000.0;
	int i, k;

	(void)state;
	for (k = 0; k < 10000; k++) {
		smsotp_code_generate(10, out);
		for (i = 0; i < 10; i++)
			count[out[i] - '0']++;
		first[out[0] - '0']++;
	}
	for (i = 0; i < 10; i++) {
		double d = (double)count[i] - expect;
		if (count[i] < 9000 || count[i] > 11000)
			fail_msg("digit %d seen %ld times in 100000", i,
			    count[i]);
		/* the first position alone is uniform too (1000 +- 20%) */
		if (first[i] < 800 || first[i] > 1200)
			fail_msg("digit %d first %ld times in 10000", i,
			    first[i]);
		chi += d * d / expect;
	}
	if (chi > 60.0)
		fail_msg("chi-square %.1f", chi);
}

static void
test_challenge(void **state)
{
	enum { N = 2000 };
	char (*ids)[SMSOTP_CHALLENGE_HEXLEN + 1] = calloc(N, sizeof(*ids));
	int i, j;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < N; i++) {
		smsotp_challenge_new(ids[i]);
		assert_int_equal(strlen(ids[i]), SMSOTP_CHALLENGE_HEXLEN);
		assert_int_equal(strspn(ids[i], "0123456789abcdef"),
		    SMSOTP_CHALLENGE_HEXLEN);
		assert_true(smsotp_challenge_ok(ids[i]));
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				fail_msg("challenge id repeated: %d and %d", i,
				    j);
	free(ids);

	assert_true(smsotp_challenge_ok(CH1));
	assert_false(smsotp_challenge_ok(NULL));
	assert_false(smsotp_challenge_ok(""));
	assert_false(smsotp_challenge_ok("0123456789ABCDEF0123456789abcdef"));
	assert_false(smsotp_challenge_ok("0123456789abcdef0123456789abcde"));
	assert_false(smsotp_challenge_ok("0123456789abcdef0123456789abcdef0"));
	assert_false(smsotp_challenge_ok("0123456789abcdef0123456789abcdeg"));
	assert_false(smsotp_challenge_ok("0123456789abcdef 123456789abcdef"));
	assert_false(smsotp_challenge_ok("../../../../../../../../etc/pass"));
}

static void
test_hash(void **state)
{
	unsigned char key[SMSOTP_KEY_LEN], key2[SMSOTP_KEY_LEN];
	unsigned char h[SMSOTP_HASH_LEN], h2[SMSOTP_HASH_LEN];
	unsigned char ref[crypto_auth_hmacsha256_BYTES];
	static const char msg[] = CH1 ":123456";

	(void)state;
	randombytes_buf(key, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[0] ^= 1;
	/* HMAC-SHA-256(key, challenge || ":" || code), as documented */
	crypto_auth_hmacsha256(ref, (const unsigned char *)msg,
	    sizeof(msg) - 1, key);
	smsotp_code_hash(key, CH1, "123456", 6, h);
	assert_memory_equal(h, ref, sizeof(ref));
	/* codelen, not strlen, decides what is hashed */
	smsotp_code_hash(key, CH1, "1234567", 6, h2);
	assert_memory_equal(h2, ref, sizeof(ref));
	smsotp_code_hash(key, CH1, "1234567", 7, h2);
	assert_memory_not_equal(h2, h, sizeof(h));
	smsotp_code_hash(key, CH2, "123456", 6, h2);
	assert_memory_not_equal(h2, h, sizeof(h));
	smsotp_code_hash(key2, CH1, "123456", 6, h2);
	assert_memory_not_equal(h2, h, sizeof(h));
}

/* stored = hash of exactly these bytes; check(typed) must be 0. */
static void
expect_no_match(const unsigned char *key, const char *bytes, size_t n,
    int length)
{
	unsigned char stored[SMSOTP_HASH_LEN];

	smsotp_code_hash(key, CH1, bytes, n, stored);
	if (smsotp_code_check(key, CH1, bytes, n, length, stored) != 0)
		fail_msg("a %zu-byte answer matched with length %d", n,
		    length);
}

static void
test_check(void **state)
{
	unsigned char key[SMSOTP_KEY_LEN], key2[SMSOTP_KEY_LEN];
	unsigned char stored[SMSOTP_HASH_LEN];
	char code[SMSOTP_CODE_MAX + 1];
	size_t big = 1024 * 1024;
	char *mib;
	int len;

	(void)state;
	randombytes_buf(key, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 0x80;

	for (len = SMSOTP_CODE_MIN; len <= SMSOTP_CODE_MAX; len++) {
		smsotp_code_generate(len, code);
		smsotp_code_hash(key, CH1, code, (size_t)len, stored);
		assert_int_equal(smsotp_code_check(key, CH1, code,
		    (size_t)len, len, stored), 1);
		/* the same code for another challenge, key or length */
		assert_int_equal(smsotp_code_check(key, CH2, code,
		    (size_t)len, len, stored), 0);
		assert_int_equal(smsotp_code_check(key2, CH1, code,
		    (size_t)len, len, stored), 0);
		if (len < SMSOTP_CODE_MAX)
			assert_int_equal(smsotp_code_check(key, CH1, code,
			    (size_t)len, len + 1, stored), 0);
		/* one digit off */
		code[len - 1] = (char)('0' + (code[len - 1] - '0' + 1) % 10);
		assert_int_equal(smsotp_code_check(key, CH1, code,
		    (size_t)len, len, stored), 0);
	}

	/* Each of these has the matching hash stored and still fails. */
	expect_no_match(key, "12345", 5, 6);
	expect_no_match(key, "1234567", 7, 6);
	expect_no_match(key, "12a456", 6, 6);
	expect_no_match(key, "abcdef", 6, 6);
	expect_no_match(key, "12 456", 6, 6);
	expect_no_match(key, " 123456", 7, 6);
	expect_no_match(key, "123456\n", 7, 6);
	expect_no_match(key, "+12345", 6, 6);
	expect_no_match(key, "-12345", 6, 6);
	expect_no_match(key, "12345:", 6, 6);	/* ':' is '9' + 1 */
	expect_no_match(key, "/12345", 6, 6);	/* '/' is '0' - 1 */
	expect_no_match(key, "", 0, 6);
	expect_no_match(key, "123", 3, 3);		/* length below min */
	expect_no_match(key, "12345678901", 11, 11);	/* above max */
	/* Arabic-Indic digits one to six: 12 bytes, and 6 of them */
	expect_no_match(key, "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6",
	    12, 6);
	expect_no_match(key, "\xd9\xa1\xd9\xa2\xd9\xa3", 6, 6);
	/* full-width digits (U+FF11..) */
	expect_no_match(key, "\xef\xbc\x91\xef\xbc\x92", 6, 6);
	/* embedded NUL: typedlen counts it */
	expect_no_match(key, "123\0" "56", 6, 6);
	smsotp_code_hash(key, CH1, "123456", 6, stored);
	assert_int_equal(smsotp_code_check(key, CH1, "123456\0", 7, 6,
	    stored), 0);
	assert_int_equal(smsotp_code_check(key, CH1, "123456", 6, 6, stored),
	    1);
	assert_int_equal(smsotp_code_check(key, CH1, NULL, 0, 6, stored), 0);

	/* The dummy hashed for a malformed answer is never accepted. */
	smsotp_code_hash(key, CH1, "000000", 6, stored);
	assert_int_equal(smsotp_code_check(key, CH1, "abcdef", 6, 6, stored),
	    0);
	assert_int_equal(smsotp_code_check(key, CH1, "00000", 5, 6, stored),
	    0);
	smsotp_code_hash(key, CH1, "0000000000", 10, stored);
	assert_int_equal(smsotp_code_check(key, CH1, "000", 3, 3, stored), 0);
	/* a length out of range never matches, whatever is typed */
	smsotp_code_hash(key, CH1, "1234567890", 10, stored);
	assert_int_equal(smsotp_code_check(key, CH1, "1234567890", 10, 10,
	    stored), 1);
	assert_int_equal(smsotp_code_check(key, CH1, "1234567890", 10, 3,
	    stored), 0);
	assert_int_equal(smsotp_code_check(key, CH1, "1234567890", 10, 11,
	    stored), 0);
	assert_int_equal(smsotp_code_check(key, CH1, "1234567890", 10, 0,
	    stored), 0);
	assert_int_equal(smsotp_code_check(key, CH1, "1234567890", 10, -1,
	    stored), 0);

	/* 1 MiB of digits: matches neither its prefix nor itself */
	mib = malloc(big);
	assert_non_null(mib);
	memset(mib, '1', big);
	smsotp_code_hash(key, CH1, mib, 6, stored);
	assert_int_equal(smsotp_code_check(key, CH1, mib, 6, 6, stored), 1);
	assert_int_equal(smsotp_code_check(key, CH1, mib, big, 6, stored), 0);
	expect_no_match(key, mib, big, 6);
	free(mib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_good, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_bad_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_unsafe, setup,
		    teardown),
		cmocka_unit_test(test_generate_lengths),
		cmocka_unit_test(test_generate_distribution),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_check),
	};

	if (smsotp_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
