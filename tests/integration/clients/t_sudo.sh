#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_sudo.sh - real sudo with the installed module: a sudoers drop-in points
# a test user's sudo at its own PAM service (pam_service=), never touching
# /etc/pam.d/sudo; `sudo -S` is answered through a FIFO, each answer
# written only once its prompt has shown (the code exists only then).
# Code only, and step-up (password, then code). Needs root and sudo.
. "$(dirname "$0")/../lib.sh"

U=smsotpsudo
DROPIN=/etc/sudoers.d/smsotp-test
PAMCODE=/etc/pam.d/smsotp-sudo
PAMSTEP=/etc/pam.d/smsotp-sudo-stepup
PW="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
made_user=""

cleanup_sudo() {
	rm -f "$DROPIN" "$PAMCODE" "$PAMSTEP"
	[ -n "$made_user" ] && userdel "$U" 2>/dev/null
	cleanup_lib
}
trap cleanup_sudo EXIT

tid=sudo_available
if [ "$(id -u)" -ne 0 ] || [ ! -u /usr/bin/sudo ] || ! command -v visudo >/dev/null; then
	fail "needs root and sudo (scripts/deps.sh test)"
	finish
	exit 1
fi
pass

getent passwd $U >/dev/null ||
	{ useradd --system --no-create-home --shell /bin/sh $U && made_user=1; }
echo "$U:$PW" | chpasswd
users "$U +447700900666"
write_conf
reset_state
pam_sum=$(md5sum </etc/pam.d/sudo)
# code only, and step-up: the README's service (Deploy), module path absolute
{
	echo "auth required $SO"
	echo "@include common-account"
	echo "@include common-session-noninteractive"
} >"$PAMCODE"
{
	echo "@include common-auth"
	echo "auth required $SO"
	echo "@include common-account"
	echo "@include common-session-noninteractive"
} >"$PAMSTEP"

# dropin SERVICE [TRIES]: the sudoers drop-in for U (passwd_tries=TRIES,
# default 1), checked with visudo first.
dropin() {
	{
		echo "Defaults:$U timestamp_timeout=0, !mail_badpass, passwd_tries=${2:-1}, lecture=never, pam_service=$1"
		echo "$U ALL=(ALL) ALL"
	} >"$DROPIN.new"
	chmod 0440 "$DROPIN.new"
	visudo -cqf "$DROPIN.new" && mv -f "$DROPIN.new" "$DROPIN"
}

# wait_for TEXT COUNT: TEXT shows COUNT times in sudo's stderr (10 s max).
wait_for() {
	local i
	for i in $(seq 100); do
		[ "$(grep -o -F "$1" "$T/err" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		kill -0 "$spid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# sudo_run ANSWER...: `sudo -S` as U running `id -un` and touching
# $T/ran; each ANSWER waits for its prompt: "pw:TEXT" the password
# prompt, "code" / "=TEXT" the SMS prompt (code: the latest code; the
# prompt says "sent to" or "already sent to").
# Sets $rc; stdout in $T/out, stderr in $T/err (copied to last.out).
sudo_run() {
	local a sms=0 pw=0
	rm -f "$T/in" "$T/out" "$T/err" "$T/ran"
	mkfifo "$T/in"
	runuser -u $U -- timeout 60 sudo -S -- sh -c "touch '$T/ran'; id -un" \
		<"$T/in" >"$T/out" 2>"$T/err" &
	spid=$!
	exec 7>"$T/in"
	for a in "$@"; do
		case $a in
		pw:*)	pw=$((pw + 1)); wait_for "password for $U:" $pw &&
				(printf '%s\n' "${a#pw:}" >&7) 2>/dev/null ;;
		code)	sms=$((sms + 1)); wait_for "(r to resend): " $sms &&
				(printf '%s\n' "$(sh -c "$SMSOTP_CODE_CMD")" >&7) 2>/dev/null ;;
		=*)	sms=$((sms + 1)); wait_for "(r to resend): " $sms &&
				(printf '%s\n' "${a#=}" >&7) 2>/dev/null ;;
		esac
	done
	exec 7>&-
	wait $spid
	rc=$?
	cat "$T/out" "$T/err" >"$T/last.out" 2>/dev/null
}
ran_as_root() { [ $rc -eq 0 ] && [ "$(cat "$T/out")" = root ] && [ -e "$T/ran" ]; }
refused() { [ $rc -ne 0 ] && [ ! -e "$T/ran" ] && [ ! -s "$T/out" ]; }

