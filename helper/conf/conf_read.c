/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_read.c - typed, range-checked reads of libconfig settings with
 * "FILE:LINE: ..." errors; used by core/conf_load.c and by every gateway type.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "base/secfile.h"
#include "base/wipe.h"

#define SECRET_FILE_MAX 4096

void
smsotp_cfg_error(struct smsotp_cfgctx *ctx, const config_setting_t *s,
    const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int line = s != NULL ? (int)config_setting_source_line(s) : 0;

	va_start(ap, fmt);
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		text[0] = '\0';
	va_end(ap);
	smsotp_errs_add(ctx->errs, "%s:%d: %s", ctx->path, line, text);
}

/*
 * "parent.name" for messages, by value (qual(g, n).s lives to the end of
 * the call it is an argument of): nothing shared between two loads.
 */
struct qname {
	char s[128];
};

static struct qname
qual(const config_setting_t *group, const char *name)
{
	struct qname q;
	const char *g = group != NULL ? config_setting_name(group) : NULL;

	if (g == NULL || smsotp_fmt(q.s, sizeof(q.s), "%s.%s", g, name) != 0)
		(void)smsotp_fmt(q.s, sizeof(q.s), "%s", name);
	return q;
}

int
smsotp_cfg_check_keys(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *const *allowed)
{
	int i, n = config_setting_length(group), rv = 0;

	for (i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(c);
		const char *const *a;

		if (name == NULL)
			continue;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (*a == NULL) {
			smsotp_cfg_error(ctx, c, "unknown setting '%s'",
			    qual(group, name).s);
			rv = -1;
		}
	}
	return rv;
}

static const config_setting_t *
member(const config_setting_t *group, const char *name)
{
	return group != NULL ? config_setting_get_member(group, name) : NULL;
}

int
smsotp_cfg_str(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, char **out)
{
	const config_setting_t *s = member(group, name);
	const char *v;

	if (s == NULL) {
		if (!required)
			return 0;
		smsotp_cfg_error(ctx, group, "missing setting '%s'",
		    qual(group, name).s);
		return -1;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		smsotp_cfg_error(ctx, s, "'%s' must be a string",
		    qual(group, name).s);
		return -1;
	}
	v = config_setting_get_string(s);
	if (v == NULL || (required && *v == '\0')) {
		smsotp_cfg_error(ctx, s, "'%s' must not be empty",
		    qual(group, name).s);
		return -1;
	}
	free(*out);
	*out = strdup(v);
	if (*out == NULL) {
		smsotp_cfg_error(ctx, s, "out of memory");
		return -1;
	}
	return 0;
}

int
smsotp_cfg_int(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    enum smsotp_set id, int *out)
{
	const struct smsotp_setting *set = smsotp_setting(id);
	const config_setting_t *s = member(group, set->name);
	long long v;

	if (s == NULL) {
		*out = (int)set->def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		smsotp_cfg_error(ctx, s, "'%s' must be an integer",
		    qual(group, set->name).s);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < set->min || v > set->max) {
		/* a bound that a rule sets says which */
		int ruled = set->rule[0] != '\0' &&
		    (set->rule_max ? v > set->max : v < set->min);

		smsotp_cfg_error(ctx, s, "'%s' = %lld is out of range "
		    "%ld..%ld%s%s%s", qual(group, set->name).s, v, set->min,
		    set->max, ruled ? " (" : "", ruled ? set->rule : "",
		    ruled ? ")" : "");
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
smsotp_cfg_bool(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    enum smsotp_set id, int *out)
{
	const struct smsotp_setting *set = smsotp_setting(id);
	const config_setting_t *s = member(group, set->name);

	if (s == NULL) {
		*out = set->def != 0;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		smsotp_cfg_error(ctx, s, "'%s' must be true or false",
		    qual(group, set->name).s);
		return -1;
	}
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

int
smsotp_cfg_file(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, int secret, char **out)
{
	char *path = NULL, why[320];
	int rv, fd;

	rv = smsotp_cfg_str(ctx, group, name, required, &path);
	if (rv != 0 || path == NULL)
		return rv;
	if (path[0] != '/') {
		smsotp_cfg_error(ctx, member(group, name),
		    "'%s' must be an absolute path", qual(group, name).s);
		free(path);
		return -1;
	}
	/*
	 * Open and check only (owner, mode, regular file, no symlink): the
	 * content is read where it is used. Reading it here would cost every
	 * helper run a pass over the whole users file.
	 */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		(void)smsotp_fmt(why, sizeof(why), "%s: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		rv = -1;
	} else {
		rv = smsotp_secfile_check_fd(fd, path, ctx->owner,
		    secret ? SMSOTP_SF_SECRET : 0, why, sizeof(why));
		close(fd);
	}
	if (rv != 0) {
		smsotp_cfg_error(ctx, member(group, name), "%s", why);
		free(path);
		return -1;
	}
	free(*out);
	*out = path;
	return 0;
}

void
smsotp_cfg_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	smsotp_wipe(secret, strlen(secret));
	free(secret);
}

int
smsotp_cfg_secret(struct smsotp_cfgctx *ctx, const config_setting_t *group,
    const char *name, int required, char **out)
{
	char fname[64], why[320], *buf = NULL, *path = NULL;
	const config_setting_t *inl = member(group, name), *fil;
	size_t len = 0, n;
	int rv = -1;

	if (smsotp_fmt(fname, sizeof(fname), "%s_file", name) != 0)
		return -1;
	fil = member(group, fname);
	if (inl != NULL && fil != NULL) {
		smsotp_cfg_error(ctx, fil, "give either '%s' or '%s', not both",
		    qual(group, name).s, fname);
		return -1;
	}
	if (inl == NULL && fil == NULL) {
		if (!required)
			return 0;
		smsotp_cfg_error(ctx, group, "missing setting '%s' or '%s'",
		    qual(group, name).s, fname);
		return -1;
	}
	if (inl != NULL) {
		char *v = NULL;
		if (smsotp_cfg_str(ctx, group, name, 1, &v) != 0)
			return -1;
		smsotp_cfg_secret_free(*out);
		*out = v;
		return 0;
	}
	if (smsotp_cfg_str(ctx, group, fname, 1, &path) != 0)
		return -1;
	if (smsotp_secfile_read(path, ctx->owner, SMSOTP_SF_SECRET,
	    SECRET_FILE_MAX, &buf, &len, why, sizeof(why)) != 0) {
		smsotp_cfg_error(ctx, fil, "%s", why);
		goto out;
	}
	n = strcspn(buf, "\r\n");
	if (n == 0) {
		smsotp_cfg_error(ctx, fil, "%s: empty secret", path);
		goto out;
	}
	smsotp_cfg_secret_free(*out);
	*out = strndup(buf, n);
	if (*out == NULL) {
		smsotp_cfg_error(ctx, fil, "out of memory");
		goto out;
	}
	rv = 0;
out:
	smsotp_secfile_free(buf, len);
	free(path);
	return rv;
}
