#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_readme.sh - the README's recipes as written: the Install, Configure,
# Deploy (sshd both ways, the sudo group) and Uninstall blocks are taken
# out of README.md (readme_blocks.py) and run with the MAP below as their
# only change, against a scratch prefix, a second sshd on 127.0.0.1, a real
# sudo and a loopback mock of the Twilio API. A README edit that breaks a
# recipe breaks this script; it proves that on a broken copy of the README.
# Needs root, sshd, ssh, sudo and the build tools.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
README=$top/README.md

U=smsotprdt			# stands for alice
PFX=$T/pfx			# stands for / (PREFIX /usr, SYSCONFDIR /etc, ...)
SRC=$T/src			# the clone the Install block runs in
SD=$T/sshd			# the test sshd: config, keys, drop-in directory
SVC=smsotp-rdt-sshd		# its program name, so its PAM service
SUDOSVC=smsotp-rdt-sudo		# stands for the sudo-smsotp service
GRP=smsotp-rdtusers		# stands for the smsotp-users group
DROPIN=/etc/sudoers.d/smsotp-rdt	# where the checked sudoers drop-in goes live
TOKEN=rdt-token-$$
ASK=$T/ask
PW="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
made_user="" made_group="" made_run="" sshd_pid="" mock_pid=""

cleanup_readme() {
	[ -n "$sshd_pid" ] && { kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; }
	[ -n "$mock_pid" ] && { kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; }
	rm -f "/etc/pam.d/$SVC" "/etc/pam.d/$SUDOSVC" "$DROPIN" "$DROPIN.new"
	[ -n "$made_group" ] && groupdel "$GRP" 2>/dev/null
	[ -n "$made_user" ] && userdel "$U" 2>/dev/null
	[ -n "$made_run" ] && rmdir /run/sshd 2>/dev/null
	cleanup_lib
}
trap cleanup_readme EXIT

tid=readme_available
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ] || [ ! -u /usr/bin/sudo ] ||
	! command -v ssh visudo >/dev/null; then
	fail "needs root, sshd, ssh and sudo (scripts/deps.sh test)"
	finish; exit 1
fi
if getent group "$GRP" >/dev/null || [ -e "/etc/pam.d/$SUDOSVC" ] || [ -e "$DROPIN" ]; then
	fail "$GRP, /etc/pam.d/$SUDOSVC or $DROPIN exists already: not touching them"
	finish; exit 1
fi
pass

# The loopback mock of the Twilio API the README's route sends through.
"$HERE/mkcerts.sh" "$T/certs"
: >"$T/mock.log"
/usr/bin/python3 "$HERE/mock_gateway.py" --port 0 --cert "$T/certs/good.pem" \
	--key "$T/certs/good.key" --log "$T/mock.log" --twilio-token "$TOKEN" \
	>"$T/mock.out" 2>"$T/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q '^READY' "$T/mock.out" && break; sleep 0.05; done
TPORT=$(awk '/^READY/ {print $2}' "$T/mock.out")
sent() { wc -l <"$T/mock.log"; }
export SMSOTP_CODE_CMD="/usr/bin/python3 -c 'import json,re,sys; l=[json.loads(x) for x in open(sys.argv[1])]; print(re.search(r\"[0-9]{6}\", l[-1][\"form\"][\"Body\"]).group(0))' '$T/mock.log'"

# A free port in 20000-39999 on 127.0.0.1 for the test sshd.
PORT=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done

