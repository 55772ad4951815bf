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
# The LAN-party case of the e2e suite (issue 7): relayd, gatewayd and
# two clientd started for real (-dvv, seccomp in trap mode) in network
# namespaces, with a LAN host running dnsmasq (DHCP) and radvd (IPv6
# router advertisements):
#
#   p1, p2 (clientd, TAP softlan0) -- i (router) -- r (relayd)
#                                        |
#                                        g (gatewayd on lan0)
#   g lan0 == l (bridge br0) == h (dnsmasq, radvd, 198.19.5.1/24,
#                                  2001:2:0:10::1/64)
#                               == h2 (a second LAN machine, no address)
#
# Cases: IPv6 (SLAAC through the tunnel, a player's RA contained), mDNS
# both ways (python3-zeroconf), rogue traffic (a DHCP server on a player,
# a broadcast storm, spoofed source MACs; lpsend is the rogue player's
# sender), lifecycle (namespaces as they were, nothing left behind,
# kill -9 of a parent or child).
#
#	bash regress/e2e/lanparty.sh [objdir]	(default: $OBJ, else obj)
#
# Needs root.  Installs radvd and python3-zeroconf with apt-get if they
# are missing.  Creates the system users _relayd, _gatewayd and _clientd
# if missing (and leaves them), uses addresses from 198.18.0.0/15 and
# 2001:2::/48 only; lib.sh removes its namespaces and kills only the
# processes it started.  Every wait is bounded.

E2E_NAME=lanparty
. "$(dirname "$0")/lib.sh"

LPSEND=$E2E_OBJ/regress/e2e/lpsend
PY=/usr/bin/python3
RADDR=198.18.0.1
PORT=443
HOST=198.19.5.1
HOST6=2001:2:0:10::1
PREFIX6=2001:2:0:10:
ROGUE6=2001:2:0:66:
TAP=softlan0
MAC1=02:5e:00:00:00:01
MAC2=02:5e:00:00:00:02
SPOOF=02:5e:00:00:00:99
P2IP=198.19.5.202		# static, from the configuration
RATE=50				# the room's broadcast-rate
BURST=100
STORM=3				# seconds

# Debian packages the cases need (common/mk/deps.sh has them too).
missing=
command -v radvd >/dev/null || missing="$missing radvd"
$PY -c 'import zeroconf' 2>/dev/null || missing="$missing python3-zeroconf"
if [ -n "$missing" ]; then
	echo "# apt-get install -y$missing"
	DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y \
	    $missing >/dev/null 2>&1 || echo "# apt-get failed" >&2
fi
need_tools busybox dnsmasq openssl tcpdump radvd
e2e_init "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$LANBEACON" "$LPSEND"
sys_users _gatewayd _clientd || exit 1

RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log
LOGS=

# --- the network --------------------------------------------------------

ALLNS=
for s in i r g l h h2 p1 p2; do
	netns_add $s || exit 1
	eval "ALLNS=\"\$ALLNS \$NS_$s\""
	# Only the players' TAPs take router advertisements.
	case $s in
	p1|p2)	;;
	*)	eval ns_run "\$NS_$s" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		    net.ipv6.conf.default.accept_ra=0;;
	esac
done
ns_run "$NS_i" sysctl -qw net.ipv4.ip_forward=1
veth_pair "$NS_i" r0 198.18.0.254/24 "$NS_r" up0 $RADDR/24 || exit 1
veth_pair "$NS_i" p1 198.18.1.1/24 "$NS_p1" up0 198.18.1.2/24 || exit 1
veth_pair "$NS_i" p2 198.18.2.1/24 "$NS_p2" up0 198.18.2.2/24 || exit 1
veth_pair "$NS_i" g0 198.18.4.1/24 "$NS_g" up0 198.18.4.2/24 || exit 1
ip -n "$NS_r" route add default via 198.18.0.254
ip -n "$NS_p1" route add default via 198.18.1.1
ip -n "$NS_p2" route add default via 198.18.2.1
ip -n "$NS_g" route add default via 198.18.4.1

