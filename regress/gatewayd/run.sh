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
# The gatewayd suite: relayd, gatewayd and a LAN in network namespaces,
# slpeer as the remote client.
#
#	bash regress/gatewayd/run.sh [objdir]	(default: $OBJ, else obj)
#
# Topology (all addresses in 198.18.0.0/15):
#
#	relay ns   r0 198.18.0.1 ---- w0 198.18.0.2   gateway ns
#	           r1 198.18.1.1 ---- p0 198.18.1.2   peer ns (slpeer)
#	gateway ns gwlan ---- swgw [br0] swh ---- h0 198.18.10.1  host ns
#	                       LAN ns (the "switch")
#
# gatewayd bridges gwlan; the LAN host runs dnsmasq.  Needs root,
# tcpdump, dnsmasq, ethtool, bridge and openssl.  Creates the system user
# _gatewayd (and _relayd) if missing and leaves them; removes its
# namespaces and kills only the processes it started.  Every wait is
# bounded.  One line per case, then "gatewayd: N passed, M failed".  The
# harness (namespaces, processes, waits, reporting) is regress/lib.sh.

SUITE=gatewayd
T=slgw$$
. "$(dirname "$0")/../lib.sh"
GUSER=_gatewayd
RADDR=198.18.0.1
PORT=443
PEERMAC=02:00:00:00:00:aa
GWMAC=00:16:3e:00:00:01
HOSTMAC=00:16:3e:00:10:01
HOSTIP=198.18.10.1
PEERIP=198.18.10.77
CAMSECS=2
PEER_SECS=150

need_tools tcpdump dnsmasq ethtool bridge openssl
suite_init "$RELAYD" "$GATEWAYD" "$SLPEER" "$CTL"
GSOCK=$WORK/gatewayd.sock
RCONF=$WORK/relayd.conf
GCONF=$WORK/gatewayd.conf
RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log

now() {
	date +%s.%N
}

# --- the network ------------------------------------------------------

for ns in R W P L H; do
	netns_add $ns || exit 1
done
veth_pair "$NS_R" r0 $RADDR/24 "$NS_W" w0 198.18.0.2/24 || exit 1
veth_pair "$NS_R" r1 198.18.1.1/24 "$NS_P" p0 198.18.1.2/24 || exit 1
ip -n "$NS_P" route add default via 198.18.1.1

ip -n "$NS_L" link add br0 type bridge ageing_time 300 || exit 1
ip -n "$NS_L" link set br0 up

# The gateway's LAN port: made again by the delete/re-create case.
make_gwlan() {
	ip -n "$NS_W" link add gwlan address $GWMAC type veth peer name \
	    swgw netns "$NS_L" || return 1
	ip -n "$NS_L" link set swgw master br0 || return 1
	ip -n "$NS_L" link set swgw up
	ip -n "$NS_W" link set gwlan up
}
make_gwlan || exit 1
ip -n "$NS_H" link add h0 address $HOSTMAC type veth peer name swh \
    netns "$NS_L" || exit 1
ip -n "$NS_L" link set swh master br0
ip -n "$NS_L" link set swh up
ip -n "$NS_H" addr add $HOSTIP/24 dev h0
ip -n "$NS_H" link set h0 up

sys_users $GUSER $RUSER || exit 1

# A certificate of our own, so that a restarted relayd keeps it.
tls_cert || exit 1
chmod 0644 "$CERT" "$KEY"

relayd_conf "$RCONF" $RADDR $PORT "open-rooms no
room \"lan\" {
	max-clients 8
}"

# gwconf FILE IFNAME [CAM-REFRESH]: the gatewayd configuration for that
# interface.
gwconf() {
	gatewayd_conf "$1" $RADDR $PORT lan "$2" "$GSOCK"
	echo "cam-refresh ${3:-$CAMSECS}" >>"$1"
}
gwconf "$GCONF" gwlan

# --- daemons ------------------------------------------------------------

start_relayd() {
	relayd_start "$NS_R" $RADDR $PORT "$RLOG" "$RCONF"
}

start_gatewayd() {
	daemon_start GPID "$NS_W" "$GATEWAYD" "$GCONF" "$GLOG"
	wait_for 100 gw_connected
}
gctl() {
	ctl_at "$GSOCK" "$@"
}
gw_connected() {
	alive "$GPID" && connected "$GSOCK"
}
# gcounter NAME: a gatewayd counter.
gcounter() {
	counter_at "$GSOCK" "$1"
}

# --- the peer -----------------------------------------------------------

