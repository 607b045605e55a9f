#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_schema.sh - one configuration schema: pam_smsotp.conf(5) and the sample
# configuration agree with `smsotpctl settings` (the table the readers take
# their ranges and defaults from), the cross-check notices a changed man
# page range, sample value or default, and check-config refuses exactly
# what the schema's ranges exclude.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
MAN=$top/man/pam_smsotp.conf.5
SAMPLE=$top/conf/pam_smsotp.conf
CHECK="/usr/bin/python3 $HERE/schema_check.py"

tid=settings_lists_the_schema
"$CTL" settings --json >"$T/settings.json" 2>"$T/last.out"
rc=$?
"$CTL" settings >"$T/settings.txt" 2>>"$T/last.out"
check eval '[ $rc -eq 0 ] && [ "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/settings.json")" -ge 50 ] &&
	grep -q "^limits send_deadline	(integer, 1..25 seconds, default 15)	" "$T/settings.txt"'

tid=man_page_and_sample_agree_with_schema
$CHECK "$T/settings.json" "$MAN" "$SAMPLE" >"$T/last.out" 2>&1
check grep -q "^schema: [0-9]* settings, 0 disagreements$" "$T/last.out"

# The cross-check must notice each kind of drift.
tid=crosscheck_notices_a_changed_man_range
sed 's/^\.BR ttl " (integer, 5\.\.600 seconds, default 300)"$/.BR ttl " (integer, 30..600 seconds, default 300)"/' "$MAN" >"$T/man.5"
! cmp -s "$MAN" "$T/man.5" && $CHECK "$T/settings.json" "$T/man.5" "$SAMPLE" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "code.ttl says (integer, 30..600 seconds, default 300)" "$T/last.out"'

tid=crosscheck_notices_a_sample_value_out_of_range
sed 's/^  length = 6; /  length = 12;/' "$SAMPLE" >"$T/sample.conf"
! cmp -s "$SAMPLE" "$T/sample.conf" && $CHECK "$T/settings.json" "$MAN" "$T/sample.conf" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "code.length = 12 is outside 6..10" "$T/last.out"'

tid=crosscheck_notices_a_sample_range_or_default_comment
sed 's/^  # sends_window = 900;   # seconds, 60..86400$/  # sends_window = 600;   # seconds, 60..3600/' "$SAMPLE" >"$T/sample.conf"
! cmp -s "$SAMPLE" "$T/sample.conf" && $CHECK "$T/settings.json" "$MAN" "$T/sample.conf" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "limits.sends_window: commented out as 600, the default is 900" "$T/last.out" &&
	grep -q "limits.sends_window: the comment says 60..3600, the schema 60..86400" "$T/last.out"'

tid=crosscheck_notices_a_changed_default
python3 - "$T/settings.json" "$T/changed.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for e in s:
    if (e["section"], e["name"]) == ("limits", "lockout_after"):
        e["default"] = 5
        e["shape"] = e["shape"].replace("default 10", "default 5")
json.dump(s, open(sys.argv[2], "w"))
EOF
$CHECK "$T/changed.json" "$MAN" "$SAMPLE" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "limits.lockout_after says (integer, 1..100, default 10), the schema (integer, 1..100, default 5)" "$T/last.out"'

tid=crosscheck_notices_a_setting_the_schema_lacks
printf '.SH SETTINGS\n.SS "code \\(em x"\n.TP\n.BR colour " (string, no default)"\n' >"$T/extra.5"
cat "$MAN" "$T/extra.5" >"$T/man.5"
$CHECK "$T/settings.json" "$T/man.5" "$SAMPLE" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "code.colour is not a setting of the schema" "$T/last.out"'

# check-config takes its ranges from the schema: for every number of the
# top-level groups and of a command gateway, the bounds pass and one
# beyond fails, naming the setting.
tid=check_config_ranges_are_the_schemas
cp "$CONF" "$T/conf.saved"
python3 - "$T/settings.json" >"$T/cases" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1])):
    if s["type"] != "integer" or s["section"] not in ("code", "limits", "health", "command"):
        continue
    for v, ok in ((s["min"], 1), (s["max"], 1), (s["min"] - 1, 0), (s["max"] + 1, 0)):
        print(s["section"], s["name"], v, ok)
EOF
bad=""
n=0
while read -r sec name v ok; do
	n=$((n + 1))
	extra=""
	[ "$name" = lockout_max ] && [ "$ok" = 1 ] && extra="lockout_time = 1;"
	if [ "$sec" = command ]; then
		body="gateways = ( { name = \"o\"; type = \"command\"; argv = [ \"/bin/true\" ]; $name = $v; } );"
	else
		body="$sec = { $name = $v; $extra };
gateways = ( { name = \"o\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
	fi
	printf 'phones = { file = "%s"; };\n%s\n' "$USERS" "$body" >"$CONF"
	"$CTL" check-config >"$T/cc.out" 2>&1
	rc=$?
	if [ "$ok" = 1 ] && [ $rc -ne 0 ]; then
		bad="$bad $sec.$name=$v(refused)"
	elif [ "$ok" = 0 ] && { [ $rc -eq 0 ] || ! grep -q "'$sec.$name' = $v is out of range\|'$name' = $v is out of range" "$T/cc.out"; }; then
		bad="$bad $sec.$name=$v(accepted)"
	fi
done <"$T/cases"
cp "$T/conf.saved" "$CONF"
echo "$n cases:$bad" >"$T/last.out"
check eval '[ "$n" -ge 60 ] && [ -z "$bad" ]'

finish