veth_pair "$NS_g" lan0 - "$NS_l" gwport - || exit 1
veth_pair "$NS_h" eth0 $HOST/24 "$NS_l" hostport - || exit 1
veth_pair "$NS_h2" eth0 - "$NS_l" h2port - || exit 1
ip -n "$NS_h" addr add $HOST6/64 dev eth0 nodad
bridge_add "$NS_l" br0 gwport hostport h2port || exit 1
# radvd on the LAN host is a router.
ns_run "$NS_h" sysctl -qw net.ipv6.conf.all.forwarding=1

# The namespaces before any daemon runs, without the fields that change
# by themselves (carrier, DAD, lifetimes).
snapshot() {
	local ns
	for ns in $ALLNS; do
		echo "== ${ns#$T}"
		ip -n "$ns" -o addr | sed -E \
		    's/ (valid_lft|preferred_lft) [^ ]+//g; s/ tentative//'
		ip -n "$ns" route
		ip -n "$ns" -6 route | sed -E 's/ expires [^ ]+//'
		ip -n "$ns" -o link | sed -E 's/ state [A-Z]+//;
		    s/(NO-CARRIER|LOWER_UP|M-DOWN),?//g; s/,>/>/'
	done
}
# Let DAD finish on the link-local addresses first.
settled() {
	! snapshot | grep -q tentative &&
	    ! ip -n "$NS_h" -o addr | grep -q tentative
}
wait_for 50 settled
snapshot >"$WORK/before.txt"

# --- configurations -----------------------------------------------------

tls_cert || exit 1
relayd_conf "$WORK/relayd.conf" $RADDR $PORT "open-rooms no
broadcast-rate $RATE burst $BURST
room \"lan\" {
}"

gatewayd_conf "$WORK/gatewayd.conf" $RADDR $PORT lan lan0 \
    "$WORK/gatewayd.sock"
clientd_conf "$WORK/p1.conf" $RADDR $PORT lan $MAC1 yes "$WORK/p1.sock"
clientd_conf "$WORK/p2.conf" $RADDR $PORT lan $MAC2 yes "$WORK/p2.sock" \
    $P2IP/24

