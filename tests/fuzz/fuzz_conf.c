/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_conf.c - libFuzzer harness for the configuration loader
 * smsotp_conf_load() (helper/core/conf_load.c, helper/conf/conf_read.c and every gateway
 * type's configure function), through a real file as the helper reads it.
 *
 * Input: the configuration text. Every "@DIR@" in it is replaced by the
 * harness' private directory, which holds files the seeds refer to:
 *   users  (0644)  a users file          token  (0600)  a secret
 *   ca.pem (0644)  a "CA file"           empty  (0600)  an empty secret
 *   ww     (0666)  world-writable: must be refused wherever a file is named
 *   spool/ (0755), spooltmp/ (0700)  directories for the smstools type
 * The text is written to @DIR@/conf (0600, ours) and loaded with owner =
 * our uid. Properties checked besides memory safety and leaks:
 *  - the loader never fopen()s anything: libconfig's @include (which would
 *    read an unchecked file) is refused however it is written;
 *  - no file descriptor leaks;
 *  - failure: at least one error, every one "FILE:..." text, conf zeroed;
 *  - success: no error, every value within its documented range, the
 *    message passes smsotp_template_check(), every gateway has a name and
 *    a type, every route a valid prefix and existing gateways.
 */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/conf_load.h"
#include "fuzz_common.h"
#include "gateways/gateway.h"
#include "base/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
FILE *fopen(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode);

static volatile int in_load;
static int verbose;	/* FUZZ_CONF_VERBOSE=1: print the loader's verdict */
static char dir[512];
static char conf_path[600];

/*
 * libconfig 1.5 opens @include files with fopen(): interposed here, any
 * fopen during a load is a failed property (a bypass of has_include()).
 */
static FILE *
real_fopen(const char *name, const char *path, const char *mode)
{
	FILE *(*f)(const char *, const char *);

	if (in_load) {
		fprintf(stderr, "fuzz_conf: the loader called %s(\"%s\")\n",
		    name, path);
		abort();
	}
	*(void **)&f = dlsym(RTLD_NEXT, name);
	if (f == NULL)
		abort();
	return f(path, mode);
}

FILE *
fopen(const char *path, const char *mode)
{
	return real_fopen("fopen", path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
	return real_fopen("fopen64", path, mode);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const char *name, *text;
		mode_t mode;
	} files[] = {
		{ "users", "alice +447700900123\nbob 07700 900456\n", 0644 },
		{ "token", "0123456789abcdef0123456789abcdef\n", 0600 },
		{ "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644 },
		{ "empty", "", 0600 },
		{ "ww", "alice +447700900123\n", 0666 },
	};
	char p[600];
	size_t i;

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_CONF_VERBOSE") != NULL;
	if (snprintf(dir, sizeof(dir), "%s", fuzz_tmpdir()) >= (int)sizeof(dir))
		abort();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fuzz_path(p, sizeof(p), files[i].name);
		fuzz_write_file(p, files[i].text, strlen(files[i].text),
		    files[i].mode);
	}
	fuzz_path(p, sizeof(p), "spool");
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		abort();
	fuzz_path(p, sizeof(p), "spooltmp");
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		abort();
	fuzz_path(conf_path, sizeof(conf_path), "conf");
	return 0;
}

