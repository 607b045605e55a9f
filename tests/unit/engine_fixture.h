/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_fixture.h - an engine (core/engine.h) on a scratch directory: a
 * users file, a configuration, a state directory and an outbox gateway,
 * with the clock at TU_T0, for the tests that run begin, resend and verify.
 */
#ifndef SMSOTP_TEST_ENGINE_FIXTURE_H
#define SMSOTP_TEST_ENGINE_FIXTURE_H

#include "core/engine.h"

#define TU_T0 1800000000LL

struct tu_engine_fx {
	char *dir;		/* the scratch directory */
	char *statedir;		/* dir/state */
	char *outbox;		/* dir/outbox, for an outbox gateway */
	struct smsotp_conf conf;
	struct smsotp_store store;
	unsigned char key[SMSOTP_KEY_LEN];	/* key[i] = i * 5 + 3 */
	unsigned char bind[SMSOTP_BIND_LEN];	/* for tests that bind */
	struct smsotp_ctx ctx;	/* now TU_T0, host "bastion" */
};

/*
 * A fixture with users (the users file's text) and conf (the
 * configuration's, where @USERS@, @OUTBOX@ and @DIR@ stand for the users
 * file, the outbox and the scratch directory). Fails the test when the
 * configuration does not load.
 */
struct tu_engine_fx *tu_engine_new(const char *users, const char *conf);
void tu_engine_free(struct tu_engine_fx *f);

/*
 * Texts in the outbox (one a line: time, number, text); the digits the
 * last text starts with into code (when not NULL).
 */
int tu_engine_texts(const struct tu_engine_fx *f, char code[16]);

#endif
