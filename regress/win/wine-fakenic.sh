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
# wine-fakenic.sh WIN_OBJ: the TAP-Windows6 stand-in (fakenic.exe,
# regress/win/fakenic.c) and its Linux end (tapbridge.py) in a network
# namespace of their own, with fakepeer.exe as the Windows pipe client:
#
#	ping (ns) -> ftap0 -> tapbridge.py -> udp -> fakenic.exe
#	    -> \\.\pipe\softlan-fakenic -> fakepeer.exe, and back
#
# fakepeer.exe answers ARP and ping for 198.18.77.2; ftap0 is
# 198.18.77.1/24.  Cases: ping, a large ping (8000 bytes, one 8042-byte
# frame: ftap0's MTU is 9000), a burst of 200, then the client goes, a
# datagram while no client is connected is dropped and counted, a second
# client connects and ping works again; every program's counters are
# checked at its exit; with stdin /dev/null only -t ends fakenic.exe.  One "ok" or "not ok" line each, then
# "wine-fakenic: N passed, M failed" (exit 1 if M > 0).  Run from the
# top of the tree, as root (make check-win-fakenic, fakenic.mk).
#
# The namespace (softlan-fnic-<pid>) is deleted at the end, whatever
# happens.  The Wine prefix ($WIN_OBJ/fakenic/wineprefix) is made once
# and kept; its own server runs in the namespace with -p for the whole
# run and is stopped at the end: wineserver -k with this WINEPREFIX,
# then its PID.  Every command is bounded by timeout; run files stay in
# $WIN_OBJ/fakenic/run/ (logs with their CRs removed).

set -u

SUITE=wine-fakenic
NOTOK_SHOW=titled	# a "#   file:" line, then its lines without CRs
NOTOK_LINES=15
. "$(dirname "$0")/winelib.sh"

