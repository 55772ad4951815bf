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
# Empty and too-short datagrams (issue 10).  One 0-byte UDP datagram used
# to kill relayd: ngtcp2 asserts on it, abort() needs tgkill, seccomp
# killed the child and the parent exited.  The same datagram spoofed from
# the relay's address and port closed a peer's connection.  Here datagrams
# of 0..20 bytes go to relayd from an outsider, and, spoofed from the
# relay's address and port (a raw socket in the relay's namespace), to a
# connected gatewayd and clientd.  Every daemon lives, counts them, keeps
# its connection (no new connect) and keeps forwarding (ping through the
# room before and after).
#
#	bash regress/relayd/shortpkt.sh [objdir]
#
#	ns r  relayd 198.18.13.1 (198.18.14.1 towards ns g, 198.18.15.1
#	      towards ns a)
#	ns p  clientd, 198.18.13.2, TAP address 198.19.13.20/24
#	ns g  gatewayd 198.18.14.2, lan0 to ns h
#	ns h  the LAN host 198.19.13.1/24
#	ns a  the outsider, 198.18.15.2

E2E_NAME=shortpkt
. "$(dirname "$0")/../e2e/lib.sh"

ADDR=198.18.13.1
PORT=443
HOST=198.19.13.1
PADDR=198.19.13.20
TAP=softlan0
MAC=02:5e:00:00:0d:01
ROUNDS=3

if ! command -v python3 >/dev/null; then
	echo "$E2E_NAME: python3 not installed" >&2
	exit 1
fi
e2e_init "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL"
e2e_users _gatewayd _clientd || exit 1
for s in r p g h a; do
	e2e_netns $s || exit 1
done
e2e_link "$NS_r" "$NS_p" $ADDR/24 198.18.13.2/24 || exit 1
e2e_link "$NS_r" "$NS_g" 198.18.14.1/24 198.18.14.2/24 || exit 1
e2e_link "$NS_r" "$NS_a" 198.18.15.1/24 198.18.15.2/24 || exit 1
ip -n "$NS_g" route add default via 198.18.14.1
ip -n "$NS_a" route add default via 198.18.15.1
e2e_veth "$NS_g" lan0 - "$NS_h" eth0 $HOST/24 || exit 1

tls_cert || exit 1
RSOCK=$WORK/relayd.sock
GSOCK=$WORK/gatewayd.sock
CSOCK=$WORK/clientd.sock
cat >"$WORK/relayd.conf" <<CONF
listen on $ADDR port $PORT
certificate "$CERT"
key "$KEY"
reset-secret "$WORK/reset.key"
control "$RSOCK"
user $RUSER
open-rooms no
room "lan" {
	max-clients 4
}
CONF
gatewayd_conf "$WORK/gatewayd.conf" $ADDR $PORT lan lan0 "$GSOCK"
clientd_conf "$WORK/clientd.conf" $ADDR $PORT lan $MAC no "$CSOCK" \
    $PADDR/24

RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log
CLOG=$WORK/clientd.log

relayd_start "$NS_r" $ADDR $PORT "$RLOG" "$WORK/relayd.conf"
relayd_ready || WHY="relayd did not start;"
daemon_start GPID "$NS_g" "$GATEWAYD" "$WORK/gatewayd.conf" "$GLOG"
daemon_start CPID "$NS_p" "$CLIENTD" "$WORK/clientd.conf" "$CLOG"
wait_for 100 connected "$GSOCK" || WHY="$WHY gatewayd not connected;"
wait_for 100 connected "$CSOCK" || WHY="$WHY clientd not connected;"
SHOW="$RLOG $GLOG $CLOG"
check "relayd up, gatewayd and clientd connected"

# ping COUNT: the replies from the LAN host through the room.
ping_lan() {
	ip netns exec "$NS_p" busybox ping -c "$1" -i 0.2 -W 2 $HOST 2>&1 |
	    sed -n 's/.* \([0-9]*\) packets received.*/\1/p'
}
wait_for 50 eval '[ "$(ping_lan 1)" = 1 ]'
rx=$(ping_lan 5)
[ "${rx:-0}" -ge 4 ] || WHY="only ${rx:-0} of 5 replies"
check "player pings the LAN host through the room: ${rx:-0} of 5"

RCHILD=$(relay_child)
GCONN=$(counter_at "$GSOCK" session-connects)
CCONN=$(counter_at "$CSOCK" session-connects)

