/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dispatch.c - one request from any transport: checked against the
 * protocol's table (proto/ops.h), the caller's right to ask, the
 * configuration, key and store loaded, and the operation's pipeline run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "base/wipe.h"
#include "core/code.h"
#include "core/conf_load.h"
#include "core/engine.h"
#include "gateways/http_client.h"
#include "phones/account.h"
#include "proto/ops.h"
#include "server/dispatch.h"
#include "server/warm.h"
#include "store/state.h"

#define LOCK_WAIT_MS 3000

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
caller_may_ask(const struct smsotp_caller *who, int known, uid_t uid,
    const char *ulog)
{
	if (who->privileged || (known && uid == who->uid))
		return 1;
	smsotp_log(LOG_WARNING, "uid %lu asked about user=%s: refused (an "
	    "unprivileged caller may only ask about itself)",
	    (unsigned long)who->uid, ulog);
	return 0;
}

/*
 * One line per request. rhost and tty are facts only when a privileged
 * caller gives them; from anyone else they are logged as claims.
 */
static void
log_request(const struct smsotp_msg *req, const char *op, const char *ulog,
    const struct smsotp_caller *who)
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
	    op, ulog, c, a, b, (unsigned long)who->uid,
	    who->privileged ? "" : " (unprivileged caller: claims unverified)");
}

/*
 * The configuration (the service's kept one when it is the compiled-in
 * path: *snap, else loaded into *conf), the key and the store. 0, or -1
 * (logged).
 */
static int
load_all(int privileged, const struct smsotp_msg *req, struct smsotp_conf *conf,
    struct smsotp_snapshot **snap, unsigned char key[SMSOTP_KEY_LEN],
    struct smsotp_store *store)
{
	const char *path = SMSOTP_CONF_PATH, *given = smsotp_msg_get(req, "config");
	const struct smsotp_conf *c = conf;
	char why[320];
	int compiled_in = 1;

	*snap = NULL;
	if (given != NULL) {
		if (!privileged)
			smsotp_log(LOG_WARNING, "config= from an unprivileged "
			    "caller ignored");
		else if (given[0] != '/')
			smsotp_log(LOG_WARNING, "config= must be absolute: ignored");
		else {
			path = given;
			compiled_in = 0;
		}
	}
	if (compiled_in && smsotp_warm_enabled()) {
		if ((*snap = smsotp_warm_get()) == NULL)
			return -1;
		c = &(*snap)->conf;
	} else if (smsotp_conf_load_logged(path, conf) != 0) {
		return -1;
	}
	/* the log target is root's to open; an unprivileged caller's run
	 * (a screen locker) keeps to syslog */
	if (privileged && smsotp_log_to(c->log, why, sizeof(why)) != 0)
		smsotp_log(LOG_WARNING, "%s: lines stay on syslog", why);
	if (*snap != NULL)
		memcpy(key, (*snap)->key, SMSOTP_KEY_LEN);
	else if (smsotp_key_load_logged(key) != 0)
		return -1;
	if (smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, store, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "state directory: %s (run 'smsotpctl init')",
		    why);
		return -1;
	}
	return 0;
}

/* What an operation's pipeline is given. */
struct op_args {
	const char *user;	/* the account: canonical name */
	const char *challenge;
	const char *code;
	const char *service;
};

static void
run_begin(const struct smsotp_ctx *ctx, const struct op_args *a,
    struct smsotp_reply *r)
{
	(void)smsotp_begin(ctx, a->user, a->service, r);
}

static void
run_resend(const struct smsotp_ctx *ctx, const struct op_args *a,
    struct smsotp_reply *r)
{
	(void)smsotp_resend(ctx, a->user, a->challenge, a->service, r);
}

static void
run_verify(const struct smsotp_ctx *ctx, const struct op_args *a,
    struct smsotp_reply *r)
{
	(void)smsotp_verify(ctx, a->user, a->challenge, a->code,
	    strlen(a->code), r);
}