# THE MAP: README text -> what the test runs instead, one pass, longest
# first; nothing else in a block is changed. Besides it, blocks run with
# `sh -ex` in $SRC (a copy of this tree), PATH starting with $PFX/sbin (the
# README's prefix /usr has smsotpctl on PATH) and MAKEFLAGS=-j2. The
# apt-get line runs as written (the packages are installed already).
# Real system files the recipes still name: /etc/pam.d/sudo (read only)
# and the renamed /etc/pam.d/$SUDOSVC; the sudoers drop-in is written to a
# staging directory and goes live only after visudo passed (as t_sudo.sh).
cat >"$T/map" <<EOF
--prefix=/usr	--prefix=$PFX
--sysconfdir=/etc	--sysconfdir=$PFX/etc
--localstatedir=/var	--localstatedir=$PFX/var
--runstatedir=/run	--runstatedir=$PFX/run
--with-pammoddir=/lib/x86_64-linux-gnu/security	--with-pammoddir=$PFX/lib/security
required pam_smsotp.so	required $PFX/lib/security/pam_smsotp.so
/etc/security/	$PFX/etc/security/
/var/lib/pam_smsotp/	$PFX/var/lib/pam_smsotp/
/var/lib/pam_smsotp	$PFX/var/lib/pam_smsotp
https://api.twilio.com	https://127.0.0.1:$TPORT
/etc/ssl/certs/ca-certificates.crt	$T/certs/ca.pem
/etc/ssh/sshd_config.d/	$SD/sshd_config.d/
sshd -t	$SD/$SVC -t -f $SD/sshd_config
sshd -T	$SD/$SVC -T -f $SD/sshd_config
systemctl reload ssh	kill -HUP \$(cat $SD/sshd.pid)
/etc/pam.d/sudo-smsotp	/etc/pam.d/$SUDOSVC
pam_service=sudo-smsotp	pam_service=$SUDOSVC
/etc/sudoers.d/smsotp.new	$T/sudoers.d/smsotp.new
/etc/sudoers.d/smsotp	$T/sudoers.d/smsotp
smsotp-users	$GRP
alice	$U
@host)	@127.0.0.1)
EOF

# rb README HEADING WHAT [ARG]: a mapped piece of README (readme_blocks.py).
rb() {
	/usr/bin/python3 "$HERE/readme_blocks.py" --map "$T/map" --allow /etc/pam.d/sudo \
		--allow "/etc/pam.d/$SUDOSVC" "$@"
}
# run README HEADING WHAT [ARG]: run that piece; output in $T/last.out.
run() {
	rb "$@" >"$T/run.sh" 2>"$T/last.out" || return 1
	(cd "$SRC" && PATH=$PFX/sbin:$PATH MAKEFLAGS=-j2 sh -ex "$T/run.sh") >"$T/last.out" 2>&1
}
ctl() { "$PFX/sbin/smsotpctl" "$@"; }

tid=readme_map_current
# every line of the map still matches the README
rb "$README" - unmapped >"$T/last.out"
check [ $? -eq 0 ]

tid=readme_map_guard
# an unmapped system path in a block is refused, never run
sed 's|--prefix=/usr |--prefix=/usr/local |' "$README" >"$T/README.prefix"
rb "$T/README.prefix" "## Install" block 1 >/dev/null 2>"$T/last.out"
rc=$?
check eval '[ $rc -eq 3 ] && grep -q "unmapped system path.*/usr/local" "$T/last.out"'

# ---- Install -------------------------------------------------------------
tid=readme_install
mkdir -p "$SRC"	# "from a clone": the tree's files, as t_distcheck.sh copies them
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files --cached --others --exclude-standard) >"$T/files"
else	# an unpacked tarball: everything but builds
	(cd "$top" && find . -path ./_build -prune -o -path ./_demo -prune -o \
		-path ./autom4te.cache -prune -o -type f -print) >"$T/files"
