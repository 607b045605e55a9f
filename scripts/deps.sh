#!/bin/sh
# deps.sh [build|test] - install the Debian 12 packages pam_smsotp needs.
# "build": to build and run the demo; "test": everything the test suite uses.
set -e
want="build-essential autoconf automake libtool pkg-config
      libpam0g-dev libcurl4-openssl-dev libsodium-dev libconfig-dev libjansson-dev
      pamtester libpam-wrapper ca-certificates"
if [ "${1:-build}" = test ]; then
	want="$want libcmocka-dev expect clang openssl python3 util-linux"
fi
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (sudo)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