# From the outsider: ROUNDS times every length from 0 to 20 bytes.
ip netns exec "$NS_a" python3 - $ADDR $PORT $ROUNDS <<'EOF' ||
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for r in range(int(sys.argv[3])):
    for n in range(21):
        s.sendto(bytes([0xc0 if n % 2 else 0x40]) * n,
            (sys.argv[1], int(sys.argv[2])))
EOF
    WHY="the sender failed;"
want=$((ROUNDS * 21))
wait_for 50 counter_above "$RSOCK" pkt-too-short $((want - 1)) ||
    WHY="$WHY pkt-too-short $(counter pkt-too-short), not $want;"
alive "$RPID" || WHY="$WHY relayd is gone;"
[ -n "$RCHILD" ] && [ "$(relay_child)" = "$RCHILD" ] ||
    WHY="$WHY relay child $RCHILD replaced by '$(relay_child)';"
SHOW=$RLOG
check "$want datagrams of 0..20 bytes to relayd: counted" \
    "(pkt-too-short $(counter pkt-too-short)), relay child still $RCHILD"

# spoof NS SRC SPORT DST DPORT: 0..20-byte UDP datagrams from SRC:SPORT,
# written with IP_HDRINCL (the kernel fills in the IP checksum; a UDP
# checksum of 0 means none over IPv4).
spoof() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" <<'EOF'
import socket, struct, sys
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for n in range(21):
    payload = bytes([0x40]) * n
    udp = struct.pack("!HHHH", sport, dport, 8 + n, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64,
        17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
EOF
}
# udp_port NS: the local port of the one UDP socket in NS.
udp_port() {
	ip netns exec "$1" ss -Huna 2>/dev/null |
	    awk '{ n = split($4, a, ":"); print a[n]; exit }'
}

CPORT=$(udp_port "$NS_p")
GPORT=$(udp_port "$NS_g")
[ -n "$CPORT" ] && [ -n "$GPORT" ] ||
    WHY="UDP ports not found: clientd '$CPORT', gatewayd '$GPORT';"
spoof "$NS_r" $ADDR $PORT 198.18.13.2 "$CPORT" ||
    WHY="$WHY spoofing to clientd failed;"
spoof "$NS_r" $ADDR $PORT 198.18.14.2 "$GPORT" ||
    WHY="$WHY spoofing to gatewayd failed;"
check "21 spoofed datagrams of 0..20 bytes from the relay's address" \
    "and port to clientd (port $CPORT) and gatewayd (port $GPORT)"

for who in clientd gatewayd; do
	case $who in
	clientd)	sock=$CSOCK pid=$CPID conn=$CCONN ;;
	gatewayd)	sock=$GSOCK pid=$GPID conn=$GCONN ;;
	esac
	n=$(counter_at "$sock" quic-pkt-too-short)
	foreign=$(counter_at "$sock" udp-drop-not-relay)
	[ "$n" = 21 ] || WHY="$WHY quic-pkt-too-short $n, not 21;"
	alive "$pid" || WHY="$WHY $who is gone;"
	connected "$sock" || WHY="$WHY $who not connected;"
	[ "$(counter_at "$sock" session-connects)" = "$conn" ] ||
	    WHY="$WHY $who reconnected ($conn, now" \
	    "$(counter_at "$sock" session-connects));"
	SHOW="$CLOG $GLOG"
	check "$who lives, keeps its connection (connects $conn) and" \
	    "counts them (quic-pkt-too-short $n, udp-drop-not-relay $foreign)"
done

# Forwarding goes on, and a datagram from elsewhere is counted too.
rx=$(ping_lan 5)
[ "${rx:-0}" -ge 4 ] || WHY="only ${rx:-0} of 5 replies"
check "player still pings the LAN host through the room: ${rx:-0} of 5"

for pid in $CPID $GPID; do
	kill -TERM "$pid" 2>/dev/null
	wait_gone "$pid" 50 || { WHY="$WHY pid $pid ignored SIGTERM;"; \
	    kill -9 "$pid"; }
done
relayd_stop
scan_logs "$RLOG" "$GLOG" "$CLOG"
SHOW="$RLOG $GLOG $CLOG"
check "clientd, gatewayd and relayd stop; no lost child, seccomp" \
    "violation or sanitizer report"

e2e_done