cat >"$WORK/radvd.conf" <<CONF
interface eth0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 10;
	prefix ${PREFIX6}:/64 {
		AdvOnLink on;
		AdvAutonomous on;
	};
};
CONF
chmod 0644 "$WORK"/*radvd.conf

# mDNS with python3-zeroconf, IPv4 only.
cat >"$WORK/mdns-pub.py" <<'PY'
import socket, sys, time
from zeroconf import IPVersion, ServiceInfo, Zeroconf
name, addr, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
t = "_lanparty._udp.local."
zc = Zeroconf(ip_version=IPVersion.V4Only)
info = ServiceInfo(t, name + "." + t, port=27015,
    addresses=[socket.inet_aton(addr)], properties={"who": name},
    server=name + ".local.")
zc.register_service(info)
print("published", name, flush=True)
time.sleep(secs)
zc.unregister_service(info)
zc.close()
PY
cat >"$WORK/mdns-browse.py" <<'PY'
import sys, time
from zeroconf import IPVersion, ServiceBrowser, Zeroconf
want, secs = sys.argv[1], float(sys.argv[2])
t = "_lanparty._udp.local."
found = []
class Listener:
    def add_service(self, zc, type_, name):
        info = zc.get_service_info(type_, name, timeout=2000)
        addrs = info.parsed_addresses() if info else []
        print("found", name, addrs, flush=True)
        found.append(name)
    def update_service(self, zc, type_, name):
        pass
    def remove_service(self, zc, type_, name):
        pass
zc = Zeroconf(ip_version=IPVersion.V4Only)
ServiceBrowser(zc, t, Listener())
end = time.monotonic() + secs
while time.monotonic() < end and want + "." + t not in found:
    time.sleep(0.1)
zc.close()
sys.exit(0 if want + "." + t in found else 1)
PY

udhcpc_script

# --- daemons ------------------------------------------------------------

start_relayd() {
	relayd_start "$NS_r" $RADDR $PORT "$RLOG" "$WORK/relayd.conf"
}
start_gatewayd() {
	daemon_start GPID "$NS_g" "$GATEWAYD" "$WORK/gatewayd.conf" "$GLOG"
}
gw_connected() {
	connected "$WORK/gatewayd.sock"
}

# --- start --------------------------------------------------------------

start_relayd
if ! relayd_ready; then
	SHOW=$RLOG
	fail "relayd starts"
	e2e_done
	exit 1
fi
# radvd before gatewayd: LAN frames arriving while the gateway child is
# still being configured must wait, not crash it (a gatewayd bug found
# here: pkt_read ran before gw_start).
spawn RAPID ip netns exec "$NS_h" radvd -n -m stderr -d 1 \
    -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" >"$WORK/radvd.log" 2>&1
start_gatewayd
dnsmasq_start DPID "$NS_h" eth0 198.19.5.100,198.19.5.150,255.255.255.0 \
    dnsmasq
clientd_start p1 "$NS_p1"
clientd_start p2 "$NS_p2"
wait_for 150 connected "$WORK/p1.sock" || WHY="p1 not connected"
wait_for 150 connected "$WORK/p2.sock" || WHY="$WHY p2 not connected"
wait_for 150 gw_connected || WHY="$WHY gatewayd not connected"
UDHCPC_SET=1 udhcpc_run "$NS_p1" $TAP 8 "$WORK/p1.lease" "$WORK/p1.udhcpc" ||
    WHY="$WHY p1: udhcpc failed"
P1IP=$(awk '{ print $2 }' "$WORK/p1.lease" 2>/dev/null | tail -n 1)
[ -z "$P1IP" ] && WHY="$WHY p1: no lease"
SHOW="$WORK/p1.log $GLOG $RLOG $WORK/p1.udhcpc"
check "relayd, gatewayd and two players start; p1 leases $P1IP from the LAN"
if [ "$FAIL" != 0 ]; then
	e2e_done
	exit 1
fi
if [ -z "$P1IP" ]; then
	P1IP=198.19.5.201
	ns_run "$NS_p1" ip addr add $P1IP/24 dev $TAP
fi
LOGS="$RLOG $GLOG $WORK/p1.log $WORK/p2.log"

# --- IPv6 ---------------------------------------------------------------

slaac() {
	ns_run "$1" ip -o -6 addr show dev $TAP scope global |
	    grep -q "inet6 $PREFIX6"
}
wait_for 200 slaac "$NS_p1" || WHY="p1: no SLAAC address;"
wait_for 100 slaac "$NS_p2" || WHY="$WHY p2: no SLAAC address;"
A1=$(ns_run "$NS_p1" ip -o -6 addr show dev $TAP scope global |
    sed -n "s/.*inet6 \($PREFIX6[^/]*\).*/\1/p" | head -n 1)
A2=$(ns_run "$NS_p2" ip -o -6 addr show dev $TAP scope global |
    sed -n "s/.*inet6 \($PREFIX6[^/]*\).*/\1/p" | head -n 1)
SHOW="$WORK/radvd.log $WORK/p1.log"
check "radvd on the LAN host: each player's TAP gets a SLAAC address ($A1, $A2)"

# Neighbour discovery first.
wait_for 50 ping_ok "$NS_p1" $HOST6 1 "" 6
wait_for 50 ping_ok "$NS_p2" $HOST6 1 "" 6
ping_ok "$NS_p1" $HOST6 3 "" 6 || WHY="p1: $(grep loss "$WORK/ping.out")"
cp "$WORK/ping.out" "$WORK/ping1.out"
ping_ok "$NS_p2" $HOST6 3 "" 6 || WHY="$WHY p2: $(grep loss "$WORK/ping.out")"
[ -n "$A1" ] && { ping_ok "$NS_h" "$A1" 3 "" 6 ||
    WHY="$WHY host -> p1: $(grep loss "$WORK/ping.out")"; }
SHOW="$WORK/ping1.out $WORK/ping.out"
check "both players ping the LAN host over IPv6, the host pings p1 back"

