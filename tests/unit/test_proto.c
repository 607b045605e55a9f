/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_proto.c - unit tests for the helper wire protocol codec.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

/*
 * Parse buf; expect failure with a reason containing want (NULL: any);
 * msg must be left empty.
 */
static void
expect_reject(const char *buf, size_t len, const char *want,
    const char *label)
{
	struct smsotp_msg msg;
	const char *why = NULL;

	memset(&msg, 0x5a, sizeof(msg));
	if (smsotp_msg_parse(buf, len, &msg, &why) != -1)
		fail_msg("accepted: %s", label);
	if (why == NULL || why[0] == '\0')
		fail_msg("no reason for: %s", label);
	if (want != NULL && strstr(why, want) == NULL)
		fail_msg("%s: reason \"%s\", want \"%s\"", label, why, want);
	assert_int_equal(msg.nfields, 0);
	smsotp_msg_free(&msg);
}

#define REJECT(s, want) expect_reject((s), sizeof(s) - 1, (want), #s)

static void
test_roundtrip_all_bytes(void **state)
{
	char value[256], buf[SMSOTP_PROTO_MAX_MSG];
	struct smsotp_msg msg;
	const char *why = NULL;
	size_t used = 0, i;

	(void)state;
	for (i = 0; i < 255; i++)
		value[i] = (char)(i + 1);
	value[255] = '\0';
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "op",
	    "verify"), 0);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "all",
	    value), 0);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "empty", ""),
	    0);
	assert_int_equal(smsotp_msg_addn(buf, sizeof(buf), &used, "part",
	    "abc%def", 4), 0);
	assert_int_equal(strlen(buf), used);
	/* the wire form holds only the safe alphabet, '=', '%' and '\n' */
	for (i = 0; i < used; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._~+-=%\n", c) != NULL))
			fail_msg("byte 0x%02x on the wire at %zu", c, i);
	}
	assert_non_null(strstr(buf, "op=verify\n"));
	assert_non_null(strstr(buf, "empty=\n"));
	assert_non_null(strstr(buf, "part=abc%25\n"));

	assert_int_equal(smsotp_msg_parse(buf, used, &msg, &why), 0);
	assert_int_equal(msg.nfields, 4);
	assert_string_equal(msg.f[0].key, "op");
	assert_string_equal(smsotp_msg_get(&msg, "op"), "verify");
	assert_int_equal(msg.f[1].len, 255);
	assert_memory_equal(smsotp_msg_get(&msg, "all"), value, 256);
	assert_string_equal(smsotp_msg_get(&msg, "empty"), "");
	assert_int_equal(msg.f[2].len, 0);
	assert_string_equal(smsotp_msg_get(&msg, "part"), "abc%");
	assert_null(smsotp_msg_get(&msg, "missing"));
	assert_null(smsotp_msg_get(&msg, "o"));
	smsotp_msg_free(&msg);
	assert_int_equal(msg.nfields, 0);
}

static void
test_decode_forms(void **state)
{
	static const char in[] = "a=%41%62%2f%2F+~._-\n";
	struct smsotp_msg msg;
	const char *why = NULL;

	(void)state;
	/* escapes in either case; '+' is a plain '+' (not a space) */
	assert_int_equal(smsotp_msg_parse(in, sizeof(in) - 1, &msg, &why), 0);
	assert_string_equal(smsotp_msg_get(&msg, "a"), "Ab//+~._-");
	smsotp_msg_free(&msg);
}

