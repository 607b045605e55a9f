#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_gateway_faults.sh - the fault matrix through the real PAM stack: a
# vonage (or twilio) primary meets each fault of the local HTTPS mock
# (selected by the destination number, or by a server instance or a
# setting), and the route fails over to a working secondary (the outbox,
# or a second mock API without faults). For each fault: the PAM result,
# the gateway that finally sent (from the helper's "send gateway=..."
# syslog lines) and the login's duration, which must stay within
# limits.send_deadline plus a margin.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
SID=AC0123456789abcdef0123456789abcdef
TOKEN=tw-token-$$
VKEY=vkey-$$
VSECRET=vsecret-$$-$RANDOM
DEADLINE=8		# limits.send_deadline of most cases
MARGIN=2		# pamtester, expect and helper start-up on a busy machine

"$HERE/mkcerts.sh" "$T/certs"
printf '%s\n' "$VSECRET" >"$ETC/pam_smsotp.vonage"
printf '%s\n' "$TOKEN" >"$ETC/pam_smsotp.twilio"
for f in "$ETC/pam_smsotp.vonage" "$ETC/pam_smsotp.twilio"; do
	chown root:smsotp "$f" 2>/dev/null || true
	chmod 0640 "$f"
done

pids=""
# mock NAME CERT [ARGS...]: start a mock; sets PORT_<NAME>; log $T/NAME.log
mock() {
	local name=$1 cert=$2
	shift 2
	: >"$T/$name.log"
	/usr/bin/python3 "$HERE/mock_gateway.py" --port 0 --cert "$T/certs/$cert.pem" \
		--key "$T/certs/$cert.key" --log "$T/$name.log" --twilio-token "$TOKEN" \
		--vonage-key "$VKEY" --vonage-secret "$VSECRET" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pids="$pids $!"
	for _ in $(seq 100); do grep -q '^READY' "$T/$name.out" && break; sleep 0.05; done
	eval "PORT_$name=$(awk '/^READY/ {print $2}' "$T/$name.out")"
}
stop_mocks() { for p in $pids; do kill "$p" 2>/dev/null; done; wait $pids 2>/dev/null; cleanup_lib; }
trap stop_mocks EXIT
mock good good
mock clean good --no-faults
mock wrong wronghost
mock self self
mock expired expired
# A port nobody listens on: bound, then closed.
CLOSED=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BADPIN="sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

# vonage PORT [EXTRA [TIMEOUT]]: a vonage primary's settings against a mock port
vonage() {
	echo "type = \"vonage\"; api_key = \"$VKEY\"; api_secret_file = \"$ETC/pam_smsotp.vonage\";
    from = \"SMSOTP\"; base_url = \"https://127.0.0.1:$1\"; ca_file = \"$T/certs/ca.pem\";
    connect_timeout = 2; timeout = ${3:-5}; ${2:-}"
}

