/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/ctl/settings.c - smsotpctl settings: every setting of the
 * configuration as the schema (conf/schema.h) has it, one a line
 * ("SECTION NAME<TAB>(SHAPE)<TAB>DOC"), or --json.
 */
#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "conf/schema.h"
#include "ctl/shared.h"
#include "ctl/verbs.h"

static const char *const type_names[] = {
	[SMSOTP_SET_INT] = "integer",
	[SMSOTP_SET_BOOL] = "boolean",
	[SMSOTP_SET_STR] = "string",
	[SMSOTP_SET_OTHER] = "other",
};

static json_t *
setting_json(const struct smsotp_setting *s, const char *shape)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "section", json_string(s->section));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "type", json_string(type_names[s->type]));
	if (s->type == SMSOTP_SET_INT) {
		json_object_set_new(o, "min", json_integer(s->min));
		json_object_set_new(o, "max", json_integer(s->max));
		json_object_set_new(o, "default", json_integer(s->def));
		json_object_set_new(o, "unit", s->unit[0] != '\0' ?
		    json_string(s->unit) : json_null());
		json_object_set_new(o, "rule", s->rule[0] != '\0' ?
		    json_string(s->rule) : json_null());
	} else if (s->type == SMSOTP_SET_BOOL) {
		json_object_set_new(o, "default", json_boolean(s->def));
	} else {
		json_object_set_new(o, "default", s->sdef[0] != '\0' ?
		    json_string(s->sdef) : json_null());
	}
	json_object_set_new(o, "shape", json_string(shape));
	json_object_set_new(o, "doc", json_string(s->doc));
	return o;
}

int
smsotp_ctl_settings(const struct smsotp_ctl_call *call)
{
	json_t *arr = call->json ? json_array() : NULL;
	char shape[160];
	int id;

	if (call->json && arr == NULL)
		return smsotp_ctl_json_out(NULL);
	for (id = 0; id < SMSOTP_SET_COUNT; id++) {
		const struct smsotp_setting *s = smsotp_setting(id);

		if (smsotp_setting_shape(s, shape, sizeof(shape)) != 0) {
			fprintf(stderr, "smsotpctl: setting %s.%s: description "
			    "too long\n", s->section, s->name);
			json_decref(arr);
			return SMSOTP_CTL_FAILED;
		}
		if (arr != NULL) {
			if (json_array_append_new(arr, setting_json(s, shape))
			    != 0) {
				json_decref(arr);
				return smsotp_ctl_json_out(NULL);
			}
		} else if (printf("%s %s\t(%s)\t%s\n", s->section, s->name,
		    shape, s->doc) < 0) {
			return SMSOTP_CTL_FAILED;
		}
	}
	if (arr != NULL)
		return smsotp_ctl_json_out(arr);
	return fflush(stdout) == 0 ? SMSOTP_CTL_OK : SMSOTP_CTL_FAILED;
}
