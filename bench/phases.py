# SPDX-License-Identifier: BSD-3-Clause
"""phases.py - bench/run's measurements, one function per section of
results.json: login, helper, send_path, memory (load and scale are in
phases_load.py). Each takes the Bench context (bench/run) and returns a
JSON-able dict."""

import os
import re
import shutil
import subprocess
import time

from benchlib import (PAMTESTER, SYSTEM_CA, BenchError, CodeFromFile,
                      callgrind_argv, cg_files, cg_inclusive, helper_run,
                      login, med, ms, pct, ratio, reply_field, request,
                      service_dir, user_name, wrapper_env)

MODULES = ("permit", "ga", "oath", "smsotp")

# A tiny LD_PRELOAD object: at exit, append "pid VmHWM-kB VmRSS-kB" to
# $BENCH_RSS_OUT.
# VmHWM is the peak RSS of this very image (wait4's ru_maxrss would also
# count the forked parent's pages the image replaced at exec).
RSS_SHIM = r"""
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static char out[512];
__attribute__((constructor)) static void shim_init(void)
{
	const char *p = getenv("BENCH_RSS_OUT");
	if (p != NULL && strlen(p) < sizeof(out))
		strcpy(out, p);
}
__attribute__((destructor)) static void shim_fini(void)
{
	char buf[8192], line[64];
	const char *h;
	long kb = -1, rss = -1;
	int fd, n;
	if (out[0] == '\0' || (fd = open("/proc/self/status", O_RDONLY)) < 0)
		return;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if ((h = strstr(buf, "VmHWM:")) != NULL)
		kb = strtol(h + 6, NULL, 10);
	if ((h = strstr(buf, "VmRSS:")) != NULL)
		rss = strtol(h + 6, NULL, 10);
	if ((fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld %ld %ld\n", (long)getpid(), kb,
	    rss);
	if (n > 0 && n < (int)sizeof(line) && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}
"""

# Programs that do nothing but load libraries the way the helper does
# (PIE, -z now): the exec + dynamic loading share of a helper run.
NULL_PROG = r"""
#include <sodium.h>
#include <libconfig.h>
#include <jansson.h>
%s
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 9) {		/* never: keeps each library linked */
		config_t c;
		config_init(&c);
		json_decref(json_object());
		%s
	}
	return sodium_init() < 0;
}
"""
NULL_FLAGS = ["-O2", "-fPIE", "-pie", "-Wl,-z,relro", "-Wl,-z,now",
              "-Wl,--as-needed"]


def build_tools(b):
    """Compile the RSS shim and the null programs into the work dir."""
    cc = os.environ.get("CC", "cc")
    shim_c = os.path.join(b.work, "rss_shim.c")
    with open(shim_c, "w") as f:
        f.write(RSS_SHIM)
    b.shim = os.path.join(b.work, "rss_shim.so")
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", b.shim, shim_c],
                   check=True)
    b.null = {}
    variants = {
        "libc_only": None,
        "helper_libs": ("#include <curl/curl.h>", "curl_version();",
                        ["-lcurl", "-lsodium", "-lconfig", "-ljansson"]),
        "helper_libs_without_curl": ("", "", ["-lsodium", "-lconfig",
                                               "-ljansson"]),
        "helper_libs_without_curl_jansson": None,
    }
    for name, v in variants.items():
        src = os.path.join(b.work, "null_%s.c" % name)
        exe = os.path.join(b.work, "null_%s" % name)
        if name == "libc_only":
            text, libs = "int main(void) { return 0; }\n", []
        elif name == "helper_libs_without_curl_jansson":
            text = ("#include <sodium.h>\n#include <libconfig.h>\n"
                    "int main(int argc, char **argv) { (void)argv;\n"
                    "if (argc > 9) { config_t c; config_init(&c); }\n"
                    "return sodium_init() < 0; }\n")
            libs = ["-lsodium", "-lconfig"]
        else:
            text, libs = NULL_PROG % (v[0], v[1]), v[2]
        with open(src, "w") as f:
            f.write(text)
        subprocess.run([cc] + NULL_FLAGS + ["-o", exe, src] + libs,
                       check=True)
        b.null[name] = exe
    b.loadgen = os.path.join(b.work, "loadgen")
    subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-o",
                    b.loadgen, os.path.join(os.path.dirname(
                        os.path.abspath(__file__)), "loadgen.c"), "-lpam"],
                   check=True)


