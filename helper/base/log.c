/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c - syslog, or the target the configuration names (log.h), with an
 * optional stderr mirror for the interactive admin tool.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define LINE_MAX_BYTES 1024
#define EARLY_LINES 16

static int log_stderr;			/* mirror to stderr (smsotpctl) */
static const char *log_ident = "smsotp";
static int log_fd = -1;			/* the target's fd, or -1: syslog */
static struct early {			/* the lines before the target */
	int prio;
	time_t when;
	char text[LINE_MAX_BYTES];
} early[EARLY_LINES];
static int nearly;
/* log_fd and early are shared by the resident service's threads */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char prio_names[][8] = {	/* arrays: no relocation */
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

void
smsotp_log_init(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	openlog(ident, LOG_PID, LOG_AUTHPRIV);
}

/* "TIME IDENT[PID]: PRIO: text\n" into buf; its length. */
static size_t
format_line(char *buf, size_t cap, time_t at, int prio, const char *text)
{
	struct tm tm;
	char when[32] = "?";
	int n;

	if (gmtime_r(&at, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(buf, cap, "%s %s[%ld]: %s: %s\n", when, log_ident,
	    (long)getpid(), prio_names[LOG_PRI(prio)], text);
	if (n < 0)
		return 0;
	if ((size_t)n >= cap) {		/* cut, but keep the line whole */
		buf[cap - 2] = '\n';
		return cap - 1;
	}
	return (size_t)n;
}

/* One write: lines of concurrent runs never interleave (O_APPEND). */
static void
write_line(int fd, const char *line, size_t n)
{
	ssize_t w;

	do
		w = write(fd, line, n);
	while (w < 0 && errno == EINTR);
}

void
smsotp_log(int prio, const char *fmt, ...)
{
	char text[LINE_MAX_BYTES], line[LINE_MAX_BYTES], *p;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (p = text; *p != '\0'; p++)	/* one line is one line */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	(void)pthread_mutex_lock(&log_mu);
	if (log_fd < 0) {
		syslog(prio, "%s", text);
		if (nearly < EARLY_LINES) {	/* formatted only if a file comes */
			early[nearly].prio = prio;
			early[nearly].when = time(NULL);
			memcpy(early[nearly].text, text, strlen(text) + 1);
			nearly++;
		}
	} else {
		n = format_line(line, sizeof(line), time(NULL), prio, text);
		write_line(log_fd, line, n);
	}
	(void)pthread_mutex_unlock(&log_mu);
	if (log_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, text);
}

/* The file target: opened for appending, never through a link; created
 * 0640 by root; it must be root's, a regular file, not writable by group
 * or others nor readable by others. */
static int
open_file(const char *path, char *why, size_t whysz)
{
	int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
	struct stat st;
	int fd;

	if (path[0] != '/') {
		(void)snprintf(why, whysz, "log: '%s' is not an absolute path",
		    path);
		return -1;
	}
	fd = open(path, flags);
	if (fd < 0 && errno == ENOENT && geteuid() == 0) {
		fd = open(path, flags | O_CREAT | O_EXCL, 0640);
		if (fd >= 0 && fchmod(fd, 0640) != 0) {	/* whatever the umask */
			(void)snprintf(why, whysz, "log: %s: %s", path,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
	}
	if (fd < 0) {
		(void)snprintf(why, whysz, "log: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 0027) != 0) {
		(void)snprintf(why, whysz, "log: %s must be a regular file "
		    "owned by root, not writable by group nor open to others "
		    "(0640)", path);
		(void)close(fd);
		return -1;
	}
	return fd;
}

int
smsotp_log_to(const char *target, char *why, size_t whysz)
{
	int fd, i;

	if (target == NULL || strcmp(target, "syslog") == 0)
		return 0;
	if (strcmp(target, "stderr") == 0) {
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (fd < 0) {
			(void)snprintf(why, whysz, "log: stderr: %s",
			    strerror(errno));
			return -1;
		}
	} else if ((fd = open_file(target, why, whysz)) < 0) {
		return -1;
	}
	(void)pthread_mutex_lock(&log_mu);
	if (log_fd >= 0)
		(void)close(log_fd);
	log_fd = fd;
	for (i = 0; i < nearly; i++) {
		char line[LINE_MAX_BYTES];
		size_t n = format_line(line, sizeof(line), early[i].when,
		    early[i].prio, early[i].text);

		write_line(log_fd, line, n);
	}
	nearly = 0;
	(void)pthread_mutex_unlock(&log_mu);
	return 0;
}
