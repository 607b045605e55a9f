#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_abuse.sh - abuse resistance: parallel logins against every
# limit, a hostile state directory, hostile names and codes, kills at the
# worst moment, full and read-only disks, the same answer for everyone,
# and no code or secret in any log or file. Runs the installed helper
# directly (as root: a privileged caller) and through pamtester. Each PASS
# line carries its figure. Everything changed is restored by the trap.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
OUT=$T/outside			# must never be written by the helper
mkdir -p "$OUT"
echo precious >"$OUT/target"
echo precious >"$OUT/hard"
HERR=$T/helper.stderr		# stderr of every direct helper run
CODES=$T/codes			# every code sent
: >"$HERR" && : >"$CODES"
LOG0=$(($(stat -c %s "$SYSLOG" 2>/dev/null || echo 0) + 1))
SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MAXATT=3
MOUNTS=0
HOLDER=""
MODE0=$(stat -c %a "$STATE")

restore() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	while [ "$MOUNTS" -gt 0 ]; do umount "$STATE" 2>/dev/null; MOUNTS=$((MOUNTS - 1)); done
	if [ -L "$STATE" ] && [ -d "$STATE.real" ]; then rm -f "$STATE" && mv "$STATE.real" "$STATE"; fi
	chown root:smsotp "$STATE" 2>/dev/null
	chmod "$MODE0" "$STATE"
	rm -rf "$STATE"/u-* "$STATE"/d-* "$STATE/global.d" "$STATE/decoys.d" "$STATE/decoy" "$STATE"/*.tmp "$STATE/fill" "$OUTBOX"
	write_conf			# the plain test config
	cleanup_lib
}
trap restore EXIT

# --- helpers ----------------------------------------------------------------
pe() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
req() { printf '%s\n' "$@" | "$HELPER" 2>>"$HERR"; }
val() { sed -n "s/^$1=//p"; }
code_now() { sh -c "$SMSOTP_CODE_CMD"; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
mylog() { tail -c +"$LOG0" "$SYSLOG"; }
save_codes() { [ -f "$OUTBOX" ] && cut -f 3 "$OUTBOX" | grep -o '^[0-9]\{4,10\}' >>"$CODES"; return 0; }
areset() { save_codes; reset_state; rm -f "$STATE/decoy" "$STATE"/*.tmp; }
sfile() { echo "$STATE/u-$($PY -c 'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=16).hexdigest())' "$1")"; }
status_of() { "$CTL" -c "$CONF" status "$1" 2>&1; }
outside_sum() { find "$OUT" -printf '%p %s %n %T@\n' | sort | md5sum; }
# transcript: prompts and messages with the masked digits blanked
transcript() { grep -E '^(PROMPT|INFO|RESULT)' "$T/last.out" | sed 's/+[0-9][0-9]•*[0-9]*/+NN/'; }