def setup_services(b):
    """The pam_wrapper service dir of the login section."""
    lines = b.refs.lines()
    lines["permit"] = "auth required pam_permit.so"
    lines["smsotp"] = "auth required %s transport=exec" % b.prefix.so
    # the service section's: the two transports under their own names
    lines["smsotp_exec"] = lines["smsotp"]
    lines["smsotp_socket"] = "auth required %s transport=socket" % b.prefix.so
    b.svc = os.path.join(b.work, "svc")
    service_dir(b.svc, lines)


def one_login(b, module, user, argv_prefix=(), env=None, timeout=60.0,
              service=None):
    """One login of module (permit, ga, oath, smsotp) for user."""
    pre = b.refs.prepare(module)
    if module == "oath":
        user = b.refs.oath_user
    if module in ("ga", "oath"):
        answer = (lambda c=pre: c)
    elif module == "smsotp":
        answer = b.code_source(service or "smsotp")
    else:
        answer = None
    argv = list(argv_prefix) + [PAMTESTER, service or module, user,
                                "authenticate"]
    return login(argv, env or wrapper_env(b.svc), answer, timeout)


def cg_login(b, module, user, service=None):
    """Instructions of one whole login: pamtester and every process it
    starts (callgrind --trace-children=yes). The module's forked children
    are dumped just before their execve (--dump-before=execve, counted
    from glibc's posix_spawn child, __spawni_child, or the module's
    exec_helper where it forks):
    their pre-exec work is the module's too. Returns {total, pamtester, children_pre_exec, helpers:
    [per helper process], files}."""
    for _ in range(3):
        d = b.tmpdir("cg-%s" % module)
        argv = callgrind_argv(d) + [
            "--dump-before=execve",
            "--zero-before=__spawni_child",
            "--zero-before=exec_helper*"]
        r = one_login(b, module, user, argv, timeout=300.0, service=service)
        # pam_wrapper's /tmp/pam.X may be taken or removed by another test
        # run on a shared machine: try again
        if r["ok"] or b"PWRAP_ERROR" not in r["out"]:
            break
    if not r["ok"]:
        raise BenchError("callgrind login with %s failed: %r" %
                         (module, r["out"][-300:]))
    res = {"pamtester": 0, "children_pre_exec": 0, "helpers": [],
           "files": {}}
    for pid, cmd, tot, path in cg_files(d):
        if path.endswith(".1") or ".1." in os.path.basename(path):
            res["children_pre_exec"] += tot
            res["files"].setdefault("pre_exec", []).append(path)
        elif "smsotp-helper" in cmd:
            res["helpers"].append(tot)
            res["files"].setdefault("helpers", []).append(path)
        elif "pamtester" in cmd:
            res["pamtester"] += tot
            res["files"]["pamtester"] = path
    res["total"] = res["pamtester"] + res["children_pre_exec"] + \
        sum(res["helpers"])
    return res


