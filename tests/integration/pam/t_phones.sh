#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_phones.sh - the phone sources through a real PAM stack: a real slapd
# (StartTLS and LDAPS with a test CA, on 127.0.0.1) for phones.ldap, a
# program for phones.command, the passwd GECOS field for "gecos"; their
# order, and a failing source that stops the login (ERROR, nullok too).
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
AUTH_ERR="Authentication failure"
UNAVAIL="Authentication service cannot retrieve authentication info"
IGNORED="Permission denied"	# the only module of the stack said PAM_IGNORE
SLAPD=/usr/sbin/slapd
BASE="dc=example,dc=org"
BINDDN="cn=smsotp,ou=services,$BASE"
BINDPW="bind-pw-$$-secret"
PWFILE=$ETC/pam_smsotp.ldap
FILTER="(&(objectClass=inetOrgPerson)(uid=%u))"
# Names an unescaped filter would turn into alice's entry: \61 is "a" in a
# filter, and ")(" closes the uid assertion.
N1='\61lic*'
N2='alice)(objectClass=*'

free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
LP=$(free_port)
LPS=$(free_port)
L=$T/ldap
mkdir -p "$L/db" "$T/bin"
"$HERE/mkcerts.sh" "$T/certs"
slapd_pid=""
made_users=()
gecos_saved=$(getent passwd alice | cut -d: -f5)

