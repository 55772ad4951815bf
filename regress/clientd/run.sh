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
# The clientd suite: relayd, gatewayd and clientd started for real (-dvv,
# seccomp in trap mode) in network namespaces:
#
#   p1, p2, p3 (clientd, TAP softlan0) -- inet (router) -- relay (relayd)
#                                            |
#                                            gw (gatewayd on lan0)
#   gw lan0 == lan (bridge br0) == host (dnsmasq, 198.19.5.1/24)
#
#	bash regress/clientd/run.sh [objdir]	(default: $OBJ, else obj)
#
# Needs root.  Creates the system users _relayd, _gatewayd and _clientd if
# missing (and leaves them), uses addresses from 198.18.0.0/15 only,
# removes its namespaces and kills only the processes it started.  Every
# wait is bounded.  One line per case, then "clientd: N passed, M failed".
# The harness (namespaces, processes, waits, reporting) is regress/lib.sh;
# regress/demo/lanbeacon sends and counts the UDP broadcasts.

SUITE=clientd
T=slc$$
. "$(dirname "$0")/../lib.sh"
RADDR=198.18.0.1
PORT=443
HOST=198.19.5.1
TAP=softlan0
MAC1=02:5e:00:00:00:01
MAC2=02:5e:00:00:00:02
MAC3=02:5e:00:00:00:03
P2IP=198.19.5.202		# static, from the configuration

need_tools busybox dnsmasq openssl
suite_init "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$LANBEACON"
GSOCK=$WORK/gatewayd.sock
RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log

# --- the network --------------------------------------------------------

for ns in INET RELAY GW LAN HOST P1 P2 P3; do
	netns_add $ns || exit 1
done
ns_run "$NS_INET" sysctl -qw net.ipv4.ip_forward=1
veth_pair "$NS_INET" r0 198.18.0.254/24 "$NS_RELAY" up0 $RADDR/24 || exit 1
veth_pair "$NS_INET" p1 198.18.1.1/24 "$NS_P1" up0 198.18.1.2/24 || exit 1
veth_pair "$NS_INET" p2 198.18.2.1/24 "$NS_P2" up0 198.18.2.2/24 || exit 1
veth_pair "$NS_INET" p3 198.18.3.1/24 "$NS_P3" up0 198.18.3.2/24 || exit 1
veth_pair "$NS_INET" g0 198.18.4.1/24 "$NS_GW" up0 198.18.4.2/24 || exit 1
ip -n "$NS_RELAY" route add default via 198.18.0.254
ip -n "$NS_P1" route add default via 198.18.1.1
ip -n "$NS_P2" route add default via 198.18.2.1
ip -n "$NS_P3" route add default via 198.18.3.1
ip -n "$NS_GW" route add default via 198.18.4.1
# The underlay address change keeps the routes (secondary promoted).
ns_run "$NS_P1" sysctl -qw net.ipv4.conf.up0.promote_secondaries=1

veth_pair "$NS_GW" lan0 - "$NS_LAN" gwport - || exit 1
veth_pair "$NS_HOST" eth0 $HOST/24 "$NS_LAN" hostport - || exit 1
bridge_add "$NS_LAN" br0 gwport hostport || exit 1

sys_users _relayd _gatewayd _clientd || exit 1

# --- configurations -----------------------------------------------------

# One certificate for the whole run: the clients pin it, and relayd
# restarted must still present it.
tls_cert || exit 1

relayd_conf "$WORK/relayd.conf" $RADDR $PORT "open-rooms no
room \"lan\" {
	max-clients 8
}
room \"small\" {
	mtu 1400
}
room \"locked\" {
	secret \"open-sesame\"
}"

gatewayd_conf "$WORK/gatewayd.conf" $RADDR $PORT lan lan0 "$GSOCK"

# client_conf name room mac [address/prefix]: $WORK/name.conf, control
# socket $WORK/name.sock.
client_conf() {
	clientd_conf "$WORK/$1.conf" $RADDR $PORT "$2" "$3" yes \
	    "$WORK/$1.sock" "$4"
}
client_conf p1 lan $MAC1
client_conf p2 lan $MAC2 $P2IP/24
client_conf p3 small $MAC3
client_conf dup lan $MAC1
client_conf bad locked $MAC3
client_conf auto small $MAC3
sed -i '/^virtual-mac/d' "$WORK/auto.conf"
echo 'secret "wrong"' >>"$WORK/bad.conf"

# --- daemons ------------------------------------------------------------

start_relayd() {
	relayd_start "$NS_RELAY" $RADDR $PORT "$RLOG" "$WORK/relayd.conf"
}