# A rogue radvd on p1's TAP.
ra0=$(counter_at "$WORK/p1.sock" tap-drop-router-advert)
tcpdump_start TDH "$NS_h" eth0 "$WORK/ra-host.txt" \
    'icmp6 and ip6[40] == 134'
tcpdump_start TDP "$NS_p2" $TAP "$WORK/ra-p2.txt" 'icmp6 and ip6[40] == 134'
tcpdump_start TDH2 "$NS_h2" eth0 "$WORK/ra-h2.txt" 'icmp6 and ip6[40] == 134'
ns_run "$NS_p1" "$LPSEND" ra $TAP ${ROGUE6}: 5 >"$WORK/rogue-ra.txt" 2>&1 ||
    WHY="lpsend ra failed;"
LL1=$(sed -n 's/^sent [0-9]* from //p' "$WORK/rogue-ra.txt")
wait_for 50 counter_above "$WORK/p1.sock" tap-drop-router-advert \
    $((ra0 + 4)) || WHY="$WHY p1's tap-drop-router-advert rose by less than 5;"
# The LAN's radvd (every 3-10 s) proves the captures work.
wait_for 120 grep -q 'router advertisement' "$WORK/ra-p2.txt"
sleep 1
tcpdump_stop "$TDH"
tcpdump_stop "$TDP"
tcpdump_stop "$TDH2"
ra1=$(counter_at "$WORK/p1.sock" tap-drop-router-advert)
grep -q 'router advertisement' "$WORK/ra-p2.txt" ||
    WHY="$WHY capture on p2 saw no RA at all (from the LAN's radvd);"
for f in ra-host ra-p2 ra-h2; do
	grep -Eiq "$MAC1|${LL1:-$MAC1} " "$WORK/$f.txt" &&
	    WHY="$WHY p1's RA seen in $f;"
done
slaac_rogue() {
	ns_run "$1" ip -o -6 addr | grep -q "inet6 $ROGUE6"
}
slaac_rogue "$NS_p2" && WHY="$WHY p2 took the rogue prefix;"
SHOW="$WORK/rogue-ra.txt $WORK/ra-host.txt $WORK/ra-p2.txt"
check "an RA from p1's TAP ($LL1) never reaches the LAN host, h2 or p2 (p1 tap-drop-router-advert $ra0 -> $ra1)"

# --- mDNS ---------------------------------------------------------------

spawn MPUB ip netns exec "$NS_h" $PY "$WORK/mdns-pub.py" lanhost $HOST 30 \
    >"$WORK/mdns-pub-host.txt" 2>&1
wait_for 100 grep -q published "$WORK/mdns-pub-host.txt"
ns_run "$NS_p1" timeout 20 $PY "$WORK/mdns-browse.py" lanhost 15 \
    >"$WORK/mdns-p1.txt" 2>&1 || WHY="not found"
grep -q "found lanhost._lanparty._udp.local. \['$HOST'\]" \
    "$WORK/mdns-p1.txt" || WHY="$WHY no address $HOST"
stop_pid "$MPUB"
SHOW="$WORK/mdns-pub-host.txt $WORK/mdns-p1.txt"
check "mDNS: a service published on the LAN host (zeroconf) is discovered by p1"

spawn MPUB ip netns exec "$NS_p1" $PY "$WORK/mdns-pub.py" player1 $P1IP 30 \
    >"$WORK/mdns-pub-p1.txt" 2>&1
wait_for 100 grep -q published "$WORK/mdns-pub-p1.txt"
ns_run "$NS_h" timeout 20 $PY "$WORK/mdns-browse.py" player1 15 \
    >"$WORK/mdns-host.txt" 2>&1 || WHY="not found"
grep -q "found player1._lanparty._udp.local. \['$P1IP'\]" \
    "$WORK/mdns-host.txt" || WHY="$WHY no address $P1IP"
stop_pid "$MPUB"
SHOW="$WORK/mdns-pub-p1.txt $WORK/mdns-host.txt"
check "mDNS: a service published by p1 is discovered on the LAN host"