wobj=${1:?usage: wine-fakenic.sh WIN_OBJ}
top=$(pwd)
case $wobj in
/*)	;;
*)	wobj=$top/$wobj ;;
esac
nic=$wobj/regress/win/fakenic.exe
peerexe=$wobj/regress/win/fakepeer.exe
bridge=$top/regress/win/tapbridge.py
dir=$wobj/fakenic/run
wine_env "$wobj/fakenic/wineprefix"
ns=softlan-fnic-$$
pipe=softlan-fakenic
tap=ftap0
lan=198.18.77.1
host=198.18.77.2
nicport=47001		# fakenic.exe listens, tapbridge.py sends here
tapport=47002		# tapbridge.py listens, fakenic.exe sends here
T=30			# seconds: the bound of each step
LIFE=240		# seconds: the bound of each program's lifetime
tbpid=
nicpid=
peerpid=
nsmade=0

[ "$(id -u)" = 0 ] || die "must run as root"
need_files "$nic" "$peerexe" "$bridge"
need_tools wine wineserver wineboot timeout python3 ip ping

# nsrun CMD...: in the namespace, bounded by $T seconds.
nsrun() {
	ip netns exec "$ns" timeout -k 5 $T "$@"
}

# waitpid PID SECONDS: until the background job PID ends; its status.
waitpid() {
	local i
	for i in $(seq $(($2 * 5))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		sleep 1
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1"
}

# field FILE KEY: the number after the first KEY in the last line of
# FILE that has one ("rx 12" -> 12).
field() {
	tr -d '\r' <"$1" 2>/dev/null | grep -E -- "$2 [0-9]+" | tail -n 1 |
	    grep -Eo -- "$2 [0-9]+" | head -n 1 | awk '{ print $NF }'
}

# stop PIDVAR: SIGTERM, then SIGKILL, to a job still running.
stop() {
	local pid=${!1}
	if [ -n "$pid" ]; then
		waitpid "$pid" 0 >/dev/null 2>&1
		eval "$1="
	fi
}

cleanup() {
	exec 7>&- 8>&-
	stop peerpid
	stop nicpid
	stop tbpid
	wine_server_stop
	if [ $nsmade = 1 ]; then
		ip netns del "$ns" 2>/dev/null
		nsmade=0
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$dir"
mkdir -p "$dir" "$WINEPREFIX"

# --- the namespace, the prefix and its server -------------------------

ip netns add "$ns" || die "ip netns add $ns failed"
nsmade=1
nsrun ip link set lo up

# A prefix made earlier is kept (wineboot takes about 8 s); a server
# left from an earlier run in it is stopped.  After wineboot -i
# everything it started is ended too, then the run's own server starts
# in the namespace.
wine_kill
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	wine_boot "$dir/wineboot.log" ip netns exec "$ns" ||
	    die "wineboot failed" "$dir/wineboot.log"
fi
wine_server_start "$dir/wineserver.log" ip netns exec "$ns"

# --- tapbridge.py and ftap0 -------------------------------------------

ip netns exec "$ns" timeout -k 5 $LIFE python3 "$bridge" -t $LIFE \
    $tap $tapport $nicport </dev/null >"$dir/tapbridge.log" 2>&1 &
tbpid=$!
if waitfor "$dir/tapbridge.log" "^tapbridge: $tap attached" 10 &&
    nsrun sysctl -qw net.ipv6.conf.$tap.disable_ipv6=1 &&
    nsrun ip link set $tap mtu 9000 up &&
    nsrun ip addr add $lan/24 dev $tap; then
	ok "tapbridge.py: $tap up in $ns with $lan/24"
else
	notok "tapbridge.py: $tap" "$dir/tapbridge.log"
fi

# --- fakenic.exe --------------------------------------------------------

# stdin a FIFO held open on fd 7: closing fd 7 is EOF, which ends it.
mkfifo "$dir/nic.in" "$dir/peer1.in" "$dir/peer2.in"
exec 7<>"$dir/nic.in"
ip netns exec "$ns" timeout -k 5 $LIFE wine "$nic" -t $LIFE $pipe \
    $nicport $tapport <"$dir/nic.in" >"$dir/fakenic.log" 2>&1 7>&- &
nicpid=$!
if waitfor "$dir/fakenic.log" \
    "^fakenic: listening \\\\\\\\\\.\\\\pipe\\\\$pipe\$" 20 &&
    waitfor "$dir/fakenic.log" \
    "^fakenic: udp 127\.0\.0\.1:$nicport -> 127\.0\.0\.1:$tapport" 5; then
	ok "fakenic.exe: listening \\\\.\\pipe\\$pipe, udp :$nicport"
else
	notok "fakenic.exe: not listening" "$dir/fakenic.log"
fi

# peer N: fakepeer.exe number N, stdin a FIFO held open on fd 8.
peer() {
	exec 8<>"$dir/peer$1.in"
	ip netns exec "$ns" timeout -k 5 $LIFE wine "$peerexe" -t $LIFE \
	    $pipe $host <"$dir/peer$1.in" >"$dir/fakepeer$1.log" 2>&1 \
	    7>&- 8>&- &
	peerpid=$!
	if waitfor "$dir/fakepeer$1.log" "^fakepeer: connected" 20 &&
	    waitfor "$dir/fakenic.log" "^fakenic: client connected \($1\)" \
	    5; then
		ok "fakepeer.exe $1: connected, fakenic counts connection $1"
	else
		notok "fakepeer.exe $1: not connected" \
		    "$dir/fakepeer$1.log" "$dir/fakenic.log"
	fi
}

# peer_end N: EOF on fakepeer N's stdin; it ends with status 0 (no bad
# frame), having answered at least $2 pings, and fakenic sees it go.
peer_end() {
	local rc echo bad gone m
	exec 8>&-
	waitpid "$peerpid" $T
	rc=$?
	peerpid=
	waitfor "$dir/fakenic.log" '^fakenic: client gone' 5
	echo=$(field "$dir/fakepeer$1.log" echo)
	bad=$(field "$dir/fakepeer$1.log" bad)
	gone=$(tr -d '\r' <"$dir/fakenic.log" | grep -c '^fakenic: client gone')
	if [ $rc = 0 ] && [ "${echo:-0}" -ge $2 ] && [ "$bad" = 0 ] &&
	    [ "$gone" = $1 ]; then
		ok "fakepeer.exe $1 ends: $echo echo replies, no bad" \
		    "frame; fakenic: client gone"
	else
		m="fakepeer.exe $1 ends (exit $rc, echo '$echo', bad '$bad'"
		notok "$m, gone '$gone')" "$dir/fakepeer$1.log" \
		    "$dir/fakenic.log"
	fi
}

# pingcase NAME ARGS...: ping from the namespace must succeed, with
# no loss.
pingcase() {
	local name=$1 rc
	shift
	nsrun ping "$@" $host >"$dir/$name.log" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q ' 0% packet loss' "$dir/$name.log"; then
		ok "ping $* $host: $(grep -Eo '[0-9]+ received.*loss' \
		    "$dir/$name.log")"
	else
		notok "ping $* $host (exit $rc)" "$dir/$name.log"
	fi
}

# 208 pings in all: each way, at least as many frames went through.
npings=208
peer 1
pingcase ping1 -c 3 -W 2
pingcase ping-big -c 2 -W 2 -s 8000 -M do
pingcase ping-burst -q -c 200 -i 0.005 -W 2 -s 1000
peer_end 1 205

# No client: a datagram to fakenic.exe is dropped, and counted.
nsrun python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"\xff" * 12 + b"\x88\xb5no client", ("127.0.0.1", int(sys.argv[1])))
' $nicport
sleep 1

peer 2
pingcase ping2 -c 3 -W 2
peer_end 2 3

# --- the ends -----------------------------------------------------------

# fakenic.exe: EOF on stdin; its counters.
exec 7>&-
waitpid "$nicpid" $T
rc=$?
nicpid=
rx=$(field "$dir/fakenic.log" rx)
tx=$(field "$dir/fakenic.log" tx)
dropped=$(field "$dir/fakenic.log" dropped)
noclient=$(field "$dir/fakenic.log" 'no client')
if [ $rc = 0 ] && waitfor "$dir/fakenic.log" '^fakenic: eof on stdin' 1 &&
    [ "${rx:-0}" -ge $npings ] && [ "${tx:-0}" -ge $npings ] &&
    [ "${noclient:-0}" -ge 1 ] && [ "${dropped:-0}" = "$noclient" ]; then
	ok "fakenic.exe ends at eof: rx $rx tx $tx dropped $dropped" \
	    "(no client $noclient)"
else
	m="fakenic.exe ends (exit $rc, rx '$rx' tx '$tx'"
	notok "$m dropped '$dropped' no client '$noclient')" \
	    "$dir/fakenic.log"
fi

# tapbridge.py: SIGTERM; its counters.
kill -TERM "$tbpid" 2>/dev/null
waitpid "$tbpid" $T
rc=$?
tbpid=
toudp=$(field "$dir/tapbridge.log" 'tap->udp')
totap=$(field "$dir/tapbridge.log" 'udp->tap')
if [ $rc = 0 ] && waitfor "$dir/tapbridge.log" '^tapbridge: SIGTERM' 1 &&
    [ "${toudp:-0}" -ge $npings ] && [ "${totap:-0}" -ge $npings ]; then
	ok "tapbridge.py ends at SIGTERM: $(tr -d '\r' \
	    <"$dir/tapbridge.log" | sed -n 's/^tapbridge: SIGTERM: //p')"
else
	notok "tapbridge.py ends (exit $rc)" "$dir/tapbridge.log"
fi

# With stdin /dev/null (not a pipe) only the lifetime ends fakenic.exe,
# as wine-e2e.sh runs it.
t0=$(date +%s)
nsrun wine "$nic" -t 2 $pipe-null 47003 47004 </dev/null \
    >"$dir/fakenic-null.log" 2>&1
rc=$?
t1=$(date +%s)
if [ $rc = 0 ] && [ $((t1 - t0)) -ge 2 ] &&
    waitfor "$dir/fakenic-null.log" '^fakenic: lifetime of 2 s over' 1; then
	ok "fakenic.exe -t 2 </dev/null: runs its lifetime out"
else
	notok "fakenic.exe -t 2 </dev/null (exit $rc, $((t1 - t0)) s)" \
	    "$dir/fakenic-null.log"
fi

cleanup
suite_done
