/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/index.c - build and read PATH.cdb, the tinycdb index of the
 * users file.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "base/atomic.h"
#include "base/secfile.h"
#include "base/textfmt.h"
#include "phones/edit.h"
#include "phones/index.h"
#include "phones/users_format.h"

#define OPEN_FLAGS (O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#define META_SIZE 200

/* SECURITY: no user name can be this key: names have no NUL, no blank. */
static const char meta_key[] = "\0smsotp users index";
#define META_KEYLEN (sizeof(meta_key) - 1)
#define META_VERSION "v1"

/*
 * Cost: tinycdb is loaded (dlopen, fixed soname) when an index is first
 * opened or built, not linked: linked, its symbol binding cost every
 * helper run ~35,000 instructions (bench/README.md), verify included,
 * which never looks a user up. Once per process; a failure is remembered.
 */
#define LIBCDB_SONAME "libcdb.so.1"
static struct {
	int state;			/* 0 not tried, 1 loaded, -1 failed */
	int (*init)(struct cdb *, int);
	void (*free)(struct cdb *);
	int (*find)(struct cdb *, const void *, unsigned);
	const void *(*get)(const struct cdb *, unsigned, unsigned);
	int (*make_start)(struct cdb_make *, int);
	int (*make_add)(struct cdb_make *, const void *, unsigned,
	    const void *, unsigned);
	int (*make_exists)(struct cdb_make *, const void *, unsigned);
	int (*make_finish)(struct cdb_make *);
} cdbf;

static const char *cdbf_why = "cannot load " LIBCDB_SONAME;

/* Load tinycdb, once per process (pthread_once: threads may race). */
static void
cdbf_load_once(void)
{
	void *dl;
	int bad = 0;

	cdbf.state = -1;
	dl = dlopen(LIBCDB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL)
		return;
#define SYM(f, n) (bad |= smsotp_dlsym_fn(dl, n, &cdbf.f, sizeof(cdbf.f)))
	SYM(init, "cdb_init");
	SYM(free, "cdb_free");
	SYM(find, "cdb_find");
	SYM(get, "cdb_get");
	SYM(make_start, "cdb_make_start");
	SYM(make_add, "cdb_make_add");
	SYM(make_exists, "cdb_make_exists");
	SYM(make_finish, "cdb_make_finish");
#undef SYM
	if (bad) {
		cdbf_why = LIBCDB_SONAME " lacks a needed function";
		return;		/* dl stays loaded: harmless */
	}
	cdbf.state = 1;
}

/* 0 when tinycdb is usable, else -1 (why: a constant string). */
static int
cdbf_load(const char **why)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	*why = "cannot load " LIBCDB_SONAME;
	if (pthread_once(&once, cdbf_load_once) != 0)
		return -1;
	*why = cdbf_why;
	return cdbf.state > 0 ? 0 : -1;
}

int
smsotp_users_index_path(const char *users_path, char *buf, size_t bufsz)
{
	return smsotp_fmt(buf, bufsz, "%s%s", users_path,
	    SMSOTP_USERS_INDEX_SUFFIX);
}

int
smsotp_users_index_exists(const char *path)
{
	char ipath[4096];
	struct stat sb;

	return smsotp_users_index_path(path, ipath, sizeof(ipath)) == 0 &&
	    lstat(ipath, &sb) == 0;
}