static void
test_add_limits(void **state)
{
	char buf[SMSOTP_PROTO_MAX_MSG + 1], *big;
	char small[16];
	struct smsotp_msg msg;
	const char *why = NULL;
	size_t used = 0, before;

	(void)state;
	big = malloc(SMSOTP_PROTO_MAX_LINE + 1);
	assert_non_null(big);
	/* "v=" + 4093 + "\n" is exactly SMSOTP_PROTO_MAX_LINE bytes */
	memset(big, 'x', SMSOTP_PROTO_MAX_LINE - 3);
	big[SMSOTP_PROTO_MAX_LINE - 3] = '\0';
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "v", big), 0);
	assert_int_equal(used, SMSOTP_PROTO_MAX_LINE);
	assert_int_equal(smsotp_msg_parse(buf, used, &msg, &why), 0);
	assert_int_equal(msg.f[0].len, SMSOTP_PROTO_MAX_LINE - 3);
	smsotp_msg_free(&msg);
	/* one more byte, or one escaped byte, is too much */
	memset(big, 'x', SMSOTP_PROTO_MAX_LINE - 2);
	big[SMSOTP_PROTO_MAX_LINE - 2] = '\0';
	before = used;
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "w", big),
	    -1);
	big[SMSOTP_PROTO_MAX_LINE - 4] = ' ';
	big[SMSOTP_PROTO_MAX_LINE - 3] = '\0';
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "w", big),
	    -1);
	assert_int_equal(used, before);
	assert_int_equal(strlen(buf), before);
	free(big);

	/* the buffer cap, NUL included */
	used = 0;
	assert_int_equal(smsotp_msg_add(small, sizeof(small), &used, "k",
	    "0123456789ab"), 0);	/* 15 bytes + NUL = 16 */
	assert_string_equal(small, "k=0123456789ab\n");
	used = 0;
	small[0] = '\0';
	assert_int_equal(smsotp_msg_add(small, sizeof(small), &used, "k",
	    "0123456789abc"), -1);
	assert_int_equal(used, 0);
	assert_string_equal(small, "");
	used = 0;
	assert_int_equal(smsotp_msg_add(small, sizeof(small), &used, "k", "1"),
	    0);
	assert_int_equal(smsotp_msg_add(small, sizeof(small), &used, "k",
	    "0123456789"), -1);
	assert_string_equal(small, "k=1\n");

	/* bad keys and embedded NUL are refused by the builder */
	used = 0;
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "", "x"), -1);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "Op", "x"),
	    -1);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "a-b", "x"),
	    -1);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used, "a=b", "x"),
	    -1);
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used,
	    "abcdefghijklmnopqrstuvwxyz012345", "x"), -1);	/* 32 */
	assert_int_equal(smsotp_msg_add(buf, sizeof(buf), &used,
	    "abcdefghijklmnopqrstuvwxyz01234", "x"), 0);	/* 31 */
	used = 0;
	assert_int_equal(smsotp_msg_addn(buf, sizeof(buf), &used, "k",
	    "a\0b", 3), -1);
	assert_int_equal(used, 0);
}

static void
test_reject(void **state)
{
	char *big;
	size_t i, n;

	(void)state;
	expect_reject("", 0, "empty", "empty");
	/* no final newline */
	REJECT("op=begin", "final newline");
	REJECT("op=begin\nuser=alice", "final newline");
	REJECT("k=%G1\n", "bad escape");
	REJECT("k=%1G\n", "bad escape");
	REJECT("k=%4\n", "truncated escape");
	REJECT("k=%\n", "truncated escape");
	REJECT("k=ab%\n", "truncated escape");
	REJECT("k=%00\n", "NUL");
	REJECT("k=a%00b\n", "NUL");
	REJECT("k=a\0b\n", "NUL");			/* raw NUL */
	REJECT("k\0=ab\n", "NUL");
	REJECT("a=1\nb=2\na=3\n", "duplicate");		/* duplicate */
	REJECT("a=1\na=1\n", "duplicate");
	REJECT("Op=begin\n", "key");			/* upper-case key */
	REJECT("OP=begin\n", "key");
	REJECT("=begin\n", "key");			/* empty key */
	REJECT("op-x=begin\n", "key");
	REJECT("op x=begin\n", "key");
	/* 32-byte key */
	REJECT("abcdefghijklmnopqrstuvwxyz012345=1\n", "key");
	REJECT("k=a b\n", "unescaped");			/* unescaped space */
	REJECT("k=a=b\n", "unescaped");
	REJECT("k=a\r\n", "unescaped");
	REJECT("k=caf\xc3\xa9\n", "unescaped");
	REJECT("k=a\tb\n", "unescaped");
	REJECT("novalue\n", "=");			/* no '=' */
	REJECT("op=begin\n\n", "=");			/* empty line */
	REJECT("\n", "=");

	/* 16 fields are fine, 17 are not */
	big = malloc(SMSOTP_PROTO_MAX_MSG + 2);
	assert_non_null(big);
	for (i = 0, n = 0; i < 16; i++)
		n += (size_t)snprintf(big + n, 64, "k%zu=v\n", i);
	{
		struct smsotp_msg msg;
		const char *why;
		assert_int_equal(smsotp_msg_parse(big, n, &msg, &why), 0);
		assert_int_equal(msg.nfields, 16);
		smsotp_msg_free(&msg);
	}
	n += (size_t)snprintf(big + n, 64, "k16=v\n");
	expect_reject(big, n, "too many", "17 fields");

	/* a line of 4097 bytes ('\n' included) is refused, 4096 is not */
	memcpy(big, "k=", 2);
	memset(big + 2, 'a', SMSOTP_PROTO_MAX_LINE - 2);
	big[SMSOTP_PROTO_MAX_LINE] = '\n';
	expect_reject(big, SMSOTP_PROTO_MAX_LINE + 1, "too long",
	    "4097-byte line");
	big[SMSOTP_PROTO_MAX_LINE - 1] = '\n';
	{
		struct smsotp_msg msg;
		const char *why;
		assert_int_equal(smsotp_msg_parse(big, SMSOTP_PROTO_MAX_LINE,
		    &msg, &why), 0);
		smsotp_msg_free(&msg);
	}
	/* a whole message over SMSOTP_PROTO_MAX_MSG */
	memset(big, '\n', SMSOTP_PROTO_MAX_MSG + 1);
	expect_reject(big, SMSOTP_PROTO_MAX_MSG + 1, "too long",
	    "oversized message");
	free(big);
}