# conf PRIMARY SECONDARY DEADLINE: primary gateway f$n-$$ with PRIMARY's
# settings, then SECONDARY ("box": the outbox, "clean": vonage on the mock
# without faults, "": none) on the route.
conf() {
	local sec=""
	case $2 in
	box) sec=", \"box-$$\"" ;;
	clean) sec=", \"clean-$$\"" ;;
	esac
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; };
limits = { send_deadline = $3; };
gateways = (
  { name = \"$PRIMARY\"; $1 },
  { name = \"box-$$\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"clean-$$\"; $(vonage "$PORT_clean") }
);
routes = ( { prefix = \"+\"; gateways = [ \"$PRIMARY\"$sec ]; } );"
}

# This run's "send gateway=" lines since mark_log, in $T/log.new.
log_mark=0
mark_log() { log_mark=$(stat -c %s "$SYSLOG" 2>/dev/null || echo 0); }
grab_log() {
	for _ in $(seq 20); do
		tail -c +$((log_mark + 1)) "$SYSLOG" | grep -a "send gateway=[a-z]*[0-9]*-$$ " >"$T/log.new"
		grep -q "$1" "$T/log.new" && return 0
		sleep 0.1
	done
	return 1
}

service smsotp
n=0
: >"$T/codes"	# every code sent, to look for in the log
# fault TID NUMBER PRIMARY SECONDARY WANT SENDER DETAIL [MIN MAX DEADLINE]
#   WANT ok|unavail; SENDER box|clean|none; DETAIL: grep -E pattern of the
#   primary's detail; the login takes MIN..MAX s (MAX: deadline + margin).
fault() {
	local name=$1 num=$2 prim=$3 sec=$4 want=$5 wsender=$6 wdetail=$7
	local min=${8:-0} dl=${10:-$DEADLINE} max=${9:-}
	[ -z "$max" ] && max=$((dl + MARGIN))
	n=$((n + 1))
	PRIMARY=f$n-$$
	conf "$prim" "$sec" "$dl"
	users "alice $num"
	reset_state
	mark_log
	local t0 t1 b0 c0 ok=1 why=""
	b0=$(outbox_lines)
	c0=$(wc -l <"$T/clean.log")
	t0=$(date +%s%N)
	if [ "$want" = ok ] && [ "$wsender" = clean ]; then
		SMSOTP_CODE_CMD="$(code_cmd clean)" login smsotp alice code
		sh -c "$(code_cmd clean)" >>"$T/codes"
	elif [ "$want" = ok ]; then
		login smsotp alice code
		sh -c "$SMSOTP_CODE_CMD" >>"$T/codes"
	else
		# a provider that is down asks for a backup code: none typed
		SMSOTP_CODE_CMD=false login smsotp alice "="
	fi
	t1=$(date +%s%N)
	dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	grab_log "send gateway=$PRIMARY "
	sender=$(sed -n 's/.*send gateway=\([^ ]*\) .* outcome=sent .*/\1/p' "$T/log.new" | head -n 1)
	pline=$(grep "send gateway=$PRIMARY " "$T/log.new" | head -n 1 | sed 's/.* outcome=//')
	tid=$name
	if [ "$want" = ok ]; then result_is "$OK" || { ok=0; why="not logged in"; }
	else result_is "$UNAVAIL" || { ok=0; why="not PAM_AUTHINFO_UNAVAIL"; }; fi
	case $wsender in
	box) [ "$sender" = "box-$$" ] && [ "$(outbox_lines)" -eq $((b0 + 1)) ] || { ok=0; why="$why; outbox did not send"; } ;;
	clean) [ "$sender" = "clean-$$" ] && [ "$(wc -l <"$T/clean.log")" -eq $((c0 + 1)) ] || { ok=0; why="$why; clean mock did not send"; } ;;
	none) [ -z "$sender" ] && [ "$(outbox_lines)" -eq "$b0" ] || { ok=0; why="$why; something sent"; } ;;
	esac
	echo "$pline" | grep -qE "$wdetail" || { ok=0; why="$why; primary: $pline"; }
	awk -v d="$dur" -v lo="$min" -v hi="$max" 'BEGIN { exit !(d >= lo && d <= hi) }' ||
		{ ok=0; why="$why; took ${dur}s, want $min..$max"; }
	if [ "$ok" = 1 ]; then pass; else fail "${why#; }"; fi
	echo "    $name: $(sed -n 's/^RESULT: //p' "$T/last.out" | tail -n 1); sent by ${sender:-nobody}; primary: ${pline%% ms=*}; ${dur} s"
}
code_cmd() {
	echo "/usr/bin/python3 -c 'import json,re,sys; l=[json.loads(x) for x in open(sys.argv[1])]; print(re.search(r\"[0-9]{6}\", l[-1][\"form\"][\"text\"]).group(0))' '$T/$1.log'"
}
TEMP="temporary failure detail="

fault refused_failover +447700900123 "$(vonage "$CLOSED")" box ok box "$TEMP\"Failed to connect.*" 0 4
fault blackhole_timeout_failover +15005550006 "$(vonage "$PORT_good")" box ok box "$TEMP\".*[Tt]imed? ?out" 4.9
fault trickle_timeout_failover +15005550009 "$(vonage "$PORT_good")" box ok box "$TEMP\".*[Tt]imed? ?out" 4.9
fault http429_failover +15005550003 "$(vonage "$PORT_good")" box ok box "$TEMP\"http 429 retry-after 7s\"" 0 4
fault http500_failover +15005550004 "$(vonage "$PORT_good")" box ok box "$TEMP\"http 500\"" 0 4
fault malformed_json_failover +15005550005 "$(vonage "$PORT_good")" box ok box "$TEMP\"bad reply \(http 200\)\"" 0 4
fault endless_body_failover +15005550007 "$(vonage "$PORT_good")" box ok box "$TEMP\"reply too large\"" 0 4
fault redirect_http_not_followed +15005550008 "$(vonage "$PORT_good")" box ok box "$TEMP\"http 302\"" 0 4
fault redirect_file_not_followed +15005550010 "$(vonage "$PORT_good")" box ok box "$TEMP\"http 302\"" 0 4
fault tls_self_signed_failover +447700900123 "$(vonage "$PORT_self")" box ok box "$TEMP\".*(SSL|certificate)" 0 4
fault tls_wrong_host_failover +447700900123 "$(vonage "$PORT_wrong")" box ok box "$TEMP\".*(SSL|certificate|name)" 0 4
fault tls_expired_failover +447700900123 "$(vonage "$PORT_expired")" box ok box "$TEMP\".*(SSL|certificate|expired)" 0 4
fault tls_wrong_pin_failover +447700900123 "$(vonage "$PORT_good" "pinned_public_key = \"$BADPIN\";")" box ok box "$TEMP\".*(SSL|pinned|public key)" 0 4
tid=tls_refusals_reached_no_server
check eval '[ ! -s "$T/self.log" ] && [ ! -s "$T/wrong.log" ] && [ ! -s "$T/expired.log" ] &&
	! grep -q "\"to\": \"447700900123\"" "$T/good.log"'
