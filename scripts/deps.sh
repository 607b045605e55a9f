#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# deps.sh [build|test] - install the Debian 12 packages pam_smsotp needs.
# "build": to build and run the demo; "test": everything the test suite uses.
set -e
want="build-essential autoconf automake libtool pkg-config
      libpam0g-dev libcurl4-openssl-dev libsodium-dev libconfig-dev libjansson-dev
      libcdb-dev libldap-dev
      pamtester libpam-wrapper ca-certificates"
if [ "${1:-build}" = test ]; then
	want="$want libcmocka-dev expect clang openssl python3 util-linux"
	# bench/run (smoke in t_bench_smoke.sh): the reference modules, callgrind
	want="$want valgrind libpam-google-authenticator libpam-oath oathtool"
	# spool gateways: a real smsd (t_smstools.sh), inotifywait (no partial spool file)
	want="$want smstools inotify-tools"
	# HTTP gateways: a real Kannel with its fake SMS centre (t_kannel.sh); curl, ss
	want="$want kannel kannel-extras curl iproute2"
	# clients: a real sshd and ssh client (t_sshd.sh), sudo (t_sudo.sh)
	want="$want openssh-server openssh-client sudo"
	# fuzz: libFuzzer and clang's ASan runtime (tests/fuzz/run.sh, t_fuzz.sh,
	# t_sanitizers.sh), gcc's libasan (gcc's dependency), memcheck (t_valgrind.sh)
	want="$want libclang-rt-14-dev valgrind"
	# abuse tests: kills and delays at chosen system calls, pgrep (t_abuse.sh)
	want="$want strace procps"
	# pkg: dpkg-buildpackage (debhelper, dpkg-dev), lintian, rpmbuild
	# (t_package.sh, scripts/package.sh)
	want="$want debhelper dpkg-dev lintian rpm"
	# resident service: systemd-socket-activate (lib.sh), systemd-analyze
	# and systemd-sysusers (t_units.sh); PID 1 need not be systemd
	want="$want systemd"
	# phones.ldap: a real slapd and its tools (t_phones.sh)
	want="$want slapd ldap-utils"
fi
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# The test servers (sshd, Kannel, smsd, slapd) are started by the tests on
# loopback: keep their packages from starting system-wide daemons.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=1
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
exit "${rc:-0}"
