#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_sshd.sh - a real OpenSSH server (UsePAM, keyboard-interactive) on
# 127.0.0.1 with the installed module in its own PAM service, and a real
# ssh client whose SSH_ASKPASS answers the prompt with the code from the
# outbox. Once with AuthenticationMethods keyboard-interactive, once with
# publickey,keyboard-interactive. Needs root (sshd), openssh-server and
# openssh-client (scripts/deps.sh test).
. "$(dirname "$0")/../lib.sh"

U=smsotpssh
SVC=smsotp-sshd			# sshd's PAM service is its program name
PAMFILE=/etc/pam.d/$SVC
SD=$T/sshd
ASK=$T/ask
made_user=""
made_run=""
sshd_pid=""

stop_sshd() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
		sshd_pid=""
	fi
}
cleanup_sshd() {
	stop_sshd
	rm -f "$PAMFILE"
	[ -n "$made_user" ] && userdel "$U" 2>/dev/null
	[ -n "$made_run" ] && rmdir /run/sshd 2>/dev/null
	cleanup_lib
}
trap cleanup_sshd EXIT

tid=sshd_available
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
	fail "needs root, /usr/sbin/sshd and ssh (scripts/deps.sh test)"
	finish
	exit 1
fi
pass

getent passwd $U >/dev/null ||
	{ useradd --system --home-dir "$T/home" --shell /bin/sh $U && made_user=1; }
mkdir -p "$T/home" "$SD" "$ASK"
chown $U "$T/home"
[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd && made_run=1; }
users "$U +447700900555"
write_conf 'limits = { resend_cooldown = 0; };'
reset_state
cp "$HERE/askpass.sh" "$T/askpass"
chmod 0755 "$T/askpass"
ssh-keygen -q -t ed25519 -N '' -C smsotp-test-host -f "$SD/host_key"
ssh-keygen -q -t ed25519 -N '' -C smsotp-test-user -f "$SD/id"
cp "$SD/id.pub" "$SD/authorized_keys"
chmod 0644 "$SD/authorized_keys"
ln -s /usr/sbin/sshd "$SD/$SVC"
{
	echo "auth required $SO"
	echo "account required pam_permit.so"
	echo "session required pam_permit.so"
	echo "password required pam_deny.so"
} >"$PAMFILE"

# A free port in 20000-39999 on 127.0.0.1.
PORT=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done

# start_sshd METHODS: sshd with AuthenticationMethods METHODS.
start_sshd() {
	cat >"$SD/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $PORT
	HostKey $SD/host_key
	PidFile $SD/sshd.pid
	UsePAM yes
	KbdInteractiveAuthentication yes
	PasswordAuthentication no
	PubkeyAuthentication yes
	AuthenticationMethods $1
	AuthorizedKeysFile $SD/authorized_keys
	StrictModes no
	PermitRootLogin no
	AllowUsers $U
	MaxAuthTries 6
	LoginGraceTime 60
	UseDNS no
	PrintMotd no
	LogLevel VERBOSE
	EOF
	"$SD/$SVC" -t -f "$SD/sshd_config" || return 1
	"$SD/$SVC" -D -e -f "$SD/sshd_config" >>"$SD/sshd.log" 2>&1 &
	sshd_pid=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ssh_run PLAN [SSH OPTIONS...]: one login running a command; askpass
# answers per PLAN (one answer per line). Output in $T/last.out, exit
# status in $rc, prompts seen in $ASK/prompts, calls in $calls. The client
# tries keyboard-interactive $TRIES times in the one connection.
TRIES=1
ssh_run() {
	printf '%s\n' "$1" | tr ' ' '\n' >"$ASK/plan"
	shift
	rm -f "$ASK/prompts" "$ASK/calls"
	SMSOTP_ASK_DIR=$ASK SMSOTP_OUTBOX=$OUTBOX SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 60 setsid -w ssh -F /dev/null -p "$PORT" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o NumberOfPasswordPrompts=$TRIES -o ConnectTimeout=10 "$@" \
		$U@127.0.0.1 'echo "logged-in-as-$(id -un)"' </dev/null >"$T/last.out" 2>&1
	rc=$?
	calls=$(cat "$ASK/calls" 2>/dev/null || echo 0)
}
KBD=(-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no)
KEY=(-i "$SD/id" -o IdentitiesOnly=yes -o PreferredAuthentications=publickey,keyboard-interactive)
logged_in() { [ $rc -eq 0 ] && grep -qx "logged-in-as-$U" "$T/last.out"; }
refused() { [ $rc -eq 255 ] && ! grep -q "logged-in-as" "$T/last.out" && grep -q "Permission denied" "$T/last.out"; }

tid=sshd_starts_kbdint
if [ -z "$PORT" ] || ! start_sshd keyboard-interactive; then
	fail "sshd did not start: $(tail -n 3 "$SD/sshd.log" 2>/dev/null)"
	finish
	exit 1
fi
pass

tid=sshd_right_code_runs_command
ssh_run code "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 1 ] && [ "$(outbox_lines)" -eq 1 ]'

tid=sshd_prompt_shows_masked_number
check grep -q "SMS code sent to +44•••••••555 (r to resend): " "$ASK/prompts"

tid=sshd_sms_names_the_service
check grep -q "is your $SVC login code" "$OUTBOX"

tid=sshd_wrong_code_refused
reset_state
ssh_run =000000 "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 3 ] && grep -q ") Wrong code.$" "$ASK/prompts"'

