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
# The relayd suite: relayd started for real (-dvv, seccomp in trap mode)
# in a network namespace, driven by regress/peer/slpeer clients and
# gateways that pin its development certificate.
#
#	bash regress/relayd/run.sh [objdir]	(default: $OBJ, else obj)
#
# Needs root.  Creates the system user _relayd if it is missing (and
# leaves it), two network namespaces joined by a veth pair (relay
# 198.18.0.1, peers 198.18.0.2; removed at exit), and kills only the
# processes it started.  Every wait is bounded.  One line per case, then
# "relayd: N passed, M failed"; the logs of a failed case are shown.  The
# harness (namespaces, processes, waits, reporting) is regress/lib.sh.
#
# Reject codes: all nine are provoked (version with proto 2, relay-full
# with a second relayd instance started with -D maxpeers=1).  SIGHUP
# reloads are tried on the first instance (a live room's client limit, a
# new room with a secret, a bad file), the broadcast token bucket on a
# third one (broadcast-rate 50 burst 50), and a fourth runs as _relayd
# with only CAP_NET_BIND_SERVICE (setpriv, util-linux) as systemd would.
# Three more use production certificate and key PEM files made with
# openssl(1) for relay.test by a test CA (directly, then through an
# intermediate as a full chain, then the bare leaf); peers pin the CA.

SUITE=relayd
T=slrd$$
. "$(dirname "$0")/../lib.sh"
ADDR=198.18.0.1
PORT=443

suite_init "$RELAYD" "$SLPEER" "$CTL"
sys_users $RUSER || exit 1
netns_add RELAY || exit 1
netns_add PEERS || exit 1
veth_link "$NS_RELAY" "$NS_PEERS" $ADDR/24 198.18.0.2/24 || exit 1

CONF=$WORK/relayd.conf
RLOG=$WORK/relayd.log
relayd_conf "$CONF" $ADDR $PORT "maxpeers = 64
open-rooms no
max-peers \$maxpeers
broadcast-rate 1000 burst 1000
room \"lan\" {
	max-clients 8
}
room \"locked\" {
	secret \"open-sesame\"
}
room \"tiny\" {
	max-clients 1
}"

# --- relayd -------------------------------------------------------------

KEEPCERT=
# start_relayd LOG [relayd args]: relayd_start in the relay's namespace
# with $CONF.  $RCERT (the file peers pin) is removed first unless
# $KEEPCERT is set (a production certificate: $RCERT is then the CA the
# peers trust).
start_relayd() {
	local log=$1
	shift
	[ -n "$KEEPCERT" ] || rm -f "$RCERT"
	relayd_start "$NS_RELAY" $ADDR $PORT "$log" "$CONF" "$@"
}

# --- peers --------------------------------------------------------------

# peer NAME slpeer-args...: a peer of this relay in the peers' namespace.
peer() {
	local name=$1
	shift
	peer_start "$name" "$NS_PEERS" $ADDR $PORT "$@"
}

# count NAME fixed-line: how many times the peer printed exactly that line.
count() {
	grep -Fxc -- "$2" "$WORK/$1.out" 2>/dev/null
}

# A peer that must be refused: reject_case NAME code slpeer-args...
reject_case() {
	local name=$1 code=$2
	shift 2
	peer "$name" "$@"
	wait_for 50 has "$name" '^(reject|closed) ' ||
	    WHY="no reject within 5 s"
	if [ -z "$WHY" ] && ! has "$name" "^reject code=$code "; then
		WHY="expected reject code=$code"
	fi
	SHOW="$WORK/$name.out"
	peer_stop "$name"
	check "reject $code: $*"
}

# --- frames -------------------------------------------------------------

# frame dst src ethertype payload-hex: padded to 60 bytes.
frame() {
	pad60 "$(hexmac "$1")$(hexmac "$2")$3$4"
}

# A payload that names the case, so every frame is unique.
tag() {
	printf 'cafe%08x' "$1"
}

BCAST=ff:ff:ff:ff:ff:ff
C1=02:00:00:00:00:01
C2=02:00:00:00:00:02
C3=02:00:00:00:00:03
C4=02:00:00:00:00:04
GW=00:50:56:00:00:10
GWHOST=00:50:56:00:00:20	# a LAN host behind the gateway
# Test frames use the IEEE local experimental EtherType: no filter judges
# it (an IPv4 EtherType would need a valid IPv4 header from a client).
XT=88b5

# --- the cases ----------------------------------------------------------

start_relayd "$RLOG"
if ! relayd_ready; then
	SHOW=$RLOG
	fail "relayd starts and listens on $ADDR port $PORT"
	suite_done
	exit 1
fi
ok "relayd starts, writes its dev certificate, listens on $ADDR:$PORT"

