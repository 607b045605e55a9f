/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proto.c - libFuzzer harness for the helper protocol: the request
 * and reply parser smsotp_msg_parse() (helper/proto/proto.c) and the module's
 * reply validator smsotp_helper_reply_parse() (pam_smsotp/run_helper.c).
 *
 * Input: the raw bytes a helper or a module would read from its pipe.
 * Properties checked besides memory safety:
 *  - a parsed message holds 1..SMSOTP_PROTO_MAX_FIELDS fields, valid
 *    unique keys, values without NUL;
 *  - re-encoding it with smsotp_msg_addn() gives a message that parses
 *    to the same fields and is never longer than the input (the encoding
 *    is canonical up to needless escapes);
 *  - a reply accepted by smsotp_helper_reply_parse() has a status equal to
 *    the exit status given, and valid SENT fields; the same bytes with any
 *    other exit status are refused.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"
#include "run_helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char reenc[SMSOTP_PROTO_MAX_MSG + 1];

static int
key_ok(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > SMSOTP_PROTO_MAX_KEY)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
		    k[i] == '_'))
			return 0;
	return 1;
}

static void
check_msg(const struct smsotp_msg *m, size_t insize)
{
	struct smsotp_msg m2;
	const char *why = NULL;
	size_t used = 0;
	int i, j;

	FUZZ_CHECK(m->nfields >= 1 && m->nfields <= SMSOTP_PROTO_MAX_FIELDS);
	for (i = 0; i < m->nfields; i++) {
		FUZZ_CHECK(key_ok(m->f[i].key));
		FUZZ_CHECK(m->f[i].value != NULL);
		FUZZ_CHECK(strlen(m->f[i].value) == m->f[i].len);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(m->f[i].key, m->f[j].key) != 0);
		FUZZ_CHECK(smsotp_msg_get(m, m->f[i].key) == m->f[i].value);
		FUZZ_CHECK(smsotp_msg_addn(reenc, sizeof(reenc), &used,
		    m->f[i].key, m->f[i].value, m->f[i].len) == 0);
	}
	FUZZ_CHECK(used <= insize);
	FUZZ_CHECK(smsotp_msg_parse(reenc, used, &m2, &why) == 0);
	FUZZ_CHECK(m2.nfields == m->nfields);
	for (i = 0; i < m->nfields; i++) {
		FUZZ_CHECK(strcmp(m2.f[i].key, m->f[i].key) == 0);
		FUZZ_CHECK(m2.f[i].len == m->f[i].len);
		FUZZ_CHECK(memcmp(m2.f[i].value, m->f[i].value, m->f[i].len) == 0);
	}
	smsotp_msg_free(&m2);
}

static void
check_reply(const char *buf, size_t size, int exit_status)
{
	struct smsotp_helper_reply rep;
	const char *why = NULL;
	size_t i, n;

	if (smsotp_helper_reply_parse(buf, size, exit_status, &rep, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(rep.status == 0 && rep.challenge[0] == '\0' &&
		    rep.masked[0] == '\0');
		return;
	}
	FUZZ_CHECK(why == NULL);
	FUZZ_CHECK(rep.status == exit_status);
	FUZZ_CHECK(smsotp_status_name(rep.status) != NULL);
	if (rep.status == SMSOTP_SENT) {
		FUZZ_CHECK(strlen(rep.challenge) == SMSOTP_CHALLENGE_HEXLEN);
		for (i = 0; i < SMSOTP_CHALLENGE_HEXLEN; i++)
			FUZZ_CHECK((rep.challenge[i] >= '0' && rep.challenge[i] <= '9') ||
			    (rep.challenge[i] >= 'a' && rep.challenge[i] <= 'f'));
		n = strlen(rep.masked);
		FUZZ_CHECK(n >= 1 && n <= SMSOTP_HELPER_MASKED_MAX);
		for (i = 0; i < n; i++)	/* no C0 control reaches a prompt */
			FUZZ_CHECK((unsigned char)rep.masked[i] >= 0x20 &&
			    rep.masked[i] != 0x7f);
		FUZZ_CHECK(rep.ttl >= 0 && rep.resend_after >= 0);
	}
	FUZZ_CHECK(rep.retry_after >= 0 && rep.attempts_left >= 0 &&
	    rep.until >= 0);
	/* The same reply with another exit status must be refused. */
	FUZZ_CHECK(smsotp_helper_reply_parse(buf, size, (exit_status + 1) %
	    (SMSOTP_STATUS_MAX + 1), &rep, &why) != 0);
	FUZZ_CHECK(smsotp_helper_reply_parse(buf, size, -1, &rep, &why) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy: ASan sees any read past the end. */
	char *buf = size > 0 ? malloc(size) : NULL;
	struct smsotp_msg m;
	const char *why = NULL;
	int st = -1;

	if (size > 0 && buf == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);
	if (smsotp_msg_parse(buf != NULL ? buf : "", size, &m, &why) == 0) {
		check_msg(&m, size);
		if (strcmp(m.f[0].key, "status") == 0)
			st = smsotp_status_from_name(m.f[0].value);
		smsotp_msg_free(&m);
		FUZZ_CHECK(m.nfields == 0);
	} else {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(m.nfields == 0);
	}
	/* The reply validator, with the exit status the reply claims. */
	check_reply(buf != NULL ? buf : "", size, st >= 0 ? st : SMSOTP_ERROR);
	free(buf);
	return 0;
}
