# SPDX-License-Identifier: BSD-3-Clause
"""phases_service.py - bench/run's "service" section: the module through the
resident service (transport=socket) side by side with the exec'd helper
(transport=exec), pam_google_authenticator and pam_permit, in one run.

Wall time: --runs logins each, the four interleaved, in the login
section's service dir (phases.setup_services names the two transports). Instructions: the
login's pamtester (the module's side) under callgrind, plus the service's
instructions for that login's requests: two service instances under
callgrind, one serving a warm-up login, the other the warm-up and the
measured login; the second's total less the first's is what the measured
(warm) login cost the service. The service binds its own socket (the path
compiled into the module, --socket) and serves as _smsotp."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

from benchlib import BenchError, callgrind_argv, cg_files, med, ms, pct, \
    ratio, user_name
from phases import cg_login, one_login

KINDS = ("permit", "ga", "smsotp_exec", "smsotp_socket")
MODULE = {"permit": "permit", "ga": "ga", "smsotp_exec": "smsotp",
          "smsotp_socket": "smsotp"}


def socket_path(b):
    """The module's compiled-in socket: scripts/build.sh's runstatedir."""
    return b.args.socket or os.path.join(b.prefix.p,
                                         "var/run/pam_smsotp/socket")


class Service:
    """smsotp-helper --listen on the module's socket, stopped by PID."""

    def __init__(self, b, wrap=()):
        self.sock = socket_path(b)
        os.makedirs(os.path.dirname(self.sock), exist_ok=True)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.p = subprocess.Popen(
            list(wrap) + [b.prefix.helper, "--listen", "--socket",
                          self.sock],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
        for _ in range(600):
            if os.path.exists(self.sock):
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise BenchError("the service did not start on %s" % self.sock)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        return self.p.returncode


def one(b, kind, user):
    """One login of kind (KINDS) in the login section's service dir."""
    return one_login(b, MODULE[kind], user, timeout=300.0, service=kind)


def cg_pamtester(b, kind, user):
    """Instructions of one login of kind: pamtester and what it starts."""
    return cg_login(b, MODULE[kind], user, service=kind)["total"]


def cg_service(b, logins, first=0):
    """Total instructions of a service under callgrind that served
    `logins` smsotp_socket logins (of users[first..])."""
    d = tempfile.mkdtemp(prefix="cg-service.", dir=b.work)
    os.chmod(d, 0o755)
    svc = Service(b, callgrind_argv(d, children=False) + ["--vgdb=no"])
    # callgrind creates its file as root at the start and opens it again
    # at the exit, by then as _smsotp
    for name in os.listdir(d):
        shutil.chown(os.path.join(d, name), "_smsotp", "smsotp")
    try:
        for i in range(logins):
            r = one(b, "smsotp_socket", user_name(first + i))
            if not r["ok"]:
                raise BenchError("login through the service under "
                                 "callgrind failed: %r" % r["out"][-300:])
    finally:
        rc = svc.stop()
    files = cg_files(d)
    if rc != 0 or len(files) != 1:
        raise BenchError("service under callgrind: exit %s, %d files" %
                         (rc, len(files)))
    return files[0][2]


def section_service(b):
    if subprocess.run(["getent", "passwd", "_smsotp"],
                      stdout=subprocess.DEVNULL).returncode != 0:
        raise BenchError("no user _smsotp: the service needs it (README)")
    walls = {k: [] for k in KINDS}
    fails = {k: 0 for k in KINDS}
    svc = Service(b)
    try:
        for i in range(b.args.runs + 1):
            for k in KINDS:
                r = one(b, k, user_name(20 + i % 10))
                if i == 0:
                    continue	# warm-up: caches, the service's first load
                if r["ok"]:
                    walls[k].append(r["wall"])
                else:
                    fails[k] += 1
    finally:
        svc_rc = svc.stop()
    b.prefix.helper_setgid(False)
    try:
        cg = {k: cg_pamtester(b, k, user_name(40 + n))
              for n, k in enumerate(("permit", "ga", "smsotp_exec"))}
        svc = Service(b)
        try:
            one(b, "smsotp_socket", user_name(49))	# the first load
            cg["smsotp_socket_module"] = cg_pamtester(b, "smsotp_socket",
                                                      user_name(48))
        finally:
            svc.stop()
        one_login = cg_service(b, 1)
        two_logins = cg_service(b, 2)
    finally:
        b.prefix.helper_setgid(True)
    floor = cg["permit"]
    service_share = two_logins - one_login
    cg["smsotp_socket"] = cg["smsotp_socket_module"] + service_share
    res = {"runs": b.args.runs, "service_exit": svc_rc, "kinds": {}}
    for k in KINDS:
        w = walls[k]
        res["kinds"][k] = {
            "wall_ms_median": ms(med(w)), "wall_ms_p99": ms(pct(w, 99)),
            "failures": fails[k], "instructions": cg[k],
            "instructions_share": cg[k] - floor}
    res["kinds"]["smsotp_socket"]["instructions_module"] = \
        cg["smsotp_socket_module"] - floor
    res["kinds"]["smsotp_socket"]["instructions_service"] = service_share
    ga_share = cg["ga"] - floor
    res["ratios"] = {
        "socket_share_vs_ga_share": ratio(cg["smsotp_socket"] - floor,
                                          ga_share),
        "exec_share_vs_ga_share": ratio(cg["smsotp_exec"] - floor, ga_share),
        "socket_wall_vs_ga": ratio(med(walls["smsotp_socket"]),
                                   med(walls["ga"])),
        "exec_wall_vs_ga": ratio(med(walls["smsotp_exec"]), med(walls["ga"])),
        "socket_wall_vs_exec": ratio(med(walls["smsotp_socket"]),
                                     med(walls["smsotp_exec"])),
    }
    return res


def sends_through_service(b, log, first):
    """Twilio sends through the service, its connection to the gateway
    kept (the mock keeps it alive, as a provider does): pamtester's start
    to the gateway's receipt (the mock's "t"), after a warm-up login, and
    the service's instructions for one warm login (begin and verify: two
    instances under callgrind, as in section_service)."""
    import json
    lat = []
    svc = Service(b)
    try:
        for i in range(b.args.runs + 1):
            r = one(b, "smsotp_socket", user_name(first + i % 20))
            got = None
            for line in open(log):
                e = json.loads(line)
                if e.get("t", 0) >= r["t_start"]:
                    got = e["t"]
            if not r["ok"] or got is None:
                raise BenchError("twilio login through the service failed: "
                                 "%r" % r["out"][-300:])
            if i > 0:
                lat.append(got - r["t_start"])
    finally:
        svc.stop()
    b.prefix.helper_setgid(False)
    try:
        warm = (cg_service(b, 2, first + 20) - cg_service(b, 1, first + 22))
    finally:
        b.prefix.helper_setgid(True)
    return {"to_gateway_ms_median": ms(med(lat)),
            "to_gateway_ms_p99": ms(pct(lat, 99)),
            "service_instructions_warm_login": warm}
