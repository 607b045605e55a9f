#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_service.sh - smsotp-helper --listen, the resident service, started by
# systemd-socket-activate on the prefix's socket and spoken to directly
# (sockclient.py): it serves as _smsotp, a request per connection; the
# caller is who the kernel says (an unprivileged one acts for itself, its
# claims ignored); silent clients get ERROR after 2 s and are dropped,
# without holding anyone up;
# many requests at once are all answered; the bound on requests in flight
# answers ERROR at once; the configuration and key on disk are what
# apply (kept parsed, read again when a file changes, even in place); it
# binds the socket itself without systemd; SIGTERM stops it; an account
# added or removed (it keeps /etc/passwd parsed) applies to the next request.
. "$(dirname "$0")/../lib.sh"

CLIENT="/usr/bin/python3 $HERE/sockclient.py"
# req LINE...: one request as root; the reply in $T/last.out
req() { $CLIENT "$SOCK" "$@" >"$T/last.out" 2>&1; }
status_is() { head -n 1 "$T/last.out" | grep -qx "status=$1"; }
code() { sh -c "$SMSOTP_CODE_CMD"; }
mark() { logmark=$(wc -l <"$SYSLOG" 2>/dev/null || echo 0); }
logged() { tail -n +$((logmark + 1)) "$SYSLOG" | grep -q -- "$1"; }

lines=("alice +447700900123" "bob +447700900456" "smsotpacct +447700900789")
for i in $(seq -w 1 30); do lines+=("u$i +4477009001$i"); done
users "${lines[@]}"
write_conf 'limits = { sends_per_user = 64; global_sends_per_minute = 1000; global_sends_per_day = 10000; resend_cooldown = 0; };'
reset_state
tid=service_available
if ! command -v systemd-socket-activate >/dev/null || ! getent passwd _smsotp >/dev/null; then
	fail "needs systemd-socket-activate (package systemd) and the user _smsotp"
	finish; exit 1
fi
pass

tid=service_begin_and_verify_over_the_socket
start_service
req op=begin user=alice service=sshd rhost=192.0.2.7
s1=$(status_is SENT && echo y)
chal=$(sed -n 's/^challenge=//p' "$T/last.out")
req op=verify user=alice "challenge=$chal" "code=$(code)" service=sshd
check eval '[ "$s1" = y ] && status_is OK && [ "$(outbox_lines)" -eq 1 ]'

tid=service_runs_as_its_own_user
svc_uid=$(awk '/^Uid:/ {print $2, $3}' "/proc/$svc_pid/status")
svc_gid=$(awk '/^Gid:/ {print $2, $3}' "/proc/$svc_pid/status")
groups=$(awk '/^Groups:/ {print $2}' "/proc/$svc_pid/status")
want_uid=$(id -u _smsotp)
want_gid=$(getent group smsotp | cut -d: -f3)
check eval '[ "$svc_uid" = "$want_uid $want_uid" ] && [ "$svc_gid" = "$want_gid $want_gid" ] && [ -z "$groups" ]'

tid=service_one_request_per_connection_and_nothing_after_the_blank_line
/usr/bin/python3 - "$SOCK" >"$T/last.out" 2>&1 <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"op=begin\nuser=alice\n\nop=begin\nuser=bob\n\n")
out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
print(out.decode().split("\n")[0])
EOF
check eval 'status_is ERROR && [ "$(outbox_lines)" -eq 1 ]'

tid=service_unprivileged_caller_acts_for_itself_only
chmod 0755 "$T"
runuser -u alice -- $CLIENT "$SOCK" op=begin user=bob >"$T/last.out" 2>&1
r1=$(status_is ERROR && echo y)
runuser -u alice -- $CLIENT "$SOCK" op=begin user=alice service=sshd rhost=203.0.113.5 >"$T/last.out" 2>&1
r2=$(status_is SENT && echo y)
$CTL -c "$CONF" status alice >"$T/last.out"
check eval '[ "$r1" = y ] && [ "$r2" = y ] && tail -n 1 "$T/last.out" | grep -q "code sent service=login$" &&
	! grep -q 203.0.113.5 "$T/last.out" && [ "$(outbox_lines)" -eq 2 ]'

