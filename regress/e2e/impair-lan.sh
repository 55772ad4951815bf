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
# Impairment with the real daemons: a player's clientd reaches relayd
# through regress/e2e/impair (5 % loss, 25 % reordering, 1 % duplicates
# both ways, seeded); gatewayd bridges a LAN host running dnsmasq and
# iperf3.  DHCP gives the player a lease from the LAN, ping reaches the
# LAN host, a 10 MB TCP transfer (iperf3) completes, and 10 MB sent with
# busybox nc arrive with the same SHA-256.
#
#	bash regress/e2e/impair-lan.sh [objdir]
#
#	ns r  relayd 198.18.3.1 (also 198.18.5.1 towards ns g)
#	ns x  impair: 198.18.3.2 towards the relay, 198.18.4.1 port 443
#	      for the player
#	ns p  clientd, 198.18.4.2, relay "198.18.4.1"
#	ns g  gatewayd 198.18.5.2 (default via ns r), lan0 to ns h
#	ns h  the LAN host 198.19.7.1/24: dnsmasq, iperf3 -s, nc

E2E_NAME=impair-lan
. "$(dirname "$0")/lib.sh"

ADDR=198.18.3.1
XADDR=198.18.4.1
PORT=443
HOST=198.19.7.1
SEED=${IMPAIR_SEED:-7}
IMPAIRMENT=${IMPAIRMENT:--l 5 -r 25 -d 1}
TAP=softlan0
MAC=02:5e:00:00:0c:01
MB=10

need_tools busybox dnsmasq iperf3 openssl python3 sha256sum
e2e_init "$RELAYD" "$GATEWAYD" "$CLIENTD" "$CTL" "$IMPAIR"
sys_users _gatewayd _clientd || exit 1
for s in r x p g h; do
	netns_add $s || exit 1
done
veth_link "$NS_r" "$NS_x" $ADDR/24 198.18.3.2/24 || exit 1
veth_link "$NS_x" "$NS_p" $XADDR/24 198.18.4.2/24 || exit 1
veth_link "$NS_r" "$NS_g" 198.18.5.1/24 198.18.5.2/24 || exit 1
ip -n "$NS_g" route add default via 198.18.5.1
veth_pair "$NS_g" lan0 - "$NS_h" eth0 $HOST/24 || exit 1

tls_cert || exit 1
relayd_conf "$WORK/relayd.conf" $ADDR $PORT "open-rooms no
room \"lan\" {
	max-clients 4
}"
gatewayd_conf "$WORK/gatewayd.conf" $ADDR $PORT lan lan0 \
    "$WORK/gatewayd.sock"
clientd_conf "$WORK/clientd.conf" $XADDR $PORT lan $MAC no \
    "$WORK/clientd.sock"

RLOG=$WORK/relayd.log
GLOG=$WORK/gatewayd.log
CLOG=$WORK/clientd.log
ILOG=$WORK/impair.log

relayd_start "$NS_r" $ADDR $PORT "$RLOG" "$WORK/relayd.conf"
relayd_ready || WHY="relayd did not start;"
spawn -w IPID ip netns exec "$NS_x" "$IMPAIR" -s "$SEED" $IMPAIRMENT \
    -t 110 $XADDR $PORT $ADDR $PORT >"$ILOG" 2>&1
daemon_start GPID "$NS_g" "$GATEWAYD" "$WORK/gatewayd.conf" "$GLOG"
dnsmasq_start DPID "$NS_h" eth0 198.19.7.100,198.19.7.150,255.255.255.0 \
    dnsmasq
spawn SPID ip netns exec "$NS_h" iperf3 -s -B $HOST -1 \
    >"$WORK/iperf3-s.log" 2>&1
daemon_start CPID "$NS_p" "$CLIENTD" "$WORK/clientd.conf" "$CLOG"

wait_for 200 connected "$WORK/gatewayd.sock" ||
    WHY="$WHY gatewayd not connected;"
wait_for 200 connected "$WORK/clientd.sock" ||
    WHY="$WHY clientd not connected through impair;"
SHOW="$CLOG $GLOG $ILOG"
check "gatewayd, and clientd through impair (-s $SEED $IMPAIRMENT)," \
    "connect to relayd"

udhcpc_script
UDHCPC_SET=1 udhcpc_run "$NS_p" $TAP 10 "$WORK/lease" "$WORK/udhcpc.log" ||
    WHY="udhcpc failed;"
