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
# Impairment: peer a reaches relayd through regress/e2e/impair (5 % loss,
# 25 % reordering, 1 % duplicates in both directions, seeded), peer b
# directly.  The handshake completes, and of 500 frames each way at least
# 85 % arrive (datagrams are not retransmitted), none twice (QUIC drops
# duplicated packets) and none altered.
#
#	bash regress/e2e/impair.sh [objdir]
#
# Topology: namespace r holds relayd on 198.18.2.1 port 443; namespace p
# holds both peers and impair, listening on 198.18.2.2 port 4443.
#
# Every frame is 300 bytes: destination, source, EtherType 88b5, then
# 5e1a, a direction byte (0a: from a, 0b: from b), an eight-digit decimal
# sequence number and that number repeated to the end, so a frame whose
# bytes changed is recognised.

E2E_NAME=impair
. "$(dirname "$0")/lib.sh"

ADDR=198.18.2.1
PADDR=198.18.2.2
PORT=443
IPORT=4443
SEED=${IMPAIR_SEED:-7}
COUNT=500
MINPCT=85
MA=02:5e:00:00:0a:01
MB=02:5e:00:00:0b:01

e2e_init "$RELAYD" "$SLPEER" "$CTL" "$IMPAIR"
netns_add r
netns_add p
veth_link "$NS_r" "$NS_p" $ADDR/24 $PADDR/24 || exit 1

CONF=$WORK/relayd.conf
RLOG=$WORK/relayd.log
ILOG=$WORK/impair.log
relayd_conf "$CONF" $ADDR $PORT "open-rooms no
room \"imp\" {
	max-clients 4
}"
relayd_start "$NS_r" $ADDR $PORT "$RLOG" "$CONF"
relayd_ready || WHY="relayd did not start"
spawn -w IPID ip netns exec "$NS_p" "$IMPAIR" -s "$SEED" -l 5 -r 25 -d 1 \
    -t 100 $PADDR $IPORT $ADDR $PORT >"$ILOG" 2>&1
impair_ready() {
	alive "$IPID" && ip netns exec "$NS_p" ss -Huln "sport = :$IPORT" |
	    grep -q "$PADDR:$IPORT"
}
wait_for 50 impair_ready || WHY="$WHY impair did not start;"
SHOW="$RLOG $ILOG"
check "relayd and impair (-s $SEED -l 5 -r 25 -d 1) start"

peer_start b "$NS_p" $ADDR $PORT -R imp -m $MB
peer_start a "$NS_p" $PADDR $IPORT -R imp -m $MA
wait_for 50 has b '^welcome ' || WHY="b not welcomed;"
wait_for 150 has a '^welcome ' || WHY="$WHY a not welcomed through impair;"
wait_for 50 has b "^peer-joined id=[0-9]+ role=client mac=$MA\$" ||
    WHY="$WHY b did not hear a join;"
SHOW="$WORK/a.out $WORK/a.err $ILOG"
check "the handshake through the impairment relay completes (a welcomed)"

# frames DIR DST SRC: the COUNT frames as slpeer commands.
frames() {
	awk -v D="$1" -v DST="$(hexmac "$2")" -v SRC="$(hexmac "$3")" \
	    -v N=$COUNT 'BEGIN {
		for (s = 1; s <= N; s++) {
			q = sprintf("%08d", s)
			f = DST SRC "88b55e1a" D q
			while (length(f) < 600)
				f = f q
			print "frame " substr(f, 1, 600)
		}
	}'
}
frames 0a $MB $MA >"$WORK/a.cmds"
frames 0b $MA $MB >"$WORK/b.cmds"

# Ten frames each way every 20 ms.
t0=$(date +%s%N)
i=1
while [ $i -le $COUNT ]; do
	sed -n "$i,$((i + 9))p" "$WORK/a.cmds" >&"$FD_a" 2>/dev/null
	sed -n "$i,$((i + 9))p" "$WORK/b.cmds" >&"$FD_b" 2>/dev/null
	sleep 0.02
	i=$((i + 10))
