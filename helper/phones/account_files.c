/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/account_files.c - the accounts of /etc/passwd kept
 * parsed (account_files.h). The file is read with glibc's fgetpwent_r,
 * the parser nss_files uses, so the map and NSS read the same lines alike.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "base/stamps.h"
#include "phones/account_files.h"

#define NSSWITCH_MAX (64 * 1024)
#define ENTRY_MAX (1 << 20)	/* a passwd line longer than this: no map */

struct entry {
	char *name;
	uid_t uid;
	size_t line;		/* the first line wins, as in nss_files */
};

struct map {
	char *pwpath, *nspath;
	struct smsotp_stamp pw, ns;
	int files_first;	/* else: pw and the entries are unused */
	struct entry *e;
	size_t n;
};

static pthread_mutex_t map_mu = PTHREAD_MUTEX_INITIALIZER;
static struct map *cur;		/* under map_mu */
static int enabled;

void
smsotp_account_files_enable(void)
{
	/* account.c draws its waits with libsodium's generator */
	if (sodium_init() >= 0)
		enabled = 1;
}

int
smsotp_account_files_enabled(void)
{
	return enabled;
}

/* The next word of *p (no comment, no space): its length, 0 at the end. */
static size_t
word(const char **p)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*p = s;
	while (*s != '\0' && *s != '\n' && *s != ' ' && *s != '\t' &&
	    *s != '#')
		s++;
	return (size_t)(s - *p);
}

/*
 * SECURITY: anything but exactly one passwd line naming files first with
 * no action after it is "not files first": the map is then never used.
 */
int
smsotp_nsswitch_files_first(const char *s)
{
	int lines = 0, first = 0;
	const char *p;
	size_t n;

	for (; *s != '\0'; s = *s == '\n' ? s + 1 : s) {
		p = s;
		while (*s != '\0' && *s != '\n')
			s++;
		n = word(&p);
		if (n < 6 || strncasecmp(p, "passwd", 6) != 0)
			continue;
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue;
		p++;
		lines++;
		n = word(&p);
		if (n != 5 || strncmp(p, "files", 5) != 0)
			continue;
		p += n;
		n = word(&p);
		first = n == 0 || *p != '[';
	}
	return lines == 1 && first;
}

static void
map_free(struct map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->e[i].name);
	free(m->e);
	free(m->pwpath);
	free(m->nspath);
	free(m);
}

