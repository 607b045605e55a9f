#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_policy.sh - policy = { ... } through a real PAM stack: exempt and only
# groups, exempt networks (a root caller's literal PAM_RHOST only), a
# skipped service, a service's own text and failmode over the module's.
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
IGNORED="Permission denied"	# the only module of the stack said PAM_IGNORE
GRP=smsotpit-adm
made_grp=""
if ! getent group $GRP >/dev/null; then
	groupadd --system $GRP && made_grp=1
fi
gpasswd -a alice $GRP >/dev/null
cleanup_policy() {
	[ -n "$made_grp" ] && groupdel $GRP 2>/dev/null
	cleanup_lib
}
trap cleanup_policy EXIT

mark() { logmark=$(wc -l <"$SYSLOG" 2>/dev/null || echo 0); }
logged() { tail -n +$((logmark + 1)) "$SYSLOG" | grep -q -- "$1"; }
users "alice +447700900123" "bob +447700900456"
service smsotp
# a login that is asked: the prompt came and the text was sent
asked() { prompt_has "SMS code sent" && [ "$(outbox_lines)" -ge 1 ]; }
# a login that is not: PAM_IGNORE, no prompt, no text
skipped() { result_is "$IGNORED" && ! prompt_has "SMS code" && [ "$(outbox_lines)" -eq 0 ]; }

tid=exempt_group_member_skips
write_conf "policy = { exempt_groups = [ \"$GRP\" ]; };"
reset_state
mark
login smsotp alice
check eval 'skipped && logged "user=alice service=smsotp rhost=-: no code asked: policy: in exempt_groups ($GRP)" &&
	"$CTL" -c "$CONF" status alice | grep -q "skipped.*in exempt_groups"'

tid=exempt_group_non_member_asked
reset_state
login smsotp bob code
check eval 'result_is "$OK" && asked'

tid=only_groups_non_member_skips
write_conf "policy = { only_groups = [ \"$GRP\" ]; };"
reset_state
mark
login smsotp bob
check eval 'skipped && logged "user=bob service=smsotp rhost=-: no code asked: policy: not in only_groups"'

tid=only_groups_member_asked
reset_state
login smsotp alice code
check eval 'result_is "$OK" && asked'

# exempt_networks: a literal address in PAM_RHOST, from a root caller
write_conf 'policy = { exempt_networks = [ "192.0.2.0/24", "2001:db8::/32", "127.0.0.0/8" ]; };'
for rh in 192.0.2.7 2001:db8::7; do
	tid="exempt_network_root_caller_skips ($rh)"
	reset_state
	mark
	SMSOTP_RHOST=$rh login smsotp bob
	check eval 'skipped && logged "user=bob service=smsotp rhost=$rh: no code asked: policy: from exempt_networks ($rh)"'
done

tid=exempt_network_other_address_asked
reset_state
SMSOTP_RHOST=198.51.100.7 login smsotp bob code
check eval 'result_is "$OK" && asked'

# a name is never matched, not even one that resolves into a network
tid=exempt_network_host_name_asked
getent hosts localhost | grep -q '^127\.' || echo "NOTE: localhost does not resolve to 127.x here"
reset_state
SMSOTP_RHOST=localhost login smsotp bob code
check eval 'result_is "$OK" && asked'

# an unprivileged caller's rhost is a claim: never a skip
tid=exempt_network_unprivileged_claim_asked
reset_state
if [ "$TRANSPORT" = socket ]; then
	out=$(runuser -u bob -- /usr/bin/python3 "$HERE/sockclient.py" "$SOCK" op=begin user=bob service=sshd rhost=192.0.2.7)
	root=$(/usr/bin/python3 "$HERE/sockclient.py" "$SOCK" op=begin user=bob service=sshd rhost=192.0.2.7)