start_gatewayd() {
	daemon_start GPID "$NS_GW" "$GATEWAYD" "$WORK/gatewayd.conf" "$GLOG"
}

gw_welcomes() {
	grep -c 'gateway: connected to room lan as peer' "$GLOG"
}

# --- the cases ----------------------------------------------------------

start_relayd
if ! relayd_ready; then
	SHOW=$RLOG
	fail "relayd starts"
	suite_done
	exit 1
fi
start_gatewayd
dnsmasq_start DPID "$NS_HOST" eth0 198.19.5.100,198.19.5.150,255.255.255.0 \
    dnsmasq

clientd_start p1 "$NS_P1"
clientd_start p2 "$NS_P2"
wait_for 150 connected "$WORK/p1.sock" || WHY="p1 not connected"
wait_for 150 connected "$WORK/p2.sock" || WHY="$WHY p2 not connected"
wait_for 150 connected "$GSOCK" || WHY="$WHY gatewayd not connected"
SHOW="$WORK/p1.log $GLOG $RLOG"
check "two clientd and a gatewayd connect to relayd (room lan)"

ifindex1=$(ns_run "$NS_P1" cat /sys/class/net/$TAP/ifindex 2>/dev/null)
ns_run "$NS_P1" ip -o link show $TAP >"$WORK/tap.txt" 2>&1
grep -q "link/ether $MAC1" "$WORK/tap.txt" || WHY="MAC not $MAC1;"
grep -q '[<,]UP[,>]' "$WORK/tap.txt" || WHY="$WHY TAP not up;"
SHOW="$WORK/tap.txt"
check "the TAP $TAP exists, is up, with the virtual MAC (ifindex $ifindex1)"

ns_run "$NS_P1" ip route show $RADDR >"$WORK/pin.txt" 2>&1
grep -q "^$RADDR via 198.18.1.1 dev up0" "$WORK/pin.txt" ||
    WHY="no host route via the underlay gateway"
SHOW="$WORK/pin.txt $WORK/p1.log"
check "a host route to the relay is pinned via the underlay gateway"

# DHCP through the tunnel.
udhcpc_script
UDHCPC_SET=1 udhcpc_run "$NS_P1" $TAP 8 "$WORK/p1.lease" "$WORK/p1.udhcpc" ||
    WHY="udhcpc failed"
P1IP=$(awk '{ print $2 }' "$WORK/p1.lease" 2>/dev/null | tail -n 1)
case "$P1IP" in
198.19.5.1[0-4][0-9]|198.19.5.150) ;;
*)	WHY="$WHY lease \"$P1IP\" not from the LAN's range";;
esac
SHOW="$WORK/p1.udhcpc $WORK/dnsmasq.log $WORK/p1.log $GLOG"
check "udhcpc on the TAP gets a lease from the LAN's dnsmasq ($P1IP)"
if [ -z "$P1IP" ]; then
	# Without a lease the player-to-player cases still run.
	P1IP=198.19.5.201
	ns_run "$NS_P1" ip addr add $P1IP/24 dev $TAP
	echo "# no lease: $P1IP set by hand on p1's TAP"
fi

ns_run "$NS_P2" ip -o addr show dev $TAP >"$WORK/addr2.txt" 2>&1
grep -q "inet $P2IP/24 " "$WORK/addr2.txt" || WHY="no $P2IP/24 on the TAP"
SHOW="$WORK/addr2.txt $WORK/p2.log"
check "the static address from the configuration is on the TAP ($P2IP/24)"

ping_ok "$NS_P1" "$P2IP" 3 || WHY="p1 -> p2 loss"
ping_ok "$NS_P2" "$P1IP" 3 || WHY="$WHY p2 -> p1 loss"
SHOW="$WORK/p1.log $WORK/p2.log $WORK/ping.out"
check "two players in the same room reach each other ($P1IP, $P2IP)"

ping_ok "$NS_P1" $HOST 5 || WHY="loss: $(grep loss "$WORK/ping.out")"
SHOW="$WORK/ping.out"
check "the player pings the LAN host, 0% loss"
ping_ok "$NS_HOST" "$P1IP" 5 || WHY="loss: $(grep loss "$WORK/ping.out")"
SHOW="$WORK/ping.out"
check "the LAN host pings the player, 0% loss"