PIP=$(awk '{ print $2 }' "$WORK/lease" 2>/dev/null | tail -n 1)
case "$PIP" in
198.19.7.1[0-4][0-9]|198.19.7.150) ;;
*)	WHY="$WHY lease \"$PIP\" not from the LAN's range;" ;;
esac
SHOW="$WORK/udhcpc.log $WORK/dnsmasq.log"
check "DHCP through the impaired path: lease $PIP from the LAN's dnsmasq"
if [ -z "$PIP" ]; then
	PIP=198.19.7.201
	ip -n "$NS_p" addr add $PIP/24 dev $TAP
	echo "# no lease: $PIP set by hand on the TAP"
fi

# 20 pings, 200 ms apart: most must come back (each crosses impair twice).
ip netns exec "$NS_p" busybox ping -c 20 -i 0.2 -W 2 $HOST \
    >"$WORK/ping.log" 2>&1
rx=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$WORK/ping.log")
[ "${rx:-0}" -ge 14 ] || WHY="only ${rx:-0} of 20 replies"
SHOW="$WORK/ping.log"
check "ping the LAN host through the impaired path: ${rx:-0} of 20 replies"

wait_for 50 eval 'ip netns exec "$NS_h" ss -Htln "sport = :5201" |
    grep -q 5201' || WHY="iperf3 server not listening;"
ip netns exec "$NS_p" timeout 40 iperf3 -c $HOST -n ${MB}M -J \
    >"$WORK/iperf3.json" 2>"$WORK/iperf3.err" || WHY="$WHY iperf3 failed;"
# iperf3 exits 0 only once the server confirmed the end of the test; the
# server's count stops a little before the last segments (those still in
# the socket buffers), so it is shown, not judged: nc below checks the data.
read -r sent bytes secs <<EOT
$(python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]
print(e["sum_sent"]["bytes"], e["sum_received"]["bytes"],
    round(e["sum_received"]["seconds"], 1))' <"$WORK/iperf3.json" 2>/dev/null)
EOT
[ "${sent:-0}" -ge $((MB * 1024 * 1024)) ] || WHY="$WHY sent ${sent:-0} bytes;"
[ "${bytes:-0}" -gt 0 ] || WHY="$WHY received ${bytes:-0} bytes;"
SHOW="$WORK/iperf3.err $WORK/iperf3-s.log"
IPERF_OK=${WHY:-yes}
check "iperf3: ${MB} MB over TCP through the impaired path" \
    "(${sent:-0} bytes sent, ${bytes:-0} received in ${secs:-?} s)"

head -c $((MB * 1024 * 1024)) /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
# nc -l sends what it reads on its standard input: a fifo kept open (and
# empty) until the transfer is over, or it would half-close at once.
mkfifo "$WORK/nc.in"
exec {ncfd}<>"$WORK/nc.in"
# After a failed iperf3 a shorter wait (the path is likely broken).
NCT=40
[ "$IPERF_OK" = yes ] || NCT=15
spawn -w NPID ip netns exec "$NS_h" timeout $NCT busybox nc -l -p 5202 \
    <"$WORK/nc.in" >"$WORK/data.rx" 2>"$WORK/nc-l.err"
wait_for 50 eval 'ip netns exec "$NS_h" ss -Htln "sport = :5202" |
    grep -q 5202'
ip netns exec "$NS_p" timeout $NCT busybox nc -w 5 $HOST 5202 \
    <"$WORK/data" 2>"$WORK/nc.err"
wait_gone "$NPID" 100 || WHY="the receiver did not finish;"
exec {ncfd}>&-
got=$(sha256sum <"$WORK/data.rx" | cut -d' ' -f1)
[ "$got" = "$want" ] ||
    WHY="$WHY $(stat -c %s "$WORK/data.rx") bytes, SHA-256 differs;"
rm -f "$WORK/data" "$WORK/data.rx"
SHOW="$WORK/nc.err $WORK/nc-l.err"
check "${MB} MB of random data over TCP (nc) arrive with the same SHA-256"

kill -USR1 "$IPID"
wait_for 20 grep -q '^impair: up recv' "$ILOG"
WHY=
impair_totals "$ILOG"
SHOW=$ILOG
check "impair was at work:" \
    "up $(grep '^impair: up recv' "$ILOG" | tail -n 1 | cut -d' ' -f3-);" \
    "down $(grep '^impair: down recv' "$ILOG" | tail -n 1 | cut -d' ' -f3-)"

# Daemons down (SIGTERM, bounded), then the logs.
stop_strict $CPID $GPID
relayd_stop
scan_logs "$RLOG" "$GLOG" "$CLOG"
SHOW="$RLOG $GLOG $CLOG"
check "clientd, gatewayd and relayd stop; no lost child, seccomp" \
    "violation or sanitizer report"

e2e_done