/* Each operation's pipeline, and whether it may send (HTTP gateways). */
static const struct {
	void (*run)(const struct smsotp_ctx *, const struct op_args *,
	    struct smsotp_reply *);
	int sends;
} ops[SMSOTP_OP_COUNT] = {
	[SMSOTP_OP_BEGIN] = { run_begin, 1 },
	[SMSOTP_OP_RESEND] = { run_resend, 1 },
	[SMSOTP_OP_VERIFY] = { run_verify, 0 },
};

/*
 * The request's operation, checked against the protocol's table, with a
 * well-formed challenge where there is one. The op, or -1 (logged).
 */
static int
check_request(const struct smsotp_msg *req)
{
	const char *name = smsotp_msg_get(req, "op"), *bad, *chal;
	char why[64];
	int op;

	if (name == NULL || smsotp_msg_get(req, "user") == NULL) {
		smsotp_log(LOG_ERR, "request without op or user: refused");
		return -1;
	}
	op = smsotp_op_from_name(name);
	if (op < 0) {
		smsotp_sanitize(why, sizeof(why), name, strlen(name));
		smsotp_log(LOG_ERR, "unknown op '%s': refused", why);
		return -1;
	}
	if (smsotp_op_check((enum smsotp_op)op, req, &bad) != 0) {
		smsotp_log(LOG_ERR, "%s key '%s' in %s request: refused",
		    smsotp_msg_get(req, bad) != NULL ? "unexpected" : "missing",
		    bad, name);
		return -1;
	}
	chal = smsotp_msg_get(req, "challenge");
	if (chal != NULL && !smsotp_challenge_ok(chal)) {
		smsotp_log(LOG_ERR, "%s request without a valid challenge: "
		    "refused", name);
		return -1;
	}
	/* handle= has the form of a challenge id: 32 lower-case hex digits */
	chal = smsotp_msg_get(req, "handle");
	if (chal != NULL && !smsotp_challenge_ok(chal)) {
		smsotp_log(LOG_ERR, "%s request with a malformed handle: "
		    "refused", name);
		return -1;
	}
	return op;
}

