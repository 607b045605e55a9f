/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto.c - encoding and decoding of helper requests and replies.
 * Shared by the PAM module and the helper; no dependencies beyond libc.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "base/wipe.h"

static const char *const status_names[] = {
	[SMSOTP_OK] = "OK",
	[SMSOTP_SENT] = "SENT",
	[SMSOTP_SKIP] = "SKIP",
	[SMSOTP_BAD_CODE] = "BAD_CODE",
	[SMSOTP_EXPIRED] = "EXPIRED",
	[SMSOTP_LOCKED] = "LOCKED",
	[SMSOTP_RATE_LIMITED] = "RATE_LIMITED",
	[SMSOTP_NO_PHONE] = "NO_PHONE",
	[SMSOTP_GATEWAY_DOWN] = "GATEWAY_DOWN",
	[SMSOTP_ERROR] = "ERROR",
};

const char *
smsotp_status_name(int status)
{
	if (status < 0 || status > SMSOTP_STATUS_MAX)
		return NULL;
	return status_names[status];
}

int
smsotp_status_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i <= SMSOTP_STATUS_MAX; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

static int
key_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int
plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	    c == '+' || c == '-';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
smsotp_msg_free(struct smsotp_msg *msg)
{
	int i;

	for (i = 0; i < msg->nfields; i++) {
		if (msg->f[i].value != NULL) {
			smsotp_wipe(msg->f[i].value, msg->f[i].len);
			free(msg->f[i].value);
		}
	}
	memset(msg, 0, sizeof(*msg));
}

/* Decode one line (without its '\n') into field f. */
static int
parse_line(const char *line, size_t len, struct smsotp_field *f,
    const char **why)
{
	const char *eq = memchr(line, '=', len);
	size_t klen, i, o;
	char *v;

	if (eq == NULL) {
		*why = "line without '='";
		return -1;
	}
	klen = (size_t)(eq - line);
	if (klen == 0 || klen > SMSOTP_PROTO_MAX_KEY) {
		*why = "bad key length";
		return -1;
	}
	for (i = 0; i < klen; i++) {
		if (!key_char_ok((unsigned char)line[i])) {
			*why = "bad character in key";
			return -1;
		}
	}
	memcpy(f->key, line, klen);
	f->key[klen] = '\0';

	v = malloc(len - klen);	/* value length + 1 >= decoded + 1 */
	if (v == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = klen + 1, o = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len) {
				*why = "truncated escape";
				goto bad;
			}
			hi = hexval((unsigned char)line[i + 1]);
			lo = hexval((unsigned char)line[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "bad escape";
				goto bad;
			}
			c = (unsigned char)(hi << 4 | lo);
			if (c == '\0') {
				*why = "NUL byte in value";
				goto bad;
			}
			i += 2;
		} else if (!plain_char(c)) {
			*why = "unescaped character in value";
			goto bad;
		}
		v[o++] = (char)c;
	}
	v[o] = '\0';
	f->value = v;
	f->len = o;
	return 0;
bad:
	smsotp_wipe(v, len - klen);
	free(v);
	return -1;
}

int
smsotp_msg_parse(const char *buf, size_t len, struct smsotp_msg *msg,
    const char **why)
{
	size_t pos = 0;
	int i;

	memset(msg, 0, sizeof(*msg));
	*why = "empty message";
	if (len == 0 || len > SMSOTP_PROTO_MAX_MSG)
		return len == 0 ? -1 : (*why = "message too long", -1);
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen;

		if (nl == NULL) {
			*why = "missing final newline";
			goto fail;
		}
		llen = (size_t)(nl - line);
		if (llen + 1 > SMSOTP_PROTO_MAX_LINE) {
			*why = "line too long";
			goto fail;
		}
		if (memchr(line, '\0', llen) != NULL) {
			*why = "NUL byte in message";
			goto fail;
		}
		if (msg->nfields == SMSOTP_PROTO_MAX_FIELDS) {
			*why = "too many fields";
			goto fail;
		}
		if (parse_line(line, llen, &msg->f[msg->nfields], why) != 0)
			goto fail;
		for (i = 0; i < msg->nfields; i++) {
			if (strcmp(msg->f[i].key, msg->f[msg->nfields].key) == 0) {
				msg->nfields++;
				*why = "duplicate key";
				goto fail;
			}
		}
		msg->nfields++;
		pos += llen + 1;
	}
	return 0;
fail:
	smsotp_msg_free(msg);
	return -1;
}

const char *
smsotp_msg_get(const struct smsotp_msg *msg, const char *key)
{
	int i;

	for (i = 0; i < msg->nfields; i++)
		if (strcmp(msg->f[i].key, key) == 0)
			return msg->f[i].value;
	return NULL;
}

int
smsotp_msg_check_keys(const struct smsotp_msg *msg, const char *const *allowed,
    const char **bad)
{
	int i;
	const char *const *a;

	for (i = 0; i < msg->nfields; i++) {
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, msg->f[i].key) == 0)
				break;
		if (*a == NULL) {
			*bad = msg->f[i].key;
			return -1;
		}
	}
	return 0;
}

int
smsotp_msg_addn(char *buf, size_t cap, size_t *used, const char *key,
    const char *value, size_t vlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t klen = strlen(key), need = klen + 2, i, o;

	if (klen == 0 || klen > SMSOTP_PROTO_MAX_KEY)
		return -1;
	for (i = 0; i < klen; i++)
		if (!key_char_ok((unsigned char)key[i]))
			return -1;
	for (i = 0; i < vlen; i++) {
		if (value[i] == '\0')
			return -1;
		need += plain_char((unsigned char)value[i]) ? 1 : 3;
	}
	if (need > SMSOTP_PROTO_MAX_LINE || *used >= cap ||
	    need >= cap - *used)
		return -1;
	o = *used;
	memcpy(buf + o, key, klen);
	o += klen;
	buf[o++] = '=';
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if (plain_char(c)) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o++] = '\n';
	buf[o] = '\0';
	*used = o;
	return 0;
}

int
smsotp_msg_add(char *buf, size_t cap, size_t *used, const char *key,
    const char *value)
{
	return smsotp_msg_addn(buf, cap, used, key, value, strlen(value));
}

int
smsotp_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
