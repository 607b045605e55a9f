# SPDX-License-Identifier: BSD-3-Clause
"""phases_load.py - bench/run's load (N parallel logins) and scale (100,000
users) sections.

Load runs without pam_wrapper: it has 62 configuration directories for the
whole machine (/tmp/pam.X), fewer than N = 128 parallel logins, and other
test runs on the same machine take some of them. The driver is
bench/loadgen.c: worker processes calling libpam, as pamtester does, without
a Python thread and a pamtester process per login (that harness topped out
at ~100 pam_permit logins/s at N = 32 here). Each worker gets its own
service file /etc/pam.d/smsotpbench-PID-wI (removed at the end), whose
name is also the PAM service the helper puts in the SMS text: a worker finds
its own code in the shared outbox by it.
"""

import hashlib
import os
import re
import subprocess
import time

from benchlib import (Accounts, BASE_ENV, BenchError, med, ms, pct, ratio,
                      user_name, users_lines)
from phases_service import Service

PAMD = "/etc/pam.d"
CONTEND_USER = "bcontend"
CONTEND_PHONE = "+447999999999"


class PamdServices:
    """Service files in /etc/pam.d for the load workers."""

    def __init__(self, tag):
        self.tag = "smsotpbench-%d-%s" % (os.getpid(), tag)
        self.made = []

    def make(self, n, line):
        names = []
        for i in range(n):
            name = "%s-w%d" % (self.tag, i)
            path = os.path.join(PAMD, name)
            with open(path, "w") as f:
                f.write("# bench/run (removed when it ends)\n%s\n"
                        "account required pam_permit.so\n" % line)
            self.made.append(path)
            names.append(name)
        return names

    def remove(self):
        for p in self.made:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        self.made = []


def run_load(b, services, user, duration, smsotp=True):
    """len(services) worker processes (bench/loadgen.c), each looping whole
    logins (pam_start + pam_authenticate + pam_end, as pamtester does, but
    without a pamtester process per login) for duration seconds; worker i
    uses services[i]. user None: distinct users (worker i's k-th login is
    user_name((i + k * N) % pool)); else every login is for user."""
    n = len(services)
    argv = [b.loadgen, b.prefix.outbox if smsotp else "-", str(duration),
            str(b.args.pool), user or "-"] + list(services)
    cpu0 = os.times()
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(BASE_ENV), timeout=duration + 120)
    elapsed = time.perf_counter() - t0
    cpu1 = os.times()
    if p.returncode != 0:
        raise BenchError("loadgen failed (%d): %r" % (p.returncode,
                                                      p.stderr[-300:]))
    allr = []
    for line in p.stdout.decode().splitlines():
        _, us, kind, prompts = line.split()
        allr.append((int(us) / 1e6, kind, int(prompts)))
    walls = [w for w, _, _ in allr]
    kinds = {}
    for _, k, _ in allr:
        kinds[k] = kinds.get(k, 0) + 1
    execs = sum(2 if pr > 0 else 1 for _, _, pr in allr) if smsotp else 0
    drv = (cpu1.children_user - cpu0.children_user) + \
        (cpu1.children_system - cpu0.children_system)
    return {
        "n": n, "seconds": round(elapsed, 3), "logins": len(allr),
        "logins_per_s": round(len(allr) / elapsed, 1),
        "latency_ms_p50": ms(pct(walls, 50)),
        "latency_ms_p99": ms(pct(walls, 99)),
        "helper_execs_per_s": round(execs / elapsed, 1),
        "outcomes": kinds,
        "prompted": sum(1 for _, _, pr in allr if pr > 0),
        "failures": len(allr) - kinds.get("ok", 0),
        "cpu_ms_per_login": round(drv * 1000.0 / max(1, len(allr)), 3),
    }


def spawn_ceiling(b, n, seconds):
    """What the machine can spawn: n workers posix_spawn'ing a program that
    links the helper's libraries and does nothing, for seconds. A login
    runs the helper twice, so half of this is the most logins/s any
    exec-per-request design gets here."""
    prog = b.null.get("helper_libs_without_curl")
    out = subprocess.run([b.loadgen, "--spawn", str(seconds), str(n), prog],
                         stdout=subprocess.PIPE, check=True,
                         timeout=seconds + 60).stdout
    per_s = int(out) / float(seconds)
    return {"n": n, "spawns_per_s": round(per_s, 1),
            "logins_per_s_ceiling": round(per_s / 2.0, 1)}


def state_file_of(b, user):
    h = hashlib.blake2b(user.encode(), digest_size=16).hexdigest()
    return os.path.join(b.prefix.state, "u-" + h)