# recv_start name ns port: the receiver's output in $WORK/name.rx
recv_start() {
	spawn "RX_$1" ip netns exec "$2" "$LANBEACON" recv "$3" 4 \
	    >"$WORK/$1.rx" 2>&1
	wait_for 30 grep -q listening "$WORK/$1.rx"
}
recv_wait() {
	local pid
	eval "pid=\$RX_$1"
	wait_gone "$pid" 100
}
count_rx() {
	grep -c "^$2 len=[0-9]* intact\$" "$WORK/$1.rx" 2>/dev/null
}

# bcast_case name from-ns to-ns port tag description: one broadcast
# from from-ns received exactly once in to-ns.
bcast_case() {
	recv_start "$1" "$3" "$4"
	ns_run "$2" "$LANBEACON" send 198.19.5.255 "$4" "$5"
	recv_wait "$1"
	[ "$(count_rx "$1" "$5")" = 1 ] ||
	    WHY="received $(count_rx "$1" "$5") times"
	SHOW="$WORK/$1.rx"
	check "$6"
}
bcast_case b1 "$NS_HOST" "$NS_P1" 5001 bcast-from-lan \
    "a UDP broadcast from the LAN host reaches the player exactly once"
bcast_case b2 "$NS_P1" "$NS_HOST" 5002 bcast-from-player \
    "a UDP broadcast from the player reaches the LAN host exactly once"

recv_start b3 "$NS_P1" 5003
ns_run "$NS_HOST" "$LANBEACON" send "$P1IP" 5003 big-from-lan 1472
recv_wait b3
[ "$(count_rx b3 big-from-lan)" = 1 ] ||
    WHY="$(cat "$WORK/b3.rx" | tr '\n' ' ')"
grep -q '^big-from-lan len=1472 intact$' "$WORK/b3.rx" ||
    WHY="$WHY not 1472 bytes intact"
SHOW="$WORK/b3.rx"
check "a 1472-byte UDP payload from the LAN host reaches the player intact"

ping_ok "$NS_P1" $HOST 3 3000 || WHY="player: $(grep loss "$WORK/ping.out")"
ping_ok "$NS_HOST" "$P1IP" 3 3000 ||
    WHY="$WHY host: $(grep loss "$WORK/ping.out")"
SHOW="$WORK/ping.out"
check "ping -s 3000 (IP fragments) works both ways"

ctl_at "$WORK/p1.sock" show peers >"$WORK/peers.txt"
grep -q "$MAC2" "$WORK/peers.txt" || WHY="p2 not in p1's show peers"
grep -q gateway "$WORK/peers.txt" || WHY="$WHY no gateway in show peers"
ctl_at "$WORK/p1.sock" show status >"$WORK/status.txt"
grep -Eq 'connected \(room lan, peer id [0-9]+, room MTU 1500, 2 peers, rtt [0-9]+\.[0-9] ms\)' \
    "$WORK/status.txt" || WHY="$WHY status line"
grep -Eq '^rtt_us: [1-9][0-9]*$' "$WORK/status.txt" || WHY="$WHY no rtt_us"
ctl_at "$WORK/p1.sock" show counters >"$WORK/counters.txt"
grep -q 'tap-frames-out' "$WORK/counters.txt" || WHY="$WHY no counters"
SHOW="$WORK/peers.txt $WORK/status.txt $WORK/counters.txt"
check "softlanctl show status, show peers, show counters"

# bulk_rx NS ADDR PORT OUT: a TCP receiver that prints the bytes it got.
bulk_rx() {
	spawn BULKRX ip netns exec "$1" timeout 90 python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'$2'", '$3'))
s.listen(1)
s.settimeout(60)
print("listening", flush=True)
c, a = s.accept()
c.settimeout(60)
n = 0
while True:
	d = c.recv(262144)
	if not d:
		break
	n += len(d)
print("received", n, flush=True)
' >"$4" 2>&1
	wait_for 100 grep -q listening "$4"
}

# TCP MSS clamping (mss-clamp auto, the default) on a TCP connection from
# the player to the LAN host.  The SYN's MSS as the LAN host sees it is
# clientd's frame budget less 54 (Ethernet 14, IPv4 20, TCP 20), the
# SYN-ACK's as the player sees it gatewayd's budget less 54 (both TCP
# stacks offer 1460 on their 1500-byte links); both daemons count them,
# and the data crosses intact in segments that are not fragmented.
mss_syn() {	# FILE FLAGS: the MSS option of the first such segment
	grep -o "Flags \[$2\],.*mss [0-9]*" "$1" | head -n 1 |
	    sed 's/.*mss //'
}
# FILE FLAGS: tcpdump -vv found that segment's TCP checksum correct.
csum_ok() {
	grep "Flags \[$2\]," "$1" | head -n 1 |
	    grep -q 'cksum 0x[0-9a-f]* (correct)'
}
cb1=$(status_field "$WORK/p1.sock" frame_budget)
gb1=$(status_field "$GSOCK" frame_budget)
cm1=$(counter_at "$WORK/p1.sock" mss-clamped)
gm1=$(counter_at "$GSOCK" mss-clamped)
fr1=$(counter_at "$WORK/p1.sock" ovl-tx-fragmented)
rf1=$(counter_at "$RSOCK" ovl-tx-fragmented)
tcpdump_start DUMPH "$NS_HOST" eth0 "$WORK/mss-host.txt" \
    'tcp port 5080 and tcp[tcpflags] & tcp-syn != 0' -vv -c 2
