#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_rlimits.sh - the caller's resource limits and identity against the exec'd
# helper. Limits too low for the helper are a local fault: ERROR, so
# PAM_AUTHINFO_UNAVAIL even with failmode=safe (never a skip that looks like
# a gateway being down), with a log line naming the limit. A root caller's
# child gets sane limits and real uid 0, so the login works and every guess
# is counted. Root inside a user namespace, or without /proc, is an
# unprivileged caller. Real system users, real service files in /etc/pam.d,
# pamtester without pam_wrapper, a real su; a vonage mock on loopback (an
# HTTP gateway: libcurl is loaded only when it sends).
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
UNAVAIL="Authentication service cannot retrieve authentication info"
U1=smsotprl1		# the unprivileged caller
U2=smsotprl2		# another user: su's target
SVC=smsotp-rlimits
PAMSVC=/etc/pam.d/$SVC
VKEY=vkey-$$
VSECRET=vsecret-$$-$RANDOM
LOWAS=20971520		# ulimit -v 20480: libcurl cannot be mapped
LOW="--as=$LOWAS --nofile=16 --fsize=64 --nproc=8"
made=""
mpid=""

cleanup_rl() {
	rm -f "$PAMSVC"
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null
	for u in $made; do userdel "$u" 2>/dev/null; done
	cleanup_lib
}
trap cleanup_rl EXIT

tid=rlimits_prerequisites
if [ "$(id -u)" -ne 0 ] || ! command -v prlimit >/dev/null || ! command -v unshare >/dev/null ||
	! command -v pamtester >/dev/null || [ ! -u /usr/bin/su ]; then
	fail "needs root, prlimit, unshare, pamtester and su (scripts/deps.sh test)"
	finish
	exit 1
fi
pass
# Root without CAP_SYS_RESOURCE (some containers) cannot raise a hard limit:
# there a root caller's too-low hard limit is an ERROR too, never a skip.
if prlimit --as=1073741824:1073741824 sh -c 'ulimit -H -v unlimited' 2>/dev/null; then
	root_raises_hard=1
else
	root_raises_hard=0
	echo "# root cannot raise hard limits here: hard-limit cases expect ERROR"
fi
# soft LIMITS: the same prlimit options, each for the soft limit only
soft() { sed 's/\(=[0-9]*\)/\1:/g' <<<"$*"; }

for u in $U1 $U2; do
	if ! getent passwd $u >/dev/null; then
		useradd --system --no-create-home --home-dir / --shell /bin/sh $u && made="$made $u"
	fi
done
chmod 0755 "$T"

# The vonage mock, plain HTTP on loopback; each request is one line of $MLOG.
MLOG=$T/mock.log
: >"$MLOG"
/usr/bin/python3 "$HERE/mock_gateway.py" --http --port 0 --log "$MLOG" \
	--vonage-key "$VKEY" --vonage-secret "$VSECRET" >"$T/mock.out" 2>"$T/mock.err" &
mpid=$!
for _ in $(seq 100); do grep -q '^READY' "$T/mock.out" && break; sleep 0.05; done
PORT=$(awk '/^READY/ {print $2}' "$T/mock.out")

users "$U1 +447700900301" "$U2 +447700900302"
# conf [LIMITS]: the vonage gateway on the mock; generous send limits
conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your code\";
phones = { file = \"$USERS\"; };
limits = { sends_per_user = 64; sends_window = 60; resend_cooldown = 0; ${1:-} };
gateways = ( { name = \"v\"; type = \"vonage\"; api_key = \"$VKEY\";
    api_secret = \"$VSECRET\"; from = \"SMSOTP\"; insecure_http = true;
    base_url = \"http://127.0.0.1:$PORT\"; connect_timeout = 2; timeout = 5; } );"
}
conf
reset_state
# A password that was right, then the second factor: failmode=safe lets a
# PAM_IGNORE through, which is what a local fault must never become.
{
	echo "auth required pam_permit.so"
	echo "auth required $SO failmode=safe"
	echo "account required pam_permit.so"
} >"$PAMSVC"

sent() { wc -l <"$MLOG"; }
last_code() { tail -n 1 "$MLOG" | grep -o '"text": "[0-9]\{6\}' | grep -o '[0-9]\{6\}'; }
logpos=0
mark() { logpos=$(wc -c <"$SYSLOG"); }
# logged PATTERN: an extended regexp in the syslog since the last mark
logged() {
	local i
	for i in $(seq 20); do	# the sink may be a moment behind
		tail -c +$((logpos + 1)) "$SYSLOG" | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
prompts() { grep -o 'r to resend' "$T/last.out" 2>/dev/null | wc -l; }

# drive CMD ANSWER...: run CMD (a shell command line) in the background with
# its stdin on a FIFO and its output (through a pipe: RLIMIT_FSIZE does not
# apply) in $T/last.out; each ANSWER ("code":
# the latest code the mock got, "gwcode": the latest the command gateway
# got, "=TEXT": TEXT) is written once the next SMS prompt has shown (5 s at
# most), one line at a time. Sets $rc.
drive() {
	local cmd=$1 a n=0 pid
	shift
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	timeout 40 bash -o pipefail -c "($cmd) 2>&1 | cat" <"$T/fifo" >"$T/last.out" 2>&1 &
	pid=$!
	exec 8>"$T/fifo"
	for a in "$@"; do
		n=$((n + 1))
		for _ in $(seq 50); do
			[ "$(prompts)" -ge $n ] && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		case $a in	# a subshell: a refusal may close the pipe early
		code) (last_code >&8) 2>/dev/null ;;
		gwcode) (gw_code >&8) 2>/dev/null ;;
		=*) (printf '%s\n' "${a#=}" >&8) 2>/dev/null ;;
		esac
	done
	exec 8>&-
	wait $pid
	rc=$?
}

