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
# The LAN-party suite (issue 7): relayd, gatewayd and two clientd started
# for real (-dvv, seccomp in trap mode) in network namespaces, with a LAN
# host running dnsmasq (DHCP) and radvd (IPv6 router advertisements):
#
#   p1, p2 (clientd, TAP softlan0) -- inet (router) -- relay (relayd)
#                                        |
#                                        gw (gatewayd on lan0)
#   gw lan0 == lan (bridge br0) == host (dnsmasq, radvd, 198.19.5.1/24,
#                                  2001:2:0:10::1/64)
#                                  == h2 (a second LAN machine, no address)
#
# Cases: IPv6 (SLAAC through the tunnel, a player's RA contained), mDNS
# both ways (python3-zeroconf), rogue traffic (a DHCP server on a player,
# a broadcast storm, spoofed source MACs), lifecycle (namespaces as they
# were, nothing left behind, kill -9 of a parent or child).
#
#	bash regress/lanparty/run.sh [objdir]	(default: $OBJ, else obj)
#
# Needs root.  Installs radvd and python3-zeroconf with apt-get if they
# are missing.  Creates the system users _relayd, _gatewayd and _clientd
# if missing (and leaves them), uses addresses from 198.18.0.0/15 and
# 2001:2::/48 only, removes its namespaces and kills only the processes
# it started.  Every wait is bounded.  One line per case, then
# "lanparty: N passed, M failed".

OBJDIR=${1:-${OBJ:-obj}}
RELAYD=$OBJDIR/relayd/relayd
GATEWAYD=$OBJDIR/gatewayd/gatewayd
CLIENTD=$OBJDIR/clientd/clientd
CTL=$OBJDIR/softlanctl/softlanctl
UDPB=$OBJDIR/regress/clientd/udpbcast
LPSEND=$OBJDIR/regress/lanparty/lpsend
PY=/usr/bin/python3
CERTNAME=softlan-relay
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

PASS=0
FAIL=0
N=0
PIDS=
NETNS=
T=slp$$
NS_INET=${T}i
NS_RELAY=${T}r
NS_GW=${T}g
NS_LAN=${T}l
NS_HOST=${T}h
NS_H2=${T}h2
NS_P1=${T}p1
NS_P2=${T}p2
ALLNS="$NS_INET $NS_RELAY $NS_GW $NS_LAN $NS_HOST $NS_H2 $NS_P1 $NS_P2"

if [ "$(id -u)" != 0 ]; then
	echo "lanparty: needs root" >&2
	exit 1
fi
for b in "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$UDPB" "$LPSEND"; do
	if [ ! -x "$b" ]; then
		echo "lanparty: $b not built" >&2
		exit 1
	fi
done
# Debian packages the cases need (common/mk/deps.sh has them too).
missing=
command -v radvd >/dev/null || missing="$missing radvd"
$PY -c 'import zeroconf' 2>/dev/null || missing="$missing python3-zeroconf"
if [ -n "$missing" ]; then
	echo "# apt-get install -y$missing"
	DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y \
	    $missing >/dev/null 2>&1 || echo "# apt-get failed" >&2
fi
for t in busybox dnsmasq tcpdump radvd; do
	if ! command -v $t >/dev/null; then
		echo "lanparty: $t not installed" >&2
		exit 1
	fi
done

WORK=$(mktemp -d /tmp/softlan-lanparty.XXXXXX) || exit 1
chmod 0755 "$WORK"
CERT=$WORK/relay.pem
KEY=$WORK/relay.key
RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log
LOGS=

