/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/store/user_format.c - the per-user state file format in the record
 * envelope (base/record.h): parse, format, names (pure, fuzzed).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "base/record.h"
#include "base/textfmt.h"
#include "store/state.h"

/*
 * The format is canonical: numbers have no sign and no leading zero, the
 * user name escapes exactly the bytes outside [A-Za-z0-9._~+-] as %XX with
 * upper-case hex, fields are separated by exactly one space. So
 * parse(format(st)) == st and format(parse(buf)) == buf byte for byte.
 */

#define HDR_LINE     "smsotp-state 1"
#define MAX_ATTEMPTS 1000

/* The records in the only order allowed. */
enum rec {
	R_HDR, R_USER, R_FAILURES, R_LOCKOUTS, R_LOCKED_UNTIL, R_SENDS,
	R_CHALLENGE, R_DECISION, R_GRACE, R_NREC
};
/* From R_CHALLENGE on, each record may be repeated or left out. */
#define R_FIRST_LIST R_CHALLENGE
static const char *const rec_names[R_NREC] = {
	"smsotp-state", "user", "failures", "lockouts", "locked_until",
	"sends", "challenge", "decision", "grace",
};

static int
plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	    c == '+' || c == '-';
}

static int
uhex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Canonical percent decoding of a name (the user, a decision's service or
 * rhost) of at most max bytes into out (NUL-terminated).
 */
