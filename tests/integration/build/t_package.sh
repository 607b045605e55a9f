#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_package.sh - the distribution round trip: scripts/package.sh builds the
# Debian package (dpkg-buildpackage, lintian) and the RPM (rpmbuild) from a
# clean copy of the tree; the .deb is installed with dpkg, a pamtester login
# runs against the installed module and setgid helper at the system paths
# (as root and as an unprivileged user), then the package is purged and
# exactly what policy keeps is left behind. Needs root and a system where
# libpam-smsotp is not installed for real (a leftover of this test is purged).
. "$(dirname "$0")/../lib.sh"

OK="successfully authenticated"
AUTH_ERR="Authentication failure"
UNAVAIL="Authentication service cannot retrieve authentication info"
PKG=libpam-smsotp
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
S_SO=/usr/lib/$MA/security/pam_smsotp.so
S_HELPER=/usr/libexec/smsotp-helper
S_CTL=/usr/sbin/smsotpctl
S_CONF=/etc/security/pam_smsotp.conf
S_USERS=/etc/security/pam_smsotp.users
S_KEY=/etc/security/pam_smsotp.key
S_STATE=/var/lib/pam_smsotp
S_OUTBOX=$S_STATE/outbox
S_UNITS=/lib/systemd/system
S_SYSUSERS=/usr/lib/sysusers.d/pam_smsotp.conf
S_WANTS=/etc/systemd/system/sockets.target.wants/smsotp-helper.socket
U1=smsotppkg1
OUT=$T/pkgs

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: t_package.sh needs root"
	finish
	exit 0
fi
made_user=""
cleanup_pkg() {
	dpkg --purge $PKG >/dev/null 2>&1	# a no-op when it is not there
	rm -f "$S_USERS"
	[ -n "$made_user" ] && userdel "$made_user" 2>/dev/null
	cleanup_lib
}
trap cleanup_pkg EXIT

# snapshot FILE: every path under the trees a package may touch, minus the
# ones dpkg, apt, man-db and logging change on any install.
snapshot() {
	find /etc /usr /var /opt /srv -xdev \( -path /var/log -o -path /var/cache \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/tmp \
		-o -path /var/backups -o -path /var/mail -o -path /var/spool \
		-o -path '/usr/lib/python3*' -o -name __pycache__ \) -prune -o -print 2>/dev/null | sort >"$1"
}

# A leftover of an interrupted run would spoil the "before" picture.
dpkg --purge $PKG >/dev/null 2>&1
# The unprivileged user exists before the first and after the last
# snapshot: its /etc/passwd line is no package's business.
if ! getent passwd $U1 >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin $U1 && made_user=$U1
fi

# --- build ---------------------------------------------------------------
tid=package_build
# The unit tests ran already (scripts/test and t_distcheck.sh): nocheck.
# SMSOTP_PKG_DIR=DIR reuses what an earlier scripts/package.sh DIR made.
if [ -n "${SMSOTP_PKG_DIR:-}" ]; then
	OUT=$SMSOTP_PKG_DIR
	echo "reusing $OUT" >"$T/last.out"
	build_rc=0
else
	DEB_BUILD_OPTIONS=nocheck bash "$HERE/../../scripts/package.sh" "$OUT" >"$T/last.out" 2>&1
	build_rc=$?
fi
check [ $build_rc -eq 0 ]
grep -E '^(step |package.sh: done)' "$T/last.out" | sed 's/^/# /'
DEB=$(ls "$OUT"/${PKG}_*.deb 2>/dev/null | head -n 1)
RPM=$(ls "$OUT"/pam_smsotp-[0-9]*.rpm 2>/dev/null | head -n 1)
if [ -z "$DEB" ] || [ -z "$RPM" ]; then	# nothing to check or install
	finish
	exit 1
fi

tid=lintian_no_errors_or_warnings
cp "$OUT/lintian.txt" "$T/last.out" 2>/dev/null
check eval '[ $build_rc -eq 0 ] && [ -f "$OUT/lintian.txt" ] && ! grep -qE "^[EW]: " "$OUT/lintian.txt"'

tid=deb_contents
dpkg-deb -c "$DEB" >"$T/last.out" 2>&1
check eval 'grep -q " \.$S_SO$" "$T/last.out" && grep -q "^-rwxr-xr-x .* \.$S_HELPER$" "$T/last.out" &&
	grep -q "^-rw-r----- .* \.$S_CONF$" "$T/last.out" && [ "$(grep -c "/man[58]/.*\.[58]\.gz$" "$T/last.out")" -eq 4 ] &&
	grep -q "/usr/share/doc/$PKG/README.Debian$" "$T/last.out" &&
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | grep -qx "$S_CONF"'