# --- rogue traffic ------------------------------------------------------

# A DHCP server on p1's TAP.
dh0=$(counter_at "$WORK/p1.sock" tap-drop-dhcp4-server)
dnsmasq_start ROGUE "$NS_p1" $TAP 198.19.5.160,198.19.5.170,255.255.255.0 \
    rogue-dnsmasq
wait_for 50 grep -qs 'DHCP, IP range' "$WORK/rogue-dnsmasq.log"
tcpdump_start TDP "$NS_p2" $TAP "$WORK/dhcp-p2.txt" 'udp and src port 67'
tcpdump_start TDH2 "$NS_h2" eth0 "$WORK/dhcp-h2.txt" 'udp and src port 67'
: >"$WORK/p2.lease"
: >"$WORK/h2.lease"
udhcpc_run "$NS_p2" $TAP 5 "$WORK/p2.lease" "$WORK/p2.udhcpc" ||
    WHY="p2: udhcpc failed;"
udhcpc_run "$NS_h2" eth0 5 "$WORK/h2.lease" "$WORK/h2.udhcpc" ||
    WHY="$WHY h2: udhcpc failed;"
sleep 0.5
tcpdump_stop "$TDP"
tcpdump_stop "$TDH2"
stop_pid "$ROGUE"
grep -q "bound 198.19.5.1[0-5][0-9] $HOST\$" "$WORK/p2.lease" ||
    WHY="$WHY p2's lease: $(cat "$WORK/p2.lease");"
grep -q "bound 198.19.5.1[0-5][0-9] $HOST\$" "$WORK/h2.lease" ||
    WHY="$WHY h2's lease: $(cat "$WORK/h2.lease");"
grep -q DHCPOFFER "$WORK/rogue-dnsmasq.log" ||
    WHY="$WHY the rogue server never offered (test proves nothing);"
for f in dhcp-p2 dhcp-h2; do
	grep -q 'BOOTP/DHCP' "$WORK/$f.txt" ||
	    WHY="$WHY $f: no offer captured;"
	grep 'BOOTP/DHCP' "$WORK/$f.txt" | grep -vq ": $HOST.67 >" &&
	    WHY="$WHY $f: a server other than $HOST answered;"
	grep -qi "$MAC1" "$WORK/$f.txt" && WHY="$WHY $f: p1's frames seen;"
done
dh1=$(counter_at "$WORK/p1.sock" tap-drop-dhcp4-server)
[ "$dh1" -gt "$dh0" ] || WHY="$WHY tap-drop-dhcp4-server stayed $dh1"
SHOW="$WORK/rogue-dnsmasq.log $WORK/dhcp-p2.txt $WORK/dhcp-h2.txt $WORK/p2.lease $WORK/h2.lease"
check "a dnsmasq on p1's TAP never answers p2 or the LAN (only $HOST offers; p1 tap-drop-dhcp4-server $dh0 -> $dh1)"

# A broadcast storm from p1.
rl0=$(counter_at "$WORK/relayd.sock" drop-rate-limited)
spawn RXH ip netns exec "$NS_h" "$LANBEACON" recv 5010 $((STORM + 4)) \
    >"$WORK/storm-host.rx" 2>&1
spawn RXP ip netns exec "$NS_p2" "$LANBEACON" recv 5010 $((STORM + 4)) \
    >"$WORK/storm-p2.rx" 2>&1
wait_for 30 grep -q listening "$WORK/storm-host.rx"
wait_for 30 grep -q listening "$WORK/storm-p2.rx"
spawn STORMPID ip netns exec "$NS_p1" "$LPSEND" storm 198.19.5.255 5010 \
    storm $STORM >"$WORK/storm.txt" 2>&1
sleep 1
: >"$WORK/p2.lease"
udhcpc_run "$NS_p2" $TAP 3 "$WORK/p2.lease" "$WORK/p2s.udhcpc" ||
    WHY="p2: udhcpc failed during the storm;"
