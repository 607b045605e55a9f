"""whatif.py - bench/run's optional "whatif" section (--build-dir): the
helper's own objects from a build dir relinked three ways, to measure
what the proposed fixes would save before anyone writes them:

  as_built        the same link as the installed helper (libcurl linked)
  without_curl    libcurl replaced by a stub (curl_global_init a no-op,
                  every other curl_* aborts): what a helper that loads
                  libcurl only when an HTTP gateway sends would cost on
                  the outbox and verify paths
  static_no_curl  the same, -static-pie: no dynamic loading at all

Each variant runs one begin (outbox) and one verify on the installed
prefix's configuration (its paths are compiled into the objects).
"""

import glob
import os
import re
import subprocess
import time

from benchlib import (BenchError, CodeFromFile, callgrind_argv, cg_files,
                      med, ms, reply_field, request, user_name)

STUB = r"""
#include <stdlib.h>
int curl_global_init(long flags);
int curl_global_init(long flags) { (void)flags; return 0; }
#define S(n) void n(void); void n(void) { abort(); }
"""
FLAGS = ["-fPIE", "-pie", "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--as-needed"]


def link_variants(b, bdir):
    objs = sorted(glob.glob(os.path.join(bdir, "helper",
                                         "smsotp_helper-*.o")))
    libs = [os.path.join(bdir, ".libs", x) for x in
            ("libsmsotpcore.a", "libsmsotpproto.a")]
    if not objs or not all(os.path.exists(x) for x in libs):
        raise BenchError("%s: no helper objects (build it first)" % bdir)
    cc = os.environ.get("CC", "cc")
    nm = subprocess.run(["nm", "-u"] + libs + objs, stdout=subprocess.PIPE,
                        check=True).stdout.decode()
    syms = sorted(set(re.findall(r"\b(curl_[a-z_]+)", nm)) -
                  {"curl_global_init"})
    stub_c = os.path.join(b.work, "stub_curl.c")
    with open(stub_c, "w") as f:
        f.write(STUB + "".join("S(%s)\n" % x for x in syms))
    stub_o = os.path.join(b.work, "stub_curl.o")
    subprocess.run([cc, "-O2", "-fPIE", "-c", "-o", stub_o, stub_c],
                   check=True)
    deps = ["-lsodium", "-lconfig", "-ljansson"]
    out = {}
    for name, extra, flags in (
            ("as_built", ["-lcurl"], FLAGS),
            ("without_curl", [stub_o], FLAGS),
            ("static_no_curl", [stub_o], ["-static-pie", "-fPIE",
                                          "-Wl,-z,relro", "-Wl,-z,now"])):
        exe = os.path.join(b.work, "helper_" + name)
        r = subprocess.run([cc] + flags + ["-o", exe] + objs + libs +
                           extra + deps, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out[name] = exe if r.returncode == 0 else None
    return out


def section_whatif(b):
    res = {"build_dir": b.args.build_dir}
    for name, exe in link_variants(b, b.args.build_dir).items():
        if exe is None:
            res[name] = None
            continue
        user = user_name(180 + len(res))
        d = b.tmpdir("whatif-" + name)
        svc = "wi%d" % len(res)
        subprocess.run(callgrind_argv(d, children=False) + [exe],
                       input=request(op="begin", user=user,
                                     service=svc).encode(),
                       stdout=subprocess.DEVNULL, env={})
        begin = cg_files(d)[0][2]
        off = os.stat(b.prefix.outbox).st_size
        rep = subprocess.run([exe], input=request(
            op="begin", user=user, service=svc + "v").encode(),
            stdout=subprocess.PIPE, env={}).stdout.decode()
        code = CodeFromFile(b.prefix.outbox, svc + "v")
        code.offset = off
        vrq = request(op="verify", user=user,
                      challenge=reply_field(rep, "challenge"),
                      code=code().decode())
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        r = subprocess.run(callgrind_argv(d, children=False) + [exe],
                           input=vrq.encode(), stdout=subprocess.PIPE,
                           env={})
        if reply_field(r.stdout.decode(), "status") != "OK":
            raise BenchError("whatif %s verify: %r" % (name, r.stdout))
        verify = cg_files(d)[0][2]
        walls = []
        for i in range(b.args.runs):
            rq = request(op="verify", user=user_name(190),
                         challenge="0" * 32, code="123456")
            t = time.perf_counter()
            subprocess.run([exe], input=rq.encode(),
                           stdout=subprocess.DEVNULL, env={})
            walls.append(time.perf_counter() - t)
        res[name] = {"begin_instructions": begin,
                     "verify_instructions": verify,
                     "verify_unknown_challenge_wall_ms_median": ms(med(walls))}
    return res