# The relay child: its user, chrooted, no_new_privs, seccomp filter.
CPID=$(relay_child)
if [ -z "$CPID" ]; then
	WHY="no relay child"
else
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' \
	    "/proc/$CPID/status")
	[ "$uid" = "$(id -u $RUSER)" ] || WHY="$WHY uid $uid;"
	[ "$(readlink "/proc/$CPID/root")" != / ] ||
	    WHY="$WHY not chrooted;"
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$CPID/status" ||
	    WHY="$WHY seccomp not 2;"
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$CPID/status" ||
	    WHY="$WHY no_new_privs not set;"
fi
SHOW=$RLOG
check "relay child runs as $RUSER, chrooted ($(readlink \
    "/proc/$CPID/root" 2>/dev/null)), no_new_privs, seccomp 2"

# Each reject code a peer can provoke.
reject_case rv version -R lan -m 02:00:00:00:00:a1 -P 2
reject_case rr bad-room -R 'no room!' -m 02:00:00:00:00:a2
reject_case rm1 bad-mac -R lan -m 01:00:5e:00:00:01
reject_case rm2 bad-mac -R lan -m 00:11:22:33:44:55
reject_case ro bad-role -R lan -m 02:00:00:00:00:a3 -o router
reject_case ru unauthorized -R locked -m 02:00:00:00:00:a4 -S wrong
peer rs -R locked -m 02:00:00:00:00:a5 -S open-sesame
wait_for 50 has rs '^welcome ' || WHY="no welcome"
SHOW="$WORK/rs.out"
check "the right secret opens a declared room"
peer_stop rs
reject_case rn unauthorized -R undeclared -m 02:00:00:00:00:a6

# The room: two clients and a gateway.
peer c1 -R lan -m $C1
wait_for 50 has c1 '^welcome ' || WHY="c1 not welcomed"
peer c2 -R lan -m $C2
wait_for 50 has c2 '^welcome ' || WHY="$WHY c2 not welcomed"
peer gw -R lan -m $GW -g
wait_for 50 has gw '^welcome ' || WHY="$WHY gw not welcomed"
wait_for 50 has c1 "^peer-joined id=[0-9]+ role=gateway mac=$GW\$" ||
    WHY="$WHY c1 did not hear the gateway join"
has gw "peers=.*$C1" && has gw "peers=.*$C2" ||
    WHY="$WHY the gateway's welcome lacks c1 or c2"
SHOW="$WORK/c1.out $WORK/c2.out $WORK/gw.out $RLOG"
check "two clients and a gateway join room lan (welcome, peer-joined)"

reject_case rd duplicate-mac -R lan -m $C1
reject_case rg gateway-exists -R lan -m 00:50:56:00:00:11 -g
peer t1 -R tiny -m 02:00:00:00:00:b1
wait_for 50 has t1 '^welcome ' || WHY="first client of tiny refused"
SHOW="$WORK/t1.out"
check "room tiny admits its one client"
reject_case t2 room-full -R tiny -m 02:00:00:00:00:b2
peer_stop t1

# Send frame $2 from peer $1 and wait until every peer in $3 has it.
send_wait() {
	local from=$1 f=$2 p
	peer_cmd "$from" "frame $f"
	for p in $3; do
		wait_for 30 has "$p" "^frame $f\$" || WHY="$WHY $p did not get it;"
	done
}
# Exactly-once on $2, never on $3 (after a marker broadcast from $1 has
# reached everyone, so the frame had its chance).
verify() {
	local f=$1 p m
	for p in $2; do
		[ "$(count "$p" "frame $f")" = 1 ] ||
		    WHY="$WHY $p got it $(count "$p" "frame $f") times;"
	done
	MARK=$((MARK + 1))
	m=$(frame $BCAST $4 $XT "$(tag $((0x7f000000 + MARK)))")
	send_wait "$5" "$m" "$6"
	for p in $3; do
		[ "$(count "$p" "frame $f")" = 0 ] || WHY="$WHY $p got it;"
	done
}
MARK=0
ALL3="c1 c2 gw"
SHOW="$WORK/c1.out $WORK/c2.out $WORK/gw.out"

f=$(frame $BCAST $C1 $XT "$(tag 1)")
send_wait c1 "$f" "c2 gw"
verify "$f" "c2 gw" "c1" $C2 c2 "c1 gw"
check "broadcast from a client reaches every other member once, not the sender"

f=$(frame $BCAST $GWHOST $XT "$(tag 2)")
send_wait gw "$f" "c1 c2"
verify "$f" "c1 c2" "gw" $C1 c1 "c2 gw"
check "broadcast from the gateway reaches both clients once, not the gateway"

f=$(frame $C2 $C1 $XT "$(tag 3)")
send_wait c1 "$f" "c2"
verify "$f" "c2" "c1 gw" $C2 c2 "c1 gw"
check "unicast from a client to a client reaches only that client"