tid=deb_units_system_paths
# the units and the sysusers.d file, made with the system paths
dpkg-deb -c "$DEB" >"$T/last.out" 2>&1
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ".$S_UNITS/smsotp-helper.service" >"$T/deb.service" 2>>"$T/last.out"
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ".$S_UNITS/smsotp-helper.socket" >"$T/deb.socket" 2>>"$T/last.out"
check eval 'grep -q "^-rw-r--r-- .* \.$S_UNITS/smsotp-helper.socket$" "$T/last.out" &&
	grep -q "^-rw-r--r-- .* \.$S_UNITS/smsotp-helper.service$" "$T/last.out" &&
	grep -q "^-rw-r--r-- .* \.$S_SYSUSERS$" "$T/last.out" &&
	grep -qx "ExecStart=$S_HELPER --listen" "$T/deb.service" &&
	grep -qx "ReadWritePaths=-$S_STATE" "$T/deb.service" &&
	grep -qx "ListenStream=/run/pam_smsotp/socket" "$T/deb.socket"'

tid=deb_scripts_user_then_socket
# postinst: the group, then the user, then (debhelper) the socket only;
# the service gets no snippets of its own (it follows the socket)
dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./postinst >"$T/postinst" 2>"$T/last.out"
cat "$T/postinst" >>"$T/last.out"
g=$(grep -n "addgroup --system" "$T/postinst" | head -n 1 | cut -d: -f1)
u=$(grep -n "adduser --system" "$T/postinst" | head -n 1 | cut -d: -f1)
e=$(grep -n "deb-systemd-helper.* enable .*smsotp-helper.socket" "$T/postinst" | head -n 1 | cut -d: -f1)
ucmd=$(sed -n '/adduser --system/,/_smsotp$/p' "$T/postinst" | tr -d '\\\n\t')
check eval 'sh -n "$T/postinst" && [ -n "$g" ] && [ -n "$u" ] && [ -n "$e" ] && [ "$g" -lt "$u" ] && [ "$u" -lt "$e" ] &&
	echo "$ucmd" | grep -q -- "--no-create-home --home /nonexistent *--ingroup smsotp --disabled-login .*_smsotp$" &&
	! grep -q "^[^#]*deb-systemd-.*smsotp-helper.service" "$T/postinst"'

tid=rpm_files_modes_scriptlets
rpm -qlvp "$RPM" >"$T/last.out" 2>&1
rpm -qp --scripts "$RPM" >>"$T/last.out" 2>&1
check eval 'grep -q "^-rwxr-sr-x .* root *smsotp .* /usr/libexec/smsotp-helper$" "$T/last.out" &&
	grep -q "^-rw-r----- .* root *smsotp .* $S_CONF$" "$T/last.out" &&
	grep -q "^drwxrws--- .* root *smsotp .* $S_STATE$" "$T/last.out" &&
	grep -q " /usr/lib64/security/pam_smsotp.so$" "$T/last.out" &&
	rpm -qcp "$RPM" | grep -qx "$S_CONF" &&
	grep -q "groupadd -r smsotp" "$T/last.out" && grep -q "smsotpctl init" "$T/last.out" &&
	grep -q "getent passwd _smsotp >/dev/null || useradd -r -g smsotp " "$T/last.out" &&
	grep -q "^-rw-r--r-- .* /usr/lib/systemd/system/smsotp-helper.socket$" "$T/last.out" &&
	grep -q "^-rw-r--r-- .* /usr/lib/systemd/system/smsotp-helper.service$" "$T/last.out" &&
	grep -q "^-rw-r--r-- .* /usr/lib/sysusers.d/pam_smsotp.conf$" "$T/last.out" &&
	[ "$(sed -n "/^postinstall scriptlet/,/^preuninstall/p" "$T/last.out" | grep -c "smsotp-helper.socket")" -ge 1 ] &&
	[ "$(sed -n "/^preuninstall scriptlet/,/^postuninstall/p" "$T/last.out" | grep -c "smsotp-helper.socket")" -ge 1 ]'

# --- install -------------------------------------------------------------
snapshot "$T/before"
md5sum /etc/pam.d/common-* >"$T/common.md5" 2>/dev/null
getent group smsotp >/dev/null || groupadd --system smsotp

tid=dpkg_install
dpkg -i "$DEB" >"$T/last.out" 2>&1 ||
	DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q >>"$T/last.out" 2>&1
check eval 'dpkg-query -W -f="\${Status}" $PKG | grep -qx "install ok installed"'

tid=installed_modes
check eval '[ "$(stat -c %U:%G:%a "$S_HELPER")" = root:smsotp:2755 ] &&
	[ "$(stat -c %U:%G:%a "$S_CONF")" = root:smsotp:640 ] &&
	[ "$(stat -c %U:%G:%a:%s "$S_KEY")" = root:smsotp:640:32 ] &&
	[ "$(stat -c %U:%G:%a "$S_STATE")" = root:smsotp:2770 ] &&
	[ -f "$S_SO" ] && dpkg-statoverride --list "$S_HELPER" | grep -qx "root smsotp 2755 $S_HELPER"'

