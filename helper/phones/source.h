/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/source.h - a phone source: where the number of a user comes
 * from, as one const ops table per kind of source (DESIGN.md 6: the users
 * file, users_file.h, is the only kind so far; ldap, command and gecos
 * plug in here), and the result enum of the phones layer.
 *
 * A kind of source is one file ending in its ops table (curl lib/vtls/
 * style): "const struct smsotp_phone_source_ops smsotp_phone_source_KIND",
 * declared in its own header. The rest of the helper asks for a number
 * through helper/phones/phone.h, never a kind directly.
 */
#ifndef SMSOTP_PHONE_SOURCE_H
#define SMSOTP_PHONE_SOURCE_H

#include <stddef.h>

#include "phones/e164.h"

/*
 * What a lookup of the phones layer answers (a source's lookup slot, the
 * users file's line parser and index, the account name, phone.h).
 * The values are fixed: callers compare with 1 and 0.
 *   FOUND  there is an answer: the number (out), or the account.
 *   NONE   an explicit answer that there is none: the source was read and
 *          has no entry for the user (NSS: no such account).
 *   ERROR  no answer: the source failed (unreadable, unsafe, corrupt, out
 *          of memory) or the user's entry is unusable; why says what.
 *          SECURITY: never turned into NONE (no number would mean a decoy
 *          or, with nullok, a login without a second factor).
 */
enum smsotp_phone_result {
	SMSOTP_PHONE_ERROR = -1,
	SMSOTP_PHONE_NONE = 0,
	SMSOTP_PHONE_FOUND = 1
};

struct smsotp_phone_source;

/* The ops table of one kind of phone source; every slot is required. */
struct smsotp_phone_source_ops {
	/* The kind, as the configuration names it ("file"). */
	const char *name;
	/*
	 * The number of user (the account's name, helper/phones/account.h)
	 * in source src, normalised with src->default_country for national
	 * numbers. Contract:
	 *   FOUND  out holds an E.164 number (smsotp_e164_ok), why is "".
	 *   NONE   src answered and has no entry for user; out and why
	 *          are "".
	 *   ERROR  src could not answer, or user's entry does not hold a
	 *          usable number; out is "", why says what (with the place,
	 *          e.g. "PATH:LINE: bad number: ...", never the number).
	 *          A source that cannot tell whether user has an entry
	 *          (unreadable, unsafe, corrupt, too slow) answers ERROR,
	 *          never NONE.
	 * No other value. why (whysz bytes, may be 0) is always terminated.
	 * Synchronous: the lookup keeps no state between calls besides what
	 * src->ctx says.
	 */
	enum smsotp_phone_result (*lookup)(
	    const struct smsotp_phone_source *src, const char *user,
	    char out[SMSOTP_E164_SIZE], char *why, size_t whysz);
};

/* One configured source. */
struct smsotp_phone_source {
	const struct smsotp_phone_source_ops *ops;
	const char *default_country;	/* 1-3 digits; "": no national ones */
	void *ctx;			/* the kind's settings (its header) */
};

#endif
