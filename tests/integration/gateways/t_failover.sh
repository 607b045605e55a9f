#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_failover.sh - a dead primary (twilio type pointed at a loopback port
# that accepts and never answers, timeout 2 s) and an outbox secondary:
# logins fail over within the deadline; after health.failures such logins
# the circuit breaker opens and the next login skips the primary. Both
# login durations are measured (wall clock) and printed in the PASS line.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
SID=AC0123456789abcdef0123456789abcdef
hole_pid=""

stop_all() {
	[ -n "$hole_pid" ] && kill "$hole_pid" 2>/dev/null && wait "$hole_pid" 2>/dev/null
	rm -f "$STATE"/g-* "$ETC/pam_smsotp.twilio"
	cleanup_lib
}
trap stop_all EXIT

# The blackhole: TCP handshake done by the kernel, then silence.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print("READY", s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' >"$T/hole.out" 2>&1 &
hole_pid=$!
for _ in $(seq 100); do grep -q '^READY' "$T/hole.out" && break; sleep 0.05; done
HOLE=$(awk '/^READY/ {print $2}' "$T/hole.out")
printf '%s\n' "token-$$" >"$ETC/pam_smsotp.twilio"
chgrp smsotp "$ETC/pam_smsotp.twilio"
chmod 0640 "$ETC/pam_smsotp.twilio"	# root:smsotp 0640: the service reads it too

# failover_conf ROUTE: primary (dead) and backup (outbox), breaker 2/60/120
failover_conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; default_country = \"44\"; };
limits = { send_deadline = 15; resend_cooldown = 0; };
health = { failures = 2; window = 60; cooldown = 120; };
gateways = (
  { name = \"primary\"; type = \"twilio\"; account_sid = \"$SID\";
    auth_token_file = \"$ETC/pam_smsotp.twilio\"; from = \"+15005550006\";
    base_url = \"https://127.0.0.1:$HOLE\"; ca_file = \"/etc/ssl/certs/ca-certificates.crt\";
    connect_timeout = 2; timeout = 2; },
  { name = \"backup\"; type = \"outbox\"; path = \"$OUTBOX\"; }
);
routes = ( { prefix = \"+\"; gateways = [ $1 ]; } );"
}

# timed_login: login smsotp alice code; seconds in $secs
timed_login() {
	local t0 t1
	t0=$(date +%s.%N)
	login smsotp alice code
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

users "alice +447700900123"
service smsotp
reset_state
rm -f "$STATE"/g-*
failover_conf '"primary", "backup"'
mark="failover-$$-$(date +%s%N)"
logger -p authpriv.info "$mark" 2>/dev/null || echo "$mark" >>"$SYSLOG"
since() { sed -n "/$mark/,\$p" "$SYSLOG"; }

tid=failover_first_login
timed_login
first=$secs
tid="failover_first_login (${first}s)"
check eval 'result_is "$OK" && [ "$(outbox_lines)" -eq 1 ] && lt "$first" 15 && ! lt "$first" 2 &&
	since | grep -q "send gateway=primary type=twilio to=+44•••••••123 outcome=temporary failure"'

tid=failover_second_login_opens_breaker
timed_login
check eval 'result_is "$OK" && since | grep -q "gateway primary: circuit opened until"'

tid=breaker_skips_dead_primary
timed_login
second=$secs
tid="breaker_skips_dead_primary first=${first}s breaker=${second}s"
# (a login costs about 1 s here without any gateway wait: the saving is
# the primary's 2 s timeout)
check eval 'result_is "$OK" && [ "$(outbox_lines)" -eq 3 ] && lt "$second" 2 &&
	lt "$(awk -v a="$second" "BEGIN { print a + 1.5 }")" "$first" &&
	since | grep -q "send gateway=primary skipped: circuit open until"'

tid=test_send_prints_attempts
"$CTL" test-send 07700900123 >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && grep -Eq "^primary +skipped +0  circuit open until" "$T/last.out" &&
	grep -Eq "^backup +sent +[0-9]+  appended" "$T/last.out" &&
	grep -q "^sent via backup in" "$T/last.out" &&
	tail -n 1 "$OUTBOX" | grep -q "pam_smsotp test message from $(hostname)"'

tid=test_send_one_gateway_tries_it
"$CTL" test-send +447700900123 --gateway primary >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -Eq "^primary +temporary failure +[0-9]{4}  " "$T/last.out" &&
	grep -q "^NOT sent" "$T/last.out"'

tid=breaker_all_open_last_resort
failover_conf '"primary"'
login smsotp alice code
check eval 'result_is "$UNAVAIL" && since | grep -q "send gateway=primary: no other gateway sent to +44•••••••123, trying it as a last resort"'

tid=breaker_state_no_secret
check eval '! grep -qs "token-$$" "$STATE"/g-* && [ "$(stat -c %a "$(ls "$STATE"/g-* | grep -v "\.lock$" | head -n 1)")" = 660 ]'

reset_state
rm -f "$STATE"/g-*
write_conf
finish
