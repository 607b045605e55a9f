/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_smsotp.c - PAM glue: arguments, conversation, requests, verdicts. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "pending.h"
#include "proto/proto.h"
#include "run_helper.h"
#include "transport_choice.h"
#include "base/wipe.h"

/* Resend requests per authentication. */
#define MAX_RESENDS 3
/* "Prompt again": not a PAM return code (those are >= 0). */
#define AGAIN (-1)
/* Room for a user or host name in a log line. */
#define LOG_USER_MAX 64

struct auth {
	pam_handle_t *pamh;
	const struct smsotp_args *args;
	struct smsotp_request req;	/* user, service, rhost, tty, config */
	char challenge[SMSOTP_CHALLENGE_HEXLEN + 1];
	char masked[SMSOTP_HELPER_MASKED_MAX + 1];
	struct timespec asked;	/* monotonic, before the last helper run */
	int asked_ok;		/* asked holds the time */
	struct timespec expires;	/* of the challenge, when live */
	int live;		/* the challenge is usable after this call */
	int again;		/* sent by an earlier call: "already sent" */
	int codes;		/* codes typed and verified so far */
	int resends;		/* resend requests made so far */
	int status;		/* last helper status, -1 when none */
	const char *verdict;	/* for the log line */
	char reason[SMSOTP_HELPER_REASON_MAX + 1];	/* a SKIP's */
	int backup;		/* no text: the challenge takes a backup code */
	int backup_none;	/* the verdict when none is typed */
};

#define DBG(au, ...) do {						\
	if ((au)->args->debug)						\
		pam_syslog((au)->pamh, LOG_DEBUG, __VA_ARGS__);		\
} while (0)

/*
 * An error message for the user. Shown even under PAM_SILENT: it answers
 * what the user just typed at our own prompt, and sudo authenticates with
 * PAM_SILENT, where "Wrong code." would otherwise vanish.
 */
static void __attribute__((format(printf, 2, 3)))
say(struct auth *au, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)pam_verror(au->pamh, fmt, ap);
	va_end(ap);
}

/* A string item, or NULL when unset or empty. */
static const char *
str_item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL ||
	    *(const char *)v == '\0')
		v = NULL;
	return v;
}