# peer NAME slpeer-args...: the remote client, in room lan.
peer() {
	local name=$1
	shift
	peer_start "$name" "$NS_P" $RADDR $PORT -R lan "$@"
}
iphex() {
	local IFS=.
	set -- $1
	printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"
}

# The peer asks "who has HOSTIP": the LAN host answers to the peer's MAC.
arp_probe() {
	peer_cmd peer "frame $(pad60 "ffffffffffff$(hexmac $PEERMAC)0806$(
	    )000108000604000$1$(hexmac $PEERMAC)$(iphex $PEERIP)$(
	    )000000000000$(iphex $HOSTIP)")"
}
ARP_REPLY="^frame $(hexmac $PEERMAC)$(hexmac $HOSTMAC)08060001080006040002$(
    )$(hexmac $HOSTMAC)$(iphex $HOSTIP)"
# roundtrip SECONDS: the peer's ARP request is answered by the host.
roundtrip() {
	local n=0 lines
	while [ $n -lt $(($1 * 5)) ]; do
		lines=$(grep -c -E -- "$ARP_REPLY" "$WORK/peer.out")
		arp_probe 1
		sleep 0.2
		[ "$(grep -c -E -- "$ARP_REPLY" "$WORK/peer.out")" -gt \
		    "$lines" ] && return 0
		n=$((n + 1))
	done
	return 1
}

# --- checksums (for the DHCP case) --------------------------------------

