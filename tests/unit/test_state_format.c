/* SPDX-License-Identifier: BSD-3-Clause */
/* test_state_format.c - unit tests of the state file format (parse, format, names). */
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

#include "store/state.h"
#include "testutil.h"
#include "test_state_common.h"

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
	assert_int_equal(smsotp_unhex(H1, st.chal[0].hash, SMSOTP_STATE_HASH_LEN), 0);
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

	/* decisions after the challenges, oldest first; names escaped */
	smsotp_state_note(&st, 1700000000, SMSOTP_DK_SENT, SMSOTP_WHY_NONE,
	    "sshd", "192.0.2.7");
	smsotp_state_note(&st, 1700000031, SMSOTP_DK_DECOY,
	    SMSOTP_WHY_SEND_LIMIT, "sudo smsotp", NULL);
	smsotp_state_note(&st, 1700000032, SMSOTP_DK_SKIPPED,
	    SMSOTP_WHY_NULLOK, NULL, "2001:db8::1");
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	want = seal("smsotp-state 1\nuser Bob%20Smith%40EXAMPLE.org\n"
	    "failures 3\nlockouts 0\nlocked_until 0\n" SENDS CH1
	    "decision 1700000000 sent - service=sshd rhost=192.0.2.7\n"
	    "decision 1700000031 decoy send-limit service=sudo%20smsotp\n"
	    "decision 1700000032 skipped nullok rhost=2001%3Adb8%3A%3A1\n",
	    &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(buf, want, len);
	free(want);

	/* grace entries last */
	st.ngrace = 1;
	memset(st.grace[0].login, 0x11, SMSOTP_GRACE_HASH_LEN);
	memset(st.grace[0].boot, 0xab, SMSOTP_GRACE_HASH_LEN);
	memset(st.grace[0].phone, 0x02, SMSOTP_GRACE_HASH_LEN);
	st.grace[0].granted = 1700000040;
	st.grace[0].expires = 1700000340;
	assert_int_equal(smsotp_state_format(&st, buf, sizeof(buf), &len), 0);
	assert_non_null(memmem(buf, len, "rhost=2001%3Adb8%3A%3A1\ngrace "
	    "11111111111111111111111111111111 1700000040 1700000340 "
	    "abababababababababababababababab "
	    "02020202020202020202020202020202\nend ", 155));
}

