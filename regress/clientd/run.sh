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

OBJDIR=${1:-${OBJ:-obj}}
RELAYD=$OBJDIR/relayd/relayd
GATEWAYD=$OBJDIR/gatewayd/gatewayd
CLIENTD=$OBJDIR/clientd/clientd
CTL=$OBJDIR/softlanctl/softlanctl
UDPB=$OBJDIR/regress/clientd/udpbcast
CERTNAME=softlan-relay
RADDR=198.18.0.1
PORT=443
HOST=198.19.5.1
TAP=softlan0
MAC1=02:5e:00:00:00:01
MAC2=02:5e:00:00:00:02
MAC3=02:5e:00:00:00:03
P2IP=198.19.5.202		# static, from the configuration

PASS=0
FAIL=0
N=0
PIDS=
NETNS=
T=slc$$
NS_INET=${T}i
NS_RELAY=${T}r
NS_GW=${T}g
NS_LAN=${T}l
NS_HOST=${T}h
NS_P1=${T}p1
NS_P2=${T}p2
NS_P3=${T}p3

if [ "$(id -u)" != 0 ]; then
	echo "clientd: needs root" >&2
	exit 1
fi
for b in "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$UDPB"; do
	if [ ! -x "$b" ]; then
		echo "clientd: $b not built" >&2
		exit 1
	fi
done
for t in busybox dnsmasq; do
	if ! command -v $t >/dev/null; then
		echo "clientd: $t not installed" >&2
		exit 1
	fi
done

WORK=$(mktemp -d /tmp/softlan-clientd.XXXXXX) || exit 1
chmod 0755 "$WORK"
CERT=$WORK/relay.pem
KEY=$WORK/relay.key
RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log

cleanup() {
	local pid ns n=0
	# SIGTERM first (clientd removes its route, timeout ends tcpdump).
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
		echo "clientd: logs kept in $WORK" >&2
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
	sed 's/^/	| /' "$1" | cut -c1-200 | tail -n 40
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

wait_gone() {
	local n=0
	while [ "$n" -lt $(($2 * 10)) ]; do
		alive "$1" || return 0
		sleep 0.1
		n=$((n + 1))
	done
	! alive "$1"
}

# child_of pid: the (first) child process of pid.
child_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | head -n 1
}

# stop_daemon pid: SIGTERM, bounded wait, SIGKILL; its child too.
stop_daemon() {
	local pid=$1 cpid
	cpid=$(child_of "$pid")
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		wait_gone "$pid" 5 || kill -9 "$pid" 2>/dev/null
	fi
	[ -n "$cpid" ] && { wait_gone "$cpid" 2 || kill -9 "$cpid"; }
	{ wait "$pid"; } 2>/dev/null
}

# The log has none of the lines that mean trouble.
log_clean() {
	local l
	for l in "$@"; do
		grep -q "lost child" "$l" && WHY="$WHY lost child in $l;"
		grep -Eq "seccomp: forbidden|SIGSYS" "$l" &&
		    WHY="$WHY seccomp violation in $l;"
		grep -Eq "runtime error|AddressSanitizer|LeakSanitizer" "$l" &&
		    WHY="$WHY sanitizer report in $l;"
	done
}

# --- the network --------------------------------------------------------