tid=sshd_wrong_then_right
reset_state
ssh_run "=123 code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 2 ]'

# One connection, several keyboard-interactive tries: the client retries,
# and sshd runs pam_authenticate again with the connection's PAM handle,
# each time in a new child of the process that holds it. With
# max_prompts=1 each try is one code. The code texted for the first try is
# asked for again, and no second text is sent while it lives.
sed -i "s|^auth required $SO\$|& max_prompts=1|" "$PAMFILE"
TRIES=3

tid=sshd_retries_one_text
reset_state
w0=$(grep -c "user=$U: wrong code" "$SYSLOG")
ssh_run "=000000 =111111 =222222" "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 3 ] && [ "$(outbox_lines)" -eq 1 ]'

tid=sshd_retries_count_each_code
check eval '[ "$(failures $U)" = 3 ] &&
	[ "$(grep -c "user=$U: wrong code" "$SYSLOG")" -eq $((w0 + 3)) ]'

tid=sshd_retry_prompt_says_already_sent
check eval '[ "$(grep -c "SMS code sent to +44•••••••555 (r to resend): " "$ASK/prompts")" -eq 1 ] &&
	[ "$(grep -c "SMS code already sent to +44•••••••555 (r to resend): " "$ASK/prompts")" -eq 2 ]'

tid=sshd_retry_wrong_then_right
reset_state
ssh_run "=000000 code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 2 ] && [ "$(outbox_lines)" -eq 1 ] && [ "$(failures $U)" = 0 ] &&
	[ "$(grep -c "SMS code already sent to" "$ASK/prompts")" -eq 1 ]'

tid=sshd_retry_after_dead_code_new_text
# max_attempts = 2: the second wrong code kills the challenge; the third
# try starts a new one (a second text) and its code logs in
sed -i 's/max_attempts = 3/max_attempts = 2/' "$CONF"
reset_state
ssh_run "=000000 =111111 code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 3 ] && [ "$(outbox_lines)" -eq 2 ] &&
	[ "$(grep -c "SMS code sent to" "$ASK/prompts")" -eq 2 ]'
write_conf 'limits = { resend_cooldown = 0; };'

tid=sshd_new_connection_new_text
TRIES=1
reset_state
ssh_run "=000000" "${KBD[@]}"
ssh_run code "${KBD[@]}"
check eval 'logged_in && [ "$(outbox_lines)" -eq 2 ] && grep -q "SMS code sent to" "$ASK/prompts"'
sed -i "s| max_prompts=1\$||" "$PAMFILE"

