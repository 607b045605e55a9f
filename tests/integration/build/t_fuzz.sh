#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_fuzz.sh - the libFuzzer harnesses of tests/fuzz/ (protocol parser and
# reply validator, config loader, phone normaliser, template renderer,
# state file parser), built with clang and run by tests/fuzz/run.sh for a
# CI budget of SMSOTP_FUZZ_SECONDS per harness (default 30: the whole step
# stays under about 5 minutes). One line per harness with its figures:
#   PASS: fuzz_NAME: N execs, 0 crashes
# A crash, leak, timeout, out-of-memory or failed property is a FAIL, with
# the reproducer kept in the work directory that run.sh names.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
secs=${SMSOTP_FUZZ_SECONDS:-30}

# every harness tests/fuzz/harnesses.am lists (run.sh names them)
bash "$top/tests/fuzz/run.sh" "$secs" >"$T/fuzz.out" 2>&1
rc=$?
names=$(sed -n 's/^fuzz: harnesses: //p' "$T/fuzz.out")
tid=fuzz_harnesses_listed
cp "$T/fuzz.out" "$T/last.out"
check [ "$(echo $names | wc -w)" -ge 5 ]
for h in $names; do
	line=$(grep "^fuzz_$h: " "$T/fuzz.out")
	execs=$(echo "$line" | sed -n 's/^fuzz_[a-z]*: \([0-9]*\) execs.*/\1/p')
	crashes=$(echo "$line" | sed -n 's/.* \([0-9]*\) crashes.*/\1/p')
	tid="fuzz_$h: ${execs:-0} execs, ${crashes:-?} crashes"
	if [ -n "$execs" ] && [ "$execs" -gt 0 ] && [ "$crashes" = 0 ]; then
		pass
	else
		cp "$T/fuzz.out" "$T/last.out"
		fail "see the run.sh output below"
	fi
done
tid=fuzz_run_sh_exit_status
cp "$T/fuzz.out" "$T/last.out"
check [ $rc -eq 0 ]
grep -E '^fuzz: (built|.*execs in total)' "$T/fuzz.out" | sed 's/^/# /'
finish
