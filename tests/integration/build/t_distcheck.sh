#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_distcheck.sh - "make distcheck" in a clean copy of the tree (autogen,
# configure, distcheck: the tarball builds out of tree from a read-only
# source, passes "make check", installs, uninstalls cleanly and makes a
# dist again), then the tarball's name and contents: every file git tracks
# is in it, and no build output is.
. "$(dirname "$0")/../lib.sh"

top=$(cd "$HERE/../.." && pwd)
src=$T/src
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files --cached --others --exclude-standard) | sort >"$T/files"
else	# not a git checkout (an unpacked tarball): everything but builds
	(cd "$top" && find . -path ./_build -prune -o -path ./_demo -prune -o \
		-path ./autom4te.cache -prune -o -type f -print | sed 's|^\./||') | sort >"$T/files"
fi
(cd "$top" && tr '\n' '\0' <"$T/files" | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
	tar -C "$src" -xf -

# package.sh (t_package.sh, after this script) reuses the tarball of an
# identical tree instead of making its own.
hash=$(bash "$top/scripts/package.sh" --tree-hash "$src")
cache=/tmp/smsotp-dist-cache
ver=$(sed -n 's/^AC_INIT(\[pam_smsotp\], *\[\([^]]*\)\].*/\1/p' "$src/configure.ac")
tarball=pam_smsotp-$ver.tar.gz

tid=make_distcheck
s=$SECONDS
(cd "$src" && ./autogen.sh && ./configure -q && make -j2 distcheck) >"$T/distcheck.log" 2>&1
rc=$?
echo "# make distcheck: $((SECONDS - s)) s (rc $rc)"
tail -n 25 "$T/distcheck.log" >"$T/last.out"
check eval '[ $rc -eq 0 ] && grep -q "archives ready for distribution" "$T/distcheck.log"'
rm -rf "$cache"
if [ $rc -eq 0 ] && [ -f "$src/$tarball" ]; then
	mkdir -m 0700 "$cache" && mkdir "$cache/$hash" && cp "$src/$tarball" "$cache/$hash/"
fi

tid=dist_tarball_name
check eval '[ -n "$ver" ] && [ -f "$src/$tarball" ] &&
	[ "$(cd "$src" && ls pam_smsotp-*.tar.gz)" = "$tarball" ]'

tid=dist_has_every_tracked_file
tar -tzf "$src/$tarball" 2>/dev/null | sed "s|^pam_smsotp-$ver/||" | sort >"$T/intar"
grep -vE '^(\.gitignore|\.gitattributes)$' "$T/files" | comm -23 - "$T/intar" >"$T/last.out"
check eval '[ -s "$T/intar" ] && [ ! -s "$T/last.out" ]'

tid=dist_has_no_build_output
grep -E '(\.o|\.lo|\.la|\.so|\.pyc|/__pycache__/.*|config\.log|config\.status)$|^_build/|^_demo/' \
	"$T/intar" >"$T/last.out"
check eval '[ ! -s "$T/last.out" ] && grep -qx configure "$T/intar" &&
	grep -qx packaging/debian/control "$T/intar" && grep -qx packaging/rpm/pam_smsotp.spec "$T/intar"'

finish
