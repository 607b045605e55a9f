/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/gateways/request_buf.h - a growable byte buffer for the requests
 * of the HTTP gateway types (bodies, query strings, URLs), with form and
 * JSON escaping.
 *
 * SECURITY: what is built here holds the text (so the code) and often a
 * secret; the buffer is wiped before it is freed or regrown.
 */
#ifndef SMSOTP_REQUEST_BUF_H
#define SMSOTP_REQUEST_BUF_H

#include <stddef.h>

/*
 * A growable NUL-terminated buffer, zeroed to start ({ NULL, 0, 0, 0 }).
 * oom is set on the first failure; later additions are then ignored, so
 * a caller checks it once, after building.
 */
struct smsotp_buf {
	char *p;
	size_t len, cap;
	int oom;
};

enum smsotp_esc {
	SMSOTP_ESC_NONE,	/* copied as is */
	SMSOTP_ESC_FORM,	/* percent-encoding, unreserved kept */
	SMSOTP_ESC_JSON,	/* the inside of a JSON string */
};

void smsotp_buf_add(struct smsotp_buf *b, const char *s, size_t n);
void smsotp_buf_adds(struct smsotp_buf *b, const char *s);
void smsotp_buf_add_esc(struct smsotp_buf *b, const char *s, enum smsotp_esc e);
/* "key=escaped(value)", preceded by '&' unless b is empty. */
void smsotp_buf_add_field(struct smsotp_buf *b, const char *key,
    const char *value);
/* Wipe and free; b is empty (and usable) afterwards. */
void smsotp_buf_free(struct smsotp_buf *b);

#endif
