/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/core/grace.c - grace entries of a user's state (grace.h).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/grace.h"
#include "core/policy.h"

#ifndef SMSOTP_BOOT_ID_PATH
#define SMSOTP_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#endif

int
smsotp_grace_period(const struct smsotp_ctx *ctx)
{
	const struct smsotp_service_rule *rule;

	/* an unknown name's period is the same (its lookups cost the same);
	 * its decoy is never granted or given one (begin.c, verify.c) */
	if (!ctx->privileged)
		return 0;
	rule = smsotp_policy_service(&ctx->conf->policy, ctx->service);
	if (rule != NULL && rule->grace_period >= 0)
		return rule->grace_period;
	return ctx->conf->policy.grace_period;
}

/* A keyed hash of the parts (each ended by a NUL, so none runs into the
 * next) under a purpose label. */
static void
keyed(const struct smsotp_ctx *ctx, const char *label, const char *const *part,
    int nparts, unsigned char out[SMSOTP_GRACE_HASH_LEN])
{
	crypto_generichash_state h;
	int i;

	crypto_generichash_init(&h, ctx->key, SMSOTP_KEY_LEN,
	    SMSOTP_GRACE_HASH_LEN);
	crypto_generichash_update(&h, (const unsigned char *)label,
	    strlen(label) + 1);
	for (i = 0; i < nparts; i++) {
		const char *p = part[i] != NULL ? part[i] : "";

		crypto_generichash_update(&h, (const unsigned char *)p,
		    strlen(p) + 1);
	}
	crypto_generichash_final(&h, out, SMSOTP_GRACE_HASH_LEN);
}

/* This boot's id (the kernel's random boot_id), read once. */
static int
boot_id(char out[40])
{
	static char cached[40];
	ssize_t n = 0;
	int fd;

	if (cached[0] == '\0') {
		fd = open(SMSOTP_BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		n = read(fd, cached, sizeof(cached) - 1);
		close(fd);
		if (n < 32) {
			cached[0] = '\0';
			return -1;
		}
		cached[n] = '\0';
		cached[strcspn(cached, "\n")] = '\0';
	}
	memcpy(out, cached, sizeof(cached));
	return 0;
}

int
smsotp_grace_id(const struct smsotp_ctx *ctx, const char *phone,
    struct smsotp_grace_id *id)
{
	const char *rhost = ctx->rhost != NULL ? ctx->rhost : "";
	/* the tty tells local logins apart; a remote one is its host */
	const char *login[3] = {
		ctx->service, rhost, rhost[0] == '\0' ? ctx->tty : ""
	};
	const char *boot[1], *num[1] = { phone };
	char b[40];

	memset(id, 0, sizeof(*id));
	if (ctx->conf->policy.grace_survives_reboot)
		(void)memcpy(b, "any boot", 9);
	else if (ctx->boot != NULL)
		(void)snprintf(b, sizeof(b), "%s", ctx->boot);
	else if (boot_id(b) != 0)
		return -1;
	boot[0] = b;
	keyed(ctx, "grace login", login, 3, id->login);
	keyed(ctx, "grace boot", boot, 1, id->boot);
	keyed(ctx, "grace phone", num, 1, id->phone);
	return 0;
}

int
smsotp_grace_holds(const struct smsotp_ctx *ctx, const struct smsotp_state *st,
    const struct smsotp_grace_id *id, int period)
{
	const struct smsotp_grace *g;
	int i;

	for (i = 0; i < st->ngrace; i++) {
		g = &st->grace[i];
		/* a clock set back does not stretch an entry */
		if (g->expires <= ctx->now || g->granted > ctx->now ||
		    g->granted + period <= ctx->now)
			continue;
		if (sodium_memcmp(g->login, id->login, sizeof(g->login)) == 0 &&
		    sodium_memcmp(g->boot, id->boot, sizeof(g->boot)) == 0 &&
		    sodium_memcmp(g->phone, id->phone, sizeof(g->phone)) == 0)
			return 1;
	}
	return 0;
}

static void
drop(struct smsotp_state *st, int i)
{
	memmove(&st->grace[i], &st->grace[i + 1],
	    (size_t)(st->ngrace - i - 1) * sizeof(st->grace[0]));
	st->ngrace--;
	memset(&st->grace[st->ngrace], 0, sizeof(st->grace[0]));
}

void
smsotp_grace_grant(const struct smsotp_ctx *ctx, struct smsotp_state *st,
    const struct smsotp_grace_id *id, int period)
{
	struct smsotp_grace *g;
	int i, first;

	for (i = st->ngrace - 1; i >= 0; i--)
		if (st->grace[i].expires <= ctx->now ||
		    sodium_memcmp(st->grace[i].login, id->login,
		    sizeof(id->login)) == 0)
			drop(st, i);
	if (st->ngrace == SMSOTP_MAX_GRACE) {
		for (i = 1, first = 0; i < st->ngrace; i++)
			if (st->grace[i].expires < st->grace[first].expires)
				first = i;
		drop(st, first);
	}
	g = &st->grace[st->ngrace++];
	memcpy(g->login, id->login, sizeof(g->login));
	memcpy(g->boot, id->boot, sizeof(g->boot));
	memcpy(g->phone, id->phone, sizeof(g->phone));
	g->granted = ctx->now;
	g->expires = ctx->now + period;
}

void
smsotp_grace_clear(struct smsotp_state *st)
{
	memset(st->grace, 0, sizeof(st->grace));
	st->ngrace = 0;
}