f=$(frame $C1 $GWHOST $XT "$(tag 4)")
send_wait gw "$f" "c1"
verify "$f" "c1" "c2 gw" $C2 c2 "c1 gw"
check "unicast from the gateway to a client reaches only that client"

f=$(frame 00:50:56:00:00:99 $C1 $XT "$(tag 5)")
send_wait c1 "$f" "gw"
verify "$f" "gw" "c1 c2" $C2 c2 "c1 gw"
check "unknown unicast from a client reaches only the gateway"

before=$(counter drop-gw-unknown-unicast)
f=$(frame 00:50:56:00:00:98 $GWHOST $XT "$(tag 6)")
peer_cmd gw "frame $f"
verify "$f" "" "c1 c2 gw" $C2 c2 "c1 gw"
after=$(counter drop-gw-unknown-unicast)
[ "${after:-0}" -gt "${before:-0}" ] 2>/dev/null ||
    WHY="$WHY drop-gw-unknown-unicast counter $before -> $after;"
SHOW="$SHOW $WORK/counters.json"
ctl -j show counters >"$WORK/counters.json"
check "unknown unicast from the gateway is dropped and counted"

# Drops from a client: spoofed source, STP BPDU, DHCP OFFER, RA.
drop_case() {
	local name=$1 cname=$2 f=$3 before after
	before=$(counter "$cname")
	peer_cmd c1 "frame $f"
	verify "$f" "" "c1 c2 gw" $C1 c1 "c2 gw"
	after=$(counter "$cname")
	[ "${after:-0}" -gt "${before:-0}" ] 2>/dev/null ||
	    WHY="$WHY counter $cname $before -> $after;"
	ctl -j show counters >"$WORK/counters.json"
	SHOW="$WORK/c1.out $WORK/c2.out $WORK/gw.out $WORK/counters.json"
	check "$name from a client is dropped and counted ($cname)"
}
drop_case "a spoofed source" drop-spoofed \
    "$(frame $BCAST 02:00:00:00:00:77 $XT "$(tag 7)")"
# 802.3 length 38, LLC 42 42 03, a configuration BPDU.
drop_case "an STP BPDU" drop-link-local \
    "$(frame 01:80:c2:00:00:00 $C1 0026 \
    "424203000000000080000050560000100000000080000050560000108001000014000200"
    )"
# IPv4 198.18.5.1 -> 255.255.255.255, UDP 67 -> 68, BOOTP reply (op 2).
drop_case "a DHCP OFFER" drop-dhcp4-server \
    "$(frame $BCAST $C1 0800 \
    "450000300001000040110000c6120501ffffffff00430044001c0000020106000000abcd00000000")"
# IPv6 fe80::1 -> ff02::1, ICMPv6 type 134.
drop_case "a router advertisement" drop-router-advert \
    "$(frame 33:33:00:00:00:01 $C1 86dd \
    "6000000000103aff""fe800000000000000000000000000001""ff020000000000000000000000000001""8600000040000708""0000000000000000")"

