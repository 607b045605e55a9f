#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_hostile_env.sh - a hostile caller environment changes nothing: proxy
# variables, SSLKEYLOGFILE, CURL_CA_BUNDLE and SSL_CERT_FILE set for
# pamtester (so for the module, and for the helper if they leaked through)
# do not route the HTTPS request through a proxy listening on loopback,
# write no TLS key log and do not change which CA is trusted.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
VKEY=vkey-$$
VSECRET=vsecret-$$-$RANDOM

"$HERE/mkcerts.sh" "$T/certs"
printf '%s\n' "$VSECRET" >"$ETC/pam_smsotp.vonage"
chown root:smsotp "$ETC/pam_smsotp.vonage" 2>/dev/null || true
chmod 0640 "$ETC/pam_smsotp.vonage"

pids=""
stop_all() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_lib; }
trap stop_all EXIT
: >"$T/good.log"
/usr/bin/python3 "$HERE/mock_gateway.py" --port 0 --cert "$T/certs/good.pem" \
	--key "$T/certs/good.key" --log "$T/good.log" --vonage-key "$VKEY" \
	--vonage-secret "$VSECRET" >"$T/good.out" 2>"$T/good.err" &
pids="$pids $!"
# The "proxy": accepts, notes and closes every connection.
: >"$T/proxy.hits"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print("READY", s.getsockname()[1], flush=True)
while True:
    c, a = s.accept()
    with open(sys.argv[1], "a") as f:
        f.write("connection from %s:%d\n" % a)
    c.close()' "$T/proxy.hits" >"$T/proxy.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 100); do
	grep -q '^READY' "$T/good.out" && grep -q '^READY' "$T/proxy.out" && break
	sleep 0.05
done
PORT=$(awk '/^READY/ {print $2}' "$T/good.out")
PROXY=http://127.0.0.1:$(awk '/^READY/ {print $2}' "$T/proxy.out")

# vonage_conf [EXTRA]: the vonage gateway alone, against the mock.
vonage_conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; };
gateways = (
  { name = \"vonage-$$\"; type = \"vonage\"; api_key = \"$VKEY\";
    api_secret_file = \"$ETC/pam_smsotp.vonage\"; from = \"SMSOTP\";
    base_url = \"https://127.0.0.1:$PORT\"; connect_timeout = 2; timeout = 3; $1 }
);"
}
CODE_CMD="/usr/bin/python3 -c 'import json,re,sys; l=[json.loads(x) for x in open(sys.argv[1])]; print(re.search(r\"[0-9]{6}\", l[-1][\"form\"][\"text\"]).group(0))' '$T/good.log'"
# hostile CMD...: run CMD with every variable set against us.
hostile() {
	env -u no_proxy -u NO_PROXY http_proxy="$PROXY" HTTP_PROXY="$PROXY" \
		https_proxy="$PROXY" HTTPS_PROXY="$PROXY" all_proxy="$PROXY" ALL_PROXY="$PROXY" \
		SSLKEYLOGFILE="$T/keys.log" CURL_CA_BUNDLE="$T/certs/ca.pem" \
		SSL_CERT_FILE="$T/certs/ca.pem" CURL_HOME="$T" "$@"
}
lines() { wc -l <"$1"; }

users "alice +447700900123"
service smsotp
reset_state

tid=hostile_env_login_goes_direct
vonage_conf "ca_file = \"$T/certs/ca.pem\";"
SMSOTP_CODE_CMD=$CODE_CMD hostile "$HERE/login.exp" smsotp alice code >"$T/last.out" 2>&1
check eval 'result_is "$OK" && [ "$(lines "$T/good.log")" -eq 1 ] && [ ! -s "$T/proxy.hits" ] &&
	[ ! -e "$T/keys.log" ]'

tid=hostile_env_ca_bundle_ignored
# The system trust store does not know the test CA: CURL_CA_BUNDLE and
# SSL_CERT_FILE naming it must not make the mock trusted.
reset_state
vonage_conf ""
SMSOTP_CODE_CMD=false hostile "$HERE/login.exp" smsotp alice "=" >"$T/last.out" 2>&1	# no backup code
check eval 'result_is "$UNAVAIL" && [ "$(lines "$T/good.log")" -eq 1 ] && [ ! -s "$T/proxy.hits" ] &&
	[ ! -e "$T/keys.log" ]'

tid=hostile_env_reason_logged
check eval 'tail -n 200 "$SYSLOG" | grep -a "send gateway=vonage-$$ " | tail -n 1 | grep -q "outcome=temporary failure detail=\"SSL certificate problem"'

tid=control_configured_proxy_is_used
# Proves the listener sees a proxied request: the gateway's own 'proxy'.
reset_state
vonage_conf "ca_file = \"$T/certs/ca.pem\"; proxy = \"$PROXY\";"
SMSOTP_CODE_CMD=false login smsotp alice "="	# no backup code
check eval 'result_is "$UNAVAIL" && [ -s "$T/proxy.hits" ] && [ "$(lines "$T/good.log")" -eq 1 ]'

tid=key_and_code_locked_in_memory
# the key (32 bytes) and the code (11-byte buffer) are mlock'ed while held
# (out of swap), and a caller whose RLIMIT_MEMLOCK allows none still logs in
write_conf
reset_state
strace -f -qq -o "$T/mlock.trace" -e trace=mlock "$HELPER" <<<"$(printf 'op=begin\nuser=alice\nservice=login')" >"$T/mlock.out" 2>/dev/null
r0=$(prlimit --memlock=0 "$HELPER" <<<"$(printf 'op=begin\nuser=alice\nservice=login')" 2>/dev/null | head -n 1)
check eval 'grep -q "mlock(0x[0-9a-f]*, 32) *= 0" "$T/mlock.trace" && grep -q "mlock(0x[0-9a-f]*, 11) *= 0" "$T/mlock.trace" &&
	grep -q "^status=SENT" "$T/mlock.out" && [ "$r0" = status=SENT ]'

finish
