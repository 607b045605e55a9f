/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - smsotp-helper: hardened, then every request its transport
 * brings is dispatched and answered (DESIGN.md section 3). Two ways in:
 * run by pam_smsotp.so (setgid smsotp, one request on stdin: the pipe),
 * or "--listen", the resident service on a socket (its own user, the
 * smsotp group, a connection per request). Trusts nothing from its
 * caller beyond what the caller's uid allows.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "phones/account_files.h"
#include "proto/proto.h"
#include "server/dispatch.h"
#include "server/hardening.h"
#include "server/identity.h"
#include "server/listen.h"
#include "server/service.h"
#include "server/transport.h"
#include "server/warm.h"

#define REQUEST_BUDGET_S 30	/* from a request's arrival; the module waits 40 s */
#define REQUEST_IDLE_S 2	/* socket: for the request to arrive */
#define MAX_REQUESTS 256	/* socket: in flight at once, by default */
#define MAX_REQUESTS_LIMIT 1024

static int
usage(void)
{
	fprintf(stderr, "smsotp-helper: this program is run by pam_smsotp.so, "
	    "not by hand, or as the service: smsotp-helper --listen "
	    "[--socket PATH] [--max-requests N]; see smsotp-helper(8)\n");
	return SMSOTP_ERROR;
}

static int
pipe_mode(void)
{
	struct smsotp_transport t;
	int last;

	if (isatty(STDIN_FILENO))
		return usage();
	if (smsotp_transport_pipe(&t, REQUEST_BUDGET_S) != 0)
		return SMSOTP_ERROR;
	last = smsotp_serve(&t);
	t.ops->close(&t);
	/* the exit status is the last reply's (smsotp-helper(8)) */
	return last;
}

/* --listen [--socket PATH] [--max-requests N]: 0, or 1 (logged). */
static int
listen_mode(int argc, char **argv, int lfd)
{
	struct smsotp_service_opts o = { MAX_REQUESTS, REQUEST_IDLE_S,
	    REQUEST_BUDGET_S };
	const char *path = SMSOTP_SOCKET_PATH;
	char why[320], *end;
	long n;
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--max-requests") == 0 &&
		    i + 1 < argc) {
			n = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || n < 1 ||
			    n > MAX_REQUESTS_LIMIT) {
				fprintf(stderr, "smsotp-helper: --max-requests "
				    "takes 1 to %d\n", MAX_REQUESTS_LIMIT);
				return 1;
			}
			o.max_requests = (int)n;
		} else {
			return usage() != 0;
		}
	}
	if (lfd >= 0) {
		if (smsotp_listen_check(lfd, why, sizeof(why)) != 0) {
			smsotp_log(LOG_CRIT, "socket from systemd: %s", why);
			return 1;
		}
	} else if (smsotp_listen_bind(path, o.max_requests, &lfd, why,
	    sizeof(why)) != 0) {
		smsotp_log(LOG_CRIT, "%s", why);
		return 1;
	}
	if (smsotp_service_identity(why, sizeof(why)) != 0) {
		smsotp_log(LOG_CRIT, "%s", why);
		return 1;
	}
#ifdef M_ARENA_MAX
	/*
	 * A thread per request would give glibc's malloc an arena per core
	 * times eight, each keeping its own free memory: two bound the RSS
	 * of a service that runs for months (malloc is not where it waits).
	 */
	(void)mallopt(M_ARENA_MAX, 2);
#endif
	smsotp_warm_enable();	/* the configuration and key stay parsed */
	smsotp_account_files_enable();	/* and /etc/passwd */
	return smsotp_service_run(lfd, &o) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int listening = argc > 1 && strcmp(argv[1], "--listen") == 0;
	char why[320];
	int lfd = -1;

	/* systemd's socket, named by the environment hardening clears */
	if (listening && smsotp_listen_inherited(&lfd, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotp-helper: %s\n", why);
		return 1;
	}
	if (smsotp_harden_keep(lfd) != 0)
		return SMSOTP_ERROR;
	smsotp_log_init("smsotp-helper", 0);
	if (listening)
		return listen_mode(argc, argv, lfd);
	if (argc > 1)
		return usage();
	return pipe_mode();
}
