/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_fixture.c - an engine on a scratch directory (engine_fixture.h).
 */
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
#include <unistd.h>

#include "core/conf_load.h"
#include "engine_fixture.h"
#include "testutil.h"

/* conf with its @NAME@ placeholders replaced, malloc'ed. */
static char *
expand(const char *conf, const struct tu_engine_fx *f, const char *users)
{
	static const char *const names[] = { "@USERS@", "@OUTBOX@", "@DIR@" };
	const char *vals[] = { users, f->outbox, f->dir };
	size_t cap = strlen(conf) * 2 + 4096, o = 0, i, n;
	char *out = malloc(cap);
	const char *p = conf;

	assert_non_null(out);
	while (*p != '\0') {
		for (i = 0; i < 3; i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i < 3) {
			n = strlen(vals[i]);
			assert_true(o + n < cap);
			memcpy(out + o, vals[i], n);
			o += n;
			p += strlen(names[i]);
		} else {
			assert_true(o + 1 < cap);
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

struct tu_engine_fx *
tu_engine_new(const char *users, const char *conf)
{
	struct tu_engine_fx *f = calloc(1, sizeof(*f));
	struct smsotp_conf_opts o = { geteuid() };
	struct smsotp_errs e;
	char why[320], *upath, *text, *cf;
	size_t i;

	assert_non_null(f);
	assert_int_equal(smsotp_crypto_init(), 0);
	f->dir = tu_tmpdir();
	f->statedir = tu_path(f->dir, "state");
	f->outbox = tu_path(f->dir, "outbox");
	assert_int_equal(mkdir(f->statedir, 0770), 0);
	upath = tu_write(f->dir, "users", users, 0644);
	text = expand(conf, f, upath);
	cf = tu_write(f->dir, "smsotp.conf", text, 0600);
	memset(&e, 0, sizeof(e));
	if (smsotp_conf_load(cf, &o, &f->conf, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg[0]);
		fail();
	}
	assert_int_equal(smsotp_store_open_dir(f->statedir, geteuid(),
	    &f->store, why, sizeof(why)), 0);
	for (i = 0; i < sizeof(f->key); i++)
		f->key[i] = (unsigned char)(i * 5 + 3);
	f->ctx.conf = &f->conf;
	f->ctx.store = &f->store;
	f->ctx.key = f->key;
	f->ctx.now = TU_T0;
	f->ctx.host = "bastion";
	f->ctx.conf_owner = geteuid();
	f->ctx.lock_wait_ms = 1000;
	f->ctx.deadline = smsotp_mono() + 10;
	free(upath);
	free(text);
	free(cf);
	return f;
}

void
tu_engine_free(struct tu_engine_fx *f)
{
	smsotp_store_close(&f->store);
	smsotp_conf_free(&f->conf);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->statedir);
	free(f->outbox);
	free(f);
}

int
tu_engine_texts(const struct tu_engine_fx *f, char code[16])
{
	FILE *fp = fopen(f->outbox, "r");
	char line[1024], *t;
	int n = 0;

	if (code != NULL)
		code[0] = '\0';
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		n++;
		t = strchr(line, '\t');
		assert_non_null(t);
		t = strchr(t + 1, '\t');
		assert_non_null(t);
		if (code != NULL && sscanf(t + 1, "%15[0-9]", code) != 1)
			code[0] = '\0';
	}
	fclose(fp);
	return n;
}