# aconf LIMITS [TOP-LEVEL...]: outbox for every number, +1 to a twilio
# gateway with a secret that no log or file may ever show.
aconf() {
	write_conf_raw "code = { length = 6; ttl = 300; max_attempts = $MAXATT; };
phones = { file = \"$USERS\"; default_country = \"44\"; };
limits = { $1 };
gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$OUTBOX\"; },
  { name = \"tw\"; type = \"twilio\"; account_sid = \"AC0123456789abcdef0123456789abcdef\";
    auth_token = \"$SECRET\"; from = \"+15005550006\"; base_url = \"https://127.0.0.1:9\";
    connect_timeout = 1; timeout = 2; } );
routes = ( { prefix = \"+\"; gateways = [ \"demo\" ]; }, { prefix = \"+1\"; gateways = [ \"tw\" ]; } );
${2:-}"
}

# hold FILE: keep an flock on FILE in a background process ($HOLDER).
hold() {
	$PY -c 'import fcntl,os,sys,time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o660)
fcntl.flock(fd, fcntl.LOCK_EX); print("held", flush=True); time.sleep(60)' "$1" >"$T/hold.out" &
	HOLDER=$!
	while ! grep -q held "$T/hold.out" 2>/dev/null; do sleep 0.02; done
}
unhold() { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; HOLDER=""; }

# race NAME: run the request files in $T/NAME.req at once; replies in $T/NAME.out
race() { mkdir -p "$T/$1.out" && bash "$HERE/race.sh" "$HELPER" "$T/$1.req" "$T/$1.out" >/dev/null; cat "$T/$1.out/stderr" >>"$HERR" 2>/dev/null; }
count_status() { grep -lx "status=$2" "$T/$1.out"/[0-9]* 2>/dev/null | wc -l; }

ul=("victim +447700900123" "victim2 +447700900456" "usvictim +15005550006" "frvictim +33612345678" "# nophone has no phone")
for i in $(seq -w 1 30); do ul+=("u$i +4477009001$i"); done
users "${ul[@]}"
service smsotp
service smsotp-nullok nullok
areset
aconf ""

# === 2. the same answer for everyone ======================================
tid="decoy_unknown_user_same_transcript"
login smsotp victim =000000 =000000 =000000; real=$(transcript)
login smsotp ghostuser =000000 =000000 =000000; fake=$(transcript); m1=$(grep -m1 PROMPT "$T/last.out")
login smsotp ghostuser =000000 @abort; m2=$(grep -m1 PROMPT "$T/last.out")
tid="$tid (unknown = enrolled: $(echo "$fake" | wc -l) lines; texts sent $(outbox_lines))"
check eval '[ "$real" = "$fake" ] && [ "$m1" = "$m2" ] && [ "$(outbox_lines)" -eq 1 ] &&
	mylog | grep -q "user=ghostuser: unknown user: decoy prompt, no code sent"'

tid="decoy_no_phone_and_locked_user"
login smsotp nophone =000000 =000000 =000000; c=$(transcript)
aconf "lockout_after = 3;"
login smsotp victim =000000 =000000 =000000 >/dev/null
n0=$(outbox_lines)
login smsotp victim =000000 =000000 =000000; l=$(transcript)
check eval '[ "$c" = "$real" ] && [ "$l" = "$real" ] && [ "$(outbox_lines)" -eq "$n0" ] &&
	mylog | grep -q "user=victim: locked out: decoy prompt"'

tid="decoy_whole_sequence_same_transcript"
# wrong, r, wrong, wrong (the code's last try), then new logins until the
# lockout and one while locked: an enrolled user, one without a number and
# a name NSS does not know see the same prompts and messages throughout
aconf "lockout_after = 5; resend_cooldown = 0; sends_per_user = 4;"
seq_of() {
	local u=$1 k out=""
	for k in 1 2 3; do
		login smsotp "$u" =000000 r =000000 =000000
		# a wait in seconds may differ by the clock's tick between runs
		out="$out$(transcript | sed 's/wait [0-9]* seconds/wait N seconds/')
"
	done
	printf '%s' "$out"
}
areset
sv=$(seq_of victim); nv=$(outbox_lines)
sn=$(seq_of nophone)
sg=$(seq_of ghostuser)
tid="$tid ($(echo "$sv" | wc -l) lines each, $nv texts to victim)"
check eval '[ "$sv" = "$sn" ] && [ "$sv" = "$sg" ] && [ "$(outbox_lines)" -eq "$nv" ] &&
	echo "$sv" | grep -qi "locked\|RESULT: Authentication failure"'
aconf ""

tid="nullok_no_phone_skips"
login smsotp-nullok nophone
check result_is "Permission denied"

tid="reveal_status_explicit_answers"
aconf "" "reveal_status = true;"
login smsotp ghostuser
check eval 'result_is "Authentication failure" && ! grep -q PROMPT "$T/last.out"'

tid="allowed_countries_refused_no_send"
areset
aconf 'allowed_countries = [ "44" ];'
login smsotp frvictim =000000 @abort
check eval 'grep -q "^PROMPT: SMS code sent to +33" "$T/last.out" && [ "$(outbox_lines)" -eq 0 ] &&
	mylog | grep -q "user=frvictim: number +33•*678 is outside limits.allowed_countries: no code sent"'

tid="lockout_and_unlock_logged"
areset
aconf "lockout_after = 2; lockout_time = 1;"
login smsotp victim =000000 =000000
sleep 2
r=$(req op=begin user=victim)
check eval 'result_is "Authentication failure" && echo "$r" | grep -q status=SENT &&
	mylog | grep -q "user=victim: locked out for 1 s after 2 wrong codes" &&
	mylog | grep -q "user=victim: lockout expired: unlocked"'

# === 1. limits under parallel logins ======================================
tid="race_64_same_code"
areset
aconf "global_sends_per_minute = 0;"
chal=$(req op=begin user=victim service=sshd | val challenge)
code=$(code_now)
mkdir -p "$T/same.req"
for i in $(seq -w 1 64); do printf 'op=verify\nuser=victim\nchallenge=%s\ncode=%s\n' "$chal" "$code" >"$T/same.req/$i"; done
race same
ok=$(count_status same OK)
tid="$tid ($ok of 64 OK, $(count_status same EXPIRED) EXPIRED, $(count_status same ERROR) ERROR)"
check [ "$ok" -eq 1 ]

# the same with the race window forced open: each run sleeps 2 s right
# after reading the state file, so without the lock every run that starts
# within that time (64 starts take about 1.5 s of CPU) would find the
# challenge live; with it, the others wait or give up after 3 s (busy)
tid="race_64_same_code_widened"
chal=$(req op=begin user=victim service=sshd | val challenge)
code=$(code_now)
for i in $(seq -w 1 64); do printf 'op=verify\nuser=victim\nchallenge=%s\ncode=%s\n' "$chal" "$code" >"$T/same.req/$i"; done
rm -rf "$T/same.out"
RACE_WRAP="strace -f -qq -o /dev/null -P $(sfile victim) -e trace=read -e inject=read:delay_exit=2000000" race same
ok=$(count_status same OK)
tid="$tid ($ok of 64 OK, $(count_status same EXPIRED) EXPIRED, $(count_status same ERROR) busy)"
check [ "$ok" -eq 1 ]

tid="race_200_wrong_codes"
areset
MAXATT=10
aconf "sends_per_user = 10; max_live_codes = 8; lockout_after = 50; global_sends_per_minute = 0;"
chals=""
for i in 1 2 3 4 5 6 7 8; do
	c=$(req op=begin user=victim | val challenge)
	k=$(code_now)
	chals="$chals $c:$(printf '%06d' $(((10#$k + 1) % 1000000)))"	# surely wrong
done
set -- $chals
mkdir -p "$T/wrong.req"
for i in $(seq -w 1 200); do
	eval "cw=\${$(((10#$i % 8) + 1))}"
	printf 'op=verify\nuser=victim\nchallenge=%s\ncode=%s\n' "${cw%%:*}" "${cw##*:}" >"$T/wrong.req/$i"
done
set --
race wrong
bad=$(count_status wrong BAD_CODE)
lk=$(count_status wrong LOCKED)
ex=$(count_status wrong EXPIRED)
busy=$(count_status wrong ERROR)	# lock not obtained within 3 s: denied, not counted
nlock=$(mylog | grep -c "user=victim: locked out for .* after 50 wrong codes")
st=$(status_of victim)
fails=$(echo "$st" | sed -n 's/^failures: *\([0-9]*\) of.*/\1/p')
tid="$tid ($bad BAD_CODE, $lk LOCKED, $ex EXPIRED, $busy busy; lockout_after 50: $nlock lockout, counter $fails)"
# no lost update: either the lockout engaged at exactly the 50th wrong code,
# or (when a busy machine refused some) the counter equals the wrong codes seen
check eval '[ $((bad + lk + ex + busy)) -eq 200 ] && [ "$busy" -lt 150 ] &&
	{ { [ "$bad" -eq 49 ] && [ "$nlock" -eq 1 ] && [ "$fails" -eq 0 ] &&
	    echo "$st" | grep -q "^locked until:" && echo "$st" | grep -q "^lockouts: *1"; } ||
	  { [ "$nlock" -eq 0 ] && [ "$fails" -eq "$bad" ] && [ "$lk" -eq 0 ]; }; }'
MAXATT=3

tid="race_parallel_begins_one_user"
areset
aconf "sends_per_user = 5; max_live_codes = 3; global_sends_per_minute = 0;"
mkdir -p "$T/begins.req"
for i in $(seq -w 1 40); do printf 'op=begin\nuser=victim\nservice=sshd\n' >"$T/begins.req/$i"; done
race begins
sent=$(outbox_lines)
live=$(grep -c '^challenge ' "$(sfile victim)")
tid="$tid ($sent texts sent of sends_per_user 5, $live live codes of 3, $(count_status begins SENT) of 40 answered SENT)"
check eval '[ "$sent" -eq 5 ] && [ "$live" -le 3 ] && [ "$(count_status begins SENT)" -eq 40 ] &&
	status_of victim | grep -q "^sends: *5 of 5"'

tid="race_global_cap"
areset
aconf "global_sends_per_minute = 10; global_sends_per_day = 100;"
mkdir -p "$T/global.req"
for i in $(seq -w 1 30); do printf 'op=begin\nuser=u%s\n' "$i" >"$T/global.req/$i"; done
race global
sent=$(outbox_lines)
g=$("$CTL" -c "$CONF" global)
tid="$tid ($sent texts for 30 users, global_sends_per_minute 10)"
check eval '[ "$sent" -eq 10 ] && echo "$g" | grep -q "^global sends: *10 in the last 60 s" &&
	[ "$(mylog | grep -c "global send limit reached")" -ge 20 ]'

tid="smsotpctl_global_reset"
"$CTL" -c "$CONF" global reset >/dev/null
check eval '"$CTL" -c "$CONF" global | grep -q "^global sends: *0 in the last 60 s"'

# === 3. helper hardening ==================================================
tid="helper_process_hardened"
areset
aconf ""
hold "$(sfile victim).lock"
FOO=bar "$HELPER" <<<"$(printf 'op=begin\nuser=victim')" 7<"$OUT/target" >"$T/h.out" 2>>"$HERR" &
hp=$!
sleep 0.5
core=$(awk '/^Max core file size/ { print $5 "/" $6 }' /proc/$hp/limits)
fds=$(ls -l /proc/$hp/fd | grep -c "$OUT")
ign=$(awk '/^SigIgn/ { print $2 }' /proc/$hp/status)
blk=$(awk '/^SigBlk/ { print $2 }' /proc/$hp/status)
unhold
wait $hp
tid="$tid (core $core, stray fds $fds, SigIgn $ign, SigBlk $blk)"
check eval '[ "$core" = "0/0" ] && [ "$fds" -eq 0 ] && [ "$ign" = "0000000000001000" ] && [ "$blk" = "0000000000000000" ]'

tid="helper_no_work_with_closed_stdout"
"$HELPER" <<<"$(printf 'op=begin\nuser=closedfd%s' $$)" >&- 2>>"$HERR"
rc=$?
check eval '[ $rc -eq 9 ] && ! mylog | grep -q "user=closedfd$$"'

tid="helper_sigterm_waits_for_state_write"
areset
# fsyncs of a begin: the user's tmp (1st), the directory, the outbox (the
# global counts are written without fsync: state.h SMSOTP_PUT_COUNTER)
strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=1500000:when=1 \
	"$HELPER" <<<"$(printf 'op=begin\nuser=victim')" >/dev/null 2>>"$HERR" &
sp=$!
sleep 0.8
hp=$(pgrep -P $sp)
kill -TERM "$hp"
wait $sp
st=$(status_of victim)
check eval 'echo "$st" | grep -q "^sends: *1 of" && ! echo "$st" | grep -q CORRUPT && [ "$(outbox_lines)" -eq 0 ]'

# === 4. filesystem safety =================================================
areset
aconf ""
H=$(sfile victim)
before=$(outside_sum)
maxms=0
# attack NAME EXPECT SETUP: plant SETUP, log in, expect EXPECT, clean up
attack() {
	local name=$1 want=$2 t0 ms
	eval "$3"
	t0=$(now_ns)
	login smsotp victim code
	ms=$(ms_since "$t0")
	[ "$ms" -gt "$maxms" ] && maxms=$ms
	tid="fs_$name (login ${ms} ms)"
	check eval 'result_is "$want" && [ "$ms" -lt 5000 ] && [ "$(cat "$OUT/target")" = precious ] &&
		[ "$(cat "$OUT/hard")" = precious ]'
	rm -rf "$H" "$H.lock" "$H.tmp" "$STATE/global.d" "$STATE/decoy"
}
UNAV="Authentication service cannot retrieve authentication info"
OK="successfully authenticated"
attack symlink_state "$UNAV" 'ln -s "$OUT/target" "$H"'
attack symlink_lock "$UNAV" 'ln -s "$OUT/target" "$H.lock"'
attack symlink_tmp "$OK" 'ln -s "$OUT/target" "$H.tmp"'
attack symlink_global "$UNAV" 'ln -s "$OUT" "$STATE/global.d"'
attack hardlink_state "$UNAV" 'ln "$OUT/hard" "$H"'
attack hardlink_lock "$UNAV" 'ln "$OUT/hard" "$H.lock"'
attack hardlink_tmp "$OK" 'ln "$OUT/hard" "$H.tmp"'
attack fifo_state "$UNAV" 'mkfifo "$H"'
attack fifo_lock "$UNAV" 'mkfifo "$H.lock"'
attack fifo_global "$UNAV" 'mkfifo "$STATE/global.d"'
attack statedir_symlink "$UNAV" 'mv "$STATE" "$STATE.real" && ln -s "$STATE.real" "$STATE"'
rm -f "$STATE" && mv "$STATE.real" "$STATE"
attack statedir_world_writable "$UNAV" 'chmod o+w "$STATE"'
chmod "$MODE0" "$STATE"
attack statedir_foreign_owner "$UNAV" 'chown nobody "$STATE"'
chown root "$STATE"
attack config_world_writable "$UNAV" 'chmod 0646 "$CONF"'
aconf ""
tid="fs_decoy_symlink_not_followed"
ln -s "$OUT/target" "$STATE/decoy"
r=$(req op=begin user=ghostuser)
check eval 'echo "$r" | grep -q status=SENT && [ "$(cat "$OUT/target")" = precious ]'
rm -f "$STATE/decoy"
tid="fs_refusals_logged"
check eval 'mylog | grep -q "u-[0-9a-f]*: is a symbolic link, refused" && mylog | grep -q "has 2 hard links, refused" &&
	mylog | grep -q "not a regular file" && mylog | grep -q "world-writable" && mylog | grep -q "unsafe mode"'
tid="fs_nothing_written_outside (max login ${maxms} ms of 5000)"
check eval '[ "$(outside_sum)" = "$before" ] && [ "$maxms" -lt 5000 ]'

tid="lock_wait_bounded"
hold "$H.lock"
t0=$(now_ns)
r=$(req op=begin user=victim)
ms=$(ms_since "$t0")
unhold
tid="$tid (denied after $ms ms)"
check eval 'echo "$r" | grep -q status=ERROR && [ "$ms" -ge 2900 ] && [ "$ms" -lt 6000 ] &&
	mylog | grep -q "user=victim: state is locked by another login for more than 3000 ms: denied"'

# === hostile user names =====================================================
tid="hostile_user_names"
touch "$T/marker"
sleep 0.01
long=$(head -c 4096 /dev/zero | tr '\0' a)
n=0
refused=0
for name in "../x" "a/b" " victim" "victim " "." ".." "-x" $'a\001b' $'a\nb' $'a\177b' $'a\tb' "$long"; do
	n=$((n + 1))
	r=$(printf 'op=begin\nuser=%s\n' "$(pe "$name")" | "$HELPER" 2>>"$HERR")
	[ "$r" = "status=ERROR" ] && refused=$((refused + 1))
done
new=$(find "$P" -newer "$T/marker" -type f | wc -l)
login smsotp "../x"
tid="$tid ($refused of $n refused, $new files written)"
check eval '[ "$refused" -eq "$n" ] && [ "$new" -eq 0 ] && result_is "$UNAV" &&
	mylog | grep -q "invalid user name '"'"'../x'"'"': refused" && mylog | grep -q "malformed request (line too long)"'

# === hostile codes ==========================================================
tid="hostile_codes"
areset
MAXATT=10
aconf ""
chal=$(req op=begin user=victim | val challenge)
code=$(code_now)
left=10
wrong=0
bad=0
vreq() { printf 'op=verify\nuser=victim\nchallenge=%s\ncode=%s\n' "$chal" "$1" | "$HELPER" 2>>"$HERR"; }
for c in "" "12345" "1234567" "abcdef" "$(pe "١٢٣٤٥٦")" "$(pe "１２３４５６")" "$(pe "$code ")" "$(head -c 4000 /dev/zero | tr '\0' 9)"; do
	r=$(vreq "$c"); rc=$?
	l=$(echo "$r" | val attempts_left)
	if echo "$r" | grep -q status=BAD_CODE && [ "$l" -eq $((left - 1)) ] && [ $rc -eq 3 ]; then wrong=$((wrong + 1)); else bad=$((bad + 1)); fi
	left=$l
done
# refused by the parser or the size cap: no try counted
r1=$(vreq "12%00456"); rc1=$?
r2=$( (printf 'op=verify\nuser=victim\nchallenge=%s\ncode=' "$chal"; head -c 1048576 /dev/zero | tr '\0' 1; echo) | "$HELPER" 2>>"$HERR"); rc2=$?
failures=$(status_of victim | sed -n 's/^failures: *\([0-9]*\) of.*/\1/p')
rok=$(vreq "$code")
tid="$tid ($wrong typed codes = $failures wrong tries, NUL and 1 MiB refused uncounted, right code still OK)"
check eval '[ "$bad" -eq 0 ] && [ "$failures" -eq 8 ] && [ "$r1" = status=ERROR ] && [ $rc1 -eq 9 ] &&
	[ "$r2" = status=ERROR ] && [ $rc2 -eq 9 ] && [ "$rok" = status=OK ]'
MAXATT=3
aconf ""

tid="hostile_codes_through_pam"
areset
login smsotp victim "=" "=١٢٣٤٥٦" code
check eval 'result_is "$OK" && [ "$(grep -c "^INFO: Wrong code" "$T/last.out")" -eq 2 ]'

# === kill -9 at many points of a state write ===============================
tid="kill9_state_writes"
areset
MAXATT=10
aconf "sends_per_user = 64; sends_window = 60; max_live_codes = 8; lockout_after = 100; global_sends_per_minute = 0;"
chal=$(req op=begin user=victim | val challenge)
killed=0
for i in $(seq 1 200); do
	case $((RANDOM % 3)) in
	0) r="op=begin\nuser=victim\n" ;;
	1) r="op=verify\nuser=victim\nchallenge=$chal\ncode=000000\n" ;;
	2) r="op=begin\nuser=ghost\n" ;;
	esac
	# shellcheck disable=SC2059
	printf "$r" | "$HELPER" >/dev/null 2>>"$HERR" &
	p=$!
	# a random delay of 0 to a few ms (a helper run takes a few ms): a
	# busy loop, as sleep(1)'s own start-up is as long as the helper's run
	n=$((RANDOM % 5000))
	for ((j = 0; j < n; j++)); do :; done
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
done
# kills exactly at the system calls of the writes: fchmod of the temp
# file, write, fsync (file and directory), rename
injected=0
for sc in fchmod write fsync rename,renameat,renameat2; do
	for k in 1 2 3 4 5 6 7 8; do
		# (in a subshell: the shell's "Killed" notice goes nowhere)
		(strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=SIGKILL:when=$k \
			"$HELPER" <<<"$(printf 'op=begin\nuser=victim')" >/dev/null 2>>"$HERR"; exit $?) 2>/dev/null
		[ $? -eq 137 ] && injected=$((injected + 1))
		status_of victim | grep -q CORRUPT && break 2
	done
