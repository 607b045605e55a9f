# SPDX-License-Identifier: BSD-3-Clause
"""whatif.py - bench/run's optional "whatif" section (--build-dir): the
helper's own objects from a build dir relinked, to measure what a change
of linking would save before anyone makes it:

  as_built   the same link as the installed helper (libsodium, libconfig,
             libjansson; libcurl and tinycdb are dlopen'ed when needed)
A -static-pie variant (no dynamic loading at all) was measured until the
helper looked users up in NSS: a static binary cannot load NSS modules
(getpwnam_r crashes in nss-systemd), so it is no longer a possible link.

Each variant runs one begin (outbox) and one verify on the installed
prefix's configuration (its paths are compiled into the objects).
"""

import glob
import os
import subprocess
import time

from benchlib import (BenchError, CodeFromFile, callgrind_argv, cg_files,
                      med, ms, reply_field, request, user_name)

FLAGS = ["-fPIE", "-pie", "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--as-needed"]


def link_variants(b, bdir):
    # the program's own objects, in whichever layer folder of helper/
    objs = sorted(glob.glob(os.path.join(bdir, "helper", "**",
                                         "smsotp_helper-*.o"), recursive=True))
    libs = [os.path.join(bdir, ".libs", x) for x in
            ("libsmsotpserver.a", "libsmsotpcore.a", "libsmsotpproto.a")]
    if not objs or not all(os.path.exists(x) for x in libs):
        raise BenchError("%s: no helper objects (build it first)" % bdir)
    cc = os.environ.get("CC", "cc")
    deps = ["-lsodium", "-lconfig", "-ljansson"]
    out = {}
    for name, flags in (("as_built", FLAGS),):
        exe = os.path.join(b.work, "helper_" + name)
        r = subprocess.run([cc] + flags + ["-o", exe] + objs + libs + deps,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise BenchError("relinking the helper (%s) failed: %s" %
                             (name, r.stdout.decode(errors="replace")[-600:]))
        out[name] = exe
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