cleanup() {
	local pid ns n=0
	for pid in $PIDS; do
		alive "$pid" && kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		while alive "$pid" && [ "$n" -lt 30 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		alive "$pid" && kill -9 "$pid" 2>/dev/null
	done
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$KEEP" ]; then
		echo "lanparty: logs kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
trap '' PIPE

alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

show() {
	echo "	--- $1"
	sed 's/^/	| /' "$1" | cut -c1-200 | tail -n 30
}

WHY=
SHOW=
ok() {
	N=$((N + 1))
	PASS=$((PASS + 1))
	echo "ok $N $*"
}
fail() {
	local f
	N=$((N + 1))
	FAIL=$((FAIL + 1))
	echo "not ok $N $*${WHY:+ ($WHY)}"
	for f in $SHOW; do
		[ -f "$f" ] && show "$f"
	done
}
check() {
	if [ -z "$WHY" ]; then
		ok "$@"
	else
		fail "$@"
	fi
	WHY=
	SHOW=
}

# wait_for seconds command...: 0 as soon as the command succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# wait_gone pid tenths: 0 once pid is gone.
wait_gone() {
	local n=0
	while [ "$n" -lt "$2" ]; do
		alive "$1" || return 0
		sleep 0.1
		n=$((n + 1))
	done
	! alive "$1"
}

children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# stop pid: SIGTERM, bounded wait, SIGKILL; its children too.
stop() {
	local pid=$1 c cs
	[ -z "$pid" ] && return
	cs=$(children "$pid")
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		wait_gone "$pid" 50 || kill -9 "$pid" 2>/dev/null
	fi
	for c in $cs; do
		wait_gone "$c" 20 || kill -9 "$c" 2>/dev/null
	done
	{ wait "$pid"; } 2>/dev/null
}

# spawn var command...: run in the background, pid in $var, recorded.
spawn() {
	local v=$1
	shift
	"$@" &
	eval "$v=$!"
	PIDS="$PIDS $!"
	disown $!
}

# The log has none of the lines that mean trouble.
log_clean() {
	local l
	for l in "$@"; do
		[ -f "$l" ] || continue
		grep -q "lost child" "$l" && WHY="$WHY lost child in ${l##*/};"
		grep -Eq "seccomp: forbidden|SIGSYS" "$l" &&
		    WHY="$WHY seccomp violation in ${l##*/};"
		grep -Eq "runtime error|AddressSanitizer|LeakSanitizer" "$l" &&
		    WHY="$WHY sanitizer report in ${l##*/};"
	done
}

ns_run() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# --- the network --------------------------------------------------------

nsadd() {
	ip netns add "$1" || exit 1
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
	# Only the players' TAPs take router advertisements.
	case "$1" in
	"$NS_P1"|"$NS_P2")	;;
	*)	ns_run "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		    net.ipv6.conf.default.accept_ra=0;;
	esac
}
# link nsA ifA addrA nsB ifB addrB (an address may be "-")
link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    exit 1
	[ "$3" != - ] && ip -n "$1" addr add "$3" dev "$2"
	[ "$6" != - ] && ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

for ns in $ALLNS; do
	nsadd "$ns"
done
ns_run "$NS_INET" sysctl -qw net.ipv4.ip_forward=1
link "$NS_INET" r0 198.18.0.254/24 "$NS_RELAY" up0 $RADDR/24
link "$NS_INET" p1 198.18.1.1/24 "$NS_P1" up0 198.18.1.2/24
link "$NS_INET" p2 198.18.2.1/24 "$NS_P2" up0 198.18.2.2/24
link "$NS_INET" g0 198.18.4.1/24 "$NS_GW" up0 198.18.4.2/24
ip -n "$NS_RELAY" route add default via 198.18.0.254
ip -n "$NS_P1" route add default via 198.18.1.1
ip -n "$NS_P2" route add default via 198.18.2.1
ip -n "$NS_GW" route add default via 198.18.4.1

ip -n "$NS_LAN" link add br0 type bridge || exit 1
ip -n "$NS_LAN" link set br0 up
link "$NS_GW" lan0 - "$NS_LAN" gwport -
link "$NS_HOST" eth0 $HOST/24 "$NS_LAN" hostport -
link "$NS_H2" eth0 - "$NS_LAN" h2port -
ip -n "$NS_HOST" addr add $HOST6/64 dev eth0 nodad
for p in gwport hostport h2port; do
	ip -n "$NS_LAN" link set $p master br0
done
# radvd on the LAN host is a router.
ns_run "$NS_HOST" sysctl -qw net.ipv6.conf.all.forwarding=1

