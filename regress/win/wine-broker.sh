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
# wine-broker.sh CLIENTD.EXE FAKENIC.EXE: the Windows broker and worker
# (clientd/win/broker.h) under Wine, each case a real run of clientd.exe
# with one "ok" or "not ok" line, then "wine-broker: N passed, M failed"
# (exit 1 if M > 0).  Run from the top of the tree (make check-win-pipe,
# clientd/win/pipe.mk).
#
# clientd.exe runs with a clientd.conf of the test, the fake adapter
# (-T fakenic=: a pipe fakenic.exe serves) and the fake IP configuration
# (-T journal=); its relay is a UDP sink on 127.0.0.1 that records the
# datagrams it gets (the worker's QUIC Initials), so no case connects:
# wine-e2e.sh has the player that does.
#
# A new private prefix every run (wineprefix beside CLIENTD.EXE, about 8 s
# to make) and its own Wine server, kept up with -p for the whole run:
# Wine stops service processes once no ordinary program runs.  At the end
# that server, and only that one, is stopped: wineserver -k with this
# WINEPREFIX, then its PID.  Every command is bounded by timeout; run
# files stay in wine-broker/ beside CLIENTD.EXE (logs with their CRs
# removed).

set -u

SUITE=wine-broker
. "$(dirname "$0")/winelib.sh"

exe=${1:?usage: wine-broker.sh path/to/clientd.exe path/to/fakenic.exe}
nicexe=${2:?usage: wine-broker.sh path/to/clientd.exe path/to/fakenic.exe}
top=$(pwd)
base=$(cd "$(dirname "$exe")" && pwd)
dir=$base/wine-broker
wine_env "$base/wineprefix"
T=30		# seconds: the bound of each Wine command
svc=softlan-clientd
nicpid=
sinkpid=

need_files "$exe" "$nicexe"
need_tools wine wineserver timeout python3 openssl