fi
(cd "$top" && tr '\n' '\0' <"$T/files" | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
	tar -C "$SRC" -xf -
run "$README" "## Install" block 1
rc=$?
so=$PFX/lib/security/pam_smsotp.so
if ! check eval '[ $rc -eq 0 ] && [ -f "$so" ] && [ ! -e "${so%.so}.la" ] &&
	[ "$(stat -c %G:%a "$PFX/libexec/smsotp-helper")" = smsotp:2755 ] &&
	[ "$(stat -c %U:%G:%a "$PFX/etc/security/pam_smsotp.key")" = root:smsotp:640 ] &&
	[ "$(stat -c %U:%G:%a "$PFX/var/lib/pam_smsotp")" = root:smsotp:2770 ]'; then
	finish; exit 1
fi

# ---- Configure -----------------------------------------------------------
tid=readme_configure
conf=$(rb "$README" "## Configure" target 1) &&
	rb "$README" "## Configure" block 1 >"$conf" &&
	chown root:smsotp "$conf" && chmod 0640 "$conf"
r1=$?
# fixtures the README leaves to the reader: the users file and the token
printf '%s +447700900123\n' "$U" >"$PFX/etc/security/pam_smsotp.users"
printf '%s\n' "$TOKEN" >"$PFX/etc/security/pam_smsotp.twilio"
chmod 0600 "$PFX/etc/security/pam_smsotp.twilio"
run "$README" "## Configure" inline '^chgrp smsotp '
r2=$?
ctl check-config >>"$T/last.out" 2>&1
r3=$?
check eval '[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ] && [ "$conf" = "$PFX/etc/security/pam_smsotp.conf" ] &&
	[ "$(stat -c %G:%a "$PFX/etc/security/pam_smsotp.users")" = smsotp:640 ] &&
	! grep -qi "warn\|error" "$T/last.out"'

# ---- the test sshd, before the Deploy steps --------------------------------
getent passwd $U >/dev/null ||
	{ useradd --system --home-dir "$T/home" --shell /bin/sh $U && made_user=1; }
echo "$U:$PW" | chpasswd
mkdir -p "$T/home" "$SD/sshd_config.d" "$ASK"
chown $U "$T/home"
[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd && made_run=1; }
install -m 0755 "$HERE/askpass.sh" "$T/askpass"
ssh-keygen -q -t ed25519 -N '' -C smsotp-rdt-host -f "$SD/host_key"
ssh-keygen -q -t ed25519 -N '' -C smsotp-rdt-user -f "$SD/id"
install -m 0644 "$SD/id.pub" "$SD/authorized_keys"
ln -s /usr/sbin/sshd "$SD/$SVC"
cp /etc/pam.d/sshd "/etc/pam.d/$SVC"	# Debian's stack, unchanged so far
# Debian's sshd_config: the drop-ins first, then its own settings, then
# the test's (address, port, keys, files of its own)
cat >"$SD/sshd_config" <<EOF
Include $SD/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
ListenAddress 127.0.0.1
Port $PORT
HostKey $SD/host_key
PidFile $SD/sshd.pid
AuthorizedKeysFile $SD/authorized_keys
StrictModes no
PermitRootLogin no
AllowUsers $U
UseDNS no
LogLevel VERBOSE
EOF

# starts: how often sshd started listening (a reload re-executes it);
# listening N: wait for the Nth start and a connection.
starts() { grep -c "Server listening on 127.0.0.1 port $PORT" "$SD/sshd.log"; }
listening() {
	for _ in $(seq 50); do
		[ "$(starts)" -ge "$1" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

tid=readme_test_sshd_starts
: >>"$SD/sshd.log"
if [ -n "$PORT" ] && "$SD/$SVC" -t -f "$SD/sshd_config"; then
	"$SD/$SVC" -D -e -f "$SD/sshd_config" >>"$SD/sshd.log" 2>&1 &
	sshd_pid=$!
fi
if ! check listening 1; then finish; exit 1; fi

# ssh_run PLAN [SSH OPTIONS...]: one login as U running a command (as in
# t_sshd.sh); output in $T/last.out, status in $rc, prompts in $ASK/prompts.
ssh_run() {
	printf '%s\n' "$1" | tr ' ' '\n' >"$ASK/plan"
	shift
	rm -f "$ASK/prompts" "$ASK/calls"
	ctl reset $U >/dev/null 2>&1	# the README's admin command: a fresh send count
	SMSOTP_ASK_DIR=$ASK SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 60 setsid -w ssh -F /dev/null -p "$PORT" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 "$@" \
		$U@127.0.0.1 'echo "logged-in-as-$(id -un)"' </dev/null >"$T/last.out" 2>&1
	rc=$?
	calls=$(cat "$ASK/calls" 2>/dev/null || echo 0)
}
KBD=(-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no)
KEY=(-i "$SD/id" -o IdentitiesOnly=yes -o PreferredAuthentications=publickey,keyboard-interactive)
logged_in() { [ $rc -eq 0 ] && grep -qx "logged-in-as-$U" "$T/last.out"; }
refused() { [ $rc -eq 255 ] && ! grep -q "logged-in-as" "$T/last.out"; }

# deploy_sshd README key|password: the section's drop-in into the test
# sshd's drop-in directory (for "password": "as above, but" the section's
# AuthenticationMethods line), the line "@include common-auth" of Debian's
# /etc/pam.d/sshd replaced by the section's PAM block, then the section's
# `sshd -t && systemctl reload ssh`.
deploy_sshd() {
	local key="### sshd: public key" sec n=2 dropin am n0
	dropin=$(rb "$1" "$key" target 1) && rb "$1" "$key" block 1 >"$T/dropin" || return 1
	sec=$key
	if [ "$2" = password ]; then
		sec="### sshd: password" n=1
		am=$(rb "$1" "$sec" inline '^AuthenticationMethods ') || return 1
		sed -i "s/^AuthenticationMethods .*/$am/" "$T/dropin"
	fi
	rb "$1" "$sec" block $n >"$T/pamblock" || return 1
	cp "$T/dropin" "$dropin" || return 1
	awk -v f="$T/pamblock" '$0 == "@include common-auth" {
		while ((getline l < f) > 0) print l; close(f); next } { print }' \
		/etc/pam.d/sshd >"/etc/pam.d/$SVC"
	grep -qF "$so" "/etc/pam.d/$SVC" || return 1
	n0=$(starts)
	run "$1" "$key" inline '^sshd -t && systemctl reload ssh$' && listening $((n0 + 1))
}

# key_recipe README: the public key recipe deployed; the key and the code
# get in, the key without the code does not.
key_recipe() {
	deploy_sshd "$1" key || return 1
	ssh_run code "${KEY[@]}"
	logged_in && [ "$calls" -eq 1 ] || return 1
	ssh_run fail "${KEY[@]}"
	refused
}

# ---- Deploy: sshd, public key then code ------------------------------------
tid=readme_sshd_key_recipe
check key_recipe "$README"

tid=readme_sshd_kbdint_in_force
# the section's own check: `sshd -T | grep -i kbdinteractive`
run "$README" "### sshd: public key" inline '^sshd -T'
check grep -qx "kbdinteractiveauthentication yes" "$T/last.out"

tid=readme_sshd_user_sees_the_prompt
ssh_run code "${KEY[@]}"
want=$(rb "$README" "### What the user sees" block 1)
check eval 'logged_in && [ -n "$want" ] && sed "s/ *\$//" "$ASK/prompts" | grep -qxF "$want"'

tid=readme_sshd_no_key_no_text
n0=$(sent)
ssh_run code "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 0 ] && [ "$(sent)" -eq "$n0" ]'

# ---- Deploy: sshd, password then code --------------------------------------
tid=readme_sshd_password_recipe
deploy_sshd "$README" password
r=$?
ssh_run "=$PW code" "${KBD[@]}"
check eval '[ $r -eq 0 ] && logged_in && [ "$calls" -eq 2 ] && head -n 1 "$ASK/prompts" | grep -q "Password: $"'

tid=readme_sshd_password_without_code_refused
ssh_run "=$PW fail" "${KBD[@]}"
check eval 'refused && [ "$calls" -ge 2 ] && [ "$(grep -c "SMS code sent to" "$ASK/prompts")" -ge 1 ]'

tid=readme_sshd_wrong_password_no_text
n0=$(sent)
ssh_run "=not-$PW" "${KBD[@]}"
check eval 'refused && [ "$calls" -eq 1 ] && [ "$(sent)" -eq "$n0" ]'

tid=readme_selftest_broken_dropin_fails
# the same check on a README whose drop-in says "no": it must fail
sed 's/^KbdInteractiveAuthentication yes$/KbdInteractiveAuthentication no/' "$README" >"$T/README.broken"
if cmp -s "$README" "$T/README.broken"; then
	fail "the mutation did not apply"
elif key_recipe "$T/README.broken" >/dev/null 2>&1; then
	fail "the sshd recipe passed on a broken README"
else	# and it fails where an admin would see it: `sshd -t` refuses the drop-in
	check grep -q 'Disabled method "keyboard-interactive"' "$T/last.out"
fi

# ---- Deploy: sudo for a group ----------------------------------------------
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
# sudo_run ANSWER...: `sudo -S` as U through a FIFO (as in t_sudo.sh):
# "pw:TEXT" answers the password prompt, "code" / "=TEXT" the SMS prompt.
sudo_run() {
	local a sms=0 pw=0
	ctl reset $U >/dev/null 2>&1
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
		code)	sms=$((sms + 1)); wait_for "SMS code sent to" $sms &&
				(printf '%s\n' "$(sh -c "$SMSOTP_CODE_CMD")" >&7) 2>/dev/null ;;
		=*)	sms=$((sms + 1)); wait_for "SMS code sent to" $sms &&
				(printf '%s\n' "${a#=}" >&7) 2>/dev/null ;;
		esac
	done
	exec 7>&-
	wait $spid
	rc=$?
	{ cat "$T/out" "$T/err"; echo; } >"$T/last.out" 2>/dev/null
}
ran_as_root() { [ $rc -eq 0 ] && [ "$(cat "$T/out")" = root ] && [ -e "$T/ran" ]; }