static int
decode_name(const char *t, size_t n, char *out, size_t max)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (o == max)
			return -1;
		if (c == '%') {
			int hi, lo;
			if (n - i < 3)
				return -1;
			hi = uhex((unsigned char)t[i + 1]);
			lo = uhex((unsigned char)t[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			if (c == '\0' || plain_char(c))
				return -1;	/* NUL, or not canonical */
			i += 2;
		} else if (!plain_char(c)) {
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o == 0 ? -1 : 0;
}

static int
rec_lookup(const char *t, size_t n)
{
	int i;

	for (i = 0; i < R_NREC; i++)
		if (strlen(rec_names[i]) == n && memcmp(rec_names[i], t, n) == 0)
			return i;
	return -1;
}

/* Parse the fields after "challenge". */
static int
parse_challenge(struct smsotp_cur *c, struct smsotp_challenge *ch, const char **why)
{
	const char *t;
	size_t n;
	uint64_t v[4];
	int i;

	*why = "bad challenge id";
	if (smsotp_tok_next(c, &t, &n) != 1 || n != SMSOTP_CHALLENGE_HEXLEN)
		return -1;
	for (i = 0; i < SMSOTP_CHALLENGE_HEXLEN; i++)
		if (smsotp_lhex_digit((unsigned char)t[i]) < 0)
			return -1;
	memcpy(ch->id, t, n);
	ch->id[n] = '\0';
	*why = "bad challenge hash";
	if (smsotp_tok_next(c, &t, &n) != 1 ||
	    smsotp_parse_lhex(t, n, ch->hash, SMSOTP_STATE_HASH_LEN) != 0)
		return -1;
	*why = "bad number in challenge";
	for (i = 0; i < 4; i++) {
		if (smsotp_tok_next(c, &t, &n) != 1 ||
		    smsotp_parse_u64(t, n, i < 3 ? INT64_MAX : MAX_ATTEMPTS, &v[i]) != 0)
			return -1;
	}
	ch->created = (int64_t)v[0];
	ch->expires = (int64_t)v[1];
	ch->last_sent = (int64_t)v[2];
	ch->attempts = (int)v[3];
	*why = "bad challenge binding";
	switch (smsotp_tok_next(c, &t, &n)) {
	case 0:
		return 0;
	case 1:
		if (smsotp_parse_lhex(t, n, ch->bind, SMSOTP_STATE_BIND_LEN) != 0)
			return -1;
		ch->bound = 1;
		break;
	default:
		return -1;
	}
	*why = "extra fields in challenge";
	if (smsotp_tok_next(c, &t, &n) != 0)
		return -1;
	return 0;
}

/* An optional "key=<enc>" field of a decision into out. */
static int
parse_named(struct smsotp_cur *c, const char *key, char *out, size_t max)
{
	struct smsotp_cur save = *c;
	size_t kl = strlen(key), n;
	const char *t;

	switch (smsotp_tok_next(c, &t, &n)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		return -1;
	}
	if (n <= kl || memcmp(t, key, kl) != 0) {
		*c = save;	/* not this one: the next field's */
		return 0;
	}
	return decode_name(t + kl, n - kl, out, max);
}

/* Parse the fields after "decision". */
static int
parse_decision(struct smsotp_cur *c, struct smsotp_decision *d,
    const char **why)
{
	const char *t;
	size_t n;
	uint64_t v;

	*why = "bad decision";
	if (smsotp_tok_next(c, &t, &n) != 1 ||
	    smsotp_parse_u64(t, n, INT64_MAX, &v) != 0)
		return -1;
	d->at = (int64_t)v;
	if (smsotp_tok_next(c, &t, &n) != 1 ||
	    (d->kind = smsotp_decision_lookup(t, n)) < 0)
		return -1;
	if (smsotp_tok_next(c, &t, &n) != 1 ||
	    (d->why = smsotp_why_lookup(t, n)) < 0)
		return -1;
	if (parse_named(c, "service=", d->service,
	    SMSOTP_DECISION_SERVICE_MAX) != 0 ||
	    parse_named(c, "rhost=", d->rhost, SMSOTP_DECISION_RHOST_MAX) != 0)
		return -1;
	*why = "extra fields in decision";
	return smsotp_tok_next(c, &t, &n) == 0 ? 0 : -1;
}

/* Parse the fields after "grace". */
static int
parse_grace(struct smsotp_cur *c, struct smsotp_grace *g, const char **why)
{
	const char *t;
	size_t n;
	uint64_t v[2];
	int i;

	*why = "bad grace entry";
	if (smsotp_tok_next(c, &t, &n) != 1 || smsotp_parse_lhex(t, n,
	    g->login, SMSOTP_GRACE_HASH_LEN) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (smsotp_tok_next(c, &t, &n) != 1 ||
		    smsotp_parse_u64(t, n, INT64_MAX, &v[i]) != 0)
			return -1;
	g->granted = (int64_t)v[0];
	g->expires = (int64_t)v[1];
	if (smsotp_tok_next(c, &t, &n) != 1 || smsotp_parse_lhex(t, n,
	    g->boot, SMSOTP_GRACE_HASH_LEN) != 0 ||
	    smsotp_tok_next(c, &t, &n) != 1 || smsotp_parse_lhex(t, n,
	    g->phone, SMSOTP_GRACE_HASH_LEN) != 0)
		return -1;
	*why = "extra fields in grace entry";
	return smsotp_tok_next(c, &t, &n) == 0 ? 0 : -1;
}

/* One record line [p, e) whose keyword is r; fills st. */
static int
parse_record(int r, struct smsotp_cur *c, struct smsotp_state *st, const char **why)
{
	const char *t;
	size_t n;
	uint64_t v;
	int i, k;

	switch (r) {
	case R_HDR:
		*why = "bad header (not smsotp-state 1)";
		if (smsotp_tok_next(c, &t, &n) != 1 || n != 1 || t[0] != '1')
			return -1;
		break;
	case R_USER:
		*why = "bad user name";
		if (smsotp_tok_next(c, &t, &n) != 1 || decode_name(t, n, st->user, SMSOTP_USER_MAX) != 0)
			return -1;
		break;
	case R_FAILURES:
	case R_LOCKOUTS:
		*why = "bad failures/lockouts number";
		if (smsotp_tok_next(c, &t, &n) != 1 || smsotp_parse_u64(t, n, UINT32_MAX, &v) != 0)
			return -1;
		if (r == R_FAILURES)
			st->failures = (uint32_t)v;
		else
			st->lockouts = (uint32_t)v;
		break;
	case R_LOCKED_UNTIL:
		*why = "bad locked_until time";
		if (smsotp_tok_next(c, &t, &n) != 1 || smsotp_parse_u64(t, n, INT64_MAX, &v) != 0)
			return -1;
		st->locked_until = (int64_t)v;
		break;
	case R_SENDS:
		for (;;) {
			k = smsotp_tok_next(c, &t, &n);
			if (k == 0)
				break;
			*why = "bad sends list";
			if (k < 0 || smsotp_parse_u64(t, n, INT64_MAX, &v) != 0)
				return -1;
			*why = "too many sends";
			if (st->nsends == SMSOTP_MAX_SENDS)
				return -1;
			st->sends[st->nsends++] = (int64_t)v;
		}
		return 0;
	case R_CHALLENGE:
		*why = "too many challenges";
		if (st->nchal == SMSOTP_MAX_CHALLENGES)
			return -1;
		if (parse_challenge(c, &st->chal[st->nchal], why) != 0)
			return -1;
		for (i = 0; i < st->nchal; i++) {
			if (memcmp(st->chal[i].id, st->chal[st->nchal].id,
			    SMSOTP_CHALLENGE_HEXLEN) == 0) {
				*why = "duplicate challenge id";
				return -1;
			}
		}
		st->nchal++;
		return 0;
	case R_DECISION:
		*why = "too many decisions";
		if (st->ndec == SMSOTP_MAX_DECISIONS)
			return -1;
		if (parse_decision(c, &st->dec[st->ndec], why) != 0)
			return -1;
		st->ndec++;
		return 0;
	case R_GRACE:
		*why = "too many grace entries";
		if (st->ngrace == SMSOTP_MAX_GRACE)
			return -1;
		if (parse_grace(c, &st->grace[st->ngrace], why) != 0)
			return -1;
		st->ngrace++;
		return 0;
	default:
		*why = "internal error";
		return -1;
	}
	*why = "extra fields in record";
	return smsotp_tok_next(c, &t, &n) == 0 ? 0 : -1;
}

int
smsotp_state_parse(const char *buf, size_t len, struct smsotp_state *st,
    const char **why)
{
	size_t pos = 0, end;
	int next = R_HDR, rv = -1;

	memset(st, 0, sizeof(*st));
	if (len == 0) {
		*why = "empty file";
		goto out;
	}
	if (len > SMSOTP_STATE_MAX_SIZE) {
		*why = "file too large";
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		*why = "NUL byte in file";
		goto out;
	}
	if (memchr(buf, '\r', len) != NULL) {
		*why = "CR byte in file";
		goto out;
	}
	if (buf[len - 1] != '\n') {
		*why = "missing final newline";
		goto out;
	}
	/* The last line is "end <sum>"; it covers every byte before it. */
	if (smsotp_record_open(buf, len, &end, why) != 0)
		goto out;

	while (pos < end) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', end - pos);
		struct smsotp_cur c;
		const char *t;
		size_t n;
		int r;

		/* end > 0 here and buf[end - 1] == '\n': nl is never NULL. */
		if (nl == NULL) {
			*why = "internal error";
			goto out;
		}
		c.p = line;
		c.e = nl;
		if (smsotp_tok_next(&c, &t, &n) != 1) {
			*why = "empty line or stray space";
			goto out;
		}
		r = rec_lookup(t, n);
		if (r < 0) {
			*why = "unknown record";
			goto out;
		}
		if (r < next) {
			*why = "duplicate or misplaced record";
			goto out;
		}
		if (r > next && !(next >= R_FIRST_LIST && r >= R_FIRST_LIST)) {
			*why = "missing record";
			goto out;
		}
		if (parse_record(r, &c, st, why) != 0)
			goto out;
		next = r < R_FIRST_LIST ? r + 1 : r;
		pos = (size_t)(nl - buf) + 1;
	}
	if (next < R_FIRST_LIST) {
		*why = "missing record";
		goto out;
	}
	rv = 0;
out:
	if (rv != 0)
		memset(st, 0, sizeof(*st));
	return rv;
}

/* Everything format checks so that parse will accept its output. */
static int
state_valid(const struct smsotp_state *st)
{
	size_t ulen = strnlen(st->user, sizeof(st->user));
	int i, j, k;

	if (ulen == 0 || ulen > SMSOTP_USER_MAX || st->locked_until < 0 ||
	    st->nsends < 0 || st->nsends > SMSOTP_MAX_SENDS ||
	    st->nchal < 0 || st->nchal > SMSOTP_MAX_CHALLENGES ||
	    st->ndec < 0 || st->ndec > SMSOTP_MAX_DECISIONS ||
	    st->ngrace < 0 || st->ngrace > SMSOTP_MAX_GRACE)
		return 0;
	for (i = 0; i < st->ngrace; i++)
		if (st->grace[i].granted < 0 || st->grace[i].expires < 0)
			return 0;
	for (i = 0; i < st->ndec; i++) {
		const struct smsotp_decision *d = &st->dec[i];
		if (d->at < 0 || smsotp_decision_token(d->kind) == NULL ||
		    smsotp_why_token(d->why) == NULL ||
		    strnlen(d->service, sizeof(d->service)) ==
		    sizeof(d->service) ||
		    strnlen(d->rhost, sizeof(d->rhost)) == sizeof(d->rhost))
			return 0;
	}
	for (i = 0; i < st->nsends; i++)
		if (st->sends[i] < 0)
			return 0;
	for (i = 0; i < st->nchal; i++) {
		const struct smsotp_challenge *ch = &st->chal[i];
		if (ch->created < 0 || ch->expires < 0 || ch->last_sent < 0 ||
		    ch->attempts < 0 || ch->attempts > MAX_ATTEMPTS ||
		    (ch->bound != 0 && ch->bound != 1))
			return 0;
		for (k = 0; k < SMSOTP_CHALLENGE_HEXLEN; k++)
			if (smsotp_lhex_digit((unsigned char)ch->id[k]) < 0)
				return 0;
		if (ch->id[SMSOTP_CHALLENGE_HEXLEN] != '\0')
			return 0;
		for (j = 0; j < i; j++)
			if (memcmp(st->chal[j].id, ch->id,
			    SMSOTP_CHALLENGE_HEXLEN) == 0)
				return 0;
	}
	return 1;
}

/* A name: plain characters as they are, others as %XX. */
static void
put_name(struct smsotp_recw *w, const char *s, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = strnlen(s, max);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (plain_char(c))
			smsotp_recw_put(w, &s[i], 1);
		else
			smsotp_recw_put(w, e, 3);
	}
}

static void
put_decision(struct smsotp_recw *w, const struct smsotp_decision *d)
{
	smsotp_recw_str(w, "decision");
	smsotp_recw_snum(w, (uint64_t)d->at);
	smsotp_recw_str(w, " ");
	smsotp_recw_str(w, smsotp_decision_token(d->kind));
	smsotp_recw_str(w, " ");
	smsotp_recw_str(w, smsotp_why_token(d->why));
	if (d->service[0] != '\0') {
		smsotp_recw_str(w, " service=");
		put_name(w, d->service, SMSOTP_DECISION_SERVICE_MAX);
	}
	if (d->rhost[0] != '\0') {
		smsotp_recw_str(w, " rhost=");
		put_name(w, d->rhost, SMSOTP_DECISION_RHOST_MAX);
	}
	smsotp_recw_str(w, "\n");
}

int
smsotp_state_format(const struct smsotp_state *st, char *buf, size_t cap,
    size_t *len)
{
	struct smsotp_recw w;
	int i;

	smsotp_recw_init(&w, buf, cap);
	if (!state_valid(st)) {
		smsotp_recw_fail(&w);
		return smsotp_record_seal(&w, SMSOTP_STATE_MAX_SIZE, len);
	}
	smsotp_recw_str(&w, HDR_LINE "\nuser ");
	put_name(&w, st->user, SMSOTP_USER_MAX + 1);
	smsotp_recw_str(&w, "\nfailures ");
	smsotp_recw_num(&w, st->failures);
	smsotp_recw_str(&w, "\nlockouts ");
	smsotp_recw_num(&w, st->lockouts);
	smsotp_recw_str(&w, "\nlocked_until ");
	smsotp_recw_num(&w, (uint64_t)st->locked_until);
	smsotp_recw_str(&w, "\nsends");
	for (i = 0; i < st->nsends; i++)
		smsotp_recw_snum(&w, (uint64_t)st->sends[i]);
	smsotp_recw_str(&w, "\n");
	for (i = 0; i < st->nchal; i++) {
		const struct smsotp_challenge *ch = &st->chal[i];

		smsotp_recw_str(&w, "challenge ");
		smsotp_recw_put(&w, ch->id, SMSOTP_CHALLENGE_HEXLEN);
		smsotp_recw_str(&w, " ");
		smsotp_recw_hex(&w, ch->hash, SMSOTP_STATE_HASH_LEN);
		smsotp_recw_snum(&w, (uint64_t)ch->created);
		smsotp_recw_snum(&w, (uint64_t)ch->expires);
		smsotp_recw_snum(&w, (uint64_t)ch->last_sent);
		smsotp_recw_snum(&w, (uint64_t)ch->attempts);
		if (ch->bound) {
			smsotp_recw_str(&w, " ");
			smsotp_recw_hex(&w, ch->bind, SMSOTP_STATE_BIND_LEN);
		}
		smsotp_recw_str(&w, "\n");
	}
	for (i = 0; i < st->ndec; i++)
		put_decision(&w, &st->dec[i]);
	for (i = 0; i < st->ngrace; i++) {
		const struct smsotp_grace *g = &st->grace[i];

		smsotp_recw_str(&w, "grace ");
		smsotp_recw_hex(&w, g->login, SMSOTP_GRACE_HASH_LEN);
		smsotp_recw_snum(&w, (uint64_t)g->granted);
		smsotp_recw_snum(&w, (uint64_t)g->expires);
		smsotp_recw_str(&w, " ");
		smsotp_recw_hex(&w, g->boot, SMSOTP_GRACE_HASH_LEN);
		smsotp_recw_str(&w, " ");
		smsotp_recw_hex(&w, g->phone, SMSOTP_GRACE_HASH_LEN);
		smsotp_recw_str(&w, "\n");
	}
	return smsotp_record_seal(&w, SMSOTP_STATE_MAX_SIZE, len);
}

void
smsotp_state_init(struct smsotp_state *st, const char *user)
{
	size_t n = strnlen(user, SMSOTP_USER_MAX);

	memset(st, 0, sizeof(*st));
	memcpy(st->user, user, n);
	st->user[n] = '\0';
}

void
smsotp_state_name(const char *user, char out[SMSOTP_STATE_NAME_SIZE])
{
	unsigned char h[16];

	crypto_generichash(h, sizeof(h), (const unsigned char *)user,
	    strlen(user), NULL, 0);
	out[0] = 'u';
	out[1] = '-';
	smsotp_hex(h, sizeof(h), out + 2);
}
