#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_units.sh - the systemd units and the sysusers.d file of the resident
# service, as this build made and installed them: systemd-analyze verify
# finds nothing to say about them (and does about a unit with a missing
# helper), the sandbox's exposure is at most 2.0, they name the configured
# helper, socket, state directory, user and group, "make install
# DESTDIR=" puts them where configure said and "make uninstall" takes
# them away, systemd-sysusers reads the sysusers.d file, and the service
# run as the unit runs it makes no system call its filter forbids.
. "$(dirname "$0")/../lib.sh"
B=${SMSOTP_BUILDDIR:?SMSOTP_BUILDDIR must name the build directory}

# mkvar NAME: a variable of the build's Makefile, expanded by make
mkvar() {
	printf 'smsotp-print-var:\n\t@echo $(%s)\n' "$1" |
		make -s --no-print-directory -C "$B" -f Makefile -f - smsotp-print-var
}
UNITDIR=$(mkvar systemdsystemunitdir)
SYSUSERSDIR=$(mkvar sysusersdir)
SOCKET=$UNITDIR/smsotp-helper.socket
SERVICE=$UNITDIR/smsotp-helper.service
SYSUSERS=$SYSUSERSDIR/pam_smsotp.conf
# the units as installed with the test prefix, and systemd-analyze's view
# of the manual pages they name: the prefix's
export MANPATH=$P/share/man

tid=units_installed_where_configured
# a prefix that is not systemd's own gets the units under it
{ echo "unit dir: $UNITDIR"; echo "sysusers dir: $SYSUSERSDIR"; ls -l "$UNITDIR" "$SYSUSERSDIR"; } >"$T/last.out" 2>&1
check eval '[ "$UNITDIR" = "$P/lib/systemd/system" ] && [ "$SYSUSERSDIR" = "$P/lib/sysusers.d" ] &&
	[ -f "$SOCKET" ] && [ -f "$SERVICE" ] && [ -f "$SYSUSERS" ] &&
	cmp -s "$SERVICE" "$B/packaging/systemd/smsotp-helper.service" &&
	cmp -s "$SOCKET" "$B/packaging/systemd/smsotp-helper.socket" &&
	cmp -s "$SYSUSERS" "$B/packaging/systemd/pam_smsotp.sysusers"'

# --- (a) systemd-analyze verify -----------------------------------------
tid=units_verify_clean
# exit 0 and not a word: no unknown setting, no bad value, the helper
# exists and is executable, the manual pages exist
systemd-analyze verify "$SOCKET" "$SERVICE" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && [ ! -s "$T/last.out" ]'

tid=units_verify_sees_a_missing_helper
# the same check catches a unit whose ExecStart names no program
mkdir -p "$T/broken"
cp "$SOCKET" "$T/broken/"
sed "s|^ExecStart=$HELPER |ExecStart=$P/libexec/no-such-helper |" "$SERVICE" >"$T/broken/smsotp-helper.service"
systemd-analyze verify "$T/broken/smsotp-helper.socket" "$T/broken/smsotp-helper.service" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -ne 0 ] && grep -q "no-such-helper" "$T/last.out"'

# --- (b) the sandbox ----------------------------------------------------
# exposure UNIT: systemd-analyze's overall exposure (0.0-10.0); it exits 0
# whatever the score, so the number is read from its summary line
exposure() {
	systemd-analyze security --offline=yes "$1" 2>&1 | tee "$T/security.out" |
		sed -n 's/^→ Overall exposure level for [^:]*: \([0-9][0-9.]*\) .*/\1/p'
}
tid=service_exposure_at_most_2
e=$(exposure "$SERVICE")
echo "# exposure: ${e:-?} (systemd-analyze security --offline=yes smsotp-helper.service)"
grep '✗' "$T/security.out" >"$T/last.out"
check eval '[ -n "$e" ] && awk -v e="$e" "BEGIN { exit !(e <= 2.0) }"'

tid=exposure_measure_sees_an_open_unit
# a unit without the sandbox scores high: the number is read right
grep -v -e '^Protect' -e '^Private' -e '^Restrict' -e '^SystemCall' -e '^Capability' \
	-e '^NoNewPrivileges' -e '^MemoryDeny' -e '^LockPersonality' -e '^ProcSubset' \
	-e '^RemoveIPC' -e '^UMask' "$SERVICE" >"$T/broken/smsotp-helper.service"
