/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hardening.h - process hardening of smsotp-helper (DESIGN.md section 2).
 */
#ifndef SMSOTP_HARDENING_H
#define SMSOTP_HARDENING_H

/*
 * Call first thing in main(). Refuses (returns -1, having done nothing
 * else) when any of fds 0-2 is closed. Otherwise: no core dumps
 * (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), empty environment, every fd above 2
 * closed, umask 077, SIGPIPE ignored, other signals at their defaults and
 * unblocked. No timer: each request carries its own deadline
 * (server/transport.h).
 */
int smsotp_harden(void);
/* The same, keeping the fd keep open (the inherited listening socket). */
int smsotp_harden_keep(int keep);

/*
 * Check that the resource limits inherited from the caller let a request
 * finish (rlimits.h: address space, data, stack, file size, open files,
 * processes (not for a privileged caller: real root is exempt), CPU). A
 * soft limit below the need is raised, up to the hard limit, and with euid
 * 0 the hard limit too. Call after smsotp_log_init, before any state is
 * touched. Returns 0, or -1 after one LOG_ERR line naming each limit that
 * is still too low: the request must then be answered ERROR.
 */
int smsotp_rlimits_ok(int privileged) __attribute__((warn_unused_result));

/*
 * SECURITY: 1 when the caller is privileged: real and effective uid 0 in
 * the initial user namespace (sshd, sudo, su and login reach the helper
 * so: pam_smsotp.so makes the child real root). 0 for anyone else, root
 * inside a user namespace included, and when /proc/self/uid_map cannot be
 * read (fail closed, logged).
 */
int smsotp_caller_privileged(void) __attribute__((warn_unused_result));

#endif
