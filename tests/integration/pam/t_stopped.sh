#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_stopped.sh - an unprivileged caller runs the setgid helper with its own
# uid and may freeze it (SIGSTOP) at any moment, also while it holds
# something that other logins need. Here its helper is frozen for 3 s
# after each of its first system calls of the kinds that take or publish
# shared state (strace delays the call's return: the same as a SIGSTOP
# there), while a root login for another user runs: that login must take
# no more than 1 s longer than normal, and with failmode=safe it never
# succeeds without the code.
. "$(dirname "$0")/../lib.sh"

U1=smsotpstop1
made=""
getent passwd $U1 >/dev/null || { useradd --system --no-create-home --shell /usr/sbin/nologin $U1 && made=$U1; }
FROZEN=""
cleanup_stopped() {
	[ -n "$FROZEN" ] && kill -KILL "$FROZEN" 2>/dev/null && wait "$FROZEN" 2>/dev/null
	[ -n "$made" ] && userdel "$made" 2>/dev/null
	cleanup_lib
}
trap cleanup_stopped EXIT

# U1's texts go to an outbox of U1's own, alice's to the usual one
UD=$T/u1
mkdir -p "$UD"
chown $U1 "$UD"
chmod 0700 "$UD"
users "$U1 +447700900111" "alice +447700900123"
write_conf_raw "phones = { file = \"$USERS\"; };
gateways = ( { name = \"u1box\"; type = \"outbox\"; path = \"$UD/outbox\"; },
             { name = \"main\"; type = \"outbox\"; path = \"$OUTBOX\"; } );
limits = { sends_per_user = 64; sends_window = 60; global_sends_per_minute = 0; global_sends_per_day = 0; };
routes = ( { prefix = \"+447700900111\"; gateways = [ \"u1box\" ]; },
           { prefix = \"+\"; gateways = [ \"main\" ]; } );"
reset_state
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }

# root_login: a privileged begin and verify for alice; prints the ms taken
# and "ok" when the right code was accepted
root_login() {
	local t0 r c code
	t0=$(now_ns)
	r=$(printf 'op=begin\nuser=alice\nservice=sshd\n' | "$HELPER")
	c=$(echo "$r" | sed -n 's/^challenge=//p')
	code=$(sh -c "$SMSOTP_CODE_CMD")
	r=$(printf 'op=verify\nuser=alice\nchallenge=%s\ncode=%s\n' "$c" "$code" | "$HELPER")
	echo "$(ms_since "$t0") $(echo "$r" | head -n 1)"
}

# freeze CALL K: U1's own begin, its K-th CALL held for 3 s
freeze() {
	strace -f -qq -o /dev/null -e trace="$1" -e inject="$1":delay_exit=3000000:when="$2" \
		setpriv --reuid=$U1 --regid=$U1 --clear-groups "$HELPER" \
		<<<"$(printf 'op=begin\nuser=%s\nservice=login' $U1)" >/dev/null 2>&1 &
	FROZEN=$!
	sleep 0.5
}
thaw() { kill -KILL "$FROZEN" 2>/dev/null; wait "$FROZEN" 2>/dev/null; FROZEN=""; }

base=0
for _ in 1 2 3; do
	read -r ms st < <(root_login)
	[ "$st" = status=OK ] || { tid=baseline_root_login; fail "got $ms $st"; }
	[ "$ms" -gt "$base" ] && base=$ms
done
echo "# baseline: a root login takes at most $base ms"

for sc in flock rename,renameat,renameat2 openat write fsync; do
	for k in 1 2 3; do
		freeze "$sc" "$k"
		read -r ms st < <(root_login)
		thaw
		tid="frozen_unprivileged_${sc%%,*}_${k}_delays_no_root_login ($ms ms, normal $base ms)"
		check eval '[ "$st" = status=OK ] && [ "$ms" -le $((base + 1000)) ]'
	done
done

# failmode=safe: a login during a freeze never succeeds without the code
service smsotp-safe failmode=safe
freeze flock 2
login smsotp-safe alice =000000 =000000 =000000
thaw
tid=frozen_unprivileged_failmode_safe_no_bypass
check eval '! result_is "successfully authenticated"'

finish
