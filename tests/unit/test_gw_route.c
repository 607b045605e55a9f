/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gw_route.c - the gateway loop (helper/gateways/router.c): failover, skipping a
 * gateway whose breaker is open, local failures that stop the route and
 * are never recorded (libcurl that cannot be loaded, an unusable outbox),
 * TEMPFAIL only when gateways were tried, and unprivileged callers that
 * only read the breaker and skip root-only gateways. Command, outbox and
 * smstools gateways, and an http gateway that never reaches the network:
 * this program is linked with -Wl,--wrap=dlopen, and libcurl never loads.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/code.h"
#include "core/conf_load.h"
#include "gateways/gateway.h"
#include "gateways/breaker.h"
#include "store_fixture.h"
#include "testutil.h"

#define T0 1800000000LL

/* libcurl "fails to load" (a broken install, a resource limit). */
void *__real_dlopen(const char *file, int mode);
void *__wrap_dlopen(const char *file, int mode);

void *
__wrap_dlopen(const char *file, int mode)
{
	if (file != NULL && strstr(file, "libcurl") != NULL)
		return NULL;
	return __real_dlopen(file, mode);
}

struct seen {
	int n;
	char line[16][80];
};

static void
note(void *arg, const struct smsotp_gateway *gw,
    const struct smsotp_gw_result *res, int skipped, long ms)
{
	struct seen *s = arg;

	(void)ms;
	if (s->n < 16)
		snprintf(s->line[s->n++], sizeof(s->line[0]), "%s %s", gw->name,
		    skipped ? "skipped" : smsotp_gw_outcome_name(res->outcome));
}

/*
 * Config of gateways (more may follow in extra): "dead" (a command that
 * exits 75: the provider failing for now), "broken" (an outbox in a
 * missing directory: a local fault), "good" (a working outbox).
 */
static void
load_gw(struct tu_store_fx *f, struct smsotp_conf *c, const char *extra,
    const char *routes)
{
	struct smsotp_conf_opts o = { geteuid() };
	struct smsotp_errs e;
	char text[2048], *cf, *dead;

	dead = tu_write(f->dir, "tempfail.sh", "#!/bin/sh\nexit 75\n", 0755);
	snprintf(text, sizeof(text),
	    "gateways = ( { name = \"dead\"; type = \"command\"; "
	    "argv = [ \"%s\" ]; },\n"
	    "  { name = \"broken\"; type = \"outbox\"; "
	    "path = \"%s/missing/outbox\"; },\n"
	    "  { name = \"good\"; type = \"outbox\"; path = \"%s/outbox\"; }%s );\n"
	    "routes = ( %s );\nhealth = { failures = 3; window = 60; "
	    "cooldown = 120; };\n", dead, f->dir, f->dir, extra, routes);
	cf = tu_write(f->dir, "smsotp.conf", text, 0600);
	memset(&e, 0, sizeof(e));
	if (smsotp_conf_load(cf, &o, c, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg[0]);
		fail();
	}
	free(cf);
	free(dead);
}

static void
load(struct tu_store_fx *f, struct smsotp_conf *c, const char *routes)
{
	load_gw(f, c, "", routes);
}

/* One send at now as a caller (privileged or not) within budget seconds. */
static enum smsotp_gw_outcome
send_as(struct tu_store_fx *f, struct smsotp_conf *c, int64_t now, int only,
    int privileged, double budget, struct seen *s)
{
	struct smsotp_gw_opts o;
	int used;

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(*s));
	o.store = &f->store;
	o.privileged = privileged;
	o.now = now;
	o.only = only;
	o.on_attempt = note;
	o.arg = s;
	return smsotp_gw_send_opts(c, "+447700900123", "123456 is your code",
	    smsotp_mono() + budget, &o, &used);
}

static enum smsotp_gw_outcome
send_at(struct tu_store_fx *f, struct smsotp_conf *c, int64_t now, int only,
    struct seen *s)
{
	return send_as(f, c, now, only, 1, 10, s);
}

/* Number of breaker files (records and locks) in the state directory. */
static int
breaker_files(struct tu_store_fx *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "g-", 2) == 0;
	closedir(d);
	return n;
}

