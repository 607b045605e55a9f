/* SPDX-License-Identifier: BSD-3-Clause */
/* test_state_common.c - fixtures shared by the state unit tests. */
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

char *
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

char *
seal(const char *body, size_t *outlen)
{
	return seal_n(body, strlen(body), outlen);
}

/* A state using every field at its maximum. */
void
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
		for (j = 0; j < SMSOTP_STATE_HASH_LEN; j++)
			c->hash[j] = (unsigned char)(255 - i - j);
		c->created = INT64_MAX;
		c->expires = INT64_MAX - 1;
		c->last_sent = i;
		c->attempts = 1000;
		c->bound = 1;
		for (j = 0; j < SMSOTP_STATE_BIND_LEN; j++)
			c->bind[j] = (unsigned char)(128 + i + j);
	}
	st->ndec = SMSOTP_MAX_DECISIONS;
	for (i = 0; i < SMSOTP_MAX_DECISIONS; i++) {
		struct smsotp_decision *d = &st->dec[i];
		d->at = INT64_MAX - i;
		d->kind = 1 + i % (SMSOTP_DK_N - 1);
		d->why = (i * 5) % SMSOTP_WHY_N;
		for (j = 0; j < SMSOTP_DECISION_SERVICE_MAX; j++)
			d->service[j] = (char)(1 + (i * 31 + j * 7) % 255);
		for (j = 0; j < SMSOTP_DECISION_RHOST_MAX; j++)
			d->rhost[j] = (char)(1 + (i * 13 + j * 11) % 255);
	}
	st->ngrace = SMSOTP_MAX_GRACE;
	for (i = 0; i < SMSOTP_MAX_GRACE; i++) {
		struct smsotp_grace *g = &st->grace[i];
		for (j = 0; j < SMSOTP_GRACE_HASH_LEN; j++) {
			g->login[j] = (unsigned char)(i * 7 + j);
			g->boot[j] = (unsigned char)(200 - i - j);
			g->phone[j] = (unsigned char)(i + j * 3);
		}
		g->granted = INT64_MAX - 1;
		g->expires = INT64_MAX;
	}
}

void
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
		    SMSOTP_STATE_HASH_LEN);
		assert_true(a->chal[i].created == b->chal[i].created);
		assert_true(a->chal[i].expires == b->chal[i].expires);
		assert_true(a->chal[i].last_sent == b->chal[i].last_sent);
		assert_int_equal(a->chal[i].attempts, b->chal[i].attempts);
		assert_int_equal(a->chal[i].bound, b->chal[i].bound);
		assert_memory_equal(a->chal[i].bind, b->chal[i].bind,
		    SMSOTP_STATE_BIND_LEN);
	}
	assert_int_equal(a->ndec, b->ndec);
	for (i = 0; i < a->ndec; i++) {
		assert_true(a->dec[i].at == b->dec[i].at);
		assert_int_equal(a->dec[i].kind, b->dec[i].kind);
		assert_int_equal(a->dec[i].why, b->dec[i].why);
		assert_string_equal(a->dec[i].service, b->dec[i].service);
		assert_string_equal(a->dec[i].rhost, b->dec[i].rhost);
	}
	assert_int_equal(a->ngrace, b->ngrace);
	for (i = 0; i < a->ngrace; i++)
		assert_memory_equal(&a->grace[i], &b->grace[i],
		    sizeof(a->grace[i]));
}

/* ---- format ------------------------------------------------------------ */