for u in _relayd _gatewayd _clientd; do
	if ! id "$u" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || exit 1
	fi
done

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
	    ! ip -n "$NS_HOST" -o addr | grep -q tentative
}
wait_for 5 settled
snapshot >"$WORK/before.txt"

# --- configurations -----------------------------------------------------

if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -subj "/CN=$CERTNAME" -addext "subjectAltName=DNS:$CERTNAME" \
    -days 2 -keyout "$KEY" -out "$CERT" >"$WORK/openssl.log" 2>&1; then
	cat "$WORK/openssl.log" >&2
	exit 1
fi

cat >"$WORK/relayd.conf" <<CONF
listen on $RADDR port $PORT
certificate "$CERT"
key "$KEY"
reset-secret "$WORK/reset.key"
control "$WORK/relayd.sock"
user _relayd
open-rooms no
broadcast-rate $RATE burst $BURST
room "lan" {
}
CONF

cat >"$WORK/gatewayd.conf" <<CONF
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "$CERT"
room "lan"
interface lan0
user _gatewayd
control "$WORK/gatewayd.sock"
CONF

# client_conf name mac [address/prefix]
client_conf() {
	cat >"$WORK/$1.conf" <<CONF
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "$CERT"
room "lan"
virtual-mac $2
route-pinning yes
user _clientd
control "$WORK/$1.sock"
CONF
	[ -n "$3" ] && echo "address $3" >>"$WORK/$1.conf"
}
client_conf p1 $MAC1
client_conf p2 $MAC2 $P2IP/24

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

# udhcpc script: records the lease, leaves the interface alone.
cat >"$WORK/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	echo "$1 $ip $serverid" >>"$UDHCPC_OUT"
	if [ -n "$UDHCPC_SET" ]; then
		ip addr flush dev "$interface"
		ip addr add "$ip/${mask:-24}" dev "$interface"
	fi
	;;
esac
exit 0
SCRIPT
chmod 0755 "$WORK/udhcpc.sh"

# --- daemons ------------------------------------------------------------

RPID=
start_relayd() {
	SOFTLAN_SECCOMP_TRAP=1 spawn RPID ip netns exec "$NS_RELAY" \
	    "$RELAYD" -dvv -f "$WORK/relayd.conf" >>"$RLOG" 2>&1
	wait_for 10 relayd_ready
}
relayd_ready() {
	alive "$RPID" && [ -S "$WORK/relayd.sock" ] &&
	    ns_run "$NS_RELAY" ss -Huln "sport = :$PORT" |
	    grep -q "$RADDR:$PORT"
}
GPID=
start_gatewayd() {
	SOFTLAN_SECCOMP_TRAP=1 spawn GPID ip netns exec "$NS_GW" \
	    "$GATEWAYD" -dvv -f "$WORK/gatewayd.conf" >>"$GLOG" 2>&1
}
# start_client name ns: pid in PID_name, log $WORK/name.log
start_client() {
	SOFTLAN_SECCOMP_TRAP=1 spawn "PID_$1" ip netns exec "$2" \
	    "$CLIENTD" -dvv -f "$WORK/$1.conf" >>"$WORK/$1.log" 2>&1
}

ctl() {
	"$CTL" -s "$1" "${@:2}" 2>&1
}
status_field() {
	ctl "$1" -j show status | tr -d '\n' |
	    sed -n "s/.*\"$2\":[[:space:]]*\"\{0,1\}\([^\",}]*\).*/\1/p"
}
connected() {
	[ "$(status_field "$WORK/$1.sock" state)" = connected ]
}
gw_connected() {
	[ "$(status_field "$WORK/gatewayd.sock" state)" = connected ]
}
# counter sock name: the largest value of a counter in show counters.
counter() {
	local v
	v=$(ctl "$1" -j show counters | tr -d ' \t\n' | sed 's/}/}\n/g' |
	    sed -n "s/.*\"counter\":\"$2\",\"value\":\([0-9][0-9]*\).*/\1/p" |
	    sort -n | tail -n 1)
	echo "${v:-0}"
}
counter_above() {
	[ "$(counter "$1" "$2")" -gt "$3" ]
}

