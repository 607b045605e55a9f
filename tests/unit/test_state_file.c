/* SPDX-License-Identifier: BSD-3-Clause */
/* test_state_file.c - unit tests of the locked state store (files, locks, commits). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "store/state.h"
#include "store_fixture.h"
#include "testutil.h"
#include "test_state_common.h"

/* ---- the store ---------------------------------------------------------- */

struct fx {
	char *dir;
	struct smsotp_store store;
	char name[SMSOTP_STATE_NAME_SIZE];	/* alice's state file */
	char why[512];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_store_open(&f->store);
	smsotp_state_name("alice", f->name);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	tu_store_close(f->dir, &f->store);
	free(f);
	return 0;
}

/* malloc'ed dir/<alice's name><suffix>. */
static char *
fx_path(struct fx *f, const char *suffix)
{
	char n[64];

	assert_int_equal(smsotp_fmt(n, sizeof(n), "%s%s", f->name, suffix), 0);
	return tu_path(f->dir, n);
}

static int
begin(struct fx *f, const char *user, int wait_ms, struct smsotp_txn *txn,
    struct smsotp_state *st)
{
	f->why[0] = '\0';
	return smsotp_state_begin(&f->store, user, wait_ms, txn, st, f->why,
	    sizeof(f->why));
}

/* Commit a state for alice with failures = n. */
static void
put_alice(struct fx *f, uint32_t n)
{
	struct smsotp_txn txn;
	struct smsotp_state st;

	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	st.failures = n;
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_OK);
	smsotp_state_end(&txn);
}


static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode;
}

static void
test_store_open_checks(void **state)
{
	struct fx *f = *state;
	struct smsotp_store s;
	char *link = tu_path(f->dir, "link"), *sub = tu_path(f->dir, "sub");
	char *file = tu_write(f->dir, "file", "x", 0600);

	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(smsotp_store_open_dir(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), 0);
	assert_non_null(s.ops);
	assert_string_equal(smsotp_store_where(&s), sub);
	smsotp_store_close(&s);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(smsotp_store_open_dir(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "world-writable"));
	assert_null(s.ops);
	assert_int_equal(chmod(sub, 0770), 0);	/* group-writable is fine */
	assert_int_equal(smsotp_store_open_dir(sub, geteuid(), &s, f->why,
	    sizeof(f->why)), 0);
	smsotp_store_close(&s);
	assert_int_equal(smsotp_store_open_dir(sub, geteuid() + 1, &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "owned by"));
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(smsotp_store_open_dir(link, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "symbolic link"));
	assert_int_equal(smsotp_store_open_dir(file, geteuid(), &s, f->why,
	    sizeof(f->why)), SMSOTP_ST_ERROR);
	free(link);
	free(sub);
	free(file);
}

static void
test_begin_commit_readback(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st, st2;
	char *sp = fx_path(f, ""), *lp = fx_path(f, ".lock"), *tp = fx_path(f, ".tmp");
	struct stat sb;

	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 0);
	assert_string_equal(txn.name, f->name);
	assert_string_equal(st.user, "alice");
	assert_int_equal(st.failures + st.nsends + st.nchal, 0);
	assert_int_equal(lstat(sp, &sb), -1);	/* begin creates no state */
	assert_int_equal(mode_of(lp) & 07777, 0660);	/* despite umask 077 */
	full_state(&st);
	strcpy(st.user, "alice");
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 1);
	smsotp_state_end(&txn);
	assert_int_equal(mode_of(sp), S_IFREG | 0660);
	assert_int_equal(lstat(tp, &sb), -1);	/* no tmp left */
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 1);
	assert_state_equal(&st, &st2);
	/* A commit of another user's state through this txn is refused. */
	smsotp_state_init(&st2, "bob");
	assert_int_equal(smsotp_state_commit(&txn, &st2, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	st.nchal = SMSOTP_MAX_CHALLENGES + 1;	/* not writable */
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(st2.failures, UINT32_MAX);	/* old file intact */
	/* remove */
	assert_int_equal(smsotp_state_remove(&txn, f->why, sizeof(f->why)), 0);
	assert_int_equal(txn.exists, 0);
	assert_int_equal(lstat(sp, &sb), -1);
	assert_int_equal(errno, ENOENT);
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st2), SMSOTP_ST_OK);
	assert_int_equal(txn.exists, 0);
	assert_int_equal(st2.failures, 0);
	smsotp_state_end(&txn);
	free(sp);
	free(lp);
	free(tp);
}

