#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_core.sh - the core flows through a real PAM stack (pamtester under
# pam_wrapper, as root) against the installed module and helper.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
AUTH_ERR="Authentication failure"
UNAVAIL="Authentication service cannot retrieve authentication info"
IGNORED="Permission denied"	# the only module of the stack said PAM_IGNORE

users "alice +447700900123" "bob 07700 900456" "# carol has no phone"
write_conf
service smsotp
reset_state

tid=right_code
login smsotp alice code
check result_is "$OK"

tid=prompt_shows_masked_number
check prompt_has "SMS code sent to +44•••••••123 (r to resend)"

tid=national_number_normalised
reset_state
login smsotp bob code && grep -q "	+447700900456	" "$OUTBOX"
check result_is "$OK"

tid=sms_text_from_template
check grep -qE "	[0-9]{6} is your smsotp login code for $(hostname). It expires in 5 minutes.$" "$OUTBOX"

tid=wrong_code_max_attempts
reset_state
login smsotp alice =000000 =111111 =222222
n=$(grep -c '^INFO: Wrong code' "$T/last.out")
check eval 'result_is "$AUTH_ERR" && [ "$n" -ge 2 ]'

tid=wrong_then_right
reset_state
login smsotp alice =12345 code
check result_is "$OK"

tid=expired_code
reset_state
write_conf 'limits = { resend_cooldown = 0; };'
sed -i 's/ttl = 300/ttl = 5/' "$CONF"
login smsotp alice @sleep6 code
check result_is "$AUTH_ERR"
write_conf

tid=replayed_code_new_login
reset_state
login smsotp alice @keep code
login smsotp alice kept kept kept
check result_is "$AUTH_ERR"

tid=code_from_other_challenge
reset_state
login smsotp alice @keep @abort
login smsotp alice kept kept kept
check result_is "$AUTH_ERR"

tid=resend_new_text_old_code_dead
reset_state
write_conf 'limits = { resend_cooldown = 0; };'
before=$(outbox_lines)
login smsotp alice @keep r kept code
after=$(outbox_lines)
check eval 'result_is "$OK" && [ $((after - before)) -eq 2 ] && grep -q "^INFO: Wrong code" "$T/last.out"'

tid=resend_cooldown
reset_state
write_conf 'limits = { resend_cooldown = 60; };'
login smsotp alice r code
check eval 'result_is "$OK" && grep -q "^INFO: Please wait" "$T/last.out" && [ "$(outbox_lines)" -eq 1 ]'
write_conf

tid=no_phone_fails
reset_state
write_conf 'reveal_status = true;'	# explicit answers; decoys: t_abuse.sh
login smsotp carol
check eval 'result_is "$AUTH_ERR" && [ "$(outbox_lines)" -eq 0 ]'

tid=no_phone_nullok_ignores
service smsotp-nullok nullok
login smsotp-nullok carol
check result_is "$IGNORED"

tid=unknown_user_fails
login smsotp nosuchuser =000000 =000000 =000000
check result_is "$AUTH_ERR"

# aliases of an enrolled account (another case, a domain suffix, a
# leading space) are not the account's name in NSS here: with nullok they
# are still asked for a code (a decoy: no text), never skipped, and their
# wrong codes do not count against alice
for alias in ALICE alice@example.com " alice"; do
	tid="alias_not_skipped_by_nullok ('$alias')"
	reset_state
	login smsotp-nullok "$alias" =000000 =000000 =000000
	check eval '! result_is "$IGNORED" && ! result_is "successfully authenticated" &&
		[ "$(outbox_lines)" -eq 0 ] && "$CTL" status alice | grep -q "^failures: *0"'
done

tid=unknown_user_never_skipped_by_nullok
# nullok is for known users without a number: a name NSS does not know
# gets the decoy prompt (and no text), never a skip
login smsotp-nullok nosuchuser =000000 =000000 =000000
check eval 'result_is "$AUTH_ERR" && prompt_has "SMS code sent"'

# the provider down (the gateway fails temporarily): failmode decides; a
# secure one asks for a backup code, and an empty answer gives up
tid=gateway_unreachable_secure
reset_state
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"down\"; type = \"command\"; argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );"
login smsotp alice "="
check eval 'result_is "$UNAVAIL" && prompt_has "No text could be sent. Backup code: " &&
	[ "$(failures alice)" -eq 0 ]'

tid=gateway_unreachable_safe
service smsotp-safe failmode=safe
login smsotp-safe alice
check result_is "$IGNORED"