nsadd() {
	ip netns add "$1" || exit 1
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
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

for ns in $NS_INET $NS_RELAY $NS_GW $NS_LAN $NS_HOST $NS_P1 $NS_P2 $NS_P3; do
	nsadd "$ns"
done
ip netns exec "$NS_INET" sysctl -qw net.ipv4.ip_forward=1
link "$NS_INET" r0 198.18.0.254/24 "$NS_RELAY" up0 $RADDR/24
link "$NS_INET" p1 198.18.1.1/24 "$NS_P1" up0 198.18.1.2/24
link "$NS_INET" p2 198.18.2.1/24 "$NS_P2" up0 198.18.2.2/24
link "$NS_INET" p3 198.18.3.1/24 "$NS_P3" up0 198.18.3.2/24
link "$NS_INET" g0 198.18.4.1/24 "$NS_GW" up0 198.18.4.2/24
ip -n "$NS_RELAY" route add default via 198.18.0.254
ip -n "$NS_P1" route add default via 198.18.1.1
ip -n "$NS_P2" route add default via 198.18.2.1
ip -n "$NS_P3" route add default via 198.18.3.1
ip -n "$NS_GW" route add default via 198.18.4.1
# The underlay address change keeps the routes (secondary promoted).
ip netns exec "$NS_P1" sysctl -qw net.ipv4.conf.up0.promote_secondaries=1

ip -n "$NS_LAN" link add br0 type bridge || exit 1
ip -n "$NS_LAN" link set br0 up
link "$NS_GW" lan0 - "$NS_LAN" gwport -
link "$NS_HOST" eth0 $HOST/24 "$NS_LAN" hostport -
ip -n "$NS_LAN" link set gwport master br0
ip -n "$NS_LAN" link set hostport master br0

for u in _relayd _gatewayd _clientd; do
	if ! id "$u" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || exit 1
	fi
done

# --- configurations -----------------------------------------------------

# One certificate for the whole run: the clients pin it, and relayd
# restarted must still present it.
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
room "lan" {
	max-clients 8
}
room "small" {
	mtu 1400
}
room "locked" {
	secret "open-sesame"
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

# client_conf name room mac [address/prefix]
client_conf() {
	cat >"$WORK/$1.conf" <<CONF
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "$CERT"
room "$2"
virtual-mac $3
route-pinning yes
user _clientd
control "$WORK/$1.sock"
CONF
	[ -n "$4" ] && echo "address $4" >>"$WORK/$1.conf"
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

RPID=
start_relayd() {
	SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$NS_RELAY" "$RELAYD" -dvv \
	    -f "$WORK/relayd.conf" >>"$RLOG" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	disown "$RPID"
	wait_for 10 relayd_ready
}
relayd_ready() {
	alive "$RPID" && [ -s "$CERT" ] && [ -S "$WORK/relayd.sock" ] &&
	    ip netns exec "$NS_RELAY" ss -Huln "sport = :$PORT" |
	    grep -q "$RADDR:$PORT"
}

GPID=
start_gatewayd() {
	SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$NS_GW" "$GATEWAYD" -dvv \
	    -f "$WORK/gatewayd.conf" >>"$GLOG" 2>&1 &
	GPID=$!
	PIDS="$PIDS $GPID"
	disown "$GPID"
}

# start_client name ns: pid in PID_name, log $WORK/name.log
start_client() {
	SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$2" "$CLIENTD" -dvv \
	    -f "$WORK/$1.conf" >>"$WORK/$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	disown $!
}

ctl() {
	"$CTL" -s "$1" "${@:2}" 2>&1
}

# status_field sock name: a string or number of show status -j.
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
gw_welcomes() {
	grep -c 'gateway: connected to room lan as peer' "$GLOG"
}

# in ns command...
ns_run() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ping_ok() {
	ns_run "$1" busybox ping -c "${3:-3}" -W 2 ${4:+-s $4} "$2" \
	    >"$WORK/ping.out" 2>&1 &&
	    grep -q ' 0% packet loss' "$WORK/ping.out"
}

# --- the cases ----------------------------------------------------------

start_relayd
if ! relayd_ready; then
	echo "not ok 1 relayd starts"
	show "$RLOG"
	echo "clientd: 0 passed, 1 failed"
	exit 1
fi
start_gatewayd
ip netns exec "$NS_HOST" dnsmasq --no-ping --keep-in-foreground --no-resolv \
    --no-hosts --port=0 --interface=eth0 --bind-interfaces \
    --dhcp-range=198.19.5.100,198.19.5.150,255.255.255.0,10m \
    --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
    --log-dhcp --log-facility="$WORK/dnsmasq.log" &
DPID=$!
PIDS="$PIDS $DPID"
disown $DPID

start_client p1 "$NS_P1"
start_client p2 "$NS_P2"
wait_for 15 connected p1 || WHY="p1 not connected"
wait_for 15 connected p2 || WHY="$WHY p2 not connected"
wait_for 15 gw_connected || WHY="$WHY gatewayd not connected"
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
cat >"$WORK/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	echo "$ip" >"$UDHCPC_OUT"
	;;
esac
exit 0
SCRIPT
chmod 0755 "$WORK/udhcpc.sh"
dhcp() {
	UDHCPC_OUT=$WORK/$1.ip ns_run "$2" busybox udhcpc -i $TAP -f -q -n \
	    -t 8 -T 1 -s "$WORK/udhcpc.sh" >"$WORK/$1.udhcpc" 2>&1
}
dhcp p1 "$NS_P1" || WHY="udhcpc failed"
P1IP=$(cat "$WORK/p1.ip" 2>/dev/null)
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
	ip netns exec "$2" "$UDPB" recv "$3" 4 >"$WORK/$1.rx" 2>&1 &
	eval "RX_$1=$!"
	PIDS="$PIDS $!"
	wait_for 3 grep -q listening "$WORK/$1.rx"
}
recv_wait() {
	local pid
	eval "pid=\$RX_$1"
	wait_gone "$pid" 10
}
count_rx() {
	grep -c "^$2 len=[0-9]* intact\$" "$WORK/$1.rx" 2>/dev/null
}

recv_start b1 "$NS_P1" 5001
ns_run "$NS_HOST" "$UDPB" send 198.19.5.255 5001 bcast-from-lan
recv_wait b1
[ "$(count_rx b1 bcast-from-lan)" = 1 ] ||
    WHY="received $(count_rx b1 bcast-from-lan) times"
SHOW="$WORK/b1.rx"
check "a UDP broadcast from the LAN host reaches the player exactly once"

recv_start b2 "$NS_HOST" 5002
ns_run "$NS_P1" "$UDPB" send 198.19.5.255 5002 bcast-from-player
recv_wait b2
[ "$(count_rx b2 bcast-from-player)" = 1 ] ||
    WHY="received $(count_rx b2 bcast-from-player) times"
SHOW="$WORK/b2.rx"
check "a UDP broadcast from the player reaches the LAN host exactly once"

recv_start b3 "$NS_P1" 5003
ns_run "$NS_HOST" "$UDPB" send "$P1IP" 5003 big-from-lan 1472
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

ctl "$WORK/p1.sock" show peers >"$WORK/peers.txt"
grep -q "$MAC2" "$WORK/peers.txt" || WHY="p2 not in p1's show peers"
grep -q gateway "$WORK/peers.txt" || WHY="$WHY no gateway in show peers"
ctl "$WORK/p1.sock" show status >"$WORK/status.txt"
grep -Eq 'connected \(room lan, peer id [0-9]+, room MTU 1500, 2 peers, rtt [0-9]+\.[0-9] ms\)' \
    "$WORK/status.txt" || WHY="$WHY status line"
grep -Eq '^rtt_us: [1-9][0-9]*$' "$WORK/status.txt" || WHY="$WHY no rtt_us"
ctl "$WORK/p1.sock" show counters >"$WORK/counters.txt"
grep -q 'tap-frames-out' "$WORK/counters.txt" || WHY="$WHY no counters"
SHOW="$WORK/peers.txt $WORK/status.txt $WORK/counters.txt"
check "softlanctl show status, show peers, show counters"

# The room MTU: room small is declared with mtu 1400.
start_client p3 "$NS_P3"
wait_for 15 connected p3 || WHY="p3 not connected"
mtu3() {
	[ "$(ns_run "$NS_P3" cat /sys/class/net/$TAP/mtu 2>/dev/null)" = 1400 ]
}
wait_for 5 mtu3 || WHY="$WHY TAP MTU $(ns_run "$NS_P3" cat \
    /sys/class/net/$TAP/mtu 2>/dev/null)"
[ "$(status_field "$WORK/p3.sock" room_mtu)" = 1400 ] ||
    WHY="$WHY room_mtu $(status_field "$WORK/p3.sock" room_mtu)"
SHOW="$WORK/p3.log"
check "the TAP MTU equals the room MTU from welcome (1400)"
stop_daemon "$PID_p3"

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
log_clean "$WORK/p1.log"
SHOW="$WORK/p1.log"
check "the client child runs as _clientd, chrooted, seccomp 2, no violation"

# relayd restarted: the TAP stays up, the player reconnects.
ip netns exec "$NS_P1" ip -o monitor link >"$WORK/monitor.txt" 2>&1 &
MONPID=$!
PIDS="$PIDS $MONPID"
w1=$(status_field "$WORK/p1.sock" welcomes)
gw1=$(gw_welcomes)
stop_daemon "$RPID"
start_relayd || WHY="relayd did not restart"
# Traffic makes the player notice (stateless reset) if nothing else did.
ns_run "$NS_P1" busybox ping -c 2 -W 1 $HOST >/dev/null 2>&1
reconnected() {
	connected p1 &&
	    [ "$(status_field "$WORK/p1.sock" welcomes)" -gt "${w1:-0}" ]
}
wait_for 20 reconnected || WHY="$WHY p1 did not reconnect"
ns_run "$NS_P2" busybox ping -c 2 -W 1 $P1IP >/dev/null 2>&1
wait_for 20 connected p2 || WHY="$WHY p2 did not reconnect"
wait_for 10 ping_ok "$NS_P1" $P2IP 2 || WHY="$WHY traffic did not resume"
kill "$MONPID" 2>/dev/null
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
ns_run "$NS_HOST" "$UDPB" send 198.19.5.255 5009 wake-up
gw_reconnected() {
	gw_connected && [ "$(gw_welcomes)" -gt "$gw1" ]
}
wait_for 20 gw_reconnected || WHY="gatewayd did not reconnect"
wait_for 10 ping_ok "$NS_P1" $HOST 2 || WHY="$WHY no traffic with the LAN"
SHOW="$GLOG $WORK/ping.out"
check "relayd restarted: gatewayd reconnects, the player reaches the LAN again"

# The underlay address changes while connected: QUIC migration.
c1=$(status_field "$WORK/p1.sock" connects)
ip netns exec "$NS_INET" timeout 10 tcpdump -lni p1 -c 4 \
    "udp and port $PORT and host 198.18.1.3" >"$WORK/dump.txt" 2>&1 &
DUMPPID=$!
PIDS="$PIDS $DUMPPID"
wait_for 5 grep -q 'listening on' "$WORK/dump.txt"
ns_run "$NS_P1" ip addr add 198.18.1.3/24 dev up0
ns_run "$NS_P1" ip addr del 198.18.1.2/24 dev up0
ns_run "$NS_P1" ip route replace default via 198.18.1.1
ping_ok "$NS_P1" $P2IP 5 || WHY="loss after the change"
c2=$(status_field "$WORK/p1.sock" connects)
connected p1 || WHY="$WHY not connected"
[ "$c1" = "$c2" ] || WHY="$WHY connects $c1 -> $c2"
wait_gone "$DUMPPID" 5 || kill "$DUMPPID" 2>/dev/null
grep -q "198.18.1.3.[0-9]* > $RADDR.$PORT: UDP" "$WORK/dump.txt" ||
    WHY="$WHY no QUIC packet from 198.18.1.3 seen"
grep -q "$RADDR.$PORT > 198.18.1.3.[0-9]*: UDP" "$WORK/dump.txt" ||
    WHY="$WHY no QUIC packet from the relay to 198.18.1.3 seen"
SHOW="$WORK/p1.log $WORK/ping.out $WORK/dump.txt"
check "the underlay address changes: the connection continues (connects $c1)"

# SIGHUP: the relay's name is resolved again; the connection stays.
kill -HUP "$PID_p1"
wait_for 5 grep -q "reload: relay $RADDR still $RADDR port $PORT" \
    "$WORK/p1.log" || WHY="no reload line"
connected p1 || WHY="$WHY not connected"
[ "$(status_field "$WORK/p1.sock" connects)" = "$c1" ] ||
    WHY="$WHY reconnected"
SHOW="$WORK/p1.log"
check "SIGHUP resolves the relay again, the connection stays"

# A duplicate virtual MAC: p1's MAC from another player.
start_client dup "$NS_P3"
dup_refused() {
	grep -q 'duplicate-mac' "$WORK/dup.log" &&
	    grep -i 'duplicate' "$WORK/dup.log" | grep -q "$MAC1"
}
wait_for 15 dup_refused || WHY="no duplicate-mac message naming $MAC1"
connected dup && WHY="$WHY connected anyway"
stop_daemon "$PID_dup"
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
start_client auto "$NS_P3"
wait_for 15 connected auto || WHY="not connected"
grep -q "virtual MAC $AUTOMAC (derived from /etc/machine-id" \
    "$WORK/auto.log" || WHY="$WHY no log line with $AUTOMAC"
ns_run "$NS_P3" ip -o link show $TAP | grep -q "link/ether $AUTOMAC " ||
    WHY="$WHY TAP MAC not $AUTOMAC"
stop_daemon "$PID_auto"
SHOW="$WORK/auto.log"
check "without virtual-mac the MAC derives from /etc/machine-id ($AUTOMAC)"

# clientd stops: the TAP and the pinned route are gone.
stop_daemon "$PID_p1"
ns_run "$NS_P1" ip link show $TAP >/dev/null 2>&1 && WHY="the TAP is still there"
[ -z "$(ns_run "$NS_P1" ip route show $RADDR)" ] ||
    WHY="$WHY the pinned route is still there"
grep -q 'removed the host route' "$WORK/p1.log" || WHY="$WHY no unpin log"
SHOW="$WORK/p1.log"
check "after clientd stops, the TAP and the pinned route are gone"

stop_daemon "$PID_p2"
stop_daemon "$GPID"
stop_daemon "$RPID"
WHY=
log_clean "$RLOG" "$GLOG" "$WORK"/p1.log "$WORK"/p2.log "$WORK"/p3.log \
    "$WORK"/dup.log "$WORK"/bad.log "$WORK"/auto.log
SHOW="$RLOG $GLOG"
check "no lost child, seccomp violation or sanitizer report in any log"

echo "clientd: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
