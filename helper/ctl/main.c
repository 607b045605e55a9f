/*
 * helper/ctl/main.c - the administrator's tool: options, init, check-config, and the
 * dispatch of the verbs in ctl_*.c (status, reset, locked, phones, backup
 * codes, index).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/code.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ctl/testsend.h"
#include "base/log.h"
#include "phones/phone.h"
#include "store/state.h"
#include "phones/index.h"

#define LOCK_WAIT_MS 5000

static const char *conf_path = SMSOTP_CONF_PATH;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: smsotpctl [-c CONFIG] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  init              create the HMAC key and the state directory\n"
	    "  check-config      validate the configuration (every error with "
	    "its line)\n"
	    "  status USER       phone (masked), live codes, failures, lockout,\n"
	    "                    backup codes left (--json: one JSON object)\n"
	    "  reset USER        clear USER's state (failures, lockout, codes)\n"
	    "  locked            list locked users (--json: a JSON array)\n"
	    "  set-phone USER NUMBER  set USER's number in the users file\n"
	    "  remove-phone USER      remove USER's number from the users file\n"
	    "  index             build the users file index (USERS.cdb): "
	    "constant-time\n"
	    "                    lookups with many users\n"
	    "  backup-codes USER      print 10 new backup codes (replaces the "
	    "old ones)\n"
	    "  test-send NUMBER [--gateway NAME]  send a test message, print "
	    "each attempt\n"
	    "  global [reset]    global sends in the last minute and day, "
	    "allowed\n"
	    "                    countries (reset: clear the counters)\n"
	    "  version           print the version\n");
}

static gid_t
smsotp_gid(int *found)
{
	struct group *gr = getgrnam(SMSOTP_GROUP);

	*found = gr != NULL;
	return gr != NULL ? gr->gr_gid : 0;
}

/* mkdir -p of the parents of path, mode 0755 (root's own directories). */
static int
mkparents(const char *path)
{
	char buf[4096];
	char *p;

	if (smsotp_fmt(buf, sizeof(buf), "%s", path) != 0)
		return -1;
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			/* our umask is 077: the group must reach the files */
			if (chmod(buf, 0755) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static int
init_key(gid_t gid)
{
	unsigned char key[SMSOTP_KEY_LEN];
	int fd, rv = 1;

	if (mkparents(SMSOTP_KEY_PATH) != 0) {
		fprintf(stderr, "smsotpctl: cannot create the directory of %s: "
		    "%s\n", SMSOTP_KEY_PATH, strerror(errno));
		return 1;
	}
	fd = open(SMSOTP_KEY_PATH, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		char why[320];
		if (smsotp_key_load(SMSOTP_KEY_PATH, 0, key, why, sizeof(why)) != 0) {
			fprintf(stderr, "smsotpctl: existing key unusable: %s\n",
			    why);
			return 1;
		}
		smsotp_wipe(key, sizeof(key));
		printf("key %s: exists, kept\n", SMSOTP_KEY_PATH);
		return 0;
	}
	if (fd < 0) {
		fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_KEY_PATH,
		    strerror(errno));
		return 1;
	}
	randombytes_buf(key, sizeof(key));
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fchown(fd, 0, gid) != 0 || fchmod(fd, 0640) != 0 ||
	    fsync(fd) != 0) {
		fprintf(stderr, "smsotpctl: writing %s: %s\n", SMSOTP_KEY_PATH,
		    strerror(errno));
		(void)unlink(SMSOTP_KEY_PATH);
		goto out;
	}
	printf("key %s: created (root:%s 0640)\n", SMSOTP_KEY_PATH,
	    gid != 0 ? SMSOTP_GROUP : "root");
	rv = 0;
out:
	smsotp_wipe(key, sizeof(key));
	close(fd);
	return rv;
}