tid=readme_sudo_group_recipe
pam_sum=$(md5sum </etc/pam.d/sudo)
mkdir -p "$T/sudoers.d"
made_group=1	# checked above that it did not exist
run "$README" "### sudo:" block 2
rc=$?
check eval '[ $rc -eq 0 ] && id -nG $U | grep -qw "$GRP" &&
	grep -A1 -x "@include common-auth" "/etc/pam.d/$SUDOSVC" | grep -qxF "auth required $so" &&
	grep -q "^session *required *pam_limits.so" "/etc/pam.d/$SUDOSVC" &&
	[ "$(stat -c %a "$T/sudoers.d/smsotp")" = 440 ] && [ ! -e "$T/sudoers.d/smsotp.new" ]'

# the checked drop-in goes live with U's right to sudo (alice has it already)
{
	cat "$T/sudoers.d/smsotp"
	echo "Defaults:$U !mail_badpass, lecture=never"
	echo "$U ALL=(ALL) ALL"
} >"$DROPIN.new"
chmod 0440 "$DROPIN.new"
visudo -cqf "$DROPIN.new" && mv -f "$DROPIN.new" "$DROPIN"

tid=readme_sudo_password_then_code
n0=$(sent)
sudo_run "pw:$PW" code
check eval 'ran_as_root && [ "$(sent)" -eq $((n0 + 1)) ] &&
	grep -q "is your $SUDOSVC login code" "$T/mock.log"'

