/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rlimits.h - the resource limits smsotp-helper needs, shared by the PAM
 * module (which gives them to the exec'd helper, pam_smsotp/child_limits.c)
 * and the helper (which refuses to run below them, hardening.c).
 *
 * SECURITY: an exec'd helper inherits its caller's limits. A local fault
 * they cause (libcurl that cannot be mapped, a state write killed by
 * SIGXFSZ, no fd for the gateway socket) must be an ERROR the helper gives
 * before it does anything, never a gateway that looks down (failmode=safe
 * would let the login through) or an attempt left uncounted.
 *
 * need: below it the helper answers ERROR. want: what the module sets for
 * the child when the caller's soft limit is lower (need plus margin).
 */
#ifndef SMSOTP_RLIMITS_H
#define SMSOTP_RLIMITS_H

#include <stddef.h>
#include <sys/resource.h>

#define SMSOTP_RLIM_MIB ((rlim_t)1024 * 1024)

/*
 * Address space and data: a stored backup set may ask Argon2id for up to
 * crypto_pwhash_MEMLIMIT_MODERATE (256 MiB, helper/core/backup.c); libcurl with
 * OpenSSL, libsodium and libconfig map about 24 MiB; libcurl's resolver
 * thread adds its stack and a 64 MiB malloc arena reservation.
 */
#define SMSOTP_RLIM_AS_NEED     (512 * SMSOTP_RLIM_MIB)
#define SMSOTP_RLIM_AS_WANT     (1024 * SMSOTP_RLIM_MIB)
/* The main stack and, by glibc's default, the resolver thread's stack. */
#define SMSOTP_RLIM_STACK_NEED  (1 * SMSOTP_RLIM_MIB)
#define SMSOTP_RLIM_STACK_WANT  (8 * SMSOTP_RLIM_MIB)
/* The largest file the helper writes (a state record) is a few KiB; the
 * outbox gateway appends to a file that grows. */
#define SMSOTP_RLIM_FSIZE_NEED  (1 * SMSOTP_RLIM_MIB)
#define SMSOTP_RLIM_FSIZE_WANT  (64 * SMSOTP_RLIM_MIB)
/* stdio, syslog, config, key, state directory, record, lock and temp
 * files, CA store, gateway sockets, the command gateway's pipes. */
#define SMSOTP_RLIM_NOFILE_NEED 64
#define SMSOTP_RLIM_NOFILE_WANT 1024
/* Counted per real uid, threads included: the helper, libcurl's resolver
 * thread, the command gateway's child and whatever else the caller's uid
 * runs. Real root is not limited by it. */
#define SMSOTP_RLIM_NPROC_NEED  16
#define SMSOTP_RLIM_NPROC_WANT  256
/* Seconds of CPU: the helper's own deadline is 30 s of wall time. */
#define SMSOTP_RLIM_CPU_NEED    30
#define SMSOTP_RLIM_CPU_WANT    60
/* sodium_mlock of the request buffer (64 KiB), the key and the codes; not checked. */
#define SMSOTP_RLIM_MEMLOCK_WANT ((rlim_t)256 * 1024)

struct smsotp_rlimit_need {
	int resource;
	const char *name;	/* for log lines: "RLIMIT_AS" */
	const char *unit;	/* "bytes", "files", ... */
	rlim_t need;		/* 0: not checked by the helper */
	rlim_t want;
};

/* The table, *n entries. RLIMIT_CORE is not in it: it is always 0. */
static inline const struct smsotp_rlimit_need *
smsotp_rlimit_needs(size_t *n)
{
	static const struct smsotp_rlimit_need t[] = {
		{ RLIMIT_AS, "RLIMIT_AS", "bytes", SMSOTP_RLIM_AS_NEED,
		    SMSOTP_RLIM_AS_WANT },
		{ RLIMIT_DATA, "RLIMIT_DATA", "bytes", SMSOTP_RLIM_AS_NEED,
		    SMSOTP_RLIM_AS_WANT },
		{ RLIMIT_STACK, "RLIMIT_STACK", "bytes", SMSOTP_RLIM_STACK_NEED,
		    SMSOTP_RLIM_STACK_WANT },
		{ RLIMIT_FSIZE, "RLIMIT_FSIZE", "bytes", SMSOTP_RLIM_FSIZE_NEED,
		    SMSOTP_RLIM_FSIZE_WANT },
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE", "files",
		    SMSOTP_RLIM_NOFILE_NEED, SMSOTP_RLIM_NOFILE_WANT },
		{ RLIMIT_NPROC, "RLIMIT_NPROC", "processes",
		    SMSOTP_RLIM_NPROC_NEED, SMSOTP_RLIM_NPROC_WANT },
		{ RLIMIT_CPU, "RLIMIT_CPU", "seconds", SMSOTP_RLIM_CPU_NEED,
		    SMSOTP_RLIM_CPU_WANT },
		{ RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", "bytes", 0,
		    SMSOTP_RLIM_MEMLOCK_WANT },
	};

	*n = sizeof(t) / sizeof(t[0]);
	return t;
}

#endif