# pt AS TARGET LIMITS ANSWER...: pamtester on $SVC for TARGET, run by AS
# ("root", or a user through runuser) under `prlimit LIMITS` ("": none).
pt() {
	local as=$1 target=$2 lim=$3 run=exec
	shift 3
	[ "$as" != root ] && run="exec runuser -u $as --"
	[ -n "$lim" ] && run="$run prlimit $lim"
	drive "$run pamtester $SVC $target authenticate" "$@"
}

# --- an unprivileged caller (a screen locker) under limits too low for the
# helper: the module cannot raise a hard limit, the helper refuses to run.
for lim in "as:--as=$LOWAS:RLIMIT_AS" "nofile:--nofile=16:RLIMIT_NOFILE" \
	"fsize:--fsize=64:RLIMIT_FSIZE" "nproc:--nproc=8:RLIMIT_NPROC"; do
	IFS=: read -r name opt rname <<<"$lim"
	tid=unprivileged_low_${name}_is_error_not_skip
	reset_state
	before=$(sent)
	mark
	pt $U1 $U1 "$opt" code
	check eval '[ $rc -ne 0 ] && grep -qF "$UNAVAIL" "$T/last.out" &&
		! grep -qF "$OK" "$T/last.out" && [ "$(prompts)" -eq 0 ] &&
		[ "$(sent)" -eq "$before" ] &&
		logged "resource limits too low for the helper: .*$rname is "'
done

# --- a root caller (sshd, login) under the same low limits: the module gives
# the child sane limits; a code is sent and needed.
tid=root_low_soft_limits_fixed_by_module
reset_state
before=$(sent)
pt root $U2 "$(soft $LOW --stack=65536 --cpu=1)" code
check eval '[ $rc -eq 0 ] && grep -qF "$OK" "$T/last.out" && [ "$(prompts)" -eq 1 ] &&
	[ "$(sent)" -eq $((before + 1)) ]'

tid=root_low_soft_limits_wrong_code_denied
reset_state
pt root $U2 "$(soft $LOW)" =000000 =111111 =222222
check eval '[ $rc -ne 0 ] && ! grep -qF "$OK" "$T/last.out" && [ "$(prompts)" -eq 3 ]'

tid=root_low_hard_limits_never_skipped
reset_state
before=$(sent)
mark
pt root $U2 "$LOW" code
if [ $root_raises_hard = 1 ]; then
	check eval '[ $rc -eq 0 ] && grep -qF "$OK" "$T/last.out" && [ "$(prompts)" -eq 1 ] &&
		[ "$(sent)" -eq $((before + 1)) ]'
else
	check eval '[ $rc -ne 0 ] && grep -qF "$UNAVAIL" "$T/last.out" && [ "$(prompts)" -eq 0 ] &&
		[ "$(sent)" -eq "$before" ] && logged "too low for the helper: RLIMIT_AS is "'
fi