tcpdump_start DUMPP "$NS_P1" $TAP "$WORK/mss-p1.txt" \
    'tcp port 5080 and tcp[tcpflags] & tcp-syn != 0' -vv -c 2
bulk_rx "$NS_HOST" $HOST 5080 "$WORK/tcprx.out" || WHY="no TCP listener"
ns_run "$NS_P1" timeout 60 python3 -c '
import socket
s = socket.create_connection(("'$HOST'", 5080), timeout=40)
s.sendall(b"softlan" * 50000)
s.close()
' >"$WORK/tcptx.out" 2>&1 || WHY="$WHY TCP client failed"
wait_gone "$BULKRX" 400 || WHY="$WHY the TCP receiver did not end"
grep -q '^received 350000$' "$WORK/tcprx.out" ||
    WHY="$WHY $(tail -n 1 "$WORK/tcprx.out")"
wait_gone "$DUMPH" 50 || tcpdump_stop "$DUMPH"
wait_gone "$DUMPP" 50 || tcpdump_stop "$DUMPP"
cb2=$(status_field "$WORK/p1.sock" frame_budget)
gb2=$(status_field "$GSOCK" frame_budget)
synmss=$(mss_syn "$WORK/mss-host.txt" S)
ackmss=$(mss_syn "$WORK/mss-p1.txt" S.)
case "$synmss" in
$((cb1 - 54))|$((cb2 - 54))) ;;
*)	WHY="$WHY SYN MSS \"$synmss\" at the LAN host, budget $cb1/$cb2";;
esac
case "$ackmss" in
$((gb1 - 54))|$((gb2 - 54))) ;;
*)	WHY="$WHY SYN-ACK MSS \"$ackmss\" at the player, budget $gb1/$gb2";;
esac
csum_ok "$WORK/mss-host.txt" S || WHY="$WHY SYN checksum not correct"
csum_ok "$WORK/mss-p1.txt" S. || WHY="$WHY SYN-ACK checksum not correct"
counter_above "$WORK/p1.sock" mss-clamped "$cm1" ||
    WHY="$WHY clientd mss-clamped still $cm1"
counter_above "$GSOCK" mss-clamped "$gm1" ||
    WHY="$WHY gatewayd mss-clamped still $gm1"
fr2=$(counter_at "$WORK/p1.sock" ovl-tx-fragmented)
# 350000 bytes are more than 300 segments: a few fragmented frames are
# other traffic, not the transfer.
[ $((fr2 - fr1)) -lt 20 ] ||
    WHY="$WHY $((fr2 - fr1)) frames fragmented during the transfer"
# Nor by the relay: it cuts for its own path to the gateway, probed as
# the player's was, not for the budget the gateway had in its hello.
rf2=$(counter_at "$RSOCK" ovl-tx-fragmented)
[ $((rf2 - rf1)) -lt 20 ] ||
    WHY="$WHY the relay fragmented $((rf2 - rf1)) frames of the transfer"
SHOW="$WORK/mss-host.txt $WORK/mss-p1.txt $WORK/tcprx.out $WORK/tcptx.out"
check "TCP through the tunnel: MSS clamped to $synmss/$ackmss (budgets $cb1/$gb1), counted"