static int
by_name_only(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

static int
by_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = by_name_only(a, b);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
read_nsswitch(struct map *m)
{
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd = open(m->nspath, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (smsotp_stamp_fd(fd, &m->ns) != 0 ||
	    (buf = malloc(NSSWITCH_MAX + 1)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while (len < NSSWITCH_MAX && ((got = read(fd, buf + len,
	    NSSWITCH_MAX - len)) > 0 || (got < 0 && errno == EINTR)))
		if (got > 0)
			len += (size_t)got;
	(void)close(fd);
	buf[len] = '\0';
	m->files_first = len < NSSWITCH_MAX && memchr(buf, '\0', len) == NULL &&
	    smsotp_nsswitch_files_first(buf);
	free(buf);
	return 0;
}

static int
add(struct map *m, size_t *cap, const struct passwd *pw, size_t line)
{
	struct entry *e;

	/* nss_files never matches a name of a NIS +/- line */
	if (pw->pw_name[0] == '+' || pw->pw_name[0] == '-' ||
	    pw->pw_name[0] == '\0')
		return 0;
	if (m->n == *cap) {
		*cap = *cap == 0 ? 256 : *cap * 2;
		e = realloc(m->e, *cap * sizeof(*e));
		if (e == NULL)
			return -1;
		m->e = e;
	}
	m->e[m->n].name = strdup(pw->pw_name);
	if (m->e[m->n].name == NULL)
		return -1;
	m->e[m->n].uid = pw->pw_uid;
	m->e[m->n++].line = line;
	return 0;
}

static int
read_passwd(struct map *m)
{
	struct passwd pwd, *pw;
	size_t cap = 0, sz = 1024, line = 0, i, k;
	char *buf = NULL, *nb;
	int fd, e, rv = -1;
	FILE *f;

	fd = open(m->pwpath, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	/* stamped before it is read: a change while reading shows later */
	if (smsotp_stamp_fd(fd, &m->pw) != 0 || (f = fdopen(fd, "r")) == NULL) {
		(void)close(fd);
		return -1;
	}
	for (;;) {
		if (buf == NULL && (buf = malloc(sz)) == NULL)
			goto out;
		e = fgetpwent_r(f, &pwd, buf, sz, &pw);
		if (e == ENOENT)
			break;
		if (e == ERANGE && sz < ENTRY_MAX) {
			sz *= 4;	/* the stream is back at the line's start */
			nb = realloc(buf, sz);
			if (nb == NULL)
				goto out;
			buf = nb;
			continue;
		}
		if (e != 0 || pw == NULL || add(m, &cap, pw, line++) != 0)
			goto out;
	}
	if (m->n > 0)
		qsort(m->e, m->n, sizeof(*m->e), by_name);
	for (i = k = 0; i < m->n; i++) {
		if (k > 0 && strcmp(m->e[k - 1].name, m->e[i].name) == 0) {
			free(m->e[i].name);
			continue;
		}
		m->e[k++] = m->e[i];
	}
	m->n = k;
	rv = 0;
out:
	if (buf != NULL)
		explicit_bzero(buf, sz);
	free(buf);
	(void)fclose(f);
	return rv;
}

static struct map *
map_read(const char *pwpath, const char *nspath)
{
	struct map *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->pwpath = strdup(pwpath)) == NULL ||
	    (m->nspath = strdup(nspath)) == NULL || read_nsswitch(m) != 0 ||
	    (m->files_first && read_passwd(m) != 0)) {
		map_free(m);
		return NULL;
	}
	return m;
}

static int
map_current(const struct map *m, const char *pwpath, const char *nspath)
{
	return m != NULL && strcmp(m->pwpath, pwpath) == 0 &&
	    strcmp(m->nspath, nspath) == 0 &&
	    smsotp_stamp_still(&m->ns, nspath) &&
	    (!m->files_first || smsotp_stamp_still(&m->pw, pwpath));
}

int
smsotp_account_files_find_at(const char *passwd, const char *nsswitch,
    const char *name, char *out, size_t outsz, uid_t *uid, int *fresh)
{
	struct entry key, *e;
	size_t n;
	int rv = -1;

	*fresh = 0;
	if (pthread_mutex_lock(&map_mu) != 0)
		return -1;
	if (!map_current(cur, passwd, nsswitch)) {
		map_free(cur);
		cur = map_read(passwd, nsswitch);
		*fresh = cur != NULL && cur->files_first;
	}
	if (cur == NULL || !cur->files_first)
		goto out;
	key.name = (char *)name;
	key.line = 0;
	e = bsearch(&key, cur->e, cur->n, sizeof(*cur->e), by_name_only);
	rv = 0;
	if (e == NULL)
		goto out;
	n = strlen(e->name);
	if (n >= outsz) {
		rv = -1;	/* NSS answers, and says it does not fit */
		goto out;
	}
	memcpy(out, e->name, n + 1);
	*uid = e->uid;
	rv = 1;
out:
	(void)pthread_mutex_unlock(&map_mu);
	return rv;
}

int
smsotp_account_files_find(const char *name, char *out, size_t outsz,
    uid_t *uid, int *fresh)
{
	*fresh = 0;
	if (!enabled)
		return -1;
	return smsotp_account_files_find_at("/etc/passwd", "/etc/nsswitch.conf",
	    name, out, outsz, uid, fresh);
}
