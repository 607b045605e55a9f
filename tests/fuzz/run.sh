#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/fuzz/run.sh [SECONDS] - build the libFuzzer harnesses of tests/fuzz/
# with clang (-fsanitize=fuzzer,address,undefined, the core sources linked
# directly) and run each for SECONDS (default 60) on a copy of its seed
# corpus tests/fuzz/corpus/NAME/. Prints one line per harness:
#   fuzz_NAME: N execs in S s, C crashes, corpus U units (cov X)
# and exits 1 when any harness crashed, leaked, timed out, ran out of memory
# or failed a property check (FUZZ_CHECK), 0 otherwise.
#
# Environment:
#   FUZZ_HARNESSES  names to build and run (default: all five)
#   FUZZ_WORK       work directory (default: a fresh /tmp/smsotp-fuzz.XXXXXX,
#                   removed at the end unless something failed)
#   FUZZ_CC         compiler (default clang; needs libclang-rt-14-dev)
#   FUZZ_BUILD_ONLY=1  build, do not run
# Reproduce a failure: WORK/fuzz_NAME WORK/artifacts/NAME-crash-...
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
harnesses=${FUZZ_HARNESSES:-"proto conf phone template state"}
cc=${FUZZ_CC:-clang}
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	mkdir -p "$work" || exit 2
else
	work=$(mktemp -d /tmp/smsotp-fuzz.XXXXXX) || exit 2
fi
mkdir -p "$work/include" "$work/obj" "$work/artifacts"
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
# The few config.h facts the sources use (Debian 12 glibc has both).
cat >"$work/include/config.h" <<'EOF'
/* config.h for the fuzz build (tests/fuzz/run.sh) */
#define _GNU_SOURCE 1
#define HAVE_EXPLICIT_BZERO 1
#define HAVE_CLOSE_RANGE 1
#define PACKAGE_VERSION "fuzz"
EOF

# The .c files of the two convenience libraries, as helper/*/sources.am list them.
core_sources() {
	local f d
	for f in "$top"/helper/*/sources.am; do
		d=${f#"$top"/}; d=${d%/sources.am}
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$f" |
			sed -n -E 's/^libsmsotp(proto|core)_la_SOURCES[[:space:]]*\+?=//p' |
			tr ' \t' '\n\n' | grep '\.c$' | sed "s|%reldir%|$d|"
	done
}

deps="libcurl libsodium libconfig jansson libcdb pam"
if ! dep_cflags=$(pkg-config --cflags $deps) || ! dep_libs=$(pkg-config --libs $deps); then
	echo "fuzz: pkg-config failed for: $deps" >&2
	failed=1
	exit 1
fi
warn="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 -Wimplicit-fallthrough"
base="-std=c11 -g -O1 -fno-omit-frame-pointer $warn -I$work/include -I $top/helper -iquote $top/pam_smsotp"
base="$base -DSMSOTP_HELPER_PATH=\"/nonexistent/smsotp-helper\" -DSMSOTP_CONF_PATH=\"/nonexistent/pam_smsotp.conf\""
base="$base -DSMSOTP_KEY_PATH=\"/nonexistent/pam_smsotp.key\" -DSMSOTP_STATE_DIR=\"/nonexistent/state\""
base="$base -DSMSOTP_GROUP=\"smsotp\" -DSMSOTP_VERSION=\"fuzz\" $dep_cflags"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
export work top cc base san

compile() {	# compile SRC: one object of the core, coverage-instrumented
	local o
	o="$work/obj/$(echo "$1" | tr '/' '_' | sed 's/\.c$/.o/')"
	# shellcheck disable=SC2086
	$cc $base $san -fsanitize=fuzzer-no-link -c "$top/$1" -o "$o" 2>"$o.err" ||
		{ echo "fuzz: compile failed: $1" >&2; cat "$o.err" >&2; return 1; }
}
export -f compile
t0=$(date +%s)
srcs=$(core_sources)
[ -n "$srcs" ] || { echo "fuzz: no core sources found in Makefile.am" >&2; failed=1; exit 1; }
# the module's side of the protocol, for the proto harness
modsrcs="pam_smsotp/run_helper.c pam_smsotp/start_helper.c pam_smsotp/child_limits.c"
if ! printf '%s\n' $srcs $modsrcs | xargs -P 2 -I{} bash -c 'compile {}'; then
	failed=1
	exit 1
fi
rm -f "$work/libcore.a"
ar rcs "$work/libcore.a" $(ls "$work"/obj/*.o | grep -v '/pam_smsotp_') || { failed=1; exit 1; }
for h in $harnesses; do
	extra=""
	[ "$h" = proto ] && extra=$(ls "$work"/obj/pam_smsotp_*.o)
	# shellcheck disable=SC2086
	if ! $cc $base $san -fsanitize=fuzzer "$here/fuzz_$h.c" $extra "$work/libcore.a" \
		$dep_libs -o "$work/fuzz_$h" 2>"$work/link_$h.err"; then
		echo "fuzz: build of fuzz_$h failed:" >&2
		cat "$work/link_$h.err" >&2
		failed=1
		exit 1
	fi
done
echo "fuzz: built $(echo $harnesses | wc -w) harnesses in $(($(date +%s) - t0)) s ($cc)"
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