alive "$STORMPID" || WHY="$WHY the storm was over before DHCP was;"
grep -q "bound 198.19.5.1[0-5][0-9] $HOST\$" "$WORK/p2.lease" ||
    WHY="$WHY p2's lease: $(cat "$WORK/p2.lease");"
wait_gone "$STORMPID" $(((STORM + 2) * 10))
wait_gone "$RXH" 80
wait_gone "$RXP" 80
nh=$(grep -c '^storm len=6 intact$' "$WORK/storm-host.rx")
np=$(grep -c '^storm len=6 intact$' "$WORK/storm-p2.rx")
sent=$(sed -n 's/^sent //p' "$WORK/storm.txt")
max=$((RATE * (STORM + 1) + BURST))
[ "${sent:-0}" -gt $((max * 4)) ] ||
    WHY="$WHY only ${sent:-0} sent, no storm;"
for n in $nh $np; do
	[ "$n" -ge "$BURST" ] || WHY="$WHY $n received, less than the burst;"
	[ "$n" -le "$max" ] || WHY="$WHY $n received, above $max;"
done
rl1=$(counter_at "$WORK/relayd.sock" drop-rate-limited)
[ "$rl1" -gt "$rl0" ] || WHY="$WHY relay drop-rate-limited stayed $rl1"
SHOW="$WORK/storm.txt $WORK/p2s.udhcpc"
check "a broadcast storm from p1 (${sent:-0} in ${STORM} s) is limited at the LAN host ($nh) and p2 ($np) to rate*time+burst ($max), p2's DHCP works meanwhile (drop-rate-limited $rl0 -> $rl1)"

# Spoofed source MACs from p1, then the same frames with p1's own MAC.
fs0=$(counter_at "$WORK/p1.sock" tap-drop-foreign-source)
tcpdump_start TDH "$NS_h" eth0 "$WORK/spoof-host.txt" "ether src $SPOOF"
spawn RXH ip netns exec "$NS_h" "$LANBEACON" recv 5011 4 \
    >"$WORK/spoof-host.rx" 2>&1
wait_for 30 grep -q listening "$WORK/spoof-host.rx"
ns_run "$NS_p1" "$LPSEND" spoof $TAP $SPOOF 5011 50 >"$WORK/spoof.txt" 2>&1 ||
    WHY="lpsend failed;"
wait_for 50 counter_above "$WORK/p1.sock" tap-drop-foreign-source \
    $((fs0 + 49)) || WHY="$WHY tap-drop-foreign-source below $((fs0 + 50));"
ns_run "$NS_p1" "$LPSEND" spoof $TAP $MAC1 5011 5 >>"$WORK/spoof.txt" 2>&1
wait_gone "$RXH" 80
tcpdump_stop "$TDH"
fs1=$(counter_at "$WORK/p1.sock" tap-drop-foreign-source)
n=$(grep -c '^spoofed len=8 intact$' "$WORK/spoof-host.rx")
[ "$n" = 5 ] || WHY="$WHY the LAN host received $n, not the 5 with p1's MAC;"
grep -qi "$SPOOF" "$WORK/spoof-host.txt" && WHY="$WHY $SPOOF seen on the LAN;"
SHOW="$WORK/spoof.txt $WORK/spoof-host.rx $WORK/spoof-host.txt"
check "50 frames from p1 with source MAC $SPOOF are dropped and counted (p1 tap-drop-foreign-source $fs0 -> $fs1), 5 with its own MAC arrive"

# --- lifecycle ----------------------------------------------------------

# Stopping each daemon leaves no process, TAP or route behind.
stopped_clean() {
	local name=$1 ns=$2 pid cs c
	eval "pid=\$PID_$name"
	cs=$(children "$pid")
	stop_pid "$pid"
	alive "$pid" && WHY="$WHY $name: parent left;"
	for c in $cs; do
		alive "$c" && WHY="$WHY $name: child $c left;"
	done
	ns_run "$ns" ip link show $TAP >/dev/null 2>&1 && WHY="$WHY $name: TAP left;"
	[ -z "$(ns_run "$ns" ip route show $RADDR)" ] ||
	    WHY="$WHY $name: route to the relay left;"
	ns_run "$ns" ip -6 route | grep -q "$PREFIX6" &&
	    WHY="$WHY $name: IPv6 route left;"
}
stop_pid "$RAPID"
stopped_clean p1 "$NS_p1"
stopped_clean p2 "$NS_p2"
PID_gw=$GPID
stopped_clean gw "$NS_g"
PID_relay=$RPID
stopped_clean relay "$NS_r"
stop_pid "$DPID"
SHOW="$WORK/p1.log $WORK/p2.log"
check "stopping each daemon leaves no process, TAP or route behind"

