/*
 * smsotpctl.c - the administrator's tool: init, check-config, status, reset.
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

#include "code.h"
#include "conf.h"
#include "log.h"
#include "phone.h"
#include "state.h"

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
	    "  status USER       phone (masked), live codes, failures, lockout\n"
	    "  reset USER        clear USER's state (failures, lockout, codes)\n"
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
	smsotp_conf_free(&conf);
	return 0;
}

static void
print_time(const char *label, int64_t t, int64_t now)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%-16s %s (in %lld s)\n", label, buf, (long long)(t - now));
}

static int
open_user(const char *user, struct smsotp_store *store, struct smsotp_txn *txn,
    struct smsotp_state *st, int *corrupt)
{
	char why[320];
	int rv;

	if (!smsotp_user_ok(user)) {
		fprintf(stderr, "smsotpctl: invalid user name\n");
		return -1;
	}
	if (smsotp_crypto_init() != 0 ||
	    smsotp_store_open(SMSOTP_STATE_DIR, 0, store, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: state directory: %s\n", why);
		return -1;
	}
	rv = smsotp_state_begin(store, user, LOCK_WAIT_MS, txn, st, why,
	    sizeof(why));
	*corrupt = rv == SMSOTP_ST_CORRUPT;
	if (rv == SMSOTP_ST_OK || rv == SMSOTP_ST_CORRUPT) {
		if (*corrupt)
			printf("%-16s CORRUPT (%s): the user is treated as "
			    "locked; 'smsotpctl reset' recovers\n", "state:", why);
		return 0;
	}
	fprintf(stderr, "smsotpctl: state of %s: %s\n", user,
	    rv == SMSOTP_ST_BUSY ? "busy (locked by a login)" : why);
	smsotp_store_close(store);
	return -1;
}

static int
cmd_status(const char *user)
{
	struct smsotp_conf_opts opts = { 0 };
	struct smsotp_conf conf;
	struct smsotp_errs errs;
	struct smsotp_store store;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char phone[SMSOTP_E164_SIZE], masked[SMSOTP_MASKED_SIZE], why[320];
	int64_t now = smsotp_now();
	int corrupt, i, live = 0, sends = 0, rv;

	memset(&errs, 0, sizeof(errs));
	if (smsotp_conf_load(conf_path, &opts, &conf, &errs) != 0) {
		fprintf(stderr, "smsotpctl: configuration invalid; run "
		    "'smsotpctl check-config'\n");
		return 1;
	}
	printf("%-16s %s\n", "user:", user);
	rv = conf.phones_file == NULL ? 0 :
	    smsotp_phone_lookup_file(conf.phones_file, 0, user,
	    conf.default_country, phone, why, sizeof(why));
	if (rv == 1) {
		smsotp_phone_mask(phone, masked, sizeof(masked));
		printf("%-16s %s\n", "phone:", masked);
	} else {
		printf("%-16s %s\n", "phone:", rv == 0 ? "none" : why);
	}
	if (open_user(user, &store, &txn, &st, &corrupt) != 0) {
		smsotp_conf_free(&conf);
		return 1;
	}
	for (i = 0; i < st.nchal; i++)
		if (st.chal[i].expires > now)
			live++;
	for (i = 0; i < st.nsends; i++)
		if (st.sends[i] > now - conf.sends_window)
			sends++;
	if (!corrupt) {
		printf("%-16s %s", "live code:", live > 0 ? "yes" : "no");
		if (live > 0)
			printf(" (%d)", live);
		printf("\n%-16s %u of %d\n", "failures:", st.failures,
		    conf.lockout_after);
		if (st.locked_until > now)
			print_time("locked until:", st.locked_until, now);
		else
			printf("%-16s no\n", "locked:");
		printf("%-16s %u\n", "lockouts:", st.lockouts);
		printf("%-16s %d of %d in %d s\n", "sends:", sends,
		    conf.sends_per_user, conf.sends_window);
	}
	smsotp_state_end(&txn);
	smsotp_store_close(&store);
	smsotp_wipe(&st, sizeof(st));
	smsotp_conf_free(&conf);
	return 0;
}

static int
cmd_reset(const char *user)
{
	struct smsotp_store store;
	struct smsotp_txn txn;
	struct smsotp_state st;
	char why[320];
	int corrupt, rv = 0;

	if (open_user(user, &store, &txn, &st, &corrupt) != 0)
		return 1;
	if (smsotp_state_remove(&txn, why, sizeof(why)) != 0) {
		fprintf(stderr, "smsotpctl: reset %s: %s\n", user, why);
		rv = 1;
	} else {
		printf("state of %s reset\n", user);
		smsotp_log(LOG_NOTICE, "user=%s: state reset by smsotpctl", user);
	}
	smsotp_state_end(&txn);
	smsotp_store_close(&store);
	smsotp_wipe(&st, sizeof(st));
	return rv;
}

int
main(int argc, char **argv)
{
	int i = 1;
	const char *cmd;

	umask(077);
	smsotp_log_init("smsotpctl", 0);
	while (i < argc && argv[i][0] == '-') {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			conf_path = argv[i + 1];
			i += 2;
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
	if (strcmp(cmd, "status") == 0 && i + 1 == argc)
		return cmd_status(argv[i]);
	if (strcmp(cmd, "reset") == 0 && i + 1 == argc)
		return cmd_reset(argv[i]);
	usage(stderr);
	return 2;
}