/* A symlink at the state, lock or tmp path is never followed. */
static void
test_symlinks(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char *victim = tu_write(f->dir, "victim", "precious\n", 0600);
	char *ghost = tu_path(f->dir, "ghost");
	const char *suffix[] = { "", ".lock" };
	struct stat sb;
	int i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {	/* to a file, and dangling */
			char *p = fx_path(f, suffix[i]);
			(void)unlink(p);	/* the lock file of a previous round */
			assert_int_equal(symlink(j ? ghost : victim, p), 0);
			assert_int_equal(begin(f, "alice", 0, &txn, &st),
			    SMSOTP_ST_ERROR);
			assert_non_null(strstr(f->why, "symbolic link"));
			assert_int_equal(txn.lock.handle, -1);
			assert_int_equal(unlink(p), 0);
			free(p);
		}
	}
	/* tmp: the stale link is removed, not written through. */
	{
		char *tp = fx_path(f, ".tmp"), *sp = fx_path(f, "");
		assert_int_equal(symlink(victim, tp), 0);
		put_alice(f, 7);
		assert_int_equal(lstat(tp, &sb), -1);
		assert_int_equal(mode_of(sp), S_IFREG | 0660);
		assert_int_equal(symlink(ghost, tp), 0);
		put_alice(f, 8);
		/* A directory at tmp is not removed: the commit fails. */
		assert_int_equal(mkdir(tp, 0700), 0);
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		st.failures = 9;
		assert_int_equal(smsotp_state_commit(&txn, &st, f->why,
		    sizeof(f->why)), SMSOTP_ST_ERROR);
		smsotp_state_end(&txn);
		assert_int_equal(rmdir(tp), 0);
		assert_int_equal(mkfifo(tp, 0600), 0);	/* nor a FIFO */
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		assert_int_equal(smsotp_state_commit(&txn, &st, f->why,
		    sizeof(f->why)), SMSOTP_ST_ERROR);
		assert_true(S_ISFIFO(mode_of(tp)));
		smsotp_state_end(&txn);
		assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
		assert_int_equal(st.failures, 8);
		smsotp_state_end(&txn);
		free(tp);
		free(sp);
	}
	assert_string_equal(tu_read(victim), "precious\n");
	assert_int_equal(mode_of(victim) & 07777, 0600);
	assert_int_equal(lstat(ghost, &sb), -1);
	free(victim);
	free(ghost);
}

