/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * start_helper.h - start smsotp-helper as a child with a sanitised process
 * state (DESIGN.md section 2, exec mode).
 */
#ifndef SMSOTP_START_HELPER_H
#define SMSOTP_START_HELPER_H

#include <sys/types.h>

#include <security/pam_modules.h>

/*
 * Start SMSOTP_HELPER_PATH with in_rd as its stdin and out_wr as its
 * stdout (both must be above 2 and close-on-exec), stderr on /dev/null, no
 * other fd, an empty environment, every signal at its default and none
 * blocked, in a session of its own (no terminal can signal it), with the
 * identity and resource limits of child_limits.h. posix_spawn when the
 * caller's process already qualifies, fork and execve when the child must
 * change its uid or limits first.
 * Returns 0 and sets *pid, or an errno value (no child is left).
 */
int smsotp_start_helper(pam_handle_t *pamh, int debug, int in_rd, int out_wr,
    pid_t *pid) __attribute__((warn_unused_result, nonnull(5)));

#endif
