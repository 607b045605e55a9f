/*
 * gw_outbox.c - the embedded "outbox" gateway for demos and tests: appends
 * "ISO-8601-UTC<TAB>+E164<TAB>text\n" to a local file (mode 0600 when
 * created), with newline, tab and backslash of the text escaped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "proto.h"
#include "template.h"

struct outbox {
	char *path;
};

static const char *const outbox_settings[] = { "path", NULL };

static int
outbox_configure(struct smsotp_gateway *gw, struct smsotp_cfgctx *ctx,
    const config_setting_t *s)
{
	struct outbox *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	gw->priv = o;
	if (smsotp_cfg_str(ctx, s, "path", 1, &o->path) != 0)
		return -1;
	if (o->path[0] != '/') {
		smsotp_cfg_error(ctx, config_setting_get_member(s, "path"),
		    "gateway '%s': 'path' must be absolute", gw->name);
		return -1;
	}
	return 0;
}

/* Escape text into out; returns the length. out holds 2*len+1 bytes. */
static size_t
escape(const char *text, char *out)
{
	size_t o = 0;

	for (; *text != '\0'; text++) {
		switch (*text) {
		case '\n':
			out[o++] = '\\';
			out[o++] = 'n';
			break;
		case '\t':
			out[o++] = '\\';
			out[o++] = 't';
			break;
		case '\\':
			out[o++] = '\\';
			out[o++] = '\\';
			break;
		default:
			out[o++] = *text;
		}
	}
	out[o] = '\0';
	return o;
}

static void
outbox_send(const struct smsotp_gateway *gw, const char *to, const char *text,
    double deadline, struct smsotp_gw_result *res)
{
	const struct outbox *o = gw->priv;
	char line[64 + 17 + 2 * SMSOTP_TEXT_MAX + 4];
	char esc[2 * SMSOTP_TEXT_MAX + 1], stamp[32];
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	size_t len;
	ssize_t n;
	int fd;

	(void)deadline;
	res->outcome = SMSOTP_GW_TEMPFAIL;
	if (strlen(text) > SMSOTP_TEXT_MAX) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "text too long");
		res->outcome = SMSOTP_GW_PERMFAIL;
		return;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	escape(text, esc);
	if (smsotp_fmt(line, sizeof(line), "%s\t%s\t%s\n", stamp, to, esc) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "line too long");
		goto out;
	}
	fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "open: %s",
		    strerror(errno));
		goto out;
	}
	/* SECURITY: never append to a FIFO, device or hard-linked file. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_mode & (S_IROTH | S_IWOTH))) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail),
		    "not a private regular file");
		close(fd);
		goto out;
	}
	len = strlen(line);
	(void)flock(fd, LOCK_EX);
	n = write(fd, line, len);
	if (n != (ssize_t)len || fsync(fd) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "write: %s",
		    n < 0 ? strerror(errno) : "short write");
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		(void)smsotp_fmt(res->detail, sizeof(res->detail), "close: %s",
		    strerror(errno));
		goto out;
	}
	res->outcome = SMSOTP_GW_SENT;
	(void)smsotp_fmt(res->detail, sizeof(res->detail), "appended");
out:
	smsotp_wipe(line, sizeof(line));
	smsotp_wipe(esc, sizeof(esc));
}

static void
outbox_destroy(struct smsotp_gateway *gw)
{
	struct outbox *o = gw->priv;

	if (o == NULL)
		return;
	free(o->path);
	free(o);
	gw->priv = NULL;
}

const struct smsotp_gw_type smsotp_gw_outbox = {
	.name = "outbox",
	.settings = outbox_settings,
	.configure = outbox_configure,
	.send = outbox_send,
	.destroy = outbox_destroy,
};