/* The metadata text for the users file's fstat, without " long=N". */
static int
meta_prefix(const struct stat *st, char *buf, size_t bufsz)
{
	return smsotp_fmt(buf, bufsz, META_VERSION " dev=%ju ino=%ju size=%jd"
	    " mtime=%jd.%09ld ctime=%jd.%09ld", (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    (intmax_t)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
	    (intmax_t)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec);
}

/* A line number: canonical decimal of at most 9 digits. 0 or -1. */
static int
parse_lineno(const char *s, size_t n, unsigned long *v)
{
	uint64_t x;

	if (smsotp_parse_u64(s, n, 999999999, &x) != 0)
		return -1;
	*v = (unsigned long)x;
	return 0;
}

static void
note_set(struct smsotp_users_index_note *note, int state, const char *why)
{
	note->state = state;
	if (smsotp_fmt(note->why, sizeof(note->why), "%s", why) != 0)
		note->why[0] = '\0';
}

/*
 * Open and check the index of path and match its metadata with ust.
 * 0 with *fdp and cdb ready (the caller frees both) and *longline, or -1
 * with note set (nothing left open).
 */
static int
index_open(const char *path, uid_t owner, const struct stat *ust, int *fdp,
    struct cdb *cdb, unsigned long *longline,
    struct smsotp_users_index_note *note)
{
	char ipath[4096], cwhy[512], want[META_SIZE];
	const char *v, *reason;
	size_t plen, rlen;
	unsigned vlen;
	int fd = -1, inited = 0, rv = -1, r;

	*fdp = -1;
	if (smsotp_users_index_path(path, ipath, sizeof(ipath)) != 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, "path too long");
		goto out;
	}
	fd = open(ipath, O_RDONLY | OPEN_FLAGS);
	if (fd < 0) {
		note_set(note, errno == ENOENT ? SMSOTP_UIDX_ABSENT :
		    SMSOTP_UIDX_BROKEN, errno == ENOENT ? "" : errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		goto out;
	}
	/* SECURITY: the same checks as the users file: it is a copy of it */
	if (smsotp_secfile_check_fd(fd, ipath, owner, 0, cwhy,
	    sizeof(cwhy)) != 0) {
		plen = strlen(ipath);
		reason = strncmp(cwhy, ipath, plen) == 0 &&
		    strncmp(cwhy + plen, ": ", 2) == 0 ? cwhy + plen + 2 : cwhy;
		note_set(note, SMSOTP_UIDX_BROKEN, reason);
		goto out;
	}
	if (cdbf_load(&reason) != 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, reason);
		goto out;
	}
	if (cdbf.init(cdb, fd) != 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, "not a cdb file (truncated "
		    "or corrupt)");
		goto out;
	}
	inited = 1;
	r = cdbf.find(cdb, meta_key, META_KEYLEN);
	v = r > 0 ? cdbf.get(cdb, cdb_datalen(cdb), cdb_datapos(cdb)) : NULL;
	vlen = r > 0 ? cdb_datalen(cdb) : 0;
	if (v == NULL) {
		note_set(note, SMSOTP_UIDX_BROKEN, r == 0 ? "no metadata record"
		    : "corrupt");
		goto out;
	}
	if (meta_prefix(ust, want, sizeof(want)) != 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, "metadata too long");
		goto out;
	}
	plen = strlen(want);
	/* another version of the users file, or another format version */
	if (vlen < plen + 6 || memcmp(v, want, plen) != 0) {
		note_set(note, SMSOTP_UIDX_STALE, "");
		goto out;
	}
	rlen = vlen - plen - 6;
	if (memcmp(v + plen, " long=", 6) != 0 ||
	    parse_lineno(v + plen + 6, rlen, longline) != 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, "corrupt metadata record");
		goto out;
	}
	*fdp = fd;
	fd = -1;
	inited = 0;
	rv = 0;
out:
	if (inited)
		cdbf.free(cdb);
	if (fd >= 0)
		close(fd);
	return rv;
}

enum smsotp_phone_result
smsotp_users_index_lookup(const char *path, uid_t owner,
    const struct stat *ust, const char *user, const char *cc,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz,
    struct smsotp_users_index_note *note)
{
	struct cdb cdb;
	unsigned long longline = 0, lineno;
	const char *v, *sp, *dummy_why;
	char dummy[SMSOTP_E164_SIZE];
	size_t userlen = strlen(user);
	unsigned vlen;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR, lr;
	int fd = -1, r;

