#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_ctl.sh - smsotpctl set-phone / remove-phone (atomic users file edits),
# backup-codes (accepted by the module at the SMS prompt, single use,
# counted like any try), status and locked with --json, index (the users
# file index, kept current by set-phone/remove-phone); through the
# installed module and helper (pamtester under pam_wrapper, as root).
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
AUTH_ERR="Authentication failure"
CTL_="$CTL -c $CONF"

users "# test phones" "alice +447700900123" "" "  bob 07700 900456" "# end"
chmod 0640 "$USERS"
chgrp smsotp "$USERS" 2>/dev/null
write_conf 'limits = { resend_cooldown = 0; lockout_after = 4; };'
service smsotp
reset_state
rm -f "$STATE"/b-*
# logged TEXT: TEXT is in a syslog line written since the last mark
mark() { logmark=$(wc -l <"$SYSLOG" 2>/dev/null || echo 0); }
logged() { tail -n +$((logmark + 1)) "$SYSLOG" | grep -q -- "$1"; }
# jq-less JSON reading: jget KEY < JSON
jget() { /usr/bin/python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$1"; }

tid=set_phone_normalises_and_keeps_the_rest
before=$(stat -c %U:%G:%a "$USERS")
out=$($CTL_ set-phone carol "07700 900789" 2>&1); rc=$?
check eval '[ $rc -eq 0 ] && [ "$(cat "$USERS")" = "$(printf "%s\n" "# test phones" \
	"alice +447700900123" "" "  bob 07700 900456" "# end" "carol +447700900789")" ] &&
	[ "$(stat -c %U:%G:%a "$USERS")" = "$before" ] && ! ls -A "$(dirname "$USERS")" | grep -q smsotpctl'

tid=set_phone_replaces_in_place
$CTL_ set-phone bob +33612345678 >"$T/last.out" 2>&1
check eval '[ "$(sed -n 4p "$USERS")" = "bob +33612345678" ] && [ "$(wc -l <"$USERS")" -eq 6 ]'

tid=set_phone_bad_number_refused
sum=$(md5sum <"$USERS")
$CTL_ set-phone carol "12ab" >"$T/last.out" 2>&1; rc=$?
check eval '[ $rc -eq 1 ] && grep -q "not a usable number" "$T/last.out" && [ "$(md5sum <"$USERS")" = "$sum" ]'

tid=set_phone_bad_user_refused
$CTL_ set-phone "a b" +447700900111 >"$T/last.out" 2>&1; rc=$?
check eval '[ $rc -eq 1 ] && [ "$(md5sum <"$USERS")" = "$sum" ]'

tid=set_phone_used_by_next_login
$CTL_ set-phone alice +447700900999 >/dev/null
login smsotp alice code
check eval 'result_is "$OK" && grep -q "	+447700900999	" "$OUTBOX"'

tid=remove_phone
$CTL_ remove-phone carol >"$T/last.out" 2>&1; rc=$?
check eval '[ $rc -eq 0 ] && ! grep -q "^carol " "$USERS" && grep -q "^# end$" "$USERS"'

tid=remove_phone_missing_user
$CTL_ remove-phone carol >"$T/last.out" 2>&1; rc=$?
check eval '[ $rc -eq 1 ] && grep -q "has no number" "$T/last.out"'

tid=removed_phone_no_login
$CTL_ remove-phone alice >/dev/null
reset_state
login smsotp alice =123456
check eval '! result_is "$OK" && [ "$(outbox_lines)" -eq 0 ]'
$CTL_ set-phone alice +447700900123 >/dev/null

tid=set_phone_symlink_refused
cp -p "$USERS" "$T/users.real"
mv "$USERS" "$USERS.keep"
ln -s "$T/users.real" "$USERS"
$CTL_ set-phone dave +447700900444 >"$T/last.out" 2>&1; rc=$?
# (refused by the config check or by the editor: either way untouched)
check eval '[ $rc -eq 1 ] && ! grep -q dave "$T/users.real" && [ -L "$USERS" ]'
rm -f "$USERS"
mv "$USERS.keep" "$USERS"

tid=backup_codes_printed_once_hashed
$CTL_ backup-codes alice >"$T/codes" 2>&1; rc=$?
mapfile -t C < <(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$T/codes")
bfile=$(ls "$STATE"/b-* 2>/dev/null | head -n 1)
check eval '[ $rc -eq 0 ] && [ ${#C[@]} -eq 10 ] && [ -n "$bfile" ] &&
	[ "$(stat -c %U:%G:%a "$bfile")" = "root:smsotp:660" ] &&
	! grep -q -e "${C[0]%-*}" -e "${C[0]#*-}" -e "${C[0]/-/}" "$bfile"'

tid=status_shows_backup_codes_left
check eval '$CTL_ status alice | grep -q "^backup codes: *10 left$"'

tid=backup_code_logs_in
reset_state
mark
login smsotp alice "=${C[0]}"
check eval 'result_is "$OK" && $CTL_ status alice | grep -q "^backup codes: *9 left$" &&
	logged "user=alice: backup code used (9 left)"'

tid=backup_code_single_use
reset_state
login smsotp alice "=${C[0]}" "=${C[0]}" "=${C[0]}"
check eval 'result_is "$AUTH_ERR" && [ "$(grep -c "^INFO: Wrong code" "$T/last.out")" -eq 2 ]'

tid=backup_code_typed_with_space_or_digits_only
reset_state
login smsotp alice "=${C[1]/-/ }"
r1=$(result_is "$OK" && echo y)
login smsotp alice "=${C[2]/-/}"
check eval '[ "$r1" = y ] && result_is "$OK" && $CTL_ status alice | grep -q "^backup codes: *7 left$"'

tid=backup_wrong_code_counts_as_try
reset_state
login smsotp alice =0000000000 =1111111111 @abort
check eval '[ "$($CTL_ --json status alice | jget failures)" = 2 ] &&
	[ "$($CTL_ status --json alice | jget backup_codes_left)" = 7 ]'

tid=backup_code_refused_while_locked
login smsotp alice =2222222222 =3333333333
login smsotp alice "=${C[3]}"
check eval '! result_is "$OK" && [ "$($CTL_ --json status alice | jget locked)" = True ] &&
	[ "$($CTL_ --json status alice | jget backup_codes_left)" = 7 ]'

tid=locked_lists_user
out=$($CTL_ locked)
js=$($CTL_ locked --json)
check eval 'echo "$out" | grep -q "^alice	locked until .*(in [0-9]* s), lockout 1$" &&
	echo "$js" | /usr/bin/python3 -c "import json,sys; a=json.load(sys.stdin); assert [o[\"user\"] for o in a] == [\"alice\"] and a[0][\"corrupt\"] is False and a[0][\"seconds_left\"] > 0 and a[0][\"lockouts\"] == 1"'

tid=status_json_keys_stable
check eval '$CTL_ --json status alice | /usr/bin/python3 -c "import json,sys; o=json.load(sys.stdin); assert list(o) == \"user phone phone_error state state_error locked locked_until locked_until_iso failures lockout_after lockouts live_codes sends sends_per_user sends_window grace_logins backup_codes_left backup_codes_error decisions\".split(), list(o); assert o[\"phone\"] == \"+44•••••••123\" and o[\"state\"] == \"ok\" and o[\"lockout_after\"] == 4"'

tid=reset_unlocks_keeps_backup_codes
$CTL_ reset alice >/dev/null
login smsotp alice "=${C[3]}"
check eval 'result_is "$OK" && [ "$($CTL_ locked)" = "no user is locked" ] &&
	[ "$($CTL_ locked --json | tr -d " \n")" = "[]" ]'

tid=backup_codes_replace_old_set
$CTL_ backup-codes alice >"$T/codes2"
mapfile -t C2 < <(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$T/codes2")
reset_state
login smsotp alice "=${C[4]}" "=${C2[0]}"
check eval 'result_is "$OK" && [ "$(grep -c "^INFO: Wrong code" "$T/last.out")" -eq 1 ] &&
	$CTL_ status alice | grep -q "^backup codes: *9 left$"'

tid=corrupt_backup_file_refuses_codes
cp -p "$bfile" "$T/b.keep"
sed -i 's/^salt ./salt x/' "$bfile"
reset_state
mark
login smsotp alice "=${C2[1]}" @abort
check eval '$CTL_ status alice | grep -q "^backup codes: *CORRUPT" &&
	[ "$($CTL_ --json status alice | jget backup_codes_left)" = null ] &&
	logged "user=alice: backup codes unusable: .*corrupt"'
cp -p "$T/b.keep" "$bfile"

tid=status_json_corrupt_state
reset_state
name=$(basename "$bfile")
echo garbage >"$STATE/u-${name#b-}"
js=$($CTL_ --json status alice)
check eval '[ "$(echo "$js" | jget state)" = corrupt ] && [ "$(echo "$js" | jget locked)" = True ] &&
	[ "$(echo "$js" | jget failures)" = null ] && $CTL_ locked --json | grep -q "\"corrupt\": true"'
reset_state

# the users index (USERS.cdb): used at login, kept current by
# set-phone, stale after a hand edit (logins still work, one notice)
tid=index_then_login
rm -f "$USERS.cdb"
iout=$($CTL_ index 2>&1); irc=$?
reset_state
mark
login smsotp alice code
check eval '[ $irc -eq 0 ] && [ "$iout" = "$USERS.cdb: 2 users indexed" ] &&
	[ "$(stat -c %U:%G:%a "$USERS.cdb")" = "$(stat -c %U:%G:%a "$USERS")" ] &&
	result_is "$OK" && grep -q "	+447700900123	" "$OUTBOX" && ! logged "users index" &&
	$CTL_ check-config 2>&1 | grep -q "^users index $USERS.cdb: up to date$"'

tid=index_kept_current_by_set_phone
sout=$($CTL_ set-phone alice +447700900888 2>&1); src=$?
reset_state
mark
login smsotp alice code
check eval '[ $src -eq 0 ] && echo "$sout" | grep -q "^$USERS.cdb: 2 users indexed$" &&
	result_is "$OK" && grep -q "	+447700900888	" "$OUTBOX" && ! logged "users index" &&
	[ -z "$($CTL_ check-config 2>&1 >/dev/null)" ]'

tid=index_stale_after_hand_edit
echo "carol 07700 900321" >>"$USERS"
reset_state
mark
login smsotp carol code
cc_err=$($CTL_ check-config 2>&1 >/dev/null); ccrc=$?
check eval 'result_is "$OK" && grep -q "	+447700900321	" "$OUTBOX" &&
	logged "users index $USERS.cdb is out of date: run .smsotpctl index." &&
	[ $ccrc -eq 0 ] && echo "$cc_err" | grep -q "warning: users index $USERS.cdb is out of date"'

tid=index_rebuilt_and_remove_phone
$CTL_ index >/dev/null
$CTL_ remove-phone carol >"$T/rm.out" 2>&1
reset_state
mark
login smsotp carol =123456
check eval 'grep -q "^$USERS.cdb: 2 users indexed$" "$T/rm.out" && ! result_is "$OK" &&
	[ "$(outbox_lines)" -eq 0 ] && ! logged "users index"'

tid=set_phone_without_index_makes_none
rm -f "$USERS.cdb"
$CTL_ set-phone alice +447700900123 >"$T/sp.out" 2>&1
check eval '[ ! -e "$USERS.cdb" ] && ! grep -q "indexed" "$T/sp.out"'

tid=usage_errors
$CTL_ backup-codes >/dev/null 2>&1; r1=$?
$CTL_ set-phone alice >/dev/null 2>&1; r2=$?
$CTL_ locked extra >/dev/null 2>&1; r3=$?
check eval '[ $r1 -eq 2 ] && [ $r2 -eq 2 ] && [ $r3 -eq 2 ]'

tid=check_config_warns_users_file_readable_by_others
chmod 0644 "$USERS"
w644=$($CTL_ check-config 2>&1 >/dev/null); rc644=$?
chgrp smsotp "$USERS" && chmod 0640 "$USERS"
w640=$($CTL_ check-config 2>&1 >/dev/null)
check eval '[ $rc644 -eq 0 ] && echo "$w644" | grep -q "warning: $USERS is readable by every local user (mode 0644)" &&
	! echo "$w640" | grep -q "readable by every local user"'

# set-phone --verify: bound only once the code texted to the new number is
# typed back; the old number gets a notice
code_to() { grep "	$1	" "$OUTBOX" | tail -n 1 | cut -f 3 | grep -o '^[0-9]\{6\}'; }
tid=set_phone_verify_binds_after_the_code
$CTL_ set-phone alice +447700900123 >/dev/null
rm -f "$OUTBOX" "$T/vp"
mkfifo "$T/vp"
mark
$CTL_ set-phone alice +447700900555 --verify <"$T/vp" >"$T/vp.out" 2>&1 &
vpid=$!
exec 7>"$T/vp"
for _ in $(seq 100); do [ -n "$(code_to +447700900555)" ] && break; sleep 0.05; done
before=$(grep -c "^alice +447700900555" "$USERS")
echo 000000 >&7
sleep 0.2
mid=$(grep -c "^alice +447700900555" "$USERS")
code_to +447700900555 >&7
exec 7>&-
wait $vpid; vrc=$?
check eval '[ $vrc -eq 0 ] && [ "$before" -eq 0 ] && [ "$mid" -eq 0 ] &&
	grep -q "^alice +447700900555$" "$USERS" && grep -q "wrong code" "$T/vp.out" &&
	grep -q "	+447700900123	The phone number for alice on .* was changed" "$OUTBOX" &&
	logged "audit event=phone-change user=alice service=smsotpctl rhost=- number=+44•••••••555 verified=yes" &&
	logged "notice of the change sent to the old number +44•••••••123" &&
	! grep -q "$(code_to +447700900555)" "$SYSLOG"'

tid=set_phone_verify_wrong_codes_change_nothing
rm -f "$OUTBOX"
printf '000000\n000001\n000002\n' | $CTL_ set-phone alice +447700900666 --verify >"$T/vp.out" 2>&1; vrc=$?
check eval '[ $vrc -eq 1 ] && grep -q "^alice +447700900555$" "$USERS" && ! grep -q 900666 "$USERS" &&
	[ "$(grep -c "	+447700900666	" "$OUTBOX")" -eq 1 ] && ! grep -q "	+447700900555	" "$OUTBOX"'

tid=set_phone_verify_cancelled_changes_nothing
: | $CTL_ set-phone --verify alice +447700900777 >"$T/vp.out" 2>&1; vrc=$?
check eval '[ $vrc -eq 1 ] && grep -q cancelled "$T/vp.out" && ! grep -q 900777 "$USERS"'
$CTL_ set-phone alice +447700900123 >/dev/null

tid=check_config_refuses_nist_bounds
gw="gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
nist_ok=0
for c in "code = { length = 4; };|'code.length' = 4 is out of range 6..10 (NIST SP 800-63B-4: a code has at least 6 digits)" \
	"code = { ttl = 900; };|'code.ttl' = 900 is out of range 5..600 (NIST SP 800-63B-4: a code lives at most 10 minutes)" \
	"limits = { lockout_after = 500; };|'limits.lockout_after' = 500 is out of range 1..100 (NIST SP 800-63B-4: at most 100 failures before a lockout)"; do
	write_conf_raw "$gw
${c%%|*}"
	e=$($CTL_ check-config 2>&1 >/dev/null) && continue
	echo "$e" | grep -qF "$CONF:2: ${c#*|}" && nist_ok=$((nist_ok + 1))
done
write_conf
check eval '[ $nist_ok -eq 3 ] && $CTL_ check-config >/dev/null 2>&1'

rm -f "$STATE"/b-* "$USERS.cdb"
finish