def contention_checks(b, res, before_lines, limit, live_cap):
    """The limits held exactly: sends == min(attempts, limit) (outbox and
    state file), one send per prompted login, no more successes than sends,
    and the live codes in the state file within the cap."""
    lines = []
    if os.path.exists(b.prefix.outbox):
        with open(b.prefix.outbox, "rb") as f:
            f.seek(before_lines)
            lines = [l for l in f.read().split(b"\n")
                     if b"\t" + CONTEND_PHONE.encode() + b"\t" in l]
    sends = len(lines)
    o = res["outcomes"]
    prompted = res["prompted"]
    text = open(state_file_of(b, CONTEND_USER)).read() \
        if os.path.exists(state_file_of(b, CONTEND_USER)) else ""
    live = len(re.findall(r"^challenge ", text, re.M))
    m = re.search(r"^sends(.*)$", text, re.M)
    recorded = len(m.group(1).split()) if m else 0
    expect = min(res["logins"], limit)
    checks = {
        "sends": sends, "expected_sends": expect,
        "sends_recorded_in_state": recorded,
        "prompted_logins": prompted, "live_codes_at_end": live,
        "sends_exact": sends == expect and recorded == expect,
        "one_send_per_prompt": sends == prompted,
        "ok_within_sends": o.get("ok", 0) <= sends,
        "live_codes_within_cap": live <= live_cap,
    }
    checks["limits_hold"] = all(v for k, v in checks.items()
                                if isinstance(v, bool))
    # Not a limit: logins that failed for another reason (e.g. a state
    # lock not obtained within the helper's wait: fail closed).
    checks["errors"] = sum(o.get(k, 0) for k in ("error", "timeout",
                                                  "no_code"))
    return checks


def section_load(b):
    """4. N parallel logins across distinct users, then all on one user."""
    dur = b.args.duration
    pool = b.args.pool
    b.prefix.write_users(users_lines(pool) + ["%s %s" % (CONTEND_USER,
                                                         CONTEND_PHONE)])
    b.prefix.write_conf("outbox")
    res = {"duration_s": dur, "user_pool": pool, "rlimit_nofile":
           list(b.nofile), "distinct": [], "one_user": [],
           "sends_per_user": 64, "max_live_codes": 8}
    svc = PamdServices("load")
    b.cleanups.append(svc.remove)
    # the pool's accounts only for this section: the other figures are
    # taken with a passwd file of ordinary size
    accounts = Accounts([user_name(i) for i in range(pool)] + [CONTEND_USER])
    b.cleanups.append(accounts.close)
    try:
        nmax = max(b.args.load_n)
        names = svc.make(nmax, "auth required %s" % b.prefix.so)
        for n in b.args.load_n:
            b.prefix.reset_state()
            res["distinct"].append(run_load(b, names[:n], None, dur))
        ref_n = 32 if 32 in b.args.load_n else b.args.load_n[-1]
        psvc = PamdServices("permit")
        b.cleanups.append(psvc.remove)
        permit = psvc.make(ref_n, "auth required pam_permit.so")
        res["permit_reference"] = run_load(b, permit, None, dur,
                                           smsotp=False)
        psvc.remove()
        res["spawn_ceiling"] = spawn_ceiling(b, ref_n, min(dur, 10))
        for n in b.args.load_n:
            b.prefix.reset_state()
            r = run_load(b, names[:n], CONTEND_USER, dur)
            r["checks"] = contention_checks(b, r, 0, 64, 8)
            res["one_user"].append(r)
        res.update(socket_load(b, ref_n, dur))
    finally:
        svc.remove()
        accounts.close()
        b.prefix.reset_state()
    return res


def socket_load(b, n, dur):
    """The same loads at n workers through the resident service
    (transport=socket): distinct users, then all on one user."""
    ssvc = PamdServices("sock")
    b.cleanups.append(ssvc.remove)
    names = ssvc.make(n, "auth required %s transport=socket" % b.prefix.so)
    res = {}
    service = Service(b)
    try:
        b.prefix.reset_state()
        res["distinct_socket"] = run_load(b, names, None, dur)
        b.prefix.reset_state()
        r = run_load(b, names, CONTEND_USER, dur)
        r["checks"] = contention_checks(b, r, 0, 64, 8)
        res["one_user_socket"] = r
    finally:
        res["service_exit"] = service.stop()
    try:
        res["service_rss"] = service_rss(b, names)
    finally:
        ssvc.remove()
    return res


def vm_rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError("no VmRSS for %d" % pid)


def service_rss(b, names):
    """A fresh service's RSS after 1,000 logins (distinct users, len(names)
    workers) and after --rss-logins: the same loads in steps, the state
    emptied before each (the per-user and global limits)."""
    first = min(1000, b.args.rss_logins)
    service = Service(b)
    done, steps, rss = 0, [], {}
    # a step stays within the pool's send budget (64 a user a minute, the
    # state emptied before each step): more would be decoys, not logins
    budget = 0.8 * b.args.pool * 64
    try:
        rate = None
        while done < b.args.rss_logins:
            goal = first if not rss else b.args.rss_logins
            left = goal - done
            secs = 1.0 if rate is None else min(30.0, max(0.5, left / rate),
                                                max(0.2, budget / rate))
            b.prefix.reset_state()
            r = run_load(b, names, None, secs)
            if r["failures"]:
                raise BenchError("service RSS load: %d failed (%s)" %
                                 (r["failures"], r["outcomes"]))
            n = sum(r["outcomes"].values())
            rate = n / secs
            done += n
            steps.append(n)
            if not rss and done >= first:
                rss["after_first"] = {"logins": done,
                                      "vm_rss_kb": vm_rss_kb(service.p.pid)}
        rss["after_all"] = {"logins": done,
                            "vm_rss_kb": vm_rss_kb(service.p.pid)}
    finally:
        rss["service_exit"] = service.stop()
    rss["ratio"] = ratio(rss["after_all"]["vm_rss_kb"],
                         rss["after_first"]["vm_rss_kb"])
    rss["steps"] = len(steps)
    return rss


