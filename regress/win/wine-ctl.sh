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
# wine-ctl.sh WIN_OBJ: the control pipe under Wine.  WIN_OBJ/ctl/ctlserv.exe
# (regress/win/ctlserv.c) serves a pipe with clientd/win/control_win.c;
# WIN_OBJ/softlanctl.exe and ctlserv's raw client modes (-T) talk to it.
# One "ok" or "not ok" line per case, then "wine-ctl: N passed, M failed"
# (exit 1 if M > 0).  Run from the top of the tree (make check-win-ctl,
# clientd/win/ctl.mk).
#
# A new private prefix every run (WIN_OBJ/ctl/wineprefix) and its own
# Wine server, kept up with -p for the whole run; at the end that server,
# and only that one, is stopped (wineserver -k with this WINEPREFIX, then
# its PID).  Every command is bounded by timeout; run files stay in
# WIN_OBJ/ctl/wine-ctl/ (outputs with their CRs removed).  Wine does not
# enforce the pipe's DACL: who may connect is not tested here.

set -u

SUITE=wine-ctl
NOTOK_SHOW=named	# each file's lines as "#   file: line"
NOTOK_LINES=15
WRUN_SPLIT=1		# wrun: NAME.out and NAME.err
. "$(dirname "$0")/winelib.sh"

obj=${1:?usage: wine-ctl.sh WIN_OBJ}
top=$(pwd)
ctl=$top/$obj/softlanctl.exe
serv=$top/$obj/ctl/ctlserv.exe
dir=$top/$obj/ctl/wine-ctl
wine_env "$top/$obj/ctl/wineprefix"
T=30		# seconds: the bound of each Wine command
pipe='\\.\pipe\softlan-ctltest'
pipe2='\\.\pipe\softlan-ctltest-timeouts'
srvpid=
srv2pid=

need_files "$ctl" "$serv"
need_tools wine wineserver wineboot timeout python3

cleanup() {
	# shellcheck disable=SC2086	# no job, no argument
	wine_stop $srvpid $srv2pid
	srvpid=
	srv2pid=
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# slog FILE: the server's log so far, CRs removed.
slog() {
	tr -d '\r' <"$1"
}

# jget FILE EXPR: a Python expression on the JSON document j of FILE.
jget() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# counter FILE NAME: the value of counter NAME in softlanctl -j's FILE.
counter() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print([r["value"] for r in j["counters"] if r["counter"] == sys.argv[2]][0])' \
	    "$1" "$2" 2>/dev/null
}

# status NAME: softlanctl show status works (exit 0, the daemon line).
status() {
	wrun "$1" "$ctl" -s "$pipe" show status &&
	    grep -qx 'daemon: ctlserv' "$dir/$1.out"
}

# --- the prefix, its server, the test server -------------------------

rm -rf "$dir"
mkdir -p "$dir"
wine_prefix "$dir/wineboot.log" || die "wineboot failed" "$dir/wineboot.log"
wine_server_start "$dir/wineserver.log"

# No server yet: softlanctl says so, for -s and for the default pipe.
wrun nopipe "$ctl" -s '\\.\pipe\softlan-nosuch' show status
rc=$?
nopipe='no control pipe %s: is the softlan service running?'
# shellcheck disable=SC2059
if [ $rc = 1 ] && [ ! -s "$dir/nopipe.out" ] && grep -qxF "softlanctl: \
$(printf "$nopipe" '\\.\pipe\softlan-nosuch')" "$dir/nopipe.err"; then
	ok "no such pipe: $(cat "$dir/nopipe.err"), exit 1"
else
	notok "no such pipe (exit $rc)" "$dir/nopipe.out" "$dir/nopipe.err"
fi
wrun nodefault "$ctl" show status
rc=$?
# shellcheck disable=SC2059
if [ $rc = 1 ] && grep -qxF "softlanctl: \
$(printf "$nopipe" '\\.\pipe\softlan-clientd')" "$dir/nodefault.err"; then
	ok "default pipe \\\\.\\pipe\\softlan-clientd, absent: exit 1"
else
	notok "default pipe (exit $rc)" "$dir/nodefault.err"
