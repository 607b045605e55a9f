#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# testusers.sh add|del - the system accounts the integration tests log in
# as. The helper uses the account NSS knows (a name it does not know gets a
# decoy), so every enrolled test user is a real user; _smsotp is the
# resident service's. "add" creates the missing ones and records them in
# $LIST; "del" removes exactly those.
set -u
LIST=${SMSOTP_TEST_USERS_LIST:-/var/tmp/smsotp-test-users}
names="alice bob carol victim nophone frvictim usvictim closedfd"
for i in $(seq -w 1 30); do names="$names u$i"; done
case ${1:-} in
add)
	for u in $names; do
		getent passwd "$u" >/dev/null && continue
		useradd --system --no-create-home --shell /usr/sbin/nologin "$u" &&
			echo "$u" >>"$LIST"
	done
	# the resident service's own user, in the smsotp group
	if ! getent passwd _smsotp >/dev/null && getent group smsotp >/dev/null; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			-g smsotp _smsotp && echo _smsotp >>"$LIST"
	fi
	;;
del)
	[ -f "$LIST" ] || exit 0
	while read -r u; do userdel "$u" 2>/dev/null; done <"$LIST"
	rm -f "$LIST"
	;;
*)
	echo "usage: testusers.sh add|del" >&2
	exit 2
	;;
esac
