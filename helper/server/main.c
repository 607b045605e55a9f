/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/server/main.c - smsotp-helper: one request on stdin, one reply on stdout
 * (DESIGN.md section 3). Installed setgid smsotp; trusts nothing from its
 * caller beyond what the caller's uid allows.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/code.h"
#include "core/conf_load.h"
#include "core/engine.h"
#include "server/hardening.h"
#include "gateways/http_client.h"
#include "base/log.h"
#include "proto/proto.h"
#include "store/state.h"
#include "phones/account.h"
#include "base/util.h"
#include "base/wipe.h"

#define HELPER_DEADLINE_S 30	/* the module waits 40 s */
#define LOCK_WAIT_MS      3000

static const char *const begin_keys[] = {
	"op", "user", "service", "rhost", "tty", "config", "nullok", NULL
};
static const char *const resend_keys[] = {
	"op", "user", "challenge", "service", "rhost", "tty", "config", NULL
};
static const char *const verify_keys[] = {
	"op", "user", "challenge", "code", "config", NULL
};

/* Read all of stdin, at most SMSOTP_PROTO_MAX_MSG bytes. */
static int
read_request(char *buf, size_t cap, size_t *len)
{
	size_t used = 0;
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			*len = used;
			return 0;
		}
		used += (size_t)n;
		if (used == cap)
			break;	/* too long */
	}
	*len = used;	/* what main must wipe, also on failure */
	return -1;
}

static int
add_long(char *buf, size_t cap, size_t *used, const char *key, long v)
{
	char num[32];

	if (smsotp_fmt(num, sizeof(num), "%ld", v) != 0)
		return -1;
	return smsotp_msg_add(buf, cap, used, key, num);
}

static int
send_reply(const struct smsotp_reply *r)
{
	char buf[2048];
	size_t used = 0;
	int bad = 0;

	buf[0] = '\0';
	bad |= smsotp_msg_add(buf, sizeof(buf), &used, "status",
	    smsotp_status_name(r->status)) != 0;
	switch (r->status) {
	case SMSOTP_SENT:
		bad |= smsotp_msg_add(buf, sizeof(buf), &used, "challenge",
		    r->challenge) != 0;
		bad |= smsotp_msg_add(buf, sizeof(buf), &used, "masked",
		    r->masked) != 0;
		bad |= add_long(buf, sizeof(buf), &used, "ttl", r->ttl) != 0;
		bad |= add_long(buf, sizeof(buf), &used, "resend_after",
		    r->resend_after) != 0;
		break;
	case SMSOTP_LOCKED:
		if (r->until > 0)
			bad |= add_long(buf, sizeof(buf), &used, "until",
			    (long)r->until) != 0;
		break;
	case SMSOTP_RATE_LIMITED:
		bad |= add_long(buf, sizeof(buf), &used, "retry_after",
		    r->retry_after) != 0;
		break;
	case SMSOTP_BAD_CODE:
		bad |= add_long(buf, sizeof(buf), &used, "attempts_left",
		    r->attempts_left) != 0;
		break;
	default:
		break;
	}
	if (bad)
		return -1;
	return smsotp_write_all(STDOUT_FILENO, buf, used);
}

/* Service name for the SMS text: only from a privileged caller. */
static void
pick_service(int privileged, const char *given, char *out, size_t outsz)
{
	size_t i, n = given != NULL ? strlen(given) : 0;

	if (!privileged || n == 0 || n >= outsz || n > 32) {
		(void)smsotp_fmt(out, outsz, "login");
		return;
	}
	for (i = 0; i < n; i++) {
		char c = given[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
			(void)smsotp_fmt(out, outsz, "login");
			return;
		}
	}
	memcpy(out, given, n + 1);
}

/*
 * SECURITY: a privileged caller (real root: sshd, sudo, su) may ask about
 * anyone; any other caller only about the account of its real uid.
 */
static int
caller_may_ask(int privileged, int known, uid_t uid, const char *ulog)
{
	if (privileged || (known && uid == getuid()))
		return 1;
	smsotp_log(LOG_WARNING, "uid %lu asked about user=%s: refused (an "
	    "unprivileged caller may only ask about itself)",
	    (unsigned long)getuid(), ulog);
	return 0;
}

/*
 * One line per request. rhost and tty are facts only when a privileged
 * caller gives them; from anyone else they are logged as claims.
 */
