#!/bin/sh
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
# usage: ctl.sh OBJDIR
#
# softlanctl against ctlserver (fixed replies): rendering compared with
# .ok files, -j, prefixes, a 2000-row reply in many chunks, an error
# reply, and the errors for a missing or dead socket.  Ends with
# "ctl: N passed, M failed".

set -u

obj=${1:?usage: ctl.sh OBJDIR}
ctl=$obj/softlanctl/softlanctl
srv=$obj/regress/ctl/ctlserver
ok=regress/ctl
dir=$(mktemp -d /tmp/slctl.XXXXXX) || exit 1
sock=$dir/ctl.sock
pid=
pass=0
fail=0

cleanup()
{
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

check()
{
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "ctl: FAIL: $2" >&2
	fi
}

# expect NAME STATUS STDERR-PATTERN -- softlanctl arguments
expect()
{
	name=$1 want=$2 pat=$3
	shift 4
	"$ctl" "$@" >"$dir/out" 2>"$dir/err"
	st=$?
	if [ "$st" != "$want" ]; then
		check 1 "$name: exit $st, expected $want"
		cat "$dir/err" >&2
		return
	fi
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$dir/err"; then
		check 1 "$name: stderr lacks \"$pat\": $(cat "$dir/err")"
		return
	fi
	check 0 "$name"
}

"$srv" "$sock" 2>"$dir/srv.log" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$sock" ] || { echo "ctl: ctlserver did not start" >&2; exit 1; }

expect "show status" 0 "" -- -s "$sock" show status
diff -u "$ok/status.ok" "$dir/out" >&2
check $? "show status: output differs from status.ok"

expect "prefixes" 0 "" -- -s "$sock" sh st
cmp -s "$ok/status.ok" "$dir/out"
check $? "sh st: output differs from status.ok"

expect "-j" 0 "" -- -j -s "$sock" show status
diff -u "$ok/status-json.ok" "$dir/out" >&2
check $? "-j show status: output differs from status-json.ok"

expect "large reply" 0 "" -- -s "$sock" show peers
[ "$(wc -l <"$dir/out")" -eq 2002 ] &&
    [ "$(sed -n 2p "$dir/out")" = "id    name       rtt_ms" ] &&
    [ "$(tail -n 1 "$dir/out")" = "1999  peer-1999  99.5" ]
check $? "show peers: wrong table ($(wc -l <"$dir/out") lines)"

expect "log verbose" 0 "" -- -s "$sock" log verbose
[ "$(cat "$dir/out")" = "verbose: 2" ]
check $? "log verbose: $(cat "$dir/out")"
expect "log brief" 0 "" -- -s "$sock" log brief
[ "$(cat "$dir/out")" = "verbose: 0" ]
check $? "log brief: $(cat "$dir/out")"
expect "reload" 0 "" -- -s "$sock" reload

expect "error reply" 1 "^softlanctl: no rooms configured$" -- \
    -s "$sock" show rooms
expect "unknown command" 1 "unknown command: show nothing" -- \
    -s "$sock" show nothing
expect "usage" 1 "^usage: softlanctl " --
expect "no socket" 1 "control socket $dir/none.sock: no such socket" -- \
    -s "$dir/none.sock" show status

# A dead daemon leaves its socket behind: connection refused.
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
expect "dead socket" 1 "control socket $sock: connection refused" -- \
    -s "$sock" show status

echo "ctl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