# Rejected credentials are the provider saying no: never "provider down".
fault vonage_bad_credentials_no_failover +447700900123 "$(vonage "$PORT_good" | sed "s|api_secret_file = \"[^\"]*\"|api_secret = \"wrong\"|")" box unavail none "permanent failure detail=\"vonage status 4 \(invalid credentials\)\"" 0 4
fault vonage_throttled_failover +15005550011 "$(vonage "$PORT_good")" box ok box "$TEMP\"vonage status 1 \(throttled\)\"" 0 4
fault vonage_bad_number_no_failover +15005550001 "$(vonage "$PORT_good")" box unavail none "permanent failure detail=\"vonage status 6 \(invalid message\)\"" 0 4
fault twilio_500_fails_over_to_vonage +15005550004 "type = \"twilio\"; account_sid = \"$SID\";
    auth_token_file = \"$ETC/pam_smsotp.twilio\"; from = \"+15005550006\";
    base_url = \"https://127.0.0.1:$PORT_good\"; ca_file = \"$T/certs/ca.pem\"; timeout = 5;" clean ok clean "$TEMP\"http 500 twilio error 20500\"" 0 4
fault deadline_bounds_blackhole +15005550006 "$(vonage "$PORT_good" "" 20)" "" unavail none "$TEMP\".*[Tt]imed? ?out" 3.8 "" 4

# Added latency of HTTPS: LAT_N (default 10) pairs of logins, one through
# the outbox alone and one through vonage alone against the loopback HTTPS
# mock, interleaved so that load on the machine hits both alike. Medians of
# the login wall times, of their pairwise differences, and of the attempt's
# ms from the helper's log lines.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# timed_login PRIMARY CODE_CMD: one login; prints its wall time in ms
timed_login() {
	local t0 t1
	PRIMARY=$1
	conf "$2" "" "$DEADLINE"
	reset_state
	t0=$(date +%s%N)
	SMSOTP_CODE_CMD=$3 login smsotp alice code
	t1=$(date +%s%N)
	result_is "$OK" || return 1
	sh -c "$3" >>"$T/codes"
	echo $(((t1 - t0) / 1000000))
}
# gw_ms NAME: median of the sent attempts' ms of gateway NAME since mark_log
gw_ms() { grep -a "send gateway=$1 .*outcome=sent" "$T/log.new" | sed 's/.* ms=\([0-9]*\).*/\1/' | median; }
# As cheap as the outbox's: no python start-up in the measured time.
LAT_CODE_CMD="tail -n 1 '$T/clean.log' | sed -n 's/.*\"text\": \"\\([0-9]\\{6\\}\\) .*/\\1/p'"
tid=latency_https_mock_vs_outbox
users "alice +447700900123"
mark_log
: >"$T/lat"
lat_ok=1
for i in $(seq "${LAT_N:-10}"); do
	a=$(timed_login "box$i-$$" "type = \"outbox\"; path = \"$OUTBOX\";" "$SMSOTP_CODE_CMD") || lat_ok=0
	b=$(timed_login "vonage$i-$$" "$(vonage "$PORT_clean")" "$LAT_CODE_CMD") || lat_ok=0
	[ "$lat_ok" = 1 ] || break
	echo "$a $b" >>"$T/lat"
done
if [ "$lat_ok" = 1 ] && grab_log "send gateway=vonage${LAT_N:-10}-$$ "; then
	ow=$(cut -d' ' -f1 "$T/lat" | median)
	hw=$(cut -d' ' -f2 "$T/lat" | median)
	dw=$(awk '{ print $2 - $1 }' "$T/lat" | median)
	og=$(gw_ms "box[0-9]*-$$")
	hg=$(gw_ms "vonage[0-9]*-$$")
	echo "    latency (medians of ${LAT_N:-10} interleaved pairs of logins): outbox ${ow} ms" \
		"(send ${og} ms), vonage over loopback HTTPS ${hw} ms (send ${hg} ms);" \
		"added: ${dw} ms per login, $((hg - og)) ms in the send"
	check [ $((hg - og)) -lt 1000 ]
else
	fail "a login of the latency run failed"
fi

tid=faults_no_secret_or_code_logged
grep -a "send gateway=[a-z]*[0-9]*-$$ " "$SYSLOG" | sed 's/.* detail=//' >"$T/mine.log"
check eval '[ "$(wc -l <"$T/codes")" -ge 10 ] && ! grep -aq -e "$VSECRET" -e "$TOKEN" "$SYSLOG" &&
	! grep -aqwFf "$T/codes" "$T/mine.log"'

finish