ping_ok() {
	ns_run "$1" busybox ping ${5:+-6} -c "${3:-3}" -W 2 ${4:+-s $4} "$2" \
	    >"$WORK/ping.out" 2>&1 &&
	    grep -q ' 0% packet loss' "$WORK/ping.out"
}

# tcpdump_start var ns ifname file filter: capture until killed.
tcpdump_start() {
	local f=$4
	spawn "$1" ip netns exec "$2" timeout 60 tcpdump -lnei "$3" "$5" \
	    >"$f" 2>"$f.err"
	wait_for 5 grep -q 'listening on' "$f.err"
}
tcpdump_stop() {
	kill "$1" 2>/dev/null
	wait_gone "$1" 30
}

# --- start --------------------------------------------------------------

start_relayd
if ! relayd_ready; then
	echo "not ok 1 relayd starts"
	show "$RLOG"
	echo "lanparty: 0 passed, 1 failed"
	exit 1
fi
# radvd before gatewayd: LAN frames arriving while the gateway child is
# still being configured must wait, not crash it (a gatewayd bug found
# here: pkt_read ran before gw_start).
spawn RAPID ip netns exec "$NS_HOST" radvd -n -m stderr -d 1 \
    -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" >"$WORK/radvd.log" 2>&1
start_gatewayd
spawn DPID ip netns exec "$NS_HOST" dnsmasq --no-ping --keep-in-foreground \
    --no-resolv --no-hosts --port=0 --interface=eth0 --bind-interfaces \
    --dhcp-range=198.19.5.100,198.19.5.150,255.255.255.0,10m \
    --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
    --log-dhcp --log-facility="$WORK/dnsmasq.log"
start_client p1 "$NS_P1"
start_client p2 "$NS_P2"
wait_for 15 connected p1 || WHY="p1 not connected"
wait_for 15 connected p2 || WHY="$WHY p2 not connected"
wait_for 15 gw_connected || WHY="$WHY gatewayd not connected"
UDHCPC_SET=1 UDHCPC_OUT=$WORK/p1.lease ns_run "$NS_P1" busybox udhcpc \
    -i $TAP -f -q -n -t 8 -T 1 -s "$WORK/udhcpc.sh" >"$WORK/p1.udhcpc" 2>&1 ||
    WHY="$WHY p1: udhcpc failed"
P1IP=$(awk '{ print $2 }' "$WORK/p1.lease" 2>/dev/null | tail -n 1)
[ -z "$P1IP" ] && WHY="$WHY p1: no lease"
SHOW="$WORK/p1.log $GLOG $RLOG $WORK/p1.udhcpc"
check "relayd, gatewayd and two players start; p1 leases $P1IP from the LAN"
if [ "$FAIL" != 0 ]; then
	echo "lanparty: $PASS passed, $FAIL failed"
	exit 1
fi
if [ -z "$P1IP" ]; then
	P1IP=198.19.5.201
	ns_run "$NS_P1" ip addr add $P1IP/24 dev $TAP
fi
LOGS="$RLOG $GLOG $WORK/p1.log $WORK/p2.log"

# --- IPv6 ---------------------------------------------------------------

slaac() {
	ns_run "$1" ip -o -6 addr show dev $TAP scope global |
	    grep -q "inet6 $PREFIX6"
}
wait_for 20 slaac "$NS_P1" || WHY="p1: no SLAAC address;"
wait_for 10 slaac "$NS_P2" || WHY="$WHY p2: no SLAAC address;"
A1=$(ns_run "$NS_P1" ip -o -6 addr show dev $TAP scope global |
    sed -n "s/.*inet6 \($PREFIX6[^/]*\).*/\1/p" | head -n 1)
A2=$(ns_run "$NS_P2" ip -o -6 addr show dev $TAP scope global |
    sed -n "s/.*inet6 \($PREFIX6[^/]*\).*/\1/p" | head -n 1)
