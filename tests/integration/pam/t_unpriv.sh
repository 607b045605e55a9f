#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_unpriv.sh - an unprivileged caller (a screen locker re-checking its own
# user) against the installed setgid helper: it may ask about itself only.
. "$(dirname "$0")/../lib.sh"

U1=smsotpit1
U2=smsotpit2
made=""
for u in $U1 $U2; do
	if ! getent passwd $u >/dev/null; then
		useradd --system --no-create-home --shell /usr/sbin/nologin $u && made="$made $u"
	fi
done
cleanup_users() {
	rm -f /etc/pam.d/smsotp-unpriv	# clients: the real service file below
	for u in $made; do userdel $u 2>/dev/null; done
	cleanup_lib
}
trap cleanup_users EXIT

# The outbox lives in a directory of U1's: U1's helper creates it (0600).
UD=$T/u1
mkdir -p "$UD"
chown $U1 "$UD"
chmod 0700 "$UD"
UOUT=$UD/outbox
users "$U1 +447700900111" "$U2 +447700900222" "alice +447700900123"
write_conf_raw "phones = { file = \"$USERS\"; };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$UOUT\"; } );"
service smsotp
reset_state
chmod 0755 "$T" "$SMSOTP_SVCDIR"
chmod 0644 "$SMSOTP_SVCDIR"/*
CODECMD="tail -n 1 '$UOUT' | cut -f 3 | grep -o '[0-9]\\{6\\}' | head -n 1"

# ulogin AS_USER TARGET_USER ANSWER...: the driver run as AS_USER
ulogin() {
	local as=$1
	shift
	runuser -u "$as" -- env SMSOTP_SVCDIR="$SMSOTP_SVCDIR" SMSOTP_KEEP=/dev/null \
		SMSOTP_CODE_CMD="$CODECMD" "$HERE/login.exp" "$@" >"$T/last.out" 2>&1
}

tid=helper_is_setgid_smsotp
check [ "$(stat -c %G:%a "$HELPER")" = "smsotp:2755" ]

tid=unprivileged_self_login
ulogin $U1 smsotp $U1 code
check eval 'result_is "successfully authenticated" && [ "$(stat -c %U:%a "$UOUT")" = "$U1:600" ]'

tid=unprivileged_state_shared_with_root
# the state file U1's helper wrote is readable and writable by root's helper
check eval '"$CTL" -c "$CONF" status $U1 | grep -q "^failures: *0"'

tid=unprivileged_other_user_refused
before=$(wc -l <"$UOUT")
ulogin $U1 smsotp alice code
check eval 'result_is "Authentication service cannot retrieve authentication info" &&
	[ "$(wc -l <"$UOUT")" -eq "$before" ] && grep -q "asked about user=alice: refused" "$SYSLOG"'

tid=unprivileged_helper_direct_other_user
out=$(printf 'op=begin\nuser=%s\n' $U2 | runuser -u $U1 -- "$HELPER")
rc=$?
check eval '[ "$out" = "status=ERROR" ] && [ $rc -eq 9 ] && [ "$(wc -l <"$UOUT")" -eq "$before" ]'

tid=unprivileged_config_arg_ignored
# config= from an unprivileged caller is not passed on; the login still
# uses the compiled-in config (and succeeds)
service smsotp-cfg config=/nonexistent/pam_smsotp.conf
chmod 0644 "$SMSOTP_SVCDIR"/*
ulogin $U1 smsotp-cfg $U1 code
check result_is "successfully authenticated"

tid=unprivileged_cannot_read_state_dir
check eval '! runuser -u $U1 -- ls "$STATE" >/dev/null 2>&1 && ! runuser -u $U1 -- cat "$CONF" >/dev/null 2>&1'

# --- clients: a real service file, no pam_wrapper at all (as a screen
# locker runs): the installed setgid helper serves the caller's own user only.
{
	echo "auth required $SO"
	echo "account required pam_permit.so"
} >/etc/pam.d/smsotp-unpriv
# upam AS TARGET ANSWER...: pamtester as AS for TARGET on the real stack;
# each ANSWER ("code" or "=TEXT") is written once a new SMS is in the outbox
# (or after 3 s when none comes). Sets $rc; output in $T/last.out.
upam() {
	local as=$1 target=$2 a n0
	shift 2
	n0=$(wc -l <"$UOUT" 2>/dev/null || echo 0)
	rm -f "$T/ufifo"
	mkfifo "$T/ufifo"
	runuser -u "$as" -- timeout 30 pamtester smsotp-unpriv "$target" authenticate \
		<"$T/ufifo" >"$T/last.out" 2>&1 &
	local pid=$!
	exec 8>"$T/ufifo"
	for _ in $(seq 30); do
		[ "$(wc -l <"$UOUT" 2>/dev/null || echo 0)" -gt "$n0" ] && break
		sleep 0.1
	done
	for a in "$@"; do	# a subshell: a refusal may close the pipe early
		case $a in
		code) (sh -c "$CODECMD" >&8) 2>/dev/null ;;
		=*) (printf '%s\n' "${a#=}" >&8) 2>/dev/null ;;
		esac
	done
	exec 8>&-
	wait $pid
	rc=$?
}

tid=unprivileged_real_stack_self
upam $U1 $U1 code
check eval '[ $rc -eq 0 ] && grep -q "successfully authenticated" "$T/last.out"'

tid=unprivileged_real_stack_wrong_code
upam $U1 $U1 =000000 =111111 =222222
check eval '[ $rc -ne 0 ] && ! grep -q "successfully authenticated" "$T/last.out"'

tid=unprivileged_real_stack_other_user
before=$(wc -l <"$UOUT")
refusals=$(grep -c "asked about user=alice: refused" "$SYSLOG")
upam $U1 alice =000000
check eval '[ $rc -ne 0 ] && [ "$(wc -l <"$UOUT")" -eq "$before" ] &&
	! grep -q "successfully authenticated" "$T/last.out" &&
	[ "$(grep -c "asked about user=alice: refused" "$SYSLOG")" -gt "$refusals" ]'
# --- end clients

tid=unprivileged_nullok_hint_ignored
# a skip (nullok) is decided by the privileged side: from an unprivileged
# caller the hint is ignored and logged, and a user without a number gets
# the decoy prompt, not a skip
users "$U1 +447700900111" "alice +447700900123"
out=$(printf 'op=begin\nuser=%s\nnullok=1\n' $U2 | runuser -u $U2 -- "$HELPER")
check eval 'echo "$out" | grep -q "^status=SENT" && grep -q "nullok= from an unprivileged caller ignored" "$SYSLOG"'
users "$U1 +447700900111" "$U2 +447700900222" "alice +447700900123"

finish
