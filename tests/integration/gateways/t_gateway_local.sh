#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_gateway_local.sh - faults of this host, not of the SMS provider,
# through the installed helper: an outbox file planted by another user and
# an outbox in a directory everyone may write get nothing (refused and
# logged as local failures), and an unprivileged caller (a screen locker)
# whose route has only a smstools gateway skips it and never writes the
# circuit breaker. The PAM result of each login is printed: turning a
# local failure into ERROR (never skipped under failmode=safe) is the
# engine's part.
. "$(dirname "$0")/../lib.sh"

U1=smsotpgw1
made=""
if ! getent passwd $U1 >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin $U1 && made=$U1
fi
cleanup_all() {
	for u in $made; do userdel $u 2>/dev/null; done
	rm -f "$STATE"/g-*
	cleanup_lib
}
trap cleanup_all EXIT

log_mark=0
mark_log() { log_mark=$(stat -c %s "$SYSLOG" 2>/dev/null || echo 0); }
# since PATTERN: the syslog since mark_log has PATTERN (waits up to 2 s)
since() {
	for _ in $(seq 20); do
		tail -c +$((log_mark + 1)) "$SYSLOG" | grep -aq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
result() { sed -n 's/^RESULT: //p' "$T/last.out" | tail -n 1; }
breaker_files() { find "$STATE" -maxdepth 1 -name 'g-*' | wc -l; }

# conf GATEWAY: the config with that one gateway group and a breaker
conf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = 3; };
message = \"%{code} is your %{service} login code for %{host}. It expires in %{minutes} minutes.\";
phones = { file = \"$USERS\"; };
health = { failures = 1; window = 60; cooldown = 120; };
gateways = ( { $1 } );"
}

users "alice +447700900123" "$U1 +447700900111"
service smsotp-safe failmode=safe
service smsotp

# --- a root caller, an outbox file someone else created first ----------------
PD=$T/planted
mkdir -p "$PD"
chmod 0755 "$PD"
: >"$PD/outbox"
chown 65534:65534 "$PD/outbox"
chmod 0600 "$PD/outbox"
conf "name = \"planted\"; type = \"outbox\"; path = \"$PD/outbox\";"
reset_state
mark_log
SMSOTP_CODE_CMD=false login smsotp-safe alice
tid="planted_outbox_gets_nothing (login: $(result))"
check eval '[ ! -s "$PD/outbox" ] && [ "$(breaker_files)" -eq 0 ] &&
	since "send gateway=planted type=outbox to=+44.*outcome=local failure detail=\"refused: owned by uid 65534"'

# --- an outbox in a directory everyone may write (sticky or not) -------------
WD=$T/world
mkdir -p "$WD"
chmod 1777 "$WD"
conf "name = \"world\"; type = \"outbox\"; path = \"$WD/outbox\";"
reset_state
mark_log
SMSOTP_CODE_CMD=false login smsotp-safe alice
tid="outbox_in_world_writable_dir_refused (login: $(result))"
check eval '[ ! -e "$WD/outbox" ] &&
	since "send gateway=world .*outcome=local failure detail=\"refused: directory writable by others"'

# --- an unprivileged caller, a route with only a smstools gateway -----------
# smsd's directories, readable by everyone, writable by root only: U1's
# helper could open them, but never write a spool file nor hand it to smsd.
SMS=$T/sms
mkdir -p "$SMS/outgoing" "$SMS/tmp"
chmod 0755 "$SMS" "$SMS/outgoing" "$SMS/tmp"
conf "name = \"sms-$$\"; type = \"smstools\"; spool_dir = \"$SMS/outgoing\"; tmp_dir = \"$SMS/tmp\";"
reset_state
chmod 0755 "$T" "$SMSOTP_SVCDIR"
chmod 0644 "$SMSOTP_SVCDIR"/*
mark_log
runuser -u $U1 -- env SMSOTP_SVCDIR="$SMSOTP_SVCDIR" SMSOTP_KEEP=/dev/null \
	SMSOTP_CODE_CMD=false "$HERE/login.exp" smsotp $U1 >"$T/last.out" 2>&1
tid="unprivileged_smstools_skipped (login: $(result))"
check eval 'since "send gateway=sms-$$ skipped: type smstools needs a root caller" &&
	[ "$(find "$SMS" -type f | wc -l)" -eq 0 ] &&
	! since "send gateway=sms-$$ type=smstools"'

tid=unprivileged_caller_never_writes_breaker
check [ "$(breaker_files)" -eq 0 ]

reset_state
write_conf
finish