def section_login(b):
    """1. One full authentication per module: wall time (runs, modules
    interleaved so that a noisy neighbour hits them alike) and callgrind
    instructions (one run each: deterministic)."""
    users = ["%s" % user_name(i) for i in range(10)]
    walls = {m: [] for m in MODULES}
    answers = {m: [] for m in MODULES}
    fails = {m: 0 for m in MODULES}
    for i in range(b.args.runs + 1):
        for m in MODULES:
            r = one_login(b, m, users[i % len(users)])
            if i == 0:
                continue	# warm-up round: page cache, pam_wrapper dirs
            if r["ok"]:
                walls[m].append(r["wall"])
                answers[m].append(r["answer_s"])
            else:
                fails[m] += 1
    b.prefix.helper_setgid(False)
    try:
        cg = {m: cg_login(b, m, users[0]) for m in MODULES}
    finally:
        b.prefix.helper_setgid(True)
    floor = cg["permit"]["total"]
    res = {"runs": b.args.runs, "modules": {}}
    for m in MODULES:
        w = walls[m]
        res["modules"][m] = {
            "wall_ms_median": ms(med(w)), "wall_ms_p99": ms(pct(w, 99)),
            "wall_ms_min": ms(min(w)) if w else None,
            "driver_answer_ms_median": ms(med(answers[m])),
            "failures": fails[m],
            "instructions": cg[m]["total"],
            "instructions_share": cg[m]["total"] - floor,
            "instructions_pamtester": cg[m]["pamtester"],
        }
    s = cg["smsotp"]
    helpers = s["helpers"]
    in_process = s["pamtester"] - cg["permit"]["pamtester"]
    ga_share = cg["ga"]["total"] - floor
    verify = helpers[-1] if helpers else 0
    pre = s["children_pre_exec"]
    nchild = max(1, len(helpers))
    res["smsotp_breakdown"] = {
        "module_in_process": in_process,
        "fork_children_pre_exec_each": pre // nchild,
        "helper_begin": helpers[0] if len(helpers) > 1 else None,
        "helper_verify": verify,
        "code_check": in_process + pre // nchild + verify,
        "whole_second_factor": s["total"] - floor,
        "rlimit_nofile": list(b.nofile),
    }
    res["ga_share"] = ga_share
    res["ratios"] = {
        "code_check_vs_ga_share":
            ratio(res["smsotp_breakdown"]["code_check"], ga_share),
        "whole_vs_ga_share":
            ratio(res["smsotp_breakdown"]["whole_second_factor"], ga_share),
        "wall_vs_ga": ratio(med(walls["smsotp"]), med(walls["ga"])),
        "wall_vs_permit": ratio(med(walls["smsotp"]), med(walls["permit"])),
    }
    b.cg_login_files = s["files"]
    return res


HELPER_FUNCS = {
    "config parse (conf_load, key_load)": ("smsotp_conf_load",
                                           "smsotp_key_load"),
    "state I/O (store, state_begin/commit/end)": (
        "smsotp_store_open", "smsotp_state_begin", "smsotp_state_commit",
        "smsotp_state_end", "smsotp_store_close"),
    "crypto (sodium init, code_*, challenge)": (
        "smsotp_crypto_init", "smsotp_code_generate", "smsotp_code_hash",
        "smsotp_code_check", "smsotp_challenge_new"),
    # what the engine calls: counted once
    "phone lookup (users file or index)": ("smsotp_phone_lookup",),
    "global limits (take, send-time sample)": ("smsotp_limits_take",
                                               "smsotp_limits_note_send"),
    "send (template, gw_send)": (
        "smsotp_template_render", "smsotp_gw_send",
        "smsotp_http_global_init"),
    "syslog": ("smsotp_log", "smsotp_log_init"),
}


def helper_split(path, total):
    """Callgrind inclusive costs of one helper process, by part."""
    inc = cg_inclusive(path)
    main = inc.get("main", 0)
    parts = {"exec + dynamic loading/relocation (_dl_start)":
             inc.get("_dl_start", 0),
             "library constructors (_dl_init)": inc.get("_dl_init", 0),
             "exit (destructors, _dl_fini)": inc.get("exit", 0)}
    inside = 0
    for name, fns in HELPER_FUNCS.items():
        v = sum(inc.get(f, 0) for f in fns)
        if fns == ("smsotp_phone_lookup",) and v == 0:	# older builds
            v = (inc.get("smsotp_phone_lookup_file2", 0) or
                 inc.get("smsotp_phone_lookup_file", 0))
        parts[name] = v
        inside += v
    parts["rest of main (request, reply, wipes)"] = max(0, main - inside)
    parts["total"] = total
    parts["main"] = main
    top = sorted(((v, k) for k, v in inc.items()
                  if k.startswith("smsotp_")), reverse=True)[:8]
    parts["top_smsotp_functions"] = {k: v for v, k in top}
    return parts


