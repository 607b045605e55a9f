#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_build.sh - install and configuration contracts: DESTDIR install as a
# non-root user, the compiled-in paths, and the sample configuration
# (conf/pam_smsotp.conf) validating as written.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)
B=${SMSOTP_BUILDDIR:?SMSOTP_BUILDDIR must name the build directory}

tid=destdir_install_as_nonroot
D=$T/destdir
mkdir -p "$D"
chown nobody "$D"
chmod 755 "$B"
make -s -C "$B" >/dev/null 2>&1	# up to date: nobody cannot write the build dir
runuser -u nobody -- make -s -C "$B" install DESTDIR="$D" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && [ -f "$D$SO" ] && [ -x "$D$HELPER" ] && [ -x "$D$CTL" ] &&
	grep -q "NOT made setgid" "$T/last.out" && [ "$(stat -c %a "$D$HELPER")" = 755 ]'

tid=destdir_no_libtool_archive_in_pam_dir
check eval '[ -f "$D$SO" ] && [ -z "$(find "$D$(dirname "$SO")" -name "*.la")" ]'

tid=destdir_uninstall_leaves_nothing
runuser -u nobody -- make -s -C "$B" uninstall DESTDIR="$D" >"$T/last.out" 2>&1
rc=$?
find "$D" -mindepth 1 \( -type f -o -type l \) >>"$T/last.out"
check eval '[ $rc -eq 0 ] && [ -z "$(find "$D" -mindepth 1 \( -type f -o -type l \))" ] &&
	[ ! -e "$D$P/share/doc/pam_smsotp" ]'

tid=readme_lists_every_build_dependency
# the README's apt-get line is scripts/deps.sh's build list, and it holds
# the package of every library configure.ac requires (found with dpkg -S)
readme=$(sed -n '/^apt-get install -y build-essential/,/^[^ ]/p' "$top/README.md" |
	tr -d '\\' | tr ' ' '\n' | grep -v '^$' | grep -v -e '^apt-get$' -e '^install$' -e '^-y$' |
	sed -n '/^build-essential$/,/^[^a-z0-9.+-]/p' | grep -E '^[a-z0-9.+-]+$' | sort -u)
deps=$(sed -n '/^want="/,/"$/p' "$top/scripts/deps.sh" | head -4 | tr -d '"' | sed 's/^want=//' |
	tr ' ' '\n' | grep -E '^[a-z0-9.+-]+$' | sort -u)
missing=""
for m in $(sed -n 's/^PKG_CHECK_MODULES(\[[A-Z]*\], \[\([a-z0-9-]*\) [^]]*\])$/\1/p' "$top/configure.ac"); do	# the required ones
	pc="$(pkg-config --variable=pcfiledir "$m")/$m.pc"
	pkg=$(dpkg -S "$pc" 2>/dev/null | head -1 | cut -d: -f1)
	echo "$m -> ${pkg:-?}" >>"$T/last.out"
	echo "$readme" | grep -qx "${pkg:-?}" || missing="$missing $m(${pkg:-?})"
done
{ echo "README: $readme" | tr '\n' ' '; echo; echo "deps.sh: $deps" | tr '\n' ' '; echo; echo "missing:$missing"; } >"$T/last.out"
check eval '[ -n "$readme" ] && [ "$readme" = "$deps" ] && [ -z "$missing" ]'

tid=compiled_in_paths
strings "$HELPER" >"$T/strings"
strings "$SO" >"$T/sostrings"
check eval 'grep -qx "$CONF" "$T/strings" && grep -qx "$ETC/pam_smsotp.key" "$T/strings" &&
	grep -qx "$STATE" "$T/strings" && grep -qx "$HELPER" "$T/sostrings"'

tid=module_has_no_config_or_key_path
check eval '! grep -q "pam_smsotp.key\|pam_smsotp.conf$" "$T/sostrings"'

tid=contract_config_validates_as_written
# The sample is what administrators start from; it names /etc/security files: make
# the missing ones for the check, and remove only what we made.
made=""
mkdir -p /etc/security
if [ ! -e /etc/security/pam_smsotp.users ]; then
	echo "alice +447700900123" >/etc/security/pam_smsotp.users; made="$made /etc/security/pam_smsotp.users"
fi
if [ ! -e /etc/security/pam_smsotp.twilio ]; then
	(umask 077; echo "token" >/etc/security/pam_smsotp.twilio); made="$made /etc/security/pam_smsotp.twilio"
fi
install -m 0600 "$top/conf/pam_smsotp.conf" "$T/contract.conf"
"$CTL" -c "$T/contract.conf" check-config >"$T/last.out" 2>&1
rc=$?
# shellcheck disable=SC2086
[ -n "$made" ] && rm -f $made
check eval '[ $rc -eq 0 ] && grep -q "OK (2 gateways, 1 route)" "$T/last.out"'

tid=check_config_refuses_unsafe_mode
chmod 0644 "$T/contract.conf"
"$CTL" -c "$T/contract.conf" check-config >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 1 ] && grep -q "readable by others" "$T/last.out"'

tid=licence_declared_everywhere
# LICENSE says BSD-3-Clause; every source names it, and so do both packages.
"$top/scripts/spdx.sh" --check >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && grep -q "^BSD 3-Clause License" "$top/LICENSE" &&
	grep -q "^License: *BSD-3-Clause" "$top/packaging/rpm/pam_smsotp.spec" &&
	grep -q "^%license LICENSE" "$top/packaging/rpm/pam_smsotp.spec" &&
	grep -q "^License: BSD-3-Clause" "$top/packaging/debian/copyright" &&
	! grep -qi "placeholder\|no LICENSE file" "$top/packaging/debian/copyright"'

tid=layers_no_circles_store_private
# helper/README.md's layers: each includes only those below it, no include
# circle, the store's descriptor and the lock's flock nowhere else.
python3 "$top/scripts/layers.py" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && grep -q " 0 breaches$" "$T/last.out"'

finish