fi
wrun notpipe "$ctl" -s 'C:\windows\win.ini' show status
rc=$?
if [ $rc = 1 ] && grep -q 'not a pipe name' "$dir/notpipe.err"; then
	ok "-s with a file name: refused, exit 1"
else
	notok "-s with a file name (exit $rc)" "$dir/notpipe.err"
fi

# The test server: replies to rooms 8 s late (the refusal case).
timeout 240 wine "$serv" -v -t 200 -w 8000 "$pipe" </dev/null \
    >"$dir/server.out" 2>"$dir/server.err" &
srvpid=$!
if waitfor "$dir/server.out" '^ctlserv: serving ' 20; then
	ok "ctlserv serves $pipe"
else
	notok "ctlserv does not start" "$dir/server.out" "$dir/server.err"
	cleanup
	echo "$SUITE: $pass passed, $((fail + 1)) failed"
	exit 1
fi

# --- replies ---------------------------------------------------------

cat >"$dir/status.ok" <<'OK'
daemon: ctlserv
version: 0.1
pipe: \\.\pipe\softlan-ctltest
ready: yes
clients: 1
listen.addr: 198.18.0.1
listen.port: 4433

counters:
counter     value
frames-in   1234567
frames-out  7654321
drops-mtu   0
OK
wrun status "$ctl" -s "$pipe" show status
rc=$?
if [ $rc = 0 ] && cmp -s "$dir/status.ok" "$dir/status.out"; then
	ok "show status: rendered as on Linux (fields, nested object, table)"
else
	notok "show status (exit $rc)" "$dir/status.out" "$dir/status.err"
	diff "$dir/status.ok" "$dir/status.out" | sed 's/^/#   /'
fi

wrun statusj "$ctl" -j -s "$pipe" sh st
rc=$?
if [ $rc = 0 ] &&
    [ "$(jget "$dir/statusj.out" '(j["daemon"], j["listen"]["port"],
    j["counters"][0], len(j["counters"]))')" = \
    "('ctlserv', 4433, {'counter': 'frames-in', 'value': 1234567}, 3)" ]
then
	ok "show status -j (as \"sh st\"): JSON, json.load reads it"
else
	notok "show status -j (exit $rc)" "$dir/statusj.out" "$dir/statusj.err"
fi

