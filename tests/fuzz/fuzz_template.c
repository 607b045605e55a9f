/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_template.c - libFuzzer harness for the SMS text template:
 * smsotp_template_check() and smsotp_template_render() (helper/base/template.c).
 *
 * Input: NUL-separated fields "TEMPLATE\0CODE\0SERVICE\0HOST\0MINUTES\0USER";
 * missing fields are NULL variables. The harness compares both functions
 * with a small independent reference renderer, for output buffers of
 * several sizes: same verdict, same text; a refused render leaves the
 * whole buffer (cap + 1 bytes) zeroed, since a partial text may hold the
 * code; a text never exceeds SMSOTP_TEXT_MAX bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "base/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX (64 * 1024)

static const char *const names[] = { "code", "service", "host", "minutes",
	"user" };

/*
 * Reference: 0 valid (full rendering in out, *has_code), -1 invalid.
 * out holds REF_MAX bytes; a longer rendering counts as REF_MAX + 1.
 */
static int
ref_render(const char *t, const char *const vals[5], char *out, size_t *len,
    int *has_code)
{
	size_t o = 0, k;
	int v;

	*has_code = 0;
	while (*t != '\0') {
		const char *add = t;
		size_t n = 1;

		if (*t == '%') {
			if (t[1] == '%') {
				t += 2;
			} else if (t[1] == '{') {
				const char *c = strchr(t + 2, '}');
				if (c == NULL)
					return -1;
				for (v = 0; v < 5; v++)
					if (strlen(names[v]) == (size_t)(c - t - 2) &&
					    strncmp(names[v], t + 2, (size_t)(c - t - 2)) == 0)
						break;
				if (v == 5)
					return -1;
				if (v == 0)
					*has_code = 1;
				add = vals[v] != NULL ? vals[v] : "";
				n = strlen(add);
				t = c + 1;
			} else {
				return -1;
			}
		} else {
			t++;
		}
		for (k = 0; k < n; k++) {
			if (o < REF_MAX)
				out[o] = add[k];
			o++;
		}
	}
	*len = o > REF_MAX ? REF_MAX + 1 : o;
	return 0;
}

static char ref[REF_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 17, 161, SMSOTP_TEXT_MAX,
		SMSOTP_TEXT_MAX + 1, SMSOTP_TEXT_MAX + 2, 4096 };
	const char *vals[5] = { NULL, NULL, NULL, NULL, NULL };
	struct smsotp_tvars tv;
	const char *why = NULL;
	char *s = fuzz_strndup(data, size), *p, *end = s + size;
	size_t reflen = 0, i, k;
	int refok, has_code = 0, v;

	/* fields after the template */
	p = s + strlen(s);
	for (v = 0; v < 5 && p < end; v++) {
		p++;
		vals[v] = p;
		p += strlen(p);
	}
	tv.code = vals[0];
	tv.service = vals[1];
	tv.host = vals[2];
	tv.minutes = vals[3];
	tv.user = vals[4];

	refok = ref_render(s, vals, ref, &reflen, &has_code) == 0;
	if (smsotp_template_check(s, &why) == 0) {
		FUZZ_CHECK(refok && has_code);
	} else {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(!refok || !has_code);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t outsz = sizes[i];
		size_t cap = outsz - 1 < SMSOTP_TEXT_MAX ? outsz - 1 :
		    SMSOTP_TEXT_MAX;
		char *out = malloc(outsz);	/* exact size: ASan sees overflows */
		int rv;

		if (out == NULL)
			abort();
		memset(out, 'X', outsz);
		rv = smsotp_template_render(s, &tv, out, outsz);
		if (refok && reflen <= cap) {
			FUZZ_CHECK(rv == 0);
			FUZZ_CHECK(strlen(out) == reflen);
			FUZZ_CHECK(memcmp(out, ref, reflen) == 0);
		} else {
			FUZZ_CHECK(rv == -1);
			for (k = 0; k <= cap; k++)
				FUZZ_CHECK(out[k] == '\0');
		}
		free(out);
	}
	/* NULL variables render as "" */
	{
		char out[SMSOTP_TEXT_MAX + 1];
		const char *none[5] = { NULL, NULL, NULL, NULL, NULL };

		refok = ref_render(s, none, ref, &reflen, &has_code) == 0;
		v = smsotp_template_render(s, NULL, out, sizeof(out));
		FUZZ_CHECK((v == 0) == (refok && reflen <= SMSOTP_TEXT_MAX));
		if (v == 0)
			FUZZ_CHECK(strlen(out) == reflen &&
			    memcmp(out, ref, reflen) == 0);
	}
	free(s);
	return 0;
}
