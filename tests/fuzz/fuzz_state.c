/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_state.c - libFuzzer harness for the per-user state file parser
 * smsotp_state_parse() (helper/store/user_format.c).
 *
 * Input: byte 0 selects the mode, the rest is the file.
 *  - mode bit 0 clear: the rest is parsed as it is (a file from disk);
 *  - mode bit 0 set: the rest is the body, and the harness appends the
 *    valid "end <BLAKE2b-128>" line so that the fuzzer reaches the record
 *    parser past the checksum.
 * Properties checked besides memory safety: a refused file leaves the
 * state all zero with a reason; an accepted one is within the limits of
 * state.h and formats back to exactly the same bytes (the format is
 * canonical, helper/store/user_format.c promises format(parse(buf)) == buf).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "fuzz_common.h"
#include "store/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char out[2 * SMSOTP_STATE_MAX_SIZE];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void
check_state(const struct smsotp_state *st, const char *buf, size_t len)
{
	char name[SMSOTP_STATE_NAME_SIZE];
	size_t ulen = strnlen(st->user, sizeof(st->user)), olen = 0;
	int i;

	FUZZ_CHECK(ulen >= 1 && ulen <= SMSOTP_USER_MAX);
	FUZZ_CHECK(st->locked_until >= 0);
	FUZZ_CHECK(st->nsends >= 0 && st->nsends <= SMSOTP_MAX_SENDS);
	FUZZ_CHECK(st->nchal >= 0 && st->nchal <= SMSOTP_MAX_CHALLENGES);
	for (i = 0; i < st->nsends; i++)
		FUZZ_CHECK(st->sends[i] >= 0);
	for (i = 0; i < st->nchal; i++) {
		FUZZ_CHECK(strlen(st->chal[i].id) == SMSOTP_CHALLENGE_HEXLEN);
		FUZZ_CHECK(st->chal[i].attempts >= 0);
		FUZZ_CHECK(st->chal[i].created >= 0 && st->chal[i].expires >= 0 &&
		    st->chal[i].last_sent >= 0);
	}
	FUZZ_CHECK(smsotp_state_format(st, out, sizeof(out), &olen) == 0);
	FUZZ_CHECK(olen == len && memcmp(out, buf, len) == 0);
	smsotp_state_name(st->user, name);
	FUZZ_CHECK(strlen(name) == 34 && name[0] == 'u' && name[1] == '-');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smsotp_state st;
	const char *why = NULL;
	unsigned char sum[16];
	char hex[2 * sizeof(sum) + 1], *buf;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	/* Exact-size heap copy (+ the end line): ASan sees overreads. */
	buf = malloc((data[0] & 1) ? len + 4 + 2 * sizeof(sum) + 1 :
	    len > 0 ? len : 1);
	if (buf == NULL)
		abort();
	if (len > 0)
		memcpy(buf, data + 1, len);
	if (data[0] & 1) {
		crypto_generichash(sum, sizeof(sum), (const unsigned char *)buf,
		    len, NULL, 0);
		smsotp_hex(sum, sizeof(sum), hex);
		memcpy(buf + len, "end ", 4);
		memcpy(buf + len + 4, hex, 2 * sizeof(sum));
		buf[len + 4 + 2 * sizeof(sum)] = '\n';
		len += 4 + 2 * sizeof(sum) + 1;
	}
	if (smsotp_state_parse(buf, len, &st, &why) == 0) {
		check_state(&st, buf, len);
	} else {
		static const struct smsotp_state zero;

		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(memcmp(&st, &zero, sizeof(st)) == 0);
	}
	free(buf);
	return 0;
}