/* Noting: the newest SMSOTP_MAX_DECISIONS kept, names cut to their size. */
static void
test_note(void **unused)
{
	struct smsotp_state st;
	char longsvc[100];
	int i;

	(void)unused;
	smsotp_state_init(&st, "alice");
	memset(longsvc, 's', sizeof(longsvc) - 1);
	longsvc[sizeof(longsvc) - 1] = '\0';
	for (i = 0; i < SMSOTP_MAX_DECISIONS + 3; i++)
		smsotp_state_note(&st, 100 + i, SMSOTP_DK_WRONG,
		    SMSOTP_WHY_NONE, longsvc, "h");
	assert_int_equal(st.ndec, SMSOTP_MAX_DECISIONS);
	assert_true(st.dec[0].at == 103);
	assert_true(st.dec[SMSOTP_MAX_DECISIONS - 1].at ==
	    100 + SMSOTP_MAX_DECISIONS + 2);
	assert_int_equal(strlen(st.dec[0].service),
	    SMSOTP_DECISION_SERVICE_MAX);
	assert_string_equal(st.dec[0].rhost, "h");
	/* every token has its lookup, and nothing else does */
	for (i = 1; i < SMSOTP_DK_N; i++)
		assert_int_equal(smsotp_decision_lookup(
		    smsotp_decision_token(i),
		    strlen(smsotp_decision_token(i))), i);
	for (i = 0; i < SMSOTP_WHY_N; i++)
		assert_int_equal(smsotp_why_lookup(smsotp_why_token(i),
		    strlen(smsotp_why_token(i))), i);
	assert_null(smsotp_decision_token(0));
	assert_null(smsotp_decision_token(SMSOTP_DK_N));
	assert_int_equal(smsotp_decision_lookup("sen", 3), -1);
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
	REFUSE(st.ndec = SMSOTP_MAX_DECISIONS + 1);
	REFUSE(st.ndec = -1);
	REFUSE((st.ndec = 1, st.dec[0].kind = 0));
	REFUSE((st.ndec = 1, st.dec[0].kind = SMSOTP_DK_SENT,
	    st.dec[0].why = SMSOTP_WHY_N));
	REFUSE((st.ndec = 1, st.dec[0].kind = SMSOTP_DK_SENT,
	    st.dec[0].at = -1));
	REFUSE((st.ndec = 1, st.dec[0].kind = SMSOTP_DK_SENT,
	    memset(st.dec[0].rhost, 'r', sizeof(st.dec[0].rhost))));
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
	/* A challenge bound to a PAM handle, next to one that is not. */
	t = seal(VALID "challenge " ID2 " " H1 " 1 2 3 0 " B1 "\n", &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_int_equal(st.nchal, 2);
	assert_int_equal(st.chal[0].bound, 0);
	assert_int_equal(st.chal[1].bound, 1);
	assert_int_equal(st.chal[1].bind[0], 0xff);
	assert_int_equal(st.chal[1].bind[15], 0x00);
	free(t);
	/* Decisions without challenges, and after them. */
	t = seal(HEAD NUMS SENDS DEC1 "decision 1700000001 wrong-code -\n", &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_int_equal(st.nchal, 0);
	assert_int_equal(st.ndec, 2);
	assert_int_equal(st.dec[0].kind, SMSOTP_DK_SENT);
	assert_string_equal(st.dec[0].service, "sshd");
	assert_string_equal(st.dec[0].rhost, "");
	assert_int_equal(st.dec[1].kind, SMSOTP_DK_WRONG);
	assert_string_equal(st.dec[1].service, "");
	free(t);
	t = seal(VALID DEC1 "decision 5 decoy locked rhost=%3A%3A1\n", &n);
	assert_int_equal(smsotp_state_parse(t, n, &st, &why), 0);
	assert_int_equal(st.nchal, 1);
	assert_int_equal(st.dec[1].why, SMSOTP_WHY_LOCKED);
	assert_string_equal(st.dec[1].rhost, "::1");
	free(t);
}

static void
test_parse_rejects(void **unused)
{
	static char big[SMSOTP_STATE_MAX_SIZE + 200];
	static char many_sends[2048], many_chal[4096], many_dec[2048];
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
		    H1 " 1 2 3 0 " B1 " 9\n", 0, 1, "extra" },
		{ "short binding", HEAD NUMS SENDS "challenge " ID1 " "
		    H1 " 1 2 3 0 9\n", 0, 1, "binding" },
		{ "upper-case binding", HEAD NUMS SENDS "challenge " ID1 " "
		    H1 " 1 2 3 0 FFEEDDCCBBAA99887766554433221100\n", 0, 1,
		    "binding" },
		{ "empty binding", HEAD NUMS SENDS "challenge " ID1 " "
		    H1 " 1 2 3 0 \n", 0, 1, NULL },
		{ "decision before challenge", HEAD NUMS SENDS DEC1 CH1, 0, 1,
		    "misplaced" },
		{ "decision unknown kind", HEAD NUMS SENDS
		    "decision 1700000000 texted -\n", 0, 1, "decision" },
		{ "decision unknown why", HEAD NUMS SENDS
		    "decision 1700000000 decoy tired\n", 0, 1, "decision" },
		{ "decision no why", HEAD NUMS SENDS
		    "decision 1700000000 sent\n", 0, 1, "decision" },
		{ "decision bad time", HEAD NUMS SENDS
		    "decision 017 sent -\n", 0, 1, "decision" },
		{ "decision empty service", HEAD NUMS SENDS
		    "decision 1 sent - service=\n", 0, 1, "decision" },
		{ "decision rhost before service", HEAD NUMS SENDS
		    "decision 1 sent - rhost=h service=s\n", 0, 1, "extra" },
		{ "decision unknown field", HEAD NUMS SENDS
		    "decision 1 sent - tty=pts/0\n", 0, 1, "extra" },
		{ "decision service not canonical", HEAD NUMS SENDS
		    "decision 1 sent - service=%73shd\n", 0, 1, "decision" },
		{ "decision service raw space", HEAD NUMS SENDS
		    "decision 1 sent - service=a b\n", 0, 1, "extra" },
		{ "decision service too long", HEAD NUMS SENDS
		    "decision 1 sent - service=abcdefghijabcdefghijabcdefghijabc\n",
		    0, 1, "decision" },
		{ "too many decisions", many_dec, 0, 1, "too many decisions" },
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
	off = (size_t)snprintf(many_dec, sizeof(many_dec), VALID);
	for (k = 0; k <= SMSOTP_MAX_DECISIONS; k++)
		off += (size_t)snprintf(many_dec + off, sizeof(many_dec) - off,
		    "decision %d sent -\n", k + 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_parse_valid_controls),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_prefixes_and_flips),
	};

	if (sodium_init() < 0)
		return 1;
	umask(077);		/* as in the helper */
	return cmocka_run_group_tests_name("state_format", tests, NULL, NULL);
}