snapshot >"$WORK/after.txt"
diff -u "$WORK/before.txt" "$WORK/after.txt" >"$WORK/snap.diff" ||
    WHY="differences"
SHOW="$WORK/snap.diff"
check "ip addr, route and link in every namespace as before the start"

# kill -9 of the parent takes the child down and the other way round.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
# kill_case what pid victim-role: within 1 s the whole daemon is gone.
kill_case() {
	local what=$1 pid=$2 role=$3 cs c t0 gone=
	cs=$(children "$pid")
	if [ -z "$cs" ]; then
		WHY="$WHY $what: no child;"
		stop_pid "$pid"
		return
	fi
	t0=$(now_ms)
	if [ "$role" = parent ]; then
		kill -9 "$pid"
		for c in $cs; do
			wait_gone "$c" 10 || WHY="$WHY $what: child $c alive after 1 s;"
		done
	else
		kill -9 $(echo "$cs" | head -n 1)
		wait_gone "$pid" 10 || WHY="$WHY $what: parent alive after 1 s;"
		for c in $cs; do
			wait_gone "$c" 10 || WHY="$WHY $what: child $c alive after 1 s;"
		done
	fi
	KILLMS="$KILLMS $what-$role:$(($(now_ms) - t0))ms"
	for c in $pid $cs; do
		alive "$c" && kill -9 "$c" 2>/dev/null
	done
}
have_child() {
	[ -n "$(children "$1")" ]
}
KILLMS=
# Their own logs: "lost child" is expected there.
RLOG=$WORK/kill-relayd.log
GLOG=$WORK/kill-gatewayd.log
sed "s|$WORK/p1.sock|$WORK/k1.sock|" "$WORK/p1.conf" >"$WORK/k1.conf"
for role in child parent; do
	rm -f "$WORK/relayd.sock"
	start_relayd || WHY="$WHY relayd did not start;"
	kill_case relayd "$RPID" $role
done
# A fresh relayd for each: it would hold a killed peer's MAC a while.
fresh_relayd() {
	stop_pid "$RPID"
	rm -f "$WORK/relayd.sock"
	start_relayd || WHY="$WHY relayd did not start;"
}
for role in child parent; do
	fresh_relayd
	start_gatewayd
	wait_for 150 gw_connected || WHY="$WHY gatewayd not connected;"
	kill_case gatewayd "$GPID" $role
	rm -f "$WORK/gatewayd.sock"
done
for role in child parent; do
	fresh_relayd
	clientd_start k1 "$NS_p1"
	wait_for 150 connected "$WORK/k1.sock" || WHY="$WHY clientd not connected;"
	kill_case clientd "$PID_k1" $role
	rm -f "$WORK/k1.sock"
	# A parent killed by -9 cannot remove its pinned route.
	ns_run "$NS_p1" ip route del $RADDR 2>/dev/null
done
stop_pid "$RPID"
grep -q 'lost child' "$RLOG" || WHY="$WHY relayd logged no lost child;"
grep -q 'lost child' "$GLOG" || WHY="$WHY gatewayd logged no lost child;"
grep -q 'lost child' "$WORK/k1.log" ||
    WHY="$WHY clientd logged no lost child;"
SHOW="$RLOG $GLOG $WORK/k1.log"
check "kill -9 of the parent or the child stops relayd, gatewayd and clientd within 1 s ($KILLMS )"

WHY=
scan_logs $LOGS
SHOW="$LOGS"
check "no lost child, seccomp violation or sanitizer report in any log"

e2e_done
