/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/verify_phone.c - `smsotpctl set-phone USER NUMBER --verify`:
 * a new number is a new authenticator (NIST SP 800-63B-4), so it is bound
 * only once a code texted to it has been typed back; the old number, if
 * there was one, then gets a notice. The code lives in this process's
 * locked memory and the text only: never a file, an argument or a log.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "base/template.h"
#include "conf/conf.h"
#include "core/code.h"
#include "ctl/verbs.h"
#include "gateways/gateway.h"
#include "gateways/http_client.h"
#include "phones/phone.h"
#include "store/state.h"

#define LINE_MAX_TYPED 64

/* One text through the configured route, as a root caller; 0 sent. */
static int
send_text(const struct smsotp_conf *conf, const char *to, const char *text)
{
	struct smsotp_store store = SMSOTP_STORE_NONE;
	struct smsotp_gw_opts gwo;
	char why[320];
	int used, have_store, rv;

	have_store = smsotp_store_open_dir(SMSOTP_STATE_DIR, 0, &store, why,
	    sizeof(why)) == 0;
	memset(&gwo, 0, sizeof(gwo));
	gwo.only = -1;
	gwo.store = have_store ? &store : NULL;
	gwo.privileged = getuid() == 0 && geteuid() == 0;
	gwo.now = smsotp_now();
	rv = smsotp_gw_send_opts(conf, to, text, smsotp_mono() +
	    conf->send_deadline, &gwo, &used) == SMSOTP_GW_SENT ? 0 : -1;
	if (have_store)
		smsotp_store_close(&store);
	return rv;
}

/*
 * A line typed on standard input by the deadline (smsotp_mono() time),
 * without its newline, into buf. 1 read, 0 end of input or an empty line,
 * -1 timeout or error.
 */
static int
read_typed(char *buf, size_t cap, double deadline)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	size_t n = 0;
	ssize_t r;
	char c;
	int ms;

	for (;;) {
		ms = (int)((deadline - smsotp_mono()) * 1000.0);
		if (ms <= 0)
			return -1;
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return n > 0 ? 1 : 0;
}

/* Ask for the code until it is typed, the tries or the time run out. */
static int
code_typed_back(const struct smsotp_conf *conf, const char *masked,
    const char *code)
{
	double deadline = smsotp_mono() + conf->code_ttl;
	char typed[LINE_MAX_TYPED];
	size_t len = strlen(code);
	int i, r, ok = 0;

	smsotp_secret_lock(typed, sizeof(typed));
	for (i = 0; i < conf->code_max_attempts && !ok; i++) {
		fprintf(stderr, "code sent to %s (empty to cancel): ", masked);
		fflush(stderr);
		r = read_typed(typed, sizeof(typed), deadline);
		if (r <= 0) {
			fprintf(stderr, "\n%s\n", r < 0 ? "no code in time" :
			    "cancelled");
			break;
		}
		ok = strlen(typed) == len && sodium_memcmp(typed, code,
		    len) == 0;
		if (!ok)
			fprintf(stderr, "wrong code\n");
	}
	smsotp_secret_unlock(typed, sizeof(typed));
	return ok;
}

int
smsotp_ctl_verify_phone(const struct smsotp_ctl_call *call, const char *user,
    const char *e164)
{
	const struct smsotp_conf *conf = call->conf;
	char code[SMSOTP_CODE_MAX + 1], text[SMSOTP_TEXT_MAX + 1];
	char old[SMSOTP_E164_SIZE], masked[SMSOTP_MASKED_SIZE];
	char omasked[SMSOTP_MASKED_SIZE], host[256], why[320], ulog[80];
	int had_old, rv = SMSOTP_CTL_FAILED;

	smsotp_sanitize(ulog, sizeof(ulog), user, strlen(user));
	if (smsotp_crypto_init() != 0 || smsotp_http_global_init() != 0) {
		fprintf(stderr, "smsotpctl: libsodium or libcurl failed to "
		    "initialise\n");
		return SMSOTP_CTL_FAILED;
	}
	if (gethostname(host, sizeof(host)) != 0)
		(void)smsotp_fmt(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	switch (smsotp_phone_lookup_file(conf->phones_file, 0, user,
	    conf->default_country, old, why, sizeof(why), NULL)) {
	case SMSOTP_PHONE_FOUND:
		had_old = strcmp(old, e164) != 0;
		break;
	case SMSOTP_PHONE_NONE:
		had_old = 0;
		break;
	default:
		fprintf(stderr, "smsotpctl: %s: %s\n", conf->phones_file, why);
		return SMSOTP_CTL_FAILED;
	}
	smsotp_phone_mask(e164, masked, sizeof(masked));
	memset(code, 0, sizeof(code));
	smsotp_secret_lock(code, sizeof(code));
	smsotp_secret_lock(text, sizeof(text));
	smsotp_code_generate(conf->code_length, code);
	if (smsotp_fmt(text, sizeof(text), "%s is the code that confirms this "
	    "number for %s on %s. It expires in %d minutes.", code, user, host,
	    (conf->code_ttl + 59) / 60) != 0 ||
	    send_text(conf, e164, text) != 0) {
		fprintf(stderr, "smsotpctl: the code could not be sent to %s: "
		    "nothing changed (see 'smsotpctl test-send')\n", masked);
		smsotp_log(LOG_WARNING, "user=%s: number %s not verified: no "
		    "code could be sent", ulog, masked);
		goto out;
	}
	smsotp_log(LOG_NOTICE, "user=%s: verification code sent to new number "
	    "%s by smsotpctl", ulog, masked);
	if (!code_typed_back(conf, masked, code)) {
		fprintf(stderr, "smsotpctl: %s: not verified: nothing "
		    "changed\n", masked);
		smsotp_log(LOG_NOTICE, "audit event=phone-change-refused "
		    "user=%s service=smsotpctl rhost=- number=%s", ulog,
		    masked);
		goto out;
	}
	rv = smsotp_ctl_bind_phone(call, user, e164, 1);
	if (rv != SMSOTP_CTL_OK || !had_old)
		goto out;
	/* the old number learns of it: a change it did not expect is news */
	smsotp_phone_mask(old, omasked, sizeof(omasked));
	if (smsotp_fmt(text, sizeof(text), "The phone number for %s on %s "
	    "was changed. If you did not expect this, tell the "
	    "administrator.", user, host) != 0 || send_text(conf, old,
	    text) != 0) {
		fprintf(stderr, "smsotpctl: warning: the notice to the old "
		    "number %s could not be sent\n", omasked);
		smsotp_log(LOG_WARNING, "user=%s: notice of the change not "
		    "sent to the old number %s", ulog, omasked);
	} else {
		smsotp_log(LOG_NOTICE, "user=%s: notice of the change sent to "
		    "the old number %s", ulog, omasked);
	}
out:
	smsotp_secret_unlock(code, sizeof(code));
	smsotp_secret_unlock(text, sizeof(text));
	return rv;
}