void
smsotp_dispatch(const struct smsotp_inbound *in, struct smsotp_reply *r)
{
	const struct smsotp_msg *req = &in->msg;
	const struct smsotp_caller *who = &in->caller;
	struct smsotp_conf conf;
	struct smsotp_snapshot *snap = NULL;
	const struct smsotp_conf *cp = &conf;
	struct smsotp_store store = SMSOTP_STORE_NONE;
	struct smsotp_ctx ctx;
	struct op_args a;
	unsigned char key[SMSOTP_KEY_LEN], bind[SMSOTP_BIND_LEN];
	char host[256], service[40], ulog[80], why_op[64];
	const char *user = smsotp_msg_get(req, "user");
	const char *handle = smsotp_msg_get(req, "handle");
	const char *nl;
	char account[SMSOTP_USER_MAX + 1];
	uid_t uid = (uid_t)-1;
	int loaded = 0, locked_key = 0, nullok, canon, op;
	double deadline;

	memset(&conf, 0, sizeof(conf));
	r->status = SMSOTP_ERROR;
	op = check_request(req);
	if (op < 0)
		return;
	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	if (!smsotp_user_ok(user)) {
		smsotp_log(LOG_ERR, "invalid user name '%s': refused", ulog);
		return;
	}
	canon = smsotp_user_canon(user, account, sizeof(account), &uid, why_op,
	    sizeof(why_op));
	if (canon == SMSOTP_PHONE_ERROR) {
		smsotp_log(LOG_ERR, "user=%s: %s: denied", ulog, why_op);
		return;
	}
	if (!caller_may_ask(who, canon == SMSOTP_PHONE_FOUND, uid, ulog))
		return;
	if (canon == SMSOTP_PHONE_FOUND && strcmp(account, user) != 0) {
		smsotp_sanitize(ulog, sizeof(ulog), account, strlen(account));
		smsotp_log(LOG_INFO, "user name given is the account user=%s",
		    ulog);
	}
	/* nullok=1: the module may skip users without a phone (decoy.h) */
	nl = smsotp_msg_get(req, "nullok");
	if (nl != NULL && strcmp(nl, "1") != 0 && strcmp(nl, "0") != 0) {
		smsotp_log(LOG_ERR, "nullok must be 0 or 1: refused");
		return;
	}
	nullok = nl != NULL && strcmp(nl, "1") == 0;
	/* SECURITY: a skip is the privileged side's decision, never a hint's */
	if (nullok && !who->privileged) {
		smsotp_log(LOG_WARNING, "nullok= from an unprivileged caller "
		    "ignored");
		nullok = 0;
	}
	log_request(req, smsotp_ops[op].name, ulog, who);
	if (smsotp_crypto_init() != 0) {
		smsotp_log(LOG_CRIT, "libsodium failed to initialise");
		return;
	}
	smsotp_secret_lock(key, sizeof(key));
	locked_key = 1;
	if (load_all(who->privileged, req, &conf, &snap, key, &store) != 0)
		goto out;
	loaded = 1;
	if (snap != NULL)
		cp = &snap->conf;
	/* Cheap: libcurl is loaded only when an HTTP gateway sends. */
	if (ops[op].sends && smsotp_http_global_init() != 0) {
		smsotp_log(LOG_CRIT, "HTTP transport failed to initialise");
		goto out;
	}
	if (gethostname(host, sizeof(host)) != 0)
		(void)smsotp_fmt(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	pick_service(who->privileged, smsotp_msg_get(req, "service"), service,
	    sizeof(service));
	/* sends end by the configured deadline, and before the request's */
	deadline = smsotp_mono() + cp->send_deadline;
	if (deadline > in->deadline)
		deadline = in->deadline;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = cp;
	ctx.store = &store;
	ctx.key = key;
	ctx.now = smsotp_now();
	ctx.host = host;
	ctx.conf_owner = 0;
	ctx.lock_wait_ms = LOCK_WAIT_MS;
	ctx.started = in->started;
	ctx.deadline = deadline;
	ctx.nullok = nullok;
	ctx.unknown_user = canon == SMSOTP_PHONE_NONE;
	ctx.privileged = who->privileged;
	ctx.resident = smsotp_warm_enabled();
	/* for the decisions noted: a claimed rhost is not one of them */
	ctx.service = service;
	ctx.rhost = who->privileged ? smsotp_msg_get(req, "rhost") : NULL;
	ctx.tty = who->privileged ? smsotp_msg_get(req, "tty") : NULL;
	/*
	 * A begin that names its PAM handle: bound to it with what the login
	 * is (an unprivileged caller's service is "login", its rhost and tty
	 * are claims about its own account only).
	 */
	if (handle != NULL) {
		smsotp_handle_bind(key, account, handle, service,
		    smsotp_msg_get(req, "rhost"), smsotp_msg_get(req, "tty"),
		    bind);
		ctx.bind = bind;
	}
	a.user = account;	/* every lookup, record and limit from here on */
	a.challenge = smsotp_msg_get(req, "challenge");
	a.code = smsotp_msg_get(req, "code");
	a.service = service;
	ops[op].run(&ctx, &a, r);
out:
	if (locked_key)
		smsotp_secret_unlock(key, sizeof(key));
	else
		smsotp_wipe(key, sizeof(key));
	if (loaded)
		smsotp_store_close(&store);
	smsotp_warm_put(snap);
	if (conf.path != NULL)
		smsotp_conf_free(&conf);
}

int
smsotp_serve(struct smsotp_transport *t)
{
	struct smsotp_inbound in;
	struct smsotp_reply r;
	int n, last = SMSOTP_ERROR;

	while ((n = t->ops->next(t, &in)) != 0) {
		memset(&r, 0, sizeof(r));
		r.status = SMSOTP_ERROR;
		if (n > 0)
			smsotp_dispatch(&in, &r);
		last = r.status;
		if (t->ops->reply(t, &in, &r) != 0)
			return SMSOTP_ERROR;
	}
	return last;
}
