#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_log.sh - the log setting on a machine without a syslog daemon: with
# /dev/log gone and log naming a file, a refused login leaves its reason in
# that file (created root 0640); a file the helper must not trust is left
# alone and the lines stay where they were.
. "$(dirname "$0")/../lib.sh"

# No syslog daemon for the length of this script: /dev/log moved aside and
# put back at the end, whatever happens.
AWAY=""
if [ -e /dev/log ]; then
	AWAY=/dev/log.smsotp-t_log.$$
	mv /dev/log "$AWAY"
fi
put_back() { [ -n "$AWAY" ] && mv -f "$AWAY" /dev/log; cleanup_lib; }
trap put_back EXIT

L=$T/logs/pam_smsotp.log
mkdir -m 0755 "$T/logs"
users "alice +447700900123" "# carol has no phone"
service smsotp
reset_state

tid=refused_login_reason_in_log_file
write_conf "log = \"$L\";"
login smsotp alice =000000 =111111 =222222
check eval 'grep -q "RESULT: Authentication failure" "$T/last.out" &&
	grep -q "smsotp-helper\[[0-9]*\]: notice: user=alice: wrong code (1 consecutive" "$L" &&
	grep -q "smsotp-helper\[[0-9]*\]: notice: user=alice: wrong code (3 consecutive" "$L"'
cp "$L" "$T/last.out" 2>/dev/null

tid=log_file_created_root_0640
check eval '[ "$(stat -c %U:%a "$L")" = root:640 ]'

tid=log_file_lines_before_config_too
# the request's own line is logged before the configuration is read
check grep -q "info: begin user=alice service=smsotp" "$L"

tid=log_file_never_holds_a_code
codes=$(cut -f3 "$OUTBOX" | grep -oE '[0-9]{6}' | sort -u)
leak=0
for c in $codes; do grep -q -- "$c" "$L" && leak=1; done
check eval '[ -n "$codes" ] && [ $leak -eq 0 ]'

tid=no_phone_reason_in_log_file
reset_state
write_conf "log = \"$L\";" 'reveal_status = true;'
login smsotp carol
check grep -q "user=carol: no phone number" "$L"

tid=log_file_open_to_others_left_alone
W=$T/logs/wide.log
: >"$W"
chmod 0644 "$W"
reset_state
write_conf "log = \"$W\";"
login smsotp alice =000000
check eval '[ ! -s "$W" ]'

tid=log_symlink_not_followed
V=$T/logs/victim
: >"$V"
chmod 0600 "$V"
ln -s "$V" "$T/logs/link.log"
reset_state
write_conf "log = \"$T/logs/link.log\";"
login smsotp alice =000000
check eval '[ ! -s "$V" ] && [ -L "$T/logs/link.log" ]'

tid=log_relative_path_is_a_config_error
write_conf 'log = "pam_smsotp.log";'
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "'"'"'log'"'"' must be \"syslog\", \"stderr\" or an absolute path" "$T/last.out"'

write_conf
finish