static void
log_request(const struct smsotp_msg *req, const char *op, const char *ulog,
    int privileged)
{
	const char *rh = smsotp_msg_get(req, "rhost");
	const char *tty = smsotp_msg_get(req, "tty");
	const char *svc = smsotp_msg_get(req, "service");
	char a[80], b[80], c[80];

	smsotp_sanitize(a, sizeof(a), rh != NULL ? rh : "-",
	    strlen(rh != NULL ? rh : "-"));
	smsotp_sanitize(b, sizeof(b), tty != NULL ? tty : "-",
	    strlen(tty != NULL ? tty : "-"));
	smsotp_sanitize(c, sizeof(c), svc != NULL ? svc : "-",
	    strlen(svc != NULL ? svc : "-"));
	smsotp_log(LOG_INFO, "%s user=%s service=%s rhost=%s tty=%s uid=%lu%s",
	    op, ulog, c, a, b, (unsigned long)getuid(),
	    privileged ? "" : " (unprivileged caller: claims unverified)");
}

static int
load_all(int privileged, const struct smsotp_msg *req, struct smsotp_conf *conf,
    unsigned char key[SMSOTP_KEY_LEN], struct smsotp_store *store)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_errs errs;
	const char *path = SMSOTP_CONF_PATH, *given = smsotp_msg_get(req, "config");
	char why[320];
	int i;

	if (given != NULL) {
		if (!privileged)
			smsotp_log(LOG_WARNING, "config= from an unprivileged "
			    "caller ignored");
		else if (given[0] != '/')
			smsotp_log(LOG_WARNING, "config= must be absolute: ignored");
		else
			path = given;
	}
	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(path, &opts, conf, &errs) != 0) {
		for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++)
			smsotp_log(LOG_ERR, "config: %s", errs.msg[i]);
		smsotp_log(LOG_ERR, "configuration invalid (%d error%s): "
		    "login denied; run 'smsotpctl check-config'", errs.n,
		    errs.n == 1 ? "" : "s");
		return -1;
	}
	if (smsotp_key_load(SMSOTP_KEY_PATH, 0, key, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "key: %s (run 'smsotpctl init')", why);
		return -1;
	}
	if (smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, store, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "state directory: %s (run 'smsotpctl init')",
		    why);
		return -1;
	}
	return 0;
}

