#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_kannel.sh - logins whose code goes through a real Kannel (bearerbox,
# smsbox and the fake SMS centre of kannel-extras, all on 127.0.0.1),
# through the real PAM stack; the code is read from what the fake SMS
# centre received.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
FAKESMSC=/usr/lib/kannel/test/fakesmsc
if [ ! -x /usr/sbin/bearerbox ] || [ ! -x /usr/sbin/smsbox ] || [ ! -x "$FAKESMSC" ]; then
	tid=kannel_installed
	fail "kannel and kannel-extras are not installed (scripts/deps.sh test)"
	finish
	exit 1
fi

K=$T/kannel
mkdir -p "$K"
read -r ADMIN_PORT SMSBOX_PORT SMSC_PORT SENDSMS_PORT < <(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
ADMIN_PW=adm-$$-$RANDOM
KUSER=smsotp
KPASS=kpass-$$-$RANDOM
GW=kannel-$$
sed -e "s|@DIR@|$K|g" -e "s/@ADMIN_PORT@/$ADMIN_PORT/" -e "s/@SMSBOX_PORT@/$SMSBOX_PORT/" \
	-e "s/@SMSC_PORT@/$SMSC_PORT/" -e "s/@SENDSMS_PORT@/$SENDSMS_PORT/" \
	-e "s/@ADMIN_PW@/$ADMIN_PW/" -e "s/@USER@/$KUSER/" -e "s/@PASS@/$KPASS/" \
	"$HERE/kannel/kannel.conf.in" >"$K/kannel.conf"

pids=""
stop_kannel() {
	[ -n "$pids" ] && curl -s -m 2 "http://127.0.0.1:$ADMIN_PORT/shutdown?password=$ADMIN_PW" >/dev/null 2>&1
	for _ in $(seq 50); do
		alive=""
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}
trap 'stop_kannel; cleanup_lib' EXIT

# Start order: bearerbox, the fake SMS centre (connects to bearerbox), smsbox.
(cd "$K" && exec /usr/sbin/bearerbox "$K/kannel.conf" >"$K/bearerbox.out" 2>&1) &
pids="$pids $!"
# fakesmsc and smsbox give up at once when bearerbox is not listening yet.
for _ in $(seq 50); do
	curl -s -m 1 -o /dev/null "http://127.0.0.1:$ADMIN_PORT/status.txt?password=$ADMIN_PW" && break
	sleep 0.1
done
"$FAKESMSC" -H 127.0.0.1 -r "$SMSC_PORT" -m 0 "0 0 text unused" >"$K/fakesmsc.out" 2>&1 &
pids="$pids $!"
(cd "$K" && exec /usr/sbin/smsbox "$K/kannel.conf" >"$K/smsbox.out" 2>&1) &
pids="$pids $!"
ready=0
for _ in $(seq 100); do
	st=$(curl -s -m 1 "http://127.0.0.1:$ADMIN_PORT/status.txt?password=$ADMIN_PW")
	if echo "$st" | grep -q 'FAKE:[0-9]* (online' && echo "$st" | grep -q 'smsbox:.*on-line' &&
		curl -s -m 1 -o /dev/null "http://127.0.0.1:$SENDSMS_PORT/"; then
		ready=1
		break
	fi
	sleep 0.1
done

tid=kannel_ready_on_loopback_only
listen=$(ss -ltn | awk -v a="$ADMIN_PORT" -v b="$SMSBOX_PORT" -v c="$SMSC_PORT" -v d="$SENDSMS_PORT" \
	'{ n = split($4, x, ":"); p = x[n]; if (p == a || p == b || p == c || p == d) print $4 }' | sort)
check eval '[ "$ready" = 1 ] && [ "$(echo "$listen" | wc -l)" -eq 4 ] && ! echo "$listen" | grep -qv "^127\.0\.0\.1:"'
if [ "$ready" != 1 ]; then
	tail -n 5 "$K"/*.out "$K"/*.log
	finish
	exit 1
fi

printf '%s\n' "$KPASS" >"$ETC/pam_smsotp.kannel"
chown root:smsotp "$ETC/pam_smsotp.kannel" 2>/dev/null || true
chmod 0640 "$ETC/pam_smsotp.kannel"

# kannel_conf: the kannel gateway alone on the route.
kannel_conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = (
  { name = \"$GW\"; type = \"kannel\";
    url = \"http://127.0.0.1:$SENDSMS_PORT/cgi-bin/sendsms\"; insecure_http = true;
    username = \"$KUSER\"; password_file = \"$ETC/pam_smsotp.kannel\";
    from = \"15005550006\"; smsc = \"fake\"; timeout = 5; }
);
routes = ( { prefix = \"+\"; gateways = [ \"$GW\" ]; } );"
}
# What the fake SMS centre printed: "Got message N: <from to text TEXT>".
export SMSOTP_CODE_CMD="sed -n 's/.*Got message [0-9]*: <[^ ]* [^ ]* text \\([0-9]\\{6\\}\\) .*/\\1/p' '$K/fakesmsc.out' | tail -n 1"
# new_log: the syslog lines written since the last call, in $T/log.new
log_mark=0
mark_log() { log_mark=$(stat -c %s "$SYSLOG" 2>/dev/null || echo 0); }
new_log() {
	for _ in $(seq 20); do
		tail -c +$((log_mark + 1)) "$SYSLOG" | grep -a "gateway=$GW " >"$T/log.new"
		grep -q "$1" "$T/log.new" && return 0
		sleep 0.1
	done
	return 1
}

users "alice +447700900123"
service smsotp
reset_state
kannel_conf

tid=kannel_login
mark_log
n0=$(grep -c "Got message" "$K/fakesmsc.out")
login smsotp alice code
check eval 'result_is "$OK" && [ "$(grep -c "Got message" "$K/fakesmsc.out")" -eq $((n0 + 1)) ] &&
	[ "$(outbox_lines)" -eq 0 ]'

tid=kannel_message_as_received
check grep -qE "Got message [0-9]+: <15005550006 \+447700900123 text [0-9]{6} is your smsotp login code for .+\. It expires in 5 minutes\.>" "$K/fakesmsc.out"

tid=kannel_send_logged
check new_log "send gateway=$GW type=kannel to=+44•••••••123 outcome=sent detail=\"http 202 0: Accepted for delivery\" ms=[0-9]"

tid=kannel_wrong_password_denied
reset_state
mark_log
printf '%s\n' "not-$KPASS" >"$ETC/pam_smsotp.kannel"
n0=$(grep -c "Got message" "$K/fakesmsc.out")
SMSOTP_CODE_CMD=false login smsotp alice
check eval 'result_is "$UNAVAIL" && [ "$(grep -c "Got message" "$K/fakesmsc.out")" -eq "$n0" ]'

tid=kannel_wrong_password_logged
check new_log "send gateway=$GW type=kannel to=+44•••••••123 outcome=permanent failure detail=\"http 403 Authorization failed for sendsms\""

tid=kannel_no_secret_or_code_in_logs
check eval '! grep -aq -e "$KPASS" -e "$ADMIN_PW" "$SYSLOG" && ! grep -aqE "detail=\"[^\"]*[0-9]{6}" "$T/log.new"'

tid=kannel_stops_by_pid
stop_kannel
check eval '! ss -ltn | grep -qE ":($ADMIN_PORT|$SMSBOX_PORT|$SMSC_PORT|$SENDSMS_PORT)\b"'

finish
