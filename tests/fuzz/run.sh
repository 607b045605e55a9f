#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/fuzz/run.sh [SECONDS] - build the libFuzzer harnesses of tests/fuzz/
# with clang (-fsanitize=fuzzer,address,undefined, in a build tree of its
# own configured with those flags) and run each for SECONDS (default 60) on
# a copy of its seed corpus tests/fuzz/corpus/NAME/. Prints the names
#   fuzz: harnesses: NAME...
# then one line per harness:
#   fuzz_NAME: N execs in S s, C crashes, corpus U units (cov X)
# and exits 1 when any harness crashed, leaked, timed out, ran out of memory
# or failed a property check (FUZZ_CHECK), 0 otherwise.
#
# Environment:
#   FUZZ_HARNESSES  names to build and run (default: every harness that
#                   tests/fuzz/harnesses.am lists; "make -s fuzz-list")
#   FUZZ_WORK       work directory (default: a fresh /tmp/smsotp-fuzz.XXXXXX,
#                   removed at the end unless something failed)
#   FUZZ_CC         compiler (default clang; needs libclang-rt-14-dev)
#   FUZZ_BUILD_ONLY=1  build, do not run
# Reproduce a failure: WORK/fuzz_NAME WORK/artifacts/NAME-crash-...
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
cc=${FUZZ_CC:-clang}
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	mkdir -p "$work" || exit 2
else
	work=$(mktemp -d /tmp/smsotp-fuzz.XXXXXX) || exit 2
fi
mkdir -p "$work/artifacts"
# The harnesses' own files (rewritten at every execution): tmpfs when there
# is one, it is many times faster than a disk file system.
ftmp=$(mktemp -d /dev/shm/smsotp-fuzz.XXXXXX 2>/dev/null) || ftmp=$(mktemp -d "$work/tmp.XXXXXX") || exit 2
failed=0
cleanup() {
	rm -rf "$ftmp"
	if [ "$failed" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then
		rm -rf "$work"
	else
		echo "fuzz: work directory kept: $work"
	fi
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------
# Through the build system: the harnesses, their sources and flags are listed
# once, in tests/fuzz/harnesses.am; the core libraries are the ones the
# helper links, compiled here with coverage and sanitizers.
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
t0=$(date +%s)
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >"$work/autogen.log" 2>&1) ||
	{ echo "fuzz: autogen.sh failed, see $work/autogen.log" >&2; failed=1; exit 1; }
mkdir -p "$work/build"
if ! (cd "$work/build" && "$top/configure" -q --enable-werror --prefix=/nonexistent \
	CC="$cc" CFLAGS="-g -O1 -fno-omit-frame-pointer $san") >"$work/configure.log" 2>&1; then
	echo "fuzz: configure failed ($cc):" >&2
	tail -n 20 "$work/configure.log" >&2
	failed=1
	exit 1
fi
all=$(make -s -C "$work/build" fuzz-list)
[ -n "$all" ] || { echo "fuzz: no harnesses listed by make fuzz-list" >&2; failed=1; exit 1; }
harnesses=${FUZZ_HARNESSES:-$all}
targets=""
for h in $harnesses; do
	case " $(echo $all) " in
	*" $h "*) targets="$targets tests/fuzz/fuzz_$h" ;;
	*) echo "fuzz: unknown harness $h (known: $(echo $all))" >&2; failed=1; exit 1 ;;
	esac
done
# shellcheck disable=SC2086
if ! make -s -C "$work/build" -j2 $targets >"$work/build.log" 2>&1; then
	echo "fuzz: build failed:" >&2
	tail -n 30 "$work/build.log" >&2
	failed=1
	exit 1
fi
for h in $harnesses; do ln -sf "build/tests/fuzz/fuzz_$h" "$work/fuzz_$h"; done
echo "fuzz: built $(echo $harnesses | wc -w) harnesses in $(($(date +%s) - t0)) s ($cc)"
echo "fuzz: harnesses:" $harnesses
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# --- run --------------------------------------------------------------------
max_len() {
	case "$1" in
	proto) echo 70000 ;;	# past SMSOTP_PROTO_MAX_MSG (65536)
	conf) echo 16384 ;;
	state) echo 9000 ;;	# past SMSOTP_STATE_MAX_SIZE (8192)
	*) echo 4096 ;;
	esac
}
total=0
for h in $harnesses; do
	seeds="$here/corpus/$h"
	[ -d "$seeds" ] || { echo "FAIL: fuzz_$h (no seed corpus $seeds)"; failed=1; continue; }
	mkdir -p "$work/corpus/$h"
	start=$(date +%s)
	# (in a subshell, so that a "Killed"/"Aborted" notice goes to the log)
	(TMPDIR=$ftmp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0 \
		timeout -k 10 $((secs + 180)) "$work/fuzz_$h" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$h")" \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/$h-" \
		"$work/corpus/$h" "$seeds") >"$work/$h.log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$h.log" | tail -n 1 | cut -d' ' -f2)
	units=$(find "$work/corpus/$h" -type f | wc -l)
	crashes=$(find "$work/artifacts" -name "$h-*" \( -name "$h-crash-*" -o -name "$h-leak-*" \
		-o -name "$h-timeout-*" -o -name "$h-oom-*" \) | wc -l)
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1	# died without an artifact
	total=$((total + ${execs:-0}))
	echo "fuzz_$h: ${execs:-0} execs in $took s, $crashes crashes, corpus $units units (cov ${cov:-?})"
	if [ "$crashes" -ne 0 ] || [ -z "$execs" ]; then
		failed=1
		echo "FAIL: fuzz_$h (exit $rc); log $work/$h.log; artifacts:"
		find "$work/artifacts" -name "$h-*" | sed 's/^/    /'
		grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$work/$h.log" |
			head -n 12 | sed 's/^/    | /'
	fi
done
echo "fuzz: $total execs in total, $([ "$failed" -eq 0 ] && echo "no failures" || echo FAILURES)"
[ "$failed" -eq 0 ]
