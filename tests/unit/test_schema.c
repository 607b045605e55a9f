/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_schema.c - the configuration schema (helper/conf/schema.c): every
 * entry complete and consistent, and the loader's defaults for a group
 * left out the same as for an empty one.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/schema.h"
#include "core/conf_load.h"
#include "testutil.h"

static void
test_entries_complete(void **state)
{
	char shape[160];
	int i, j;

	(void)state;
	for (i = 0; i < SMSOTP_SET_COUNT; i++) {
		const struct smsotp_setting *s = smsotp_setting(i);

		assert_true(s->section[0] != '\0');
		assert_true(s->name[0] != '\0');
		assert_true(s->doc[0] != '\0');
		assert_int_equal(smsotp_setting_shape(s, shape, sizeof(shape)), 0);
		if (s->type == SMSOTP_SET_INT) {
			assert_true(s->min <= s->def && s->def <= s->max);
		} else if (s->type == SMSOTP_SET_BOOL) {
			assert_true(s->def == 0 || s->def == 1);
		} else {
			assert_true(s->shape[0] != '\0');
		}
		for (j = 0; j < i; j++) {
			const struct smsotp_setting *o = smsotp_setting(j);
			assert_false(strcmp(o->section, s->section) == 0 &&
			    strcmp(o->name, s->name) == 0);
		}
	}
}

static void
test_shapes(void **state)
{
	char buf[160];

	(void)state;
	assert_int_equal(smsotp_setting_shape(smsotp_setting(
	    SMSOTP_SET_CODE_TTL), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "integer, 5..600 seconds, default 300");
	assert_int_equal(smsotp_setting_shape(smsotp_setting(
	    SMSOTP_SET_LOCKOUT_MAX), buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "integer, lockout_time..31536000 seconds, default 86400");
	assert_int_equal(smsotp_setting_shape(smsotp_setting(
	    SMSOTP_SET_REVEAL_STATUS), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "boolean, default false");
	assert_int_equal(smsotp_setting_shape(smsotp_setting(
	    SMSOTP_SET_TWILIO_BASE_URL), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "string, default \"https://api.twilio.com\"");
	assert_int_equal(smsotp_setting_shape(smsotp_setting(
	    SMSOTP_SET_CODE_TTL), buf, 10), -1);
}

static void
load(const char *dir, const char *groups, struct smsotp_conf *c)
{
	struct smsotp_conf_opts o = { geteuid() };
	struct smsotp_errs e;
	char text[1024], *p;

	(void)snprintf(text, sizeof(text), "%s\ngateways = ( { name = \"o\"; "
	    "type = \"outbox\"; path = \"%s/outbox\"; } );\n", groups, dir);
	p = tu_write(dir, "smsotp.conf", text, 0600);
	memset(&e, 0, sizeof(e));
	if (smsotp_conf_load(p, &o, c, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg[0]);
		fail();
	}
	free(p);
}

/* The loader's defaults for the groups left out are the schema's, as the
 * readers' for the settings left out of a group. */
static void
test_defaults_left_out_or_empty(void **state)
{
	struct smsotp_conf a, b;
	char *dir = tu_tmpdir();

	(void)state;
	load(dir, "", &a);
	load(dir, "code = {}; limits = {}; health = {};", &b);
	assert_int_equal(a.code_length, b.code_length);
	assert_int_equal(a.code_ttl, b.code_ttl);
	assert_int_equal(a.code_max_attempts, b.code_max_attempts);
	assert_int_equal(a.resend_cooldown, b.resend_cooldown);
	assert_int_equal(a.sends_per_user, b.sends_per_user);
	assert_int_equal(a.sends_window, b.sends_window);
	assert_int_equal(a.lockout_after, b.lockout_after);
	assert_int_equal(a.lockout_time, b.lockout_time);
	assert_int_equal(a.lockout_max, b.lockout_max);
	assert_int_equal(a.max_live_codes, b.max_live_codes);
	assert_int_equal(a.send_deadline, b.send_deadline);
	assert_int_equal(a.global_per_minute, b.global_per_minute);
	assert_int_equal(a.global_per_day, b.global_per_day);
	assert_int_equal(a.health_failures, b.health_failures);
	assert_int_equal(a.health_window, b.health_window);
	assert_int_equal(a.health_cooldown, b.health_cooldown);
	assert_int_equal(a.code_ttl, smsotp_setting(SMSOTP_SET_CODE_TTL)->def);
	assert_int_equal(a.send_deadline,
	    smsotp_setting(SMSOTP_SET_SEND_DEADLINE)->def);
	smsotp_conf_free(&a);
	smsotp_conf_free(&b);
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_defaults_left_out_or_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