	out[0] = '\0';
	note_set(note, SMSOTP_UIDX_ABSENT, "");
	if (index_open(path, owner, ust, &fd, &cdb, &longline, note) != 0)
		goto out;
	r = userlen < 65536 ? cdbf.find(&cdb, user, (unsigned)userlen) : 0;
	if (r < 0) {
		note_set(note, SMSOTP_UIDX_BROKEN, "corrupt");
		goto out;
	}
	if (r == 0) {
		note_set(note, SMSOTP_UIDX_USED, "");
		if (longline > 0) {	/* the scan stops there */
			smsotp_users_why(why, whysz, path, longline,
			    "line longer than 1024 bytes", NULL);
			rv = SMSOTP_PHONE_ERROR;
			goto out;
		}
		/* SECURITY: an unknown user costs what a known one does */
		if (smsotp_phone_normalize("+447700900000", "", dummy,
		    &dummy_why) != 0)
			dummy[0] = '\0';
		rv = SMSOTP_PHONE_NONE;
		goto out;
	}
	v = cdbf.get(&cdb, cdb_datalen(&cdb), cdb_datapos(&cdb));
	vlen = cdb_datalen(&cdb);
	sp = v != NULL ? memchr(v, ' ', vlen < 12 ? vlen : 12) : NULL;
	if (sp == NULL || parse_lineno(v, (size_t)(sp - v), &lineno) != 0 ||
	    lineno == 0 || vlen - (unsigned)(sp + 1 - v) >
	    SMSOTP_USERS_LINE_MAX) {
		note_set(note, SMSOTP_UIDX_BROKEN, "corrupt record");
		goto out;
	}
	lr = smsotp_users_line(sp + 1, vlen - (size_t)(sp + 1 - v), path,
	    lineno, user, userlen, cc, out, why, whysz);
	if (lr == SMSOTP_PHONE_NONE) {
		note_set(note, SMSOTP_UIDX_BROKEN, "record does not match its "
		    "key");
		goto out;
	}
	note_set(note, SMSOTP_UIDX_USED, "");
	rv = lr;
out:
	if (fd >= 0) {
		cdbf.free(&cdb);
		close(fd);
	}
	if (rv != SMSOTP_PHONE_FOUND)
		out[0] = '\0';
	return rv;
}

void
smsotp_users_index_state(const char *path, uid_t owner,
    const struct stat *ust, struct smsotp_users_index_note *note)
{
	struct cdb cdb;
	unsigned long longline;
	int ifd = -1;

	note_set(note, SMSOTP_UIDX_ABSENT, "");
	if (index_open(path, owner, ust, &ifd, &cdb, &longline, note) == 0) {
		note_set(note, SMSOTP_UIDX_USED, "");
		cdbf.free(&cdb);
		close(ifd);
	}
}

/* --- the builder ------------------------------------------------------ */

struct build {
	struct cdb_make cm;
	long n;
	const char *tmp;
	char *why;
	size_t whysz;
};