SHOW="$WORK/radvd.log $WORK/p1.log"
check "radvd on the LAN host: each player's TAP gets a SLAAC address ($A1, $A2)"

# Neighbour discovery first.
wait_for 5 ping_ok "$NS_P1" $HOST6 1 "" 6
wait_for 5 ping_ok "$NS_P2" $HOST6 1 "" 6
ping_ok "$NS_P1" $HOST6 3 "" 6 || WHY="p1: $(grep loss "$WORK/ping.out")"
cp "$WORK/ping.out" "$WORK/ping1.out"
ping_ok "$NS_P2" $HOST6 3 "" 6 || WHY="$WHY p2: $(grep loss "$WORK/ping.out")"
[ -n "$A1" ] && { ping_ok "$NS_HOST" "$A1" 3 "" 6 ||
    WHY="$WHY host -> p1: $(grep loss "$WORK/ping.out")"; }
SHOW="$WORK/ping1.out $WORK/ping.out"
check "both players ping the LAN host over IPv6, the host pings p1 back"

# A rogue radvd on p1's TAP.
ra0=$(counter "$WORK/p1.sock" tap-drop-router-advert)
tcpdump_start TDH "$NS_HOST" eth0 "$WORK/ra-host.txt" \
    'icmp6 and ip6[40] == 134'
tcpdump_start TDP "$NS_P2" $TAP "$WORK/ra-p2.txt" 'icmp6 and ip6[40] == 134'
tcpdump_start TDH2 "$NS_H2" eth0 "$WORK/ra-h2.txt" 'icmp6 and ip6[40] == 134'
ns_run "$NS_P1" "$LPSEND" ra $TAP ${ROGUE6}: 5 >"$WORK/rogue-ra.txt" 2>&1 ||
    WHY="lpsend ra failed;"
LL1=$(sed -n 's/^sent [0-9]* from //p' "$WORK/rogue-ra.txt")
wait_for 5 counter_above "$WORK/p1.sock" tap-drop-router-advert \
    $((ra0 + 4)) || WHY="$WHY p1's tap-drop-router-advert rose by less than 5;"
# The LAN's radvd (every 3-10 s) proves the captures work.
wait_for 12 grep -q 'router advertisement' "$WORK/ra-p2.txt"
sleep 1
tcpdump_stop "$TDH"
tcpdump_stop "$TDP"
tcpdump_stop "$TDH2"
ra1=$(counter "$WORK/p1.sock" tap-drop-router-advert)
grep -q 'router advertisement' "$WORK/ra-p2.txt" ||
    WHY="$WHY capture on p2 saw no RA at all (from the LAN's radvd);"
for f in ra-host ra-p2 ra-h2; do
	grep -Eiq "$MAC1|${LL1:-$MAC1} " "$WORK/$f.txt" &&
	    WHY="$WHY p1's RA seen in $f;"
done
slaac_rogue() {
	ns_run "$1" ip -o -6 addr | grep -q "inet6 $ROGUE6"
}
slaac_rogue "$NS_P2" && WHY="$WHY p2 took the rogue prefix;"
SHOW="$WORK/rogue-ra.txt $WORK/ra-host.txt $WORK/ra-p2.txt"
check "an RA from p1's TAP ($LL1) never reaches the LAN host, h2 or p2 (p1 tap-drop-router-advert $ra0 -> $ra1)"

# --- mDNS ---------------------------------------------------------------

spawn MPUB ip netns exec "$NS_HOST" $PY "$WORK/mdns-pub.py" lanhost $HOST 30 \
    >"$WORK/mdns-pub-host.txt" 2>&1
wait_for 10 grep -q published "$WORK/mdns-pub-host.txt"
ns_run "$NS_P1" timeout 20 $PY "$WORK/mdns-browse.py" lanhost 15 \
    >"$WORK/mdns-p1.txt" 2>&1 || WHY="not found"
grep -q "found lanhost._lanparty._udp.local. \['$HOST'\]" \
    "$WORK/mdns-p1.txt" || WHY="$WHY no address $HOST"
