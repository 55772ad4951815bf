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
#
# wine-e2e.sh OBJDIR WIN_OBJ: a Windows player at the LAN party.
# clientd.exe (broker and worker) runs under Wine in a network namespace
# and joins the room of a real Linux relayd, where a real gatewayd
# bridges the LAN of a dnsmasq host.  The TAP-Windows6 adapter is
# replaced by the fake adapter of netif.h: a message-mode pipe served by
# fakenic.exe, bridged by tapbridge.py to a Linux TAP device (wtap0) in
# the player's namespace, where busybox udhcpc and ping stand for the
# Windows IP stack.  IP configuration changes go to a journal
# (-T journal=) instead of IP Helper, which Wine lacks.
#
#   w (Wine: clientd.exe, fakenic.exe; tapbridge.py, wtap0)
#     -- i (router) -- r (relayd 198.18.0.1)
#                  -- g (gatewayd on lan0) == l (br0) == h (dnsmasq,
#                                                         198.19.5.1/24)
#
# Cases, each a real run: the player connects; its adapter handle and
# socket were handed over; the host route to the relay and the metric
# are in the journal; it gets a DHCP lease from the LAN's dnsmasq and
# pings the LAN host; softlanctl.exe shows status and counters over the
# control pipe; killing the worker makes the broker undo every change
# (route deleted, metric and MTU restored: seen in the journal) and exit
# 1 for the service manager to restart it; without the fakes the IP
# Helper functions Wine lacks give a clear error naming them.
#
# Needs root, wine, python3, busybox, dnsmasq.  Every wait is bounded;
# the Wine server of the run's private prefix ($WIN_OBJ/e2e/wineprefix)
# is stopped at the end by its prefix and PID; lib.sh deletes the
# namespaces and stops the Linux processes it started.

SUITE=wine-e2e
T=slw$$
WIN_OBJ=${2:?usage: wine-e2e.sh objdir win_objdir}
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/winelib.sh"

WTOP=$(pwd)/$WIN_OBJ
CLIENTD_EXE=$WTOP/pipe/clientd.exe
FAKENIC_EXE=$WTOP/regress/win/fakenic.exe
WCTL_EXE=$WTOP/softlanctl.exe
TAPBRIDGE=$(pwd)/regress/win/tapbridge.py
RADDR=198.18.0.1
PORT=443
HOST=198.19.5.1
NIC=slw-fakenic
WTAP=wtap0
WMAC=02:5e:00:00:00:77
WPIPE='\\.\pipe\softlan-e2e'
wine_env "$WTOP/e2e/wineprefix"

need_tools wine wineserver python3 busybox dnsmasq openssl
suite_init "$RELAYD" "$GATEWAYD" "$CTL" "$CLIENTD_EXE" "$FAKENIC_EXE"
sys_users _relayd _gatewayd || exit 1

# The Wine server first, then lib.sh's cleanup (processes, namespaces).
wine_cleanup() {
	wine_server_stop ip netns exec "$NS_w"
	suite_cleanup
}
trap wine_cleanup EXIT

# tcase DESCRIPTION command...: one case, ok when the command succeeds.
tcase() {
	local d=$1
	shift
	if "$@"; then
		ok "$d"
		return 0
	fi
	fail "$d"
	return 1
}

# winpath FILE: the path Wine's drive Z: gives a Linux file (for the
# command line; in clientd.conf a backslash is an escape, and "Z:/..."
# is written instead).
winpath() {
	echo "Z:$1" | tr / '\\'
}

# --- the network --------------------------------------------------------

for s in i r g l h w; do
	netns_add $s || exit 1
done
ns_run "$NS_i" sysctl -qw net.ipv4.ip_forward=1
veth_pair "$NS_i" r0 198.18.0.254/24 "$NS_r" up0 $RADDR/24 || exit 1
veth_pair "$NS_i" w0 198.18.1.1/24 "$NS_w" up0 198.18.1.2/24 || exit 1
veth_pair "$NS_i" g0 198.18.4.1/24 "$NS_g" up0 198.18.4.2/24 || exit 1
ip -n "$NS_r" route add default via 198.18.0.254
ip -n "$NS_w" route add default via 198.18.1.1
ip -n "$NS_g" route add default via 198.18.4.1
veth_pair "$NS_g" lan0 - "$NS_l" gwport - || exit 1
veth_pair "$NS_h" eth0 $HOST/24 "$NS_l" hostport - || exit 1
bridge_add "$NS_l" br0 gwport hostport || exit 1

# --- relay, gateway, LAN ------------------------------------------------

