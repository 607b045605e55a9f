/* SPDX-License-Identifier: BSD-3-Clause */
/* test_backup.c - unit tests of backup codes: form, KDF matching, file format, locked IO. */
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

#include <sodium.h>

#include "core/backup.h"
#include "store/state.h"
#include "store_fixture.h"
#include "testutil.h"

/* One generated set shared by the tests (ten KDF runs are not free). */
static struct smsotp_backup set;
static char shown[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE];

static void
digits_of(const char *s, char out[SMSOTP_BACKUP_DIGITS + 1])
{
	assert_int_equal(smsotp_backup_form(s, strlen(s), out), 1);
}

static void
test_form(void **state)
{
	char d[SMSOTP_BACKUP_DIGITS + 1];
	static const char *const bad[] = {
		"", "123456", "123456789", "12345678901", "12345x67890",
		"12345_67890", "+1234567890", "12345\t67890", "1234567890\n",
		" 1 2 3 4 5 6 7 8 9 0 ",	/* 21 bytes */
		"r", "١٢٣٤٥٦٧٨٩٠",
	};
	size_t i;

	(void)state;
	assert_int_equal(smsotp_backup_form("1234567890", 10, d), 1);
	assert_string_equal(d, "1234567890");
	assert_int_equal(smsotp_backup_form("12345-67890", 11, d), 1);
	assert_string_equal(d, "1234567890");
	assert_int_equal(smsotp_backup_form("12345 67890", 11, d), 1);
	assert_string_equal(d, "1234567890");
	assert_int_equal(smsotp_backup_form(" 12 345-678 90 ", 15, d), 1);
	assert_string_equal(d, "1234567890");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(smsotp_backup_form(bad[i], strlen(bad[i]), d), 0);
		assert_string_equal(d, "");
	}
	/* a NUL inside the typed bytes is not a separator */
	assert_int_equal(smsotp_backup_form("12345\00067890", 11, d), 0);
	assert_int_equal(smsotp_backup_form(NULL, 0, d), 0);
}

static void
test_generate_shape(void **state)
{
	int i, j;

	(void)state;
	assert_int_equal(set.n, SMSOTP_BACKUP_COUNT);
	assert_string_equal(set.user, "alice");
	for (i = 0; i < SMSOTP_BACKUP_COUNT; i++) {
		assert_int_equal(strlen(shown[i]), 11);
		assert_int_equal(shown[i][5], '-');
		for (j = 0; j < 11; j++)
			if (j != 5)
				assert_true(shown[i][j] >= '0' && shown[i][j] <= '9');
		/* only hashes are kept: no code appears in the set */
		assert_null(memmem(&set, sizeof(set), shown[i], 5));
	}
}

static void
test_match_each_once(void **state)
{
	struct smsotp_backup b = set;
	char d[SMSOTP_BACKUP_DIGITS + 1];
	int i, idx;

	(void)state;
	for (i = 0; i < SMSOTP_BACKUP_COUNT; i++) {
		digits_of(shown[i], d);
		assert_int_equal(smsotp_backup_match(&b, d), i);
	}
	digits_of("0000000000", d);
	assert_int_equal(smsotp_backup_match(&b, d), -1);
	/* use code 3: it stops matching, the others still do */
	digits_of(shown[3], d);
	idx = smsotp_backup_match(&b, d);
	assert_int_equal(idx, 3);
	smsotp_backup_consume(&b, idx);
	assert_int_equal(b.n, SMSOTP_BACKUP_COUNT - 1);
	assert_int_equal(smsotp_backup_match(&b, d), -1);
	digits_of(shown[9], d);
	assert_int_equal(smsotp_backup_match(&b, d), 8);
	digits_of(shown[0], d);
	assert_int_equal(smsotp_backup_match(&b, d), 0);
	/* a set with no codes left matches nothing (and runs no KDF) */
	b.n = 0;
	assert_int_equal(smsotp_backup_match(&b, d), -1);
}

static void
test_new_set_replaces(void **state)
{
	struct smsotp_backup b2;
	char s2[SMSOTP_BACKUP_COUNT][SMSOTP_BACKUP_SHOWN_SIZE];
	char d[SMSOTP_BACKUP_DIGITS + 1];

	(void)state;
	assert_int_equal(smsotp_backup_generate(&b2, "alice", s2), 0);
	assert_memory_not_equal(b2.salt, set.salt, sizeof(set.salt));
	digits_of(shown[0], d);
	assert_int_equal(smsotp_backup_match(&b2, d), -1);
	digits_of(s2[0], d);
	assert_int_equal(smsotp_backup_match(&b2, d), 0);
}

