#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# race.sh HELPER REQDIR OUTDIR - run HELPER once per request file in REQDIR,
# all at the same moment: each run waits at a FIFO barrier that opens only
# when every run is ready. The reply to REQDIR/X is OUTDIR/X, its exit
# status OUTDIR/X.rc; stderr of all runs is appended to OUTDIR/stderr.
# RACE_WRAP, when set, is a command put in front of HELPER (word-split),
# e.g. an strace that slows a system call down to widen the race window.
# Prints the number of runs. Used by t_abuse.sh.
set -u
helper=$1
req=$2
out=$3
gate=$out/.gate
mkdir -p "$out/.ready"
rm -f "$gate"
mkfifo "$gate"
n=0
for f in "$req"/*; do
	x=$(basename "$f")
	(
		: >"$out/.ready/$x"
		exec 9<"$gate"		# blocks until the barrier opens
		# shellcheck disable=SC2086
		${RACE_WRAP:-} "$helper" <"$f" >"$out/$x" 2>>"$out/stderr"
		echo $? >"$out/$x.rc"
	) &
	n=$((n + 1))
done
# every run is at the barrier (or about to be): open it
while [ "$(find "$out/.ready" -type f | wc -l)" -lt "$n" ]; do
	sleep 0.01
done
sleep 0.05
exec 8>"$gate"
wait
exec 8>&-
rm -rf "$gate" "$out/.ready"
echo "$n"