def begin_verify(b, user, service="bench"):
    """A begin and the matching verify request for user."""
    reply, _ = helper_run(b.prefix.helper, request(op="begin", user=user,
                                                   service=service))
    chal = reply_field(reply, "challenge")
    if chal is None:
        raise BenchError("helper begin for %s: %r" % (user, reply))
    code = CodeFromFile(b.prefix.outbox, service)
    code.offset = 0
    return request(op="verify", user=user, challenge=chal,
                   code=code().decode())


def section_helper(b):
    """2. One begin and one verify helper run: wall (median of runs) and
    callgrind inclusive costs by part; the null programs give the exec +
    loading share of the libraries alone."""
    res = {"runs": b.args.runs, "begin": {}, "verify": {}, "null_programs": {}}
    walls = {"begin": [], "verify": []}
    for i in range(b.args.runs):
        user = user_name(100 + i % 20)
        t0 = time.perf_counter()
        vreq = begin_verify(b, user, "hb%d" % i)
        walls["begin"].append(time.perf_counter() - t0)
        out, t = helper_run(b.prefix.helper, vreq)
        if reply_field(out, "status") != "OK":
            raise BenchError("helper verify: %r" % out)
        walls["verify"].append(t)
    # the begin wall above includes reading the outbox: tiny, and alike
    b.prefix.helper_setgid(False)
    try:
        d = b.tmpdir("cg-helper")
        for op in ("begin", "verify"):
            user = user_name(130)
            if op == "begin":
                rq = request(op="begin", user=user, service="hcg")
            else:
                rq = begin_verify(b, user, "hcg2")
            subprocess.run(callgrind_argv(d, children=False) +
                           [b.prefix.helper], input=rq.encode(),
                           stdout=subprocess.DEVNULL, env={}, check=False)
            f = max(cg_files(d), key=lambda x: os.stat(x[3]).st_mtime)
            res[op]["instructions"] = helper_split(f[3], f[2])
            os.rename(f[3], os.path.join(d, "helper-%s.cg" % op))
    finally:
        b.prefix.helper_setgid(True)
    for op in ("begin", "verify"):
        res[op]["wall_ms_median"] = ms(med(walls[op]))
        res[op]["wall_ms_p99"] = ms(pct(walls[op], 99))
    for name, exe in b.null.items():
        w = []
        for _ in range(b.args.runs):
            t0 = time.perf_counter()
            subprocess.run([exe], env={}, check=False)
            w.append(time.perf_counter() - t0)
        d = b.tmpdir("cg-null-%s" % name)
        subprocess.run(callgrind_argv(d, children=False) + [exe], env={})
        rss = os.path.join(b.work, "rss-null")
        subprocess.run([exe], env=shim_env(b, {}, rss), check=False)
        res["null_programs"][name] = {"wall_ms_median": ms(med(w)),
                                      "instructions": cg_files(d)[0][2],
                                      "vmhwm_kb": (read_rss(rss) or [None])[0]}
    res["fsync"] = fsync_times(b)
    n = res["null_programs"]
    v = res["verify"]["instructions"]["total"]
    saved = n["helper_libs"]["instructions"] - \
        n["helper_libs_without_curl"]["instructions"]
    linked = b"libcurl" in subprocess.run(
        ["ldd", b.prefix.helper], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL).stdout
    res["estimate_without_libcurl"] = {
        # the helper dlopens libcurl for HTTP sends only (helper/gateways/http_client.c):
        # what linking it would add to every run, begin and verify alike
        "helper_links_libcurl": linked,
        "verify_instructions": v - saved if linked else v,
        "verify_instructions_if_linked": v if linked else v + saved,
        "libcurl_load_instructions": saved,
        "libcurl_load_wall_ms": round(n["helper_libs"]["wall_ms_median"] -
                                      n["helper_libs_without_curl"]
                                      ["wall_ms_median"], 3),
    }
    return res


