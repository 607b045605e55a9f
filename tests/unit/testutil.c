/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testutil.c - scratch files for unit tests.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

char *
tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

const char *
tu_read(const char *path)
{
	static char buf[TU_READ_MAX + 1];
	size_t n = 0;
	ssize_t k;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "tu_read %s: %s\n", path, strerror(errno));
		abort();
	}
	while ((k = read(fd, buf + n, TU_READ_MAX + 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	if (k < 0 || n > TU_READ_MAX) {
		fprintf(stderr, "tu_read %s: unreadable or too large\n", path);
		abort();
	}
	buf[n] = '\0';
	return buf;
}

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	t = tu_path(base, "smsotp-unit-XXXXXX");
	if (mkdtemp(t) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return t;
}

void
tu_rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL) {
		unlink(dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = tu_path(dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			tu_rmrf(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

char *
tu_write_bin(const char *dir, const char *name, const void *content,
    size_t len, mode_t mode)
{
	char *p = tu_path(dir, name);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
		perror(p);
		abort();
	}
	if (fchmod(fd, mode) != 0) {
		perror("fchmod");
		abort();
	}
	close(fd);
	return p;
}

char *
tu_write(const char *dir, const char *name, const char *content, mode_t mode)
{
	return tu_write_bin(dir, name, content, strlen(content), mode);
}