cleanup() {
	# shellcheck disable=SC2086	# no job, no argument
	wine_stop $nicpid $sinkpid
	nicpid=
	sinkpid=
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The worker's and the broker's Windows pids from a broker log.
wpid() {
	sed -n 's/.*broker: worker \([0-9]*\) ready.*/\1/p' "$1" | head -n 1
}
bpid() {
	sed -n 's/.*pipe \\\\\.\\pipe\\softlan-clientd-\([0-9]*\)$/\1/p' \
	    "$1" | head -n 1
}

# scstate NAME: the STATE number sc query reports ("" if none).
scstate() {
	wrun "$1" sc query $svc
	sed -n 's/^ *STATE *: *\([0-9]*\).*/\1/p' "$dir/$1.log"
}

# --- the prefix and its server ---------------------------------------

rm -rf "$dir"
mkdir -p "$dir"
wine_prefix "$dir/wineboot.log" || die "wineboot failed" "$dir/wineboot.log"
wine_server_start "$dir/wineserver.log"

# The relay: a UDP sink on 127.0.0.1 that writes its port, then one line
# per datagram ("N bytes").
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(300)
print(s.getsockname()[1], flush=True)
while True:
    try:
        d, a = s.recvfrom(65536)
    except socket.timeout:
        sys.exit(0)
    print(len(d), "bytes", flush=True)
' >"$dir/sink.out" 2>&1 &
sinkpid=$!
waitfor "$dir/sink.out" '^[0-9]+$' 5
port=$(head -n 1 "$dir/sink.out")

# The adapter: fakenic.exe serves \\.\pipe\slb-fakenic (its UDP side
# goes nowhere: no frame is needed here).
timeout 280 wine "$nicexe" -t 270 slb-fakenic 47101 47102 </dev/null \
    >"$dir/fakenic.raw" 2>&1 &
nicpid=$!
waitfor "$dir/fakenic.raw" 'listening' 20 || die "fakenic.exe does not start"

# A CA certificate (any will do: nothing connects) and the configuration.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -subj /CN=softlan-relay -days 2 -keyout "$dir/ca.key" \
    -out "$dir/ca.pem" >"$dir/openssl.log" 2>&1 ||
    { cat "$dir/openssl.log" >&2; exit 1; }
cat >"$dir/clientd.conf" <<EOC
# clientd.conf of wine-broker.sh
relay "127.0.0.1" port $port
server-name "softlan-relay"
ca-certificate "Z:$dir/ca.pem"
room "party"
virtual-mac 02:5e:00:00:00:42
EOC
conf="Z:${dir//\//\\}\\clientd.conf"
journal=$dir/journal.txt
wjournal="Z:${journal//\//\\}"
# fakes: the arguments every run of the broker gets.
fakes=(-f "$conf" -T fakenic=slb-fakenic -T "journal=$wjournal")

# --- broker -d -------------------------------------------------------

# The broker starts the worker; the worker says hello and, asked to,
# makes the broker stop with status 0.  With -vv and -T probe the log
# also says what Wine made of the sandbox; those lines are shown as
# "# wine:" comments, not checked.
wrun start "$exe" -d -vv "${fakes[@]}" -T exit -T probe
rc=$?
if [ $rc = 0 ] && has "$dir/start.log" \
    'broker: worker [0-9]+ started, pipe \\\\\.\\pipe\\softlan-clientd-' \
    'broker: worker [0-9]+ ready: token with' \
    'worker: client ready: tap softlan, MAC 02:5e:00:00:00:42, room party' \
    'broker: worker asks to exit with status 0' \
    'broker: worker [0-9]+ stopped: exit status 0'; then
	ok "broker -d starts the worker (config, pipe, job, hello, clean stop)"
else
	notok "broker -d starts the worker (exit $rc)" "$dir/start.log"
fi
sed -n -e 's/^broker: \(pipe .*: dacl .*\)/# wine: \1/p' \
    -e 's/^broker: \(worker token: .*\)/# wine: asked for: \1/p' \
    -e 's/.*\(ready: token with .*\)/# wine: got: worker \1/p' \
    -e 's/^worker: probe: \(.*\)/# wine: \1/p' "$dir/start.log"

# imsg both ways: 300 pings of 4 KiB each way, more than the pipe holds.
wrun roundtrip "$exe" -d -v "${fakes[@]}" -T exit -T pings=300
rc=$?
if [ $rc = 0 ] && has "$dir/roundtrip.log" \
    'broker: round trip: 300 pings of 4104 bytes answered' \
    'worker: ready: 300 pings answered'; then
	ok "imsg round trip: 300 pings and pongs of 4104 bytes"
else
	notok "imsg round trip (exit $rc)" "$dir/roundtrip.log"
fi

# The adapter's handle and the UDP socket handed over: the worker's
# QUIC Initial reaches the relay (the sink) through the socket it got
# with WSADuplicateSocket; the fake adapter it got with DuplicateHandle.
n0=$(grep -c bytes "$dir/sink.out")
wrun handover "$exe" -d -v "${fakes[@]}" -T exit
rc=$?
w=$(wpid "$dir/handover.log")
h=$(sed -n 's/.*adapter softlan (handle \(0x[0-9a-f]*\)) and udp socket handed to worker.*/\1/p' \
    "$dir/handover.log")
big() {
	tail -n +$((n0 + 2)) "$dir/sink.out" |
	    awk '$1 >= 1200 { f = 1 } END { exit !f }'
}
if [ $rc = 0 ] && [ -n "$w" ] && [ -n "$h" ] && big &&
    has "$dir/handover.log" "worker: connecting to the relay for room party"; then
	ok "adapter handle $h and socket handed over: worker $w's QUIC Initial reached 127.0.0.1:$port"
else
	notok "adapter and socket handed over (exit $rc)" "$dir/handover.log"
	sed 's/^/#   sink: /' "$dir/sink.out"
fi

# The request table: each broken rule stops the worker, the broker
# exits 1 and says why.
fault() {
	local name=$1 want=$2
	wrun "fault-$name" "$exe" -d "${fakes[@]}" -T "fault=$name"
	rc=$?
	if [ $rc = 1 ] && has "$dir/fault-$name.log" "broker: $want" \
	    'broker: worker [0-9]+ stopped: exit status' \
	    'broker: exiting with status 1'; then
		ok "fault=$name: broker stops: $(grep -Eo -- "$want" \
		    "$dir/fault-$name.log")"
	else
		notok "fault=$name (exit $rc)" "$dir/fault-$name.log"
	fi
}
fault badsize 'worker sent malformed IMSG_HELLO: size 24, expected 20'
fault unknown 'worker sent unexpected imsg type 4242'
fault twice 'worker sent IMSG_HELLO again: allowed once'
fault badmtu 'worker sent IMSG_REQ_SET_MTU 1501: out of 576..1500'

# What the broker changed is undone whatever stops it: each run above
# left as many "restored" lines as it made changes.
made=$(grep -Ec '^(route add|metric ipv4 if [0-9]+: 1 |metric ipv6 if [0-9]+: 1 )' \
    "$journal")
restored=$(grep -Ec '^(route delete|metric ipv4 if [0-9]+: restored|metric ipv6 if [0-9]+: restored)' \
    "$journal")
if [ "$made" -gt 0 ] && [ "$made" = "$restored" ]; then
	ok "every change of every run undone: $made made, $restored restored"
else
	notok "changes undone: $made made, $restored restored" "$journal"
fi

# Killing the worker: the broker notices, says how it ended, exits 1.
timeout $T wine "$exe" -d "${fakes[@]}" </dev/null >"$dir/kill.raw" 2>&1 &
bg=$!
if waitfor "$dir/kill.raw" 'worker: ready' 15; then
	tr -d '\r' <"$dir/kill.raw" >"$dir/kill.log"
	w=$(wpid "$dir/kill.log")
	wrun taskkill taskkill /F /PID "$w"
fi
wait $bg
rc=$?
tr -d '\r' <"$dir/kill.raw" >"$dir/kill.log"
if [ $rc = 1 ] && [ -n "${w:-}" ] &&
    has "$dir/kill.log" "broker: lost worker $w: exit status" \
    'broker: exiting with status 1'; then
	ok "killing worker $w: the broker notices and exits 1"
else
	notok "killing the worker (exit $rc)" "$dir/kill.log"
fi

# Killing the broker: its job (kill-on-close) ends a worker that no
# longer listens to the pipe (fault=hang).
timeout $T wine "$exe" -d "${fakes[@]}" -T fault=hang </dev/null \
    >"$dir/job.raw" 2>&1 &
bg=$!
w=''
b=''
upid=
if waitfor "$dir/job.raw" 'broker: worker [0-9]+ ready' 15; then
	tr -d '\r' <"$dir/job.raw" >"$dir/job.log"
	w=$(wpid "$dir/job.log")
	b=$(bpid "$dir/job.log")
	# The worker's Linux process: its Windows command line names it.
	for p in $(pgrep -f -- "-P worker $b "); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
		    grep -qx "WINEPREFIX=$WINEPREFIX" && upid=$p
	done
	wrun taskkill-broker taskkill /F /PID "$b"
fi
wait $bg
gone=0
if [ -n "$upid" ]; then
	for _ in $(seq 50); do
		st=$(awk '{ print $3 }' "/proc/$upid/stat" 2>/dev/null)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			gone=1
			break
		fi
		sleep 0.2
	done
fi
if [ $gone = 1 ]; then
	ok "killing broker $b: the job kills worker $w (pid $upid)"
else
	notok "killing the broker: worker ${w:-?} (pid ${upid:-?}) lives on" \
	    "$dir/job.log"
	[ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
fi

# --- the service -----------------------------------------------------

# Installed with the run's configuration and fakes: they are recorded
# in the service's command line.
wrun install "$exe" install "${fakes[@]}"
rc=$?
wrun reg reg query 'HKLM\System\CurrentControlSet\Services\softlan-clientd'
if [ $rc = 0 ] && has "$dir/install.log" "service $svc installed" &&
    has "$dir/reg.log" 'Start +REG_DWORD +0x2$' 'Description +REG_SZ' \
    'ImagePath +REG_SZ +".*clientd\.exe" -f .*clientd\.conf -T fakenic='; then
	ok "clientd.exe install -f ...: automatic start, description, command line"
else
	notok "clientd.exe install (exit $rc)" "$dir/install.log"
fi
grep -q FailureActions "$dir/reg.log" ||
    echo "# wine: the failure actions (restart) are accepted, not stored"

st=$(scstate query1)
if [ "$st" = 1 ]; then
	ok "sc query $svc: STOPPED"
else
	notok "sc query $svc: state '$st'" "$dir/query1.log"
fi

log=$WINEPREFIX/drive_c/ProgramData/softlan/clientd.log
wrun start-svc sc start $svc
rc=$?
st=
for _ in $(seq 15); do
	st=$(scstate query2)
	[ "$st" = 4 ] && break
	sleep 1
done
if [ $rc = 0 ] && [ "$st" = 4 ] &&
    waitfor "$log" 'broker: worker [0-9]+ ready' 10; then
	ok "sc start $svc: RUNNING, the service's worker is ready"
else
	notok "sc start $svc (exit $rc, state '$st')" "$dir/start-svc.log"
	[ -f "$log" ] && tr -d '\r' <"$log" | sed 's/^/#   log: /'
fi

wrun stop-svc sc stop $svc
rc=$?
st=
for _ in $(seq 15); do
	st=$(scstate query3)
	[ "$st" = 1 ] && break
	sleep 1
done
if [ $rc = 0 ] && [ "$st" = 1 ] &&
    waitfor "$log" 'broker: worker [0-9]+ stopped: exit status 0' 5 &&
    waitfor "$log" 'broker: exiting with status 0' 5; then
	ok "sc stop $svc: STOPPED, worker stopped, exit status 0"
else
	notok "sc stop $svc (exit $rc, state '$st')" "$dir/stop-svc.log"
	[ -f "$log" ] && tr -d '\r' <"$log" | sed 's/^/#   log: /'
fi

# The service's worker dies: the service stops with a service-specific
# error, which is what makes the service manager restart it on Windows.
skip=$(wc -l <"$log" 2>/dev/null || echo 0)
wrun start-svc2 sc start $svc
w=
if waitfor "$log" 'broker: worker [0-9]+ ready' 10 "$skip"; then
	w=$(tr -d '\r' <"$log" | tail -n +$((skip + 1)) | sed -n \
	    's/.*broker: worker \([0-9]*\) ready.*/\1/p' | head -n 1)
	wrun taskkill-svc taskkill /F /PID "$w"
fi
st=
for _ in $(seq 15); do
	st=$(scstate query5)
	[ "$st" = 1 ] && break
	sleep 1
done
if [ -n "$w" ] && [ "$st" = 1 ] &&
    has "$dir/query5.log" 'WIN32_EXIT_CODE +: +1066 ' \
    'SERVICE_EXIT_CODE +: +1 ' &&
    waitfor "$log" "broker: lost worker $w: exit status" 5; then
	ok "service's worker $w killed: STOPPED with service error 1"
else
	notok "service's worker killed (worker '$w', state '$st')" \
	    "$dir/query5.log"
	[ -f "$log" ] && tr -d '\r' <"$log" | sed 's/^/#   log: /'
fi
[ -f "$log" ] && tr -d '\r' <"$log" >"$dir/service.log"

wrun uninstall "$exe" uninstall
rc=$?
wrun query4 sc query $svc
qrc=$?
if [ $rc = 0 ] && has "$dir/uninstall.log" "service $svc uninstalled" &&
    [ $qrc != 0 ] && ! grep -q SERVICE_NAME "$dir/query4.log"; then
	ok "clientd.exe uninstall: sc query finds no $svc"
else
	notok "clientd.exe uninstall (exit $rc, query $qrc)" \
	    "$dir/uninstall.log"
fi

cleanup
suite_done