done
corrupt=$( (status_of victim; "$CTL" -c "$CONF" global) | grep -c CORRUPT)
empty=$(find "$STATE" -maxdepth 2 \( -name 'u-*' -o -path "*/global.d/*" \) ! -name "t.*" ! -name '*.lock' ! -name '*.tmp' -size 0 | wc -l)
tid="$tid ($killed random + $injected syscall kills, $corrupt corrupt, $empty empty)"
# a begin makes 2-3 fsyncs, 2-5 fchmods, 2-3 renames and some writes (fewer once
# the send limit makes it a decoy): at least 8 of the kill points land
check eval '[ "$corrupt" -eq 0 ] && [ "$empty" -eq 0 ] && [ "$killed" -ge 20 ] && [ "$injected" -ge 8 ]'
MAXATT=3

# === corrupt state, disk full, read-only ===================================
tid="corrupt_state_denied_not_unlocked"
areset
aconf ""
ok=0
for how in truncate empty garbage; do
	chal=$(req op=begin user=victim | val challenge)
	code=$(code_now)
	n0=$(outbox_lines)
	case $how in
	truncate) head -c 100 "$H" >"$H.x" ;;
	empty) : >"$H.x" ;;
	garbage) head -c 300 /dev/urandom >"$H.x" ;;
	esac
	chmod 0660 "$H.x" && mv -f "$H.x" "$H"
	v=$(req op=verify user=victim "challenge=$chal" "code=$code")
	b=$(req op=begin user=victim | head -n 1)
	[ "$v" = status=LOCKED ] && [ "$b" = status=SENT ] && [ "$(outbox_lines)" -eq "$n0" ] &&
		status_of victim | grep -q CORRUPT && ok=$((ok + 1))
	"$CTL" -c "$CONF" reset victim >/dev/null
