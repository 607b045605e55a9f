#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_twilio.sh - logins whose code goes through the twilio gateway to a local
# HTTPS mock of the Messages API (test CA), through the real PAM stack.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
SID=AC0123456789abcdef0123456789abcdef
TOKEN=test-auth-token-$$

"$HERE/mkcerts.sh" "$T/certs"
printf '%s\n' "$TOKEN" >"$ETC/pam_smsotp.twilio"
chgrp smsotp "$ETC/pam_smsotp.twilio"
chmod 0640 "$ETC/pam_smsotp.twilio"	# root:smsotp 0640: the service reads it too

pids=""
# mock NAME CERT [ARG...]: start a mock; sets PORT_<NAME>; its log is $T/NAME.log
mock() {
	: >"$T/$1.log"
	/usr/bin/python3 "$HERE/mock_gateway.py" --port 0 --cert "$T/certs/$2.pem" \
		--key "$T/certs/$2.key" --log "$T/$1.log" --twilio-token "$TOKEN" \
		"${@:3}" >"$T/$1.out" 2>"$T/$1.err" &
	pids="$pids $!"
	for _ in $(seq 100); do grep -q '^READY' "$T/$1.out" && break; sleep 0.05; done
	eval "PORT_$1=$(awk '/^READY/ {print $2}' "$T/$1.out")"
}
stop_mocks() { for p in $pids; do kill "$p" 2>/dev/null; done; wait $pids 2>/dev/null; cleanup_lib; }
trap stop_mocks EXIT
mock good good
mock keep good --keep-alive
mock wrong wronghost
mock self self

# twilio_conf PORT [CA]: the contract's twilio gateway pointed at the mock
twilio_conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; default_country = \"44\"; };
limits = { resend_cooldown = 30; };
gateways = (
  { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"twilio\"; type = \"twilio\"; account_sid = \"$SID\";
    auth_token_file = \"$ETC/pam_smsotp.twilio\"; from = \"+15005550006\";
    base_url = \"https://127.0.0.1:$1\"; ca_file = \"${2:-$T/certs/ca.pem}\";
    connect_timeout = 3; timeout = 10; }
);
routes = ( { prefix = \"+\"; gateways = [ \"twilio\" ]; } );"
}
# the code from the last request the mock NAME received
code_cmd() {
	echo "/usr/bin/python3 -c 'import json,re,sys; l=[json.loads(x) for x in open(sys.argv[1])]; print(re.search(r\"[0-9]{6}\", l[-1][\"form\"][\"Body\"]).group(0))' '$T/$1.log'"
}

users "alice +447700900123"
service smsotp
reset_state

tid=twilio_login
twilio_conf "$PORT_good"
SMSOTP_CODE_CMD=$(code_cmd good) login smsotp alice code
check eval 'result_is "$OK" && [ "$(outbox_lines)" -eq 0 ]'

tid=twilio_request_shape
check /usr/bin/python3 - "$T/good.log" "$SID" "$TOKEN" <<'PY'
import base64, json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 1, reqs
r = reqs[0]
assert r["method"] == "POST", r
assert r["path"] == "/2010-04-01/Accounts/%s/Messages.json" % sys.argv[2], r
auth = r["headers"].get("Authorization") or r["headers"].get("authorization")
assert auth == "Basic " + base64.b64encode(("%s:%s" % (sys.argv[2], sys.argv[3])).encode()).decode(), auth
f = r["form"]
assert f["To"] == "+447700900123", f
assert f["From"] == "+15005550006", f
assert re.fullmatch(r"[0-9]{6} is your smsotp login code for .+\. It expires in 5 minutes\.", f["Body"]), f
ua = r["headers"].get("User-Agent") or r["headers"].get("user-agent")
assert ua.startswith("pam_smsotp/"), ua
PY

tid=twilio_send_logged_without_code
check eval 'grep -q "send gateway=twilio type=twilio to=+44•••••••123 outcome=sent detail=\"SM[0-9a-f]\{32\}\"" "$SYSLOG" &&
	! grep -q "$TOKEN" "$SYSLOG"'

tid=twilio_wrong_host_nothing_sent
reset_state
twilio_conf "$PORT_wrong"
SMSOTP_CODE_CMD=false login smsotp alice "="	# no backup code typed
check eval 'result_is "$UNAVAIL" && [ ! -s "$T/wrong.log" ]'

tid=twilio_self_signed_nothing_sent
reset_state
twilio_conf "$PORT_self"
SMSOTP_CODE_CMD=false login smsotp alice "="
check eval 'result_is "$UNAVAIL" && [ ! -s "$T/self.log" ]'

tid=twilio_system_ca_refuses_test_ca
reset_state
before=$(wc -l <"$T/good.log")
twilio_conf "$PORT_good" /etc/ssl/certs/ca-certificates.crt
SMSOTP_CODE_CMD=false login smsotp alice "="
check eval 'result_is "$UNAVAIL" && [ "$(wc -l <"$T/good.log")" -eq "$before" ]'

tid=twilio_invalid_number_fails
reset_state
users "alice +15005550001"
twilio_conf "$PORT_good"
SMSOTP_CODE_CMD=false login smsotp alice
check eval 'result_is "$UNAVAIL" && grep -q "outcome=permanent failure detail=\"twilio error 21211\"" "$SYSLOG"'

tid=twilio_unreachable_safe_ignores
reset_state
users "alice +447700900123"
twilio_conf 1
service smsotp-safe failmode=safe
SMSOTP_CODE_CMD=false login smsotp-safe alice
check result_is "Permission denied"

# The resident service keeps the gateway's connection (and its TLS session
# and CA store) between sends; an exec'd helper cannot, and opens one per
# send. Three logins of three users to a mock that keeps connections open.
tid=twilio_warm_connection_${TRANSPORT:-exec}
reset_state
users "alice +447700900123" "bob +447700900456" "carol +447700900789"
twilio_conf "$PORT_keep"
for u in alice bob carol; do
	SMSOTP_CODE_CMD=$(code_cmd keep) login smsotp "$u" code
	result_is "$OK" || break
done
conns=$(/usr/bin/python3 -c 'import json,sys; print(len({json.loads(l)["conn"] for l in open(sys.argv[1])}))' "$T/keep.log")
want=3
[ "${TRANSPORT:-exec}" = socket ] && want=1
tid="$tid ($(wc -l <"$T/keep.log") sends on $conns connections)"
check eval 'result_is "$OK" && [ "$(wc -l <"$T/keep.log")" -eq 3 ] && [ "$conns" -eq "$want" ]'

tid=twilio_no_secret_in_state_or_logs
check eval '! grep -rqs "$TOKEN" "$STATE" "$SYSLOG"'

finish