# --- RLIMIT_FSIZE below the size of a state record, failmode=safe: every
# wrong guess is counted, the lockout comes at exactly lockout_after.
tid=root_low_fsize_every_guess_counted
conf "lockout_after = 4;"
reset_state
pt root $U2 "--fsize=64:" =000000 =111111
st1=$("$CTL" -c "$CONF" status $U2)
pt root $U2 "--fsize=64:" =222222
st2=$("$CTL" -c "$CONF" status $U2)
pt root $U2 "--fsize=64:" =333333
st3=$("$CTL" -c "$CONF" status $U2)
check eval 'grep -qE "^failures: +2 of 4" <<<"$st1" && grep -q "^locked: *no" <<<"$st1" &&
	grep -qE "^failures: +3 of 4" <<<"$st2" && grep -q "^locked: *no" <<<"$st2" &&
	grep -q "^locked until:" <<<"$st3" && [ $rc -ne 0 ] && ! grep -qF "$OK" "$T/last.out"'
conf

# --- a real su by an unprivileged user with `ulimit -v 20480`: su is
# setuid root, so the module makes the child real root and gives it room
# for libcurl. /etc/pam.d/su-l is replaced by a bind mount in a private
# mount namespace only: the system's file is never touched.
mkdir -m 1777 "$T/gw"
{
	echo "auth required pam_permit.so"
	echo "auth required $SO failmode=safe"
	echo "account required pam_permit.so"
	echo "session required pam_permit.so"
} >"$T/su-l"
chmod 0644 "$T/su-l"
# su_as_u1 ULIMIT_ARGS (in a private mount namespace): U1 runs
# `su - U2 -c 'echo SU-OK'` after `ulimit ULIMIT_ARGS`; the session id of
# su goes to $T/gw/su-sid.
cat >"$T/su_as_u1" <<EOF
#!/bin/sh
mount --bind "$T/su-l" /etc/pam.d/su-l || exit 99
exec runuser -u $U1 -- sh -c 'ps -o sid= -p \$\$ | tr -d " " >"$T/gw/su-sid"
	ulimit \$1 && exec su - $U2 -c "echo SU-OK"' sh "\$1"
EOF
chmod 0755 "$T/su_as_u1"
# su_drive ULIMIT_ARGS ANSWER...
su_drive() {
	local v=$1
	shift
	drive "exec unshare -m --propagation private '$T/su_as_u1' '$v'" "$@"
}

tid=su_ulimit_soft_v_needs_the_code
reset_state
before=$(sent)
mark
su_drive "-S -v 20480" code
check eval '[ $rc -eq 0 ] && grep -q "SU-OK$" "$T/last.out" && [ "$(prompts)" -eq 1 ] &&
	[ "$(sent)" -eq $((before + 1)) ] && logged "begin user=$U2 service=su-l .* uid=0$"'

tid=su_ulimit_soft_v_wrong_code_denied
reset_state
su_drive "-S -v 20480" =000000 =111111 =222222
check eval '[ $rc -ne 0 ] && ! grep -q "SU-OK$" "$T/last.out" && [ "$(prompts)" -eq 3 ]'

tid=su_ulimit_v_never_skipped
# soft and hard: fixed where root may raise a hard limit, else an ERROR
reset_state
before=$(sent)
mark
if [ $root_raises_hard = 1 ]; then
	su_drive "-v 20480" code
	check eval '[ $rc -eq 0 ] && grep -q "SU-OK$" "$T/last.out" && [ "$(prompts)" -eq 1 ] &&
		[ "$(sent)" -eq $((before + 1)) ]'
else
	su_drive "-v 20480" code
	check eval '[ $rc -ne 0 ] && ! grep -q "SU-OK$" "$T/last.out" && grep -qF "$UNAVAIL" "$T/last.out" &&
		[ "$(sent)" -eq "$before" ] && logged "too low for the helper: RLIMIT_AS is 20971520 "'
fi

