#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/package.sh [OUTDIR] - build the Debian and RPM packages from a
# clean copy of the tree, the way a distribution would:
#   1. copy the tree (git's tracked and new, not ignored files) into a
#      temporary directory; autogen, configure, "make dist" (or reuse the
#      tarball t_distcheck.sh made of an identical tree);
#   2. Debian: unpack the tarball, add packaging/debian as debian/,
#      dpkg-buildpackage -us -uc -b, then lintian (errors and warnings fail;
#      overrides with reasons live in packaging/debian);
#   3. RPM: rpmbuild -bb --nodeps (the build dependencies are Debian
#      packages here, which rpm cannot see) with a topdir in the temp dir.
# OUTDIR (default /tmp/smsotp-packages) receives the .tar.gz, .deb, .rpm,
# lintian.txt and the build logs. Each step prints its duration.
# Environment: SMSOTP_PKG=deb|rpm|both (default both); DEB_BUILD_OPTIONS is
# passed on (e.g. "nocheck" skips the unit tests inside the builds; it also
# gives rpmbuild --nocheck). Needs the packages of "scripts/deps.sh test".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# A tarball that tests/integration/build/t_distcheck.sh made from the very same
# tree (same paths and contents) is reused instead of a second "make dist".
cache=/tmp/smsotp-dist-cache
tree_hash() {	# tree_hash DIR: one hash over every file's path and content
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
		sha256sum | cut -c 1-64)
}
if [ "${1:-}" = --tree-hash ]; then	# for t_distcheck.sh
	tree_hash "$2"
	exit
fi
out=${1:-/tmp/smsotp-packages}
what=${SMSOTP_PKG:-both}
tmp=$(mktemp -d /tmp/smsotp-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.rpm "$out"/*.tar.gz "$out"/lintian.txt

die() { echo "package.sh: $*" >&2; exit 1; }
t0=$SECONDS
step() {	# step NAME LOG CMD...: run CMD, log to OUTDIR/LOG, report time
	local name=$1 log=$2 s=$SECONDS rc
	shift 2
	"$@" >"$out/$log" 2>&1
	rc=$?
	echo "step $name: $((SECONDS - s)) s (rc $rc)"
	if [ $rc -ne 0 ]; then
		tail -n 15 "$out/$log" | sed 's/^/    | /'
		die "$name failed; full log in $out/$log"
	fi
}

# --- 1. a clean copy and the release tarball ---------------------------
src=$tmp/src
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$src" -xf - || die "copying the tree failed"
else
	tar -C "$top" --exclude=./_build --exclude=./_demo --exclude=./_test \
		--exclude=./.git --exclude=./autom4te.cache -cf - . |
		tar -C "$src" -xf - || die "copying the tree failed"
fi
dist() {
	(cd "$src" && ./autogen.sh && ./configure -q && make -s dist)
}
h=$(tree_hash "$src")
if [ -d "$cache/$h" ] && [ ! -L "$cache" ] && [ -O "$cache" ] &&
	cp "$cache/$h"/pam_smsotp-*.tar.gz "$src/" 2>/dev/null; then
	echo "step dist: 0 s (reused the tarball t_distcheck.sh made of this tree)"
else
	step dist dist.log dist
fi
tarball=$(cd "$src" && ls pam_smsotp-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "make dist made no pam_smsotp-*.tar.gz"
ver=${tarball#pam_smsotp-}
ver=${ver%.tar.gz}
cp "$src/$tarball" "$out/"
echo "tarball: $tarball"

# --- 2. Debian ---------------------------------------------------------
build_deb() {
	local deb=$tmp/deb dver changes
	mkdir -p "$deb"
	tar -C "$deb" -xzf "$src/$tarball" || die "unpacking $tarball failed"
	mv "$deb/pam_smsotp-$ver" "$deb/pam-smsotp-$ver"
	cp "$src/$tarball" "$deb/pam-smsotp_$ver.orig.tar.gz"
	cp -a "$deb/pam-smsotp-$ver/packaging/debian" "$deb/pam-smsotp-$ver/debian" ||
		die "packaging/debian is not in the tarball"
	dver=$(cd "$deb/pam-smsotp-$ver" && dpkg-parsechangelog -S Version)
	[ "${dver%-*}" = "$ver" ] ||
		die "debian/changelog is at $dver, the tarball at $ver: add a changelog entry"
	step dpkg-buildpackage dpkg-buildpackage.log \
		sh -c "cd '$deb/pam-smsotp-$ver' && dpkg-buildpackage -us -uc -b"
	changes=$(ls "$deb"/*.changes)
	# lintian exits non-zero on errors and warnings; info lines are shown.
	step lintian lintian.txt lintian --fail-on error,warning --display-info "$changes"
	cat "$out/lintian.txt"
	cp "$deb"/*.deb "$out/"
	echo "deb: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
}

# --- 3. RPM ------------------------------------------------------------
build_rpm() {
	local spec="$src/packaging/rpm/pam_smsotp.spec" r=$tmp/rpm rver nocheck=""
	rver=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
	[ "$rver" = "$ver" ] || die "pam_smsotp.spec is at $rver, the tarball at $ver"
	mkdir -p "$r/SOURCES"
	cp "$src/$tarball" "$r/SOURCES/"
	case " ${DEB_BUILD_OPTIONS:-} " in *" nocheck "*) nocheck=--nocheck ;; esac
	# No debuginfo subpackage: Debian's rpm has no find-debuginfo.
	step rpmbuild rpmbuild.log rpmbuild -bb --nodeps $nocheck \
		--define "_topdir $r" --define "debug_package %{nil}" "$spec"
	find "$r/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
	echo "rpm: $(cd "$out" && ls ./*.rpm | tr '\n' ' ')"
}

# Both at once: their configure runs are serial, so two builds share the
# two cores better than one after the other.
case $what in
deb) build_deb ;;
rpm) build_rpm ;;
*)
	build_rpm &
	rpm_pid=$!
	deb_rc=0
	(build_deb) || deb_rc=$?
	wait $rpm_pid || die "the RPM build failed"
	[ $deb_rc -eq 0 ] || die "the Debian build failed"
	;;
esac
echo "package.sh: done in $((SECONDS - t0)) s; output in $out"