# no text can be sent: a backup code is asked for instead, of users with
# codes and without alike (the same prompt), and logs in
tid=gateway_down_backup_code_logs_in
"$CTL" -c "$CONF" backup-codes alice >"$T/codes" 2>&1
mapfile -t BC < <(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$T/codes")
login smsotp alice "=${BC[0]}"
check eval 'result_is "$OK" && prompt_has "No text could be sent. Backup code: " &&
	! prompt_has "SMS code sent"'

tid=gateway_down_backup_prompt_same_without_codes
login smsotp bob "=${BC[1]}" "=${BC[1]}" "=${BC[1]}"
check eval 'result_is "$AUTH_ERR" && prompt_has "No text could be sent. Backup code: "'

tid=send_budget_drained_backup_code_logs_in
reset_state
write_conf "limits = { sends_per_user = 1; };"
login smsotp alice code
first=$(grep RESULT "$T/last.out")
n0=$(outbox_lines)
login smsotp alice "=${BC[2]}"
check eval '[ "$first" = "RESULT: $OK" ] && result_is "$OK" && prompt_has "SMS code sent" &&
	[ "$(outbox_lines)" -eq "$n0" ]'
"$CTL" -c "$CONF" reset alice >/dev/null
rm -f "$STATE"/b-*
write_conf_raw "phones = { file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"down\"; type = \"command\"; argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );"

# a local fault (the outbox's directory is missing) is never "gateway
# down": failmode=safe does not skip it
tid=local_fault_not_skipped_by_failmode_safe
reset_state
write_conf_raw "phones = { file = \"$USERS\"; };
gateways = ( { name = \"gone\"; type = \"outbox\"; path = \"$T/no/such/dir/outbox\"; } );"
login smsotp-safe alice
check result_is "$UNAVAIL"

tid=config_unknown_key_denied
reset_state
write_conf 'colour = "blue";'
login smsotp alice
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ]'

tid=config_unknown_key_logged_with_line
check grep -q "config: $CONF:5: unknown setting 'colour'" "$SYSLOG"

tid=check_config_reports_line
out=$("$CTL" -c "$CONF" check-config 2>&1)
rc=$?
check eval '[ $rc -eq 1 ] && echo "$out" | grep -qx "$CONF:5: unknown setting '"'"'colour'"'"'"'
write_conf

# the exec'd helper's own faults (the socket's: t_transport.sh)
if [ "$TRANSPORT" = exec ]; then
	tid=helper_missing
	mv "$HELPER" "$HELPER.away"
	login smsotp alice
	check result_is "$UNAVAIL"
	mv "$HELPER.away" "$HELPER"

	tid=helper_crash_is_failure
	cp -p "$HELPER" "$T/helper.real"
	printf '#!/bin/sh\nkill -SEGV $$\n' >"$HELPER"
	login smsotp alice
	check result_is "$UNAVAIL"
	cp -p "$T/helper.real" "$HELPER"
fi

tid=helper_replay_same_challenge
reset_state
reply=$(helper_req op=begin user=alice service=sshd)
chal=$(echo "$reply" | sed -n 's/^challenge=//p')
code=$(sh -c "$SMSOTP_CODE_CMD")
r1=$(helper_req op=verify user=alice "challenge=$chal" "code=$code"); s1=$?
r2=$(helper_req op=verify user=alice "challenge=$chal" "code=$code"); s2=$?
check eval '[ "$r1" = "status=OK" ] && [ $s1 -eq 0 ] && [ "$r2" = "status=EXPIRED" ] && [ $s2 -eq 4 ]'

tid=helper_rejects_unknown_key
out=$(helper_req op=begin user=alice evil=1); rc=$?
check eval '[ "$out" = "status=ERROR" ] && [ $rc -eq 9 ]'

tid=helper_refuses_terminal
out=$(script -qec "$HELPER" /dev/null </dev/null 2>&1); rc=$?
check eval 'echo "$out" | grep -q "not by hand"'

tid=smsotpctl_status_and_reset
reset_state
login smsotp alice =000000 @abort
st=$("$CTL" -c "$CONF" status alice)
"$CTL" -c "$CONF" reset alice >/dev/null
st2=$("$CTL" -c "$CONF" status alice)
check eval 'echo "$st" | grep -q "^failures: *1 of 10" && echo "$st" | grep -q "^live code: *yes" &&
	echo "$st" | grep -q "^phone: *+44•••••••123" && echo "$st2" | grep -q "^failures: *0 of 10" &&
	echo "$st2" | grep -q "^live code: *no"'

tid=corrupt_state_denied
reset_state
write_conf 'reveal_status = true;'	# explicit answers; decoys: t_abuse.sh
login smsotp alice code >/dev/null
f=$(ls "$STATE"/u-* | grep -v '\.lock$' | head -n 1)
echo garbage >"$f"
login smsotp alice code
check eval 'result_is "$AUTH_ERR" && grep -q "state file is corrupt" "$SYSLOG" && "$CTL" -c "$CONF" status alice | grep -q CORRUPT'

tid=no_code_in_logs_or_state
codes=$(cut -f 3 "$OUTBOX" 2>/dev/null | grep -o '^[0-9]\{6\}' | sort -u)
leak=0
for c in $codes; do
	grep -rqs -- "$c" "$STATE"/u-* "$SYSLOG" && leak=1
done
check [ "$leak" -eq 0 ]

finish
