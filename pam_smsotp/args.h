/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * args.h - the arguments of pam_smsotp.so (documented in pam_smsotp(8)).
 */
#ifndef SMSOTP_ARGS_H
#define SMSOTP_ARGS_H

#include <security/pam_modules.h>

#define SMSOTP_DEFAULT_PROMPT "SMS code sent to %{masked} (r to resend): "
/* no text could be sent: the helper offered a backup code instead */
#define SMSOTP_BACKUP_PROMPT "No text could be sent. Backup code: "
/* The prompt of a later call in the same handle, for the code it sent. */
#define SMSOTP_DEFAULT_PROMPT_AGAIN \
	"SMS code already sent to %{masked} (r to resend): "
#define SMSOTP_DEFAULT_MAX_PROMPTS 3
#define SMSOTP_MAX_PROMPTS_LIMIT 10
/* Longest prompt= template accepted (the expanded text must fit too). */
#define SMSOTP_PROMPT_MAX 256

/* How requests reach the privileged side (transport=). */
enum smsotp_transport {
	SMSOTP_TRANSPORT_AUTO = 0,	/* the service's socket, else exec */
	SMSOTP_TRANSPORT_SOCKET,	/* the service's socket only */
	SMSOTP_TRANSPORT_EXEC,		/* exec smsotp-helper only */
};

struct smsotp_args {
	int debug;		/* debug: log each step at LOG_DEBUG */
	int nullok;		/* nullok: NO_PHONE -> PAM_IGNORE */
	int failmode_safe;	/* failmode=safe: GATEWAY_DOWN -> PAM_IGNORE */
	int echo;		/* echo: PAM_PROMPT_ECHO_ON */
	int max_prompts;	/* max_prompts=N: codes the user may type */
	const char *prompt;	/* prompt=TEXT, points into argv */
	const char *prompt_again;	/* the default's, or prompt= when given */
	const char *config;	/* config=PATH when honoured (root), else NULL */
	enum smsotp_transport transport;	/* transport=auto|socket|exec */
};

/*
 * Parse the module arguments into *a (defaults first). Returns 0, or -1
 * after logging (LOG_ERR) an unknown or malformed argument: the caller
 * then fails closed with PAM_SERVICE_ERR. config= is kept only when both
 * the real and the effective uid are 0; otherwise it is logged and ignored.
 */
int smsotp_args_parse(pam_handle_t *pamh, int argc, const char **argv,
    struct smsotp_args *a) __attribute__((warn_unused_result));

#endif