e2=$(exposure "$T/broken/smsotp-helper.service")
echo "open unit: ${e2:-?}" >"$T/last.out"
check eval '[ -n "$e2" ] && awk -v e="$e2" "BEGIN { exit !(e > 5.0) }"'

tid=service_sandbox_settings
# the choices the exposure alone would not show: no capabilities, no user
# namespace (SO_PEERCRED must see real uids), the state directory shared
# (not StateDirectory=), forbidden calls answered EPERM
cp "$SERVICE" "$T/last.out"
check eval 'grep -qx "CapabilityBoundingSet=" "$SERVICE" && grep -qx "AmbientCapabilities=" "$SERVICE" &&
	grep -qx "NoNewPrivileges=yes" "$SERVICE" && grep -qx "ProtectSystem=strict" "$SERVICE" &&
	grep -qx "SystemCallFilter=@system-service" "$SERVICE" &&
	grep -qx "SystemCallFilter=~@privileged @resources" "$SERVICE" &&
	grep -qx "SystemCallErrorNumber=EPERM" "$SERVICE" &&
	grep -qx "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "$SERVICE" &&
	! grep -q "^PrivateUsers=" "$SERVICE" && ! grep -q "^StateDirectory=" "$SERVICE" &&
	! grep -q "^IPAddressDeny=" "$SERVICE"'

# --- (d) what the units name ----------------------------------------------
tid=service_runs_configured_helper
check eval 'grep -qx "ExecStart=$HELPER --listen" "$SERVICE" && grep -qx "Type=simple" "$SERVICE" &&
	grep -qx "User=_smsotp" "$SERVICE" && grep -qx "Group=smsotp" "$SERVICE" &&
	grep -qx "ReadWritePaths=-$STATE" "$SERVICE" && grep -qx "Requires=smsotp-helper.socket" "$SERVICE"'

tid=socket_is_the_compiled_in_one
# the socket the module connects to (compiled in) is the one systemd binds
strings "$SO" >"$T/sostrings"
grep -n "^ListenStream=\|^Socket\|^DirectoryMode\|^Accept\|^WantedBy" "$SOCKET" >"$T/last.out"
check eval 'grep -qx "ListenStream=$SOCK" "$SOCKET" && grep -qx "$SOCK" "$T/sostrings" &&
	grep -qx "SocketMode=0666" "$SOCKET" && grep -qx "SocketUser=root" "$SOCKET" &&
	grep -qx "SocketGroup=root" "$SOCKET" && grep -qx "DirectoryMode=0755" "$SOCKET" &&
	grep -qx "Accept=no" "$SOCKET" && grep -qx "WantedBy=sockets.target" "$SOCKET"'

tid=units_no_unreplaced_variables
check eval '! grep -n "@[a-z_]*@" "$SOCKET" "$SERVICE" "$SYSUSERS" >"$T/last.out"'

# --- (c) install and uninstall with DESTDIR -------------------------------
tid=destdir_install_units
D=$T/destdir
mkdir -p "$D"
make -s -C "$B" install DESTDIR="$D" >"$T/last.out" 2>&1
rc=$?
find "$D" -path "*systemd*" -o -path "*sysusers*" >>"$T/last.out"
check eval '[ $rc -eq 0 ] && cmp -s "$D$SERVICE" "$SERVICE" && cmp -s "$D$SOCKET" "$SOCKET" &&
	cmp -s "$D$SYSUSERS" "$SYSUSERS" && [ "$(stat -c %a "$D$SERVICE")" = 644 ] &&
	[ "$(stat -c %a "$D$SYSUSERS")" = 644 ]'

tid=destdir_uninstall_removes_units
make -s -C "$B" uninstall DESTDIR="$D" >"$T/last.out" 2>&1
rc=$?
find "$D" -mindepth 1 \( -type f -o -type l \) >>"$T/last.out"
check eval '[ $rc -eq 0 ] && [ ! -e "$D$SERVICE" ] && [ ! -e "$D$SOCKET" ] && [ ! -e "$D$SYSUSERS" ] &&
	[ -z "$(find "$D" -mindepth 1 \( -type f -o -type l \))" ]'

