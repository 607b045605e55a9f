/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/request_buf.c - the wiping request buffer and its form
 * and JSON escaping.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateways/request_buf.h"
#include "base/wipe.h"

static const char hexd[] = "0123456789ABCDEF";

static int
grow(struct smsotp_buf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return -1;
	if (more > SIZE_MAX / 4 - b->len) {
		b->oom = 1;
		return -1;
	}
	if (b->len + more + 1 <= b->cap)
		return 0;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	np = malloc(ncap);
	if (np == NULL) {
		b->oom = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(np, b->p, b->len);
		smsotp_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	b->p[b->len] = '\0';
	return 0;
}

void
smsotp_buf_add(struct smsotp_buf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
smsotp_buf_adds(struct smsotp_buf *b, const char *s)
{
	smsotp_buf_add(b, s, strlen(s));
}

static void
add_form(struct smsotp_buf *b, const unsigned char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = *s;
		char e[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			smsotp_buf_add(b, (const char *)s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hexd[c >> 4];
		e[2] = hexd[c & 15];
		smsotp_buf_add(b, e, 3);
	}
}

/* RFC 8259 string content; bytes >= 0x80 are passed through (UTF-8). */
static void
add_json(struct smsotp_buf *b, const unsigned char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = *s;
		char e[6];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			smsotp_buf_add(b, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hexd[c >> 4];
			e[5] = hexd[c & 15];
			smsotp_buf_add(b, e, 6);
		} else {
			smsotp_buf_add(b, (const char *)s, 1);
		}
	}
}

void
smsotp_buf_add_esc(struct smsotp_buf *b, const char *s, enum smsotp_esc e)
{
	switch (e) {
	case SMSOTP_ESC_FORM:
		add_form(b, (const unsigned char *)s);
		break;
	case SMSOTP_ESC_JSON:
		add_json(b, (const unsigned char *)s);
		break;
	case SMSOTP_ESC_NONE:
		smsotp_buf_adds(b, s);
		break;
	}
}

void
smsotp_buf_add_field(struct smsotp_buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		smsotp_buf_add(b, "&", 1);
	smsotp_buf_adds(b, key);
	smsotp_buf_add(b, "=", 1);
	add_form(b, (const unsigned char *)value);
}

void
smsotp_buf_free(struct smsotp_buf *b)
{
	if (b->p != NULL) {
		smsotp_wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}
