#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_smstools.sh - logins whose code goes through the smstools gateway: the
# spool file appears in smsd's outgoing directory whole (inotify sees only
# a rename), in the documented format, owned by smsd; then a real smsd
# (modem_disabled = yes, simulated sends of 4-14 s) takes it to sent/.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
SMS=$T/sms
SPOOL=$SMS/outgoing
RUN=$T/smsd
smsd_pid=""

stop_all() {
	[ -n "$smsd_pid" ] && kill "$smsd_pid" 2>/dev/null && wait "$smsd_pid" 2>/dev/null
	[ -n "${inw_pid:-}" ] && kill "$inw_pid" 2>/dev/null
	cleanup_lib
}
trap stop_all EXIT

# smsd's layout, as the Debian package makes it: smsd's own directories.
mkdir -p "$SMS"/{outgoing,checked,failed,sent,incoming} "$SMS/tmp" "$RUN"
chown smsd:smsd "$SMS"/{outgoing,checked,failed,sent,incoming} "$RUN"
chmod 2770 "$SMS"/{outgoing,checked,failed,sent,incoming}
chmod 0700 "$SMS/tmp"
touch "$RUN/modem"
chown smsd "$RUN/modem"
cat >"$T/smsd.conf" <<EOF
devices = GSM1
outgoing = $SMS/outgoing
checked = $SMS/checked
failed = $SMS/failed
incoming = $SMS/incoming
sent = $SMS/sent
logfile = $RUN/smsd.log
infofile = $RUN/smsd.working
pidfile = $RUN/smsd.pid
loglevel = 6
umask = 077
user = smsd
group = dialout

[GSM1]
device = $RUN/modem
modem_disabled = yes
incoming = no
EOF

smstools_conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"sms\"; type = \"smstools\"; spool_dir = \"$1\"; tmp_dir = \"$SMS/tmp\"; } );"
}
# the code in the newest spool file of outgoing (line 4: the text)
export SMSOTP_CODE_CMD="sed -n 4p \"\$(ls -t '$SPOOL'/pam_smsotp-* | head -n 1)\" | grep -o '^[0-9]\\{6\\}'"

users "alice +447700900123"
service smsotp
reset_state
smstools_conf "$SPOOL"

tid=smstools_check_config
check eval '"$CTL" check-config >"$T/last.out" 2>&1'

tid=smstools_login
: >"$T/inotify.log"
inotifywait -q -m -e create,modify,close_write,attrib,moved_to --format '%e %f' \
	"$SPOOL" >"$T/inotify.log" 2>/dev/null &
inw_pid=$!
sleep 0.3
login smsotp alice code
check result_is "$OK"
sleep 0.2
kill "$inw_pid" 2>/dev/null
wait "$inw_pid" 2>/dev/null
inw_pid=""

file=$(ls -t "$SPOOL"/pam_smsotp-* 2>/dev/null | head -n 1)
tid=smstools_only_complete_files_in_spool
check eval '[ "$(cat "$T/inotify.log")" = "MOVED_TO $(basename "$file")" ]'

tid=smstools_file_format
# To: digits without '+', Alphabet: UTF-8, blank line, text, newline; no '+'.
check /usr/bin/python3 - "$file" "$(hostname)" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
m = re.fullmatch(rb"To: 447700900123\nAlphabet: UTF-8\n\n[0-9]{6} is your smsotp "
                 rb"login code for (.+)\. It expires in 5 minutes\.\n", b)
assert m and m.group(1) == sys.argv[2].encode(), b
PY

tid=smstools_file_owned_by_smsd_0600
check eval '[ "$(stat -c "%U %a" "$file")" = "smsd 600" ] && [ -z "$(ls -A "$SMS/tmp")" ]'

tid=smstools_send_logged
check grep -q "send gateway=sms type=smstools to=+44•••••••123 outcome=sent detail=\"$(basename "$file")\"" "$SYSLOG"

tid=smsd_sends_the_file
smsd -c "$T/smsd.conf" -t >"$RUN/smsd.out" 2>&1 &
smsd_pid=$!
t0=$(date +%s)
for _ in $(seq 300); do
	[ -e "$SMS/sent/$(basename "$file")" ] && break
	[ -e "$SMS/failed/$(basename "$file")" ] && break
	sleep 0.1
done
took=$(($(date +%s) - t0))
tid="smsd_sends_the_file (${took}s)"
check eval '[ -e "$SMS/sent/$(basename "$file")" ] && [ -z "$(ls -A "$SMS/failed")" ] &&
	grep -q "SMS sent.*To: 447700900123" "$RUN/smsd.log"'

tid=smstools_unsafe_spool_refused
chmod 0777 "$SMS/checked"
smstools_conf "$SMS/checked"
check eval '! "$CTL" check-config >"$T/last.out" 2>&1 && grep -q "world-writable" "$T/last.out"'
chmod 2770 "$SMS/checked"

kill "$smsd_pid" 2>/dev/null
wait "$smsd_pid" 2>/dev/null
smsd_pid=""
reset_state
write_conf
finish
