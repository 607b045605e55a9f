/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service.c - the resident service (service.h): connections accepted on
 * the listening socket, each served by a thread of its own with the
 * socket transport, at most max_requests at a time; SIGTERM or SIGINT
 * stops accepting and lets the requests in flight finish.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "base/wipe.h"
#include "server/dispatch.h"
#include "server/service.h"
#include "server/transport.h"

#define WORKER_STACK (1024 * 1024)

struct service {
	const struct smsotp_service_opts *o;
	pthread_mutex_t mu;
	pthread_cond_t idle;	/* signalled when a worker ends */
	int active;		/* requests in flight */
	double busy_logged;	/* when "too many requests" was last logged */
	long busy_refused;	/* refused since then */
};

struct job {
	struct service *sv;
	int fd;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct service *sv = j->sv;
	struct smsotp_transport t;

	if (smsotp_transport_conn(&t, j->fd, sv->o->idle_s,
	    sv->o->budget_s) == 0) {
		(void)smsotp_serve(&t);
		t.ops->close(&t);
	}
	free(j);
	(void)pthread_mutex_lock(&sv->mu);
	sv->active--;
	(void)pthread_cond_signal(&sv->idle);
	(void)pthread_mutex_unlock(&sv->mu);
	return NULL;
}

/* Over the bound: ERROR at once, without reading; logged once a second. */
static void
refuse_busy(struct service *sv, int fd)
{
	struct smsotp_reply r;
	char buf[64], sink[4096];
	size_t len;
	double now = smsotp_mono();

	memset(&r, 0, sizeof(r));
	r.status = SMSOTP_ERROR;
	if (smsotp_reply_format(&r, buf, sizeof(buf), &len) == 0)
		(void)send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* what has arrived is read (unread bytes would reset the reply),
	 * never looked at, and wiped: it may hold a code */
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	smsotp_wipe(sink, sizeof(sink));
	(void)shutdown(fd, SHUT_RDWR);
	(void)close(fd);
	sv->busy_refused++;
	if (now - sv->busy_logged >= 1.0) {
		smsotp_log(LOG_ERR, "%d requests in flight, the most "
		    "--max-requests allows: %ld refused with ERROR", sv->o->
		    max_requests, sv->busy_refused);
		sv->busy_logged = now;
		sv->busy_refused = 0;
	}
}

/* Serve fd in a thread of its own, or refuse it when none may start. */
static void
start(struct service *sv, pthread_attr_t *attr, int fd)
{
	struct job *j;
	pthread_t th;
	int full;

	(void)pthread_mutex_lock(&sv->mu);
	full = sv->active >= sv->o->max_requests;
	if (!full)
		sv->active++;
	(void)pthread_mutex_unlock(&sv->mu);
	if (full) {
		refuse_busy(sv, fd);
		return;
	}
	j = malloc(sizeof(*j));
	if (j != NULL) {
		j->sv = sv;
		j->fd = fd;
		if (pthread_create(&th, attr, worker, j) == 0)
			return;
		free(j);
	}
	smsotp_log(LOG_ERR, "cannot start a thread for a request: refused");
	(void)pthread_mutex_lock(&sv->mu);
	sv->active--;
	(void)pthread_mutex_unlock(&sv->mu);
	refuse_busy(sv, fd);
}

/* Wait for the requests in flight, at most budget_s. */
static void
drain(struct service *sv)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)sv->o->budget_s + 1;
	(void)pthread_mutex_lock(&sv->mu);
	while (sv->active > 0)
		if (pthread_cond_timedwait(&sv->idle, &sv->mu, &until) ==
		    ETIMEDOUT)
			break;
	if (sv->active > 0)
		smsotp_log(LOG_WARNING, "stopping with %d requests still in "
		    "flight", sv->active);
	(void)pthread_mutex_unlock(&sv->mu);
}

int
smsotp_service_run(int lfd, const struct smsotp_service_opts *o)
{
	struct service sv;
	struct pollfd pfd[2];
	pthread_attr_t attr;
	sigset_t stop;
	int sfd, fd, rv = -1;

	memset(&sv, 0, sizeof(sv));
	sv.o = o;
	sv.busy_logged = -1e9;
	(void)pthread_mutex_init(&sv.mu, NULL);
	(void)pthread_cond_init(&sv.idle, NULL);
	/* blocked here, so in every worker: only signalfd sees them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0 ||
	    (sfd = signalfd(-1, &stop, SFD_CLOEXEC)) < 0) {
		smsotp_log(LOG_CRIT, "signalfd: %s", strerror(errno));
		return -1;
	}
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
	    pthread_attr_setstacksize(&attr, WORKER_STACK) != 0) {
		smsotp_log(LOG_CRIT, "pthread attributes: cannot set");
		(void)close(sfd);
		return -1;
	}
	/* a connection gone before its accept never blocks the loop */
	fd = fcntl(lfd, F_GETFL);
	if (fd < 0 || fcntl(lfd, F_SETFL, fd | O_NONBLOCK) != 0) {
		smsotp_log(LOG_CRIT, "socket: %s", strerror(errno));
		(void)close(sfd);
		return -1;
	}
	smsotp_log(LOG_INFO, "serving (at most %d requests at a time)",
	    o->max_requests);
	for (;;) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			smsotp_log(LOG_CRIT, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents != 0) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    si.ssi_signo == SIGHUP)
				continue;	/* changed files are read again anyway */
			smsotp_log(LOG_INFO, "signal %u: stopping",
			    (unsigned)si.ssi_signo);
			rv = 0;
			break;
		}
		if (pfd[0].revents == 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* a connection that went away, or a local shortage */
			if (errno != EINTR && errno != EAGAIN &&
			    errno != ECONNABORTED)
				smsotp_log(LOG_ERR, "accept: %s",
				    strerror(errno));
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOMEM || errno == ENOBUFS)
				(void)poll(NULL, 0, 100);
			continue;
		}
		start(&sv, &attr, fd);
	}
	(void)close(lfd);
	drain(&sv);
	(void)pthread_attr_destroy(&attr);
	(void)close(sfd);
	return rv;
}