# csum HEX: the 16-bit ones' complement sum of the bytes.
csum() {
	local h=$1 s=0 i
	[ $((${#h} % 4)) -ne 0 ] && h=${h}00
	for ((i = 0; i < ${#h}; i += 4)); do
		s=$((s + 16#${h:i:4}))
	done
	while [ $s -gt 65535 ]; do
		s=$(((s & 65535) + (s >> 16)))
	done
	echo $s
}

# A DHCPDISCOVER from the peer (broadcast flag set), checksums right.
discover() {
	local bootp udp ip ulen ilen c
	bootp="010106004c414e31""00008000"
	bootp="$bootp$(printf '%032d' 0)"
	bootp="$bootp$(hexmac $PEERMAC)$(printf '%020d' 0)"
	bootp="$bootp$(printf '%0384d' 0)"
	bootp="${bootp}63825363""350101""370301030""6""ff"
	ulen=$(( ${#bootp} / 2 + 8 ))
	ilen=$((ulen + 20))
	c=$(csum "00000000ffffffff0011$(printf '%04x' $ulen)$(
	    )00440043$(printf '%04x' $ulen)0000$bootp")
	udp="00440043$(printf '%04x%04x' $ulen $((65535 - c)))$bootp"
	[ "$(printf '%04x' $((65535 - c)))" = 0000 ] &&
	    udp="00440043$(printf '%04x' $ulen)ffff$bootp"
	ip="4500$(printf '%04x' $ilen)000000004011"
	c=$(csum "${ip}000000000000ffffffff")
	ip="${ip}$(printf '%04x' $((65535 - c)))00000000ffffffff"
	echo "ffffffffffff$(hexmac $PEERMAC)0800$ip$udp"
}

# offer_ok HEXFRAME: an IPv4/UDP 67->68 DHCPOFFER with good checksums.
offer_ok() {
	local f=$1 ihl ip udp ulen src dst
	[ "${f:24:4}" = 0800 ] || return 1
	ihl=$(( (16#${f:29:1}) * 8 ))
	ip=${f:28:ihl}
	[ "${ip:18:2}" = 11 ] || return 1
	if [ "$(csum "$ip")" != 65535 ]; then
		OFFER_WHY="bad IP checksum"
		return 1
	fi
	udp=${f:28+ihl}
	[ "${udp:0:8}" = 00430044 ] || return 1
	ulen=$((16#${udp:8:4}))
	udp=${udp:0:ulen*2}
	src=${ip:24:8}
	dst=${ip:32:8}
	if [ "${udp:12:4}" != 0000 ] &&
	    [ "$(csum "$src${dst}0011$(printf '%04x' $ulen)$udp")" != 65535 ]
	then
		OFFER_WHY="bad UDP checksum"
		return 1
	fi
	# The magic cookie, then DHCP message type 2 (offer).
	echo "${udp:488}" | grep -q "^63825363.*350102" || return 1
	return 0
}

# === cases ===============================================================

# Startup failures: a non-Ethernet and a missing interface.
# start_fails NAME IFNAME MESSAGE description: gatewayd -d on IFNAME
# exits 1 and logs MESSAGE.
start_fails() {
	local rc
	gwconf "$WORK/$1.conf" "$2"
	ip netns exec "$NS_W" "$GATEWAYD" -d -f "$WORK/$1.conf" \
	    >"$WORK/$1.log" 2>&1
	rc=$?
	[ $rc = 1 ] || WHY="exit status $rc"
	grep -q "$3" "$WORK/$1.log" ||
	    WHY="${WHY:+$WHY, }no message naming $2"
	SHOW="$WORK/$1.log"
	check "$4"
}
start_fails lo lo "interface lo: not Ethernet" \
    "a non-Ethernet interface fails at start"
start_fails missing nosuch0 "interface nosuch0: no such" \
    "a missing interface fails at start"

start_relayd || { WHY="relayd not ready"; SHOW=$RLOG; check "relayd starts";
    exit 1; }
start_gatewayd || WHY="gatewayd not connected within 10 s"
SHOW="$GLOG"
check "gatewayd starts and joins the room as gateway"

CPID=$(child_of "$GPID")
if [ -n "$CPID" ]; then
	st=/proc/$CPID/status
	grep -q "^Seccomp:[[:space:]]*2" $st || WHY="not under seccomp"
	uid=$(awk '/^Uid:/ { print $2 }' $st)
	[ "$uid" = "$(id -u $GUSER)" ] || WHY="${WHY:+$WHY, }uid $uid"
	root=$(readlink /proc/$CPID/root)
	[ "$root" != / ] || WHY="${WHY:+$WHY, }not chrooted"
else
	WHY="no child"
fi
SHOW="$GLOG"
check "the gateway child runs as $GUSER, chrooted, seccomp 2"

# The LAN capture, for the CAM refresh frames.
tcpdump_start TPID "$NS_L" swgw "$WORK/cam.txt" 'ether proto 0x88b5' -tt

peer peer -m $PEERMAC
wait_for 50 has peer '^welcome ' || WHY="peer not welcomed"
T_JOIN=$(now)
SHOW="$WORK/peer.out"
check "the peer joins the room"

# Broadcast ARP from the LAN host reaches the peer; its reply comes back
# (the host's queued UDP datagram then goes unicast to the peer's MAC).
# host_udp IP: one UDP datagram from the LAN host (bash's /dev/udp).
host_udp() {
	ip netns exec "$NS_H" bash -c "echo softlan >/dev/udp/$1/9" \
	    2>/dev/null
}
host_udp $PEERIP
REQ="^frame ffffffffffff$(hexmac $HOSTMAC)08060001080006040001$(hexmac $HOSTMAC)$(
    )$(iphex $HOSTIP)000000000000$(iphex $PEERIP)"
wait_for 30 has peer "$REQ" || WHY="no ARP request at the peer"
SHOW="$WORK/peer.out $GLOG"
check "a broadcast ARP from the LAN host reaches the peer"

peer_cmd peer "frame $(pad60 "$(hexmac $HOSTMAC)$(hexmac $PEERMAC)08060001$(
    )080006040002$(hexmac $PEERMAC)$(iphex $PEERIP)$(hexmac $HOSTMAC)$(
    )$(iphex $HOSTIP)")"
wait_for 30 has peer "^frame $(hexmac $PEERMAC)$(hexmac $HOSTMAC)0800450000" ||
    WHY="no unicast IPv4 from the host after the ARP reply"
ip netns exec "$NS_H" ip neigh show $PEERIP | grep -qi "$PEERMAC" ||
    WHY="${WHY:+$WHY, }host has no neighbour entry"
SHOW="$WORK/peer.out $GLOG"
check "the peer's unicast ARP reply reaches the LAN host"

# Unicast to a MAC that is not remote stays on the LAN.
before=$(gcounter lan-not-remote)
ip netns exec "$NS_H" ip neigh replace 198.18.10.88 lladdr 00:16:3e:00:10:99 \
    dev h0
host_udp 198.18.10.88
host_udp 198.18.10.88
sleep 0.3
after=$(gcounter lan-not-remote)
[ "$after" -ge $((before + 2)) ] ||
    WHY="lan-not-remote $before -> $after"
has peer "^frame 00163e001099" && WHY="${WHY:+$WHY, }the peer got it"
SHOW="$GLOG"
check "LAN unicast to a non-remote MAC does not reach the relay"

# CAM refresh frames: source the peer, destination the NIC, 60 bytes.
sleep $((CAMSECS * 2 + 1))
camlines() {
	grep -c "^[0-9.]* $PEERMAC > $GWMAC, ethertype Unknown (0x88b5), \
length 60" "$WORK/cam.txt"
}
n=$(camlines)
[ "$n" -ge 2 ] || WHY="$n refresh frames in $((CAMSECS * 2 + 1)) s"
first=$(grep "$PEERMAC > $GWMAC" "$WORK/cam.txt" | head -n 1 | cut -d' ' -f1)
if [ -n "$first" ]; then
	d=$(awk "BEGIN { print $first - $T_JOIN }")
	awk "BEGIN { exit !($first - $T_JOIN < 1.0) }" ||
	    WHY="${WHY:+$WHY, }first refresh $d s after the welcome"
fi
ts=$(grep "$PEERMAC > $GWMAC" "$WORK/cam.txt" | cut -d' ' -f1 | head -n 3)
prev=
for t in $ts; do
	if [ -n "$prev" ]; then
		awk "BEGIN { d = $t - $prev; exit !(d > $CAMSECS - 0.5 && \
		    d < $CAMSECS + 0.7) }" ||
		    WHY="${WHY:+$WHY, }interval $prev -> $t"
	fi
	prev=$t
done
grep "^[0-9]" "$WORK/cam.txt" | grep -v \
    " $PEERMAC > $GWMAC, ethertype Unknown (0x88b5), length 60" |
    grep -q . && WHY="${WHY:+$WHY, }stray 0x88b5 frames"
SHOW="$WORK/cam.txt"
check "CAM refresh: right frames, first within 1 s, then every $CAMSECS s"

# The bridge (ageing 3 s) keeps the silent peer's MAC on the gateway port.
sleep 1
bridge -n "$NS_L" fdb show br br0 | grep -i "^$PEERMAC dev swgw" -q ||
    WHY="$PEERMAC not on swgw"
SHOW="$GLOG"
check "the bridge keeps the silent remote MAC on the gateway's port"

peer_status=$(gctl show peers)
echo "$peer_status" | grep -qi "$PEERMAC" || WHY="show peers lacks the MAC"
gctl show status | grep -q "state: *connected" || WHY="${WHY:+$WHY, }status"
gctl show counters | grep -q "cam-frames-sent" ||
    WHY="${WHY:+$WHY, }counters"
[ -n "$WHY" ] && echo "$peer_status" >"$WORK/peers.txt"
SHOW="$WORK/peers.txt"
check "softlanctl show status, peers, counters"

# DHCP: dnsmasq on the LAN host answers a DISCOVER from the peer.
dnsmasq_start DPID "$NS_H" h0 198.18.10.100,198.18.10.150 dnsmasq
dhcp_ready() {
	ip netns exec "$NS_H" ss -Huln "sport = :67" | grep -q :67
}
wait_for 50 dhcp_ready

# dhcp_case label partial|full: a DISCOVER, then an OFFER with good
# checksums; with offloads on the OFFER comes CHECKSUM_PARTIAL and the
# gateway completes it (lan-csum-fixed), with them off it does not.
dhcp_case() {
	local lines f n=0 ok= csum0
	OFFER_WHY=
	csum0=$(gcounter lan-csum-fixed)
	lines=$(wc -l <"$WORK/peer.out")
	peer_cmd peer "frame $(discover)"
	while [ $n -lt 40 ]; do
		sleep 0.1
		for f in $(tail -n +$((lines + 1)) "$WORK/peer.out" |
		    sed -n "s/^frame \(ffffffffffff[0-9a-f]*\)$/\1/p"); do
			if offer_ok "$f"; then
				ok=1
				break
			fi
		done
		[ -n "$ok" ] && break
		n=$((n + 1))
	done
	[ -n "$ok" ] || WHY="no valid OFFER${OFFER_WHY:+: $OFFER_WHY}"
	csum1=$(gcounter lan-csum-fixed)
	if [ "$2" = partial ] && [ "$csum1" -le "$csum0" ]; then
		WHY="${WHY:+$WHY, }no checksum completed"
	elif [ "$2" = full ] && [ "$csum1" != "$csum0" ]; then
		WHY="${WHY:+$WHY, }checksum completed with offloads off"
	fi
	SHOW="$WORK/dnsmasq.log $GLOG"
	check "DHCP: dnsmasq's OFFER reaches the peer, checksums valid ($1)"
}
for dev in "$NS_H h0" "$NS_L swh" "$NS_L swgw" "$NS_W gwlan"; do
	set -- $dev
	ip netns exec "$1" ethtool -K "$2" tx on rx on >/dev/null 2>&1
done
dhcp_case "offloads on" partial
for dev in "$NS_H h0" "$NS_L swh" "$NS_L swgw" "$NS_W gwlan"; do
	set -- $dev
	ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1
done
dhcp_case "offloads off" full

# Link down and up, then delete and re-create: traffic resumes, no fd leak.
fds() {
	ls /proc/$(child_of "$GPID")/fd 2>/dev/null | wc -l
}
fd0=$(fds)
ip -n "$NS_W" link set gwlan down
sleep 0.5
ip -n "$NS_W" link set gwlan up
roundtrip 2 || WHY="no round trip within 2 s of link up"
[ "$(fds)" = "$fd0" ] || WHY="${WHY:+$WHY, }fds $fd0 -> $(fds)"
SHOW="$GLOG $WORK/peer.out"
check "link down and up: traffic resumes, fd count flat"

reopened=$(gcounter lan-socket-reopened)
ip -n "$NS_W" link del gwlan
sleep 0.5
make_gwlan
# Without any traffic, the new interface gets a packet socket at once.
gw_reopened() {
	[ "$(gcounter lan-socket-reopened)" -gt "$reopened" ]
}
wait_for 15 gw_reopened || WHY="packet socket not reopened within 1.5 s"
roundtrip 2 || WHY="${WHY:+$WHY, }no round trip within 2 s of re-creation"
[ "$(fds)" = "$fd0" ] || WHY="${WHY:+$WHY, }fds $fd0 -> $(fds)"
SHOW="$GLOG"
check "interface deleted and re-created: traffic resumes, fd count flat"

# peer-left: the MAC leaves the table, the bridge forgets it.
peer_stop peer
wait_for 30 sh -c "! \"$CTL\" -s \"$GSOCK\" show peers | grep -qi $PEERMAC" ||
    WHY="still in show peers"
wait_for 80 sh -c "! bridge -n $NS_L fdb show br br0 | grep -qi \
    '^$PEERMAC dev swgw'" || WHY="${WHY:+$WHY, }still in the bridge"
SHOW="$GLOG"
check "after peer-left the remote MAC ages out of the bridge"

# relayd killed and restarted: gatewayd reconnects with backoff.
welcomes=$(gcounter session-welcomes)
relayd_stop
sleep 2
start_relayd || WHY="relayd did not restart"
# LAN chatter (ARP broadcasts) makes gatewayd talk to the new relayd,
# which answers with a stateless reset: gatewayd reconnects.
rejoined() {
	[ "$(gcounter session-welcomes)" -gt "$welcomes" ] && gw_connected
}
n=0
while [ $n -lt 30 ] && ! rejoined; do
	host_udp 198.18.10.$((200 + n))
	sleep 0.5
	n=$((n + 1))
done
rejoined || WHY="${WHY:+$WHY, }gatewayd not back in 15 s (welcomes \
$welcomes -> $(gcounter session-welcomes))"
grep -q "retrying in" "$GLOG" || WHY="${WHY:+$WHY, }no backoff logged"
peer peer -m $PEERMAC
wait_for 50 has peer '^welcome ' || WHY="${WHY:+$WHY, }peer not welcomed"
roundtrip 3 || WHY="${WHY:+$WHY, }no round trip"
SHOW="$GLOG $WORK/peer.out"
check "relayd restarted: gatewayd reconnects and traffic resumes"

# SIGHUP: cam-refresh changes, the connection stays.
welcomes=$(gcounter session-welcomes)
gwconf "$GCONF" gwlan 3
kill -HUP "$GPID"
wait_for 30 grep -q "cam-refresh 3 s (was $CAMSECS s)" "$GLOG" ||
    WHY="cam-refresh not reloaded"
grep -q "reload: connection settings unchanged" "$GLOG" ||
    WHY="${WHY:+$WHY, }no reload line"
[ "$(gcounter session-welcomes)" = "$welcomes" ] ||
    WHY="${WHY:+$WHY, }reconnected"
SHOW="$GLOG"
check "SIGHUP reloads cam-refresh without reconnecting"

# Still alive, and no violation, sanitizer report or lost child anywhere.
alive "$GPID" || WHY="gatewayd died;"
scan_logs "$RLOG" "$GLOG"
SHOW="$RLOG $GLOG"
check "no lost child, seccomp violation or sanitizer report"

peer_stop peer
stop_pid "$GPID"
relayd_stop

suite_done
