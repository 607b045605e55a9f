/*
 * limits_file.c - the global send counters in the state directory: locked
 * read-modify-write of the "global" file (smsotp_limits.h).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "smsotp_limits.h"

/*
 * 1 when the file was last written before this boot: its damage is then
 * a crash's doing (the file is replaced without fsync, state.h), not a
 * tampering or a bug, which leave a newer mtime.
 */
static int
written_before_boot(struct smsotp_store *store)
{
	struct timespec real, up;
	struct stat sb;

	if (fstatat(store->dirfd, SMSOTP_GLOBAL_NAME, &sb,
	    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode) ||
	    clock_gettime(CLOCK_REALTIME, &real) != 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &up) != 0)
		return 0;
	/* 2 s of slack for the two clocks read one after the other */
	return sb.st_mtim.tv_sec < real.tv_sec - up.tv_sec - 2;
}

/*
 * Read and parse the file (lock held or not). 1 read, 0 none (g fresh),
 * -1 refused, unreadable or corrupt (why).
 */
static int
load(struct smsotp_store *store, struct smsotp_global *g, char *why,
    size_t whysz)
{
	char buf[SMSOTP_GLOBAL_MAX_SIZE + 1];
	const char *perr = "?";
	size_t len;
	int exists, r;

	smsotp_global_init(g);
	r = smsotp_store_read(store, SMSOTP_GLOBAL_NAME, buf, sizeof(buf), &len,
	    &exists, why, whysz);
	if (r != SMSOTP_ST_OK)
		return -1;
	if (!exists)
		return 0;
	if (smsotp_global_parse(buf, len, g, &perr) != 0) {
		if (written_before_boot(store)) {
			smsotp_log(LOG_WARNING, "%s/%s: damaged by a crash "
			    "before this boot (%s): counting afresh",
			    store->path, SMSOTP_GLOBAL_NAME, perr);
			smsotp_global_init(g);
			return 0;
		}
		(void)smsotp_fmt(why, whysz, "%s/%s: corrupt: %s", store->path,
		    SMSOTP_GLOBAL_NAME, perr);
		return -1;
	}
	return 1;
}

static int
save(struct smsotp_store *store, const struct smsotp_global *g, char *why,
    size_t whysz)
{
	char buf[SMSOTP_GLOBAL_MAX_SIZE + 1];
	size_t len;

	if (smsotp_global_format(g, buf, sizeof(buf), &len) != 0) {
		(void)smsotp_fmt(why, whysz, "%s/%s: cannot format", store->path,
		    SMSOTP_GLOBAL_NAME);
		return -1;
	}
	/* counts, not secrets: a crash may lose the last few (state.h) */
	return smsotp_store_put(store, SMSOTP_GLOBAL_NAME, buf, len,
	    SMSOTP_PUT_COUNTER, why, whysz) == SMSOTP_ST_OK ? 0 : -1;
}

int
smsotp_limits_take(struct smsotp_store *store,
    const struct smsotp_conf *conf, int64_t now, int wait_ms,
    long *retry_after, int *sample)
{
	struct smsotp_global g;
	const char *which;
	char why[320];
	int fd = -1, rv = SMSOTP_LIM_ERROR;

	*retry_after = 0;
	if (sample != NULL)
		*sample = 0;
	if (smsotp_store_lock(store, SMSOTP_GLOBAL_NAME, wait_ms, &fd, why,
	    sizeof(why)) != SMSOTP_ST_OK) {
		smsotp_log(LOG_ERR, "global limits: %s: no code sent", why);
		goto out;
	}
	if (load(store, &g, why, sizeof(why)) < 0) {
		/* SECURITY: unknown counts never mean "no limit". */
		smsotp_log(LOG_ERR, "global limits: %s: no code sent until "
		    "'smsotpctl reset-global'", why);
		goto out;
	}
	smsotp_global_advance(&g, now);
	if (smsotp_global_over(&g, conf->global_per_minute, conf->global_per_day,
	    now, retry_after, &which)) {
		smsotp_log(LOG_WARNING, "global send limit reached: %u sends in "
		    "the last %s (limit %d): no code sent, retry in %ld s",
		    strcmp(which, "day") == 0 ? smsotp_global_day(&g) :
		    smsotp_global_minute(&g), which, strcmp(which, "day") == 0 ?
		    conf->global_per_day : conf->global_per_minute, *retry_after);
		rv = SMSOTP_LIM_OVER;
		goto out;
	}
	smsotp_global_count(&g);
	if (save(store, &g, why, sizeof(why)) != 0) {
		smsotp_log(LOG_ERR, "global limits: cannot write: %s: no code "
		    "sent", why);
		goto out;
	}
	if (sample != NULL)
		*sample = smsotp_global_want_sample(&g);
	rv = SMSOTP_LIM_OK;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}

void
smsotp_limits_note_send(struct smsotp_store *store, int64_t now, long ms,
    int wait_ms)
{
	struct smsotp_global g;
	char why[320];
	int fd = -1;

	if (smsotp_store_lock(store, SMSOTP_GLOBAL_NAME, wait_ms, &fd, why,
	    sizeof(why)) != SMSOTP_ST_OK)
		goto out;
	/* A corrupt file stays as it is: rewriting it would clear the counts. */
	if (load(store, &g, why, sizeof(why)) < 0)
		goto out;
	smsotp_global_advance(&g, now);
	smsotp_global_note_ms(&g, ms);
	if (save(store, &g, why, sizeof(why)) != 0)
		smsotp_log(LOG_WARNING, "global limits: send time not "
		    "recorded: %s", why);
out:
	if (fd >= 0)
		close(fd);
}

int
smsotp_limits_peek(struct smsotp_store *store, int64_t now,
    struct smsotp_global *g, char *why, size_t whysz)
{
	int r = load(store, g, why, whysz);

	if (r >= 0)
		smsotp_global_advance(g, now);
	return r;
}

int
smsotp_limits_reset(struct smsotp_store *store, int wait_ms, char *why,
    size_t whysz)
{
	struct smsotp_global g;
	int fd = -1, rv = -1;

	if (smsotp_store_lock(store, SMSOTP_GLOBAL_NAME, wait_ms, &fd, why,
	    whysz) != SMSOTP_ST_OK)
		goto out;
	smsotp_global_init(&g);
	rv = save(store, &g, why, whysz);
out:
	if (fd >= 0)
		close(fd);
	return rv;
}
