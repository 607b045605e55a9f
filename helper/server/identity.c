/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * identity.c - the resident service's own identity: started by root (an
 * init system without User=), it becomes the service user with the
 * smsotp group, and nothing else, before it serves anyone.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/util.h"
#include "server/identity.h"

int
smsotp_service_identity(char *why, size_t whysz)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char pbuf[4096], gbuf[4096];
	int e;

	if (geteuid() != 0)
		return 0;	/* systemd's User= did it */
	e = getpwnam_r(SMSOTP_SERVICE_USER, &pw, pbuf, sizeof(pbuf), &pwp);
	if (pwp == NULL) {
		smsotp_say(why, whysz, "no user %s (%s): the service does not "
		    "run as root", SMSOTP_SERVICE_USER, e != 0 ? strerror(e) :
		    "not found");
		return -1;
	}
	e = getgrnam_r(SMSOTP_GROUP, &gr, gbuf, sizeof(gbuf), &grp);
	if (grp == NULL) {
		smsotp_say(why, whysz, "no group %s (%s)", SMSOTP_GROUP,
		    e != 0 ? strerror(e) : "not found");
		return -1;
	}
	if (pw.pw_uid == 0) {
		smsotp_say(why, whysz, "user %s is uid 0: the service does not "
		    "run as root", SMSOTP_SERVICE_USER);
		return -1;
	}
	/* SECURITY: groups first, the uid last; then check it holds */
	if (setgroups(0, NULL) != 0 || setresgid(grp->gr_gid, grp->gr_gid,
	    grp->gr_gid) != 0 || setresuid(pw.pw_uid, pw.pw_uid,
	    pw.pw_uid) != 0) {
		smsotp_say(why, whysz, "cannot become %s:%s: %s",
		    SMSOTP_SERVICE_USER, SMSOTP_GROUP, strerror(errno));
		return -1;
	}
	if (setresuid(0, 0, 0) == 0 || geteuid() == 0) {
		smsotp_say(why, whysz, "root could be regained after the "
		    "change to %s", SMSOTP_SERVICE_USER);
		return -1;
	}
	return 0;
}