static void
test_check_keys(void **state)
{
	static const char *const allowed[] = { "op", "user", "challenge",
	    NULL };
	static const char *const none[] = { NULL };
	static const char ok[] = "op=verify\nuser=alice\n";
	static const char extra[] = "op=verify\nuser=alice\ncode=1\n";
	struct smsotp_msg msg;
	const char *why, *bad = NULL;

	(void)state;
	assert_int_equal(smsotp_msg_parse(ok, sizeof(ok) - 1, &msg, &why), 0);
	assert_int_equal(smsotp_msg_check_keys(&msg, allowed, &bad), 0);
	assert_int_equal(smsotp_msg_check_keys(&msg, none, &bad), -1);
	assert_string_equal(bad, "op");
	smsotp_msg_free(&msg);
	assert_int_equal(smsotp_msg_parse(extra, sizeof(extra) - 1, &msg,
	    &why), 0);
	bad = NULL;
	assert_int_equal(smsotp_msg_check_keys(&msg, allowed, &bad), -1);
	assert_non_null(bad);
	assert_string_equal(bad, "code");
	smsotp_msg_free(&msg);
}

static void
test_status_names(void **state)
{
	static const char *const want[] = { "OK", "SENT", "SKIP", "BAD_CODE",
	    "EXPIRED", "LOCKED", "RATE_LIMITED", "NO_PHONE", "GATEWAY_DOWN",
	    "ERROR" };
	int i;

	(void)state;
	assert_int_equal(SMSOTP_STATUS_MAX, 9);
	for (i = 0; i <= 9; i++) {
		assert_non_null(smsotp_status_name(i));
		assert_string_equal(smsotp_status_name(i), want[i]);
		assert_int_equal(smsotp_status_from_name(want[i]), i);
	}
	assert_null(smsotp_status_name(-1));
	assert_null(smsotp_status_name(10));
	assert_null(smsotp_status_name(INT_MAX));
	assert_null(smsotp_status_name(INT_MIN));
	assert_int_equal(smsotp_status_from_name(NULL), -1);
	assert_int_equal(smsotp_status_from_name(""), -1);
	assert_int_equal(smsotp_status_from_name("ok"), -1);
	assert_int_equal(smsotp_status_from_name("OK "), -1);
	assert_int_equal(smsotp_status_from_name("OKAY"), -1);
	assert_int_equal(smsotp_status_from_name("0"), -1);
	assert_int_equal(smsotp_status_from_name("BAD"), -1);
}

static void
test_parse_long(void **state)
{
	char s[64];
	long v = -42;

	(void)state;
	assert_int_equal(smsotp_parse_long("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(smsotp_parse_long("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(smsotp_parse_long("5", 5, 5, &v), 0);
	assert_int_equal(v, 5);
	v = -42;
	assert_int_equal(smsotp_parse_long("11", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("4", 5, 10, &v), -1);
	assert_int_equal(v, -42);	/* untouched on failure */
	/* signs */
	assert_int_equal(smsotp_parse_long("-1", -10, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("+1", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("-0", 0, 10, &v), -1);
	/* junk and white space */
	assert_int_equal(smsotp_parse_long("", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long(" 1", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("1 ", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("1\n", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("1x", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("0x1", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("1.0", 0, 10, &v), -1);
	assert_int_equal(smsotp_parse_long("1e1", 0, 100, &v), -1);
	assert_int_equal(smsotp_parse_long("x", 0, 10, &v), -1);
	assert_int_equal(v, -42);
	/* the whole range of long, and overflow */
	assert_int_equal(snprintf(s, sizeof(s), "%ld", LONG_MAX) > 0, 1);
	assert_int_equal(smsotp_parse_long(s, 0, LONG_MAX, &v), 0);
	assert_true(v == LONG_MAX);
	assert_int_equal(smsotp_parse_long(s, 0, LONG_MAX - 1, &v), -1);
	assert_int_equal(smsotp_parse_long("99999999999999999999999", 0,
	    LONG_MAX, &v), -1);
	assert_true(v == LONG_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_bytes),
		cmocka_unit_test(test_decode_forms),
		cmocka_unit_test(test_add_limits),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_parse_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
