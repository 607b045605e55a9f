#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""timing.py HELPER RUNS ENROLLED UNKNOWN STDERR_FILE

Time begin requests to the helper for enrolled users (comma-separated list,
used in turn) and unknown users (likewise), interleaved in a random order so
that load changes hit both alike. Every reply must be status=SENT. Prints
"enrolled_ms=<median> unknown_ms=<median> diff_pct=<|a-b|/max*100> runs=N";
exits 1 when a reply was not SENT. Used by t_abuse.sh.

Decoys wait as long as recent real begins took (samples the helper keeps,
refreshed one send in eight), so WARM enrolled begins first make the
samples those of this machine's present load, not of the tests before.
"""
import random
import statistics
import subprocess
import sys
import time

WARM = 160


def one(helper, user, errf):
    req = ("op=begin\nuser=%s\nservice=sshd\n" % user).encode()
    t0 = time.perf_counter()
    p = subprocess.run([helper], input=req, stdout=subprocess.PIPE,
                       stderr=errf, check=False)
    ms = (time.perf_counter() - t0) * 1000.0
    return ms, p.stdout.decode(errors="replace").startswith("status=SENT\n")


def main():
    helper, runs = sys.argv[1], int(sys.argv[2])
    enrolled = sys.argv[3].split(",")
    unknown = sys.argv[4].split(",")
    times = {"e": [], "u": []}
    ok = True
    with open(sys.argv[5], "ab") as errf:
        for i in range(WARM):	# the caches, and the decoys' samples
            one(helper, enrolled[i % len(enrolled)], errf)
        one(helper, unknown[0], errf)
        order = ["e"] * runs + ["u"] * runs
        random.shuffle(order)
        idx = {"e": 0, "u": 0}
        for kind in order:
            names = enrolled if kind == "e" else unknown
            user = names[idx[kind] % len(names)]
            idx[kind] += 1
            ms, sent = one(helper, user, errf)
            ok = ok and sent
            times[kind].append(ms)
    me = statistics.median(times["e"])
    mu = statistics.median(times["u"])
    diff = abs(me - mu) / max(me, mu) * 100.0
    print("enrolled_ms=%.1f unknown_ms=%.1f diff_pct=%.1f runs=%d" %
          (me, mu, diff, runs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