static void
test_route_skips_open(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	int i;

	load(f, &c, "{ prefix = \"+\"; gateways = [ \"dead\", \"good\" ]; }");
	for (i = 0; i < 3; i++) {
		assert_int_equal(send_at(f, &c, T0 + i, -1, &s), SMSOTP_GW_SENT);
		assert_int_equal(s.n, 2);
		assert_string_equal(s.line[0], "dead temporary failure");
		assert_string_equal(s.line[1], "good sent");
	}
	/* Open: the dead primary is not tried any more. */
	assert_int_equal(send_at(f, &c, T0 + 3, -1, &s), SMSOTP_GW_SENT);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "dead skipped");
	assert_string_equal(s.line[1], "good sent");
	/* After the cooldown one attempt decides (half-open)... */
	assert_int_equal(send_at(f, &c, T0 + 2 + 120, -1, &s), SMSOTP_GW_SENT);
	assert_string_equal(s.line[0], "dead temporary failure");
	/* ...and its failure opens it again at once. */
	assert_int_equal(send_at(f, &c, T0 + 123, -1, &s), SMSOTP_GW_SENT);
	assert_string_equal(s.line[0], "dead skipped");
	/* --gateway (only): never skipped. */
	assert_int_equal(send_at(f, &c, T0 + 124, 0, &s), SMSOTP_GW_TEMPFAIL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "dead temporary failure");
	smsotp_conf_free(&c);
}

static void
test_route_all_open_last_resort(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	int i;

	load(f, &c, "{ prefix = \"+\"; gateways = [ \"dead\" ]; }");
	for (i = 0; i < 3; i++)
		assert_int_equal(send_at(f, &c, T0, -1, &s), SMSOTP_GW_TEMPFAIL);
	/* Every gateway open: the route still tries the one that ends first. */
	assert_int_equal(send_at(f, &c, T0 + 1, -1, &s), SMSOTP_GW_TEMPFAIL);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "dead skipped");
	assert_string_equal(s.line[1], "dead temporary failure");
	smsotp_conf_free(&c);
}

/* A local fault stops the route and never reaches the breaker. */
static void
test_route_local_failure(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	int i;

	load(f, &c, "{ prefix = \"+\"; gateways = [ \"broken\", \"good\" ]; }");
	for (i = 0; i < 5; i++) {
		assert_int_equal(send_at(f, &c, T0 + i, -1, &s),
		    SMSOTP_GW_LOCALFAIL);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.line[0], "broken local failure");
	}
	assert_int_equal(breaker_files(f), 0);
	assert_int_equal(send_at(f, &c, T0 + 5, 1, &s), SMSOTP_GW_LOCALFAIL);
	assert_int_equal(breaker_files(f), 0);
	assert_string_equal(smsotp_gw_outcome_name(SMSOTP_GW_LOCALFAIL),
	    "local failure");
	smsotp_conf_free(&c);
}

/* TEMPFAIL only when gateways were tried: a spent deadline is local. */
static void
test_route_deadline(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;

	load(f, &c, "{ prefix = \"+\"; gateways = [ \"dead\", \"good\" ]; }");
	assert_int_equal(send_as(f, &c, T0, -1, 1, 0, &s), SMSOTP_GW_LOCALFAIL);
	assert_int_equal(s.n, 0);
	assert_int_equal(send_as(f, &c, T0, -1, 1, -1, &s), SMSOTP_GW_LOCALFAIL);
	assert_int_equal(s.n, 0);
	/* --gateway too. */
	assert_int_equal(send_as(f, &c, T0, 0, 1, 0, &s), SMSOTP_GW_LOCALFAIL);
	assert_int_equal(s.n, 0);
	assert_int_equal(breaker_files(f), 0);
	smsotp_conf_free(&c);
}

/*
 * An unprivileged caller reads the breaker but never writes it, never
 * takes its lock (even one held by a stopped process costs it nothing).
 */
static void
test_unprivileged_breaker(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	char name[SMSOTP_HEALTH_NAME_SIZE], *lock;
	double t0;
	int i, fd;

	load(f, &c, "{ prefix = \"+\"; gateways = [ \"dead\", \"good\" ]; }");
	for (i = 0; i < 5; i++) {
		assert_int_equal(send_as(f, &c, T0 + i, -1, 0, 10, &s),
		    SMSOTP_GW_SENT);
		assert_string_equal(s.line[0], "dead temporary failure");
		assert_string_equal(s.line[1], "good sent");
	}
	assert_int_equal(breaker_files(f), 0);
	/* Opened by privileged callers: the unprivileged one skips it too. */
	for (i = 0; i < 3; i++)
		assert_int_equal(send_at(f, &c, T0 + 10, -1, &s), SMSOTP_GW_SENT);
	smsotp_health_name("dead", name);
	{
		char lname[SMSOTP_HEALTH_NAME_SIZE + 8];

		snprintf(lname, sizeof(lname), "%s.lock", name);
		lock = tu_path(f->dir, lname);
	}
	fd = open(lock, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);	/* a stopped holder */
	t0 = smsotp_mono();
	assert_int_equal(send_as(f, &c, T0 + 11, -1, 0, 10, &s), SMSOTP_GW_SENT);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "dead skipped");
	assert_string_equal(s.line[1], "good sent");
	/* After the cooldown it tries the gateway, records nothing. */
	assert_int_equal(send_as(f, &c, T0 + 200, -1, 0, 10, &s),
	    SMSOTP_GW_SENT);
	assert_string_equal(s.line[0], "dead temporary failure");
	assert_true(smsotp_mono() - t0 < 0.4);	/* never waited for the lock */
	assert_int_equal(send_as(f, &c, T0 + 201, -1, 0, 10, &s),
	    SMSOTP_GW_SENT);
	assert_string_equal(s.line[0], "dead temporary failure");
	close(fd);
	free(lock);
	smsotp_conf_free(&c);
}