# More than 64 KiB: several IMSG_CTL_JSON chunks, several pipe writes.
wrun countersj "$ctl" -j -s "$pipe" show counters
rc=$?
n=$(jget "$dir/countersj.out" 'len(j["counters"])')
last=$(jget "$dir/countersj.out" 'j["counters"][-1]["value"]')
size=$(python3 -c 'import json, sys
print(len(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"))))' \
    "$dir/countersj.out" 2>/dev/null)
if [ $rc = 0 ] && [ "$n" = 3005 ] && [ "$last" = 3000009000 ] &&
    [ "${size:-0}" -gt 65536 ]; then
	ok "show counters -j: a $size-byte reply, $n rows, all there"
else
	notok "show counters -j (exit $rc, rows '$n', size '$size')" \
	    "$dir/countersj.err"
fi
wrun counters "$ctl" -s "$pipe" show counters
rc=$?
if [ $rc = 0 ] &&
    [ "$(grep -Ec '^test-counter-[0-9]{4} +[0-9]+$' "$dir/counters.out")" \
    = 3000 ] &&
    grep -Eqx 'control-refused-busy +0' "$dir/counters.out" &&
    grep -Eqx 'test-counter-3000 +3000009000' "$dir/counters.out"; then
	ok "show counters: the table, 3005 rows"
else
	notok "show counters (exit $rc)" "$dir/counters.err"
fi

wrun peers "$ctl" -s "$pipe" show peers
rc=$?
if [ $rc = 1 ] && [ ! -s "$dir/peers.out" ] &&
    grep -qx 'softlanctl: no peers: this is a test server' \
    "$dir/peers.err"; then
	ok "show peers: an error reply, exit 1"
else
	notok "show peers (exit $rc)" "$dir/peers.out" "$dir/peers.err"
fi

wrun verbose "$ctl" -s "$pipe" log verbose
rc=$?
wrun reload "$ctl" -s "$pipe" reload
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && grep -qx 'log_level: 2' "$dir/verbose.out" &&
    grep -qx 'reloaded: yes' "$dir/reload.out"; then
	ok "log verbose (an int32_t payload) and reload"
else
	notok "log verbose / reload (exit $rc, $rc2)" "$dir/verbose.err" \
	    "$dir/reload.err"
fi

# Eight at once, each reading a large reply: the others wait for a free
# instance (WaitNamedPipe) and every one gets its whole reply.
pids=
for i in 1 2 3 4 5 6 7 8; do
	wrun "par$i" "$ctl" -j -s "$pipe" show counters &
	pids="$pids $!"
done
good=0
for p in $pids; do
	wait "$p"
done
for i in 1 2 3 4 5 6 7 8; do
	[ "$(jget "$dir/par$i.out" 'len(j["counters"])')" = 3005 ] &&
	    good=$((good + 1))
done
if [ $good = 8 ]; then
	ok "8 softlanctl at once: 8 whole replies of 3005 rows"
else
	notok "8 softlanctl at once: $good of 8 whole replies" \
	    "$dir/par1.err" "$dir/par8.err"
fi

# --- clients that break the rules: dropped, the server goes on --------

bad() {
	local t=$1 why=$2
	wrun "bad-$t" "$serv" -T "$t" -t 10 "$pipe"
	rc=$?
	if [ $rc = 0 ] && grep -q 'dropped after' "$dir/bad-$t.out" &&
	    waitfor "$dir/server.err" "control: client [0-9]+ closed: $why" 5 &&
	    status "after-$t"; then
		ok "client sending $t: dropped ($why); show status still works"
	else
		notok "client sending $t (exit $rc)" "$dir/bad-$t.out" \
		    "$dir/bad-$t.err" "$dir/after-$t.err"
	fi
}
bad unknown 'unknown request type 4242'
bad size 'request type 1000: payload 4 bytes, expected 0'
bad level 'request type 1004: log level 9, expected 0\.\.3'
bad oversize 'oversize message'
bad garbage 'oversize message'

# --- the limit: 16 clients ---------------------------------------------

# 16 idle clients: a 17th evicts the one idle the longest.
timeout $T wine "$serv" -T hold -n 16 -t 6 "$pipe" </dev/null \
    >"$dir/hold.raw" 2>&1 &
hpid=$!
if waitfor "$dir/hold.raw" 'holding 16 connections' 15; then
	status evict
	rc=$?
else
	rc=2
fi
wait $hpid
tr -d '\r' <"$dir/hold.raw" >"$dir/hold.log"
wrun evictj "$ctl" -j -s "$pipe" show counters
ev=$(counter "$dir/evictj.out" control-evicted)
if [ $rc = 0 ] && [ "$ev" = 1 ] &&
    grep -q 'hold: 1 of 16 closed by the server' "$dir/hold.log" &&
    grep -Eq 'closed: evicted for a new client after [0-9]+ ms idle' \
    "$dir/server.err"; then
	ok "16 idle clients: the 17th evicts the idlest (control-evicted 1)"
else
	notok "eviction (status $rc, evicted '$ev')" "$dir/hold.log" \
	    "$dir/evict.err"
fi

# 16 clients each owed a reply: a 17th is refused.
timeout $T wine "$serv" -T hold-rooms -n 16 -t 5 "$pipe" </dev/null \
    >"$dir/holdr.raw" 2>&1 &
hpid=$!
rc=2
if waitfor "$dir/holdr.raw" 'holding 16 connections' 15; then
	wrun refused "$ctl" -s "$pipe" show status
	rc=$?
fi
wait $hpid
tr -d '\r' <"$dir/holdr.raw" >"$dir/holdr.log"
wrun refusedj "$ctl" -j -s "$pipe" show counters
ref=$(counter "$dir/refusedj.out" control-refused-busy)
if [ $rc = 1 ] && [ "$ref" = 1 ] &&
    grep -q 'softlan-ctltest: connection closed by the daemon$' \
    "$dir/refused.err" &&
    grep -q 'hold-rooms: 0 of 16 closed by the server' "$dir/holdr.log" &&
    grep -q 'control: 16 clients, all busy: connection refused' \
    "$dir/server.err"; then
	ok "16 clients owed a reply: a 17th is refused (control-refused-busy 1)"
else
	notok "refusal (exit $rc, refused '$ref')" "$dir/holdr.log" \
	    "$dir/refused.err"
fi
# Their replies come after they left: dropped, nothing else happens.
if waitfor "$dir/server.err" 'show rooms: the client is gone' 10 &&
    sleep 1 && status after-rooms &&
    [ "$(slog "$dir/server.err" | grep -c 'show rooms: the client is gone')" \
    = 16 ]; then
	ok "16 replies owed to clients gone: dropped; show status still works"
else
	notok "replies to clients gone" "$dir/after-rooms.err"
fi

# --- timeouts, and a clean end -----------------------------------------

timeout 60 wine "$serv" -v -i 1500 -p 1000 -t 16 "$pipe2" </dev/null \
    >"$dir/server2.out" 2>"$dir/server2.err" &
srv2pid=$!
if waitfor "$dir/server2.out" '^ctlserv: serving ' 20; then
	wrun idle "$serv" -T idle -t 10 "$pipe2"
	rc=$?
	wrun partial "$serv" -T partial -t 10 "$pipe2"
	rc2=$?
	wrun unread "$serv" -T unread -t 10 "$pipe2"
	rc3=$?
	wrun timeoutsj "$ctl" -j -s "$pipe2" show counters
	idle=$(counter "$dir/timeoutsj.out" control-timeout-idle)
	part=$(counter "$dir/timeoutsj.out" control-timeout-partial)
	unread=$(counter "$dir/timeoutsj.out" control-timeout-unread)
else
	rc=2
	rc2=2
	rc3=2
fi
if [ $rc = 0 ] && [ "${idle:-}" = 1 ] &&
    grep -Eq 'control: client [0-9]+ closed: idle for 1[5-9][0-9]{2} ms' \
    "$dir/server2.err"; then
	ok "idle client (-i 1500): $(sed -n 's/^ctlserv: idle: //p' \
	    "$dir/idle.out")"
else
	notok "idle timeout (exit $rc, idle '${idle:-}')" "$dir/idle.out" \
	    "$dir/server2.err"
fi
if [ $rc2 = 0 ] && [ "${part:-}" = 1 ] &&
    grep -Eq 'control: client [0-9]+ closed: request incomplete after' \
    "$dir/server2.err"; then
	ok "half a header (-p 1000): $(sed -n 's/^ctlserv: partial: //p' \
	    "$dir/partial.out")"
else
	notok "partial timeout (exit $rc2, partial '${part:-}')" \
	    "$dir/partial.out" "$dir/server2.err"
fi
# Its 152 KB reply fills the pipe: the write in flight is cancelled.
if [ $rc3 = 0 ] && [ "${unread:-}" = 1 ] &&
    grep -Eq 'closed: reply unread for 1[5-9][0-9]{2} ms' \
    "$dir/server2.err"; then
	ok "show counters, never read (-i 1500): $(sed -n \
	    's/^ctlserv: unread: //p' "$dir/unread.out")"
else
	notok "unread timeout (exit $rc3, unread '${unread:-}')" \
	    "$dir/unread.out" "$dir/server2.err"
fi
wait $srv2pid
rc=$?
srv2pid=
if [ $rc = 0 ] && waitfor "$dir/server2.out" '^ctlserv: done$' 1; then
	ok "ctlserv ends on its own: control_free, exit 0"
else
	notok "ctlserv's end (exit $rc)" "$dir/server2.out" "$dir/server2.err"
fi

# The first server lived through all of it.
if kill -0 "$srvpid" 2>/dev/null && status last &&
    ! slog "$dir/server.err" | grep -q fatal; then
	ok "ctlserv still serving after every case"
else
	notok "ctlserv did not survive" "$dir/server.err"
fi

slog "$dir/server.err" >"$dir/server.log"
slog "$dir/server2.err" >"$dir/server2.log"
cleanup
suite_done
