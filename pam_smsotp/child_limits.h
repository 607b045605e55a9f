/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * child_limits.h - the identity and resource limits pam_smsotp.so gives the
 * exec'd smsotp-helper (DESIGN.md section 2; the values: helper/proto/rlimits.h).
 *
 * SECURITY: an exec'd helper would otherwise run with the caller's real uid
 * (su and sudo are setuid root: the user could SIGSTOP or SIGKILL it while
 * it holds a lock) and the caller's limits (too little memory to load
 * libcurl looked like a gateway that is down).
 */
#ifndef SMSOTP_CHILD_LIMITS_H
#define SMSOTP_CHILD_LIMITS_H

#include <sys/resource.h>

#define SMSOTP_CHILD_LIMITS_MAX 10

/* What the child has to change before execve; made in the parent. */
struct smsotp_child_limits {
	int become_root;	/* setresuid(0, 0, 0) */
	int n;			/* entries of set[] */
	struct {
		int resource;
		struct rlimit rl;	/* the limit to set */
		struct rlimit fallback;	/* when rl is refused: soft up to hard */
	} set[SMSOTP_CHILD_LIMITS_MAX];
};

/*
 * Parent side: compare the current limits and uids with what the helper
 * should get. With euid 0 the child becomes real root and every soft limit
 * below its value is raised to it (the hard limit too when needed); without,
 * a soft limit is raised at most to its hard limit and the helper checks
 * the rest. Limits are only ever raised, except RLIMIT_CORE (0).
 * Returns 1 when the child has something to change (it must then be started
 * by fork and smsotp_child_limits_apply), 0 when the caller's process
 * already qualifies (a posix_spawn'ed child may be used). RLIMIT_CORE never
 * makes the answer 1: the helper sets it to 0 itself first thing.
 */
int smsotp_child_limits_plan(struct smsotp_child_limits *pl)
    __attribute__((nonnull));

/*
 * Child side, between fork and execve: async-signal-safe system calls
 * only. Failures are ignored: the helper refuses to run on limits it
 * cannot live with, and a child that could not become real root is an
 * unprivileged caller to the helper (it may ask about its own user only).
 */
void smsotp_child_limits_apply(const struct smsotp_child_limits *pl)
    __attribute__((nonnull));

#endif
