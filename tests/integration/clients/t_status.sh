#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_status.sh - smsotpctl status USER says what the user's last logins came
# to and why, from the state: a code sent and accepted, a prompt without a
# text because of the send limit or the lockout, a skip and its rule, a
# failed send; with the service and a privileged caller's rhost (an
# unprivileged caller's claim is not noted); never a code. Through the
# installed module and helper (pamtester under pam_wrapper, as root).
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
AUTH_ERR="Authentication failure"
IGNORED="Permission denied"	# the only module of the stack said PAM_IGNORE
CTL_="$CTL -c $CONF"

users "alice +447700900123" "bob +33612345678"
service smsotp
service smsotp-nullok nullok
# bob's texts go to a gateway that is down (exit 75: try again later)
route_down='phones = { file = "'$USERS'"; default_country = "44"; };
gateways = ( { name = "demo"; type = "outbox"; path = "'$OUTBOX'"; },
  { name = "down"; type = "command"; argv = [ "/bin/sh", "-c", "exit 75" ]; } );
routes = ( { prefix = "+"; gateways = [ "demo" ]; }, { prefix = "+33"; gateways = [ "down" ]; } );'
write_conf 'limits = { resend_cooldown = 0; sends_per_user = 2; };'
reset_state
# last USER: the decision lines of smsotpctl status USER
last() { $CTL_ status "$1" | sed -n '/^last decisions:/,$p'; }
# djson USER EXPR: a Python expression over d, the user's JSON decisions,
# printed as JSON
djson() {
	$CTL_ --json status "$1" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["decisions"]
print(json.dumps(eval(sys.argv[1])))' "$2"
}

tid=status_no_decisions_yet
check eval 'last alice | grep -qx "last decisions: *none"'

tid=status_sent_then_accepted
login smsotp alice code
r=$(result_is "$OK" && echo y)
code=$(sh -c "$SMSOTP_CODE_CMD")
last alice >"$T/last.out"
check eval '[ "$r" = y ] && grep -q "Z code sent service=smsotp$" "$T/last.out" &&
	grep -q "Z code accepted service=smsotp$" "$T/last.out" &&
	[ "$(grep -c "Z " "$T/last.out")" -eq 2 ]'

tid=status_never_shows_the_code
{ $CTL_ status alice; $CTL_ --json status alice; } >"$T/last.out"
check eval '[ -n "$code" ] && ! grep -qw -- "$code" "$T/last.out" &&
	! grep -rqw -- "$code" "$STATE"/u-*'

tid=status_decoy_because_of_the_send_limit
reset_state
login smsotp alice =000000 =000000 =000000	# one text, three wrong codes
n0=$(outbox_lines)
login smsotp alice =000000	# the second text
login smsotp alice =000000	# over sends_per_user: a prompt, no text
r=$(prompt_has "SMS code" && echo y)
n1=$(outbox_lines)
last alice >"$T/last.out"
check eval '[ "$r" = y ] && [ "$n0" -eq 1 ] && [ "$n1" -eq 2 ] &&
	tail -n 2 "$T/last.out" | head -n 1 | grep -q "prompt, no code sent: send limit reached service=smsotp$"'

tid=status_json_decisions
check eval '[ "$(djson alice "[d[-2][k] for k in (\"decision\", \"reason\", \"service\", \"rhost\")]")" = \
	"[\"decoy\", \"send-limit\", \"smsotp\", null]" ] &&
	[ "$(djson alice "d[-1][\"text\"]")" = "\"wrong code: decoy challenge\"" ] &&
	[ "$(djson alice "len(d)")" -eq 8 ]'

tid=status_lockout_then_decoy
reset_state
write_conf 'limits = { resend_cooldown = 0; lockout_after = 2; };'
login smsotp alice =000000 =000001
login smsotp alice =000000
last alice >"$T/last.out"
check eval '[ "$(outbox_lines)" -eq 1 ] &&
	grep -q "Z wrong code service=smsotp$" "$T/last.out" &&
	grep -q "Z wrong code, locked out service=smsotp$" "$T/last.out" &&
	grep -q "Z prompt, no code sent: locked out service=smsotp$" "$T/last.out"'

tid=status_skip_and_its_rule
login smsotp-nullok carol
r=$(result_is "$IGNORED" && echo y)
last carol >"$T/last.out"
check eval '[ "$r" = y ] && grep -q "Z skipped: no phone number, nullok service=smsotp-nullok$" "$T/last.out"'

tid=status_gateway_down
reset_state
write_conf_raw "$route_down"
login smsotp bob code
last bob >"$T/last.out"
check eval '[ "$(outbox_lines)" -eq 0 ] && grep -q "Z send failed: gateway down service=smsotp$" "$T/last.out"'

tid=status_rhost_of_a_root_caller_only
reset_state
write_conf
helper_req op=begin user=alice service=sshd rhost=192.0.2.9 >/dev/null
printf '%s\n' op=begin user=alice rhost=203.0.113.5 | runuser -u alice -- "$HELPER" >/dev/null
last alice >"$T/last.out"
check eval 'grep -q "Z code sent service=sshd rhost=192.0.2.9$" "$T/last.out" &&
	grep -q " service=login$" "$T/last.out" && ! grep -q 203.0.113.5 "$T/last.out"'

tid=status_reset_clears_the_decisions
$CTL_ reset alice >/dev/null
check eval 'last alice | grep -qx "last decisions: *none"'

finish