tid=readme_sudo_wrong_code_refused
sudo_run "pw:$PW" =000000
check eval '[ $rc -ne 0 ] && [ ! -e "$T/ran" ] && grep -q "Wrong code." "$T/err"'

tid=readme_sudo_system_stack_untouched
check [ "$(md5sum </etc/pam.d/sudo)" = "$pam_sum" ]

# ---- Uninstall -------------------------------------------------------------
# "take pam_smsotp.so out of every PAM stack" first: Debian's sshd stack back
tid=readme_uninstall
cp /etc/pam.d/sshd "/etc/pam.d/$SVC"
rm -f "$DROPIN"	# the live copy of the staged drop-in the block removes
n0=$(starts)
run "$README" "## Uninstall" block 1
rc=$?
left=$(find "$PFX" ! -type d)
check eval '[ $rc -eq 0 ] && [ -z "$left" ] && [ ! -e "/etc/pam.d/$SUDOSVC" ] &&
	[ ! -e "$T/sudoers.d/smsotp" ] && [ -z "$(ls -A "$SD/sshd_config.d")" ]'
[ -n "$left" ] && printf 'left: %s\n' $left

tid=readme_uninstall_sshd_reloaded
run "$README" "### sshd: public key" inline '^sshd -T'
check eval 'listening $((n0 + 1)) && grep -qx "kbdinteractiveauthentication no" "$T/last.out"'

groupdel "$GRP" && made_group=""
finish
