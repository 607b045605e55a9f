# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - shared by the integration scripts (sourced, bash).
#
# The runner (scripts/test) builds and installs the project into
# $SMSOTP_PREFIX, configured with --sysconfdir=$SMSOTP_PREFIX/etc and
# --localstatedir=$SMSOTP_PREFIX/var, and exports SMSOTP_SYSLOG (the file
# where the test syslog sink writes). Each script prints one line per
# scenario, "PASS: tid" or "FAIL: tid (why)", and exits non-zero when a
# scenario failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=${SMSOTP_PREFIX:?SMSOTP_PREFIX must name the installed test prefix}
SO=$P/lib/security/pam_smsotp.so
HELPER=$P/libexec/smsotp-helper
CTL=$P/sbin/smsotpctl
ETC=$P/etc/security
CONF=$ETC/pam_smsotp.conf
USERS=$ETC/pam_smsotp.users
STATE=$P/var/lib/pam_smsotp
OUTBOX=$STATE/outbox
SYSLOG=${SMSOTP_SYSLOG:-/dev/null}
T=$(mktemp -d /tmp/smsotp-it.XXXXXX)
chmod 755 "$T"
export SMSOTP_SVCDIR=$T/svc SMSOTP_KEEP=$T/kept
export SMSOTP_CODE_CMD="tail -n 1 '$OUTBOX' | cut -f 3 | grep -o '[0-9]\\{4,10\\}' | head -n 1"
mkdir -p "$SMSOTP_SVCDIR"
echo "auth required pam_deny.so" >"$SMSOTP_SVCDIR/other"
"$HERE/testusers.sh" add	# real accounts for the enrolled test users
npass=0
nfail=0
tid=""

# SMSOTP_TRANSPORT: how the module reaches the privileged side in the
# services below: "exec" (the default) or "socket", through the resident
# service that start_service runs on the prefix's socket.
TRANSPORT=${SMSOTP_TRANSPORT:-exec}
SOCK=$P/var/run/pam_smsotp/socket
svc_pid=""

# start_service ARGS...: smsotp-helper --listen on $SOCK, started by
# systemd-socket-activate as smsotp-helper.socket would start it
start_service() {
	rm -f "$SOCK"
	mkdir -p "$(dirname "$SOCK")"
	systemd-socket-activate -l "$SOCK" "$HELPER" --listen "$@" >"$T/svc.out" 2>&1 &
	svc_pid=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
	chmod 0666 "$SOCK"	# SocketMode=0666 in the unit
}
# stop_service: SIGTERM by PID; its exit status in $svc_rc
stop_service() {
	svc_rc=""
	[ -n "$svc_pid" ] || return 0
	kill -TERM "$svc_pid" 2>/dev/null
	wait "$svc_pid"
	svc_rc=$?
	svc_pid=""
	rm -f "$SOCK"
}

cleanup_lib() {
	stop_service
	rm -rf "$T"
	# pam_wrapper leaves copies of service dirs behind when killed
	find /tmp -maxdepth 1 -name 'pam.?' -user "$(id -u)" -exec rm -rf {} + 2>/dev/null
	return 0
}
trap cleanup_lib EXIT

pass() { npass=$((npass + 1)); echo "PASS: $tid"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $tid ($*)"; sed 's/^/    | /' "$T/last.out" 2>/dev/null | tail -n 15; }
check() { if "$@"; then pass; else fail "check failed: $*"; fi; }
finish() { echo "# $(basename "$0"): $npass passed, $nfail failed"; [ "$nfail" -eq 0 ]; }

# write_conf [EXTRA...]: config with the outbox gateway; extra lines appended.
write_conf() {
	{
		echo 'code = { length = 6; ttl = 300; max_attempts = 3; };'
		echo 'message = "%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.";'
		echo "phones = { file = \"$USERS\"; default_country = \"44\"; };"
		echo "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; } );"
		for l in "$@"; do echo "$l"; done
	} >"$CONF.new"
	chown root:smsotp "$CONF.new" 2>/dev/null || true
	chmod 0640 "$CONF.new"
	mv -f "$CONF.new" "$CONF"
}

# write_conf_raw TEXT: the whole config.
write_conf_raw() {
	printf '%s\n' "$1" >"$CONF.new"
	chown root:smsotp "$CONF.new" 2>/dev/null || true
	chmod 0640 "$CONF.new"
	mv -f "$CONF.new" "$CONF"
}

# users LINE...: the users file.
users() {
	printf '%s\n' "$@" >"$USERS.new"
	chown root:smsotp "$USERS.new" 2>/dev/null || true
	chmod 0640 "$USERS.new"
	mv -f "$USERS.new" "$USERS"
}

# service NAME [MODULE ARGS...]: a pam_wrapper service with pam_smsotp.
service() {
	local name=$1
	shift
	echo "auth required $SO transport=$TRANSPORT $*" >"$SMSOTP_SVCDIR/$name"
	echo "account required pam_permit.so" >>"$SMSOTP_SVCDIR/$name"
}

# reset_state: forget all users' state and the outbox.
reset_state() {
	find "$STATE" -mindepth 1 -maxdepth 1 \( -name 'u-*' -o -name 'd-*' \) -delete 2>/dev/null	# users' and decoy slots' state
	rm -rf "$STATE/global.d"	# global send counters (60 a minute by default)
	rm -f "$STATE"/g-*	# circuit breakers of the gateways
	rm -f "$OUTBOX"
}

outbox_lines() { [ -f "$OUTBOX" ] && wc -l <"$OUTBOX" || echo 0; }

# failures USER: the helper's count of USER's consecutive wrong codes.
failures() {
	"$CTL" -c "$CONF" --json status "$1" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["failures"])'
}

# login SERVICE USER ANSWER...: run the driver; output in $T/last.out.
login() {
	"$HERE/login.exp" "$@" >"$T/last.out" 2>&1
}

# result_is TEXT: the driver's last RESULT line equals "TEXT".
result_is() { grep -qxF "RESULT: $1" "$T/last.out"; }
prompt_has() { grep -q "^PROMPT: .*$1" "$T/last.out"; }

# helper_req LINES: one raw request to the installed helper (as root);
# prints the reply; exit status = the helper's.
helper_req() { printf '%s\n' "$@" | "$HELPER"; }

if [ "$TRANSPORT" = socket ]; then start_service; fi
