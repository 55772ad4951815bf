#!/bin/bash
#
# Copyright (c) 2026 The softlan authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# The end-to-end cases' layer over the regress harness (regress/lib.sh,
# which has everything else), sourced by each case script after it set
# E2E_NAME:
#
#	e2e_init PROGRAMS	suite_init, and the user _relayd
#	e2e_done		the result line ("NAME: P passed, F
#				failed"), the same counts into $E2E_RESULT
#				when check-e2e gave one
#	impair_totals LOG	impair did drop, reorder and duplicate
#
# Each case line reads "ok N NAME: ...".  e2e_netns, e2e_link, e2e_veth,
# e2e_bridge and e2e_users are the harness's netns_add, veth_link,
# veth_pair, bridge_add and sys_users under the names
# regress/relayd/shortpkt.sh and regress/bench/hsflood.sh still use.

SUITE=$E2E_NAME
CASE_TAG="$E2E_NAME: "
T=sle$$
. "${BASH_SOURCE[0]%/*}/../lib.sh"

E2E_OBJ=$OBJDIR
IMPAIR=$OBJDIR/regress/e2e/impair

e2e_init() {
	suite_init "$@"
	sys_users "$RUSER" || exit 1
}

e2e_done() {
	suite_done
	[ -n "$E2E_RESULT" ] && echo "$PASS $FAIL" >"$E2E_RESULT"
	[ "$FAIL" = 0 ]
}

e2e_netns() { netns_add "$@"; }
e2e_link() { veth_link "$@"; }
e2e_veth() { veth_pair "$@"; }
e2e_bridge() { bridge_add "$@"; }
e2e_users() { sys_users "$@"; }

# impair_totals LOG: WHY names each kind of impairment (dropped,
# reordered, duplicated) that never happened, both directions together,
# in impair's last counters.
impair_totals() {
	local k v
	for k in dropped reordered duplicated; do
		v=$(grep '^impair: \(up\|down\) recv' "$1" | tail -n 2 |
		    sed -n "s/.* $k=\([0-9]*\).*/\1/p" |
		    awk '{ n += $1 } END { print n + 0 }')
		[ "$v" -gt 0 ] || WHY="$WHY nothing $k;"
	done
}