# A 1514-byte frame crosses although the frame budget is smaller.
big() {
	local f
	f=$(hexmac "$1")$(hexmac "$2")$XT
	f=$f$(head -c 1500 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	echo "$f"
}
f=$(big $C1 $GWHOST)
budget=$(sed -n 's/^connected .*budget=\([0-9]*\)$/\1/p' "$WORK/gw.out")
send_wait gw "$f" "c1"
has gw '^sent len=1514 datagrams=[2-4]$' ||
    WHY="$WHY not fragmented by the gateway (budget $budget);"
verify "$f" "c1" "c2 gw" $C2 c2 "c1 gw"
check "a 1514-byte frame from the gateway crosses fragmented (budget $budget)"
f=$(big 00:50:56:00:00:97 $C2)
send_wait c2 "$f" "gw"
verify "$f" "gw" "c1 c2" $C1 c1 "c2 gw"
check "a 1514-byte frame from a client crosses fragmented, byte-exact"

# A peer that leaves disappears from show peers and is no longer a
# destination: unicast to its MAC becomes unknown unicast (gateway only).
peer c3 -R lan -m $C3
wait_for 50 has c3 '^welcome ' || WHY="c3 not welcomed"
ctl show peers >"$WORK/peers1.txt"
grep -q "$C3" "$WORK/peers1.txt" || WHY="$WHY c3 not in show peers;"
f=$(frame $C3 $C1 $XT "$(tag 8)")
send_wait c1 "$f" "c3"
peer_stop c3
wait_for 50 has c1 "^peer-left id=[0-9]+ role=client mac=$C3\$" ||
    WHY="$WHY c1 did not hear c3 leave;"
ctl show peers >"$WORK/peers2.txt"
! grep -q "$C3" "$WORK/peers2.txt" || WHY="$WHY c3 still in show peers;"
f=$(frame $C3 $C1 $XT "$(tag 9)")
send_wait c1 "$f" "gw"
verify "$f" "gw" "c1 c2 c3" $C2 c2 "c1 gw"
SHOW="$WORK/c1.out $WORK/c3.out $WORK/peers1.txt $WORK/peers2.txt"
check "a peer that leaves: peer-left, gone from show peers, not forwarded to"

# show peers: every connected peer with its role and MAC, nobody else.
ctl show peers >"$WORK/peers3.txt"
ctl -j show peers >"$WORK/peers3.json"
for pm in client/$C1 client/$C2 gateway/$GW; do
	grep "${pm#*/}" "$WORK/peers3.txt" | grep -qw "${pm%%/*}" ||
	    WHY="$WHY no ${pm%%/*} ${pm#*/} row;"
	tr -d ' \t\n' <"$WORK/peers3.json" | sed 's/}/}\n/g' | grep -q \
	    "\"role\":\"${pm%%/*}\",\"mac\":\"${pm#*/}\"" ||
	    WHY="$WHY no ${pm#*/} with role ${pm%%/*} in -j;"
done
n=$(tr -d ' \t\n' <"$WORK/peers3.json" | grep -o '"mac":' | wc -l)
[ "$n" = 3 ] || WHY="$WHY $n peers listed, not 3;"
SHOW="$WORK/peers3.txt $WORK/peers3.json"
check "show peers lists the connected peers with role and MAC"

# SIGHUP: room lan now takes 2 clients (it has c1 and c2), a new declared
# room vault needs a secret.  The connected peers stay.
nreloaded() {
	grep -c 'configuration reloaded' "$RLOG"
}
reloaded_since() {
	[ "$(nreloaded)" -gt "$1" ]
}
reload_wait() {
	local before
	before=$(nreloaded)
	kill -HUP "$RPID"
	wait_for 50 reloaded_since "$before"
}
cp "$CONF" "$WORK/relayd.conf.orig"
sed -i 's/max-clients 8/max-clients 2/' "$CONF"
printf 'room "vault" {\n\tsecret "s3cret"\n}\n' >>"$CONF"
reload_wait || WHY="no \"configuration reloaded\" in the log"
SHOW=$RLOG
check "SIGHUP reloads the configuration"
reject_case h1 room-full -R lan -m 02:00:00:00:00:d1
reject_case h2 unauthorized -R vault -m 02:00:00:00:00:d2 -S wrong
peer h3 -R vault -m 02:00:00:00:00:d3 -S s3cret
wait_for 50 has h3 '^welcome ' || WHY="no welcome"
SHOW="$WORK/h3.out $RLOG"
check "after the reload the new room vault admits the right secret"
peer_stop h3
for p in c1 c2 gw; do
	eval "pid=\$PID_$p"
	alive "$pid" || WHY="$WHY $p died;"
	has $p '^closed ' && WHY="$WHY $p closed;"
done
f=$(frame $BCAST $C2 $XT "$(tag 11)")
send_wait c2 "$f" "c1 gw"
SHOW="$WORK/c1.out $WORK/c2.out $WORK/gw.out"
check "the connected peers stay connected and forwarding across a reload"

# A bad configuration on reload: the running one is kept, file:line logged.
badline=$(($(wc -l <"$CONF") + 1))
echo "max-clients banana" >>"$CONF"
kill -HUP "$RPID"
wait_for 50 grep -q "reload: $CONF has errors, keeping" "$RLOG" ||
    WHY="no \"has errors, keeping\" in the log;"
grep -q "$CONF:$badline: " "$RLOG" || WHY="$WHY no $CONF:$badline in the log;"
peer h4 -R vault -m 02:00:00:00:00:d4 -S s3cret
wait_for 50 has h4 '^(welcome|reject) ' || WHY="$WHY h4 got no answer;"
has h4 '^welcome ' || WHY="$WHY vault lost after a bad reload;"
peer_stop h4
SHOW="$RLOG $WORK/h4.out"
check "a bad configuration on reload is refused with file:line," \
    "the running one kept"
reject_case h5 room-full -R lan -m 02:00:00:00:00:d5

# Back to the suite's configuration.
cp "$WORK/relayd.conf.orig" "$CONF"
reload_wait || WHY="the original configuration not reloaded;"
peer h6 -R lan -m 02:00:00:00:00:d6
wait_for 50 has h6 '^welcome ' || WHY="$WHY lan still full"
peer_stop h6
SHOW="$RLOG $WORK/h6.out"
check "reloading the original configuration gives lan its 8 clients back"

# Malformed control input closes only that connection, with a reason.
bad_case() {
	local name=$1 what=$2
	shift 2
	peer "$name" -R lan -m $C4
	wait_for 50 has "$name" '^welcome ' || WHY="not welcomed"
	for cmd in "$@"; do
		peer_cmd "$name" "$cmd"
	done
	wait_for 50 has "$name" '^closed ' || WHY="$WHY not closed;"
	if has "$name" '^closed reason=(quit|timeout|unknown)$'; then
		WHY="$WHY closed without a reason;"
	fi
	peer_stop "$name"
	alive "$PID_c1" && alive "$PID_gw" || WHY="$WHY another peer died;"
	f=$(frame $BCAST $C1 $XT "$(tag $((0x100 + N)))")
	send_wait c1 "$f" "c2 gw"
	SHOW="$WORK/$name.out"
	has "$name" '^disconnect reason=.' ||
	    WHY="$WHY no disconnect message with a reason;"
	check "$what closes only that connection (\"$(sed -n \
	    's/^disconnect reason=//p' "$WORK/$name.out" | head -n 1)\")"
}
bad_case b1 "bad JSON" 'json {"type":"stats",'
bad_case b2 "a 20 KiB message" 'bigmsg 20480'
bad_case b3 "an unknown message type" 'json {"type":"teleport"}'
bad_case b4 "hello twice" 'hello'

# Nothing went wrong in the relay so far.
WHY=
scan_logs "$RLOG"
alive "$RPID" || WHY="$WHY relayd died;"
SHOW=$RLOG
check "no lost child, seccomp violation or sanitizer report in the log"

# Restart: the peers get a stateless reset (same reset-secret file) at
# their next packet.  The new instance admits only one peer.
CPID=$(relay_child)
kill -9 "$RPID" 2>/dev/null
[ -n "$CPID" ] && kill -9 "$CPID" 2>/dev/null
{ wait "$RPID"; } 2>/dev/null	# no "Killed" job notice
[ -n "$CPID" ] && wait_gone "$CPID" 20
RLOG2=$WORK/relayd2.log
start_relayd "$RLOG2" -D maxpeers=1
relayd_ready || WHY="relayd did not restart"
for p in c1 c2 gw; do
	peer_cmd $p "frame $(frame $BCAST 02:00:00:00:00:0f $XT "$(tag 10)")"
done
for p in c1 c2 gw; do
	wait_for 50 has $p '^closed ' || WHY="$WHY $p not closed;"
	has $p '^closed reason=stateless reset$' ||
	    WHY="$WHY $p: $(grep '^closed' "$WORK/$p.out");"
done
SHOW="$RLOG2"
check "after a restart the peers report a stateless reset"
for p in c1 c2 gw; do
	peer_stop $p
done

peer f1 -R lan -m 02:00:00:00:00:c1
wait_for 50 has f1 '^welcome ' || WHY="the first peer was refused"
SHOW="$WORK/f1.out $RLOG2"
check "a relay with max-peers 1 admits one peer"
reject_case f2 relay-full -R lan -m 02:00:00:00:00:c2
peer_stop f1

relayd_stop

# The broadcast/multicast token bucket: a third instance with
# broadcast-rate 50 burst 50.  r1 sends 200 broadcasts in batches (its
# own datagram queue must not overflow); r2 gets at most burst +
# rate * elapsed, drop-rate-limited counts the rest; unicast is not
# limited.
CONF3=$WORK/relayd3.conf
RLOG3=$WORK/relayd3.log
sed 's/^broadcast-rate .*/broadcast-rate 50 burst 50/' "$CONF" >"$CONF3"
start_relayd "$RLOG3" -f "$CONF3"
relayd_ready || WHY="relayd (broadcast-rate 50) did not start;"
peer r1 -R lan -m $C1
peer r2 -R lan -m $C2
wait_for 50 has r1 '^welcome ' || WHY="$WHY r1 not welcomed;"
wait_for 50 has r2 '^welcome ' || WHY="$WHY r2 not welcomed;"
# burst_send NAME FILE: its lines to the peer, 40 at a time.
burst_send() {
	local fd i
	eval "fd=\$FD_$1"
	for i in 1 41 81 121 161; do
		sed -n "$i,$((i + 39))p" "$2" >&"$fd" 2>/dev/null
		sleep 0.02
	done
}
: >"$WORK/bcast.in"
: >"$WORK/ucast.in"
i=0
while [ "$i" -lt 200 ]; do
	echo "frame $(frame $BCAST $C1 $XT "$(printf 'beef%08x' $i)")" \
	    >>"$WORK/bcast.in"
	[ "$i" -lt 150 ] && echo "frame $(frame $C2 $C1 $XT \
	    "$(printf 'feed%08x' $i)")" >>"$WORK/ucast.in"
	i=$((i + 1))
done
rl_before=$(counter drop-rate-limited)
t0=$(date +%s%N)
burst_send r1 "$WORK/bcast.in"
wait_for 30 eval '[ "$(grep -c "^sent len=" "$WORK/r1.out")" -ge 200 ]'
t1=$(date +%s%N)
sleep 0.3	# the last allowed frames reach r2
elapsed_ms=$(((t1 - t0) / 1000000))
got=$(grep -c '^frame .*beef' "$WORK/r2.out")
sent=$(grep -c '^sent len=' "$WORK/r1.out")
rl=$(( $(counter drop-rate-limited) - rl_before ))
max=$((50 + 50 * elapsed_ms / 1000 + 2))
[ "$sent" = 200 ] || WHY="$WHY r1 queued only $sent;"
[ "$got" -ge 45 ] && [ "$got" -le "$max" ] ||
    WHY="$WHY r2 got $got broadcasts (45..$max allowed in $elapsed_ms ms);"
[ $((got + rl)) = 200 ] ||
    WHY="$WHY $got received + $rl rate-limited != 200;"
ctl -j show counters >"$WORK/counters3.json"
SHOW="$WORK/r1.out $WORK/r1.err $WORK/counters3.json $RLOG3"
check "broadcast rate 50 burst 50: r2 got $got of 200 in $elapsed_ms ms," \
    "$rl counted drop-rate-limited"
burst_send r1 "$WORK/ucast.in"
wait_for 50 eval '[ "$(grep -c "^frame .*feed" "$WORK/r2.out")" -ge 150 ]' ||
    WHY="r2 got $(grep -c '^frame .*feed' "$WORK/r2.out") of 150 unicasts;"
rl2=$(( $(counter drop-rate-limited) - rl_before ))
[ "$rl2" = "$rl" ] || WHY="$WHY drop-rate-limited grew $rl -> $rl2;"
SHOW="$WORK/r1.out $WORK/r2.out"
check "unicast is not rate limited (150 frames in a burst all arrive)"
peer_stop r1
peer_stop r2
relayd_stop

# Started as _relayd with only CAP_NET_BIND_SERVICE (systemd's way): the
# parent binds port 443, the chroot and setuid are skipped (logged once),
# the child still gets no_new_privs and its seccomp filter.
RLOG4=$WORK/relayd4.log
CONF4=$WORK/relayd4.conf
NRDIR=$WORK/nonroot
mkdir "$NRDIR" && chown "$RUSER:$RUSER" "$NRDIR" && chmod 0700 "$NRDIR"
sed -e "s|^dev-certificate .*|dev-certificate \"$NRDIR/relay.der\"|" \
    -e "s|^reset-secret .*|reset-secret \"$NRDIR/reset.key\"|" \
    -e "s|^control .*|control \"$NRDIR/relayd.sock\"|" "$CONF" >"$CONF4"
chmod 0644 "$CONF4"
SAVE_CERT=$RCERT SAVE_SOCK=$RSOCK
RCERT=$NRDIR/relay.der RSOCK=$NRDIR/relayd.sock
RWRAP="setpriv --reuid=$RUSER --regid=$RUSER --init-groups
    --inh-caps=+net_bind_service --ambient-caps=+net_bind_service --"
start_relayd "$RLOG4" -f "$CONF4"
RWRAP=
relayd_ready || WHY="relayd as $RUSER did not start;"
uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$RPID/status")
[ "$uid" = "$(id -u $RUSER)" ] || WHY="$WHY parent uid $uid;"
n=$(grep -c "not running as root: chroot and setuid to $RUSER skipped" \
    "$RLOG4")
[ "$n" = 1 ] || WHY="$WHY the skip logged $n times;"
[ "$(stat -c %U:%a "$RSOCK" 2>/dev/null)" = "$RUSER:660" ] ||
    WHY="$WHY control socket $(stat -c %U:%a "$RSOCK" 2>/dev/null);"
CPID=$(relay_child)
if [ -z "$CPID" ]; then
	WHY="$WHY no relay child;"
else
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$CPID/status" ||
	    WHY="$WHY seccomp not 2;"
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$CPID/status" ||
	    WHY="$WHY no_new_privs not set;"
	grep -Eq '^CapEff:[[:space:]]+0+$' "/proc/$CPID/status" ||
	    WHY="$WHY child kept capabilities;"
	grep -Eq '^CapAmb:[[:space:]]+0+$' "/proc/$CPID/status" ||
	    WHY="$WHY child kept ambient capabilities;"
fi
peer n1 -R lan -m $C1
wait_for 50 has n1 '^welcome ' || WHY="$WHY no welcome;"
ctl show status >"$WORK/status4.txt" || WHY="$WHY softlanctl failed;"
peer_stop n1
SHOW="$RLOG4 $WORK/n1.out $WORK/status4.txt"
check "relayd as $RUSER with only CAP_NET_BIND_SERVICE: port $PORT," \
    "skip logged once, child without capabilities, no_new_privs and" \
    "seccomp 2, peer welcomed"
relayd_stop
RCERT=$SAVE_CERT RSOCK=$SAVE_SOCK

# Production certificates: PEM files read by the parent and handed to the
# child as bytes.  A test CA signs a certificate for relay.test directly
# (PKCS#8 key) and, through an intermediate CA, a second one (SEC1 key)
# whose file holds the full chain.  Peers pin only the root.
PKI=$WORK/pki
mkdir -m 0700 "$PKI"
# pki_key NAME: a P-256 key in PKCS#8 PEM.
pki_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$PKI/$1.key"
}
# pki_root NAME CN: a self-signed root CA.
pki_root() {
	pki_key "$1" && openssl req -x509 -new -key "$PKI/$1.key" \
	    -out "$PKI/$1.pem" -days 2 -subj "/CN=$2" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
}
# pki_sign NAME CN ISSUER EXTENSIONS: NAME's key and certificate.
pki_sign() {
	printf '%s\n' "$4" | tr ';' '\n' >"$PKI/$1.ext"
	pki_key "$1" && openssl req -new -key "$PKI/$1.key" \
	    -out "$PKI/$1.csr" -subj "/CN=$2" &&
	    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.pem" \
	    -CAkey "$PKI/$3.key" -set_serial "0x$(openssl rand -hex 8)" \
	    -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem"
}
SRVEXT="basicConstraints=critical,CA:FALSE;keyUsage=critical,digitalSignature"
SRVEXT="$SRVEXT;extendedKeyUsage=serverAuth;subjectAltName=DNS:relay.test"
SRVEXT="$SRVEXT;subjectKeyIdentifier=hash;authorityKeyIdentifier=keyid"
INTEXT="basicConstraints=critical,CA:TRUE,pathlen:0"
INTEXT="$INTEXT;keyUsage=critical,keyCertSign,cRLSign"
INTEXT="$INTEXT;subjectKeyIdentifier=hash;authorityKeyIdentifier=keyid"
{
	pki_root ca "softlan test CA" &&
	    pki_root other "softlan other CA" &&
	    pki_sign srv relay.test ca "$SRVEXT" &&
	    pki_sign int "softlan test intermediate CA" ca "$INTEXT" &&
	    pki_sign srv2 relay.test int "$SRVEXT" &&
	    openssl pkey -in "$PKI/srv2.key" -traditional \
	    -out "$PKI/srv2.sec1.key" &&
	    cat "$PKI/srv2.pem" "$PKI/int.pem" >"$PKI/chain.pem" &&
	    chmod 0600 "$PKI"/*.key
} >"$WORK/pki.log" 2>&1 || WHY="openssl failed;"
grep -q 'BEGIN PRIVATE KEY' "$PKI/srv.key" &&
    grep -q 'BEGIN EC PRIVATE KEY' "$PKI/srv2.sec1.key" ||
    WHY="$WHY keys not in PKCS#8 and SEC1 PEM;"
openssl verify -CAfile "$PKI/ca.pem" -untrusted "$PKI/int.pem" \
    "$PKI/srv.pem" "$PKI/srv2.pem" >>"$WORK/pki.log" 2>&1 ||
    WHY="$WHY openssl does not verify the chains;"
SHOW="$WORK/pki.log"
check "test PKI: a CA, a certificate for relay.test, an intermediate CA" \
    "and a full chain, another CA"

SAVE_CERT=$RCERT SAVE_NAME=$CERTNAME
RCERT=$PKI/ca.pem CERTNAME=relay.test KEEPCERT=1
# prod_start LOG CONF CERTFILE KEYFILE: the suite's configuration with
# certificate and key instead of dev-certificate.
prod_start() {
	sed "s|^dev-certificate .*|certificate \"$3\"\nkey \"$4\"|" \
	    "$CONF" >"$2"
	start_relayd "$1" -f "$2"
}
# tls_fail NAME REGEX slpeer-args...: the handshake fails, the peer's
# closed line says why (REGEX: the TLS failure expected).
tls_fail() {
	local name=$1 why=$2
	shift 2
	peer "$name" "$@"
	wait_for 50 has "$name" '^(welcome|reject|closed) ' ||
	    WHY="$WHY $name: no answer within 5 s;"
	has "$name" '^(connected|welcome) ' &&
	    WHY="$WHY $name: handshake completed;"
	has "$name" "^closed reason=TLS handshake failed: $why" ||
	    WHY="$WHY $name: $(grep '^closed' "$WORK/$name.out");"
	peer_stop "$name"
	SHOW="$SHOW $WORK/$name.out $WORK/$name.err"
}
# no_key_leak LOG KEYFILE: no PEM armour or key body line in the log.
no_key_leak() {
	local l
	grep -q 'PRIVATE KEY' "$1" && WHY="$WHY PRIVATE KEY in $1;"
	while read -r l; do
		case $l in
		-----*) ;;
		*) grep -qF -- "$l" "$1" && WHY="$WHY key material in $1;" ;;
		esac
	done <"$2"
}

RLOG5=$WORK/relayd5.log
CONF5=$WORK/relayd5.conf
prod_start "$RLOG5" "$CONF5" "$PKI/srv.pem" "$PKI/srv.key"
relayd_ready || WHY="relayd with certificate and key did not start;"
grep -q 'development certificate' "$RLOG5" &&
    WHY="$WHY a development certificate was made;"
CPID=$(relay_child)
if [ -z "$CPID" ]; then
	WHY="$WHY no relay child;"
else
	croot=$(readlink "/proc/$CPID/root")
	[ "$croot" != / ] || WHY="$WHY not chrooted;"
	[ -e "/proc/$CPID/root$PKI/srv.key" ] &&
	    WHY="$WHY the key is reachable in the chroot;"
	ls -l "/proc/$CPID/fd/" 2>/dev/null | grep -q "$PKI" &&
	    WHY="$WHY the child holds a file of $PKI open;"
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$CPID/status" ||
	    WHY="$WHY seccomp not 2;"
fi
no_key_leak "$RLOG5" "$PKI/srv.key"
SHOW=$RLOG5
check "relayd with certificate and key PEM files: the child (chroot" \
    "$croot) holds neither file, no key material in the log"

peer p1 -R lan -m $C1
wait_for 50 has p1 '^welcome ' || WHY="no welcome;"
has p1 '^connected cipher=' || WHY="$WHY no connected line;"
peer_stop p1
SHOW="$WORK/p1.out $WORK/p1.err $RLOG5"
check "a peer trusting the test CA, server name relay.test, is welcomed"

# wolfSSL's name check sends bad_certificate (42) without a verify result.
tls_fail p2 'alert 42$' -R lan -m $C2 -n wrong.test
check "server name wrong.test: the handshake fails" \
    "($(sed -n 's/^closed //p' "$WORK/p2.out"))"
tls_fail p3 'certificate verification failed' -R lan -m $C3 \
    -c "$PKI/other.pem"
check "an unrelated CA: the handshake fails" \
    "($(sed -n 's/^closed //p' "$WORK/p3.out"))"
peer p5 -R lan -m $C4
wait_for 50 has p5 '^welcome ' || WHY="no welcome;"
peer_stop p5
alive "$RPID" || WHY="$WHY relayd died;"
n=$(grep -c ': handshake done ' "$RLOG5")
[ "$n" = 2 ] || WHY="$WHY $n handshakes done in the relay, not 2;"
SHOW="$WORK/p5.out $RLOG5"
check "the relay completed only the two good handshakes and still" \
    "welcomes"
relayd_stop

# The full chain (server + intermediate, SEC1 key); the peer trusts the
# root only.  The same leaf without its intermediate is not trusted.
RLOG6=$WORK/relayd6.log
prod_start "$RLOG6" "$WORK/relayd6.conf" "$PKI/chain.pem" \
    "$PKI/srv2.sec1.key"
relayd_ready || WHY="relayd with the chain did not start;"
peer q1 -R lan -m $C1
wait_for 50 has q1 '^welcome ' || WHY="$WHY no welcome;"
peer_stop q1
no_key_leak "$RLOG6" "$PKI/srv2.sec1.key"
SHOW="$WORK/q1.out $WORK/q1.err $RLOG6"
check "a certificate chain through an intermediate CA (SEC1 key):" \
    "a peer trusting only the root is welcomed"
relayd_stop
RLOG7=$WORK/relayd7.log
prod_start "$RLOG7" "$WORK/relayd7.conf" "$PKI/srv2.pem" "$PKI/srv2.key"
relayd_ready || WHY="relayd with the bare leaf did not start;"
tls_fail q2 'certificate verification failed' -R lan -m $C1
SHOW="$SHOW $RLOG7"
check "the same leaf without its intermediate: the handshake fails" \
    "($(sed -n 's/^closed //p' "$WORK/q2.out"))"
relayd_stop
RCERT=$SAVE_CERT CERTNAME=$SAVE_NAME KEEPCERT=

WHY=
scan_logs "$RLOG" "$RLOG2" "$RLOG3" "$RLOG4" "$RLOG5" "$RLOG6" "$RLOG7" \
    "$WORK"/*.err
SHOW="$RLOG2 $(grep -El 'runtime error|AddressSanitizer|LeakSanitizer' \
    "$WORK"/*.err)"
check "relayd stops cleanly, no violation in any log (relayd, slpeer)"

suite_done
