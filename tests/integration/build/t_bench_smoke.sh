#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_bench_smoke.sh - bench/run --quick against the installed test prefix, so
# that the benchmark cannot rot: it must complete, write a results.json with
# every section measured, and leave the prefix as it found it. The figures
# and targets are not checked here (the machine may be busy).
. "$(dirname "$0")/../lib.sh"

TOP=$(cd "$HERE/../.." && pwd)
mode_before=$(stat -c %a "$HELPER")
# The bench starts from a freshly installed prefix, as bench/README.md has
# it: no configuration, no users file. Whatever the scripts before this one
# left is put back at the end.
had_conf=0 had_users=0
[ -f "$CONF" ] && had_conf=1 && cp -p "$CONF" "$T/conf.orig"
[ -f "$USERS" ] && had_users=1 && cp -p "$USERS" "$T/users.orig"
rm -f "$CONF" "$USERS" "$USERS.cdb"

tid=bench_quick_completes
# with the build dir (scripts/test exports it) the what-if relinks run too
"$TOP/bench/run" --quick --prefix "$P" --out "$T/results.json" \
	${SMSOTP_BUILDDIR:+--build-dir "$SMSOTP_BUILDDIR"} >"$T/last.out" 2>&1
rc=$?
check [ "$rc" -eq 0 ]

tid=bench_json_has_every_section
check /usr/bin/python3 - "$T/results.json" "${SMSOTP_BUILDDIR:-}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if sys.argv[2]:
    for k in ("as_built",):
        assert r["whatif"][k]["verify_instructions"] > 0, r.get("whatif")
assert "error" not in r, r.get("error")
need = {
    "login": ["ga_share", "smsotp_breakdown", "ratios", "modules"],
    "service": ["kinds", "ratios"],
    "helper": ["begin", "verify", "null_programs", "estimate_without_libcurl"],
    "send_path": ["one_cert", "system_bundle"],
    "memory": ["helper_vmhwm_kb", "helper_peak_kb", "pamtester_vmhwm_kb"],
    "load": ["distinct", "one_user", "permit_reference", "distinct_socket",
             "one_user_socket"],
    "scale": ["ten_users", "many_users", "instructions_ratio"],
    "targets": [], "meta": ["loadavg_start"],
}
for sec, keys in need.items():
    assert sec in r, "section %s missing" % sec
    for k in keys:
        assert r[sec].get(k) is not None, "%s.%s missing" % (sec, k)
for m in ("permit", "ga", "oath", "smsotp"):
    v = r["login"]["modules"][m]
    assert v["instructions"] > 0 and v["wall_ms_median"] > 0, (m, v)
    assert v["failures"] == 0, (m, v)
for k in ("permit", "ga", "smsotp_exec", "smsotp_socket"):
    v = r["service"]["kinds"][k]
    assert v["instructions"] > 0 and v["wall_ms_median"] > 0, (k, v)
    assert v["failures"] == 0, (k, v)
assert r["service"]["kinds"]["smsotp_socket"]["instructions_service"] > 0
assert r["service"]["service_exit"] == 0, r["service"]
for op in ("begin", "verify"):
    assert r["helper"][op]["instructions"]["total"] > 0, op
assert all(x["failures"] == 0 for x in r["load"]["distinct"]), r["load"]
assert all(x["checks"]["limits_hold"] for x in r["load"]["one_user"])
assert r["load"]["distinct_socket"]["failures"] == 0, r["load"]
assert r["load"]["one_user_socket"]["checks"]["limits_hold"], r["load"]
assert r["load"]["service_exit"] == 0, r["load"]
rs = r["load"]["service_rss"]
assert rs["after_all"]["logins"] >= 200 and rs["after_first"]["vm_rss_kb"] > 0, rs
assert rs["service_exit"] == 0, rs
for k in ("one_cert", "system_bundle"):
    sv = r["send_path"][k]["service"]
    assert sv["to_gateway_ms_median"] > 0, sv
    assert sv["service_instructions_warm_login"] > 0, sv
for t in ("code_check_le_2x_ga_share", "whole_le_4x_ga_share",
          "wall_le_1_5x_ga", "load_n32_ge_300_per_s_p99_lt_50ms",
          "one_user_limits_hold", "many_users_le_1_2x_ten",
          "helper_peak_rss_le_6_mib", "service_whole_le_2x_ga_share",
          "service_wall_le_1_2x_ga", "service_one_user_limits_hold",
          "service_load_ge_0_8x_permit_p99_le_1_5x",
          "service_rss_growth_le_10pct",
          "service_warm_send_le_5ms_cpu_le_tenth"):
    assert t in r["targets"], "target %s missing" % t
PY

tid=bench_prints_table
check grep -q "^targets:" "$T/last.out"

tid=bench_restores_prefix
left=$(find /etc/pam.d -maxdepth 1 -name 'smsotpbench-*' | wc -l)
check eval '[ "$(stat -c %a "$HELPER")" = "$mode_before" ] &&
	[ ! -e "$CONF" ] && [ ! -e "$USERS" ] &&
	[ "$left" -eq 0 ] && [ ! -e "$P/var/run/pam_smsotp/socket" ] &&
	[ "$(find "$STATE" -maxdepth 1 -name "u-*" | wc -l)" -eq 0 ]'

[ $had_conf = 1 ] && cp -p "$T/conf.orig" "$CONF"
[ $had_users = 1 ] && cp -p "$T/users.orig" "$USERS"
finish