static int
build_cb(void *arg, const char *line, size_t len, unsigned long lineno)
{
	struct build *b = arg;
	char val[24 + SMSOTP_USERS_LINE_MAX];
	size_t f, flen, hlen;
	int r;

	if (!smsotp_users_line_field(line, len, &f, &flen))
		return 0;
	/* a name with a NUL byte can never be looked up (nor be meta_key) */
	if (memchr(line + f, '\0', flen) != NULL)
		return 0;
	r = cdbf.make_exists(&b->cm, line + f, (unsigned)flen);
	if (r > 0)
		return 0;	/* the first line of a user wins */
	if (r == 0) {
		if (smsotp_fmt(val, sizeof(val), "%lu ", lineno) != 0)
			return -1;
		hlen = strlen(val);
		memcpy(val + hlen, line, len);
		r = cdbf.make_add(&b->cm, line + f, (unsigned)flen, val,
		    (unsigned)(hlen + len));
	}
	if (r < 0) {
		smsotp_users_why(b->why, b->whysz, b->tmp, 0, "write",
		    strerror(errno));
		return -1;
	}
	b->n++;
	return 0;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Write the index of the users file ufd (fstat before) into fd. */
static long
write_index(int ufd, const char *path, const struct stat *before, int fd,
    const char *tmp, char *why, size_t whysz)
{
	struct build b;
	struct stat after;
	const char *lwhy;
	char meta[META_SIZE];
	unsigned long longline = 0;
	size_t mlen;
	int r, started = 0;
	long rv = -1;

	memset(&b, 0, sizeof(b));
	b.tmp = tmp;
	b.why = why;
	b.whysz = whysz;
	if (cdbf_load(&lwhy) != 0) {
		smsotp_users_why(why, whysz, tmp, 0, lwhy, NULL);
		goto out;
	}
	if (cdbf.make_start(&b.cm, fd) != 0) {
		smsotp_users_why(why, whysz, tmp, 0, "cdb_make_start",
		    strerror(errno));
		goto out;
	}
	started = 1;
	r = smsotp_users_scan(ufd, path, build_cb, &b, &longline, why, whysz);
	if (r != 0 && longline == 0)
		goto out;
	if (fstat(ufd, &after) != 0 || !same_file(before, &after)) {
		smsotp_users_why(why, whysz, path, 0, "changed while being "
		    "indexed; run 'smsotpctl index' again", NULL);
		goto out;
	}
	if (meta_prefix(before, meta, sizeof(meta)) != 0)
		goto out;
	mlen = strlen(meta);
	if (smsotp_fmt(meta + mlen, sizeof(meta) - mlen, " long=%lu",
	    longline) != 0)
		goto out;
	r = cdbf.make_add(&b.cm, meta_key, META_KEYLEN, meta,
	    (unsigned)strlen(meta));
	started = 0;
	if (cdbf.make_finish(&b.cm) != 0 || r != 0) {
		smsotp_users_why(why, whysz, tmp, 0, "write", strerror(errno));
		goto out;
	}
	rv = b.n;
out:
	if (started)
		(void)cdbf.make_finish(&b.cm);	/* frees its memory */
	return rv;
}

long
smsotp_users_index_build(const char *path, uid_t owner, char *why,
    size_t whysz)
{
	char dir[4096], base[256], ibase[300];
	struct smsotp_atomic a;
	struct stat sb;
	int dirfd = -1, ufd = -1, started = 0;
	long n = -1, rv = -1;

	dirfd = smsotp_users_dir_lock(path, owner, dir, sizeof(dir), base,
	    sizeof(base), why, whysz);
	if (dirfd < 0)
		goto out;
	if (smsotp_fmt(ibase, sizeof(ibase), "%s%s", base,
	    SMSOTP_USERS_INDEX_SUFFIX) != 0) {
		smsotp_users_why(why, whysz, path, 0, "name too long", NULL);
		goto out;
	}
	ufd = openat(dirfd, base, O_RDONLY | OPEN_FLAGS);
	if (ufd < 0) {
		smsotp_users_why(why, whysz, path, 0, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno), NULL);
		goto out;
	}
	if (smsotp_secfile_check_fd(ufd, path, owner, 0, why, whysz) != 0)
		goto out;
	if (fstat(ufd, &sb) != 0) {
		smsotp_users_why(why, whysz, path, 0, "fstat", strerror(errno));
		goto out;
	}
	/* O_RDWR (base/atomic.h): cdb_make reads back keys to find duplicates.
	 * The helper reads it like the users file: same owner, group and
	 * read bits (a 0600 index would be unreadable to the setgid helper
	 * of an unprivileged caller). */
	if (smsotp_atomic_begin(&a, dirfd, dir, ibase, SMSOTP_ATOMIC_RANDOM,
	    sb.st_mode & 0644, why, whysz) != 0)
		goto out;
	started = 1;
	if (smsotp_atomic_chown(&a, sb.st_uid, sb.st_gid, why, whysz) != 0 ||
	    fchmod(a.fd, sb.st_mode & 0644) != 0) {
		smsotp_users_why(why, whysz, a.tmp, 0, "chown/chmod",
		    strerror(errno));
		goto out;
	}
	n = write_index(ufd, path, &sb, a.fd, a.tmp, why, whysz);
	if (n < 0)
		goto out;
	started = 0;
	if (smsotp_atomic_commit(&a, SMSOTP_ATOMIC_DURABLE, why, whysz) != 0)
		goto out;
	rv = n;
out:
	if (started)
		smsotp_atomic_abort(&a);
	if (ufd >= 0)
		close(ufd);
	if (dirfd >= 0)
		close(dirfd);
	return rv;
}