stop "$MPUB"
SHOW="$WORK/mdns-pub-host.txt $WORK/mdns-p1.txt"
check "mDNS: a service published on the LAN host (zeroconf) is discovered by p1"

spawn MPUB ip netns exec "$NS_P1" $PY "$WORK/mdns-pub.py" player1 $P1IP 30 \
    >"$WORK/mdns-pub-p1.txt" 2>&1
wait_for 10 grep -q published "$WORK/mdns-pub-p1.txt"
ns_run "$NS_HOST" timeout 20 $PY "$WORK/mdns-browse.py" player1 15 \
    >"$WORK/mdns-host.txt" 2>&1 || WHY="not found"
grep -q "found player1._lanparty._udp.local. \['$P1IP'\]" \
    "$WORK/mdns-host.txt" || WHY="$WHY no address $P1IP"
stop "$MPUB"
SHOW="$WORK/mdns-pub-p1.txt $WORK/mdns-host.txt"
check "mDNS: a service published by p1 is discovered on the LAN host"

# --- rogue traffic ------------------------------------------------------

# A DHCP server on p1's TAP.
dh0=$(counter "$WORK/p1.sock" tap-drop-dhcp4-server)
spawn ROGUE ip netns exec "$NS_P1" dnsmasq --no-ping --keep-in-foreground \
    --no-resolv --no-hosts --port=0 --interface=$TAP --bind-interfaces \
    --dhcp-range=198.19.5.160,198.19.5.170,255.255.255.0,10m \
    --dhcp-leasefile="$WORK/rogue.leases" --pid-file="$WORK/rogue.pid" \
    --log-dhcp --log-facility="$WORK/rogue-dnsmasq.log"
wait_for 5 grep -q 'DHCP, IP range' "$WORK/rogue-dnsmasq.log"
tcpdump_start TDP "$NS_P2" $TAP "$WORK/dhcp-p2.txt" 'udp and src port 67'
tcpdump_start TDH2 "$NS_H2" eth0 "$WORK/dhcp-h2.txt" 'udp and src port 67'
: >"$WORK/p2.lease"
: >"$WORK/h2.lease"
UDHCPC_OUT=$WORK/p2.lease ns_run "$NS_P2" busybox udhcpc -i $TAP -f -q -n \
    -t 5 -T 1 -s "$WORK/udhcpc.sh" >"$WORK/p2.udhcpc" 2>&1 ||
    WHY="p2: udhcpc failed;"
UDHCPC_OUT=$WORK/h2.lease ns_run "$NS_H2" busybox udhcpc -i eth0 -f -q -n \
    -t 5 -T 1 -s "$WORK/udhcpc.sh" >"$WORK/h2.udhcpc" 2>&1 ||
    WHY="$WHY h2: udhcpc failed;"
sleep 0.5
tcpdump_stop "$TDP"
tcpdump_stop "$TDH2"
stop "$ROGUE"
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
dh1=$(counter "$WORK/p1.sock" tap-drop-dhcp4-server)
[ "$dh1" -gt "$dh0" ] || WHY="$WHY tap-drop-dhcp4-server stayed $dh1"
SHOW="$WORK/rogue-dnsmasq.log $WORK/dhcp-p2.txt $WORK/dhcp-h2.txt $WORK/p2.lease $WORK/h2.lease"
check "a dnsmasq on p1's TAP never answers p2 or the LAN (only $HOST offers; p1 tap-drop-dhcp4-server $dh0 -> $dh1)"

# A broadcast storm from p1.
rl0=$(counter "$WORK/relayd.sock" drop-rate-limited)
spawn RXH ip netns exec "$NS_HOST" "$UDPB" recv 5010 $((STORM + 4)) \
    >"$WORK/storm-host.rx" 2>&1
spawn RXP ip netns exec "$NS_P2" "$UDPB" recv 5010 $((STORM + 4)) \
    >"$WORK/storm-p2.rx" 2>&1