tls_cert || exit 1
relayd_conf "$WORK/relayd.conf" $RADDR $PORT "room \"party\" { mtu 1400 }"
relayd_start "$NS_r" $RADDR $PORT "$WORK/relayd.log" "$WORK/relayd.conf" ||
    { show "$WORK/relayd.log"; fail "relayd starts"; suite_done; exit 1; }
gatewayd_conf "$WORK/gatewayd.conf" $RADDR $PORT party lan0 \
    "$WORK/gatewayd.sock"
daemon_start PID_g "$NS_g" "$GATEWAYD" "$WORK/gatewayd.conf" \
    "$WORK/gatewayd.log"
dnsmasq_start PID_dns "$NS_h" eth0 198.19.5.100,198.19.5.150 lan
wait_for 100 connected "$WORK/gatewayd.sock" ||
    { show "$WORK/gatewayd.log"; fail "gatewayd connects"; suite_done; exit 1; }

# --- the Windows player -------------------------------------------------

# In the namespace: Wine's server makes the programs' sockets.
if ! wine_prefix "$WORK/wineboot.log" ip netns exec "$NS_w"; then
	show "$WORK/wineboot.log"
	fail "a Wine prefix"
	suite_done
	exit 1
fi
wine_server_start "$WORK/wineserver.log" ip netns exec "$NS_w"

cat >"$WORK/clientd-w.conf" <<EOC
# clientd.conf of a Windows player (wine-e2e.sh)
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "Z:$CERT"
room "party"
virtual-mac $WMAC
tap "softlan"
control "$(echo "$WPIPE" | sed 's/\\/\\\\/g')"
EOC

# The adapter: wtap0 <-> tapbridge.py <-> UDP <-> fakenic.exe <-> pipe.
spawn PID_tb ip netns exec "$NS_w" python3 "$TAPBRIDGE" -t 300 $WTAP \
    40001 40002 >"$WORK/tapbridge.log" 2>&1
spawn PID_nic ip netns exec "$NS_w" timeout 300 wine "$FAKENIC_EXE" \
    -t 290 $NIC 40002 40001 >"$WORK/fakenic.log" 2>&1 </dev/null
wait_for 100 grep -q listening "$WORK/fakenic.log" ||
    { show "$WORK/fakenic.log"; fail "fakenic.exe listens"; suite_done; exit 1; }
wait_for 50 ip -n "$NS_w" link show $WTAP >/dev/null 2>&1 ||
    { show "$WORK/tapbridge.log"; fail "tapbridge.py"; suite_done; exit 1; }
ip -n "$NS_w" link set $WTAP address $WMAC up

JOURNAL=$WTOP/e2e/journal.txt
rm -f "$JOURNAL"
CLOG=$WORK/clientd-w.log
spawn -w PID_w ip netns exec "$NS_w" timeout 300 wine "$CLIENTD_EXE" -d -vv \
    -f "$(winpath "$WORK/clientd-w.conf")" -T fakenic=$NIC \
    -T "journal=$(winpath "$JOURNAL")" </dev/null >"$CLOG" 2>&1

# clog: the broker's log without its CRs.
clog() {
	tr -d '\r' <"$CLOG"
}
clog_has() {
	clog | grep -Eq -- "$1"
}

wait_for 300 clog_has 'session: [a-z_-]* -> connected'
tcase "the Windows player joins the room on the Linux relay" \
    clog_has 'session: [a-z_-]* -> connected' ||
    { show "$CLOG"; suite_done; exit 1; }
tcase "the Windows client's cipher order: ChaCha20-Poly1305 (no AES-NI)" \
    clog_has 'QUIC handshake done \(TLS13-CHACHA20-POLY1305-SHA256\)'
tcase "adapter handle and UDP socket handed to the worker" \
    clog_has 'adapter softlan \(handle 0x[0-9a-f]+\) and udp socket handed'
tcase "journal: host route to the relay and the adapter's metric" \
    grep -Eq "^route add $RADDR/32 via " "$JOURNAL" ||
    show "$JOURNAL"
tcase "journal: metric 1 on the adapter" \
    grep -Eq "^metric ipv4 if [0-9]+: 1 " "$JOURNAL"
# The room's MTU (1400): asked by the worker, set by the broker.
wait_for 50 grep -Eq "^mtu ipv4 if [0-9]+: 1400 \(was 1500\)" "$JOURNAL"
tcase "journal: the room MTU 1400 on the adapter, asked by the worker" \
    grep -Eq "^mtu ipv4 if [0-9]+: 1400 \(was 1500\)" "$JOURNAL"

