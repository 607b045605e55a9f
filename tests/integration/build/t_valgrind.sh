#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_valgrind.sh - valgrind memcheck of smsotp-helper in real logins: the
# installed helper is replaced, for this script only, by a wrapper that
# execs `valgrind --error-exitcode=99 --leak-check=full ... helper.real`,
# and logins go through the real module (pamtester under pam_wrapper, as
# root: the setgid bit does not matter then). The helper clears its
# environment and closes fds above 2, so valgrind writes to a log file
# it opened before the helper started (--log-file, one per run). Every log
# must show 0 errors and nothing definitely or indirectly lost; a memcheck
# error also makes the helper exit 99, which the module treats as a failed
# helper (the login then fails). The checker itself is shown to catch a
# leak and an uninitialised read in a small program first. The resident
# service runs under valgrind too, serving logins and odd clients.
. "$(dirname "$0")/../lib.sh"

VG=/usr/bin/valgrind
VGOPTS="--tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30"
if [ ! -x "$VG" ]; then
	tid=valgrind_installed
	fail "no $VG (scripts/deps.sh test installs valgrind)"
	finish
	exit
fi

# vg_clean LOG...: each log has "ERROR SUMMARY: 0 errors" and no lost
# bytes; the first unclean log's findings are appended to $T/last.out.
vg_clean() {
	local f
	[ $# -gt 0 ] || return 1
	for f in "$@"; do
		if ! grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "$f" ||
			grep -qE "(definitely|indirectly) lost: [1-9]" "$f"; then
			{ echo "--- $f"; grep -E -A3 'Invalid|uninitialised|Uninitialised|lost in loss|ERROR SUMMARY|Warning' "$f" |
				head -n 40; } >>"$T/last.out"
			return 1
		fi
	done
	return 0
}

tid=valgrind_checker_catches_errors
cat >"$T/bad.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
int main(void) {
	char *p = malloc(16), *q = malloc(8);
	int x;
	strcpy(p, "leaked");
	q[0] = p[0];
	if (q[1] == 'x')	/* uninitialised */
		x = 1;
	else
		x = 0;
	free(q);
	return x;
}
EOF
# shellcheck disable=SC2086
gcc -g -O0 -o "$T/bad" "$T/bad.c" && $VG $VGOPTS --log-file="$T/bad.vg" "$T/bad"
rc=$?
check eval '[ $rc -eq 99 ] && ! vg_clean "$T/bad.vg" && grep -q "definitely lost: 16 bytes" "$T/bad.vg"'

users "alice +447700900123"
write_conf
service smsotp
reset_state

# The wrapper, and the original helper restored on exit whatever happens.
# valgrind refuses to run a setgid program: the copy it runs is 0755.
ORIG=$HELPER.vgorig
REAL=$HELPER.vgreal
cp -p "$HELPER" "$ORIG"
cp "$HELPER" "$REAL"
chmod 0755 "$REAL"
restore_helper() {
	[ -f "$ORIG" ] && mv -f "$ORIG" "$HELPER"
	rm -f "$REAL"
	cleanup_lib
}
trap restore_helper EXIT
mkdir -p "$T/vg"
cat >"$HELPER.new" <<EOF
#!/bin/sh
exec $VG $VGOPTS --log-file=$T/vg/helper.%p.log $REAL "\$@"
EOF
chmod 755 "$HELPER.new"
mv -f "$HELPER.new" "$HELPER"

tid=valgrind_login_begin_verify
rm -f "$T"/vg/*
login smsotp alice code
logs=$(ls "$T"/vg/helper.*.log 2>/dev/null)
n=$(echo "$logs" | grep -c .)
# shellcheck disable=SC2086
check eval 'result_is "successfully authenticated" && [ "$n" -ge 2 ] && vg_clean $logs'
echo "# valgrind: $n helper runs (begin + verify), $(cat $logs | grep -c 'ERROR SUMMARY: 0 errors') with 0 errors"

tid=valgrind_wrong_codes_lockout_path
rm -f "$T"/vg/*
reset_state
login smsotp alice =000000 =12345 =abcdefg
logs=$(ls "$T"/vg/helper.*.log 2>/dev/null)
n=$(echo "$logs" | grep -c .)
# shellcheck disable=SC2086
check eval 'result_is "Authentication failure" && [ "$n" -ge 4 ] && vg_clean $logs'

tid=valgrind_resend
rm -f "$T"/vg/*
reset_state
write_conf 'limits = { resend_cooldown = 0; };'
login smsotp alice r code
logs=$(ls "$T"/vg/helper.*.log 2>/dev/null)
n=$(echo "$logs" | grep -c .)
# shellcheck disable=SC2086
check eval 'result_is "successfully authenticated" && [ "$n" -ge 3 ] && vg_clean $logs'
write_conf

tid=valgrind_bad_requests
rm -f "$T"/vg/*
o1=$(helper_req op=begin user=alice evil=1)
o2=$(printf 'op=verify\nuser=alice\nchallenge=%%zz\n' | "$HELPER")
o3=$(helper_req op=begin "user=../x")
logs=$(ls "$T"/vg/helper.*.log 2>/dev/null)
n=$(echo "$logs" | grep -c .)
# shellcheck disable=SC2086
check eval '[ "$o1" = "status=ERROR" ] && [ "$o2" = "status=ERROR" ] && [ -n "$o3" ] && [ "$n" -eq 3 ] && vg_clean $logs'

tid=valgrind_corrupt_state
reset_state
login smsotp alice code >/dev/null
rm -f "$T"/vg/*
f=$(ls "$STATE"/u-* | grep -v '\.lock$' | head -n 1)
echo garbage >"$f"
login smsotp alice =000000 =000000 =000000	# denied (maybe behind a decoy prompt)
logs=$(ls "$T"/vg/helper.*.log 2>/dev/null)
# shellcheck disable=SC2086
check eval '! result_is "successfully authenticated" && grep -q "^RESULT: " "$T/last.out" &&
	[ -n "$logs" ] && vg_clean $logs'

tid=valgrind_resident_service
# the service under valgrind on the prefix's socket (started as root, it
# becomes _smsotp): logins through the module, bad, silent and parallel
# requests, then SIGTERM; its one log must be clean and its exit status 0
reset_state
rm -f "$T"/vg/*
rm -f "$SOCK"
mkdir -p "$(dirname "$SOCK")"
$VG $VGOPTS --log-file="$T/vg/service.log" "$REAL" --listen --socket "$SOCK" >"$T/vgsvc.out" 2>&1 &
vgsvc=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
{ echo "auth required $SO transport=socket"; echo "account required pam_permit.so"; } >"$SMSOTP_SVCDIR/t-sock"
login t-sock alice code
r1=$(result_is "successfully authenticated" && echo y)
login t-sock alice =000000 =12345
/usr/bin/python3 "$HERE/sockclient.py" "$SOCK" op=begin user=alice evil=1 >/dev/null 2>&1
/usr/bin/python3 "$HERE/sockclient.py" "$SOCK" --silent 2 --many 8 op=begin user=alice >"$T/many.out" 2>&1
kill -TERM $vgsvc
wait $vgsvc
vrc=$?
rm -f "$SOCK"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$T/vg/service.log" | sed 's/^==[0-9]*== */# service: /'
check eval '[ "$r1" = y ] && [ $vrc -eq 0 ] && grep -qx "answered 8 of 8" "$T/many.out" && vg_clean "$T/vg/service.log"'

finish
