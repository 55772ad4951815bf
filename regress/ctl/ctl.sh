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
# softlanctl against ctlserver (fixed replies, served by the daemons'
# common/control.c): rendering compared with .ok files, -j, prefixes, a
# 2000-row reply in many chunks, an error reply, the errors for a missing
# or dead socket, and idle connections (hold.py) that can neither lock
# softlanctl out nor stay forever.  Ends with "ctl: N passed, M failed".

set -u

obj=${1:?usage: ctl.sh OBJDIR}
ctl=$obj/softlanctl/softlanctl
srv=$obj/regress/ctl/ctlserver
ok=regress/ctl
dir=$(mktemp -d /tmp/slctl.XXXXXX) || exit 1
sock=$dir/ctl.sock
sock2=$dir/ctl2.sock
pid=
pid2=
holdpid=
pass=0
fail=0

cleanup()
{
	for p in $holdpid $pid2 $pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
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

# wait_path PATH: until PATH exists (a socket or a file), 5 s at most.
wait_path()
{
	i=0
	while [ ! -e "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# counter NAME: its value in $dir/out (softlanctl -j show counters).
counter()
{
	tr -d ' \t\n' <"$dir/out" | sed 's/}/}\n/g' |
	    sed -n "s/.*\"counter\":\"$1\",\"value\":\([0-9]*\).*/\1/p"
}

# hold NAME SOCKET NIDLE NHALF SECONDS: hold.py in the background.
hold()
{
	rm -f "$dir/$1.ready"
	python3 regress/ctl/hold.py "$2" "$3" "$4" "$5" "$dir/$1.ready" \
	    >"$dir/$1.out" 2>&1 &
	holdpid=$!
	wait_path "$dir/$1.ready" || wait_path "$dir/$1.ready"
}

"$srv" "$sock" 2>"$dir/srv.log" &
pid=$!
wait_path "$sock" || { echo "ctl: ctlserver did not start" >&2; exit 1; }

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

# Issue 10: 40 connections that stay idle and one holding half an imsg
# header, against a limit of 32 clients, do not lock softlanctl out: the
# default timeouts are far off, yet show status is answered at once (a
# new client takes the place of the one idle the longest), and each
# eviction is counted and logged, the summary only once.
hold lockout "$sock" 40 1 30
check $? "hold.py did not connect: $(cat "$dir/lockout.out")"
expect "show status, 41 connections held" 0 "" -- -s "$sock" show status
cmp -s "$ok/status.ok" "$dir/out"
check $? "show status while held: output differs from status.ok"
expect "show counters, 41 connections held" 0 "" -- \
    -j -s "$sock" show counters
ev=$(counter control-evicted)
[ "${ev:-0}" -ge 10 ] && [ "$(counter control-refused-busy)" = 0 ]
check $? "41 held + 1: control-evicted ${ev:-none}, expected 10 or more"
kill "$holdpid" 2>/dev/null
wait "$holdpid" 2>/dev/null
holdpid=
n=$(sed -n 's/^closed \([0-9]*\) of 41 .*/\1/p' "$dir/lockout.out")
[ "${n:-0}" -ge 10 ] && [ "$n" -le "$ev" ]
check $? "hold.py: $(cat "$dir/lockout.out"), $ev evicted"
[ "$(grep -c 'closed: evicted for a new client' "$dir/srv.log")" -ge 10 ] &&
    [ "$(grep -c 'clients closed so far' "$dir/srv.log")" = 1 ]
check $? "evictions not logged once each with one summary"

# With timeouts of 1 s idle and 0.5 s partial, and the table just full
# (nothing evicted), every held connection is closed by the server within
# seconds, counted by kind; softlanctl still works afterwards.
"$srv" -i 1000 -p 500 "$sock2" 2>"$dir/srv2.log" &
pid2=$!
wait_path "$sock2"
check $? "second ctlserver did not start"
hold timeout "$sock2" 31 1 10
check $? "hold.py did not connect: $(cat "$dir/timeout.out")"
wait "$holdpid"
holdpid=
grep -q '^closed 32 of 32 after' "$dir/timeout.out"
check $? "timeouts: $(cat "$dir/timeout.out"), expected all 32 closed"
expect "show counters after timeouts" 0 "" -- -j -s "$sock2" show counters
[ "$(counter control-timeout-idle)" = 31 ] &&
    [ "$(counter control-timeout-partial)" = 1 ] &&
    [ "$(counter control-evicted)" = 0 ]
check $? "timeout counters: $(tr -d ' \t\n' <"$dir/out")"
[ "$(grep -c 'closed: idle for' "$dir/srv2.log")" = 31 ] &&
    [ "$(grep -c 'closed: request incomplete' "$dir/srv2.log")" = 1 ] &&
    [ "$(grep -c 'clients closed so far' "$dir/srv2.log")" = 1 ]
check $? "timeouts not logged once each with one summary"
expect "show status after timeouts" 0 "" -- -s "$sock2" show status
kill "$pid2"
wait "$pid2" 2>/dev/null
pid2=

# A dead daemon leaves its socket behind: connection refused.
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
expect "dead socket" 1 "control socket $sock: connection refused" -- \
    -s "$sock" show status

# softlanctl without -s finds the daemon's socket among the defaults in
# /run, passing over sockets nobody listens on (discover.sh, in a private
# mount namespace with its own /run).
if unshare -m --propagation private true 2>/dev/null; then
	unshare -m --propagation private sh regress/ctl/discover.sh "$ctl" \
	    "$srv" >"$dir/discover.out" 2>&1
	n=$(grep -c '^ok ' "$dir/discover.out")
	[ "$n" = 2 ]
	check $? "default socket discovery: $(grep -v '^ok ' "$dir/discover.out")"
else
	check 1 "default socket discovery: no mount namespace (unshare -m)"
fi

echo "ctl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