/* FIFO, directory and hard link at the state or lock path. */
static void
test_special_files(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char *sp = fx_path(f, ""), *lp = fx_path(f, ".lock");
	char *other = tu_path(f->dir, "other");
	double t0;

	alarm(10);		/* a blocking open would kill the test */
	assert_int_equal(mkfifo(sp, 0600), 0);
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_true(smsotp_mono() - t0 < 1.0);
	assert_non_null(strstr(f->why, "not a regular file"));
	assert_int_equal(unlink(sp), 0);
	assert_int_equal(unlink(lp), 0);
	assert_int_equal(mkfifo(lp, 0600), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(unlink(lp), 0);
	assert_int_equal(mkdir(sp, 0700), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(rmdir(sp), 0);
	alarm(0);
	put_alice(f, 1);
	assert_int_equal(link(sp, other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_non_null(strstr(f->why, "hard links"));
	assert_int_equal(unlink(other), 0);
	assert_int_equal(link(lp, other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_ERROR);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(st.failures, 1);
	smsotp_state_end(&txn);
	free(sp);
	free(lp);
	free(other);
}

static void
test_corrupt_files(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn, txn2;
	struct smsotp_state st, st2;
	char buf[SMSOTP_STATE_MAX_SIZE + 2];
	size_t len;
	int i;

	for (i = 0; i < 4; i++) {
		switch (i) {
		case 0:
			free(tu_write(f->dir, f->name, "garbage\n", 0660));
			break;
		case 1:
			free(tu_write(f->dir, f->name, "", 0660));
			break;
		case 2:
			memset(buf, 'x', sizeof(buf));
			free(tu_write_bin(f->dir, f->name, buf, sizeof(buf),
			    0660));
			break;
		case 3:	/* a valid file, but of another user */
			smsotp_state_init(&st, "mallory");
			st.failures = 5;
			assert_int_equal(smsotp_state_format(&st, buf,
			    sizeof(buf), &len), 0);
			free(tu_write_bin(f->dir, f->name, buf, len, 0660));
			break;
		}
		st.failures = 99;
		assert_int_equal(begin(f, "alice", 0, &txn, &st),
		    SMSOTP_ST_CORRUPT);
		assert_non_null(strstr(f->why, "corrupt"));
		if (i == 3)
			assert_non_null(strstr(f->why, "another user"));
		assert_string_equal(st.user, "alice");	/* fresh */
		assert_int_equal(st.failures, 0);
		/* The lock is still held. */
		assert_int_equal(begin(f, "alice", 0, &txn2, &st2),
		    SMSOTP_ST_BUSY);
		smsotp_state_end(&txn);
	}
}

/* A child holds alice's lock: begin gives up after wait_ms. */
static void
test_lock_contention(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	int up[2], down[2], status;
	double t0, dt;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct smsotp_store s;
		char why[256];
		close(up[0]);
		close(down[1]);
		if (smsotp_store_open_dir(f->dir, geteuid(), &s, why, sizeof(why)) ||
		    smsotp_state_begin(&s, "alice", 0, &txn, &st, why, sizeof(why)))
			_exit(2);
		if (write(up[1], "L", 1) != 1)
			_exit(3);
		if (read(down[0], &c, 1) < 0)	/* until the parent closes */
			_exit(4);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	t0 = smsotp_mono();
	assert_int_equal(begin(f, "alice", 50, &txn, &st), SMSOTP_ST_BUSY);
	dt = smsotp_mono() - t0;
	assert_true(dt >= 0.045 && dt < 0.5);
	assert_non_null(strstr(f->why, "locked"));
	assert_int_equal(txn.lock.handle, -1);
	/* Another user is not blocked. */
	assert_int_equal(begin(f, "bob", 0, &txn, &st), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
	close(down[1]);
	close(up[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(begin(f, "alice", 50, &txn, &st), SMSOTP_ST_OK);
	smsotp_state_end(&txn);
}

/* A write error (EFBIG here, like ENOSPC) leaves the old file and no tmp. */
static void
test_commit_write_error(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct rlimit old, small;
	void (*oldsig)(int);
	char *tp = fx_path(f, ".tmp");
	sigset_t mask;
	struct stat sb;

	put_alice(f, 3);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	full_state(&st);
	smsotp_state_init(&st, "alice");
	st.failures = 4;
	st.nsends = SMSOTP_MAX_SENDS;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    SMSOTP_ST_ERROR);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_non_null(strstr(f->why, "write"));
	assert_non_null(strstr(f->why, strerror(EFBIG)));
	assert_int_equal(lstat(tp, &sb), -1);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGTERM));	/* mask restored */
	smsotp_state_end(&txn);
	assert_int_equal(begin(f, "alice", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(st.failures, 3);
	smsotp_state_end(&txn);
	free(tp);
}

struct seen {
	int ok, bad;
	char users[2][16];
};

static int
count_cb(const char *name, const struct smsotp_state *st, void *arg)
{
	struct seen *s = arg;
	char want[SMSOTP_STATE_NAME_SIZE];

	if (st == NULL) {
		s->bad++;
		return 0;
	}
	smsotp_state_name(st->user, want);
	if (strcmp(want, name) != 0 || s->ok >= 2)
		return 42;
	if (smsotp_fmt(s->users[s->ok++], sizeof(s->users[0]), "%s",
	    st->user) != 0)
		return 43;
	return 0;
}

static int
stop_cb(const char *name, const struct smsotp_state *st, void *arg)
{
	(void)name;
	(void)st;
	++*(int *)arg;
	return 7;
}

static void
test_foreach(void **state)
{
	struct fx *f = *state;
	struct smsotp_txn txn;
	struct smsotp_state st;
	struct seen s = { 0, 0, { "", "" } };
	char bad[SMSOTP_STATE_NAME_SIZE], stolen[SMSOTP_STATE_NAME_SIZE];
	int calls = 0;

	put_alice(f, 1);
	assert_int_equal(begin(f, "bob", 0, &txn, &st), SMSOTP_ST_OK);
	assert_int_equal(smsotp_state_commit(&txn, &st, f->why, sizeof(f->why)),
	    0);
	smsotp_state_end(&txn);
	smsotp_state_name("carol", bad);
	free(tu_write(f->dir, bad, "garbage\n", 0660));
	smsotp_state_name("dave", stolen);	/* alice's file under dave's name */
	{
		char *sp = fx_path(f, "");
		free(tu_write(f->dir, stolen, tu_read(sp), 0660));
		free(sp);
	}
	free(tu_write(f->dir, "u-0123", "x", 0660));
	free(tu_write(f->dir, "notes", "x", 0660));
	assert_int_equal(smsotp_state_foreach(&f->store, count_cb, &s), 0);
	assert_int_equal(s.ok, 2);
	assert_int_equal(s.bad, 2);
	assert_true((strcmp(s.users[0], "alice") == 0 &&
	    strcmp(s.users[1], "bob") == 0) ||
	    (strcmp(s.users[0], "bob") == 0 && strcmp(s.users[1], "alice") == 0));
	assert_int_equal(smsotp_state_foreach(&f->store, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
		FX(test_store_open_checks),
		FX(test_begin_commit_readback),
		FX(test_symlinks),
		FX(test_special_files),
		FX(test_corrupt_files),
		FX(test_lock_contention),
		FX(test_commit_write_error),
		FX(test_foreach),
#undef FX
	};

	if (sodium_init() < 0)
		return 1;
	umask(077);		/* as in the helper */
	return cmocka_run_group_tests_name("state_file", tests, NULL, NULL);
}