udhcpc_script
dhcp_ok() {
	UDHCPC_SET=1 udhcpc_run "$NS_w" $WTAP 10 "$WORK/lease.out" \
	    "$WORK/udhcpc.log" && grep -Eq '^bound 198\.19\.5\.' \
	    "$WORK/lease.out"
}
if tcase "the Windows player gets a DHCP lease from the LAN's dnsmasq" \
    dhcp_ok; then
	echo "# $(head -n 1 "$WORK/lease.out")"
else
	show "$WORK/udhcpc.log"
	show "$WORK/lan.log"
fi
tcase "the Windows player pings the LAN host" ping_ok "$NS_w" $HOST 3 ||
    show "$WORK/ping.out"
tcase "the LAN host's dnsmasq leased to the player's MAC" \
    grep -qi "$WMAC" "$WORK/lan.leases"

if [ -f "$WCTL_EXE" ]; then
	wctl() {
		ip netns exec "$NS_w" timeout 30 wine "$WCTL_EXE" -s "$WPIPE" \
		    "$@" </dev/null 2>&1 | tr -d '\r'
	}
	wctl -j show status >"$WORK/wstatus.json"
	tcase "softlanctl.exe show status over the control pipe" \
	    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["state"] == "connected", d' "$WORK/wstatus.json" ||
	    show "$WORK/wstatus.json"
	wctl -j show counters >"$WORK/wcounters.json"
	frames_both_ways() {
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
c={e["counter"]: e["value"] for e in d["counters"]}
assert c["tap-frames-sent"] > 0 and c["tap-frames-out"] > 0, c' "$1"
	}
	tcase "softlanctl.exe show counters: frames both ways" \
	    frames_both_ways "$WORK/wcounters.json" ||
	    show "$WORK/wcounters.json"
fi

# The relay restarts: the worker retries with its backoff and the
# player's traffic resumes, as on Linux.
nconn=$(clog | grep -c 'session: [a-z_-]* -> connected')
reconnected() {
	[ "$(clog | grep -c 'session: [a-z_-]* -> connected')" -gt "$nconn" ]
}
relayd_stop
relayd_start "$NS_r" $RADDR $PORT "$WORK/relayd.log" "$WORK/relayd.conf"
wait_for 450 reconnected
tcase "relayd restarted: the Windows player reconnects" reconnected ||
    show "$CLOG"
wait_for 300 connected "$WORK/gatewayd.sock"
tcase "after the restart the player pings the LAN host again" \
    ping_ok "$NS_w" $HOST 3 || show "$WORK/ping.out"

# Kill the worker (its Linux process, found by its command line among
# this prefix's processes): the broker undoes everything and exits 1.
worker_lpid() {
	local p
	for p in $(pgrep -f -- '-P worker ' 2>/dev/null); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
		    grep -qx "WINEPREFIX=$WINEPREFIX" && { echo "$p"; return; }
	done
}
wl=$(worker_lpid)
if [ -n "$wl" ]; then
	kill -9 "$wl"
	wait_gone "$PID_w" 200
	wait "$PID_w"
	rc=$?
else
	rc=none
fi
tcase "killing the worker: the broker notices and exits 1" \
    [ "$rc" = 1 ] || { echo "# exit $rc"; show "$CLOG"; }
tcase "the broker said how its worker ended" clog_has 'lost worker [0-9]+'
undone() {
	grep -Eq "^route delete $RADDR/32 via " "$JOURNAL" &&
	    grep -Eq "^metric ipv4 if [0-9]+: restored" "$JOURNAL" &&
	    grep -Eq "^mtu ipv4 if [0-9]+: restored 1500" "$JOURNAL"
}
tcase "after the worker's crash: route deleted, metric and MTU restored" \
    undone ||
    show "$JOURNAL"

# No fakes: the real IP configuration is checked first, and Wine lacks
# the IP Helper functions it needs (the missing TAP-Windows6 driver's
# message is shown by test_netif.c under Wine).
ns_run "$NS_w" timeout 60 wine "$CLIENTD_EXE" -d \
    -f "$(winpath "$WORK/clientd-w.conf")" </dev/null 2>&1 |
    tr -d '\r' >"$WORK/notap.log"
tcase "without IP Helper's functions: a clear error naming them" \
    grep -q 'iphlpapi.dll has no [A-Za-z0-9]* (needs Windows' \
    "$WORK/notap.log" ||
    show "$WORK/notap.log"

WHY=
scan_logs "$WORK/relayd.log" "$WORK/gatewayd.log"
check "no lost child, seccomp or sanitizer line in the Linux daemons' logs"
suite_done