wait_for 3 grep -q listening "$WORK/storm-host.rx"
wait_for 3 grep -q listening "$WORK/storm-p2.rx"
spawn STORMPID ip netns exec "$NS_P1" "$LPSEND" storm 198.19.5.255 5010 \
    storm $STORM >"$WORK/storm.txt" 2>&1
sleep 1
: >"$WORK/p2.lease"
UDHCPC_OUT=$WORK/p2.lease ns_run "$NS_P2" busybox udhcpc -i $TAP -f -q -n \
    -t 3 -T 1 -s "$WORK/udhcpc.sh" >"$WORK/p2s.udhcpc" 2>&1 ||
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
rl1=$(counter "$WORK/relayd.sock" drop-rate-limited)
[ "$rl1" -gt "$rl0" ] || WHY="$WHY relay drop-rate-limited stayed $rl1"
SHOW="$WORK/storm.txt $WORK/p2s.udhcpc"
check "a broadcast storm from p1 (${sent:-0} in ${STORM} s) is limited at the LAN host ($nh) and p2 ($np) to rate*time+burst ($max), p2's DHCP works meanwhile (drop-rate-limited $rl0 -> $rl1)"

# Spoofed source MACs from p1, then the same frames with p1's own MAC.
fs0=$(counter "$WORK/p1.sock" tap-drop-foreign-source)
tcpdump_start TDH "$NS_HOST" eth0 "$WORK/spoof-host.txt" "ether src $SPOOF"
spawn RXH ip netns exec "$NS_HOST" "$UDPB" recv 5011 4 \
    >"$WORK/spoof-host.rx" 2>&1
wait_for 3 grep -q listening "$WORK/spoof-host.rx"
ns_run "$NS_P1" "$LPSEND" spoof $TAP $SPOOF 5011 50 >"$WORK/spoof.txt" 2>&1 ||
    WHY="lpsend failed;"
wait_for 5 counter_above "$WORK/p1.sock" tap-drop-foreign-source \
    $((fs0 + 49)) || WHY="$WHY tap-drop-foreign-source below $((fs0 + 50));"
ns_run "$NS_P1" "$LPSEND" spoof $TAP $MAC1 5011 5 >>"$WORK/spoof.txt" 2>&1
wait_gone "$RXH" 80
tcpdump_stop "$TDH"
fs1=$(counter "$WORK/p1.sock" tap-drop-foreign-source)
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
	stop "$pid"
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
stop "$RAPID"
stopped_clean p1 "$NS_P1"
stopped_clean p2 "$NS_P2"
PID_gw=$GPID
stopped_clean gw "$NS_GW"
PID_relay=$RPID
stopped_clean relay "$NS_RELAY"
stop "$DPID"
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
		stop "$pid"
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
	stop "$RPID"
	rm -f "$WORK/relayd.sock"
	start_relayd || WHY="$WHY relayd did not start;"
}
for role in child parent; do
	fresh_relayd
	start_gatewayd
	wait_for 15 gw_connected || WHY="$WHY gatewayd not connected;"
	kill_case gatewayd "$GPID" $role
	rm -f "$WORK/gatewayd.sock"
done
for role in child parent; do
	fresh_relayd
	start_client k1 "$NS_P1"
	wait_for 15 connected k1 || WHY="$WHY clientd not connected;"
	kill_case clientd "$PID_k1" $role
	rm -f "$WORK/k1.sock"
	# A parent killed by -9 cannot remove its pinned route.
	ns_run "$NS_P1" ip route del $RADDR 2>/dev/null
done
stop "$RPID"
grep -q 'lost child' "$RLOG" || WHY="$WHY relayd logged no lost child;"
grep -q 'lost child' "$GLOG" || WHY="$WHY gatewayd logged no lost child;"
grep -q 'lost child' "$WORK/k1.log" ||
    WHY="$WHY clientd logged no lost child;"
SHOW="$RLOG $GLOG $WORK/k1.log"
check "kill -9 of the parent or the child stops relayd, gatewayd and clientd within 1 s ($KILLMS )"

WHY=
log_clean $LOGS
SHOW="$LOGS"
check "no lost child, seccomp violation or sanitizer report in any log"

echo "lanparty: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
