#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_transport.sh - the module's transport= through a real PAM stack
# (pamtester under pam_wrapper): socket and auto use the resident service
# when it is there, auto falls back to the exec'd helper when it is not
# (and socket fails closed); a socket owned by another user or a server
# whose peer is neither root nor _smsotp is refused, and says why; a
# service killed mid-request is ERROR with one text and no retry over
# exec; a stopped one ends in ERROR at the module's deadline; a caller
# under no_new_privs, which the setgid helper cannot serve, logs in
# through the socket.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"

users "alice +447700900123" "bob +447700900456" "u01 +447700900101"
write_conf 'limits = { resend_cooldown = 0; };'
reset_state
for m in socket auto exec; do
	{ echo "auth required $SO transport=$m"; echo "account required pam_permit.so"; } \
		>"$SMSOTP_SVCDIR/t-$m"
done
chmod 0644 "$SMSOTP_SVCDIR"/*
mark() { logmark=$(wc -l <"$SYSLOG" 2>/dev/null || echo 0); }
since() { tail -n +$((logmark + 1)) "$SYSLOG" | grep -q -- "$1"; }
# said TEXT: the module said TEXT (pam_wrapper shows its pam_syslog lines)
said() { grep -q -- "$1" "$T/last.out"; }
# by_service: the begin since the mark was the service's (its pid)
by_service() { since "smsotp-helper\[$svc_pid\]: begin user=$1"; }
by_exec() { tail -n +$((logmark + 1)) "$SYSLOG" | grep "smsotp-helper\[" | grep "begin user=$1" |
	grep -qv "smsotp-helper\[$svc_pid\]"; }

tid=transport_available
if ! command -v systemd-socket-activate setpriv >/dev/null || ! getent passwd _smsotp >/dev/null; then
	fail "needs systemd-socket-activate, setpriv and the user _smsotp"
	finish; exit 1
fi
pass

start_service
for m in socket auto; do
	tid="transport_${m}_uses_the_service"
	mark
	login t-$m alice code
	check eval 'result_is "$OK" && by_service alice && ! by_exec alice'
done

tid=transport_exec_never_uses_the_service
mark
login t-exec alice code
check eval 'result_is "$OK" && by_exec alice && ! by_service alice'

tid=transport_no_new_privs_caller_through_the_socket
# a screen locker under NoNewPrivileges=yes: the setgid bit does nothing,
# so the exec'd helper cannot read the configuration; the socket serves
UD=$T/u01
mkdir -p "$UD"
chown u01 "$UD"
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
nnp() {
	runuser -u u01 -- setpriv --no-new-privs env SMSOTP_SVCDIR="$SMSOTP_SVCDIR" \
		SMSOTP_KEEP=/dev/null SMSOTP_CODE_CMD="for i in \$(seq 50); do [ -s '$UD/code' ] && break; sleep 0.1; done; cat '$UD/code'" "$HERE/login.exp" "$@" \
		>"$T/last.out" 2>&1
}
reset_state
# the code reaches u01 the way a phone would: root copies it over
( for _ in $(seq 100); do
	c=$(sh -c "$SMSOTP_CODE_CMD" 2>/dev/null)
	[ -n "$c" ] && { echo "$c" >"$UD/code"; chown u01 "$UD/code"; break; }
	sleep 0.1
done ) &
copier=$!
nnp t-socket u01 code
r1=$(result_is "$OK" && echo y)
wait $copier
nnp t-exec u01 =000000
check eval '[ "$r1" = y ] && result_is "$UNAVAIL"'
write_conf 'limits = { resend_cooldown = 0; };'

tid=transport_stale_socket_auto_falls_back
stop_service
systemd-socket-activate -l "$SOCK" /bin/false >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
kill "$holder"; wait "$holder" 2>/dev/null	# the file stays, no one listens
mark
login t-auto alice code
r1=$(result_is "$OK" && by_exec alice && echo y)
login t-socket alice code
check eval '[ "$r1" = y ] && [ -S "$SOCK" ] && result_is "$UNAVAIL"'

tid=transport_no_socket_auto_falls_back_socket_fails_closed
rm -f "$SOCK"
mark
login t-auto alice code
r1=$(result_is "$OK" && echo y)
login t-socket alice code
check eval '[ "$r1" = y ] && result_is "$UNAVAIL" && said "transport=socket: $SOCK: no such socket"'

# fake SERVER_UID SOCKET_OWNER: a server run as SERVER_UID that answers
# OK to anything, its socket file then owned by SOCKET_OWNER
fake() {
	mkdir -p "$T/fake"
	chmod 0777 "$T/fake"
	rm -f "$T/fake/s" "$SOCK"
	setpriv --reuid "$1" --regid "$1" --clear-groups /usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept()
    try:
        c.recv(65536); c.sendall(b"status=OK\n")
    except OSError:
        pass
    c.close()
' "$T/fake/s" >/dev/null 2>&1 &
	fake_pid=$!
	for _ in $(seq 100); do [ -S "$T/fake/s" ] && break; sleep 0.05; done
	mv "$T/fake/s" "$SOCK"
	chown "$2" "$SOCK"
	chmod 0666 "$SOCK"
}
unfake() { kill "$fake_pid"; wait "$fake_pid" 2>/dev/null; rm -f "$SOCK"; }

for m in socket auto; do
	tid="transport_${m}_refuses_a_socket_owned_by_another_user"
	fake 65534 65534
	mark
	login t-$m alice code
	check eval 'result_is "$UNAVAIL" && said "socket $SOCK is owned by uid 65534, not root or _smsotp" && ! by_exec alice'
	unfake

	tid="transport_${m}_refuses_a_server_not_root_nor_smsotp"
	fake 65534 0
	mark
	login t-$m alice code
	check eval 'result_is "$UNAVAIL" && said "server peer uid 65534 is neither root nor _smsotp" &&
		! by_exec alice'
	unfake
done

# a slow gateway for bob: the text is written 1 s into the send
mkdir -p "$T/sent.d"
chmod 0777 "$T/sent.d"
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"slow\"; type = \"command\"; argv = [ \"/bin/sh\", \"-c\", \"sleep 1; echo text >>$T/sent.d/sent\" ]; } );
routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; }, { prefix = \"+447700900456\"; gateways = [ \"slow\" ]; } );"

tid=transport_service_killed_mid_request_one_text_no_retry
reset_state
start_service
login t-auto alice code	# the service is running now
mark
t0=$(date +%s)
login t-auto bob =000000 &
lp=$!
sleep 0.5
kill -KILL "$svc_pid"; wait "$svc_pid" 2>/dev/null
wait $lp
took=$(( $(date +%s) - t0 ))
sleep 1.5
check eval 'result_is "$UNAVAIL" && [ "$took" -le 5 ] && [ "$(wc -l <"$T/sent.d/sent")" -eq 1 ] &&
	! by_exec bob && said "connection closed without a reply"'
svc_pid=""
rm -f "$SOCK"

tid=transport_stopped_service_error_at_the_deadline
start_service
login t-auto alice code	# running
kill -STOP "$svc_pid"
t0=$(date +%s)
SMSOTP_DRIVER_TIMEOUT=70 login t-auto alice code
took=$(( $(date +%s) - t0 ))
kill -CONT "$svc_pid"
check eval 'result_is "$UNAVAIL" && [ "$took" -ge 38 ] && [ "$took" -le 50 ]'

finish