done
sent_all() {
	[ "$(grep -c '^sent len=300 ' "$WORK/a.out")" -ge $COUNT ] &&
	    [ "$(grep -c '^sent len=300 ' "$WORK/b.out")" -ge $COUNT ]
}
wait_for 100 sent_all || WHY="not every frame queued;"
# The last frames have their chance: a marker each way arrives.
MARK_A="frame $(hexmac $MB)$(hexmac $MA)88b5ffff$(printf '%0116d' 0)"
MARK_B="frame $(hexmac $MA)$(hexmac $MB)88b5ffff$(printf '%0116d' 0)"
marked() {
	grep -qx -- "$MARK_A" "$WORK/b.out" &&
	    grep -qx -- "$MARK_B" "$WORK/a.out"
}
n=0
while [ $n -lt 20 ] && ! marked; do
	peer_cmd a "$MARK_A"
	peer_cmd b "$MARK_B"
	wait_for 5 marked
	n=$((n + 1))
done
elapsed=$((($(date +%s%N) - t0) / 1000000))

# judge FILE DIR: "got dup bad" of the frames in that direction.
judge() {
	awk -v D="$2" -v N=$COUNT '
	$1 == "frame" && substr($2, 25, 8) == "88b55e1a" {
		f = $2
		q = substr(f, 35, 8)
		e = substr(f, 1, 34) q
		while (length(e) < 600)
			e = e q
		e = substr(e, 1, 600)
		if (substr(f, 33, 2) != D || q !~ /^[0-9]+$/ || q + 0 < 1 ||
		    q + 0 > N || f != e) {
			bad++
			next
		}
		if (seen[q]++)
			dup++
		else
			got++
	}
	END { printf("%d %d %d\n", got, dup, bad) }' "$1"
}
read -r got_b dup_b bad_b <<EOT
$(judge "$WORK/b.out" 0a)
EOT
read -r got_a dup_a bad_a <<EOT
$(judge "$WORK/a.out" 0b)
EOT
kill -USR1 "$IPID"
wait_for 20 eval '[ "$(grep -c "impair: up recv" "$ILOG")" -ge 1 ]'
min=$((COUNT * MINPCT / 100))
[ "$got_b" -ge $min ] || WHY="b got only $got_b of a's $COUNT;"
[ "$got_a" -ge $min ] || WHY="$WHY a got only $got_a of b's $COUNT;"
[ "$dup_a" = 0 ] && [ "$dup_b" = 0 ] ||
    WHY="$WHY duplicates: a $dup_a, b $dup_b;"
[ "$bad_a" = 0 ] && [ "$bad_b" = 0 ] ||
    WHY="$WHY altered frames: a $bad_a, b $bad_b;"
SHOW="$ILOG $WORK/a.err $WORK/b.err"
check "$COUNT frames each way in $elapsed ms: b got $got_b from a, a got" \
    "$got_a from b (>= $MINPCT %), no duplicate, none altered"

# impair really impaired: each kind of event happened (the seed fixes
# the decisions; 1 % of ~500 datagrams is a handful).
WHY=
impair_totals "$ILOG"
SHOW=$ILOG
check "impair dropped, reordered and duplicated datagrams:" \
    "$(grep '^impair: up recv' "$ILOG" | tail -n 1 | cut -d' ' -f3-);" \
    "$(grep '^impair: down recv' "$ILOG" | tail -n 1 | cut -d' ' -f3-)"

peer_stop a
peer_stop b
kill -TERM "$IPID"
wait_gone "$IPID" 20 || WHY="impair did not exit on SIGTERM;"
{ wait "$IPID"; } 2>/dev/null
[ "$(grep -c '^impair: clients=' "$ILOG")" -ge 2 ] ||
    WHY="$WHY no counters at exit;"
relayd_stop
scan_logs "$RLOG" "$WORK"/*.err
SHOW="$RLOG $ILOG"
check "impair prints its counters at exit; relayd stops, no lost child," \
    "seccomp violation or sanitizer report"

e2e_done
