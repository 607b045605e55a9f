/* SPDX-License-Identifier: BSD-3-Clause */
/* stamps.c - what trusted files looked like when read (stamps.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/stamps.h"

static _Thread_local struct smsotp_stamps *watching;

void
smsotp_stamps_watch(struct smsotp_stamps *st)
{
	watching = st;
}

static void
fill(struct smsotp_stamp *s, const struct stat *sb)
{
	s->dev = sb->st_dev;
	s->ino = sb->st_ino;
	s->size = sb->st_size;
	s->mode = sb->st_mode;
	s->uid = sb->st_uid;
	s->gid = sb->st_gid;
	s->mtim = sb->st_mtim;
	s->ctim = sb->st_ctim;
}

void
smsotp_stamps_note(int fd, const char *path)
{
	struct smsotp_stamps *st = watching;
	struct stat sb;

	if (st == NULL)
		return;
	if (st->n == SMSOTP_STAMPS_MAX || fstat(fd, &sb) != 0 ||
	    (st->s[st->n].path = strdup(path)) == NULL) {
		st->overflow = 1;
		return;
	}
	fill(&st->s[st->n++], &sb);
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int
smsotp_stamp_fd(int fd, struct smsotp_stamp *s)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &sb) != 0)
		return -1;
	fill(s, &sb);
	return 0;
}

int
smsotp_stamp_still(const struct smsotp_stamp *s, const char *path)
{
	struct smsotp_stamp now;
	struct stat sb;

	/* a link where the file was is a change too: lstat */
	if (lstat(path, &sb) != 0)
		return 0;
	fill(&now, &sb);
	return now.dev == s->dev && now.ino == s->ino &&
	    now.size == s->size && now.mode == s->mode &&
	    now.uid == s->uid && now.gid == s->gid &&
	    same_time(&now.mtim, &s->mtim) && same_time(&now.ctim, &s->ctim);
}

int
smsotp_stamps_same(const struct smsotp_stamps *st)
{
	int i;

	if (st->overflow)
		return 0;
	for (i = 0; i < st->n; i++)
		if (!smsotp_stamp_still(&st->s[i], st->s[i].path))
			return 0;
	return 1;
}

void
smsotp_stamps_free(struct smsotp_stamps *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		free(st->s[i].path);
	memset(st, 0, sizeof(*st));
}
