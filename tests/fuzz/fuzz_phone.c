/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_phone.c - libFuzzer harness for the phone normaliser
 * smsotp_phone_normalize(), the E.164 check smsotp_e164_ok() and the mask
 * smsotp_phone_mask() (helper/phones/e164.c), and the users file: its
 * line format smsotp_users_line() (helper/phones/users_format.c) and the
 * "file" phone source's lookup (helper/phones/users_file.c).
 *
 * Input: byte 0 picks the default country ("", "1", "44", "353", or the
 * next 0-3 input bytes as given) and the mode; the rest is a number (mode
 * bit 7 clear) or a whole users file looked up for user "alice" (bit 7
 * set; written to a private temporary file, mode 0644, owned by us).
 * Properties checked besides memory safety: an accepted number is '+'
 * and 8-15 digits, the first not 0, and normalises to itself; its mask
 * keeps the first two and last two or three digits and hides the rest; a
 * refused number gives a reason and an empty output; anything that is
 * not E.164 masks as "(invalid number)"; smsotp_e164_ok() says what
 * want_e164() below says, of every input. The users file source keeps
 * its contract (phones/source.h): FOUND, NONE or ERROR only, a number
 * only with FOUND, a reason with ERROR and only then; a file of one line
 * answers what the line format says of that line.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "phones/e164.h"
#include "phones/source.h"
#include "phones/users_file.h"
#include "phones/users_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The property, written out here independently of smsotp_e164_ok(). */
static int
want_e164(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 9 || n > 16 || s[0] != '+' || s[1] == '0')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
check_mask(const char *in)
{
	char m[SMSOTP_MASKED_SIZE], small[8];
	size_t n, tail, ml;

	memset(m, 'X', sizeof(m));
	smsotp_phone_mask(in, m, sizeof(m));
	FUZZ_CHECK(memchr(m, '\0', sizeof(m)) != NULL);
	smsotp_phone_mask(in, small, sizeof(small));
	FUZZ_CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	if (!(in[0] == '+' && strspn(in + 1, "0123456789") == strlen(in + 1) &&
	    strlen(in + 1) >= 8 && strlen(in + 1) <= 15)) {
		FUZZ_CHECK(strcmp(m, "(invalid number)") == 0);
		return;
	}
	n = strlen(in) - 1;
	tail = n < 10 ? 2 : 3;
	ml = strlen(m);
	/* '+', 2 digits, a 3-byte bullet per hidden digit, the tail */
	FUZZ_CHECK(ml == 3 + 3 * (n - 2 - tail) + tail);
	FUZZ_CHECK(memcmp(m, in, 3) == 0);
	FUZZ_CHECK(memcmp(m + ml - tail, in + 1 + n - tail, tail) == 0);
	FUZZ_CHECK(strspn(m + 1, "0123456789") == 2);
}

static void
check_number(const char *num, const char *cc)
{
	char out[SMSOTP_E164_SIZE], again[SMSOTP_E164_SIZE];
	const char *why = NULL;

	memset(out, 'X', sizeof(out));
	FUZZ_CHECK(smsotp_e164_ok(num) == want_e164(num));
	if (smsotp_phone_normalize(num, cc, out, &why) == 0) {
		FUZZ_CHECK(want_e164(out));
		FUZZ_CHECK(smsotp_e164_ok(out));
		FUZZ_CHECK(smsotp_phone_normalize(out, cc, again, &why) == 0);
		FUZZ_CHECK(strcmp(out, again) == 0);
		FUZZ_CHECK(smsotp_phone_normalize(out, "", again, &why) == 0);
		FUZZ_CHECK(strcmp(out, again) == 0);
		check_mask(out);
	} else {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(out[0] == '\0');
	}
	check_mask(num);
}

static void
check_users_file(const uint8_t *data, size_t size, const char *cc)
{
	static char path[600];
	struct smsotp_users_file_source file;
	struct smsotp_phone_source src;
	char out[SMSOTP_E164_SIZE], why[256];
	char lout[SMSOTP_E164_SIZE], lwhy[256];
	enum smsotp_phone_result r, lr;

	if (path[0] == '\0')
		fuzz_path(path, sizeof(path), "users");
	fuzz_write_file(path, data, size, 0644);
	file.path = path;
	file.owner = geteuid();
	file.note = NULL;
	src.ops = &smsotp_phone_source_file;
	src.default_country = cc;
	src.ctx = &file;
	memset(out, 'X', sizeof(out));
	memset(why, 'X', sizeof(why));
	r = src.ops->lookup(&src, "alice", out, why, sizeof(why));
	FUZZ_CHECK(r == SMSOTP_PHONE_FOUND || r == SMSOTP_PHONE_NONE ||
	    r == SMSOTP_PHONE_ERROR);
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	if (r == SMSOTP_PHONE_FOUND)
		FUZZ_CHECK(want_e164(out));
	else
		FUZZ_CHECK(out[0] == '\0');
	if (r == SMSOTP_PHONE_ERROR)
		FUZZ_CHECK(why[0] != '\0');
	else
		FUZZ_CHECK(why[0] == '\0');
	/* one line (no '\n', not too long): the line format's answer */
	if (size > SMSOTP_USERS_LINE_MAX || memchr(data, '\n', size) != NULL)
		return;
	memset(lout, 'X', sizeof(lout));
	lr = smsotp_users_line((const char *)data, size, path, 1, "alice", 5,
	    cc, lout, lwhy, sizeof(lwhy));
	FUZZ_CHECK(lr == r);
	if (r == SMSOTP_PHONE_FOUND)
		FUZZ_CHECK(strcmp(out, lout) == 0);
	if (r == SMSOTP_PHONE_ERROR)
		FUZZ_CHECK(strcmp(why, lwhy) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = { "", "1", "44", "353" };
	char cc[4] = "";
	size_t skip = 1;
	char *num;

	if (size == 0)
		return 0;
	if ((data[0] & 7) < 4) {
		memcpy(cc, fixed[data[0] & 7], strlen(fixed[data[0] & 7]) + 1);
	} else {
		size_t n = (size_t)(data[0] & 7) - 4;	/* 0..3 bytes */
		if (size < 1 + n)
			return 0;
		memcpy(cc, data + 1, n);
		cc[n] = '\0';
		skip += n;
		if (strlen(cc) != n)
			return 0;
	}
	if (data[0] & 0x80) {
		check_users_file(data + skip, size - skip, cc);
		return 0;
	}
	num = fuzz_strndup(data + skip, size - skip);
	check_number(num, cc);
	free(num);
	return 0;
}