# --- (e) the sysusers.d file ----------------------------------------------
tid=sysusers_file_parses
# on an empty root: the group first, then the user with it as primary group
mkdir -p "$T/root"
systemd-sysusers --dry-run --root="$T/root" "$SYSUSERS" >"$T/last.out" 2>&1
rc=$?
gid=$(sed -n "s/^Creating group 'smsotp' with GID \([0-9]*\)\..*/\1/p" "$T/last.out")
check eval '[ $rc -eq 0 ] && [ -n "$gid" ] &&
	grep -q "^Creating user '"'"'_smsotp'"'"' (pam_smsotp resident service) with UID [0-9]* and GID $gid\." "$T/last.out" &&
	[ -z "$(find "$T/root" -type f)" ]'

tid=sysusers_check_sees_a_bad_line
# (a name sysusers.d(5) refuses; a missing group is only a message)
printf '%s\n' 'u smsotp:bad - "x" /nonexistent' >"$T/bad.conf"
systemd-sysusers --dry-run --root="$T/root" "$T/bad.conf" >"$T/last.out" 2>&1
check [ $? -ne 0 ]

tid=sysusers_matches_the_service
# the user and group systemd-sysusers would create are the unit's
check eval 'grep -qx "g smsotp -" "$SYSUSERS" &&
	grep -qx "u _smsotp -:smsotp \"pam_smsotp resident service\" /nonexistent /usr/sbin/nologin" "$SYSUSERS"'

# --- the system call filter, against what the service really calls ----------
tid=service_syscalls_within_filter
# The service as the unit runs it (User=_smsotp, Group=smsotp, the socket
# as fd 3) under strace: a begin (state, outbox gateway) and a verify make
# only system calls that the unit's SystemCallFilter= lines allow (as
# systemd-analyze expands their groups). Under User= it never calls
# setgroups/setresuid (they are for a start as root), and the groups the
# unit removes hold them.
users "alice +447700900123"
write_conf
reset_state
SD=$T/svcsock
mkdir -p "$SD"
chown _smsotp "$SD"
setpriv --reuid=_smsotp --regid=smsotp --clear-groups \
	strace -f -qq -o "$SD/strace.out" systemd-socket-activate -l "$SD/socket" \
	"$HELPER" --listen >"$T/svcrun.out" 2>&1 &
st_pid=$!
for _ in $(seq 100); do [ -S "$SD/socket" ] && break; sleep 0.05; done
/usr/bin/python3 "$HERE/sockclient.py" "$SD/socket" op=begin user=alice service=sshd \
	rhost=192.0.2.1 tty=ssh >"$T/begin.out" 2>&1
/usr/bin/python3 "$HERE/sockclient.py" "$SD/socket" op=verify user=alice \
	challenge="$(sed -n 's/^challenge=//p' "$T/begin.out")" code=000000 >"$T/verify.out" 2>&1
svc=$(pgrep -P "$st_pid" | head -n 1)
[ -n "$svc" ] && kill -TERM "$svc"
wait "$st_pid"
SERVICE="$SERVICE" /usr/bin/python3 - "$SD/strace.out" "$HELPER" >"$T/last.out" 2>&1 <<'PY'
import os, re, subprocess, sys
out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                     text=True, check=True).stdout
groups, cur = {}, None
for line in out.splitlines():
    t = line.strip()
    if not t or t.startswith("#"):
        continue
    if not line.startswith(" ") and t.startswith("@"):
        cur = groups.setdefault(t, [])
    elif cur is not None:
        cur.append(t)
def expand(names):
    r = set()
    for n in names:
        r |= expand(groups[n]) if n.startswith("@") else {n}
    return r
allowed = set()
for line in open(os.environ["SERVICE"]):
    m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
    if m:
        names = expand(m.group(2).split())
        allowed = allowed - names if m.group(1) else allowed | names
trace = open(sys.argv[1]).read().splitlines()
start = [i for i, l in enumerate(trace) if 'execve("%s"' % sys.argv[2] in l]
used = set()
for l in trace[start[0] if start else len(trace):]:
    m = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", l)
    if m and m.group(1) not in ("exit", "resumed"):
        used.add(m.group(1))
bad = sorted(used - allowed)
print("used:", " ".join(sorted(used)))
print("outside the filter:", " ".join(bad) or "none")
held = [c for c in ("setresuid", "setgroups", "fchown", "setrlimit") if c in allowed]
print("removed calls still allowed:", " ".join(held) or "none")
sys.exit(0 if start and len(used) > 20 and not bad and not held else 1)
PY
rc=$?
check eval '[ $rc -eq 0 ] && grep -q "^status=SENT" "$T/begin.out" && grep -q "^status=" "$T/verify.out"'

finish
