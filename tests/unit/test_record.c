/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_record.c - unit tests of the record envelope and its writer
 * (helper/base/record.h): what every codec of the store seals and opens.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "base/record.h"

/* A sealed record of body (a NUL-terminated string) into out. */
static size_t
sealed(const char *body, char *out, size_t cap)
{
	struct smsotp_recw w;
	size_t len = 0;

	smsotp_recw_init(&w, out, cap);
	smsotp_recw_str(&w, body);
	assert_int_equal(smsotp_record_seal(&w, cap, &len), 0);
	return len;
}

static void
test_seal_open_roundtrip(void **unused)
{
	unsigned char sum[SMSOTP_RECORD_SUM_LEN];
	char buf[256], hex[2 * SMSOTP_RECORD_SUM_LEN + 1], want[256];
	const char *why = NULL;
	size_t len, body = 99;

	(void)unused;
	len = sealed("kind 1\nvalue 42\n", buf, sizeof(buf));
	/* the end line is BLAKE2b-128 of the bytes before it, in hex */
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)"kind 1\n"
	    "value 42\n", 16, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	snprintf(want, sizeof(want), "kind 1\nvalue 42\nend %s\n", hex);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(smsotp_record_open(buf, len, &body, &why), 0);
	assert_int_equal(body, 16);
	/* an empty body is a record too */
	len = sealed("", buf, sizeof(buf));
	assert_int_equal(len, SMSOTP_RECORD_END_LEN);
	assert_int_equal(smsotp_record_open(buf, len, &body, &why), 0);
	assert_int_equal(body, 0);
}

static void
test_open_refuses(void **unused)
{
	char buf[256], bad[256];
	const char *why;
	size_t len, body, i;

	(void)unused;
	len = sealed("a 1\nb 2\n", buf, sizeof(buf));
	/* every single flipped byte is caught */
	for (i = 0; i < len; i++) {
		memcpy(bad, buf, len);
		bad[i] ^= 0x01;
		why = NULL;
		body = 7;
		assert_int_equal(smsotp_record_open(bad, len, &body, &why), -1);
		assert_non_null(why);
		assert_int_equal(body, 0);
	}
	/* every truncation, and a byte more */
	for (i = 0; i < len; i++)
		assert_int_equal(smsotp_record_open(buf, i, &body, &why), -1);
	memcpy(bad, buf, len);
	bad[len] = '\n';
	assert_int_equal(smsotp_record_open(bad, len + 1, &body, &why), -1);
	/* a body byte changed: the sum, not the form, is wrong */
	memcpy(bad, buf, len);
	bad[2] = '9';
	assert_int_equal(smsotp_record_open(bad, len, &body, &why), -1);
	assert_string_equal(why, "checksum mismatch");
	/* upper-case hex is not the canonical spelling */
	memcpy(bad, buf, len);
	for (i = len - 33; i < len - 1; i++)
		if (bad[i] >= 'a' && bad[i] <= 'f')
			bad[i] = (char)(bad[i] - 'a' + 'A');
	if (memcmp(bad, buf, len) != 0) {
		assert_int_equal(smsotp_record_open(bad, len, &body, &why), -1);
		assert_string_equal(why, "missing or malformed end line");
	}
	/* the end line must start a line */
	len = sealed("x", buf, sizeof(buf));
	assert_int_equal(smsotp_record_open(buf, len, &body, &why), -1);
}

static void
test_writer_bounds(void **unused)
{
	struct smsotp_recw w;
	char buf[SMSOTP_RECORD_END_LEN + 8];
	unsigned char bin[40];
	size_t len = 5;
	int i;

	(void)unused;
	/* exactly room for "abcdefg" + end line + NUL */
	smsotp_recw_init(&w, buf, sizeof(buf));
	smsotp_recw_str(&w, "abcdef\n");
	assert_int_equal(smsotp_record_seal(&w, sizeof(buf), &len), 0);
	assert_int_equal(len, 7 + SMSOTP_RECORD_END_LEN);
	assert_int_equal(buf[len], '\0');
	/* one byte more does not fit: -1, "" and length 0 */
	smsotp_recw_init(&w, buf, sizeof(buf));
	smsotp_recw_str(&w, "abcdefg\n");
	assert_int_equal(smsotp_record_seal(&w, sizeof(buf), &len), -1);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	/* over the record's own maximum */
	smsotp_recw_init(&w, buf, sizeof(buf));
	smsotp_recw_str(&w, "ab\n");
	assert_int_equal(smsotp_record_seal(&w, SMSOTP_RECORD_END_LEN, &len),
	    -1);
	/* a value the codec refused */
	smsotp_recw_init(&w, buf, sizeof(buf));
	smsotp_recw_fail(&w);
	smsotp_recw_str(&w, "ok\n");
	assert_int_equal(smsotp_record_seal(&w, sizeof(buf), &len), -1);
	/* numbers are canonical, hex is lower case of any length */
	{
		char big[256];

		smsotp_recw_init(&w, big, sizeof(big));
		smsotp_recw_num(&w, 0);
		smsotp_recw_snum(&w, 18446744073709551615ULL);
		smsotp_recw_str(&w, " ");
		for (i = 0; i < (int)sizeof(bin); i++)
			bin[i] = (unsigned char)(0xa0 + i);
		smsotp_recw_hex(&w, bin, sizeof(bin));
		assert_int_equal(w.full, 0);
		big[w.len] = '\0';
		assert_string_equal(big, "0 18446744073709551615 "
		    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbc"
		    "bdbebfc0c1c2c3c4c5c6c7");
	}
	/* a zero-sized buffer never takes a byte */
	smsotp_recw_init(&w, buf, 0);
	smsotp_recw_str(&w, "a");
	assert_int_equal(w.full, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open_roundtrip),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_writer_bounds),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