tid=sudo_dropin_valid
check dropin smsotp-sudo

tid=sudo_right_code
sudo_run code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 1 ]'

tid=sudo_prompt_shows_masked_number
check grep -q "SMS code sent to +44•••••••666 (r to resend): " "$T/err"

tid=sudo_sms_names_the_service
check grep -q "is your smsotp-sudo login code" "$OUTBOX"

tid=sudo_wrong_code_refused
reset_state
sudo_run =000000 =111111 =222222
check eval 'refused && [ "$(grep -c "Wrong code." "$T/err")" -eq 2 ] &&
	grep -q "incorrect password attempt" "$T/err"'

tid=sudo_wrong_then_right
reset_state
sudo_run =000000 code
check eval 'ran_as_root && [ "$(grep -c "Wrong code." "$T/err")" -eq 1 ]'

tid=sudo_no_timestamp_kept
# timestamp_timeout=0: the next sudo asks again (a new code is sent)
reset_state
sudo_run code
sudo_run code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 2 ]'

# sudo asks again (passwd_tries=3) in the same PAM handle, one code per
# try (max_prompts=1): the code texted for the first try is asked for
# again, and no second text is sent while it lives.
cp "$PAMCODE" "$T/pam.code"
sed -i "s|^auth required $SO\$|& max_prompts=1|" "$PAMCODE"

tid=sudo_retries_dropin_valid
check dropin smsotp-sudo 3

tid=sudo_retries_one_text
reset_state
sudo_run =000000 =111111 =222222
check eval 'refused && [ "$(outbox_lines)" -eq 1 ] && [ "$(failures $U)" = 3 ] &&
	[ "$(grep -o "SMS code sent to +44•••••••666 (r to resend): " "$T/err" | wc -l)" -eq 1 ] &&
	[ "$(grep -o "SMS code already sent to +44•••••••666 (r to resend): " "$T/err" | wc -l)" -eq 2 ]'

tid=sudo_retry_wrong_then_right
reset_state
sudo_run =000000 code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 1 ] && [ "$(failures $U)" = 0 ] &&
	grep -q "SMS code already sent to" "$T/err"'

tid=sudo_retry_after_dead_code_new_text
# max_attempts = 2: the second wrong code ends the code; the third try
# has a new one sent, and logs in with it
sed -i 's/max_attempts = 3/max_attempts = 2/' "$CONF"
reset_state
sudo_run =000000 =111111 code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 2 ] &&
	[ "$(grep -o "SMS code sent to" "$T/err" | wc -l)" -eq 2 ]'
write_conf

tid=sudo_next_sudo_new_text
# a new sudo is a new handle: a new text, though the last code lives
reset_state
sudo_run =000000 =111111
sudo_run code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 2 ] && ! grep -q "already sent" "$T/err"'
cp "$T/pam.code" "$PAMCODE"
dropin smsotp-sudo

tid=sudo_stepup_dropin_valid
check dropin smsotp-sudo-stepup

tid=sudo_stepup_password_then_code
reset_state
sudo_run "pw:$PW" code
check eval 'ran_as_root && [ "$(outbox_lines)" -eq 1 ] &&
	[ "$(grep -o "password for $U:.*SMS code sent to" "$T/err" | wc -l)" -eq 1 ]'

tid=sudo_stepup_wrong_password_sends_nothing
reset_state
sudo_run "pw:not-$PW"
check eval 'refused && [ "$(outbox_lines)" -eq 0 ] && ! grep -q "SMS code" "$T/err"'

tid=sudo_stepup_right_password_wrong_code
reset_state
sudo_run "pw:$PW" =000000 =111111 =222222
check eval 'refused && [ "$(outbox_lines)" -eq 1 ]'

tid=sudo_system_stack_untouched
check [ "$(md5sum </etc/pam.d/sudo)" = "$pam_sum" ]

finish
