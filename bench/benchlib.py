# SPDX-License-Identifier: BSD-3-Clause
"""benchlib.py - the pieces bench/run is made of: the installed prefix and
its configuration, the reference modules (pam_permit,
pam_google_authenticator, pam_oath), one pamtester login as a measured
process, callgrind runs and their parsing, statistics.

Every login is one `pamtester SERVICE USER authenticate` process, driven
the same way for every module: stdout and stderr on one pipe, and when the
output ends with a prompt ("...: ") the driver writes the answer on stdin.
The answer is computed outside the timed process where it can be (TOTP
codes: before the spawn); for pam_smsotp it is read from the outbox (or the
mock gateway's log) once the prompt shows, because only then does it exist.
The wall time is taken around the pamtester process (spawn to reap); the
driver's own reaction time inside it is recorded per login ("answer_ms")
so that it can be compared between modules.
"""

import hashlib
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import tempfile
import time

PAMTESTER = shutil.which("pamtester") or "/usr/bin/pamtester"
BASE_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
            "LC_ALL": "C"}
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"
OK_TEXT = b"successfully authenticated"


class BenchError(Exception):
    """A measurement could not be made; the message says why."""


# --- statistics ------------------------------------------------------------

def pct(values, p):
    """The p-th percentile (nearest rank) of values, or None."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def med(values):
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return round(a / b, 3)


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 3)


# --- the installed project -------------------------------------------------

class Prefix:
    """An installed prefix (scripts/build.sh + make install + smsotpctl
    init), with the bench's configuration written into it. The files the
    bench overwrites are saved first and put back by restore()."""

    def __init__(self, prefix, work):
        self.p = prefix
        self.work = work
        self.so = os.path.join(prefix, "lib/security/pam_smsotp.so")
        self.helper = os.path.join(prefix, "libexec/smsotp-helper")
        self.ctl = os.path.join(prefix, "sbin/smsotpctl")
        self.etc = os.path.join(prefix, "etc/security")
        self.conf = os.path.join(self.etc, "pam_smsotp.conf")
        self.users = os.path.join(self.etc, "pam_smsotp.users")
        self.token = os.path.join(self.etc, "pam_smsotp.twilio")
        self.state = os.path.join(prefix, "var/lib/pam_smsotp")
        self.outbox = os.path.join(self.state, "outbox")
        for f in (self.so, self.helper, self.ctl):
            if not os.path.exists(f):
                raise BenchError("%s missing: build and install first "
                                 "(bench/README.md)" % f)
        if not os.path.isdir(self.state):
            raise BenchError("%s missing: run smsotpctl init" % self.state)
        self.saved = {}
        for f in (self.conf, self.users, self.token):
            self.saved[f] = open(f, "rb").read() if os.path.exists(f) \
                else None
        self.helper_mode = os.stat(self.helper).st_mode & 0o7777
        self.optional = None   # config keys this build accepts, probed

    def restore(self):
        """Put back what the bench changed (config files, helper mode)."""
        for f, data in self.saved.items():
            if data is None:
                if os.path.exists(f):
                    os.unlink(f)
            else:
                write_file(f, data, 0o640 if f == self.conf else 0o644)
        try:
            os.chmod(self.helper, self.helper_mode)
        except OSError:
            pass
        self.reset_state()

    def helper_setgid(self, on):
        """valgrind refuses to run setuid/setgid programs: callgrind runs
        use the same binary with the setgid bit cleared (the bench runs as
        root, which needs no setgid). restore() puts the mode back."""
        os.chmod(self.helper, self.helper_mode if on
                 else self.helper_mode & ~0o6000)

    def reset_state(self):
        """Forget every user's state and the outbox (as the tests do)."""
        with os.scandir(self.state) as it:
            for e in it:
                if e.name.startswith("u-") or e.name == "outbox":
                    os.unlink(e.path)

    def write_users(self, lines, index=True):
        """The users file, and its index (smsotpctl index, as an admin
        with many users runs it) unless index is False or the build has no
        index: then any old index is removed."""
        tmp = self.users + ".new"
        with open(tmp, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.users)
        self.drop_index()
        if index and self.has_index():
            r = subprocess.run([self.ctl, "-c", self.conf, "index"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=BASE_ENV)
            if r.returncode != 0:
                raise BenchError("smsotpctl index: %r" % r.stdout[-300:])

    def has_index(self):
        """Whether this build's smsotpctl knows the index verb."""
        if getattr(self, "_has_index", None) is None:
            r = subprocess.run([self.ctl, "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=BASE_ENV)
            self._has_index = re.search(rb"(?m)^\s+index\b", r.stdout) \
                is not None
        return self._has_index

    def drop_index(self):
        try:
            os.unlink(self.users + ".cdb")
        except FileNotFoundError:
            pass

    def check_status(self, user):
        """False when smsotpctl status calls user's state corrupt."""
        r = subprocess.run([self.ctl, "-c", self.conf, "status", user],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=BASE_ENV)
        return b"CORRUPT" not in r.stdout.upper()

    def check_config(self):
        r = subprocess.run([self.ctl, "-c", self.conf, "check-config"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=BASE_ENV)
        return r.returncode, r.stdout.decode("utf-8", "replace")

    def write_conf(self, gateway, extra_limits=""):
        """The bench configuration: the outbox gateway (or a twilio
        gateway text in gateway), limits raised so that they never stop a
        benchmark login, and the optional settings of newer builds (global
        caps at their maximum, explicit statuses) when this build knows
        them."""
        if gateway == "outbox":
            gateway = ('( { name = "bench"; type = "outbox"; path = "%s"; } );'
                       % self.outbox)
        opt = self.probe_optional()
        # send_deadline at its maximum: under the N = 128 overload a login
        # waits its turn (for the global counts) longer than the default 15 s
        limits = ("resend_cooldown = 0; sends_per_user = 64; "
                  "sends_window = 60; max_live_codes = 8; send_deadline = 25; "
                  + opt.get("limits", "") + extra_limits)
        text = ("code = { length = 6; ttl = 300; max_attempts = 3; };\n"
                'message = "%%{code} is your %%{service} login code for '
                '%%{host}. It expires in %%{minutes} minutes.";\n'
                'phones = { file = "%s"; default_country = "44"; };\n'
                "limits = { %s };\n%s"
                "gateways = %s\n" % (self.users, limits, opt.get("top", ""),
                                     gateway))
        if "routes" not in gateway and "twilio" in gateway:
            text += 'routes = ( { prefix = "+"; gateways = [ "twilio" ]; } );\n'
        write_conf_file(self.conf, text)

    def probe_optional(self):
        """Which settings of newer builds this build accepts."""
        if self.optional is not None:
            return self.optional
        cand = [("limits", "global_sends_per_minute = 100000; "),
                ("limits", "global_sends_per_day = 10000000; "),
                ("top", "reveal_status = true;\n")]
        self.optional = {}
        for where, text in cand:
            base = ('gateways = ( { name = "b"; type = "outbox"; '
                    'path = "%s"; } );\n' % self.outbox)
            body = ("limits = { %s};\n" % text if where == "limits"
                    else text) + base
            write_conf_file(self.conf, body)
            rc, out = self.check_config()
            if rc == 0:
                self.optional[where] = self.optional.get(where, "") + text
        return self.optional


def write_file(path, data, mode):
    tmp = path + ".bench-new"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def write_conf_file(path, text):
    tmp = path + ".bench-new"
    with open(tmp, "w") as f:
        f.write(text)
    try:
        shutil.chown(tmp, "root", "smsotp")
    except (LookupError, PermissionError):
        pass
    os.chmod(tmp, 0o640)
    os.rename(tmp, path)


def user_name(i):
    return "bu%06d" % i


def user_phone(i):
    return "+447%09d" % i


def users_lines(n, extra=()):
    return ["%s %s" % (user_name(i), user_phone(i)) for i in range(n)] + \
        list(extra)


# --- the reference modules ---------------------------------------------------

class References:
    """pam_google_authenticator and pam_oath, each with a pristine secret
    copied back before every login (google-authenticator's -d refuses a
    code used before; pam_oath refuses a replayed one): every login then
    finds the same state and does the same work."""

    GA_CMD = ["google-authenticator", "-t", "-d", "-f", "-u", "-w", "3",
              "-e", "0", "-C", "-Q", "NONE", "-q", "-s"]

    def __init__(self, work):
        self.dir = os.path.join(work, "ref")
        os.makedirs(self.dir, mode=0o700)
        self.ga_file = os.path.join(self.dir, "ga.secret")
        self.ga_pristine = self.ga_file + ".pristine"
        subprocess.run(self.GA_CMD + [self.ga_pristine], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=BASE_ENV)
        self.ga_key = open(self.ga_pristine).readline().strip()
        self.oath_file = os.path.join(self.dir, "oath.users")
        self.oath_pristine = self.oath_file + ".pristine"
        self.oath_key = hashlib.sha1(os.urandom(32)).hexdigest()
        with open(self.oath_pristine, "w") as f:
            f.write("HOTP/T30/6\t%s\t-\t%s\n" % ("bu000000", self.oath_key))
        self.oath_user = "bu000000"

    def lines(self):
        """Service lines: name -> PAM line."""
        return {
            "ga": "auth required pam_google_authenticator.so secret=%s "
                  "user=root" % self.ga_file,
            "oath": "auth required pam_oath.so usersfile=%s window=3"
                    % self.oath_file,
        }

    def prepare(self, which):
        """Fresh secret file; returns the code to type."""
        if which == "ga":
            shutil.copyfile(self.ga_pristine, self.ga_file)
            os.chmod(self.ga_file, 0o400)
            return totp(["-b", self.ga_key])
        if which == "oath":
            shutil.copyfile(self.oath_pristine, self.oath_file)
            os.chmod(self.oath_file, 0o600)
            return totp([self.oath_key])
        return None


def totp(args):
    r = subprocess.run(["oathtool", "--totp"] + args, check=True,
                       stdout=subprocess.PIPE, env=BASE_ENV)
    return r.stdout.strip()


# --- one login -------------------------------------------------------------

def service_dir(path, services):
    """A pam_wrapper service directory: name -> auth line."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "other"), "w") as f:
        f.write("auth required pam_deny.so\n")
    for name, line in services.items():
        with open(os.path.join(path, name), "w") as f:
            f.write(line + "\naccount required pam_permit.so\n")


def wrapper_env(svcdir, preload=()):
    env = dict(BASE_ENV)
    env.update({"PAM_WRAPPER": "1", "PAM_WRAPPER_SERVICE_DIR": svcdir,
                "LD_PRELOAD": " ".join(("libpam_wrapper.so",) +
                                       tuple(preload))})
    return env


class CodeFromFile:
    """The code of a login from the outbox: the first line after offset
    whose text names the login's service (each concurrent login has its
    own service name, so its line is unambiguous)."""

    def __init__(self, path, service, json_log=False):
        self.path = path
        self.token = ("is your %s login code" % service).encode()
        self.json_log = json_log
        try:
            self.offset = os.stat(path).st_size
        except FileNotFoundError:
            self.offset = 0

    def __call__(self):
        for _ in range(200):
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            for line in data.split(b"\n"):
                if self.token not in line:
                    continue
                if self.json_log:
                    body = json.loads(line)["form"]["Body"].encode()
                else:
                    body = line.split(b"\t")[2]
                m = re.match(rb"([0-9]{4,10}) ", body)
                if m:
                    return m.group(1)
            time.sleep(0.001)
        raise BenchError("no code for %s in %s" % (self.token, self.path))


def login(argv, env, answer, timeout=60.0):
    """One pamtester process. answer: None (no prompt expected: EOF) or a
    callable returning the bytes to type. Returns a dict: ok, wall (s),
    prompts, answer_s (driver time inside the login), out, t_start (epoch),
    timed_out, no_code (prompted but no code was found)."""
    t_epoch = time.time()
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, close_fds=True)
    fd = p.stdout.fileno()
    out = b""
    prompts = 0
    answer_s = 0.0
    deadline = t0 + timeout
    timed_out = no_code = False
    while True:
        left = deadline - time.perf_counter()
        r, _, _ = select.select([fd], [], [], max(0.0, left))
        if not r:
            timed_out = True
            p.kill()
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        out += chunk
        last = out.rsplit(b"\n", 1)[-1]
        if last.endswith(b": ") and not last.startswith(b"pamtester:"):
            prompts += 1
            ta = time.perf_counter()
            try:
                if answer is None or prompts > 3:
                    p.stdin.close()
                else:
                    p.stdin.write(answer() + b"\n")
                    p.stdin.flush()
            except BenchError:
                no_code = True
                p.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
            answer_s += time.perf_counter() - ta
    _, status, _ = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    for f in (p.stdout, p.stdin):
        try:
            f.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
    return {"ok": p.returncode == 0 and OK_TEXT in out and not timed_out,
            "wall": t1 - t0, "prompts": prompts, "answer_s": answer_s,
            "out": out, "t_start": t_epoch,
            "timed_out": timed_out, "no_code": no_code}


def helper_run(helper, request, env=None):
    """One helper process with request on stdin: (reply text, wall s).
    Peak RSS is measured by phases.helper_peak (VmHWM): wait4's ru_maxrss
    would also count the forked parent's pages that the exec replaced."""
    t0 = time.perf_counter()
    p = subprocess.Popen([helper], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=env if env is not None else {}, close_fds=True)
    out = p.communicate(request.encode())[0]
    return out.decode("utf-8", "replace"), time.perf_counter() - t0


def request(**kv):
    return "".join("%s=%s\n" % (k, v) for k, v in kv.items())


def reply_field(reply, key):
    for line in reply.splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:]
    return None


# --- callgrind -------------------------------------------------------------

def callgrind_argv(outdir, children=True):
    return ["valgrind", "--tool=callgrind", "-q",
            "--trace-children=%s" % ("yes" if children else "no"),
            "--callgrind-out-file=%s/cg.%%p" % outdir]


def cg_files(outdir):
    """[(pid, cmd, totals, path)] of the callgrind files in outdir."""
    res = []
    for name in sorted(os.listdir(outdir)):
        if not name.startswith("cg."):
            continue
        path = os.path.join(outdir, name)
        cmd, tot = "", None
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("cmd:"):
                    cmd = line[4:].strip()
                elif line.startswith("totals:") or line.startswith("summary:"):
                    tot = int(line.split()[1])
        res.append((int(name.split(".")[1]), cmd, tot or 0, path))
    return res


_ANN = re.compile(r"^\s*([0-9,]+)\s+\([ 0-9.]+%\)\s+(.*)$")


def cg_inclusive(path):
    """{function name: inclusive Ir} from callgrind_annotate (largest entry
    when a name shows more than once, e.g. inlined parts)."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes",
                        "--threshold=100", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, env=BASE_ENV)
    res = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        m = _ANN.match(line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        where = m.group(2).split(" [")[0]
        fn = where.rsplit(":", 1)[-1].strip()
        if n > res.get(fn, -1):
            res[fn] = n
    return res


def mkwork():
    d = tempfile.mkdtemp(prefix="smsotp-bench.", dir="/tmp")
    os.chmod(d, 0o755)
    return d


# --- accounts ------------------------------------------------------------------

PASSWD = "/etc/passwd"
PWD_LOCK = "/etc/.pwd.lock"	# the lock shadow-utils' lckpwdf() takes
FIRST_UID = 3900000


class Accounts:
    """The helper serves accounts NSS knows (a name it does not know gets a
    decoy), so the users the bench logs in as are made real: passwd lines
    (no home, no shell, no password, group nogroup) added under the passwd
    lock in one write, and removed the same way by close()."""

    def __init__(self, names):
        import fcntl
        self.names = [n for n in names if not self._known(n)]
        if not self.names:
            return
        with open(PWD_LOCK, "a") as lk:
            fcntl.lockf(lk, fcntl.LOCK_EX)
            with open(PASSWD, "a") as f:
                for i, n in enumerate(self.names):
                    f.write("%s:x:%d:65534:pam_smsotp bench:/nonexistent:"
                            "/usr/sbin/nologin\n" % (n, FIRST_UID + i))

    @staticmethod
    def _known(name):
        import pwd
        try:
            pwd.getpwnam(name)
            return True
        except KeyError:
            return False

    def close(self):
        import fcntl
        if not self.names:
            return
        mine = set(self.names)
        with open(PWD_LOCK, "a") as lk:
            fcntl.lockf(lk, fcntl.LOCK_EX)
            with open(PASSWD) as f:
                keep = [l for l in f if l.split(":", 1)[0] not in mine or
                        ":pam_smsotp bench:" not in l]
            tmp = PASSWD + ".smsotp-bench"
            with open(tmp, "w") as f:
                f.writelines(keep)
            st = os.stat(PASSWD)
            os.chmod(tmp, st.st_mode & 0o7777)
            os.chown(tmp, st.st_uid, st.st_gid)
            os.rename(tmp, PASSWD)
        self.names = []
