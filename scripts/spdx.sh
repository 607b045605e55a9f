#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spdx.sh - every source file and script of the tree names its licence
# (LICENSE: BSD-3-Clause) in an SPDX line near its top.
#   scripts/spdx.sh          add the line where it is missing
#   scripts/spdx.sh --check  list the files without it; exit 1 if any
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tag="SPDX-License-Identifier: BSD-3-Clause"
check=0
[ "${1:-}" = --check ] && check=1

# C sources and headers, shell and Python scripts, and the scripts without
# an extension (found by their #! line). Fuzz corpora and samples are data.
files() {
	find "$top/pam_smsotp" "$top/helper" "$top/tests" "$top/bench" \
	    "$top/scripts" "$top/.ci" -type f \
	    ! -path "*/corpus/*" ! -path "*/.deps/*" ! -path "*/.libs/*" \
	    2>/dev/null | while read -r f; do
		case $f in
		*.c|*.h|*.sh|*.py) echo "$f" ;;
		*.*) ;;
		*) [ "$(head -c 2 "$f")" = "#!" ] && echo "$f" ;;
		esac
	done | sort
}

missing=0
while read -r f; do
	head -n 3 "$f" | grep -q "$tag" && continue
	if [ $check -eq 1 ]; then
		echo "${f#"$top"/}: no '$tag' in its first 3 lines"
		missing=$((missing + 1))
		continue
	fi
	case $f in
	*.c|*.h) sed -i "1i /* $tag */" "$f" ;;
	*) if [ "$(head -c 2 "$f")" = "#!" ]; then
		sed -i "1a # $tag" "$f"
	   else
		sed -i "1i # $tag" "$f"
	   fi ;;
	esac
done < <(files)
[ $check -eq 1 ] && [ $missing -gt 0 ] && { echo "spdx: $missing files without a licence line" >&2; exit 1; }
exit 0
