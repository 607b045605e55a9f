/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stamps.h - what a set of trusted files looked like when they were read
 * (device, inode, size, times, owner, mode), so that a process that keeps
 * what it parsed from them can tell, with a stat each, whether they still
 * are what it read.
 */
#ifndef SMSOTP_STAMPS_H
#define SMSOTP_STAMPS_H

#include <sys/stat.h>
#include <time.h>

#define SMSOTP_STAMPS_MAX 16

struct smsotp_stamp {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtim, ctim;
};

struct smsotp_stamps {
	int n;
	int overflow;		/* more files than fit: never the same */
	struct smsotp_stamp s[SMSOTP_STAMPS_MAX];
};

/*
 * Note in st every file this thread checks with smsotp_secfile_check_fd
 * from now on (NULL: stop noting). st starts zeroed.
 */
void smsotp_stamps_watch(struct smsotp_stamps *st);
/* Note the open file fd at path, when this thread watches (secfile.c). */
void smsotp_stamps_note(int fd, const char *path);
/* The stamp of the open file fd (its path member left NULL): 0, or -1. */
int smsotp_stamp_fd(int fd, struct smsotp_stamp *s);
/* 1 when path (lstat) is still the file stamp s describes. */
int smsotp_stamp_still(const struct smsotp_stamp *s, const char *path);
/* 1 when each noted path (lstat) is still the file that was read. */
int smsotp_stamps_same(const struct smsotp_stamps *st);
void smsotp_stamps_free(struct smsotp_stamps *st);

#endif
