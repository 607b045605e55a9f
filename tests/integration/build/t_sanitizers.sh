#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_sanitizers.sh - the ./configure --enable-sanitizers build (ASan + UBSan,
# -fno-sanitize-recover=all), with gcc and with clang: configure and build
# in a temporary directory, `make check` (one PASS per unit test program),
# install into a temporary prefix and log in through the sanitized module
# and helper (pamtester under pam_wrapper).
#
# The module is a shared object that an uninstrumented program (pamtester,
# sshd, sudo) dlopen()s, so the ASan runtime must already be in the
# process: gcc's module needs libasan.so and clang's module needs
# libclang_rt.asan-x86_64.so in LD_PRELOAD, first. This test preloads
# them; without that, loading the module fails and so does the login
# (checked too: it fails closed). pam_wrapper cannot be used here: it
# dlopen()s libpam with RTLD_DEEPBIND, which clang's runtime refuses, so
# the stacks are real service files /etc/pam.d/smsotp-san-PID-CC, removed
# at the end. The helper and smsotpctl are
# executables linked with their runtime and need nothing. A sanitized
# build is for tests only: never install it on a real system.
#
# SMSOTP_SAN_CCS="gcc clang" (default) picks the compilers.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
ccs=${SMSOTP_SAN_CCS:-gcc clang}
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1"
SAN_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:'
trap '' PIPE	# san_login writes to a FIFO whose reader may be gone

svcfiles=""
cleanup_san() {
	local f
	for f in $svcfiles; do rm -f "$f"; done
	cleanup_lib
}
trap cleanup_san EXIT

# san_login SERVICE USER PRELOAD ANSWER...: pamtester through a FIFO. Each
# ANSWER is "code" (the next code that arrives in the outbox) or a literal
# text. Output in $T/last.out, exit status pamtester's.
san_login() {
	local svc=$1 user=$2 pre=$3 n a c i rc
	shift 3
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	n=$(outbox_lines)
	env LD_PRELOAD="$pre" timeout 120 pamtester "$svc" "$user" authenticate <"$T/fifo" >"$T/last.out" 2>&1 &
	local pid=$!
	exec 7>"$T/fifo"
	for a in "$@"; do
		if [ "$a" = code ]; then
			for i in $(seq 300); do
				[ "$(outbox_lines)" -gt "$n" ] && break
				kill -0 $pid 2>/dev/null || break
				sleep 0.1
			done
			n=$(outbox_lines)
			c=$(sh -c "$SMSOTP_CODE_CMD" 2>/dev/null)
			a=$c
		fi
		echo "$a" >&7 2>/dev/null
	done
	exec 7>&-
	wait $pid
	rc=$?
	rm -f "$T/fifo"
	return $rc
}

clean_out() { ! grep -qE "$SAN_RE" "$T/last.out"; }

for cc in $ccs; do
	b=$T/san-$cc
	p=$T/san-$cc-prefix
	case $cc in
	gcc) rt=$(gcc -print-file-name=libasan.so) ;;
	clang) rt=$(clang -print-file-name=libclang_rt.asan-x86_64.so) ;;
	*) rt="" ;;
	esac

	tid=san_${cc}_build
	"$top/scripts/build.sh" "$b" "$p" --enable-sanitizers CC="$cc" >"$T/last.out" 2>&1
	rc=$?
	check [ $rc -eq 0 ]
	[ $rc -eq 0 ] || continue

	tid=san_${cc}_instrumented
	check eval 'nm "$b/smsotp-helper" | grep -q __asan_report && nm "$b/smsotp-helper" | grep -q __ubsan_handle &&
		nm -D "$b/.libs/pam_smsotp.so" | grep -q __asan_'

	# make check: the unit tests under ASan, LSan and UBSan
	make -C "$b" -j2 check >"$T/check-$cc.log" 2>&1
	progs=$(make -s -C "$b/tests/unit" unit-list)
	[ -n "$progs" ] || { tid=san_${cc}_unit_tests_found; fail "no check_PROGRAMS in $b/tests/unit/Makefile"; }
	for t in $progs; do
		tid=san_${cc}_unit_$(basename "$t")
		if grep -qx ':test-result: PASS' "$b/tests/unit/$t.trs" 2>/dev/null; then
			pass
		else
			{ grep -E '^\[  (FAILED|ERROR|LINE) |ERROR: |SUMMARY|runtime error|[Aa]ssert' "$b/tests/unit/$t.log" ||
				tail -n 12 "$b/tests/unit/$t.log"; } >"$T/last.out" 2>/dev/null ||
				tail -n 20 "$T/check-$cc.log" >"$T/last.out"
			fail "$t under ASan/UBSan"
		fi
	done

	# install and log in through the sanitized module and helper
	tid=san_${cc}_install
	{ make -C "$b" install && chmod 755 "$p" && "$p/sbin/smsotpctl" init; } >"$T/last.out" 2>&1
	rc=$?
	check [ $rc -eq 0 ]
	[ $rc -eq 0 ] || continue
	P=$p SO=$p/lib/security/pam_smsotp.so HELPER=$p/libexec/smsotp-helper CTL=$p/sbin/smsotpctl
	ETC=$p/etc/security CONF=$ETC/pam_smsotp.conf USERS=$ETC/pam_smsotp.users
	STATE=$p/var/lib/pam_smsotp OUTBOX=$STATE/outbox
	SMSOTP_CODE_CMD="tail -n 1 '$OUTBOX' | cut -f 3 | grep -o '[0-9]\\{4,10\\}' | head -n 1"
	users "alice +447700900123"
	write_conf
	svc=smsotp-san-$$-$cc
	svcfiles="$svcfiles /etc/pam.d/$svc"
	printf 'auth required %s\naccount required pam_permit.so\n' "$SO" >"/etc/pam.d/$svc"
	reset_state

	tid=san_${cc}_pam_right_code
	san_login $svc alice "$rt" code
	rc=$?
	check eval '[ $rc -eq 0 ] && grep -q "successfully authenticated" "$T/last.out" && clean_out'

	tid=san_${cc}_pam_wrong_then_right
	reset_state
	san_login $svc alice "$rt" =000000 =12345 code
	rc=$?
	check eval '[ $rc -eq 0 ] && grep -q "successfully authenticated" "$T/last.out" && clean_out'

	tid=san_${cc}_pam_wrong_codes_fail
	reset_state
	san_login $svc alice "$rt" =000000 =abcdef "=$(printf 'x%.0s' $(seq 300))"
	rc=$?
	check eval '[ $rc -ne 0 ] && grep -q "Authentication failure" "$T/last.out" && clean_out'

	tid=san_${cc}_helper_garbage_request
	out=$(printf 'op=begin\nuser=%%zz\n' | "$HELPER" 2>"$T/last.out")
	rc=$?
	check eval '[ "$out" = "status=ERROR" ] && [ $rc -eq 9 ] && clean_out'

	tid=san_${cc}_module_without_runtime_fails_closed
	reset_state
	san_login $svc alice "" code
	rc=$?
	check eval '[ $rc -ne 0 ] && ! grep -q "successfully authenticated" "$T/last.out"'
done

finish