/* SECURITY: user, rhost and tty come from the application: untrusted. */
static void
log_safe(char *dst, size_t size, const char *src)
{
	size_t i;

	if (src == NULL)
		src = "-";
	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* Replace every %{masked} in tmpl; 0, or -1 when out would truncate. */
static int
expand_prompt(const char *tmpl, const char *masked, char *out, size_t size)
{
	static const char tag[] = "%{masked}";
	const char *p = tmpl, *src;
	size_t o = 0, n;
	int rv = 0;

	while (*p != '\0' && rv == 0) {
		if (strncmp(p, tag, sizeof(tag) - 1) == 0) {
			src = masked;
			n = strlen(masked);
			p += sizeof(tag) - 1;
		} else {
			src = p++;
			n = 1;
		}
		if (n < size - o) {
			memcpy(out + o, src, n);
			o += n;
		} else {
			o = 0;		/* never show a truncated prompt */
			rv = -1;
		}
	}
	out[o] = '\0';
	return rv;
}

/* One request (transport=); records the status. 0, or -1 helper failed. */
static int
ask(struct auth *au, enum smsotp_op op, const char *code,
    struct smsotp_helper_reply *rep)
{
	int r;

	au->req.op = op;
	au->req.challenge = au->challenge;
	au->req.code = code;
	au->asked_ok = clock_gettime(CLOCK_MONOTONIC, &au->asked) == 0;
	r = smsotp_transport_request(au->pamh, au->args, &au->req, rep);
	au->req.code = NULL;
	au->status = r == 0 ? rep->status : -1;
	au->verdict = r == 0 ? smsotp_status_name(rep->status) : "helper failed";
	return r;
}

/*
 * A new challenge (or a new code for it): prompt for it, and keep it for
 * a later call in this handle when it has a lifetime. That is counted from
 * before the request, so that it ends here no later than in the helper.
 */
static void
take_sent(struct auth *au, const struct smsotp_helper_reply *rep)
{
	memcpy(au->challenge, rep->challenge, sizeof(au->challenge));
	memcpy(au->masked, rep->masked, sizeof(au->masked));
	au->again = rep->again;		/* begin for a named handle */
	au->live = au->asked_ok && rep->ttl > 0;
	if (au->live) {
		au->expires = au->asked;
		au->expires.tv_sec += rep->ttl;
	}
	DBG(au, "code %s to %s, ttl %ld s, resend after %ld s",
	    rep->again ? "already sent" : "sent", rep->masked, rep->ttl,
	    rep->resend_after);
}

/*
 * No text could be sent and the helper offered a backup code: prompt for
 * one. Not kept for a later call in the handle (a retry asks again).
 */
static void
take_backup(struct auth *au, const struct smsotp_helper_reply *rep)
{
	memcpy(au->challenge, rep->challenge, sizeof(au->challenge));
	au->masked[0] = '\0';
	au->backup = 1;
	au->backup_none = rep->status == SMSOTP_GATEWAY_DOWN ?
	    PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
	au->again = 0;
	au->live = 0;
	DBG(au, "no text sent (%s): asking for a backup code",
	    smsotp_status_name(rep->status));
}

/* A status that the op never answers is logged as such, never obeyed. */
static void
unexpected(struct auth *au, int status)
{
	if (status >= 0 && status != SMSOTP_ERROR) {
		pam_syslog(au->pamh, LOG_ERR, "unexpected helper reply %s",
		    smsotp_status_name(status));
		au->verdict = "unexpected helper reply";
	}
}

/* begin: AGAIN (a code was sent: prompt) or a PAM verdict. */
static int
do_begin(struct auth *au)
{
	struct smsotp_helper_reply rep;
	int rv, safe;

	if (ask(au, SMSOTP_OP_BEGIN, NULL, &rep) != 0)
		rep.status = -1;	/* helper failed: the default case */
	switch (rep.status) {
	case SMSOTP_SENT:
		take_sent(au, &rep);
		rv = AGAIN;
		break;
	case SMSOTP_SKIP:
		/* policy = { ... } of the configuration: not asked */
		memcpy(au->reason, rep.reason, sizeof(au->reason));
		rv = PAM_IGNORE;
		break;
	case SMSOTP_NO_PHONE:
		rv = au->args->nullok ? PAM_IGNORE : PAM_AUTH_ERR;
		break;
	case SMSOTP_LOCKED:
		rv = PAM_AUTH_ERR;
		break;
	case SMSOTP_RATE_LIMITED:
		rv = PAM_AUTH_ERR;
		if (rep.backup) {
			take_backup(au, &rep);
			rv = AGAIN;
		}
		break;
	case SMSOTP_GATEWAY_DOWN:
		/* the configuration's rule for the service over failmode= */
		safe = rep.failmode != 0 ? rep.failmode == 2 :
		    au->args->failmode_safe;
		rv = safe ? PAM_IGNORE : PAM_AUTHINFO_UNAVAIL;
		if (!safe && rep.backup) {
			take_backup(au, &rep);
			rv = AGAIN;
		}
		break;
	default:	/* ERROR, helper failed, or a status begin never gives */
		unexpected(au, rep.status);
		rv = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return rv;
}

/* The user typed "r": AGAIN (prompt again) or a PAM verdict. */
static int
do_resend(struct auth *au)
{
	struct smsotp_helper_reply rep;
	int rv;

	if (au->resends < MAX_RESENDS) {
		au->resends++;
		if (ask(au, SMSOTP_OP_RESEND, NULL, &rep) != 0)
			rep.status = -1;	/* helper failed: the default case */
	} else {
		DBG(au, "resend refused: %d resends already", au->resends);
		rep.status = -2;
	}
	switch (rep.status) {
	case -2:
		say(au, "No more new codes can be sent; please enter the code.");
		rv = AGAIN;
		break;
	case SMSOTP_SENT:
		take_sent(au, &rep);
		rv = AGAIN;
		break;
	case SMSOTP_RATE_LIMITED:
		say(au, "Please wait %ld seconds before asking for a new code.",
		    rep.retry_after);
		rv = AGAIN;
		break;
	case SMSOTP_GATEWAY_DOWN:
		/* The old code is dead, the new one not delivered. */
		say(au, "Could not send a new code.");
		au->live = 0;
		rv = AGAIN;
		break;
	case SMSOTP_EXPIRED:
	case SMSOTP_LOCKED:
		au->live = 0;
		rv = PAM_AUTH_ERR;
		break;
	default:	/* ERROR, helper failed, or a status resend never gives */
		unexpected(au, rep.status);
		au->live = 0;
		rv = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return rv;
}

/* Any other answer is a code: AGAIN (wrong, tries left) or a verdict. */
static int
do_verify(struct auth *au, const char *code)
{
	struct smsotp_helper_reply rep;
	int rv;

	au->codes++;
	if (ask(au, SMSOTP_OP_VERIFY, code, &rep) != 0)
		rep.status = -1;	/* helper failed: the default case */
	/* Only a wrong code with tries left leaves the challenge usable. */
	if (rep.status != SMSOTP_BAD_CODE || rep.attempts_left <= 0)
		au->live = 0;
	switch (rep.status) {
	case SMSOTP_OK:
		rv = PAM_SUCCESS;
		break;
	case SMSOTP_BAD_CODE:
		DBG(au, "wrong code %d of %d, helper allows %ld more",
		    au->codes, au->args->max_prompts, rep.attempts_left);
		if (rep.attempts_left > 0 && au->codes < au->args->max_prompts) {
			say(au, "Wrong code.");
			rv = AGAIN;
		} else {
			rv = PAM_AUTH_ERR;
		}
		break;
	case SMSOTP_EXPIRED:
		say(au, "The code has expired.");
		rv = PAM_AUTH_ERR;
		break;
	case SMSOTP_LOCKED:
		rv = PAM_AUTH_ERR;
		break;
	default:	/* ERROR, helper failed, or a status verify never gives */
		unexpected(au, rep.status);
		rv = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return rv;
}

static void
drop_answer(char **answer)
{
	if (*answer != NULL) {
		smsotp_wipe(*answer, strlen(*answer));	/* SECURITY: a code */
		free(*answer);
		*answer = NULL;
	}
}

/*
 * Prompt until a verdict. The total number of prompts is bounded too, so
 * that a conversation answering "r" forever cannot loop forever.
 */
static int
prompt_loop(struct auth *au)
{
	char text[PAM_MAX_MSG_SIZE];
	char *answer = NULL;
	int style = au->args->echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;
	int max = au->args->max_prompts + 2 * MAX_RESENDS;
	int prompts = 0, rv = AGAIN;

	while (rv == AGAIN) {
		if (prompts++ >= max) {
			au->verdict = "too many prompts";
			rv = PAM_AUTH_ERR;
			break;
		}
		if (expand_prompt(au->backup ? SMSOTP_BACKUP_PROMPT :
		    au->again ? au->args->prompt_again :
		    au->args->prompt, au->masked, text, sizeof(text)) != 0) {
			pam_syslog(au->pamh, LOG_ERR, "prompt= too long");
			au->verdict = "prompt too long";
			rv = PAM_SERVICE_ERR;
			break;
		}
		DBG(au, "prompt %d (codes %d of %d, resends %d of %d)",
		    prompts, au->codes, au->args->max_prompts, au->resends,
		    MAX_RESENDS);
		if (pam_prompt(au->pamh, style, &answer, "%s", text) !=
		    PAM_SUCCESS || answer == NULL) {
			au->verdict = "conversation error";
			rv = PAM_CONV_ERR;
			break;
		}
		if (au->backup && answer[0] == '\0')
			rv = au->backup_none;	/* no backup code: give up */
		else if (!au->backup &&
		    (strcmp(answer, "r") == 0 || strcmp(answer, "R") == 0))
			rv = do_resend(au);
		else
			rv = do_verify(au, answer);
		drop_answer(&answer);
	}
	drop_answer(&answer);
	return rv;
}

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct smsotp_args args;
	struct auth au;
	const char *user = NULL;
	char handle[SMSOTP_CHALLENGE_HEXLEN + 1];
	char safe_user[LOG_USER_MAX + 1];
	int rv = PAM_SERVICE_ERR, level;

	memset(&au, 0, sizeof(au));
	(void)flags;		/* PAM_SILENT: see say() */
	au.pamh = pamh;
	au.args = &args;
	au.status = -1;
	au.verdict = "bad module arguments";
	if (smsotp_args_parse(pamh, argc, argv, &args) != 0)
		goto out;

	au.verdict = "no user name";
	rv = pam_get_user(pamh, &user, NULL);
	if (rv == PAM_CONV_AGAIN) {
		rv = PAM_INCOMPLETE;
		goto out;
	}
	if (rv != PAM_SUCCESS)
		goto out;
	if (user == NULL || *user == '\0') {
		rv = PAM_AUTH_ERR;
		goto out;
	}
	au.req.user = user;
	au.req.service = str_item(pamh, PAM_SERVICE);
	au.req.rhost = str_item(pamh, PAM_RHOST);
	au.req.tty = str_item(pamh, PAM_TTY);
	au.req.config = args.config;
	au.req.nullok = args.nullok;	/* else no phone gets a decoy prompt */
	/* A child that runs this call for its parent names the handle. */
	if (smsotp_pending_handle_name(pamh, handle) == 0)
		au.req.handle = handle;
	if (args.debug) {
		char s[LOG_USER_MAX + 1], h[LOG_USER_MAX + 1], t[LOG_USER_MAX + 1];

		log_safe(s, sizeof(s), au.req.service);
		log_safe(h, sizeof(h), au.req.rhost);
		log_safe(t, sizeof(t), au.req.tty);
		DBG(&au, "begin: service=%s rhost=%s tty=%s%s", s, h, t,
		    au.req.handle != NULL ? " (handle named)" : "");
	}

	if (smsotp_pending_get(pamh, &au.req, au.challenge, au.masked,
	    &au.expires) == 1) {
		DBG(&au, "code already sent to %s for this handle: no new "
		    "text", au.masked);
		au.live = au.again = 1;
		rv = AGAIN;
	} else {
		rv = do_begin(&au);
	}
	if (rv == AGAIN)
		rv = prompt_loop(&au);
	/* What stays usable is kept for the next call; the rest goes. */
	if (au.live != 1 || smsotp_pending_set(pamh, &au.req, au.challenge,
	    au.masked, &au.expires) != 0)
		smsotp_pending_drop(pamh);
out:
	log_safe(safe_user, sizeof(safe_user), user);
	if (rv == PAM_SUCCESS) {
		DBG(&au, "user=%s authenticated", safe_user);
	} else {
		/* A fail-open (failmode=safe) is worth a NOTICE, a skip not. */
		level = rv == PAM_IGNORE && au.status != SMSOTP_GATEWAY_DOWN ?
		    LOG_INFO : LOG_NOTICE;
		pam_syslog(pamh, level, "%s; user=%s verdict=%s%s%s (%s)",
		    rv == PAM_IGNORE ? "not applied" : "authentication failure",
		    safe_user, au.verdict, au.reason[0] ? " reason=" : "",
		    au.reason, pam_strerror(pamh, rv));
	}
	smsotp_wipe(au.challenge, sizeof(au.challenge));
	return rv;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