done
tid="$tid ($ok of 3: truncated, empty, garbage)"
check eval '[ "$ok" -eq 3 ] && mylog | grep -q "user=victim: state file is corrupt"'

tid="disk_full_denied"
if mount -t tmpfs -o size=64k,mode=2770,gid="$(getent group smsotp | cut -d: -f3)" tmpfs "$STATE"; then
	MOUNTS=$((MOUNTS + 1))
	dd if=/dev/zero of="$STATE/fill" bs=4k 2>/dev/null
	r=$(req op=begin user=victim)
	umount "$STATE" && MOUNTS=$((MOUNTS - 1))
	check eval '[ "$r" = status=ERROR ] && mylog | grep -q "No space left on device"'
else
	fail "cannot mount a tmpfs"
fi

tid="readonly_state_dir_denied"
if mount --bind "$STATE" "$STATE"; then
	MOUNTS=$((MOUNTS + 1))
	mount -o remount,bind,ro "$STATE"
	r=$(req op=begin user=victim)
	umount "$STATE" && MOUNTS=$((MOUNTS - 1))
	check eval '[ "$r" = status=ERROR ] && mylog | grep -q "Read-only file system"'
else
	fail "cannot bind-mount"
fi

# === timing: unknown vs enrolled ===========================================
tid="timing_unknown_vs_enrolled"
areset
aconf "sends_per_user = 64; sends_window = 60; max_live_codes = 8; global_sends_per_minute = 0; global_sends_per_day = 0;"
fig=$($PY "$HERE/timing.py" "$HELPER" 100 u01,u02,u03,u04,u05,u06,u07,u08 \
	ghost1,ghost2,ghost3,ghost4,ghost5,ghost6,ghost7,ghost8 "$HERR")
