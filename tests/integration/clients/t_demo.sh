#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_demo.sh - the README's first quick-start command works: scripts/demo
# builds, configures the outbox gateway and logs in through PAM (answered
# automatically here: DEMO_AUTO=1).
. "$(dirname "$0")/../lib.sh"
top=$(cd "$HERE/../.." && pwd)

tid=readme_quickstart_demo
DEMO_AUTO=1 DEMO_USER=alice timeout 600 "$top/scripts/demo" >"$T/last.out" 2>&1
rc=$?
check eval '[ $rc -eq 0 ] && grep -q "SMS to +447700900123" "$T/last.out" &&
	grep -qx "RESULT: successfully authenticated" "$T/last.out"'

tid=readme_quickstart_commands
# the README's quick start is exactly these two commands
cmds=$(sed -n '/^## Quick start/,/^## /p' "$top/README.md" | sed -n '/^```sh$/,/^```$/p' | grep -v '^```')
# as root, without sudo: a fresh Debian 12 has none
intro=$(sed -n '/^## Quick start/,/^```sh$/p' "$top/README.md")
want='./scripts/demo     # install build deps, build, log in through a real PAM stack (outbox gateway)
./scripts/test     # install test deps, build, run every test; ends with "N passed, N failed"'
check eval '[ "$cmds" = "$want" ] && printf "%s\n" "$intro" | grep -q "as root:"'

finish