tid=sshd_resend
reset_state
ssh_run "r code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 2 ] && [ "$(outbox_lines)" -eq 2 ] &&
	[ "$(grep -c "SMS code sent to" "$ASK/prompts")" -eq 2 ]'

tid=sshd_resend_old_code_dead
reset_state
ssh_run "r prev code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 3 ] && [ "$(outbox_lines)" -eq 2 ] &&
	[ "$(grep -c ") Wrong code.$" "$ASK/prompts")" -eq 1 ]'

tid=sshd_backup_code_at_the_prompt
reset_state
bc=$("$CTL" -c "$CONF" backup-codes $U | sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' | head -n 1)
ssh_run "=$bc" "${KBD[@]}"
r1=$(logged_in && echo y)
ssh_run "=$bc" "${KBD[@]}"	# single use
check eval '[ -n "$bc" ] && [ "$r1" = y ] && refused'
rm -f "$STATE"/b-*

tid=sshd_max_attempts_refuses
# max_attempts = 2 (the module would prompt 3 times): 2 prompts, then refused
sed -i 's/max_attempts = 3/max_attempts = 2/' "$CONF"
reset_state
n0=$(grep -c "user=$U: wrong code (2 consecutive, 0 left" "$SYSLOG")
ssh_run =111111 "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 2 ] && [ "$(outbox_lines)" -eq 1 ] &&
	[ "$(grep -c "user=$U: wrong code (2 consecutive, 0 left" "$SYSLOG")" -gt "$n0" ]'
write_conf 'limits = { resend_cooldown = 0; };'

tid=sshd_no_answer_refused
reset_state
ssh_run fail "${KBD[@]}"
check refused

# password then code (the README's other sshd recipe): Debian's
# common-auth first, then the module, in one keyboard-interactive exchange
PW="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
echo "$U:$PW" | chpasswd
cp "$PAMFILE" "$T/pam.codeonly"
{
	echo "@include common-auth"
	echo "auth required $SO"
	echo "account required pam_permit.so"
	echo "session required pam_permit.so"
} >"$PAMFILE"
cp "$PAMFILE" "$T/pam.stepup"

tid=sshd_password_then_code
reset_state
ssh_run "=$PW code" "${KBD[@]}"
check eval 'logged_in && [ "$calls" -eq 2 ] && [ "$(outbox_lines)" -eq 1 ] &&
	[ "$(grep -c -e "Password: $" -e "SMS code sent to" "$ASK/prompts")" -eq 2 ] &&
	head -n 1 "$ASK/prompts" | grep -q "Password: $"'

tid=sshd_wrong_password_sends_nothing
reset_state
ssh_run "=not-$PW" "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 1 ] && [ "$(outbox_lines)" -eq 0 ]'
cp "$T/pam.codeonly" "$PAMFILE"

stop_sshd
tid=sshd_starts_publickey_kbdint
if ! start_sshd publickey,keyboard-interactive; then
	fail "sshd did not start: $(tail -n 3 "$SD/sshd.log")"
	finish
	exit 1
fi
pass

tid=sshd_key_and_code
reset_state
ssh_run code "${KEY[@]}"
check eval 'logged_in && [ "$calls" -eq 1 ] && grep -q "Partial publickey for $U" "$SD/sshd.log"'

tid=sshd_key_without_code_refused
reset_state
ssh_run fail "${KEY[@]}"
check eval 'refused && [ "$calls" -ge 1 ]'

tid=sshd_key_wrong_code_refused
reset_state
ssh_run =000000 "${KEY[@]}"
check eval 'refused && [ "$calls" -eq 3 ]'

tid=sshd_code_without_key_refused
reset_state
ssh_run code "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 0 ] && [ "$(outbox_lines)" -eq 0 ]'

tid=sshd_key_password_and_code
cp "$T/pam.stepup" "$PAMFILE"
reset_state
ssh_run "=$PW code" "${KEY[@]}"
check eval 'logged_in && [ "$calls" -eq 2 ] && head -n 1 "$ASK/prompts" | grep -q "Password: $"'
cp "$T/pam.codeonly" "$PAMFILE"

stop_sshd
finish