static int
init_statedir(gid_t gid)
{
	struct stat st;
	int fd;

	if (mkparents(SMSOTP_STATE_DIR) != 0) {
		fprintf(stderr, "smsotpctl: cannot create the parents of %s: "
		    "%s\n", SMSOTP_STATE_DIR, strerror(errno));
		return 1;
	}
	if (mkdir(SMSOTP_STATE_DIR, 0700) == 0) {
		/* SECURITY: fix owner and mode through the fd, never a path. */
		fd = open(SMSOTP_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 || fchown(fd, 0, gid) != 0 || fchmod(fd, 02770) != 0) {
			fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_STATE_DIR,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
		close(fd);
		printf("state directory %s: created (root:%s 2770)\n",
		    SMSOTP_STATE_DIR, gid != 0 ? SMSOTP_GROUP : "root");
		return 0;
	}
	if (errno != EEXIST || lstat(SMSOTP_STATE_DIR, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "smsotpctl: %s: %s\n", SMSOTP_STATE_DIR,
		    errno == EEXIST ? "exists and is not a directory" :
		    strerror(errno));
		return 1;
	}
	if (st.st_uid != 0 || (st.st_mode & S_IWOTH)) {
		fprintf(stderr, "smsotpctl: %s exists with unsafe owner or mode "
		    "(uid %lu, %04o): fix it by hand\n", SMSOTP_STATE_DIR,
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return 1;
	}
	printf("state directory %s: exists, kept\n", SMSOTP_STATE_DIR);
	return 0;
}

static int
cmd_init(void)
{
	int found, rv;
	gid_t gid = smsotp_gid(&found);

	if (!found)
		fprintf(stderr, "smsotpctl: warning: group '%s' does not exist; "
		    "using root: only root callers (sshd, sudo) will work. "
		    "Create it with 'groupadd --system %s' and rerun.\n",
		    SMSOTP_GROUP, SMSOTP_GROUP);
	rv = init_key(gid);
	rv |= init_statedir(gid);
	return rv;
}

/* perf: a stale or broken users index is a warning (logins still work). */
static void
check_index(const char *users)
{
	struct smsotp_users_index_note note;
	char why[512];
	int st = smsotp_users_index_check(users, 0, &note, why, sizeof(why));

	if (st == SMSOTP_UIDX_USED)
		printf("users index %s%s: up to date\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (st == SMSOTP_UIDX_STALE)
		fprintf(stderr, "smsotpctl: warning: users index %s%s is out of "
		    "date: run 'smsotpctl index'\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX);
	else if (st == SMSOTP_UIDX_BROKEN)
		fprintf(stderr, "smsotpctl: warning: users index %s%s is "
		    "unusable (%s): run 'smsotpctl index'\n", users,
		    SMSOTP_USERS_INDEX_SUFFIX, note.why);
}

/* Phone numbers are personal data: say so when others may read them. */
static void
check_private(const char *users)
{
	struct stat sb;

	if (stat(users, &sb) != 0 || !(sb.st_mode & S_IROTH))
		return;
	fprintf(stderr, "smsotpctl: warning: %s is readable by every local "
	    "user (mode %04o): phone numbers are personal data; make it "
	    "root:%s 0640\n", users, (unsigned)(sb.st_mode & 07777),
	    SMSOTP_GROUP);
}

static int
cmd_check_config(void)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_conf conf;
	struct smsotp_errs errs;
	int i;

	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(conf_path, &opts, &conf, &errs) != 0) {
		for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		if (errs.n > SMSOTP_MAX_ERRS)
			fprintf(stderr, "... and %d more\n", errs.n - SMSOTP_MAX_ERRS);
		return 1;
	}
	printf("%s: OK (%d gateway%s, %d route%s)\n", conf_path, conf.ngateways,
	    conf.ngateways == 1 ? "" : "s", conf.nroutes,
	    conf.nroutes == 1 ? "" : "s");
	if (conf.phones_file != NULL) {
		check_private(conf.phones_file);
		check_index(conf.phones_file);
	}
	smsotp_conf_free(&conf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i = 1, rv;
	const char *cmd;

	umask(077);
	smsotp_log_init("smsotpctl", 0);
	while (i < argc && argv[i][0] == '-') {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			conf_path = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--json") == 0) {
			smsotp_ctl_json = 1;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i++];
	if (strcmp(cmd, "version") == 0 && i == argc) {
		printf("smsotpctl %s\n", SMSOTP_VERSION);
		return 0;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "smsotpctl: must be run as root\n");
		return 1;
	}
	if (strcmp(cmd, "init") == 0 && i == argc)
		return cmd_init();
	if (strcmp(cmd, "check-config") == 0 && i == argc)
		return cmd_check_config();
	if (strcmp(cmd, "index") == 0 && i == argc)
		return smsotp_ctl_index(conf_path);
	if (strcmp(cmd, "test-send") == 0)
		return smsotp_ctl_test_send(conf_path, argc - i, argv + i);
	if (strcmp(cmd, "global") == 0 &&
	    (rv = smsotp_ctl_global(conf_path, argc - i, argv + i)) >= 0)
		return rv;
	/* status, reset, locked, set-phone, remove-phone, backup-codes */
	rv = smsotp_ctl_dispatch(conf_path, cmd, argc - i, argv + i);
	if (rv >= 0)
		return rv;
	usage(stderr);
	return 2;
}