tid=service_silent_clients_dropped_many_answered
$CLIENT "$SOCK" --silent 8 --many 128 op=begin "user=u{i}" service=sshd >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && grep -qx "silent-closed 8 of 8" "$T/last.out" &&
	grep -qx "answered 128 of 128" "$T/last.out" && grep -qx "statuses status=SENT:128" "$T/last.out" &&
	[ "$(outbox_lines)" -eq 130 ]'

tid=service_silent_client_holds_no_one_up
/usr/bin/python3 - "$SOCK" >"$T/last.out" 2>&1 <<'EOF'
import socket, subprocess, sys, time
quiet = [socket.socket(socket.AF_UNIX) for _ in range(4)]
for q in quiet: q.connect(sys.argv[1])
t0 = time.monotonic()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"op=begin\nuser=bob\n\n")
out = s.recv(4096)
print("first %s in %d ms" % (out.decode().split("\n")[0], (time.monotonic() - t0) * 1000))
t0 = time.monotonic()
def drained(q):
    out = b""
    while True:
        b = q.recv(4096)
        if not b: return out
        out += b
print("silent closed:", all(drained(q) in (b"", b"status=ERROR\n") for q in quiet), "after %d ms" % ((time.monotonic() - t0) * 1000))
EOF
ms=$(sed -n 's/^first status=SENT in \([0-9]*\) ms$/\1/p' "$T/last.out")
check eval '[ -n "$ms" ] && [ "$ms" -lt 1500 ] && grep -q "^silent closed: True after" "$T/last.out"'

tid=service_config_on_disk_applies
sed -i 's/is your %{service} login code/is the NEW text/' "$CONF"
req op=begin user=bob service=sshd
r1=$(status_is SENT && tail -n 1 "$OUTBOX" | grep -q "is the NEW text" && echo y)
write_conf_raw 'this is { not a config'
req op=begin user=bob service=sshd
check eval '[ "$r1" = y ] && status_is ERROR'
write_conf 'limits = { sends_per_user = 64; global_sends_per_minute = 1000; global_sends_per_day = 10000; resend_cooldown = 0; };'

# inplace FILE OLD NEW: OLD becomes NEW (same length) in FILE, same inode
inplace() {
	/usr/bin/python3 - "$@" <<'EOF'
import sys
p, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
assert len(old) == len(new)
with open(p, "r+b") as f:
    d = f.read(); assert old in d; f.seek(0); f.write(d.replace(old, new, 1))
EOF
}
tid=service_config_edited_in_place_same_size_applies
sed -i 's/is the NEW text/is your %{service} login code/' "$CONF"
req op=begin user=bob service=sshd
r1=$(status_is SENT && tail -n 1 "$OUTBOX" | grep -q "is your sshd login code" && echo y)
ino=$(stat -c %i:%s "$CONF")
inplace "$CONF" "login code" "LOGIN CODE"
req op=begin user=bob service=sshd
check eval '[ "$r1" = y ] && [ "$(stat -c %i:%s "$CONF")" = "$ino" ] && status_is SENT &&
	tail -n 1 "$OUTBOX" | grep -q "is your sshd LOGIN CODE"'

tid=service_key_change_applies
req op=begin user=bob service=sshd
chal=$(sed -n 's/^challenge=//p' "$T/last.out")
c=$(code)
cp -p "$ETC/pam_smsotp.key" "$T/key.orig"
head -c 32 /dev/urandom >"$T/key.new"
cat "$T/key.new" >"$ETC/pam_smsotp.key"	# the same file, a new key
req op=verify user=bob "challenge=$chal" "code=$c"
r1=$(status_is BAD_CODE && echo y)
cat "$T/key.orig" >"$ETC/pam_smsotp.key"
req op=begin user=bob service=sshd
chal=$(sed -n 's/^challenge=//p' "$T/last.out")
req op=verify user=bob "challenge=$chal" "code=$(code)"
check eval '[ "$r1" = y ] && status_is OK'

