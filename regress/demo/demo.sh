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
# The LAN party demo (make demo): a whole softlan LAN party on this one
# machine, in network namespaces, narrated step by step.
#
#	bash regress/demo/demo.sh [objdir]		run it and tear it down
#	KEEP=1 bash regress/demo/demo.sh [objdir]	leave it running
#	bash regress/demo/demo.sh down			tear down a kept demo
#
# The network (every address from 198.18.0.0/15):
#
#   player1 (clientd, TAP softlan0) 198.18.1.2 --+
#   player2 (clientd, TAP softlan0) 198.18.2.2 --+-- inet (a router)
#   relay   (relayd) 198.18.0.1:443 -------------+        |
#                                                         |
#   gateway (gatewayd) 198.18.4.2 ------------------------+
#   gateway lan0 == switch (bridge br0) == lanhost eth0 198.19.10.2/24
#                                          (dnsmasq, lanbeacon)
#
# Needs root, iproute2 (ip, bridge), dnsmasq and busybox (udhcpc, ping).
# Creates the system users _relayd, _gatewayd and _clientd if missing and
# leaves them.  Everything else lives in $STATE: the configurations, the
# logs, the list of the processes started (PID and start time, so that
# only those are ever killed) and of the namespaces created.  Every wait
# is bounded.  Exit status 0 only if every step succeeded.

STATE=/run/softlan-demo
PFX=sldemo
NS_INET=$PFX-inet
NS_RELAY=$PFX-relay
NS_GW=$PFX-gateway
NS_SW=$PFX-switch
NS_HOST=$PFX-lanhost
NS_P1=$PFX-player1
NS_P2=$PFX-player2
ALLNS="$NS_INET $NS_RELAY $NS_GW $NS_SW $NS_HOST $NS_P1 $NS_P2"

RADDR=198.18.0.1
PORT=443
CERTNAME=softlan-relay
ROOM=lanparty
HOSTIP=198.19.10.2
BCAST=198.19.10.255
RANGE_LO=198.19.10.50
RANGE_HI=198.19.10.150
GAMEPORT=27015
GAME="Capture the Flag on map q3ctf1, 2/16 players"
TAP=softlan0
MAC1=02:de:40:00:00:01
MAC2=02:de:40:00:00:02
HOSTMAC=02:de:40:00:10:02
STEPS=11

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
DOWNCMD="bash $SELF down"

say() {
	echo "$*"
}
# The evidence of a step is kept in $EV and printed under the step's
# result line (flush): show prints lines indented, note one remark.
EV=
show() {
	if [ -n "$EV" ]; then
		sed 's/^/      | /' >>"$EV"
	else
		sed 's/^/      | /'
	fi
}
note() {
	if [ -n "$EV" ]; then
		echo "      $*" >>"$EV"
	else
		echo "      $*"
	fi
}
flush() {
	[ -n "$EV" ] && [ -f "$EV" ] || return 0
	cat "$EV"
	: >"$EV"
}

alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# starttime pid: field 22 of /proc/pid/stat (clock ticks since boot).
starttime() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'
}

# ours pid start: the process is still the one we started.
ours() {
	alive "$1" && [ "$(starttime "$1")" = "$2" ]
}

children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# --- teardown: only what $STATE says we started -------------------------