# The same su with a command gateway that reports the helper it runs
# under: real uid 0, and a session of its own (no ^Z or ^C typed at the
# terminal reaches it).
GWOUT=$T/gw/out
cat >"$T/gwcmd" <<EOF
#!/bin/sh
echo "helper \$(ps -o ruid=,sid= -p \$PPID)" >>"$GWOUT"
cat >>"$GWOUT"
echo >>"$GWOUT"
EOF
chmod 0755 "$T/gwcmd"
gw_code() { grep -o '^[0-9]\{6\} is your code' "$GWOUT" | tail -n 1 | cut -c 1-6; }
write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your code\";
phones = { file = \"$USERS\"; };
limits = { sends_per_user = 64; sends_window = 60; resend_cooldown = 0; };
gateways = ( { name = \"c\"; type = \"command\"; argv = [ \"$T/gwcmd\", \"%{to}\" ]; } );"
tid=su_helper_is_real_root_in_own_session
reset_state
su_drive "-S -c 0" gwcode
read -r _ ruid hsid <<<"$(grep '^helper' "$GWOUT" 2>/dev/null | tail -n 1)"
check eval '[ $rc -eq 0 ] && grep -q "SU-OK$" "$T/last.out" && [ "$ruid" = 0 ] &&
	[ -n "$hsid" ] && [ -s "$T/gw/su-sid" ] && [ "$hsid" != "$(cat "$T/gw/su-sid")" ]'
conf

# --- the helper run directly
tid=helper_userns_root_is_unprivileged
if runuser -u $U1 -- unshare -r true 2>/dev/null; then
	reset_state
	before=$(sent)
	mark
	out=$(printf 'op=begin\nuser=%s\n' $U2 | runuser -u $U1 -- unshare -r "$HELPER")
	hrc=$?
	check eval '[ "$out" = "status=ERROR" ] && [ $hrc -eq 9 ] && [ "$(sent)" -eq "$before" ] &&
		logged "uid 0 inside a user namespace: the caller counts as unprivileged" &&
		logged "uid 0 asked about user=$U2: refused"'
else
	echo "SKIP: $tid (unprivileged user namespaces are disabled)"
fi

for how in umount tmpfs; do
	tid=helper_root_without_procfs_is_unprivileged_$how
	reset_state
	before=$(sent)
	mark
	m="umount -l /proc"	# tmpfs: a fake /proc that says "initial namespace"
	[ $how = tmpfs ] && m="mount -t tmpfs none /proc && mkdir /proc/self &&
		echo '         0          0 4294967295' >/proc/self/uid_map"
	out=$(printf 'op=begin\nuser=%s\n' $U2 | unshare -m --propagation private sh -c "$m && exec '$HELPER'")
	hrc=$?
	check eval '[ "$out" = "status=ERROR" ] && [ $hrc -eq 9 ] && [ "$(sent)" -eq "$before" ] &&
		logged "/proc/self/uid_map.*the caller counts as unprivileged" &&
		logged "uid 0 asked about user=$U2: refused"'
done

# ustate USER: what smsotpctl status says of USER's counters
ustate() { "$CTL" -c "$CONF" status "$1" 2>&1 | grep -E '^(failures|locked|live code|sends)'; }

tid=helper_user_fsize_1_error_state_unchanged
reset_state
pt $U1 $U1 "" =000000	# one wrong try: a state to keep
s0=$(ustate $U1)
sum0=$(cat "$STATE"/u-* | md5sum)
before=$(sent)
mark
out=$(printf 'op=begin\nuser=%s\n' $U1 | runuser -u $U1 -- prlimit --fsize=1 "$HELPER")
hrc=$?
check eval '[ "$out" = "status=ERROR" ] && [ $hrc -eq 9 ] && [ "$(sent)" -eq "$before" ] &&
	[ "$(cat "$STATE"/u-* | md5sum)" = "$sum0" ] && [ "$(ustate $U1)" = "$s0" ] &&
	logged "RLIMIT_FSIZE is 1 bytes"'

# root_verify LIMITS: a begin for U2 as root, then a wrong code under
# `prlimit LIMITS`; sets $out and $hrc
root_verify() {
	local chal
	chal=$(printf 'op=begin\nuser=%s\n' $U2 | "$HELPER" | sed -n 's/^challenge=//p')
	s0=$(ustate $U2)
	sum0=$(cat "$STATE"/u-* | md5sum)
	mark
	out=$(printf 'op=verify\nuser=%s\nchallenge=%s\ncode=000000\n' $U2 "$chal" |
		prlimit $1 "$HELPER")
	hrc=$?
}
BAD1=$(printf 'status=BAD_CODE\nattempts_left=2')

tid=helper_root_soft_fsize_1_lifted_guess_counted
# euid 0: the helper raises its own limit; the wrong guess is counted and
# the state write is not killed half-way by SIGXFSZ.
reset_state
root_verify --fsize=1:
check eval '[ "$out" = "$BAD1" ] && [ $hrc -eq 3 ] &&
	"$CTL" -c "$CONF" status $U2 | grep -qE "^failures: +1 of"'

tid=helper_root_hard_fsize_1_never_half_done
reset_state
root_verify --fsize=1
if [ $root_raises_hard = 1 ]; then
	check eval '[ "$out" = "$BAD1" ] && [ $hrc -eq 3 ] &&
		"$CTL" -c "$CONF" status $U2 | grep -qE "^failures: +1 of"'
else
	check eval '[ "$out" = "status=ERROR" ] && [ $hrc -eq 9 ] &&
		[ "$(cat "$STATE"/u-* | md5sum)" = "$sum0" ] && [ "$(ustate $U2)" = "$s0" ] &&
		logged "RLIMIT_FSIZE is 1 bytes"'
fi

finish