static double
ms_of(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Print the cost of one try (so that its cost is on record): wall and
 * CPU time; the bound is on CPU time, which a loaded machine does not blow up.
 */
static void
test_time_per_try(void **state)
{
	char d[SMSOTP_BACKUP_DIGITS + 1];
	double wall, cpu;
	int i;

	(void)state;
	digits_of("9999999999", d);
	wall = ms_of(CLOCK_MONOTONIC);
	cpu = ms_of(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < 3; i++)
		assert_int_equal(smsotp_backup_match(&set, d), -1);
	wall = (ms_of(CLOCK_MONOTONIC) - wall) / 3;
	cpu = (ms_of(CLOCK_PROCESS_CPUTIME_ID) - cpu) / 3;
	printf("# backup code try: %.1f ms wall, %.1f ms CPU (Argon2id ops=%llu "
	    "mem=%zu KiB)\n", wall, cpu, set.opslimit, set.memlimit / 1024);
	fflush(stdout);		/* before cmocka's own lines */
	assert_true(cpu < 1000.0);
}

static void
test_format_roundtrip(void **state)
{
	struct smsotp_backup b;
	char buf[SMSOTP_BACKUP_MAX_SIZE], buf2[SMSOTP_BACKUP_MAX_SIZE];
	const char *why = NULL;
	size_t len, len2;

	(void)state;
	assert_int_equal(smsotp_backup_format(&set, buf, sizeof(buf), &len), 0);
	assert_memory_equal(buf, "smsotp-backup 1\nuser 616c696365\nkdf "
	    "argon2id13 ", 41);
	assert_int_equal(smsotp_backup_parse(buf, len, &b, &why), 0);
	assert_int_equal(b.n, SMSOTP_BACKUP_COUNT);
	assert_memory_equal(&b, &set, sizeof(b));
	assert_int_equal(smsotp_backup_format(&b, buf2, sizeof(buf2), &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	/* an empty set (all used) is valid */
	b.n = 0;
	assert_int_equal(smsotp_backup_format(&b, buf, sizeof(buf), &len), 0);
	assert_int_equal(smsotp_backup_parse(buf, len, &b, &why), 0);
	assert_int_equal(b.n, 0);
	/* too small a buffer is refused, never truncated */
	assert_int_equal(smsotp_backup_format(&set, buf, 100, &len), -1);
}

/* body + a correct end line */
static size_t
seal(char *out, const char *body)
{
	unsigned char h[16];
	char hex[33];
	size_t n = strlen(body);

	crypto_generichash(h, sizeof(h), (const unsigned char *)body, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	memcpy(out, body, n);
	sprintf(out + n, "end %s\n", hex);
	return n + 37;
}

#define SALT "00112233445566778899aabbccddeeff"
#define CODE "code 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
#define HEAD "smsotp-backup 1\nuser 616c696365\n"
#define KDF "kdf argon2id13 2 67108864\n"

static void
test_parse_rejects(void **state)
{
	static const char *const bodies[] = {
		"smsotp-backup 2\nuser 616c696365\n" KDF "salt " SALT "\n",
		"smsotp-backup 1\nuser 616c69636\n" KDF "salt " SALT "\n",
		"smsotp-backup 1\nuser \n" KDF "salt " SALT "\n",
		"smsotp-backup 1\nuser 61006963\n" KDF "salt " SALT "\n",
		HEAD "kdf argon2i13 2 67108864\n" "salt " SALT "\n",
		HEAD "kdf argon2id13 0 67108864\n" "salt " SALT "\n",
		HEAD "kdf argon2id13 2 4294967296\n" "salt " SALT "\n",
		HEAD "kdf argon2id13 99 67108864\n" "salt " SALT "\n",
		HEAD "kdf argon2id13 02 67108864\n" "salt " SALT "\n",
		HEAD "kdf argon2id13 2  67108864\n" "salt " SALT "\n",
		HEAD KDF "salt 0011\n",
		HEAD KDF "salt " SALT "\n" "code 0011\n",
		HEAD KDF "salt " SALT "\n" "code 00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeefF\n",
		HEAD KDF "salt " SALT "\n" CODE "extra 1\n",
		HEAD KDF "salt " SALT "\n" CODE CODE CODE CODE CODE CODE CODE CODE
		    CODE CODE CODE,
		HEAD "salt " SALT "\n" KDF,
		"user 616c696365\n" KDF "salt " SALT "\n",
	};
	struct smsotp_backup b;
	char buf[SMSOTP_BACKUP_MAX_SIZE * 2];
	const char *why;
	size_t i, len;

	(void)state;
	/* the template itself is valid */
	len = seal(buf, HEAD KDF "salt " SALT "\n" CODE);
	why = NULL;
	assert_int_equal(smsotp_backup_parse(buf, len, &b, &why), 0);
	assert_int_equal(b.n, 1);
	/* any flipped byte is caught */
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(smsotp_backup_parse(buf, len, &b, &why), -1);
		buf[i] ^= 0x01;
	}
	assert_int_equal(smsotp_backup_parse(buf, len - 1, &b, &why), -1);
	assert_int_equal(smsotp_backup_parse(buf, 0, &b, &why), -1);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		len = seal(buf, bodies[i]);
		why = NULL;
		assert_int_equal(smsotp_backup_parse(buf, len, &b, &why), -1);
		assert_non_null(why);
		assert_int_equal(b.n, 0);
	}
}

struct fx {
	char *dir;
	struct smsotp_store store;
	char why[512];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_store_open(&f->store);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	tu_store_close(f->dir, &f->store);
	free(f);
	return 0;
}

static void
begin(struct fx *f, const char *user, struct smsotp_txn *txn)
{
	struct smsotp_state st;

	assert_int_equal(smsotp_state_begin(&f->store, user, 100, txn, &st,
	    f->why, sizeof(f->why)), SMSOTP_ST_OK);
}

static void
test_file_save_load_try(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_backup b;
	char name[SMSOTP_STATE_NAME_SIZE], *p;
	struct stat sb;
	int exists = -1;

	begin(f, "alice", &txn);
	/* no set yet: nothing, and no KDF */
	assert_int_equal(smsotp_backup_load(&txn, "alice", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(smsotp_backup_try(&txn, "alice", shown[0], 11), 0);
	assert_int_equal(smsotp_backup_save(&txn, &set, f->why, sizeof(f->why)),
	    0);
	smsotp_backup_name("alice", name);
	assert_memory_equal(name, "b-", 2);
	p = tu_path(f->dir, name);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);
	free(p);
	assert_int_equal(smsotp_backup_load(&txn, "alice", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(exists, 1);
	assert_int_equal(b.n, SMSOTP_BACKUP_COUNT);
	/* a normal SMS code, a wrong backup code, a right one typed "12345 67890" */
	assert_int_equal(smsotp_backup_try(&txn, "alice", "123456", 6), 0);
	assert_int_equal(smsotp_backup_try(&txn, "alice", "0000000000", 10), 0);
	shown[2][5] = ' ';
	assert_int_equal(smsotp_backup_try(&txn, "alice", shown[2], 11), 1);
	assert_int_equal(smsotp_backup_try(&txn, "alice", shown[2], 11), 0);
	shown[2][5] = '-';
	assert_int_equal(smsotp_backup_load(&txn, "alice", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_OK);
	assert_int_equal(b.n, SMSOTP_BACKUP_COUNT - 1);
	smsotp_state_end(&txn);
	/* without the lock: refused */
	assert_int_equal(smsotp_backup_load(&txn, "alice", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_int_equal(smsotp_backup_save(&txn, &set, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
}

static void
test_file_wrong_user_and_corrupt(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_backup b;
	char na[SMSOTP_STATE_NAME_SIZE], nb[SMSOTP_STATE_NAME_SIZE];
	char *pa, *pb, cmd[1200];
	int exists;

	begin(f, "alice", &txn);
	assert_int_equal(smsotp_backup_save(&txn, &set, f->why, sizeof(f->why)),
	    0);
	smsotp_state_end(&txn);
	/* saving alice's set under bob's lock is refused */
	begin(f, "bob", &txn);
	assert_int_equal(smsotp_backup_save(&txn, &set, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	/* alice's file copied over bob's: corrupt, and her codes do not work */
	smsotp_backup_name("alice", na);
	smsotp_backup_name("bob", nb);
	pa = tu_path(f->dir, na);
	pb = tu_path(f->dir, nb);
	snprintf(cmd, sizeof(cmd), "cp %s %s", pa, pb);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(smsotp_backup_load(&txn, "bob", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_CORRUPT);
	assert_non_null(strstr(f->why, "another user"));
	assert_int_equal(smsotp_backup_try(&txn, "bob", shown[1], 11), 0);
	/* a symlink is refused, never followed */
	assert_int_equal(unlink(pb), 0);
	assert_int_equal(symlink(pa, pb), 0);
	assert_int_equal(smsotp_backup_load(&txn, "bob", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_int_equal(smsotp_backup_try(&txn, "bob", shown[1], 11), 0);
	smsotp_state_end(&txn);
	/* a damaged file: corrupt, no code accepted */
	begin(f, "alice", &txn);
	snprintf(cmd, sizeof(cmd), "sed -i 's/^code 0/code 1/; s/^code [1-9a-f]/code 0/' %s",
	    pa);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(smsotp_backup_load(&txn, "alice", &b, &exists, f->why,
	    sizeof(f->why)), SMSOTP_ST_CORRUPT);
	assert_int_equal(smsotp_backup_try(&txn, "alice", shown[1], 11), 0);
	smsotp_state_end(&txn);
	free(pa);
	free(pb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_generate_shape),
		cmocka_unit_test(test_match_each_once),
		cmocka_unit_test(test_new_set_replaces),
		cmocka_unit_test(test_time_per_try),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test_setup_teardown(test_file_save_load_try,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_wrong_user_and_corrupt,
		    fx_setup, fx_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	umask(077);		/* as in the helper */
	if (smsotp_backup_generate(&set, "alice", shown) != 0)
		return 1;
	return cmocka_run_group_tests_name("backup", tests, NULL, NULL);
}