tid=installed_service_user_and_socket
# the service's user (made by the postinst unless it was there), its
# socket enabled (a symbolic link, even without systemd running), and the
# installed units verified at their system paths
check eval 'getent passwd _smsotp >/dev/null && [ "$(id -gn _smsotp)" = smsotp ] &&
	[ "$(readlink "$S_WANTS")" = "$S_UNITS/smsotp-helper.socket" ] &&
	systemd-analyze verify "$S_UNITS/smsotp-helper.socket" "$S_UNITS/smsotp-helper.service" >"$T/last.out" 2>&1 &&
	[ ! -s "$T/last.out" ]'

tid=not_enabled_by_default
check eval 'md5sum -c --quiet "$T/common.md5" && ! grep -q pam_smsotp /etc/pam.d/common-*'

tid=shipped_config_fails_closed
printf '%s\n' "# written by t_package.sh" "root +447700900123" "$U1 +447700900111" >"$S_USERS"
chmod 0644 "$S_USERS"
echo "auth required pam_smsotp.so" >"$SMSOTP_SVCDIR/smsotp-pkg"
echo "account required pam_permit.so" >>"$SMSOTP_SVCDIR/smsotp-pkg"
export SMSOTP_CODE_CMD="tail -n 1 '$S_OUTBOX' | cut -f 3 | grep -o '[0-9]\\{6\\}' | head -n 1"
"$S_CTL" check-config >"$T/check-config.out" 2>&1
ck=$?
login smsotp-pkg root =123456
cat "$T/check-config.out" >>"$T/last.out"
check eval '[ $ck -ne 0 ] && grep -q "missing setting .gateways." "$T/check-config.out" &&
	result_is "$UNAVAIL" && [ ! -e "$S_OUTBOX" ]'

# A gateway configured by the admin: the outbox, at the system paths.
cp "$S_CONF" "$T/shipped.conf"
{
	cat "$T/shipped.conf"
	echo "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$S_OUTBOX\"; } );"
} >"$S_CONF"

tid=installed_module_login
login smsotp-pkg root code
check eval 'result_is "$OK" && prompt_has "SMS code sent to +44•••••••123"'

tid=installed_module_wrong_code
login smsotp-pkg root =000000 =111111 =222222
check result_is "$AUTH_ERR"

tid=installed_helper_unprivileged_self
# An unprivileged caller reaches the config, key and state only through the
# setgid bit of the stat override. Its outbox is in a directory of U1's
# (the state directory is closed to U1), so that U1's driver can read it.
UD=$T/u1
mkdir -p "$UD"
chown $U1 "$UD"
chmod 0700 "$UD"
{
	cat "$T/shipped.conf"
	echo "gateways = ( { name = \"demo\"; type = \"outbox\"; path = \"$UD/outbox\"; } );"
} >"$S_CONF"
chmod 0755 "$T" "$SMSOTP_SVCDIR"
chmod 0644 "$SMSOTP_SVCDIR"/*
runuser -u $U1 -- env SMSOTP_SVCDIR="$SMSOTP_SVCDIR" SMSOTP_KEEP=/dev/null \
	SMSOTP_CODE_CMD="tail -n 1 '$UD/outbox' | cut -f 3 | grep -o '[0-9]\\{6\\}' | head -n 1" \
	"$HERE/login.exp" smsotp-pkg $U1 code >"$T/last.out" 2>&1
check eval 'result_is "$OK" && [ "$(stat -c %U "$UD/outbox")" = $U1 ] &&
	[ -n "$(find "$S_STATE" -maxdepth 1 -name "u-*" -user $U1 -group smsotp)" ]'

# --- purge ---------------------------------------------------------------
tid=dpkg_purge
dpkg --purge $PKG >"$T/last.out" 2>&1
check eval '! dpkg-query -W -f="\${Status}" $PKG 2>/dev/null | grep -q installed'

tid=purged_module_gone
# the service names the module without a path: it came from the system
# PAM directory, and now nothing answers there
login smsotp-pkg root =123456
check eval '[ ! -e "$S_SO" ] && ! result_is "$OK" && grep -q "^RESULT: " "$T/last.out"'

tid=purge_leaves_only_what_policy_keeps
snapshot "$T/after"
# kept: the users file the admin wrote. The group smsotp and the user
# _smsotp stay too (they are in /etc/group and /etc/passwd, not paths of
# their own); the socket's enablement goes.
# (/etc/pam.d/smsotp-* are other test scripts' services, should one run
# at the same time; the package installs nothing in /etc/pam.d.)
diff "$T/before" "$T/after" | grep -v "^[<>] /etc/pam.d/smsotp-" >"$T/last.out"
check eval '[ "$(grep "^[<>]" "$T/last.out")" = "> $S_USERS" ] && getent group smsotp >/dev/null &&
	! dpkg-statoverride --list | grep -q smsotp && md5sum -c --quiet "$T/common.md5" &&
	[ ! -L "$S_WANTS" ] && [ ! -e "$S_UNITS/smsotp-helper.service" ]'
sed 's/^/# left: /' "$T/last.out" | grep "^# left: [<>]"

finish