static int
dispatch(const struct smsotp_msg *req, int privileged, struct smsotp_reply *r)
{
	struct smsotp_conf conf;
	struct smsotp_store store = SMSOTP_STORE_NONE;
	struct smsotp_ctx ctx;
	unsigned char key[SMSOTP_KEY_LEN];
	char host[256], service[40], ulog[80], why_op[64];
	const char *op = smsotp_msg_get(req, "op");
	const char *user = smsotp_msg_get(req, "user");
	const char *const *allowed;
	const char *bad, *chal, *code, *nl;
	char account[SMSOTP_USER_MAX + 1];
	uid_t uid = (uid_t)-1;
	int loaded = 0, locked_key = 0, nullok, canon;
	double started = smsotp_mono();

	memset(&conf, 0, sizeof(conf));
	r->status = SMSOTP_ERROR;
	if (op == NULL || user == NULL) {
		smsotp_log(LOG_ERR, "request without op or user: refused");
		return SMSOTP_ERROR;
	}
	if (strcmp(op, "begin") == 0)
		allowed = begin_keys;
	else if (strcmp(op, "resend") == 0)
		allowed = resend_keys;
	else if (strcmp(op, "verify") == 0)
		allowed = verify_keys;
	else {
		smsotp_sanitize(why_op, sizeof(why_op), op, strlen(op));
		smsotp_log(LOG_ERR, "unknown op '%s': refused", why_op);
		return SMSOTP_ERROR;
	}
	if (smsotp_msg_check_keys(req, allowed, &bad) != 0) {
		smsotp_log(LOG_ERR, "unexpected key '%s' in %s request: refused",
		    bad, op);
		return SMSOTP_ERROR;
	}
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	if (!smsotp_user_ok(user)) {
		smsotp_log(LOG_ERR, "invalid user name '%s': refused", ulog);
		return SMSOTP_ERROR;
	}
	canon = smsotp_user_canon(user, account, sizeof(account), &uid, why_op,
	    sizeof(why_op));
	if (canon == SMSOTP_PHONE_ERROR) {
		smsotp_log(LOG_ERR, "user=%s: %s: denied", ulog, why_op);
		return SMSOTP_ERROR;
	}
	if (!caller_may_ask(privileged, canon == SMSOTP_PHONE_FOUND, uid, ulog))
		return SMSOTP_ERROR;
	if (canon == SMSOTP_PHONE_FOUND && strcmp(account, user) != 0) {
		smsotp_sanitize(ulog, sizeof(ulog), account, strlen(account));
		smsotp_log(LOG_INFO, "user name given is the account user=%s",
		    ulog);
	}
	user = account;	/* every lookup, record and limit from here on */
	chal = smsotp_msg_get(req, "challenge");
	code = smsotp_msg_get(req, "code");
	if (strcmp(op, "begin") != 0 && (chal == NULL || !smsotp_challenge_ok(chal))) {
		smsotp_log(LOG_ERR, "%s request without a valid challenge: "
		    "refused", op);
		return SMSOTP_ERROR;
	}
	if (strcmp(op, "verify") == 0 && code == NULL) {
		smsotp_log(LOG_ERR, "verify request without code: refused");
		return SMSOTP_ERROR;
	}
	/* nullok=1: the module may skip users without a phone (decoy.h) */
	nl = smsotp_msg_get(req, "nullok");
	if (nl != NULL && strcmp(nl, "1") != 0 && strcmp(nl, "0") != 0) {
		smsotp_log(LOG_ERR, "nullok must be 0 or 1: refused");
		return SMSOTP_ERROR;
	}
	nullok = nl != NULL && strcmp(nl, "1") == 0;
	/* SECURITY: a skip is the privileged side's decision, never a hint's */
	if (nullok && !privileged) {
		smsotp_log(LOG_WARNING, "nullok= from an unprivileged caller "
		    "ignored");
		nullok = 0;
	}
	log_request(req, op, ulog, privileged);
	if (smsotp_crypto_init() != 0) {
		smsotp_log(LOG_CRIT, "libsodium failed to initialise");
		return SMSOTP_ERROR;
	}
	smsotp_secret_lock(key, sizeof(key));
	locked_key = 1;
	if (load_all(privileged, req, &conf, key, &store) != 0)
		goto out;
	loaded = 1;
	if (gethostname(host, sizeof(host)) != 0)
		(void)smsotp_fmt(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	pick_service(privileged, smsotp_msg_get(req, "service"), service,
	    sizeof(service));
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.store = &store;
	ctx.key = key;
	ctx.now = smsotp_now();
	ctx.host = host;
	ctx.conf_owner = 0;
	ctx.lock_wait_ms = LOCK_WAIT_MS;
	ctx.started = started;
	ctx.deadline = smsotp_mono() + conf.send_deadline;
	ctx.nullok = nullok;
	ctx.unknown_user = canon == SMSOTP_PHONE_NONE;
	ctx.privileged = privileged;
	if (strcmp(op, "verify") == 0) {
		smsotp_verify(&ctx, user, chal, code, strlen(code), r);
	} else {
		/* Cheap: libcurl is loaded only when an HTTP gateway sends. */
		if (smsotp_http_global_init() != 0) {
			smsotp_log(LOG_CRIT, "HTTP transport failed to initialise");
			goto out;
		}
		if (strcmp(op, "begin") == 0)
			smsotp_begin(&ctx, user, service, r);
		else
			smsotp_resend(&ctx, user, chal, service, r);
	}
out:
	if (locked_key)
		smsotp_secret_unlock(key, sizeof(key));
	else
		smsotp_wipe(key, sizeof(key));
	if (loaded)
		smsotp_store_close(&store);
	if (conf.path != NULL)
		smsotp_conf_free(&conf);
	return r->status;
}

int
main(int argc, char **argv)
{
	static char buf[SMSOTP_PROTO_MAX_MSG + 1];
	struct smsotp_msg req;
	struct smsotp_reply r;
	const char *why;
	size_t len = 0;
	int privileged;

	(void)argv;
	smsotp_secret_lock(buf, sizeof(buf));	/* the request holds the code */
	if (smsotp_harden(HELPER_DEADLINE_S) != 0)
		return SMSOTP_ERROR;
	smsotp_log_init("smsotp-helper", 0);
	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_ERROR;
	if (argc > 1 || isatty(STDIN_FILENO)) {
		fprintf(stderr, "smsotp-helper: this program is run by "
		    "pam_smsotp.so, not by hand; see smsotp-helper(8)\n");
		return SMSOTP_ERROR;
	}
	privileged = smsotp_caller_privileged();
	if (smsotp_rlimits_ok(privileged) != 0)
		goto reply;
	if (read_request(buf, sizeof(buf), &len) != 0) {
		smsotp_log(LOG_ERR, "unreadable or oversized request: refused");
		goto reply;
	}
	if (smsotp_msg_parse(buf, len, &req, &why) != 0) {
		smsotp_log(LOG_ERR, "malformed request (%s): refused", why);
		goto reply;
	}
	smsotp_wipe(buf, len);
	dispatch(&req, privileged, &r);
	smsotp_msg_free(&req);
reply:
	/* SECURITY: only the bytes read can hold the code (buf is static). */
	smsotp_wipe(buf, len);
	if (send_reply(&r) != 0)
		return SMSOTP_ERROR;
	return r.status;
}