/* root_only types (smstools) are skipped for an unprivileged caller. */
static void
test_unprivileged_root_only(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	char extra[512], *spool, *tmp;

	spool = tu_path(f->dir, "spool");
	tmp = tu_path(f->dir, "spooltmp");
	assert_int_equal(mkdir(spool, 0700), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);
	snprintf(extra, sizeof(extra), ",\n  { name = \"sms\"; type = "
	    "\"smstools\"; spool_dir = \"%s\"; tmp_dir = \"%s\"; }", spool,
	    tmp);
	load_gw(f, &c, extra, "{ prefix = \"+44\"; gateways = [ \"sms\", "
	    "\"good\" ]; }, { prefix = \"+\"; gateways = [ \"sms\" ]; }");
	/* Not a failure of the route: the next gateway sends. */
	assert_int_equal(send_as(f, &c, T0, -1, 0, 10, &s), SMSOTP_GW_SENT);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "sms skipped");
	assert_string_equal(s.line[1], "good sent");
	/* Nothing else on the route: a local failure, nothing written. */
	memset(&s, 0, sizeof(s));
	{
		struct smsotp_gw_opts o;
		int used;

		memset(&o, 0, sizeof(o));
		o.store = &f->store;
		o.now = T0;
		o.only = -1;
		o.on_attempt = note;
		o.arg = &s;
		assert_int_equal(smsotp_gw_send_opts(&c, "+15005550006", "x",
		    smsotp_mono() + 10, &o, &used), SMSOTP_GW_LOCALFAIL);
		assert_int_equal(used, -1);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.line[0], "sms skipped");
		/* Named alone (--gateway): refused the same way. */
		o.only = smsotp_conf_gateway_index(&c, "sms");
		assert_int_equal(smsotp_gw_send_opts(&c, "+15005550006", "x",
		    smsotp_mono() + 10, &o, &used), SMSOTP_GW_LOCALFAIL);
	}
	assert_int_equal(rmdir(spool), 0);	/* still empty */
	assert_int_equal(breaker_files(f), 0);
	/* A privileged caller uses it. */
	assert_int_equal(mkdir(spool, 0700), 0);
	assert_int_equal(send_as(f, &c, T0, -1, 1, 10, &s), SMSOTP_GW_SENT);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "sms sent");
	assert_int_not_equal(rmdir(spool), 0);
	free(spool);
	free(tmp);
	smsotp_conf_free(&c);
}

/* libcurl that cannot be loaded: local, the route stops, no breaker. */
static void
test_libcurl_unavailable(void **state)
{
	struct tu_store_fx *f = *state;
	struct smsotp_conf c;
	struct seen s;
	char extra[512];

	snprintf(extra, sizeof(extra), ",\n  { name = \"api\"; type = \"http\"; "
	    "url = \"http://127.0.0.1:9/send\"; insecure_http = true; "
	    "body = \"to=%%{to}&text=%%{text}\"; }");
	load_gw(f, &c, extra, "{ prefix = \"+\"; gateways = [ \"api\", "
	    "\"good\" ]; }");
	assert_int_equal(send_at(f, &c, T0, -1, &s), SMSOTP_GW_LOCALFAIL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "api local failure");
	assert_int_equal(breaker_files(f), 0);
	{
		struct stat st;
		char *box = tu_path(f->dir, "outbox");

		assert_int_not_equal(stat(box, &st), 0);	/* never tried */
		free(box);
	}
	smsotp_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		tu_store_test(test_route_skips_open),
		tu_store_test(test_route_all_open_last_resort),
		tu_store_test(test_route_local_failure),
		tu_store_test(test_route_deadline),
		tu_store_test(test_unprivileged_breaker),
		tu_store_test(test_unprivileged_root_only),
		tu_store_test(test_libcurl_unavailable),
	};

	if (smsotp_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
