/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/gecos.c - the GECOS phone source (gecos.h).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/wipe.h"
#include "phones/e164.h"
#include "phones/gecos.h"

#define PW_BUF_MAX (1024 * 1024)

/* Field idx (0-based) of the comma-separated s: its start and length. */
static int
field(const char *s, int idx, const char **start, size_t *len)
{
	int i;

	for (i = 0; i < idx; i++) {
		s = strchr(s, ',');
		if (s == NULL)
			return 0;
		s++;
	}
	*len = strcspn(s, ",");
	/* without leading and trailing blanks */
	while (*len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	*start = s;
	return *len > 0;
}

int
smsotp_gecos_phone(const char *gecos, char *out, size_t cap)
{
	const char *f;
	size_t n;

	if (cap > 0)
		out[0] = '\0';
	if (gecos == NULL)
		return 0;
	if (!field(gecos, 2, &f, &n) && !field(gecos, 3, &f, &n))
		return 0;
	if (n >= cap)
		return -1;
	memcpy(out, f, n);
	out[n] = '\0';
	return 1;
}

int
smsotp_chfn_allows_phone(const char *text)
{
	const char *p = text, *v;
	size_t n;
	int allows = 0;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t");
		if (strncmp(p, "CHFN_RESTRICT", 13) == 0 &&
		    (p[13] == ' ' || p[13] == '\t')) {
			v = p + 13 + strspn(p + 13, " \t");
			n = strcspn(v, " \t\r\n#");
			allows = (n == 3 && strncmp(v, "yes", 3) == 0) ||
			    memchr(v, 'w', n) != NULL ||
			    memchr(v, 'h', n) != NULL;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return allows;
}

static enum smsotp_phone_result
gecos_lookup(const struct smsotp_phone_source *src, const char *user,
    char out[SMSOTP_E164_SIZE], char *why, size_t whysz)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL, field_[128];
	const char *nwhy;
	size_t bufsz = 4096;
	enum smsotp_phone_result rv = SMSOTP_PHONE_ERROR;
	int e, r;

	out[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	for (;;) {
		buf = malloc(bufsz);
		if (buf == NULL) {
			smsotp_say(why, whysz, "out of memory");
			return SMSOTP_PHONE_ERROR;
		}
		e = getpwnam_r(user, &pw, buf, bufsz, &res);
		if (e != ERANGE || bufsz >= PW_BUF_MAX)
			break;
		free(buf);
		bufsz *= 4;
	}
	if (e != 0 && e != ENOENT && e != ESRCH) {
		smsotp_say(why, whysz, "getpwnam_r: %s", strerror(e));
		goto out;
	}
	if (res == NULL) {
		rv = SMSOTP_PHONE_NONE;
		goto out;
	}
	r = smsotp_gecos_phone(pw.pw_gecos, field_, sizeof(field_));
	if (r == 0) {
		rv = SMSOTP_PHONE_NONE;
	} else if (r < 0) {
		smsotp_say(why, whysz, "passwd GECOS phone field is too long");
	} else if (smsotp_phone_normalize(field_, src->default_country, out,
	    &nwhy) != 0) {
		smsotp_say(why, whysz, "passwd GECOS phone field: bad number: "
		    "%s", nwhy);
	} else {
		rv = SMSOTP_PHONE_FOUND;
	}
out:
	smsotp_wipe(field_, sizeof(field_));
	if (buf != NULL) {
		smsotp_wipe(buf, bufsz);
		free(buf);
	}
	if (rv != SMSOTP_PHONE_FOUND)
		out[0] = '\0';
	return rv;
}

const struct smsotp_phone_source_ops smsotp_phone_source_gecos = {
	.name = "gecos",
	.lookup = gecos_lookup,
};