# Back-pressure: a bulk TCP transfer each way.  When the uplink's datagram
# queue is full the daemon keeps the frame and stops reading its TAP or
# packet socket (tap-paused, lan-paused) instead of dropping it
# (tap-drop-queue-full, lan-drop-queue-full stay as they were).  How often
# it pauses depends on the machine: an upload of 16 MB paused at least
# once on every run seen, the download's pauses are only reported.
# bulk_tx NS ADDR PORT BYTES: send that many bytes.
bulk_tx() {
	ns_run "$1" timeout 90 python3 -c '
import socket
s = socket.create_connection(("'$2'", '$3'), timeout=60)
b = b"x" * 65536
for i in range('$4' // 65536):
	s.sendall(b)
s.close()
'
}
BULK=$((16 * 1048576))
tp1=$(counter_at "$WORK/p1.sock" tap-paused)
tf1=$(counter_at "$WORK/p1.sock" tap-drop-queue-full)
lp1=$(counter_at "$GSOCK" lan-paused)
lf1=$(counter_at "$GSOCK" lan-drop-queue-full)
pg1=$(counter_at "$WORK/p1.sock" udp-gso-sends)
rg1=$(counter_at "$RSOCK" udp-gso-sends)
rr1=$(counter_at "$RSOCK" udp-gro-reads)
gr1=$(counter_at "$GSOCK" udp-gro-reads)
bulk_rx "$NS_HOST" $HOST 5081 "$WORK/bulkup.out" || WHY="no TCP listener"
bulk_tx "$NS_P1" $HOST 5081 $BULK >"$WORK/bulkup.tx" 2>&1 ||
    WHY="$WHY upload failed"
wait_gone "$BULKRX" 600 || WHY="$WHY the upload's receiver did not end"
grep -q "^received $BULK\$" "$WORK/bulkup.out" ||
    WHY="$WHY upload: $(tail -n 1 "$WORK/bulkup.out")"
# The LAN host's veth hands over TCP super-segments (TSO/GSO), which
# gatewayd drops as lan-jumbo as it would on a real LAN: segment them in
# the host for the download, as a real NIC's wire does.
ns_run "$NS_HOST" ethtool -K eth0 tso off gso off >/dev/null 2>&1
bulk_rx "$NS_P1" "$P1IP" 5082 "$WORK/bulkdown.out" || WHY="no TCP listener"
bulk_tx "$NS_HOST" "$P1IP" 5082 $BULK >"$WORK/bulkdown.tx" 2>&1 ||
    WHY="$WHY download failed"
wait_gone "$BULKRX" 600 || WHY="$WHY the download's receiver did not end"
grep -q "^received $BULK\$" "$WORK/bulkdown.out" ||
    WHY="$WHY download: $(tail -n 1 "$WORK/bulkdown.out")"
ns_run "$NS_HOST" ethtool -K eth0 tso on gso on >/dev/null 2>&1
tp2=$(counter_at "$WORK/p1.sock" tap-paused)
tf2=$(counter_at "$WORK/p1.sock" tap-drop-queue-full)
lp2=$(counter_at "$GSOCK" lan-paused)
lf2=$(counter_at "$GSOCK" lan-drop-queue-full)
[ "$tp2" -gt "$tp1" ] || WHY="$WHY clientd tap-paused still $tp1"
[ "$tf2" = "$tf1" ] || WHY="$WHY clientd tap-drop-queue-full $tf1 -> $tf2"
[ "$lf2" = "$lf1" ] || WHY="$WHY gatewayd lan-drop-queue-full $lf1 -> $lf2"
ctl_at "$WORK/p1.sock" show counters >"$WORK/bulk-p1.txt"
ctl_at "$GSOCK" show counters >"$WORK/bulk-gw.txt"
SHOW="$WORK/bulkup.out $WORK/bulkup.tx $WORK/bulkdown.out $WORK/bulkdown.tx $WORK/bulk-p1.txt $WORK/bulk-gw.txt"
check "back-pressure: 16 MB each way, tap-paused +$((tp2 - tp1)), lan-paused +$((lp2 - lp1)), no queue-full drop"

# The same transfers crossed as UDP GSO runs (one sendmsg for several
# packets: the player's and the relay's uplinks) and arrived as UDP GRO
# buffers (several packets in one read: the relay's and the gateway's
# sockets, which priv/udp.c opens with UDP_GRO).
pg2=$(counter_at "$WORK/p1.sock" udp-gso-sends)
rg2=$(counter_at "$RSOCK" udp-gso-sends)
rr2=$(counter_at "$RSOCK" udp-gro-reads)
gr2=$(counter_at "$GSOCK" udp-gro-reads)
[ "$pg2" -gt "$pg1" ] || WHY="$WHY player udp-gso-sends still $pg1"
[ "$rg2" -gt "$rg1" ] || WHY="$WHY relay udp-gso-sends still $rg1"
[ "$rr2" -gt "$rr1" ] || WHY="$WHY relay udp-gro-reads still $rr1"
[ "$gr2" -gt "$gr1" ] || WHY="$WHY gateway udp-gro-reads still $gr1"
ctl_at "$RSOCK" show counters >"$WORK/bulk-relay.txt"
SHOW="$WORK/bulk-p1.txt $WORK/bulk-gw.txt $WORK/bulk-relay.txt"
check "UDP GSO sends (player +$((pg2 - pg1)), relay +$((rg2 - rg1))) and GRO reads (relay +$((rr2 - rr1)), gateway +$((gr2 - gr1)))"

# The gateway's Internet link drops to an MTU of 1300, below the path
# size the relay probed (1444): the router answers with ICMP "too big",
# the relay's kernel then refuses GSO runs of larger segments (EMSGSIZE)
# and the relay sends those runs packet by packet (udp-gso-refused),
# which the kernel fragments.  A 4 MB upload still gets through.
rx1=$(counter_at "$RSOCK" udp-gso-refused)
ip -n "$NS_INET" link set g0 mtu 1300
ip -n "$NS_GW" link set up0 mtu 1300
bulk_rx "$NS_HOST" $HOST 5083 "$WORK/bulkmtu.out" || WHY="no TCP listener"
bulk_tx "$NS_P1" $HOST 5083 $((4 * 1048576)) >"$WORK/bulkmtu.tx" 2>&1 ||
    WHY="$WHY upload failed"
wait_gone "$BULKRX" 600 || WHY="$WHY the receiver did not end"
grep -q "^received $((4 * 1048576))\$" "$WORK/bulkmtu.out" ||
    WHY="$WHY upload: $(tail -n 1 "$WORK/bulkmtu.out")"
ip -n "$NS_INET" link set g0 mtu 1500
ip -n "$NS_GW" link set up0 mtu 1500
rx2=$(counter_at "$RSOCK" udp-gso-refused)
[ "$rx2" -gt "$rx1" ] || WHY="$WHY relay udp-gso-refused still $rx1"
ctl_at "$RSOCK" show counters >"$WORK/mtu-relay.txt"
SHOW="$WORK/bulkmtu.out $WORK/bulkmtu.tx $WORK/mtu-relay.txt"
check "the gateway's link at MTU 1300: the upload crosses, GSO runs over it sent one by one (+$((rx2 - rx1)))"

# The room MTU: room small is declared with mtu 1400.
clientd_start p3 "$NS_P3"
wait_for 150 connected "$WORK/p3.sock" || WHY="p3 not connected"
mtu3() {
	[ "$(ns_run "$NS_P3" cat /sys/class/net/$TAP/mtu 2>/dev/null)" = 1400 ]
}
wait_for 50 mtu3 || WHY="$WHY TAP MTU $(ns_run "$NS_P3" cat \
    /sys/class/net/$TAP/mtu 2>/dev/null)"
[ "$(status_field "$WORK/p3.sock" room_mtu)" = 1400 ] ||
    WHY="$WHY room_mtu $(status_field "$WORK/p3.sock" room_mtu)"
SHOW="$WORK/p3.log"
check "the TAP MTU equals the room MTU from welcome (1400)"
stop_pid "$PID_p3"

# The client child: its user, chrooted, seccomp.
CPID=$(child_of "$(child_of "$PID_p1")")
[ -z "$CPID" ] && CPID=$(pgrep -P "$PID_p1" | head -n 1)
if [ -z "$CPID" ]; then
	WHY="no client child"
else
	ps -o pid=,comm=,args= --ppid "$CPID" >/dev/null 2>&1
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' \
	    "/proc/$CPID/status")
	[ "$uid" = "$(id -u _clientd)" ] || WHY="$WHY uid $uid;"
	[ "$(readlink "/proc/$CPID/root")" != / ] || WHY="$WHY not chrooted;"
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$CPID/status" ||
	    WHY="$WHY seccomp not 2;"
fi
scan_logs "$WORK/p1.log"
SHOW="$WORK/p1.log"
check "the client child runs as _clientd, chrooted, seccomp 2, no violation"

# relayd restarted: the TAP stays up, the player reconnects.
spawn MONPID ip netns exec "$NS_P1" ip -o monitor link >"$WORK/monitor.txt" \
    2>&1
w1=$(status_field "$WORK/p1.sock" welcomes)
gw1=$(gw_welcomes)
relayd_stop
start_relayd || WHY="relayd did not restart"
# Traffic makes the player notice (stateless reset) if nothing else did.
ns_run "$NS_P1" busybox ping -c 2 -W 1 $HOST >/dev/null 2>&1
reconnected() {
	connected "$WORK/p1.sock" &&
	    [ "$(status_field "$WORK/p1.sock" welcomes)" -gt "${w1:-0}" ]
}
wait_for 200 reconnected || WHY="$WHY p1 did not reconnect"
ns_run "$NS_P2" busybox ping -c 2 -W 1 $P1IP >/dev/null 2>&1
wait_for 200 connected "$WORK/p2.sock" || WHY="$WHY p2 did not reconnect"
wait_for 100 ping_ok "$NS_P1" $P2IP 2 || WHY="$WHY traffic did not resume"
stop_pid "$MONPID"
ifindex2=$(ns_run "$NS_P1" cat /sys/class/net/$TAP/ifindex 2>/dev/null)
[ "$ifindex1" = "$ifindex2" ] || WHY="$WHY ifindex $ifindex1 -> $ifindex2"
grep -q "$TAP" "$WORK/monitor.txt" &&
    grep "$TAP" "$WORK/monitor.txt" | grep -Eqv '[<,]UP[,>]' &&
    WHY="$WHY the TAP went down"
grep -q "Deleted.*$TAP" "$WORK/monitor.txt" && WHY="$WHY TAP deleted"
ns_run "$NS_P1" ip -o addr show dev $TAP >"$WORK/addr1.txt" 2>&1
grep -q "inet $P1IP/" "$WORK/addr1.txt" || WHY="$WHY the lease is gone"
ns_run "$NS_P1" ip -o link show $TAP | grep -q '[<,]UP[,>]' ||
    WHY="$WHY the TAP is not up"
SHOW="$WORK/p1.log $WORK/monitor.txt $WORK/addr1.txt"
check "relayd restarted: the player reconnects, the TAP stays up, traffic resumes"
# An idle gateway notices at its next packet: the LAN host sends one.
ns_run "$NS_HOST" "$LANBEACON" send 198.19.5.255 5009 wake-up
gw_reconnected() {
	connected "$GSOCK" && [ "$(gw_welcomes)" -gt "$gw1" ]
}
wait_for 200 gw_reconnected || WHY="gatewayd did not reconnect"
wait_for 100 ping_ok "$NS_P1" $HOST 2 || WHY="$WHY no traffic with the LAN"
SHOW="$GLOG $WORK/ping.out"
check "relayd restarted: gatewayd reconnects, the player reaches the LAN again"

# The underlay address changes while connected: QUIC migration.
c1=$(status_field "$WORK/p1.sock" connects)
tcpdump_start DUMPPID "$NS_INET" p1 "$WORK/dump.txt" \
    "udp and port $PORT and host 198.18.1.3" -c 4
ns_run "$NS_P1" ip addr add 198.18.1.3/24 dev up0
ns_run "$NS_P1" ip addr del 198.18.1.2/24 dev up0
ns_run "$NS_P1" ip route replace default via 198.18.1.1
ping_ok "$NS_P1" $P2IP 5 || WHY="loss after the change"
c2=$(status_field "$WORK/p1.sock" connects)
connected "$WORK/p1.sock" || WHY="$WHY not connected"
[ "$c1" = "$c2" ] || WHY="$WHY connects $c1 -> $c2"
wait_gone "$DUMPPID" 50 || tcpdump_stop "$DUMPPID"
grep -q "198.18.1.3.[0-9]* > $RADDR.$PORT: UDP" "$WORK/dump.txt" ||
    WHY="$WHY no QUIC packet from 198.18.1.3 seen"
grep -q "$RADDR.$PORT > 198.18.1.3.[0-9]*: UDP" "$WORK/dump.txt" ||
    WHY="$WHY no QUIC packet from the relay to 198.18.1.3 seen"
SHOW="$WORK/p1.log $WORK/ping.out $WORK/dump.txt"
check "the underlay address changes: the connection continues (connects $c1)"

# SIGHUP: the relay's name is resolved again; the connection stays.
kill -HUP "$PID_p1"
wait_for 50 grep -q "reload: relay $RADDR still $RADDR port $PORT" \
    "$WORK/p1.log" || WHY="no reload line"
connected "$WORK/p1.sock" || WHY="$WHY not connected"
[ "$(status_field "$WORK/p1.sock" connects)" = "$c1" ] ||
    WHY="$WHY reconnected"
SHOW="$WORK/p1.log"
check "SIGHUP resolves the relay again, the connection stays"

# softlanctl reload does what SIGHUP does.
n=$(grep -c "reload: relay $RADDR still" "$WORK/p1.log")
ctl_at "$WORK/p1.sock" reload >"$WORK/reload.out" ||
    WHY="softlanctl reload failed"
grep -q 'requested' "$WORK/reload.out" || WHY="$WHY no reply"
wait_for 50 eval '[ "$(grep -c "reload: relay $RADDR still" \
    "$WORK/p1.log")" -gt "$n" ]' || WHY="$WHY no second reload line"
grep -q 'reload requested on the control socket' "$WORK/p1.log" ||
    WHY="$WHY the parent did not log the request"
connected "$WORK/p1.sock" || WHY="$WHY not connected"
SHOW="$WORK/p1.log $WORK/reload.out"
check "softlanctl reload: the parent resolves the relay again"

# A duplicate virtual MAC: p1's MAC from another player.
clientd_start dup "$NS_P3"
dup_refused() {
	grep -q 'duplicate-mac' "$WORK/dup.log" &&
	    grep -i 'duplicate' "$WORK/dup.log" | grep -q "$MAC1"
}
wait_for 150 dup_refused || WHY="no duplicate-mac message naming $MAC1"
connected "$WORK/dup.sock" && WHY="$WHY connected anyway"
stop_pid "$PID_dup"
SHOW="$WORK/dup.log"
check "a duplicate virtual MAC is rejected with a message naming it"

# A reject a retry cannot fix: the reason in the log, exit status 1.
SOFTLAN_SECCOMP_TRAP=1 timeout 20 ip netns exec "$NS_P3" "$CLIENTD" -dvv \
    -f "$WORK/bad.conf" >"$WORK/bad.log" 2>&1
st=$?
[ "$st" = 1 ] || WHY="exit status $st"
grep -q 'unauthorized' "$WORK/bad.log" || WHY="$WHY reason not named"
grep -q 'lost child' "$WORK/bad.log" && WHY="$WHY lost child"
ns_run "$NS_P3" ip link show $TAP >/dev/null 2>&1 && WHY="$WHY TAP left"
[ -z "$(ns_run "$NS_P3" ip route show $RADDR)" ] || WHY="$WHY route left"
SHOW="$WORK/bad.log"
check "a wrong room secret: \"unauthorized\" logged, exit status 1, TAP and route gone"

# No virtual-mac: one derived from /etc/machine-id, as clientd.8 says.
h=$({ printf 'softlan clientd virtual-mac v1\0'; tr -d '\n' </etc/machine-id; } |
    sha256sum | cut -c1-12)
AUTOMAC=$(printf '%02x:%s:%s:%s:%s:%s' $(((0x${h:0:2} | 2) & 0xfe)) \
    ${h:2:2} ${h:4:2} ${h:6:2} ${h:8:2} ${h:10:2})
clientd_start auto "$NS_P3"
wait_for 150 connected "$WORK/auto.sock" || WHY="not connected"
grep -q "virtual MAC $AUTOMAC (derived from /etc/machine-id" \
    "$WORK/auto.log" || WHY="$WHY no log line with $AUTOMAC"
ns_run "$NS_P3" ip -o link show $TAP | grep -q "link/ether $AUTOMAC " ||
    WHY="$WHY TAP MAC not $AUTOMAC"
stop_pid "$PID_auto"
SHOW="$WORK/auto.log"
check "without virtual-mac the MAC derives from /etc/machine-id ($AUTOMAC)"

# clientd stops: the TAP, the pinned route and the control socket are
# gone (the relay's socket is gone once relayd stopped, below).
[ -S "$WORK/p1.sock" ] || WHY="no control socket before the stop"
stop_pid "$PID_p1"
ns_run "$NS_P1" ip link show $TAP >/dev/null 2>&1 && WHY="the TAP is still there"
[ -z "$(ns_run "$NS_P1" ip route show $RADDR)" ] ||
    WHY="$WHY the pinned route is still there"
grep -q 'removed the host route' "$WORK/p1.log" || WHY="$WHY no unpin log"
[ -e "$WORK/p1.sock" ] && WHY="$WHY the control socket is left behind"
SHOW="$WORK/p1.log"
check "after clientd stops, the TAP, the pinned route and the control socket are gone"

stop_pid "$PID_p2"
stop_pid "$GPID"
relayd_stop
WHY=
[ -e "$GSOCK" ] && WHY="gatewayd's control socket is left behind"
[ -e "$RSOCK" ] && WHY="$WHY relayd's control socket is left behind"
check "after gatewayd and relayd stop, their control sockets are gone"

scan_logs "$RLOG" "$GLOG" "$WORK"/p1.log "$WORK"/p2.log "$WORK"/p3.log \
    "$WORK"/dup.log "$WORK"/bad.log "$WORK"/auto.log
SHOW="$RLOG $GLOG"
check "no lost child, seccomp violation or sanitizer report in any log"

suite_done
