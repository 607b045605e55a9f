/* test_state.c - unit tests of the state file format and the locked state store. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "state.h"
#include "testutil.h"

#define ID1 "0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210"
#define H1  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define CH1 "challenge " ID1 " " H1 " 1700000000 1700000300 1700000030 1\n"
#define CH2 "challenge " ID2 " " H1 " 1700000000 1700000300 1700000030 0\n"
#define HEAD "smsotp-state 1\nuser alice\n"
#define NUMS "failures 2\nlockouts 1\nlocked_until 1700000000\n"
#define SENDS "sends 1700000000 1700000030\n"
#define VALID HEAD NUMS SENDS CH1

/* body followed by its correct "end" line (computed independently here). */
static char *
seal_n(const char *body, size_t n, size_t *outlen)
{
	unsigned char h[16];
	char hex[33];
	char *out = malloc(n + 38);

	assert_non_null(out);
	crypto_generichash(h, sizeof(h), (const unsigned char *)body, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	memcpy(out, body, n);
	memcpy(out + n, "end ", 4);
	memcpy(out + n + 4, hex, 32);
	out[n + 36] = '\n';
	out[n + 37] = '\0';
	*outlen = n + 37;
	return out;
}

static char *
seal(const char *body, size_t *outlen)
{
	return seal_n(body, strlen(body), outlen);
}

/* A state using every field at its maximum. */
static void
full_state(struct smsotp_state *st)
{
	char user[SMSOTP_USER_MAX + 1];
	int i, j;

	for (i = 0; i < SMSOTP_USER_MAX; i++)
		user[i] = (char)(1 + (i * 37) % 255);	/* every byte but NUL */
	user[SMSOTP_USER_MAX] = '\0';
	smsotp_state_init(st, user);
	st->failures = UINT32_MAX;
	st->lockouts = UINT32_MAX;
	st->locked_until = INT64_MAX;
	st->nsends = SMSOTP_MAX_SENDS;
	for (i = 0; i < SMSOTP_MAX_SENDS; i++)
		st->sends[i] = i == 0 ? 0 : INT64_MAX - (SMSOTP_MAX_SENDS - i);
	st->nchal = SMSOTP_MAX_CHALLENGES;
	for (i = 0; i < SMSOTP_MAX_CHALLENGES; i++) {
		struct smsotp_challenge *c = &st->chal[i];
		unsigned char idb[16];
		for (j = 0; j < 16; j++)
			idb[j] = (unsigned char)(i * 16 + j);
		smsotp_hex(idb, sizeof(idb), c->id);
		for (j = 0; j < SMSOTP_HASH_LEN; j++)
			c->hash[j] = (unsigned char)(255 - i - j);
		c->created = INT64_MAX;
		c->expires = INT64_MAX - 1;
		c->last_sent = i;
		c->attempts = 1000;
	}
}

static void
assert_state_equal(const struct smsotp_state *a, const struct smsotp_state *b)
{
	int i;

	assert_string_equal(a->user, b->user);
	assert_int_equal(a->failures, b->failures);
	assert_int_equal(a->lockouts, b->lockouts);
	assert_true(a->locked_until == b->locked_until);
	assert_int_equal(a->nsends, b->nsends);
	for (i = 0; i < a->nsends; i++)
		assert_true(a->sends[i] == b->sends[i]);
	assert_int_equal(a->nchal, b->nchal);
	for (i = 0; i < a->nchal; i++) {
		assert_string_equal(a->chal[i].id, b->chal[i].id);
		assert_memory_equal(a->chal[i].hash, b->chal[i].hash,
		    SMSOTP_HASH_LEN);
		assert_true(a->chal[i].created == b->chal[i].created);
		assert_true(a->chal[i].expires == b->chal[i].expires);
		assert_true(a->chal[i].last_sent == b->chal[i].last_sent);
		assert_int_equal(a->chal[i].attempts, b->chal[i].attempts);
	}
}

/* ---- format ------------------------------------------------------------ */

static void
test_roundtrip_full(void **unused)
{
	static struct smsotp_state st, back;
	static char buf[SMSOTP_STATE_MAX_SIZE + 1], buf2[SMSOTP_STATE_MAX_SIZE + 1];
	size_t len, len2, slen;
	const char *why = NULL;
	char *sealed;

	(void)unused;
	full_state(&st);
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	assert_true(len > 1000 && len <= SMSOTP_STATE_MAX_SIZE);
	assert_int_equal(buf[len], '\0');
	assert_int_equal(smsotp_state_parse(buf, len, &back, &why), 0);
	assert_state_equal(&st, &back);
	/* Canonical: formatting the parsed state gives the same bytes. */
	assert_int_equal(smsotp_state_format(&back, buf2, sizeof(buf2), &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	/* The end line is the checksum of everything before it. */
	sealed = seal_n(buf, len - 37, &slen);
	assert_int_equal(slen, len);
	assert_memory_equal(sealed, buf, len);
	free(sealed);
	/* cap: the text and its NUL must fit. */
	assert_int_equal(smsotp_state_format(&st, buf2, len, &len2), -1);
	assert_int_equal(smsotp_state_format(&st, buf2, len + 1, &len2), 0);
	assert_int_equal(len2, len);
}

static void
test_format_exact(void **unused)
{
	struct smsotp_state st;
	char buf[1024], *want;
	size_t len, wlen;

	(void)unused;
	smsotp_state_init(&st, "Bob Smith@EXAMPLE.org");
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	want = seal("smsotp-state 1\nuser Bob%20Smith%40EXAMPLE.org\n"
	    "failures 0\nlockouts 0\nlocked_until 0\nsends\n", &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(buf, want, len);
	free(want);

	st.failures = 3;
	st.nsends = 2;
	st.sends[0] = 1700000000;
	st.sends[1] = 1700000030;
	st.nchal = 1;
	memcpy(st.chal[0].id, ID1, sizeof(ID1));
	assert_int_equal(smsotp_unhex(H1, st.chal[0].hash, SMSOTP_HASH_LEN), 0);
	st.chal[0].created = 1700000000;
	st.chal[0].expires = 1700000300;
	st.chal[0].last_sent = 1700000030;
	st.chal[0].attempts = 1;
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	want = seal("smsotp-state 1\nuser Bob%20Smith%40EXAMPLE.org\n"
	    "failures 3\nlockouts 0\nlocked_until 0\n" SENDS CH1, &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(buf, want, len);
	free(want);
}

static void
test_format_refuses(void **unused)
{
	struct smsotp_state st, base;
	char buf[SMSOTP_STATE_MAX_SIZE + 1];
	size_t len;
	const char *why;

	(void)unused;
	smsotp_state_init(&base, "alice");
	base.nchal = 2;
	memcpy(base.chal[0].id, ID1, sizeof(ID1));
	memcpy(base.chal[1].id, ID2, sizeof(ID2));
	st = base;
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	assert_int_equal(smsotp_state_parse(buf, len, &st, &why), 0);

#define REFUSE(mutation) do { \
		st = base; \
		mutation; \
		assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), \
		    &len), -1); \
	} while (0)
	REFUSE(st.nchal = SMSOTP_MAX_CHALLENGES + 1);
	REFUSE(st.nchal = -1);
	REFUSE(st.nsends = SMSOTP_MAX_SENDS + 1);
	REFUSE(st.nsends = -1);
	REFUSE(st.user[0] = '\0');
	REFUSE(memset(st.user, 'a', sizeof(st.user)));	/* no NUL */
	REFUSE(st.locked_until = -1);
	REFUSE((st.nsends = 1, st.sends[0] = -5));
	REFUSE(st.chal[1].attempts = 1001);
	REFUSE(st.chal[1].attempts = -1);
	REFUSE(st.chal[0].created = -1);
	REFUSE(st.chal[0].expires = INT64_MIN);
	REFUSE(st.chal[0].last_sent = -1);
	REFUSE(st.chal[0].id[3] = 'A');
	REFUSE(st.chal[0].id[31] = '\0');
	REFUSE(st.chal[0].id[32] = 'x');
	REFUSE(memcpy(st.chal[1].id, ID1, sizeof(ID1)));	/* duplicate */
#undef REFUSE
	st = base;
	assert_int_equal(smsotp_state_format(&st, buf, 50, &len), -1);
	assert_int_equal(smsotp_state_format(&st, buf, 0, &len), -1);
}

static void
test_name(void **unused)
{
	char a[SMSOTP_STATE_NAME_SIZE], b[SMSOTP_STATE_NAME_SIZE];
	char c[SMSOTP_STATE_NAME_SIZE];

	(void)unused;
	smsotp_state_name("alice", a);
	smsotp_state_name("alice", b);
	smsotp_state_name("alice ", c);
	/* BLAKE2b-128 reference values (Python hashlib.blake2b). */
	assert_string_equal(a, "u-69b5957599f918e276a3d2428acdc997");
	assert_string_equal(b, a);
	assert_string_equal(c, "u-c5c4edc75181c14b6c1b3510c55bcc01");
	assert_string_not_equal(a, c);
	smsotp_state_name("../../etc/passwd", c);
	assert_int_equal(strlen(c), 34);
	assert_null(strchr(c, '/'));
}

/* ---- parse rejects ------------------------------------------------------ */

struct bad {
	const char *what;
	const char *body;
	size_t len;		/* 0: strlen(body) */
	int sealed;		/* append a correct end line */
	const char *why;	/* expected substring of *why, or NULL */
};

static void
test_parse_valid_controls(void **unused)
{
	struct smsotp_state st;
	const char *why = NULL;
	char *t;
	size_t n;

	(void)unused;
	t = seal(VALID, &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_string_equal(st.user, "alice");
	assert_int_equal(st.failures, 2);
	assert_int_equal(st.nsends, 2);
	assert_int_equal(st.nchal, 1);
	assert_string_equal(st.chal[0].id, ID1);
	assert_int_equal(st.chal[0].attempts, 1);
	assert_true(st.chal[0].expires == 1700000300);
	free(t);
	/* Extremes that are valid. */
	t = seal(HEAD "failures 4294967295\nlockouts 0\n"
	    "locked_until 9223372036854775807\nsends\n", &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_int_equal(st.failures, UINT32_MAX);
	assert_true(st.locked_until == INT64_MAX);
	assert_int_equal(st.nsends, 0);
	free(t);
	t = seal("smsotp-state 1\nuser %C3%A9l%40x%25\n" NUMS SENDS, &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_string_equal(st.user, "\xc3\xa9l@x%");
	free(t);
}

static void
test_parse_rejects(void **unused)
{
	static char big[SMSOTP_STATE_MAX_SIZE + 200];
	static char many_sends[2048], many_chal[4096];
	static const char nul_body[] = HEAD "failures 2\0\nlockouts 1\n"
	    "locked_until 0\nsends\n";
	const struct bad cases[] = {
		{ "empty", "", 0, 0, "empty" },
		{ "missing end", VALID, 0, 0, "end" },
		{ "unknown record at end", VALID "color red\n", 0, 1, "unknown" },
		{ "unknown record inside", HEAD "color red\n" NUMS SENDS, 0, 1,
		    "unknown" },
		{ "duplicate record", HEAD "failures 2\n" NUMS SENDS, 0, 1,
		    "duplicate" },
		{ "duplicate header", "smsotp-state 1\n" VALID, 0, 1, "duplicate" },
		{ "missing record", HEAD "failures 2\nlocked_until 0\n" SENDS, 0, 1,
		    "missing" },
		{ "missing sends", HEAD NUMS CH1, 0, 1, "missing" },
		{ "missing user", "smsotp-state 1\n" NUMS SENDS, 0, 1, "missing" },
		{ "only header", "smsotp-state 1\n", 0, 1, "missing" },
		{ "wrong order", HEAD "lockouts 1\nfailures 2\n"
		    "locked_until 0\n" SENDS, 0, 1, NULL },
		{ "challenge before sends", HEAD NUMS CH1 SENDS, 0, 1, NULL },
		{ "bad number", HEAD "failures 2x\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, "number" },
		{ "plus sign", HEAD "failures +2\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, "number" },
		{ "minus sign", HEAD "failures 2\nlockouts 1\nlocked_until -1\n"
		    SENDS, 0, 1, "locked_until" },
		{ "leading zero", HEAD "failures 02\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, "number" },
		{ "empty number", HEAD "failures\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, "number" },
		{ "uint32 overflow", HEAD "failures 4294967296\nlockouts 1\n"
		    "locked_until 0\n" SENDS, 0, 1, "number" },
		{ "int64 overflow", HEAD "failures 0\nlockouts 1\n"
		    "locked_until 9223372036854775808\n" SENDS, 0, 1, NULL },
		{ "uint64 overflow", HEAD "failures 0\nlockouts 1\nlocked_until 0\n"
		    "sends 18446744073709551616\n", 0, 1, "sends" },
		{ "very long number", HEAD "failures 0\nlockouts 1\nlocked_until "
		    "000000000000000000000000000000000000001\n" SENDS, 0, 1, NULL },
		{ "attempts over 1000", HEAD NUMS SENDS "challenge " ID1 " " H1
		    " 1 2 3 1001\n", 0, 1, "challenge" },
		{ "negative send", HEAD NUMS "sends 5 -6\n", 0, 1, "sends" },
		{ "too many sends", many_sends, 0, 1, "too many sends" },
		{ "too many challenges", many_chal, 0, 1, "too many challenges" },
		{ "duplicate challenge", HEAD NUMS SENDS CH1 CH1, 0, 1,
		    "duplicate challenge" },
		{ "upper-case id", HEAD NUMS SENDS "challenge "
		    "0123456789ABCDEF0123456789abcdef " H1 " 1 2 3 0\n", 0, 1, "id" },
		{ "short id", HEAD NUMS SENDS "challenge "
		    "0123456789abcdef0123456789abcde " H1 " 1 2 3 0\n", 0, 1, "id" },
		{ "short hash", HEAD NUMS SENDS "challenge " ID1 " "
		    "00112233" " 1 2 3 0\n", 0, 1, "hash" },
		{ "upper-case hash", HEAD NUMS SENDS "challenge " ID1 " "
		    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
		    " 1 2 3 0\n", 0, 1, "hash" },
		{ "challenge missing field", HEAD NUMS SENDS "challenge " ID1 " "
		    H1 " 1 2 3\n", 0, 1, "challenge" },
		{ "challenge extra field", HEAD NUMS SENDS "challenge " ID1 " "
		    H1 " 1 2 3 0 9\n", 0, 1, "extra" },
		{ "record extra field", HEAD "failures 2 3\nlockouts 1\n"
		    "locked_until 0\n" SENDS, 0, 1, "extra" },
		{ "double space", HEAD "failures  2\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, NULL },
		{ "trailing space", HEAD "failures 2 \nlockouts 1\n"
		    "locked_until 0\n" SENDS, 0, 1, NULL },
		{ "sends trailing space", HEAD NUMS "sends \n", 0, 1, NULL },
		{ "leading space", HEAD " failures 2\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, NULL },
		{ "empty line", HEAD NUMS "\n" SENDS, 0, 1, NULL },
		{ "tab separator", HEAD "failures\t2\nlockouts 1\nlocked_until 0\n"
		    SENDS, 0, 1, "unknown" },
		{ "version 2", "smsotp-state 2\nuser alice\n" NUMS SENDS, 0, 1,
		    "header" },
		{ "header extra", "smsotp-state 1 x\nuser alice\n" NUMS SENDS, 0, 1,
		    NULL },
		{ "no user", "smsotp-state 1\nuser\n" NUMS SENDS, 0, 1, "user" },
		{ "user bad escape", "smsotp-state 1\nuser a%zz\n" NUMS SENDS, 0, 1,
		    "user" },
		{ "user lower-case escape", "smsotp-state 1\nuser a%c3%a9\n" NUMS
		    SENDS, 0, 1, "user" },
		{ "user escaped plain byte", "smsotp-state 1\nuser %41lice\n" NUMS
		    SENDS, 0, 1, "user" },
		{ "user escaped NUL", "smsotp-state 1\nuser a%00b\n" NUMS SENDS, 0, 1,
		    "user" },
		{ "user truncated escape", "smsotp-state 1\nuser ab%4\n" NUMS SENDS,
		    0, 1, "user" },
		{ "user raw special byte", "smsotp-state 1\nuser al@ice\n" NUMS
		    SENDS, 0, 1, "user" },
		{ "user too long", NULL, 0, 1, "user" },	/* filled below */
		{ "CRLF", "smsotp-state 1\r\nuser alice\r\nfailures 2\r\n"
		    "lockouts 1\r\nlocked_until 0\r\nsends\r\n", 0, 1, "CR" },
		{ "NUL byte", nul_body, sizeof(nul_body) - 1, 1, "NUL" },
		{ "missing final newline", VALID "end 00", 0, 0, "newline" },
		{ "too large", big, sizeof(big), 0, "too large" },
		{ "end in the middle", NULL, 0, 0, NULL },	/* filled below */
	};
	static char long_user[400];
	struct smsotp_state st;
	size_t i, n, off;
	char *t, *mid;
	int k;

	(void)unused;
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	off = (size_t)snprintf(many_sends, sizeof(many_sends), HEAD NUMS "sends");
	for (k = 0; k <= SMSOTP_MAX_SENDS; k++)
		off += (size_t)snprintf(many_sends + off, sizeof(many_sends) - off,
		    " %d", k);
	(void)snprintf(many_sends + off, sizeof(many_sends) - off, "\n");
	off = (size_t)snprintf(many_chal, sizeof(many_chal), HEAD NUMS SENDS);
	for (k = 0; k <= SMSOTP_MAX_CHALLENGES; k++)
		off += (size_t)snprintf(many_chal + off, sizeof(many_chal) - off,
		    "challenge %032x " H1 " 1 2 3 0\n", k);
	off = (size_t)snprintf(long_user, sizeof(long_user), "smsotp-state 1\n"
	    "user ");
	memset(long_user + off, 'x', SMSOTP_USER_MAX + 1);
	off += SMSOTP_USER_MAX + 1;
	(void)snprintf(long_user + off, sizeof(long_user) - off, "\n" NUMS SENDS);
	mid = seal(VALID, &n);		/* a complete file, then more records */
	mid = realloc(mid, n + sizeof(CH2));
	assert_non_null(mid);
	memcpy(mid + n, CH2, sizeof(CH2));

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bad c = cases[i];
		const char *why = NULL;
		int rv;

		if (strcmp(c.what, "user too long") == 0)
			c.body = long_user;
		if (strcmp(c.what, "end in the middle") == 0) {
			t = seal(mid, &n);
			c.body = t;
			c.len = n;
		}
		if (c.len == 0)
			c.len = strlen(c.body);
		if (c.sealed) {
			t = seal_n(c.body, c.len, &n);
			rv = smsotp_state_parse(t, n, &st, &why);
			free(t);
		} else {
			rv = smsotp_state_parse(c.body, c.len, &st, &why);
		}
		if (strcmp(c.what, "end in the middle") == 0)
			free((char *)c.body);
		if (rv != -1)
			fail_msg("case '%s' accepted", c.what);
		assert_non_null(why);
		if (c.why != NULL && strstr(why, c.why) == NULL)
			fail_msg("case '%s': why '%s' lacks '%s'", c.what, why,
			    c.why);
		/* A failed parse leaves nothing behind. */
		assert_int_equal(st.nchal, 0);
		assert_int_equal(st.user[0], '\0');
	}
	free(mid);
	/* Raw edits of a valid file (checksum not recomputed). */
	t = seal(VALID, &n);
	{
		const char *why = NULL;
		char *junk = malloc(n + 2);

		assert_non_null(junk);
		memcpy(junk, t, n);
		junk[n] = 'x';
		junk[n + 1] = '\n';
		assert_int_equal(smsotp_state_parse(junk, n + 2, &st, &why), -1);
		assert_int_equal(smsotp_state_parse(junk, n + 1, &st, &why), -1);
		junk[n] = '\n';
		assert_int_equal(smsotp_state_parse(junk, n + 1, &st, &why), -1);
		memcpy(junk + n - 1, "0\n", 2);	/* 33 digits */
		assert_int_equal(smsotp_state_parse(junk, n + 1, &st, &why), -1);
		memcpy(junk + n - 36, "0\n", 2);	/* "end 0" */
		assert_int_equal(smsotp_state_parse(junk, n - 34, &st, &why), -1);
		assert_string_equal(why, "missing or malformed end line");
		free(junk);
		t[n - 2] = t[n - 2] == '0' ? '1' : '0';	/* checksum digit */
		assert_int_equal(smsotp_state_parse(t, n, &st, &why), -1);
		assert_string_equal(why, "checksum mismatch");
		t[n - 2] = 'A';		/* upper-case is not the format */
		assert_int_equal(smsotp_state_parse(t, n, &st, &why), -1);
		memcpy(t + n - 37, "END ", 4);
		assert_int_equal(smsotp_state_parse(t, n, &st, &why), -1);
	}
	free(t);
}

static void
test_parse_prefixes_and_flips(void **unused)
{
	static struct smsotp_state st, out;
	static char buf[SMSOTP_STATE_MAX_SIZE + 1];
	size_t len, i;
	const char *why;
	char *copy;

	(void)unused;
	full_state(&st);
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	copy = malloc(len);
	assert_non_null(copy);
	/* Every truncation (a heap copy of exactly i bytes: ASan sees overreads). */
	for (i = 0; i < len; i++) {
		char *p = malloc(i + 1);
		assert_non_null(p);
		memcpy(p, buf, i);
		if (smsotp_state_parse(p, i, &out, &why) != -1)
			fail_msg("prefix of %zu/%zu bytes accepted", i, len);
		free(p);
	}
	/* One byte changed at every position, two ways. */
	for (i = 0; i < len; i++) {
		memcpy(copy, buf, len);
		copy[i] ^= 0x01;
		if (smsotp_state_parse(copy, len, &out, &why) != -1)
			fail_msg("flip 0x01 at %zu accepted", i);
		copy[i] = (char)(buf[i] ^ 0x20);
		if (smsotp_state_parse(copy, len, &out, &why) != -1)
			fail_msg("flip 0x20 at %zu accepted", i);
	}
	memcpy(copy, buf, len);
	assert_int_equal(smsotp_state_parse(copy, len, &out, &why), 0);
	free(copy);
}

/* ---- the store ---------------------------------------------------------- */

struct fx {
	char *dir;
	struct smsotp_store store;
	char name[SMSOTP_STATE_NAME_SIZE];	/* alice's state file */
	char why[512];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	assert_int_equal(smsotp_store_open(f->dir, geteuid(), &f->store, f->why,
	    sizeof(f->why)), 0);
	smsotp_state_name("alice", f->name);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	smsotp_store_close(&f->store);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* malloc'ed dir/<alice's name><suffix>. */
static char *
fx_path(struct fx *f, const char *suffix)
{
	char n[64];

	assert_int_equal(smsotp_fmt(n, sizeof(n), "%s%s", f->name, suffix), 0);
	return tu_path(f->dir, n);
}

static int
begin(struct fx *f, const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st)
{
	f->why[0] = '\0';
	return smsotp_state_begin(&f->store, user, wait_ms, txn, st, f->why,
	    sizeof(f->why));
}

/* Commit a state for alice with failures = n. */
static void
put_alice(struct fx *f, uint32_t n)
{
	struct smsotp_txn txn;
	struct smsotp_state st;

	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	st.failures = n;
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_OK);
	smsotp_state_end(&txn);
}

static char *
slurp(const char *path)
{
	static char buf[SMSOTP_STATE_MAX_SIZE + 1];
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode;
}

static void
test_store_open_checks(void **state)
{
	struct fx *f = *state;
	struct smsotp_store s;
	char *link = tu_path(f->dir, "link"), *sub = tu_path(f->dir, "sub");
	char *file = tu_write(f->dir, "file", "x", 0600);

	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(smsotp_store_open(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), 0);
	assert_true(s.dirfd >= 0);
	assert_string_equal(s.path, sub);
	smsotp_store_close(&s);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(smsotp_store_open(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "world-writable"));
	assert_int_equal(s.dirfd, -1);
	assert_int_equal(chmod(sub, 0770), 0);	/* group-writable is fine */
	assert_int_equal(smsotp_store_open(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), 0);
	smsotp_store_close(&s);
	assert_int_equal(smsotp_store_open(sub, geteuid() + 1, &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "owned by"));
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(smsotp_store_open(link, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "symbolic link"));
	assert_int_equal(smsotp_store_open(file, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	free(link);
	free(sub);
	free(file);
}

static void
test_begin_commit_readback(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st, st2;
	char *sp = fx_path(f, ""), *lp = fx_path(f, ".lock"), *tp = fx_path(f, ".tmp");
	struct stat sb;

	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 0);
	assert_string_equal(txn.name, f->name);
	assert_string_equal(st.user, "alice");
	assert_int_equal(st.failures + st.nsends + st.nchal, 0);
	assert_int_equal(lstat(sp, &sb), -1);	/* begin creates no state */
	assert_int_equal(mode_of(lp) & 07777, 0660);	/* despite umask 077 */
	full_state(&st);
	strcpy(st.user, "alice");
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 1);
	smsotp_state_end(&txn);
	assert_int_equal(mode_of(sp), S_IFREG | 0660);
	assert_int_equal(lstat(tp, &sb), -1);	/* no tmp left */
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 1);
	assert_state_equal(&st, &st2);
	/* A commit of another user's state through this txn is refused. */
	smsotp_state_init(&st2, "bob");
	assert_int_equal(smsotp_state_commit(&txn, &st2, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	st.nchal = SMSOTP_MAX_CHALLENGES + 1;	/* not writable */
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(st2.failures, UINT32_MAX);	/* old file intact */
	/* remove */
	assert_int_equal(smsotp_state_remove(&txn, f->why, sizeof(f->why)), 0);
	assert_int_equal(txn.exists, 0);
	assert_int_equal(lstat(sp, &sb), -1);
	assert_int_equal(errno, ENOENT);
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 0);
	assert_int_equal(st2.failures, 0);
	smsotp_state_end(&txn);
	free(sp);
	free(lp);
	free(tp);
}

/* A symlink at the state, lock or tmp path is never followed. */
static void
test_symlinks(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char *victim = tu_write(f->dir, "victim", "precious\n", 0600);
	char *ghost = tu_path(f->dir, "ghost");
	const char *suffix[] = { "", ".lock" };
	struct stat sb;
	int i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {	/* to a file, and dangling */
			char *p = fx_path(f, suffix[i]);
			(void)unlink(p);	/* the lock file of a previous round */
			assert_int_equal(symlink(j ? ghost : victim, p), 0);
			assert_int_equal(begin(f, "alice", 0, &txn, &st),
			    SMSOTP_ST_ERROR);
			assert_non_null(strstr(f->why, "symbolic link"));
			assert_int_equal(txn.lockfd, -1);
			assert_int_equal(unlink(p), 0);
			free(p);
		}
	}
	/* tmp: the stale link is removed, not written through. */
	{
		char *tp = fx_path(f, ".tmp"), *sp = fx_path(f, "");
		assert_int_equal(symlink(victim, tp), 0);
		put_alice(f, 7);
		assert_int_equal(lstat(tp, &sb), -1);
		assert_int_equal(mode_of(sp), S_IFREG | 0660);
		assert_int_equal(symlink(ghost, tp), 0);
		put_alice(f, 8);
		/* A directory at tmp is not removed: the commit fails. */
		assert_int_equal(mkdir(tp, 0700), 0);
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		st.failures = 9;
		assert_int_equal(smsotp_state_commit(&txn, &st, f->why,
		    sizeof(f->why)), SMSOTP_ST_ERROR);
		smsotp_state_end(&txn);
		assert_int_equal(rmdir(tp), 0);
		assert_int_equal(mkfifo(tp, 0600), 0);	/* nor a FIFO */
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		assert_int_equal(smsotp_state_commit(&txn, &st, f->why,
		    sizeof(f->why)), SMSOTP_ST_ERROR);
		assert_true(S_ISFIFO(mode_of(tp)));
		smsotp_state_end(&txn);
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		assert_int_equal(st.failures, 8);
		smsotp_state_end(&txn);
		free(tp);
		free(sp);
	}
	assert_string_equal(slurp(victim), "precious\n");
	assert_int_equal(mode_of(victim) & 07777, 0600);
	assert_int_equal(lstat(ghost, &sb), -1);
	free(victim);
	free(ghost);
}

/* FIFO, directory and hard link at the state or lock path. */
static void
test_special_files(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char *sp = fx_path(f, ""), *lp = fx_path(f, ".lock");
	char *other = tu_path(f->dir, "other");
	double t0;

	alarm(10);		/* a blocking open would kill the test */
	assert_int_equal(mkfifo(sp, 0600), 0);
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_true(smsotp_mono() - t0 < 1.0);
	assert_non_null(strstr(f->why, "not a regular file"));
	assert_int_equal(unlink(sp), 0);
	assert_int_equal(unlink(lp), 0);
	assert_int_equal(mkfifo(lp, 0600), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(unlink(lp), 0);
	assert_int_equal(mkdir(sp, 0700), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(rmdir(sp), 0);
	alarm(0);
	put_alice(f, 1);
	assert_int_equal(link(sp, other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "hard links"));
	assert_int_equal(unlink(other), 0);
	assert_int_equal(link(lp, other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(st.failures, 1);
	smsotp_state_end(&txn);
	free(sp);
	free(lp);
	free(other);
}

static void
test_corrupt_files(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn, txn2;
	struct smsotp_state st, st2;
	char buf[SMSOTP_STATE_MAX_SIZE + 2];
	size_t len;
	int i;

	for (i = 0; i < 4; i++) {
		switch (i) {
		case 0:
			free(tu_write(f->dir, f->name, "garbage\n", 0660));
			break;
		case 1:
			free(tu_write(f->dir, f->name, "", 0660));
			break;
		case 2:
			memset(buf, 'x', sizeof(buf));
			free(tu_write_bin(f->dir, f->name, buf, sizeof(buf),
			    0660));
			break;
		case 3:	/* a valid file, but of another user */
			smsotp_state_init(&st, "mallory");
			st.failures = 5;
			assert_int_equal(smsotp_state_format(&st, buf,
			    sizeof(buf), &len), 0);
			free(tu_write_bin(f->dir, f->name, buf, len, 0660));
			break;
		}
		st.failures = 99;
		assert_int_equal(begin(f, "alice", 0, &txn, &st),
		    SMSOTP_ST_CORRUPT);
		assert_non_null(strstr(f->why, "corrupt"));
		if (i == 3)
			assert_non_null(strstr(f->why, "another user"));
		assert_string_equal(st.user, "alice");	/* fresh */
		assert_int_equal(st.failures, 0);
		/* The lock is still held. */
		assert_int_equal(begin(f, "alice", 0, &txn2, &st2),
		    SMSOTP_ST_BUSY);
		smsotp_state_end(&txn);
	}
}

/* A child holds alice's lock: begin gives up after wait_ms. */
static void
test_lock_contention(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	int up[2], down[2], status;
	double t0, dt;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct smsotp_store s;
		char why[256];
		close(up[0]);
		close(down[1]);
		if (smsotp_store_open(f->dir, geteuid(), &s, why, sizeof(why)) ||
		    smsotp_state_begin(&s, "alice", 0, &txn, &st, why, sizeof(why)))
			_exit(2);
		if (write(up[1], "L", 1) != 1)
			_exit(3);
		if (read(down[0], &c, 1) < 0)	/* until the parent closes */
			_exit(4);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "alice", 50, &txn, &st), SMSOTP_ST_BUSY);
	dt = smsotp_mono() - t0;
	assert_true(dt >= 0.045 && dt < 0.5);
	assert_non_null(strstr(f->why, "locked"));
	assert_int_equal(txn.lockfd, -1);
	/* Another user is not blocked. */
	assert_int_equal(begin(f, "bob", 0, &txn, &st), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
	close(down[1]);
	close(up[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(begin(f, "alice", 50, &txn, &st), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
}

/* A write error (EFBIG here, like ENOSPC) leaves the old file and no tmp. */
static void
test_commit_write_error(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct rlimit old, small;
	void (*oldsig)(int);
	char *tp = fx_path(f, ".tmp");
	sigset_t mask;
	struct stat sb;

	put_alice(f, 3);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	full_state(&st);
	smsotp_state_init(&st, "alice");
	st.failures = 4;
	st.nsends = SMSOTP_MAX_SENDS;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_non_null(strstr(f->why, "write"));
	assert_non_null(strstr(f->why, strerror(EFBIG)));
	assert_int_equal(lstat(tp, &sb), -1);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGTERM));	/* mask restored */
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(st.failures, 3);
	smsotp_state_end(&txn);
	free(tp);
}

struct seen {
	int ok, bad;
	char users[2][16];
};

static int
count_cb(const char *name, const struct smsotp_state *st, void *arg)
{
	struct seen *s = arg;
	char want[SMSOTP_STATE_NAME_SIZE];

	if (st == NULL) {
		s->bad++;
		return 0;
	}
	smsotp_state_name(st->user, want);
	if (strcmp(want, name) != 0 || s->ok >= 2)
		return 42;
	if (smsotp_fmt(s->users[s->ok++], sizeof(s->users[0]), "%s",
	    st->user) != 0)
		return 43;
	return 0;
}

static int
stop_cb(const char *name, const struct smsotp_state *st, void *arg)
{
	(void)name;
	(void)st;
	++*(int *)arg;
	return 7;
}

static void
test_foreach(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct seen s = { 0, 0, { "", "" } };
	char bad[SMSOTP_STATE_NAME_SIZE], stolen[SMSOTP_STATE_NAME_SIZE];
	int calls = 0;

	put_alice(f, 1);
	assert_int_equal(begin(f, "bob", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    0);
	smsotp_state_end(&txn);
	smsotp_state_name("carol", bad);
	free(tu_write(f->dir, bad, "garbage\n", 0660));
	smsotp_state_name("dave", stolen);	/* alice's file under dave's name */
	{
		char *sp = fx_path(f, "");
		free(tu_write(f->dir, stolen, slurp(sp), 0660));
		free(sp);
	}
	free(tu_write(f->dir, "u-0123", "x", 0660));
	free(tu_write(f->dir, "notes", "x", 0660));
	assert_int_equal(smsotp_state_foreach(&f->store, count_cb, &s), 0);
	assert_int_equal(s.ok, 2);
	assert_int_equal(s.bad, 2);
	assert_true((strcmp(s.users[0], "alice") == 0 &&
	    strcmp(s.users[1], "bob") == 0) ||
	    (strcmp(s.users[0], "bob") == 0 && strcmp(s.users[1], "alice") == 0));
	assert_int_equal(smsotp_state_foreach(&f->store, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_parse_valid_controls),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_prefixes_and_flips),
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
		FX(test_store_open_checks),
		FX(test_begin_commit_readback),
		FX(test_symlinks),
		FX(test_special_files),
		FX(test_corrupt_files),
		FX(test_lock_contention),
		FX(test_commit_write_error),
		FX(test_foreach),
#undef FX
	};

	if (sodium_init() < 0)
		return 1;
	umask(077);		/* as in the helper */
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