/* data with "@DIR@" replaced by dir; *outlen its length. */
static char *
expand(const uint8_t *data, size_t size, size_t *outlen)
{
	static const char tok[] = "@DIR@";
	size_t dl = strlen(dir), i = 0, o = 0, n = 0;
	char *out;

	for (i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, tok, 5) == 0)
			n++;
	out = malloc(size + n * dl + 1);
	if (out == NULL)
		abort();
	for (i = 0; i < size;) {
		if (i + 5 <= size && memcmp(data + i, tok, 5) == 0) {
			memcpy(out + o, dir, dl);
			o += dl;
			i += 5;
		} else {
			out[o++] = (char)data[i++];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static int
lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void
check_ok(const struct smsotp_conf *c, const struct smsotp_errs *errs)
{
	const char *why;
	int i, j;

	FUZZ_CHECK(errs->n == 0);
	FUZZ_CHECK(c->path != NULL && strcmp(c->path, conf_path) == 0);
	FUZZ_CHECK(c->code_length >= 6 && c->code_length <= 10);
	FUZZ_CHECK(c->code_ttl >= 5 && c->code_ttl <= 600);
	FUZZ_CHECK(c->code_max_attempts >= 1 && c->code_max_attempts <= 10);
	FUZZ_CHECK(c->message != NULL &&
	    smsotp_template_check(c->message, &why) == 0);
	FUZZ_CHECK(strlen(c->default_country) <= 3 &&
	    strspn(c->default_country, "0123456789") ==
	    strlen(c->default_country) && c->default_country[0] != '0');
	FUZZ_CHECK(c->phones_file == NULL || c->phones_file[0] == '/');
	FUZZ_CHECK(c->resend_cooldown >= 0 && c->resend_cooldown <= 3600);
	FUZZ_CHECK(c->sends_per_user >= 1 &&
	    c->sends_per_user <= SMSOTP_MAX_SENDS_TRACKED);
	FUZZ_CHECK(c->sends_window >= 60 && c->sends_window <= 86400);
	FUZZ_CHECK(c->lockout_after >= 1 && c->lockout_after <= 100);
	FUZZ_CHECK(c->lockout_time >= 1 && c->lockout_time <= c->lockout_max);
	FUZZ_CHECK(c->max_live_codes >= 1 && c->max_live_codes <= 8);
	FUZZ_CHECK(c->send_deadline >= 1 && c->send_deadline <= 25);
	FUZZ_CHECK(c->ngateways >= 1 && c->ngateways <= SMSOTP_MAX_GATEWAYS);
	for (i = 0; i < c->ngateways; i++) {
		FUZZ_CHECK(c->gateways[i].name != NULL);
		FUZZ_CHECK(c->gateways[i].type != NULL);
		FUZZ_CHECK(smsotp_conf_gateway_index(c, c->gateways[i].name) == i);
	}
	FUZZ_CHECK(c->nroutes >= 0 && c->nroutes <= SMSOTP_MAX_ROUTES);
	for (i = 0; i < c->nroutes; i++) {
		const struct smsotp_route *r = &c->routes[i];
		FUZZ_CHECK(r->prefix[0] == '+');
		FUZZ_CHECK(r->ngw >= 1 && r->ngw <= SMSOTP_MAX_GATEWAYS);
		for (j = 0; j < r->ngw; j++)
			FUZZ_CHECK(r->gw[j] >= 0 && r->gw[j] < c->ngateways);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct smsotp_conf zero;
	struct smsotp_conf_opts opts = { geteuid() };
	struct smsotp_conf c;
	struct smsotp_errs errs;
	size_t len;
	char *text = expand(data, size, &len);
	int fd0, rv, i;

	fuzz_write_file(conf_path, text, len, 0600);
	free(text);
	memset(&errs, 0, sizeof(errs));
	fd0 = lowest_free_fd();
	in_load = 1;
	rv = smsotp_conf_load(conf_path, &opts, &c, &errs);
	in_load = 0;
	for (i = 0; verbose && i < errs.n && i < SMSOTP_MAX_ERRS; i++)
		fprintf(stderr, "conf: %s\n", errs.msg[i]);
	if (verbose && rv == 0)
		fprintf(stderr, "conf: loaded, %d gateways, %d routes\n",
		    c.ngateways, c.nroutes);
	if (rv == 0) {
		check_ok(&c, &errs);
		smsotp_conf_free(&c);
	} else {
		FUZZ_CHECK(rv == -1);
		FUZZ_CHECK(errs.n >= 1);
		for (i = 0; i < errs.n && i < SMSOTP_MAX_ERRS; i++) {
			FUZZ_CHECK(memchr(errs.msg[i], '\0',
			    sizeof(errs.msg[i])) != NULL);
			/* "FILE:..." (a message too long to fit is empty) */
			FUZZ_CHECK(errs.msg[i][0] == '\0' ||
			    strncmp(errs.msg[i], conf_path,
			    strlen(conf_path)) == 0);
		}
		FUZZ_CHECK(memcmp(&c, &zero, sizeof(c)) == 0);
	}
	FUZZ_CHECK(lowest_free_fd() == fd0);
	return 0;
}