teardown() {
	local pid st kids k n ns
	if [ -f "$STATE/pids" ]; then
		kids=
		while read -r pid st; do
			ours "$pid" "$st" || continue
			# The daemons' children (and theirs), before the
			# parent goes and they are reparented.
			for k in $(children "$pid"); do
				kids="$kids $k:$(starttime "$k")"
				for n in $(children "$k"); do
					kids="$kids $n:$(starttime "$n")"
				done
			done
			kill -TERM "$pid" 2>/dev/null
		done <"$STATE/pids"
		n=0
		while read -r pid st; do
			while ours "$pid" "$st" && [ $n -lt 30 ]; do
				sleep 0.1
				n=$((n + 1))
			done
			ours "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
		done <"$STATE/pids"
		for k in $kids; do
			pid=${k%%:*}
			st=${k#*:}
			n=0
			while ours "$pid" "$st" && [ $n -lt 10 ]; do
				sleep 0.1
				n=$((n + 1))
			done
			ours "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
		done
	fi
	if [ -f "$STATE/netns" ]; then
		for ns in $(cat "$STATE/netns"); do
			ip netns del "$ns" 2>/dev/null
		done
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (network namespaces, TAP interfaces)" >&2
	exit 1
fi

if [ "$1" = down ]; then
	if [ ! -d "$STATE" ]; then
		echo "demo: no demo running (no $STATE)"
		exit 0
	fi
	teardown
	rm -rf "$STATE"
	echo "demo: torn down: processes stopped, namespaces" \
	    "$PFX-* removed, $STATE removed"
	exit 0
fi

OBJDIR=${1:-${OBJ:-obj}}
[ -d "$OBJDIR" ] && OBJDIR=$(cd "$OBJDIR" && pwd)
RELAYD=$OBJDIR/relayd/relayd
GATEWAYD=$OBJDIR/gatewayd/gatewayd
CLIENTD=$OBJDIR/clientd/clientd
CTL=$OBJDIR/softlanctl/softlanctl
BEACON=$OBJDIR/regress/demo/lanbeacon

for b in "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$BEACON"; do
	if [ ! -x "$b" ]; then
		echo "demo: $b not built (make build $BEACON)" >&2
		exit 1
	fi
done
for t in ip bridge dnsmasq busybox; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "demo: $t not installed (make deps installs it)" >&2
		exit 1
	fi
done
if [ -e "$STATE" ]; then
	echo "demo: a demo is already running or was left behind ($STATE" \
	    "exists); tear it down first with:" >&2
	echo "	$DOWNCMD" >&2
	exit 1
fi
for ns in $ALLNS; do
	if ip netns list | grep -q "^$ns\( \|$\)"; then
		echo "demo: network namespace $ns exists already, left by" \
		    "someone else; remove it first (ip netns del $ns)" >&2
		exit 1
	fi
done

mkdir -m 0755 "$STATE" || exit 1
: >"$STATE/pids"
: >"$STATE/netns"
EV=$STATE/evidence
: >"$EV"
RLOG=$STATE/relayd.log
GLOG=$STATE/gatewayd.log

enter() {
	printf '    ip netns exec %-16s bash    # %s\n' "$1" "$2"
}
kept() {
	say
	say "The LAN party keeps running (KEEP=1).  Enter a namespace with:"
	enter $NS_P1 "player1 (TAP $TAP, ${IP1:-no address})"
	enter $NS_P2 "player2 (TAP $TAP, ${IP2:-no address})"
	enter $NS_HOST "the LAN host $HOSTIP (dnsmasq, game server)"
	enter $NS_SW "the switch (bridge fdb show br br0)"
	enter $NS_GW "the gateway box (gatewayd)"
	enter $NS_RELAY "the relay (relayd)"
	enter $NS_INET "the \"Internet\" router"
	say "Ask the daemons: $CTL -s $STATE/relayd.sock show peers"
	say "  (also gatewayd.sock, player1.sock, player2.sock); logs and"
	say "  configurations are in $STATE."
	say "Tear it all down with:"
	say "    $DOWNCMD"
}

DONE=
INTERRUPTED=
finish() {
	local keep=
	flush
	EV=
	if [ -n "$INTERRUPTED" ]; then
		echo
		echo "demo: interrupted, tearing down"
	elif [ -n "$KEEP" ] && [ "$KEEP" != 0 ]; then
		keep=1
	fi
	if [ -n "$keep" ]; then
		kept
		return
	fi
	teardown
	if [ -n "$INTERRUPTED" ]; then
		echo "demo: torn down (processes stopped, namespaces removed)"
	fi
	rm -rf "$STATE"
}
# finish runs with the script's own output: a signal can come in the
# middle of a command whose output goes to a file.
exec 3>&1 4>&2
trap 'finish >&3 2>&4' EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM HUP
trap '' PIPE

# record pid: the process started is stopped at teardown, only it.
record() {
	echo "$1 $(starttime "$1")" >>"$STATE/pids"
}

# wait_for tenths command...: 0 as soon as the command succeeds.
wait_for() {
	local n=0 max=$1
	shift
	while [ "$n" -lt "$max" ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	"$@"
}

# --- the steps ----------------------------------------------------------

STEP=0
PASSED=0
FAILED=
WHY=
begin() {
	flush
	STEP=$((STEP + 1))
	WHY=
	printf '[%d/%d] %s ... ' "$STEP" "$STEPS" "$*"
}
# end: ok, or FAILED with the reason; then the evidence.
end() {
	if [ -z "$WHY" ]; then
		echo ok
		PASSED=$((PASSED + 1))
	else
		echo "FAILED ($WHY)"
		FAILED="$FAILED $STEP"
	fi
	flush
}
why() {
	WHY="${WHY:+$WHY; }$*"
}
# tail_log file: the end of a log, when a step failed.
tail_log() {
	[ -n "$WHY" ] && [ -f "$1" ] || return 0
	note "last lines of $1:"
	tail -n 12 "$1" | cut -c1-160 | show
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# start name ns command...: a daemon in ns, its output in $STATE/name.log.
start() {
	local name=$1 ns=$2 pid
	shift 2
	SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$ns" "$@" </dev/null \
	    >>"$STATE/$name.log" 2>&1 3>&- 4>&- &
	pid=$!
	disown "$pid"
	record "$pid"
	eval "PID_$name=$pid"
}

nsadd() {
	ip netns add "$1" || return 1
	echo "$1" >>"$STATE/netns"
	ip -n "$1" link set lo up
}
# wire nsA ifA addrA nsB ifB addrB: a cable (veth), "-" for no address
wire() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    return 1
	if [ "$3" != - ]; then ip -n "$1" addr add "$3" dev "$2" || return 1; fi
	if [ "$6" != - ]; then ip -n "$4" addr add "$6" dev "$5" || return 1; fi
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

build_network() {
	local ns
	for ns in $ALLNS; do
		nsadd "$ns" || return 1
	done
	in_ns "$NS_INET" sysctl -qw net.ipv4.ip_forward=1 || return 1
	wire "$NS_INET" r0 198.18.0.254/24 "$NS_RELAY" up0 $RADDR/24 &&
	wire "$NS_INET" p1 198.18.1.1/24 "$NS_P1" up0 198.18.1.2/24 &&
	wire "$NS_INET" p2 198.18.2.1/24 "$NS_P2" up0 198.18.2.2/24 &&
	wire "$NS_INET" g0 198.18.4.1/24 "$NS_GW" up0 198.18.4.2/24 ||
	    return 1
	ip -n "$NS_RELAY" route add default via 198.18.0.254 &&
	ip -n "$NS_P1" route add default via 198.18.1.1 &&
	ip -n "$NS_P2" route add default via 198.18.2.1 &&
	ip -n "$NS_GW" route add default via 198.18.4.1 || return 1
	ip -n "$NS_SW" link add br0 type bridge || return 1
	ip -n "$NS_SW" link set br0 up
	wire "$NS_GW" lan0 - "$NS_SW" port-gateway - &&
	wire "$NS_HOST" eth0 $HOSTIP/24 "$NS_SW" port-lanhost - ||
	    return 1
	ip -n "$NS_HOST" link set eth0 address $HOSTMAC
	ip -n "$NS_SW" link set port-gateway master br0 &&
	ip -n "$NS_SW" link set port-lanhost master br0
}

users() {
	local u
	for u in _relayd _gatewayd _clientd; do
		id "$u" >/dev/null 2>&1 && continue
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || return 1
		note "created the system user $u"
	done
}

write_configs() {
	cat >"$STATE/relayd.conf" <<CONF
# The relay on the "Internet": a self-signed certificate made at start.
listen on $RADDR port $PORT
dev-certificate "$STATE/relay.pem"
reset-secret "$STATE/reset.key"
control "$STATE/relayd.sock"
user _relayd
open-rooms no
room "$ROOM" {
	max-clients 8
}
CONF
	cat >"$STATE/gatewayd.conf" <<CONF
# The gateway box on the LAN: lan0 is its cable to the switch.
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "$STATE/relay.pem"
room "$ROOM"
interface lan0
user _gatewayd
control "$STATE/gatewayd.sock"
CONF
	for p in 1 2; do
		eval "mac=\$MAC$p"
		cat >"$STATE/player$p.conf" <<CONF
# Remote player $p: no address, the LAN's DHCP server gives one.
relay "$RADDR" port $PORT
server-name "$CERTNAME"
ca-certificate "$STATE/relay.pem"
room "$ROOM"
virtual-mac $mac
tap $TAP
route-pinning yes
user _clientd
control "$STATE/player$p.sock"
CONF
	done
	cat >"$STATE/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
# busybox udhcpc's script: put the leased address on the TAP.
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	echo "$ip" >"$UDHCPC_OUT"
	;;
esac
exit 0
SCRIPT
	chmod 0755 "$STATE/udhcpc.sh"
}

ctl() {
	"$CTL" -s "$1" "${@:2}" 2>&1
}
state_of() {
	ctl "$1" -j show status | tr -d '\n' |
	    sed -n 's/.*"state":[[:space:]]*"\([^"]*\)".*/\1/p'
}
connected() {
	[ "$(state_of "$STATE/$1.sock")" = connected ]
}
relayd_ready() {
	alive "$PID_relayd" && [ -s "$STATE/relay.pem" ] &&
	    [ -S "$STATE/relayd.sock" ] &&
	    in_ns "$NS_RELAY" ss -Huln "sport = :$PORT" | grep -q "$RADDR:$PORT"
}
dhcp_ready() {
	in_ns "$NS_HOST" ss -Huln "sport = :67" | grep -q ':67'
}
beacon_ready() {
	grep -q '^listening' "$STATE/lanbeacon.log" 2>/dev/null
}
# ping_ok ns target count: busybox ping, 0% loss; output in $STATE/ping.out
ping_ok() {
	in_ns "$1" busybox ping -c "$3" -W 2 "$2" >"$STATE/ping.out" 2>&1 &&
	    grep -q ' 0% packet loss' "$STATE/ping.out"
}
ping_summary() {
	grep -E 'transmitted|round-trip' "$STATE/ping.out" | show
}

# === the demo ============================================================

T0=$SECONDS
say "softlan LAN party demo: a LAN with a DHCP server and a game server,"
say "a relay on the \"Internet\" and two remote players, all on this machine"
say "in network namespaces $PFX-* (addresses from 198.18.0.0/15)."
say

begin "Building the network: an \"Internet\" router, the LAN switch br0" \
    "(a Linux bridge), the LAN host $HOSTIP and the gateway box"
users || why "cannot create the system users"
build_network || why "cannot build the namespaces and links"
write_configs
end
if [ -n "$WHY" ]; then
	echo "VERDICT: the LAN party could not even be set up (step 1)"
	exit 1
fi

begin "Starting the LAN host's services: a DHCP server (dnsmasq, range" \
    "$RANGE_LO-$RANGE_HI) and a game server answering LAN discovery on" \
    "UDP $GAMEPORT"
start dnsmasq "$NS_HOST" dnsmasq --keep-in-foreground --no-resolv \
    --no-hosts --port=0 --no-ping --bind-interfaces --interface=eth0 \
    --conf-file=/dev/null \
    --dhcp-range=$RANGE_LO,$RANGE_HI,255.255.255.0,10m \
    --dhcp-leasefile="$STATE/dnsmasq.leases" \
    --pid-file="$STATE/dnsmasq.pid" --user=root --group=root \
    --log-facility="$STATE/dnsmasq.log" --log-dhcp
start lanbeacon "$NS_HOST" "$BEACON" serve $GAMEPORT "$GAME"
wait_for 50 dhcp_ready || why "dnsmasq does not listen on port 67"
wait_for 50 beacon_ready || why "the game server does not listen"
end
tail_log "$STATE/dnsmasq.log"

begin "Starting relayd on the \"Internet\" at $RADDR port $PORT (QUIC)," \
    "with a self-signed dev certificate"
start relayd "$NS_RELAY" "$RELAYD" -dv -f "$STATE/relayd.conf"
wait_for 100 relayd_ready || why "relayd not listening within 10 s"
end
[ -z "$WHY" ] &&
    note "the players and the gateway pin its certificate $STATE/relay.pem"
tail_log "$RLOG"

begin "Starting gatewayd in the gateway box: it joins room \"$ROOM\" and" \
    "bridges its cable to the switch (lan0) onto the relay"
start gatewayd "$NS_GW" "$GATEWAYD" -dv -f "$STATE/gatewayd.conf"
wait_for 150 connected gatewayd || why "gatewayd not connected within 15 s"
end
[ -z "$WHY" ] && ctl "$STATE/gatewayd.sock" show status |
    grep -E '^(state|room|interface|mac|peer_id):' | show
tail_log "$GLOG"

begin "Two remote players at 198.18.1.2 and 198.18.2.2 start clientd:" \
    "each gets a virtual network card (TAP $TAP) joined to the room"
start player1 "$NS_P1" "$CLIENTD" -dv -f "$STATE/player1.conf"
start player2 "$NS_P2" "$CLIENTD" -dv -f "$STATE/player2.conf"
wait_for 150 connected player1 || why "player1 not connected within 15 s"
wait_for 150 connected player2 || why "player2 not connected within 15 s"
end
for p in 1 2; do
	eval "mac=\$MAC$p ns=\$NS_P$p"
	in_ns "$ns" ip -br link show $TAP 2>/dev/null |
	    sed "s/^/player$p: /" | show
	ctl "$STATE/player$p.sock" show status | grep '^status:' |
	    sed "s/^/player$p: /" | show
done
tail_log "$STATE/player1.log"
tail_log "$STATE/player2.log"

begin "Each player asks for an address by DHCP (busybox udhcpc on its" \
    "TAP): the LAN's DHCP server answers through the relay"
for p in 1 2; do
	eval "ns=\$NS_P$p"
	rm -f "$STATE/player$p.ip"
	UDHCPC_OUT=$STATE/player$p.ip in_ns "$ns" busybox udhcpc -i $TAP \
	    -f -q -n -t 8 -T 1 -s "$STATE/udhcpc.sh" \
	    >"$STATE/udhcpc$p.log" 2>&1 || why "player$p: udhcpc got no lease"
	eval "IP$p=\$(cat \"\$STATE/player\$p.ip\" 2>/dev/null)"
done
inrange() {
	local last=${1##*.}
	case "$1" in
	198.19.10.*) [ "$last" -ge ${RANGE_LO##*.} ] &&
	    [ "$last" -le ${RANGE_HI##*.} ] ;;
	*)	return 1 ;;
	esac
}
for p in 1 2; do
	eval "ip=\$IP$p"
	[ -n "$ip" ] && ! inrange "$ip" && why "player$p: $ip not in the range"
done
end
for p in 1 2; do
	eval "ip=\$IP$p mac=\$MAC$p"
	if [ -n "$ip" ]; then
		note "player$p got $ip from the LAN's DHCP server"
		grep "DHCPACK.*$ip $mac" "$STATE/dnsmasq.log" | tail -n 1 |
		    sed 's/^.*DHCPACK/dnsmasq on the LAN host: DHCPACK/' | show
	fi
done
tail_log "$STATE/udhcpc1.log"
tail_log "$STATE/dnsmasq.log"

begin "Each player pings the LAN host $HOSTIP"
for p in 1 2; do
	eval "ns=\$NS_P$p"
	if ping_ok "$ns" $HOSTIP 3; then
		note "player$p -> LAN host:"
		ping_summary
	else
		why "player$p: $(grep -o '[0-9]*% packet loss' \
		    "$STATE/ping.out" || echo 'no reply')"
	fi
done
end

begin "player1 looks for games on the LAN: a discovery query broadcast to" \
    "$BCAST port $GAMEPORT"
if ! in_ns "$NS_P1" "$BEACON" find $BCAST $GAMEPORT 5 \
    >"$STATE/find.out" 2>&1; then
	why "no answer from the LAN"
elif ! grep -q "^answer from $HOSTIP: " "$STATE/find.out"; then
	why "the answer is not from the LAN host"
fi
end
show <"$STATE/find.out"
grep "query from" "$STATE/lanbeacon.log" | tail -n 1 |
    sed 's/^/game server on the LAN host: /' | show

begin "The players reach each other across the relay: player1 ($IP1) and" \
    "player2 ($IP2) ping each other"
if [ -n "$IP1" ] && [ -n "$IP2" ]; then
	if ping_ok "$NS_P1" "$IP2" 3; then
		note "player1 -> player2:"
		ping_summary
	else
		why "player1 -> player2 lost"
	fi
	if ping_ok "$NS_P2" "$IP1" 3; then
		note "player2 -> player1:"
		ping_summary
	else
		why "player2 -> player1 lost"
	fi
else
	why "a player has no address (step 6)"
fi
end

begin "The switch's MAC table: both players' MACs are on the gateway's" \
    "port (port-gateway), as if they were plugged in there"
bridge -n "$NS_SW" fdb show br br0 >"$STATE/fdb.txt" 2>&1
GWMAC=$(in_ns "$NS_GW" cat /sys/class/net/lan0/address 2>/dev/null)
for p in 1 2; do
	eval "mac=\$MAC$p"
	grep -qi "^$mac dev port-gateway " "$STATE/fdb.txt" ||
	    why "player$p's $mac not on port-gateway"
done
end
note "bridge fdb show br br0 (learned entries; the players' MACs are" \
    "$MAC1 and $MAC2):"
grep -v permanent "$STATE/fdb.txt" | sed "s/ *$//;
    s/^$MAC1 .*/&	<- player1/; s/^$MAC2 .*/&	<- player2/;
    s/^$HOSTMAC .*/&	<- the LAN host/;
    s/^$GWMAC .*/&	<- the gateway box's own lan0/" | show

begin "The relay's view: softlanctl show peers and show counters"
ctl "$STATE/relayd.sock" show peers >"$STATE/peers.txt"
ctl "$STATE/relayd.sock" show counters >"$STATE/counters.txt"
for p in 1 2; do
	eval "mac=\$MAC$p"
	grep -qi "$mac" "$STATE/peers.txt" || why "player$p not in show peers"
done
[ -s "$STATE/counters.txt" ] || why "show counters printed nothing"
end
note "softlanctl -s $STATE/relayd.sock show peers:"
show <"$STATE/peers.txt"
note "softlanctl -s $STATE/relayd.sock show counters (non-zero ones):"
grep -Ev '[[:space:]]0$' "$STATE/counters.txt" | show

# Nothing went wrong inside the daemons either.
for l in "$RLOG" "$GLOG" "$STATE/player1.log" "$STATE/player2.log"; do
	if grep -Eq "lost child|seccomp: forbidden|SIGSYS|AddressSanitizer|\
runtime error:" "$l"; then
		echo "demo: trouble in $l:"
		grep -E "lost child|seccomp: forbidden|SIGSYS|AddressSanitizer|\
runtime error:" "$l" | head -n 5 | show
		FAILED="$FAILED (daemon-log)"
	fi
done

flush
EV=
say
if [ -z "$FAILED" ]; then
	say "VERDICT: the LAN party works: 2 players joined the LAN over the" \
	    "relay ($PASSED/$STEPS steps, $((SECONDS - T0)) s)"
	DONE=1
else
	LOGS=$(mktemp -d /tmp/softlan-demo-logs.XXXXXX) &&
	    cp "$STATE"/*.log "$STATE"/*.conf "$LOGS"/ 2>/dev/null &&
	    say "The logs and configurations are kept in $LOGS"
	say "VERDICT: the LAN party does NOT work: failed step(s)$FAILED" \
	    "($PASSED/$STEPS steps passed)"
fi

[ -n "$DONE" ]