def fsync_times(b):
    """fsync/fdatasync calls and their total time (ms, median of runs) in
    one begin and one verify helper run, from strace -T."""
    if shutil.which("strace") is None:
        return None
    res = {}
    for op in ("begin", "verify"):
        counts, totals = [], []
        for i in range(max(3, min(b.args.runs, 10))):
            user = user_name(140 + i)
            rq = request(op="begin", user=user, service="fs%d" % i) \
                if op == "begin" else begin_verify(b, user, "fv%d" % i)
            log = os.path.join(b.work, "strace.out")
            subprocess.run(["strace", "-f", "-T", "-qq", "-o", log, "-e",
                            "trace=fsync,fdatasync", b.prefix.helper],
                           input=rq.encode(), stdout=subprocess.DEVNULL,
                           env={}, check=False)
            t = [float(x) for x in
                 re.findall(r"<([0-9.]+)>", open(log).read())]
            counts.append(len(t))
            totals.append(sum(t))
        res[op] = {"calls": med(counts), "ms_median": ms(med(totals))}
    return res


def shim_env(b, base, out):
    env = dict(base)
    env["LD_PRELOAD"] = (env.get("LD_PRELOAD", "") + " " + b.shim).strip()
    env["BENCH_RSS_OUT"] = out
    return env


def read_rss(path, field=1):
    """VmHWM (field 1) or VmRSS at exit (field 2) values, kB."""
    vals = []
    if os.path.exists(path):
        for line in open(path):
            vals.append(int(line.split()[field]))
        os.unlink(path)
    return vals


def helper_peak(b, req):
    """Peak RSS (kB, VmHWM) of one helper run (setgid cleared: the shim is
    not preloaded into a setgid program)."""
    out = os.path.join(b.work, "rss-helper")
    b.prefix.helper_setgid(False)
    try:
        subprocess.run([b.prefix.helper], input=req.encode(),
                       stdout=subprocess.DEVNULL,
                       env=shim_env(b, {}, out), check=False)
    finally:
        b.prefix.helper_setgid(True)
    v = read_rss(out)
    return v[0] if v else None


def section_memory(b):
    """6. Peak RSS of the helper; what the module adds to pamtester."""
    res = {"pamtester_vmhwm_kb": {}, "pamtester_vmrss_at_exit_kb": {}}
    out = os.path.join(b.work, "rss-pamtester")
    for m in MODULES:
        hwm, rss = [], []
        for i in range(max(3, min(b.args.runs, 10))):
            r = one_login(b, m, user_name(150 + i),
                          env=shim_env(b, wrapper_env(b.svc), out))
            text = open(out).read() if os.path.exists(out) else ""
            v = read_rss(out)
            if r["ok"] and v:
                hwm.append(v[-1])
                rss.append(int(text.split()[-1]))
        res["pamtester_vmhwm_kb"][m] = med(hwm)
        res["pamtester_vmrss_at_exit_kb"][m] = med(rss)
    for key, p in (("adds_kb_peak", res["pamtester_vmhwm_kb"]),
                   ("adds_kb_at_exit", res["pamtester_vmrss_at_exit_kb"])):
        if None not in p.values():
            res[key] = {m: p[m] - p["permit"] for m in MODULES
                        if m != "permit"}
    user = user_name(170)
    res["helper_vmhwm_kb"] = {
        "begin_outbox": helper_peak(b, request(op="begin", user=user,
                                               service="rss")),
        "verify": helper_peak(b, begin_verify(b, user_name(171), "rss2")),
    }
    res["helper_vmhwm_kb"].update(b.twilio_rss)
    res["helper_peak_kb"] = max(v for v in res["helper_vmhwm_kb"].values()
                                if v is not None)
    return res


