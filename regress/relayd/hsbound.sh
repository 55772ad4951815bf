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
# Handshake floods are bounded (issue 10): relayd with "max-handshakes 16
# per-source 4" and retry-threshold 0 (every handshake proves its address
# first, as a flood from real addresses does) is flooded by
# regress/bench/hsflood, which abandons every handshake after its
# validated Initial.  While it runs, "show status" never shows more than
# 16 handshakes in progress; from eight addresses of one IPv6 /64 never
# more than 4 (a /64 is one source); the limits are counted; a real peer
# still gets in during and after the flood; and once the handshake
# timeout has passed nothing is left.
#
#	bash regress/relayd/hsbound.sh [objdir]
#
#	ns r  relayd 198.18.16.1/24, 2001:2:0:16::1/64
#	ns f  the flood: 198.18.16.11-18, 2001:2:0:16::11-18; the peer

E2E_NAME=hsbound
. "$(dirname "$0")/../e2e/lib.sh"

HSFLOOD=$E2E_OBJ/regress/bench/hsflood
ADDR=198.18.16.1
ADDR6=2001:2:0:16::1
PORT=443
MAX=16
PERSRC=4

e2e_init "$RELAYD" "$CTL" "$HSFLOOD" "$SLPEER"
e2e_netns r || exit 1
e2e_netns f || exit 1
e2e_link "$NS_r" "$NS_f" $ADDR/24 198.18.16.2/24 || exit 1
ip -n "$NS_r" addr add $ADDR6/64 dev ${T}v0a nodad
ip -n "$NS_f" addr add 2001:2:0:16::2/64 dev ${T}v0b nodad
for i in 1 2 3 4 5 6 7 8; do
	ip -n "$NS_f" addr add 198.18.16.1$i/24 dev ${T}v0b
	ip -n "$NS_f" addr add 2001:2:0:16::1$i/64 dev ${T}v0b nodad
done

RLOG=$WORK/relayd.log
relayd_conf "$WORK/relayd.conf" $ADDR $PORT "listen on $ADDR6 port $PORT
open-rooms yes
retry-threshold 0
max-per-source 64
max-handshakes $MAX per-source $PERSRC"
relayd_start "$NS_r" $ADDR $PORT "$RLOG" "$WORK/relayd.conf" ||
    WHY="relayd did not start;"
wait_for 50 eval 'ip netns exec "$NS_r" ss -Huln "sport = :$PORT" |
    grep -q "\[$ADDR6\]:$PORT"' || WHY="$WHY relayd not on IPv6;"
SHOW=$RLOG
check "relayd listens with max-handshakes $MAX per-source $PERSRC"

# flood NAME SECONDS SOURCES...: hsflood in ns f (in the background,
# its pid in FPID), output in $WORK/NAME.out.
flood() {
	local name=$1 secs=$2 relay=$ADDR s args=
	shift 2
	for s in "$@"; do
		args="$args -s $s"
		case $s in *:*) relay=$ADDR6 ;; esac
	done
	spawn FPID ip netns exec "$NS_f" timeout -k 5 $((secs + 10)) \
	    "$HSFLOOD" -r $relay -p $PORT -c "$RCERT" -a 100000 -t "$secs" \
	    -w 200 $args >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# watch PID: the most handshakes "show status" showed while PID ran
# (sampled every 0.1 s, 30 s at most).
watch_max() {
	local pid=$1 max=0 h i=0
	while alive "$pid" && [ $i -lt 300 ]; do
		h=$(status_field "$RSOCK" handshakes)
		[ "${h:-0}" -gt $max ] && max=$h
		sleep 0.1
		i=$((i + 1))
	done
	echo $max
}

# 1. IPv4, eight addresses: the total bound.
flood v4 6 198.18.16.11-198.18.16.18
# A real peer joins in the middle of it.
sleep 2
peer_start p1 "$NS_f" $ADDR $PORT -R flood -m 02:5e:00:00:10:01
max=$(watch_max "$FPID")
wait_gone "$FPID" 150
wait_for 100 has p1 '^welcome ' || WHY="the peer was not welcomed;"
peer_stop p1
full=$(counter handshake-refused-full)
ev=$(counter handshake-evicted)
[ "$max" -le $MAX ] || WHY="$WHY $max handshakes in progress;"
[ "$max" -ge $((MAX / 2)) ] ||
    WHY="$WHY only $max handshakes: the flood did not reach the bound;"
[ "$full" -gt 0 ] || WHY="$WHY handshake-refused-full $full;"
[ "$ev" -gt 0 ] || WHY="$WHY handshake-evicted $ev;"
SHOW="$WORK/v4.out $WORK/v4.err $WORK/p1.err $RLOG"
check "IPv4 flood from 8 addresses: at most $max of $MAX handshakes in" \
    "progress, refused-full $full, evicted $ev; a peer welcomed during it"

# 2. IPv6, eight addresses of one /64: one source.  The IPv4 flood's
# handshakes time out first (10 s), so the count is this flood's alone.
wait_for 200 eval '[ "$(status_field "$RSOCK" handshakes)" = 0 ]' ||
    WHY="handshakes of the IPv4 flood still in progress;"
before=$(counter handshake-refused-per-source)
flood v6 4 2001:2:0:16::11 2001:2:0:16::12 2001:2:0:16::13 \
    2001:2:0:16::14 2001:2:0:16::15 2001:2:0:16::16 2001:2:0:16::17 \
    2001:2:0:16::18
max=$(watch_max "$FPID")
wait_gone "$FPID" 150
ps=$(( $(counter handshake-refused-per-source) - before ))
[ "$max" -le $PERSRC ] ||
    WHY="$WHY $max handshakes from one /64, per-source $PERSRC;"
[ "$ps" -gt 0 ] || WHY="$WHY handshake-refused-per-source +$ps;"
SHOW="$WORK/v6.out $WORK/v6.err $RLOG"
check "IPv6 flood from 8 addresses of one /64: at most $max handshakes" \
    "in progress (per-source $PERSRC), refused-per-source +$ps"

# 3. After the handshake timeout (10 s) nothing is held, memory is given
# back, and a new peer gets in at once.
wait_for 200 eval '[ "$(status_field "$RSOCK" handshakes)" = 0 ] &&
    [ "$(status_field "$RSOCK" connections)" = 0 ]' ||
    WHY="handshakes $(status_field "$RSOCK" handshakes), connections" \
    "$(status_field "$RSOCK" connections) left;"
trims=$(counter memory-trims)
[ "$trims" -gt 0 ] || WHY="$WHY memory-trims $trims;"
peer_start p2 "$NS_f" $ADDR6 $PORT -R flood -m 02:5e:00:00:10:02
wait_for 100 has p2 '^welcome ' || WHY="$WHY the peer was not welcomed;"
peer_stop p2
SHOW="$WORK/p2.err $RLOG"
check "after the floods: no handshake or connection left," \
    "memory-trims $trims, a new peer welcomed over IPv6"

relayd_stop
scan_logs "$RLOG"
SHOW=$RLOG
check "relayd stops; no lost child, seccomp violation or sanitizer report"

e2e_done
