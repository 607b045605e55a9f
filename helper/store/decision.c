/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/store/decision.c - the decisions a user's state keeps (state.h):
 * the tokens the state format writes for their kind and reason, the words
 * the logs and smsotpctl status use, and noting one.
 */
#include "config.h"

#include <string.h>

#include "store/state.h"

static const char *const kind_tokens[SMSOTP_DK_N] = {
	[SMSOTP_DK_SENT] = "sent",
	[SMSOTP_DK_AGAIN] = "again",
	[SMSOTP_DK_RESENT] = "resent",
	[SMSOTP_DK_DECOY] = "decoy",
	[SMSOTP_DK_SEND_FAILED] = "send-failed",
	[SMSOTP_DK_REFUSED] = "refused",
	[SMSOTP_DK_SKIPPED] = "skipped",
	[SMSOTP_DK_ACCEPTED] = "accepted",
	[SMSOTP_DK_WRONG] = "wrong-code",
	[SMSOTP_DK_LOCKED_OUT] = "locked-out",
	[SMSOTP_DK_EXPIRED] = "expired",
};

static const struct {
	const char *token;
	const char *text;
} whys[SMSOTP_WHY_N] = {
	[SMSOTP_WHY_NONE] = { "-", "" },
	[SMSOTP_WHY_UNKNOWN_USER] = { "unknown-user", "unknown user" },
	[SMSOTP_WHY_NO_PHONE] = { "no-phone", "no phone number" },
	[SMSOTP_WHY_COUNTRY] = { "country", "country not allowed" },
	[SMSOTP_WHY_LOCKED] = { "locked", "locked out" },
	[SMSOTP_WHY_SEND_LIMIT] = { "send-limit", "send limit reached" },
	[SMSOTP_WHY_GLOBAL_CAP] = { "global-cap", "global send limit" },
	[SMSOTP_WHY_CORRUPT] = { "corrupt", "corrupt state" },
	[SMSOTP_WHY_DECOY_CHALLENGE] = { "decoy-challenge",
	    "decoy challenge" },
	[SMSOTP_WHY_GATEWAY_DOWN] = { "gateway-down", "gateway down" },
	[SMSOTP_WHY_ERROR] = { "error", "error" },
	[SMSOTP_WHY_NULLOK] = { "nullok", "no phone number, nullok" },
	[SMSOTP_WHY_SERVICE] = { "service", "policy: the service is skipped" },
	[SMSOTP_WHY_ONLY_GROUPS] = { "not-in-only-groups",
	    "policy: not in only_groups" },
	[SMSOTP_WHY_EXEMPT_GROUP] = { "exempt-group",
	    "policy: in exempt_groups" },
	[SMSOTP_WHY_EXEMPT_NETWORK] = { "exempt-network",
	    "policy: from exempt_networks" },
	[SMSOTP_WHY_GRACE] = { "grace", "policy: within the grace period" },
};

const char *
smsotp_decision_token(int kind)
{
	return kind > 0 && kind < SMSOTP_DK_N ? kind_tokens[kind] : NULL;
}

const char *
smsotp_why_token(int why)
{
	return why >= 0 && why < SMSOTP_WHY_N ? whys[why].token : NULL;
}

const char *
smsotp_why_text(int why)
{
	return why >= 0 && why < SMSOTP_WHY_N ? whys[why].text : "?";
}

int
smsotp_decision_lookup(const char *t, size_t n)
{
	int i;

	for (i = 1; i < SMSOTP_DK_N; i++)
		if (strlen(kind_tokens[i]) == n &&
		    memcmp(kind_tokens[i], t, n) == 0)
			return i;
	return -1;
}

int
smsotp_why_lookup(const char *t, size_t n)
{
	int i;

	for (i = 0; i < SMSOTP_WHY_N; i++)
		if (strlen(whys[i].token) == n &&
		    memcmp(whys[i].token, t, n) == 0)
			return i;
	return -1;
}

/* s cut to cap - 1 bytes into out; NULL as "". */
static void
copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = s != NULL ? strnlen(s, cap - 1) : 0;

	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
}

void
smsotp_state_note(struct smsotp_state *st, int64_t at, int kind, int why,
    const char *service, const char *rhost)
{
	struct smsotp_decision *d;

	if (st->ndec == SMSOTP_MAX_DECISIONS) {
		memmove(&st->dec[0], &st->dec[1],
		    sizeof(st->dec[0]) * (SMSOTP_MAX_DECISIONS - 1));
		st->ndec--;
	}
	d = &st->dec[st->ndec++];
	d->at = at;
	d->kind = kind;
	d->why = why;
	copy_cut(d->service, sizeof(d->service), service);
	copy_cut(d->rhost, sizeof(d->rhost), rhost);
}