def section_send(b):
    """3. pam_authenticate start to the mock HTTPS gateway's receipt, for
    twilio with a one-certificate ca_file and with the system bundle (plus
    the test CA, which the system bundle lacks)."""
    certs = os.path.join(b.work, "certs")
    subprocess.run([os.path.join(b.top, "tests/integration/mkcerts.sh"),
                    certs], check=True)
    bundle = os.path.join(b.work, "bundle.pem")
    pems = open(SYSTEM_CA).read().split("-----END CERTIFICATE-----")[:-1]
    if b.args.bundle_certs:
        pems = pems[:b.args.bundle_certs]
    with open(bundle, "w") as f:
        f.write("".join(p + "-----END CERTIFICATE-----\n" for p in pems))
        f.write(open(os.path.join(certs, "ca.pem")).read())
    ncert = open(bundle).read().count("BEGIN CERTIFICATE")
    # the resident service (_smsotp) reads the CA files too: public ones
    os.chmod(b.work, 0o711)
    os.chmod(certs, 0o711)
    for f in (bundle, os.path.join(certs, "ca.pem")):
        os.chmod(f, 0o644)
    log = os.path.join(b.work, "mock.log")
    port = b.start_mock(certs, log, keep_alive=True)
    sid = "AC0123456789abcdef0123456789abcdef"
    res = {"runs": b.args.runs, "bundle_certificates": ncert}
    b.twilio_rss = {}
    for name, ca in (("one_cert", os.path.join(certs, "ca.pem")),
                     ("system_bundle", bundle)):
        gw = ('( { name = "twilio"; type = "twilio"; account_sid = "%s"; '
              'auth_token_file = "%s"; from = "+15005550006"; '
              'base_url = "https://127.0.0.1:%d"; ca_file = "%s"; '
              'connect_timeout = 3; timeout = 10; } );'
              % (sid, b.prefix.token, port, ca))
        b.prefix.write_conf(gw)
        b.code_source = lambda svc: CodeFromFile(log, svc, json_log=True)
        lat, walls = [], []
        for i in range(b.args.runs):
            r = one_login(b, "smsotp", user_name(200 + i % 20))
            got = None
            for line in open(log):
                e = __import__("json").loads(line)
                if e.get("t", 0) >= r["t_start"]:
                    got = e["t"]
            if not r["ok"] or got is None:
                raise BenchError("twilio login failed: %r" % r["out"][-300:])
            lat.append(got - r["t_start"])
            walls.append(r["wall"])
        b.prefix.helper_setgid(False)
        try:
            d = b.tmpdir("cg-send-%s" % name)
            subprocess.run(callgrind_argv(d, children=False) +
                           [b.prefix.helper],
                           input=request(op="begin", user=user_name(230),
                                         service="cgs").encode(),
                           stdout=subprocess.DEVNULL, env={})
            f = cg_files(d)[0]
            inc = cg_inclusive(f[3])
        finally:
            b.prefix.helper_setgid(True)
        b.twilio_rss["begin_twilio_%s" % name] = helper_peak(
            b, request(op="begin", user=user_name(231), service="rss"))
        res[name] = {
            "to_gateway_ms_median": ms(med(lat)),
            "to_gateway_ms_p99": ms(pct(lat, 99)),
            "login_wall_ms_median": ms(med(walls)),
            "helper_begin_instructions": f[2],
            "gw_send_instructions": inc.get("smsotp_gw_send", 0),
        }
        if b.service_ok:
            from phases_service import sends_through_service
            svc = sends_through_service(b, log, 200)
            svc["service_vs_helper_begin"] = ratio(
                svc["service_instructions_warm_login"], f[2])
            res[name]["service"] = svc
    b.stop_mock()
    b.code_source = lambda svc: CodeFromFile(b.prefix.outbox, svc)
    b.prefix.write_conf("outbox")
    res["bundle_vs_one_cert_instructions"] = ratio(
        res["system_bundle"]["helper_begin_instructions"],
        res["one_cert"]["helper_begin_instructions"])
    return res

