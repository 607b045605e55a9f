#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# askpass.sh PROMPT - SSH_ASKPASS for t_sshd.sh: answers one keyboard-
# interactive prompt per call, the way a person at the keyboard would.
#
# environment: SMSOTP_ASK_DIR  directory with the files below
#              SMSOTP_CODE_CMD shell command printing the latest code sent
#              SMSOTP_OUTBOX   the outbox (for "prev")
# $SMSOTP_ASK_DIR/plan     one answer per call (the last one repeats):
#                          code    the latest code from the outbox
#                          prev    the code sent before the latest one
#                          r       ask for a resend
#                          =TEXT   the literal TEXT
#                          fail    give no answer (exit 1, as a closed dialog)
# $SMSOTP_ASK_DIR/prompts  every prompt seen is appended, then a "--" line
# $SMSOTP_ASK_DIR/calls    how many times it was called
d=${SMSOTP_ASK_DIR:?}
n=$(cat "$d/calls" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$d/calls"
printf '%s\n--\n' "$1" >>"$d/prompts"
a=$(sed -n "${n}p" "$d/plan")
[ -n "$a" ] || a=$(tail -n 1 "$d/plan")
case $a in
code) sh -c "$SMSOTP_CODE_CMD" ;;
prev) tail -n 2 "${SMSOTP_OUTBOX:?}" | head -n 1 | cut -f 3 | grep -o '^[0-9]*' ;;
r) echo r ;;
=*) printf '%s\n' "${a#=}" ;;
*) exit 1 ;;
esac
