/* SPDX-License-Identifier: BSD-3-Clause */
/* child_limits.c - real root and sane resource limits for the exec'd helper. */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "child_limits.h"
#include "proto/rlimits.h"

static void
add(struct smsotp_child_limits *pl, int resource, const struct rlimit *rl,
    const struct rlimit *fallback)
{
	if (pl->n >= SMSOTP_CHILD_LIMITS_MAX)
		return;
	pl->set[pl->n].resource = resource;
	pl->set[pl->n].rl = *rl;
	pl->set[pl->n].fallback = *fallback;
	pl->n++;
}

int
smsotp_child_limits_plan(struct smsotp_child_limits *pl)
{
	const struct smsotp_rlimit_need *t;
	struct rlimit cur, rl, fb;
	uid_t r, e, s;
	size_t i, n;
	int root, fix = 0;

	memset(pl, 0, sizeof(*pl));
	if (getresuid(&r, &e, &s) != 0) {
		r = getuid();
		e = s = geteuid();
	}
	root = e == 0;
	if (root && (r != 0 || s != 0))
		pl->become_root = fix = 1;
	t = smsotp_rlimit_needs(&n);
	for (i = 0; i < n; i++) {
		if (getrlimit(t[i].resource, &cur) != 0)
			continue;	/* the helper will say */
		rl = fb = cur;
		if (cur.rlim_cur < t[i].want) {
			fb.rlim_cur = cur.rlim_max < t[i].want ? cur.rlim_max :
			    t[i].want;
			rl.rlim_cur = root ? t[i].want : fb.rlim_cur;
			if (rl.rlim_max < rl.rlim_cur)
				rl.rlim_max = rl.rlim_cur;
		}
		if (rl.rlim_cur != cur.rlim_cur || rl.rlim_max != cur.rlim_max) {
			add(pl, t[i].resource, &rl, &fb);
			fix = 1;
		}
	}
	rl.rlim_cur = rl.rlim_max = 0;
	add(pl, RLIMIT_CORE, &rl, &rl);
	return fix;
}

void
smsotp_child_limits_apply(const struct smsotp_child_limits *pl)
{
	int i;

	/* Limits first: raising a hard limit needs the caps of euid 0,
	 * which setresuid(0, 0, 0) keeps anyway. */
	for (i = 0; i < pl->n && i < SMSOTP_CHILD_LIMITS_MAX; i++)
		if (setrlimit(pl->set[i].resource, &pl->set[i].rl) != 0)
			(void)setrlimit(pl->set[i].resource, &pl->set[i].fallback);
	/*
	 * SECURITY: with a real uid of 0 the user can no longer signal the
	 * helper. The raw system call: glibc's setresuid() would try to
	 * change every thread of the process it thinks it is.
	 */
	if (pl->become_root) {
#ifdef SYS_setresuid32
		(void)syscall(SYS_setresuid32, 0, 0, 0);	/* 32-bit uids */
#else
		(void)syscall(SYS_setresuid, 0, 0, 0);
#endif
	}
}
