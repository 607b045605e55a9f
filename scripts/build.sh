#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# build.sh BUILDDIR PREFIX [CONFIGURE ARGS...] - configure (out of tree)
# and build, with compiled-in paths under PREFIX:
#   PREFIX/etc/security/pam_smsotp.conf, .key; PREFIX/var/lib/pam_smsotp/
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
b=$1
p=$2
shift 2
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
mkdir -p "$b"
cd "$b"
"$top/configure" -q --enable-werror --prefix="$p" --sysconfdir="$p/etc" \
	--localstatedir="$p/var" "$@"
make -s -j2 >/dev/null