tid=service_sigterm_stops_it
stop_service
check eval '[ "$svc_rc" -eq 0 ]'

# The service keeps /etc/passwd parsed: an account removed or added is
# what the next request sees (a name NSS does not know gets a decoy).
tid=service_account_changes_apply
userdel smsotpacct >/dev/null 2>&1
useradd --system --no-create-home --shell /usr/sbin/nologin smsotpacct
start_service
n0=$(outbox_lines)
req op=begin user=smsotpacct service=sshd
r1=$(status_is SENT && [ "$(outbox_lines)" -eq $((n0 + 1)) ] && echo y)
userdel smsotpacct
req op=begin user=smsotpacct service=sshd
r2=$(status_is SENT && [ "$(outbox_lines)" -eq $((n0 + 1)) ] && echo y)
useradd --system --no-create-home --shell /usr/sbin/nologin smsotpacct
req op=begin user=smsotpacct service=sshd
r3=$(status_is SENT && [ "$(outbox_lines)" -eq $((n0 + 2)) ] && echo y)
userdel smsotpacct
stop_service
echo "there=$r1 removed=$r2 added=$r3" >>"$T/last.out"
check eval '[ "$r1" = y ] && [ "$r2" = y ] && [ "$r3" = y ]'

# a slow gateway for bob: the bound on requests in flight
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"slow\"; type = \"command\"; argv = [ \"/bin/sh\", \"-c\", \"sleep 2\" ]; } );
routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; }, { prefix = \"+447700900456\"; gateways = [ \"slow\" ]; } );
limits = { sends_per_user = 64; global_sends_per_minute = 1000; global_sends_per_day = 10000; resend_cooldown = 0; };"
tid=service_bound_answers_error_at_once
mark
start_service --max-requests 1
$CLIENT "$SOCK" op=begin user=bob service=sshd >"$T/slow.out" 2>&1 &
slow=$!
sleep 0.5
t0=$(date +%s%N)
req op=begin user=alice service=sshd
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
r1=$(status_is ERROR && echo y)
wait $slow
{ cat "$T/slow.out"; echo "ms=$ms r1=$r1"; } >>"$T/last.out"
check eval '[ "$r1" = y ] && [ "$ms" -lt 500 ] && head -n 1 "$T/slow.out" | grep -qx status=SENT &&
	logged "1 requests in flight, the most --max-requests allows"'
stop_service

tid=service_binds_its_own_socket_without_systemd
write_conf 'limits = { sends_per_user = 64; global_sends_per_minute = 1000; global_sends_per_day = 10000; resend_cooldown = 0; };'
"$HELPER" --listen --socket "$T/own.sock" >"$T/own.out" 2>&1 &
own=$!
for _ in $(seq 100); do [ -S "$T/own.sock" ] && break; sleep 0.05; done
$CLIENT "$T/own.sock" op=begin user=alice service=sshd >"$T/last.out" 2>&1
mode=$(stat -c %a "$T/own.sock")
kill -TERM $own; wait $own; orc=$?
check eval 'status_is SENT && [ "$mode" = 666 ] && [ $orc -eq 0 ]'

tid=service_refuses_bad_arguments
"$HELPER" --listen --max-requests 0 >"$T/last.out" 2>&1; r1=$?
"$HELPER" --listen --bogus >>"$T/last.out" 2>&1; r2=$?
check eval '[ $r1 -ne 0 ] && [ $r2 -ne 0 ] && grep -q "max-requests takes 1 to" "$T/last.out"'

finish