else
	out=$(printf 'op=begin\nuser=bob\nservice=sshd\nrhost=192.0.2.7\n' | runuser -u bob -- "$HELPER")
	root=$(printf 'op=begin\nuser=bob\nservice=sshd\nrhost=192.0.2.7\n' | "$HELPER")
fi
check eval 'echo "$out" | grep -qx "status=SENT" && [ "$(outbox_lines)" -eq 1 ] &&
	[ "$root" = "$(printf "status=SKIP\nreason=exempt-network")" ]'

# policy.services: a service skipped, its own text, its own failmode
tid=service_skip
write_conf 'policy = { services = { cron = { skip = true; }; sshd = { message = "%{code} opens your ssh login"; }; }; };'
service cron
service sshd
reset_state
mark
login cron alice
check eval 'skipped && logged "user=alice service=cron rhost=-: no code asked: policy: the service is skipped (cron)"'

tid=service_message
reset_state
login sshd alice code
check eval 'result_is "$OK" && grep -qE "	[0-9]{6} opens your ssh login$" "$OUTBOX"'

# the provider down: the configuration's failmode for the service wins
# over the module's failmode= (sudo says safe, sshd says nothing)
tid=service_failmode_over_module_argument
write_conf_raw "phones = { file = \"$USERS\"; };
gateways = ( { name = \"down\"; type = \"command\"; argv = [ \"/bin/sh\", \"-c\", \"exit 75\" ]; } );
policy = { services = { sudo = { failmode = \"secure\"; }; sshd = { failmode = \"safe\"; }; }; };"
service sudo failmode=safe
service sshd
service smsotp-safe failmode=safe
reset_state
login sudo alice "="	# secure: a backup code is asked for, none typed
r_sudo=$(grep RESULT "$T/last.out")
login sshd alice
r_sshd=$(grep RESULT "$T/last.out")
login smsotp-safe alice
r_safe=$(grep RESULT "$T/last.out")
check eval '[ "$r_sudo" = "RESULT: $UNAVAIL" ] && [ "$r_sshd" = "RESULT: $IGNORED" ] &&
	[ "$r_safe" = "RESULT: $IGNORED" ]'

# policy.grace_period: the same login is not asked again for a while
tid=grace_same_login_skips
write_conf 'policy = { grace_period = 600; services = { sudo = { grace_period = 0; }; }; };'
service sshd
service sudo
reset_state
SMSOTP_RHOST=192.0.2.7 login sshd alice code
first=$(grep RESULT "$T/last.out")
rm -f "$OUTBOX"
mark
SMSOTP_RHOST=192.0.2.7 login sshd alice
check eval '[ "$first" = "RESULT: $OK" ] && skipped &&
	logged "user=alice service=sshd rhost=192.0.2.7: no code asked: policy: within the grace period" &&
	"$CTL" -c "$CONF" --json status alice | grep -q "\"grace_logins\": 1"'

tid=grace_other_rhost_or_service_asked
rm -f "$OUTBOX"
SMSOTP_RHOST=192.0.2.8 login sshd alice code
r1=$(grep RESULT "$T/last.out")
SMSOTP_RHOST=192.0.2.7 login sudo alice code
r2=$(grep RESULT "$T/last.out")
check eval '[ "$r1" = "RESULT: $OK" ] && [ "$r2" = "RESULT: $OK" ] && [ "$(outbox_lines)" -eq 2 ]'

tid=grace_ends_with_reset
"$CTL" -c "$CONF" reset alice >/dev/null
rm -f "$OUTBOX"
SMSOTP_RHOST=192.0.2.7 login sshd alice code
check eval 'result_is "$OK" && asked'

tid=grace_ends_with_a_new_number
rm -f "$OUTBOX"
SMSOTP_RHOST=192.0.2.7 login sshd alice
skipped_before=$(skipped && echo yes)
"$CTL" -c "$CONF" set-phone alice +447700900777 >/dev/null
SMSOTP_RHOST=192.0.2.7 login sshd alice code
check eval '[ "$skipped_before" = yes ] && result_is "$OK" && grep -q "	+447700900777	" "$OUTBOX"'
"$CTL" -c "$CONF" set-phone alice +447700900123 >/dev/null

# audit: one line per outcome, with user, service and rhost, at its level
# (<86> info, <85> notice, <84> warning of authpriv), never a code
tid=audit_lines_at_their_levels
write_conf "limits = { lockout_after = 3; };" "policy = { exempt_groups = [ \"$GRP\" ]; };"
service sshd
reset_state
"$CTL" -c "$CONF" reset bob >/dev/null
mark
SMSOTP_RHOST=192.0.2.7 login sshd bob =000000 code
sent=$(tail -n 1 "$OUTBOX" | cut -f 3 | grep -o '[0-9]\{6\}' | head -n 1)
SMSOTP_RHOST=192.0.2.7 login sshd bob =000000 =000001 =000002
SMSOTP_RHOST=192.0.2.7 login sshd alice
"$CTL" -c "$CONF" backup-codes bob >"$T/codes" 2>&1
bc=$(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$T/codes" | head -n 1)
"$CTL" -c "$CONF" reset bob >/dev/null
write_conf "limits = { sends_per_user = 1; };"
SMSOTP_RHOST=192.0.2.7 login sshd bob code
SMSOTP_RHOST=192.0.2.7 login sshd bob "=$bc"
"$CTL" -c "$CONF" set-phone bob +447700900457 >/dev/null
aud() { tail -n +$((logmark + 1)) "$SYSLOG" | grep -qE "^<$1>.*: audit event=$2\$"; }
check eval 'aud 85 "failure user=bob service=sshd rhost=192.0.2.7 consecutive=1" &&
	aud 86 "success user=bob service=sshd rhost=192.0.2.7 method=sms" &&
	aud 85 "failure user=bob service=sshd rhost=192.0.2.7 consecutive=3 lockout=yes" &&
	aud 84 "lockout user=bob service=sshd rhost=192.0.2.7 seconds=900 count=1" &&
	aud 85 "skip user=alice service=sshd rhost=192.0.2.7 reason=exempt-group" &&
	aud 85 "success user=bob service=sshd rhost=192.0.2.7 method=backup-code" &&
	aud 85 "phone-change user=bob service=smsotpctl rhost=- number=\+44•••••••457 verified=no" &&
	[ -n "$sent" ] && ! tail -n +$((logmark + 1)) "$SYSLOG" | grep -q -e "$sent" -e "${bc%-*}"'
"$CTL" -c "$CONF" set-phone bob +447700900456 >/dev/null
"$CTL" -c "$CONF" reset bob >/dev/null
rm -f "$STATE"/b-*

tid=check_config_refuses_bad_policy
bad=0
for p in 'exempt_networks = [ "192.0.2.1/24" ];|no host bits set' \
	'exempt_networks = [ "bastion.example" ];|host names are never matched' \
	'exempt_groups = [ "a:b" ];|each entry must be a group name' \
	'services = { sudo = { failmode = "open"; }; };|must be "secure" or "safe"' \
	'services = { sudo = { message = "%{cod}"; }; };|policy.services.sudo.message' \
	'grace_period = 90000;|out of range 0..86400' \
	'services = { sudo = { grace_period = -1; }; };|sudo.grace_period. = -1 is out of range' \
	'colour = 1;|unknown setting .policy.colour.'; do
	write_conf "policy = { ${p%%|*} };"
	e=$("$CTL" -c "$CONF" check-config 2>&1 >/dev/null) && continue
	echo "$e" | grep -q "$CONF:5: .*${p#*|}" && bad=$((bad + 1))
done
write_conf
check eval '[ $bad -eq 8 ] && "$CTL" -c "$CONF" check-config >/dev/null 2>&1'

gpasswd -d alice $GRP >/dev/null 2>&1
finish
