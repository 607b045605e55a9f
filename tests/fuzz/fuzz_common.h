/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_common.h - small helpers shared by the libFuzzer harnesses of
 * tests/fuzz/ (included by each harness once; everything is static).
 *
 * FUZZ_CHECK(cond) turns a broken property into a crash that libFuzzer
 * records like any sanitizer report: a property failure is a bug.
 */
#ifndef SMSOTP_FUZZ_COMMON_H
#define SMSOTP_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated heap copy of data[0..n) (the caller frees). */
static __attribute__((unused)) char *
fuzz_strndup(const unsigned char *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/*
 * A private directory for the harness' files (under $TMPDIR, /tmp when
 * unset), made once and removed at exit (run.sh also points TMPDIR into a
 * directory of its own that it removes, for runs that crash).
 */
static char fuzz_dir[512];

static __attribute__((unused)) int
fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);	/* best effort */
	return 0;
}

static __attribute__((unused)) void
fuzz_tmpdir_remove(void)
{
	if (fuzz_dir[0] != '\0')
		(void)nftw(fuzz_dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static __attribute__((unused)) const char *
fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	if (t == NULL || t[0] == '\0')
		t = "/tmp";
	if (snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/smsotp-fuzz.XXXXXX", t) >=
	    (int)sizeof(fuzz_dir) || mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_tmpdir_remove);
	return fuzz_dir;
}

/* Write data[0..n) to dir/name (truncated, given mode); abort on error. */
static __attribute__((unused)) void
fuzz_write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    mode);

	if (fd < 0) {
		perror(path);
		abort();
	}
	if (fchmod(fd, mode) != 0) {
		perror(path);
		abort();
	}
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* Path dir/name into out (abort when it does not fit). */
static __attribute__((unused)) void
fuzz_path(char *out, size_t outsz, const char *name)
{
	if (snprintf(out, outsz, "%s/%s", fuzz_tmpdir(), name) >= (int)outsz)
		abort();
}

#endif