def make_states(b, n, prefix, when):
    """State files (and lock files) for n users named prefix%06d, each with
    one send an hour ago and no live code, made from a state file the
    helper itself wrote (so that the format is the helper's): the user
    line is replaced and the checksum recomputed."""
    tmpl_user = "%s%06d" % (prefix, n - 1)
    text = open(state_file_of(b, tmpl_user)).read()
    if "\nend " not in text:
        raise BenchError("unexpected state format: %r" % text[:200])
    body = text[:text.rindex("end ")]
    body = re.sub(r"(?m)^sends.*$", "sends %d" % (when - 3600), body)
    body = re.sub(r"(?m)^challenge .*\n", "", body)
    st = os.stat(state_file_of(b, tmpl_user))
    gid = st.st_gid
    t0 = time.perf_counter()
    for i in range(n - 1):
        u = "%s%06d" % (prefix, i)
        data = re.sub(r"(?m)^user .*$", "user " + u, body, count=1)
        data += "end %s\n" % hashlib.blake2b(data.encode(),
                                             digest_size=16).hexdigest()
        path = state_file_of(b, u)
        for p, d in ((path, data), (path + ".lock", "")):
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o660)
            os.write(fd, d.encode())
            os.fchown(fd, 0, gid)
            os.fchmod(fd, 0o660)
            os.close(fd)
    return time.perf_counter() - t0


def disk_per_user(b, n):
    blocks = apparent = files = 0
    with os.scandir(b.prefix.state) as it:
        for e in it:
            if e.name.startswith("u-"):
                st = e.stat(follow_symlinks=False)
                blocks += st.st_blocks * 512
                apparent += st.st_size
                files += 1
    dirsize = os.stat(b.prefix.state).st_size
    return {"allocated_bytes_per_user": round(blocks / n, 1),
            "apparent_bytes_per_user": round(apparent / n, 1),
            "files_per_user": round(files / n, 2),
            "directory_bytes": dirsize,
            "directory_bytes_per_user": round(dirsize / n, 1)}


def scale_point(b, n, prefix):
    """Login cost with n users in the users file and n state files; the
    login is for the last user of the file (the lookup reads all of it)."""
    from phases import one_login
    b.prefix.reset_state()
    b.prefix.write_users(["%s%06d +447%09d" % (prefix, i, i)
                          for i in range(n)])
    last = "%s%06d" % (prefix, n - 1)
    for _ in range(3):		# pam_wrapper's /tmp/pam.X may be contended
        r = one_login(b, "smsotp", last)	# makes the template state
        if r["ok"]:
            break
    if not r["ok"]:
        raise BenchError("scale login failed: %r" % r["out"][-200:])
    gen_s = make_states(b, n, prefix, int(time.time()))
    if b.prefix.check_status("%s%06d" % (prefix, 0)) is False:
        raise BenchError("generated state files are not readable")
    walls = []
    for _ in range(b.args.runs):
        r = one_login(b, "smsotp", last)
        if r["ok"]:
            walls.append(r["wall"])
    from phases import cg_login
    b.prefix.helper_setgid(False)
    try:
        cg = cg_login(b, "smsotp", last)
        scan = None
        if b.prefix.has_index():	# the same login without the index
            b.prefix.drop_index()
            scan = cg_login(b, "smsotp", last)
    finally:
        b.prefix.helper_setgid(True)
    out = {"users": n, "wall_ms_median": ms(med(walls)),
           "instructions": cg["total"],
           "helper_begin_instructions": cg["helpers"][0],
           "helper_verify_instructions": cg["helpers"][-1],
           "users_index": b.prefix.has_index(),
           "instructions_without_index": scan["total"] if scan else None,
           "generate_s": round(gen_s, 2)}
    out.update(disk_per_user(b, n))
    return out


def section_scale(b):
    """5. 100,000 users (users file and state files) against 10."""
    small = scale_point(b, 10, "bs")
    big = scale_point(b, b.args.scale_users, "bt")
    b.prefix.reset_state()
    b.prefix.write_users(users_lines(300))
    return {"ten_users": small, "many_users": big,
            "instructions_ratio": ratio(big["instructions"],
                                        small["instructions"]),
            "wall_ratio": ratio(big["wall_ms_median"],
                                small["wall_ms_median"])}