start_slapd() {
	$SLAPD -d 0 -h "ldap://127.0.0.1:$LP/ ldaps://127.0.0.1:$LPS/" -f "$L/slapd.conf" >>"$L/slapd.out" 2>&1 &
	slapd_pid=$!
	for _ in $(seq 100); do
		LDAPCONF=/dev/null ldapsearch -x -H "ldap://127.0.0.1:$LP" -b "" -s base >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop_slapd() {
	[ -n "$slapd_pid" ] || return 0
	kill -CONT "$slapd_pid" 2>/dev/null
	kill -TERM "$slapd_pid" 2>/dev/null
	wait "$slapd_pid" 2>/dev/null
	slapd_pid=""
}
cleanup() {
	stop_slapd
	for u in "${made_users[@]}"; do userdel "$u" 2>/dev/null; done
	usermod -c "$gecos_saved" alice 2>/dev/null
	[ -s "$T/login.defs.saved" ] && cat "$T/login.defs.saved" >/etc/login.defs
	rm -f "$PWFILE"
	cleanup_lib
}
trap cleanup EXIT

# --- the directory -------------------------------------------------------
cat >"$L/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $L/slapd.pid
argsfile $L/slapd.args
TLSCACertificateFile $T/certs/ca.pem
TLSCertificateFile $T/certs/good.pem
TLSCertificateKeyFile $T/certs/good.key
database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw admin-$$
directory $L/db
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="$BINDDN" read by * none
CONF
person() {	# person OU UID [MOBILE [MORE LDIF LINE]]
	printf 'dn: uid=%s,ou=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' "$2" "$1" "$BASE" "$2" "$2" "$2"
	[ -n "${3:-}" ] && printf 'mobile: %s\n' "$3"
	[ -n "${4:-}" ] && printf '%s\n' "$4"
	echo
}
{
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n' "$BASE"
	printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
	printf 'dn: ou=staff,%s\nobjectClass: organizationalUnit\nou: staff\n\n' "$BASE"
	printf 'dn: ou=services,%s\nobjectClass: organizationalUnit\nou: services\n\n' "$BASE"
	printf 'dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: smsotp\nuserPassword: %s\n\n' "$BINDDN" "$BINDPW"
	person people alice "+44 7700 900555" "telephoneNumber: 07700 900444"
	person people bob			# an entry without mobile
	person people carol "call me maybe"	# not a number
	person people u01 "+447700900601"
	person staff u01 "+447700900602"	# two entries match u01
	person people u02 "+447700900702"
} >"$L/data.ldif"
slaptest -u -f "$L/slapd.conf" >"$T/last.out" 2>&1 && slapadd -f "$L/slapd.conf" -l "$L/data.ldif" >>"$T/last.out" 2>&1 ||
	{ cat "$T/last.out"; exit 1; }
start_slapd || { echo "slapd did not start"; cat "$L/slapd.out"; exit 1; }

printf '%s\n' "$BINDPW" >"$PWFILE"
chown root:smsotp "$PWFILE"
chmod 0640 "$PWFILE"
for u in "$N1" "$N2"; do
	getent passwd "$u" >/dev/null && continue
	useradd --badname --system --no-create-home --shell /usr/sbin/nologin "$u" && made_users+=("$u")
done

users "alice +447700900123" "bob 07700 900456" "carol +447700900789" "u01 +447700900600" \
	"$N1 +447700900111" "$N2 +447700900222"
service smsotp
service smsotp-nullok nullok

# ldap_conf [LDAP SETTINGS...]: sources ldap then file
ldap_conf() {
	local extra=""
	for l in "$@"; do extra="$extra $l"; done
	write_conf_raw "phones = { sources = [ \"ldap\", \"file\" ]; file = \"$USERS\"; default_country = \"44\";
  ldap = { base = \"$BASE\"; filter = \"$FILTER\"; bind_dn = \"$BINDDN\";
    bind_password_file = \"$PWFILE\"; timeout = 2;$extra }; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
}
STARTTLS="uri = \"ldap://127.0.0.1:$LP\"; starttls = true; ca_file = \"$T/certs/ca.pem\";"
LDAPS="uri = \"ldaps://127.0.0.1:$LPS\"; ca_file = \"$T/certs/ca.pem\";"
sent_to() { grep -q "	$1	" "$OUTBOX" 2>/dev/null; }
said() { grep -qF -- "$1" "$SYSLOG"; }

# --- LDAP ---------------------------------------------------------------
tid=ldap_starttls_number_from_mobile
reset_state
ldap_conf "$STARTTLS"
"$CTL" check-config >"$T/last.out" 2>&1 &&
	login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900555 && ! sent_to +447700900123'

tid=ldap_ldaps_number_from_mobile
reset_state
ldap_conf "$LDAPS"
login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900555'

# libldap reads "ldaprc" in the current directory (the caller's) when the
# effective uid is the real one: the helper has it read from / instead.
tid=ldap_callers_ldaprc_ignored
reset_state
mkdir -p "$T/cwd"
echo "SOCKET_BIND_ADDRESSES 203.0.113.7" >"$T/cwd/ldaprc"
(cd "$T/cwd" && LDAPCONF=/dev/null LDAPTLS_CACERT=$T/certs/ca.pem ldapsearch -x -H "ldaps://127.0.0.1:$LPS" \
	-D "$BINDDN" -w "$BINDPW" -b "$BASE" "(uid=alice)" mobile) >"$T/ldaprc.out" 2>&1
rc=$?	# the fixture: the file does break a client that reads it
(cd "$T/cwd" && login smsotp alice code)
check eval '[ $rc -ne 0 ] && result_is "$OK" && sent_to +447700900555'

tid=ldap_other_attribute_national_number
reset_state
ldap_conf "$LDAPS" "attribute = \"telephoneNumber\";"
login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900444'
ldap_conf "$LDAPS"

tid=ldap_no_attribute_next_source_answers
reset_state
login smsotp bob code
check eval 'result_is "$OK" && sent_to +447700900456'

tid=ldap_status_shows_the_number
"$CTL" status alice >"$T/last.out" 2>&1
check grep -q "^phone: *+44•••••••555$" "$T/last.out"

# The entries are such that an unescaped filter would match alice.
tid=fixture_unescaped_filters_would_match_alice
for u in "$N1" "$N2"; do
	f=${FILTER//%u/$u}
	LDAPCONF=/dev/null LDAPTLS_CACERT=$T/certs/ca.pem ldapsearch -LLL -ZZ -x -H "ldap://127.0.0.1:$LP" \
		-D "$BINDDN" -w "$BINDPW" -b "$BASE" "$f" mobile
done >"$T/last.out" 2>&1
check eval '[ "$(grep -c "^mobile: +44 7700 900555$" "$T/last.out")" -eq 2 ]'

# Escaped, they find nothing (NONE): the users file answers for them.
for u in "$N1" "$N2"; do
	tid="ldap_escaped_name_matches_nobody ($u)"
	reset_state
	login smsotp "$u" code
	check eval 'result_is "$OK" && ! sent_to +447700900555 &&
		sent_to "$(grep -F -- "$u " "$USERS" | cut -d" " -f2)"'
done

tid=ldap_two_entries_error
reset_state
: >"$T/mark"
login smsotp u01 code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "more than one entry matches"'

tid=ldap_bad_number_error
reset_state
login smsotp carol code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "mobile: bad number" && ! said "call me maybe"'

tid=ldap_wrong_ca_refused_starttls
reset_state
ldap_conf "uri = \"ldap://127.0.0.1:$LP\"; starttls = true; ca_file = \"$T/certs/self.pem\";"
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "StartTLS"'

tid=ldap_wrong_ca_refused_ldaps
reset_state
ldap_conf "uri = \"ldaps://127.0.0.1:$LPS\"; ca_file = \"$T/certs/self.pem\";"
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "ldaps://127.0.0.1:$LPS: bind: Can'"'"'t contact LDAP server"'

tid=ldap_wrong_host_name_refused
reset_state
# the certificate names 127.0.0.1, ::1 and localhost, not 127.0.0.2
ldap_conf "uri = \"ldaps://127.0.0.2:$LPS\"; ca_file = \"$T/certs/ca.pem\";"
login smsotp alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "ldaps://127.0.0.2:$LPS: bind:"'

tid=ldap_bad_bind_password_error_never_logged
reset_state
printf 'wrong-%s\n' "$BINDPW" >"$PWFILE"
ldap_conf "$STARTTLS"
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "bind: Invalid credentials" && ! said "$BINDPW"'
printf '%s\n' "$BINDPW" >"$PWFILE"

tid=ldap_insecure_plain_on_loopback
reset_state
ldap_conf "uri = \"ldap://127.0.0.1:$LP\"; insecure = true;"
"$CTL" check-config >"$T/last.out" 2>&1 &&
	login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900555'

tid=ldap_hung_server_times_out
reset_state
ldap_conf "$STARTTLS"
kill -STOP "$slapd_pid"
t0=$(date +%s%N)
login smsotp-nullok alice code
t1=$(date +%s%N)
kill -CONT "$slapd_pid"
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 8000 ] && said "StartTLS: Timed out"'

# slapd down: ERROR, never a skip with nullok, never the users file.
tid=ldap_server_down_error
stop_slapd
reset_state
login smsotp alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "Can'"'"'t contact LDAP server"'

tid=ldap_server_down_nullok_no_skip
reset_state
login smsotp-nullok bob code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "user=bob: phone source ldap: ldap://127.0.0.1:$LP: StartTLS: Can"'
start_slapd

# --- check-config --------------------------------------------------------
tid=check_config_refuses_world_readable_bind_password
ldap_conf "$STARTTLS"
chmod 0644 "$PWFILE"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*$PWFILE" "$T/last.out"'

tid=check_config_refuses_group_writable_bind_password
chmod 0660 "$PWFILE"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*$PWFILE" "$T/last.out"'

tid=check_config_refuses_bind_password_of_another_owner
chmod 0640 "$PWFILE"
chown nobody "$PWFILE"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
chown root:smsotp "$PWFILE"
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*$PWFILE" "$T/last.out"'

tid=check_config_accepts_root_smsotp_0640
"$CTL" check-config >"$T/last.out" 2>&1
check grep -q "OK" "$T/last.out"

tid=check_config_refuses_plain_ldap
ldap_conf "uri = \"ldap://127.0.0.1:$LP\";"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*needs '"'"'starttls = true'"'"'" "$T/last.out"'

tid=check_config_refuses_insecure_off_loopback
ldap_conf "uri = \"ldap://ldap.example.org:$LP\"; insecure = true;"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*'"'"'insecure = true'"'"' is only allowed" "$T/last.out"'

tid=check_config_refuses_ldap_without_settings
write_conf_raw "phones = { sources = [ \"ldap\" ]; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:1: .*no '"'"'phones.ldap'"'"'" "$T/last.out"'

# --- the command source --------------------------------------------------
prog() {	# prog NAME BODY: a root-owned 0755 script in $T/bin
	printf '#!/bin/sh\n%s\n' "$2" >"$T/bin/$1"
	chmod 0755 "$T/bin/$1"
}
prog number 'case "$1" in alice) echo "07700 900321";; *) exit 0;; esac'
prog hang 'sleep 60'
prog garbage 'echo "no idea"'
prog fails 'echo +447700900321; exit 3'
# cmd_conf PROGRAM [TIMEOUT]: sources command then file
cmd_conf() {
	write_conf_raw "phones = { sources = [ \"command\", \"file\" ]; file = \"$USERS\"; default_country = \"44\";
  command = [ \"$T/bin/$1\", \"%u\" ]; command_timeout = ${2:-5}; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
}

tid=command_number_texted
reset_state
cmd_conf number
"$CTL" check-config >"$T/last.out" 2>&1 &&
	login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900321'

tid=command_no_output_next_source_answers
reset_state
login smsotp bob code
check eval 'result_is "$OK" && sent_to +447700900456'

tid=command_hang_killed_at_timeout
reset_state
cmd_conf hang 1
t0=$(date +%s%N)
login smsotp-nullok alice code
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "took $ms ms" >>"$T/last.out"
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && [ $ms -lt 4000 ] && said "still running after 1 s: killed" &&
	! pgrep -f "$T/bin/hang" >/dev/null'

tid=command_garbage_error
reset_state
cmd_conf garbage
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "garbage: bad number" && ! said "no idea"'

tid=command_failure_error
reset_state
cmd_conf fails
login smsotp alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "exit 3"'

tid=check_config_refuses_writable_command
chmod 0775 "$T/bin/number"
cmd_conf number
"$CTL" check-config >"$T/last.out" 2>&1
rc=$?
chmod 0755 "$T/bin/number"
check eval '[ $rc -ne 0 ] && grep -q "^$CONF:[0-9]*: .*writable by group or others" "$T/last.out"'

# --- an unprivileged caller (a screen locker), the setgid helper ---------
# Its helper (group smsotp) reads the root:smsotp 0640 password file, binds
# and finds the number; the command source runs for it too.
# (exec transport only, as t_unpriv.sh: the resident service writes an
# outbox the caller cannot read)
if [ "$TRANSPORT" = exec ]; then
	UD=$T/u02
	mkdir -p "$UD"
	chown u02 "$UD"	# its helper writes the outbox there
	chmod 0700 "$UD"
	chmod 0755 "$T" "$SMSOTP_SVCDIR"
	chmod 0644 "$SMSOTP_SVCDIR"/*
	prog u02phone 'echo "+44 7700 900703"'
	ulogin() {	# ulogin CONFIG_PHONES: u02 logs in as itself
		write_conf_raw "phones = { $1 };
	gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$UD/outbox\"; } );"
		runuser -u u02 -- env SMSOTP_SVCDIR="$SMSOTP_SVCDIR" SMSOTP_KEEP=/dev/null \
			SMSOTP_CODE_CMD="tail -n 1 '$UD/outbox' | cut -f 3 | grep -o '[0-9]\\{6\\}' | head -n 1" \
			"$HERE/login.exp" smsotp u02 code >"$T/last.out" 2>&1
	}
	tid=unprivileged_caller_ldap
	reset_state
	ulogin "sources = [ \"ldap\" ]; ldap = { $STARTTLS base = \"$BASE\"; bind_dn = \"$BINDDN\";
	  bind_password_file = \"$PWFILE\"; };"
	check eval '[ "$(stat -c %G:%a "$HELPER")" = "smsotp:2755" ] && result_is "$OK" && grep -q "	+447700900702	" "$UD/outbox"'

	tid=unprivileged_caller_command
	ulogin "sources = [ \"command\" ]; command = [ \"$T/bin/u02phone\" ];"
	check eval 'result_is "$OK" && grep -q "	+447700900703	" "$UD/outbox"'
fi

# --- GECOS ---------------------------------------------------------------
usermod -c "Alice,,+44 7700 900999," alice
users "bob 07700 900456"
tid=gecos_not_listed_never_used
reset_state
write_conf
login smsotp alice code
check eval '! result_is "$OK" && ! sent_to +447700900999 && [ "$(outbox_lines)" -eq 0 ]'

tid=gecos_listed_number_texted
reset_state
write_conf_raw "phones = { sources = [ \"file\", \"gecos\" ]; file = \"$USERS\"; default_country = \"44\"; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900999'

tid=check_config_warns_when_chfn_may_change_gecos
cp /etc/login.defs "$T/login.defs.saved"
grep -v '^CHFN_RESTRICT' "$T/login.defs.saved" >/etc/login.defs
echo "CHFN_RESTRICT rwh" >>/etc/login.defs
"$CTL" check-config >"$T/last.out" 2>&1
rc1=$?
w1=$(grep -c "CHFN_RESTRICT lets users change" "$T/last.out")
sed -i 's/^CHFN_RESTRICT rwh$/CHFN_RESTRICT rf/' /etc/login.defs
"$CTL" check-config >>"$T/last.out" 2>&1
rc2=$?
w2=$(grep -c "CHFN_RESTRICT lets users change" "$T/last.out")
cat "$T/login.defs.saved" >/etc/login.defs
check eval '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$w1" -eq 1 ] && [ "$w2" -eq 1 ] &&
	grep -q "^phone sources: file, gecos$" "$T/last.out"'

tid=gecos_home_phone_when_no_work_phone
reset_state
usermod -c "Alice,,,07700 900998" alice
login smsotp alice code
check eval 'result_is "$OK" && sent_to +447700900998'

tid=gecos_not_a_number_error
reset_state
usermod -c "Alice,,ring the bell," alice
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] && said "phone source gecos: passwd GECOS phone field: bad number" && ! said "ring the bell"'

tid=gecos_after_a_failing_source_never_used
reset_state
usermod -c "Alice,,+44 7700 900999," alice
write_conf_raw "phones = { sources = [ \"command\", \"gecos\" ]; default_country = \"44\";
  command = [ \"$T/bin/garbage\" ]; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
n0=$(grep -c "user=alice: phone source command: $T/bin/garbage" "$SYSLOG")
login smsotp-nullok alice code
check eval 'result_is "$UNAVAIL" && [ "$(outbox_lines)" -eq 0 ] &&
	[ "$(grep -c "user=alice: phone source command: $T/bin/garbage" "$SYSLOG")" -gt "$n0" ]'

finish
