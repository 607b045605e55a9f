/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/base/run.h - run a local program the administrator configured (a
 * gateway's or a phone source's command): the one check of its path, and
 * the one spawn with a deadline, its output captured and bounded, the whole
 * process group killed when time is up.
 */
#ifndef SMSOTP_RUN_H
#define SMSOTP_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

/*
 * path: an absolute path to a regular executable owned by owner and not
 * writable by group or others (stat: a root-owned directory's symlink to
 * such a file is accepted). 1 when fine, else 0 with why ("PATH: reason",
 * or "'argv[0]' must be an absolute path").
 */
int smsotp_program_ok(const char *path, uid_t owner, char *why, size_t whysz)
    SMSOTP_WUR;

/* What to run and how. */
struct smsotp_run {
	char *const *argv;	/* argv[0]: the absolute path (no PATH search) */
	char *const *envp;	/* the whole environment, NULL-terminated */
	/*
	 * Standard input: these bytes then end of file (at most the pipe's
	 * buffer, 4 KiB, written before the fork), or /dev/null when NULL.
	 */
	const char *input;
	size_t inlen;
	int stderr_too;		/* 1: stderr to the captured output, 0: /dev/null */
	double end;		/* smsotp_mono() time at which it is killed */
	char *out;		/* the output kept: at most outcap bytes */
	size_t outcap;
};

/* What happened. */
struct smsotp_run_result {
	size_t olen;		/* bytes kept in out */
	size_t total;		/* bytes read (total > olen: more was dropped) */
	int exec_errno;		/* != 0: it could not be started (execve) */
	int killed;		/* still running at end: SIGKILL to its group */
	int exited;		/* reaped: status is valid */
	int status;		/* waitpid status */
};

/*
 * Run r->argv in a child of its own process group: signals reset and
 * unblocked, fds beyond 2 closed, environment r->envp only. Waits for it
 * until r->end (a pidfd where the kernel has one), then kills its group
 * with SIGKILL and reaps it. Output after the child exits is read as long
 * as it is there now (a grandchild holding the pipe is not waited for).
 * 0 when the program was started or tried (see res), -1 with why when a
 * pipe, /dev/null or fork failed (nothing ran).
 */
int smsotp_run_program(const struct smsotp_run *r,
    struct smsotp_run_result *res, char *why, size_t whysz) SMSOTP_WUR;

#endif
