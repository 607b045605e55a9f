#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_tsan.sh - the resident service built with ThreadSanitizer (gcc
# -fsanitize=thread, the prefix's compiled-in paths) and run on a scratch
# socket: parallel begins through the outbox and through HTTPS to a
# loopback Twilio mock, parallel verifies, silent clients, a bad request,
# a secret rotated in place, then SIGTERM. ThreadSanitizer must report nothing: the threads share
# the process (logging, libcurl's one-time setup, the users index loader,
# the stores' locks) and nothing else.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
B=$T/build
TS=$T/service.sock
SID=AC0123456789abcdef0123456789abcdef
TOKEN=tsan-token-$$
mock_pid="" tsvc=""
cleanup_tsan() {
	[ -n "$tsvc" ] && { kill "$tsvc" 2>/dev/null; wait "$tsvc" 2>/dev/null; }
	[ -n "$mock_pid" ] && { kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; }
	cleanup_lib
}
trap cleanup_tsan EXIT

tid=tsan_build
mkdir -p "$B"
(cd "$B" && "$top/configure" -q --prefix="$P" --sysconfdir="$P/etc" \
	--localstatedir="$P/var" CC=gcc CFLAGS="-O1 -g -fsanitize=thread" \
	LDFLAGS="-fsanitize=thread" && make -s -j2 smsotp-helper) >"$T/last.out" 2>&1
check [ -x "$B/smsotp-helper" ]

"$HERE/mkcerts.sh" "$T/certs"
chmod 0644 "$T/certs/ca.pem"
: >"$T/mock.log"
/usr/bin/python3 "$HERE/mock_gateway.py" --port 0 --cert "$T/certs/good.pem" \
	--key "$T/certs/good.key" --log "$T/mock.log" --twilio-token "$TOKEN" \
	>"$T/mock.out" 2>"$T/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q '^READY' "$T/mock.out" && break; sleep 0.05; done
PORT=$(awk '/^READY/ {print $2}' "$T/mock.out")
printf '%s\n' "$TOKEN" >"$ETC/pam_smsotp.twilio"
chgrp smsotp "$ETC/pam_smsotp.twilio"
chmod 0640 "$ETC/pam_smsotp.twilio"
lines=()
for i in $(seq -w 1 30); do lines+=("u$i +4477009001$i"); done
users "${lines[@]}"
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
limits = { sends_per_user = 64; global_sends_per_minute = 100000; global_sends_per_day = 1000000; resend_cooldown = 0; };
gateways = (
  { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"twilio\"; type = \"twilio\"; account_sid = \"$SID\";
    auth_token_file = \"$ETC/pam_smsotp.twilio\"; from = \"+15005550006\";
    base_url = \"https://127.0.0.1:$PORT\"; ca_file = \"$T/certs/ca.pem\"; } );
routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; },
  { prefix = \"+33\"; gateways = [ \"twilio\" ]; } );"
reset_state

tid=tsan_service_parallel_requests
rm -f "$TS"
TSAN_OPTIONS="log_path=$T/tsanlog halt_on_error=0 exitcode=66" \
	"$B/smsotp-helper" --listen --socket "$TS" >"$T/svc.out" 2>&1 &
tsvc=$!
for _ in $(seq 200); do [ -S "$TS" ] && break; sleep 0.05; done
C="/usr/bin/python3 $HERE/sockclient.py $TS"
$C --silent 4 --many 64 op=begin "user=u{i}" service=sshd >"$T/r1.out" 2>&1
$C --silent 0 --many 64 op=verify "user=u{i}" challenge=0123456789abcdef0123456789abcdef code=123456 >"$T/r2.out" 2>&1
$C op=begin user=u01 evil=1 >"$T/r3.out" 2>&1
# the same accounts, now routed to the HTTPS mock: parallel libcurl sends
sed -i 's/"+33"; gateways = \[ "twilio" \]/"+4477"; gateways = [ "twilio" ]/' "$CONF"
$C --silent 0 --many 32 op=begin "user=u{i}" service=sshd >"$T/r4.out" 2>&1
# the token rotated in place (same size): the next send uses the new one,
# which the mock refuses; then the old one again
/usr/bin/python3 - "$ETC/pam_smsotp.twilio" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    d = f.read(); f.seek(0); f.write(d.replace(b"tsan-token", b"tsan-TOKEN", 1))
EOF
$C op=begin user=u05 service=sshd >"$T/r5.out" 2>&1
printf '%s\n' "$TOKEN" >"$ETC/pam_smsotp.twilio"
$C op=begin user=u06 service=sshd >"$T/r6.out" 2>&1
kill -TERM $tsvc
wait $tsvc
rc=$?
tsvc=""
cat "$T"/r*.out >"$T/last.out"
ls "$T"/tsanlog.* >/dev/null 2>&1 && head -n 40 "$T"/tsanlog.* >>"$T/last.out"
check eval '[ $rc -eq 0 ] && ! ls "$T"/tsanlog.* >/dev/null 2>&1 &&
	grep -qx "statuses status=SENT:64" "$T/r1.out" && grep -qx "silent-closed 4 of 4" "$T/r1.out" &&
	grep -qx "statuses status=EXPIRED:64" "$T/r2.out" && grep -qx status=ERROR "$T/r3.out" &&
	grep -qx "statuses status=SENT:32" "$T/r4.out" && ! grep -qx status=SENT "$T/r5.out" &&
	grep -qx status=SENT "$T/r6.out"'

finish