rc=$?
pct=$(echo "$fig" | sed -n 's/.*diff_pct=\([0-9]*\)\..*/\1/p')
tid="$tid ($fig)"
check eval '[ $rc -eq 0 ] && [ -n "$pct" ] && [ "$pct" -lt 10 ]'

# === no code, no secret anywhere ==========================================
tid="no_code_or_secret_in_logs_state_stderr"
login smsotp usvictim >/dev/null		# the twilio gateway and its secret in use
save_codes
sort -u "$CODES" >"$T/codes.u"
nc=$(wc -l <"$T/codes.u")
mylog | sed 's/^[^]]*\]: //' >"$T/mylog"
hits=$(cat "$T/mylog" "$HERR" $(find "$STATE" -maxdepth 1 -type f ! -name outbox) 2>/dev/null |
	grep -cwF -f "$T/codes.u")
shits=$(cat "$T/mylog" "$HERR" $(find "$STATE" -maxdepth 1 -type f ! -name outbox) 2>/dev/null | grep -c "$SECRET")
tid="$tid ($nc codes and the secret: $hits + $shits hits)"
check eval '[ "$nc" -ge 50 ] && [ "$hits" -eq 0 ] && [ "$shits" -eq 0 ] && mylog | grep -q "gateway=tw"'

finish
