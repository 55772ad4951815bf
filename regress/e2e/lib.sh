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
# Shared helpers of the end-to-end suite (regress/e2e), sourced by each
# case script after it set E2E_NAME:
#
#	e2e_init PROGRAMS	root check, work directory, cleanup trap
#	e2e_netns SUFFIX	a namespace of this run (name in NS_<SUFFIX>)
#	e2e_link A B ADDRA ADDRB	a veth pair between two of them
#	e2e_veth / e2e_bridge	named veth pairs, a LAN bridge
#	e2e_users USERS		the daemons' system users
#	spawn / stop_pid / children	background processes, recorded
#	tls_cert		a self-signed relay certificate (CERT, KEY)
#	gatewayd_conf / clientd_conf / daemon_start	gatewayd, clientd
#	status_field / connected / counter_at	softlanctl queries
#	dnsmasq_start / udhcpc_script / udhcpc_run	DHCP on a LAN
#	tcpdump_start / tcpdump_stop	bounded captures
#	wait_for / wait_gone	bounded polling, never blind sleeps
#	relayd_conf / relayd_start / relayd_stop	relayd -dvv, seccomp
#				in trap mode, its dev certificate
#	impair_totals LOG	impair did drop, reorder and duplicate
#	peer_start / peer_cmd / peer_stop	slpeer clients over fifos
#	scan_logs FILES		"lost child", SIGSYS or sanitizer lines
#	ok / fail / check	one line per case; e2e_done the result
#
# Names are unique per run (the script's PID), cleanup stops only the
# PIDs recorded in PIDS and deletes only the namespaces in NETNS.  Only
# addresses from 198.18.0.0/15 are used.  KEEP=1 keeps the work directory.

E2E_OBJ=${1:-${OBJ:-obj}}
RELAYD=$E2E_OBJ/relayd/relayd
SLPEER=$E2E_OBJ/regress/peer/slpeer
CTL=$E2E_OBJ/softlanctl/softlanctl
IMPAIR=$E2E_OBJ/regress/e2e/impair
GATEWAYD=$E2E_OBJ/gatewayd/gatewayd
CLIENTD=$E2E_OBJ/clientd/clientd
RUSER=_relayd
CERTNAME=softlan-relay

PASS=0
FAIL=0
N=0
PIDS=
NETNS=
WHY=
SHOW=
T=sle$$

e2e_cleanup() {
	local pid ns
	for pid in $PIDS; do
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait_gone "$pid" 10 || kill -9 "$pid" 2>/dev/null
	done
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$KEEP" ]; then
		echo "$E2E_NAME: logs kept in $WORK" >&2
	elif [ -n "$WORK" ]; then
		rm -rf "$WORK"
	fi
}

# e2e_init: needs root and the programs named in $@.
e2e_init() {
	local b
	if [ "$(id -u)" != 0 ]; then
		echo "$E2E_NAME: needs root" >&2
		exit 1
	fi
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "$E2E_NAME: $b not built" >&2
			exit 1
		fi
	done
	WORK=$(mktemp -d "/tmp/softlan-$E2E_NAME.XXXXXX") || exit 1
	chmod 0755 "$WORK"
	trap e2e_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	# A peer that is gone must not kill the script when written to.
	trap '' PIPE
	if ! id "$RUSER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$RUSER" || exit 1
	fi
}

# A process that exists and is not a zombie.
alive() {
	local state
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# wait_for tenths command...: 0 as soon as the command succeeds.
wait_for() {
	local n=0 max=$(($1 * 2))
	shift
	while [ "$n" -lt "$max" ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n + 1))
	done
	"$@"
}

# wait_gone pid tenths
wait_gone() {
	local n=0
	while [ "$n" -lt $(($2 * 2)) ]; do
		alive "$1" || return 0
		sleep 0.05
		n=$((n + 1))
	done
	! alive "$1"
}

# e2e_netns SUFFIX: creates ${T}SUFFIX, its name in NS_SUFFIX, lo up.
e2e_netns() {
	local ns=$T$1
	ip netns add "$ns" || return 1
	NETNS="$NETNS $ns"
	ip -n "$ns" link set lo up
	eval "NS_$1=$ns"
}

# e2e_link NSA NSB ADDRA/LEN ADDRB/LEN: a veth pair, both ends up.
E2E_NLINK=0
e2e_link() {
	local a=${T}v${E2E_NLINK}a b=${T}v${E2E_NLINK}b
	E2E_NLINK=$((E2E_NLINK + 1))
	ip link add "$a" netns "$1" type veth peer name "$b" netns "$2" ||
	    return 1
	ip -n "$1" addr add "$3" dev "$a"
	ip -n "$2" addr add "$4" dev "$b"
	ip -n "$1" link set "$a" up
	ip -n "$2" link set "$b" up
}

# e2e_veth NSA IFA ADDRA NSB IFB ADDRB: a veth pair with the names
# given, both ends up; an address may be "-" (none).
e2e_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    return 1
	[ "$3" != - ] && ip -n "$1" addr add "$3" dev "$2"
	[ "$6" != - ] && ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# e2e_bridge NS BRIDGE PORT...: a bridge in NS, up, with those ports.
e2e_bridge() {
	local ns=$1 br=$2 p
	shift 2
	ip -n "$ns" link add "$br" type bridge || return 1
	ip -n "$ns" link set "$br" up
	for p in "$@"; do
		ip -n "$ns" link set "$p" master "$br" || return 1
	done
}

# e2e_users USER...: creates the missing system users (and leaves them).
e2e_users() {
	local u
	for u in "$@"; do
		id "$u" >/dev/null 2>&1 && continue
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || return 1
	done
}

# spawn VAR command...: runs it in the background, its pid in VAR and
# in PIDS (for the cleanup).
spawn() {
	local v=$1
	shift
	"$@" &
	eval "$v=$!"
	PIDS="$PIDS $!"
	disown $!
}

children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# stop_pid PID: SIGTERM, bounded wait, SIGKILL; its children too.
stop_pid() {
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

show() {
	echo "	--- $1"
	sed 's/^/	| /' "$1" | cut -c1-200 | tail -n 30
}

ok() {
	N=$((N + 1))
	PASS=$((PASS + 1))
	echo "ok $N $E2E_NAME: $*"
}
fail() {
	local f
	N=$((N + 1))
	FAIL=$((FAIL + 1))
	echo "not ok $N $E2E_NAME: $*${WHY:+ ($WHY)}"
	for f in $SHOW; do
		[ -f "$f" ] && show "$f"
	done
}
# check description: ok when $WHY is empty.
check() {
	if [ -z "$WHY" ]; then
		ok "$@"
	else
		fail "$@"
	fi
	WHY=
	SHOW=
}

# e2e_done: the result line ("NAME: P passed, F failed"), and the same
# counts into $E2E_RESULT when the suite runner gave one.
e2e_done() {
	echo "$E2E_NAME: $PASS passed, $FAIL failed"
	[ -n "$E2E_RESULT" ] && echo "$PASS $FAIL" >"$E2E_RESULT"
	[ "$FAIL" = 0 ]
}

# scan_logs FILE...: WHY names every file with "lost child", a seccomp
# violation or a sanitizer report.
scan_logs() {
	local l
	for l in "$@"; do
		[ -f "$l" ] || continue
		grep -q "lost child" "$l" && WHY="$WHY lost child in $l;"
		grep -Eq "seccomp: forbidden|SIGSYS" "$l" &&
		    WHY="$WHY seccomp violation in $l;"
		grep -Eq "runtime error|AddressSanitizer|LeakSanitizer" "$l" &&
		    WHY="$WHY sanitizer report in $l;"
	done
}

# impair_totals LOG: WHY names each kind of impairment (dropped,
# reordered, duplicated) that never happened, both directions together,
# in impair's last counters.
impair_totals() {
	local k v
	for k in dropped reordered duplicated; do
		v=$(grep '^impair: \(up\|down\) recv' "$1" | tail -n 2 |
		    sed -n "s/.* $k=\([0-9]*\).*/\1/p" |
		    awk '{ n += $1 } END { print n + 0 }')
		[ "$v" -gt 0 ] || WHY="$WHY nothing $k;"
	done
}

# --- relayd -------------------------------------------------------------

# relayd_start NS ADDR PORT LOG CONF: RPID, RCERT, RSOCK; waits until it
# listens (10 s at most).  The log is appended to.
relayd_start() {
	RNS=$1 RADDR=$2 RPORT=$3
	SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$RNS" "$RELAYD" -dvv \
	    -f "$5" >>"$4" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	disown "$RPID"
	wait_for 100 relayd_ready
}

relayd_ready() {
	alive "$RPID" && [ -s "$RCERT" ] && [ -S "$RSOCK" ] &&
	    ip netns exec "$RNS" ss -Huln "sport = :$RPORT" |
	    grep -q "$RADDR:$RPORT"
}

# relayd_conf FILE extra-lines: a configuration with a dev certificate
# and a control socket in $WORK (RCERT, RSOCK).
relayd_conf() {
	RCERT=$WORK/relay.der
	RSOCK=$WORK/relayd.sock
	cat >"$1" <<EOC
# relayd.conf of the e2e suite ($E2E_NAME)
listen on $2 port $3
dev-certificate "$RCERT"
reset-secret "$WORK/reset.key"
control "$RSOCK"
user $RUSER
$4
EOC
}

relay_child() {
	ps -o pid= --ppid "$RPID" 2>/dev/null | tr -d ' ' | head -n 1
}

relayd_stop() {
	local cpid
	cpid=$(relay_child)
	if alive "$RPID"; then
		kill -TERM "$RPID" 2>/dev/null
		wait_gone "$RPID" 50 || kill -9 "$RPID" 2>/dev/null
	fi
	[ -n "$cpid" ] && { wait_gone "$cpid" 20 || kill -9 "$cpid"; }
}

ctl() {
	"$CTL" -s "$RSOCK" "$@" 2>&1
}

# counter_at SOCK NAME: the largest value of that counter in "show
# counters" of the daemon behind control socket SOCK.
counter_at() {
	local v
	v=$("$CTL" -s "$1" -j show counters 2>&1 | tr -d ' \t\n' |
	    sed 's/}/}\n/g' | sed -n \
	    "s/.*\"counter\":\"$2\",\"value\":\([0-9][0-9]*\).*/\1/p" |
	    sort -n | tail -n 1)
	echo "${v:-0}"
}

# counter_above SOCK NAME N: that counter is above N.
counter_above() {
	[ "$(counter_at "$1" "$2")" -gt "$3" ]
}

# counter NAME: the same for relayd.
counter() {
	counter_at "$RSOCK" "$1"
}

# status_field SOCK NAME: a string or number of "show status -j".
status_field() {
	"$CTL" -s "$1" -j show status 2>/dev/null | tr -d '\n' |
	    sed -n "s/.*\"$2\":[[:space:]]*\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# connected SOCK: the gatewayd or clientd behind SOCK is connected.
connected() {
	[ "$(status_field "$1" state)" = connected ]
}

# rss PID: VmRSS in kB.
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status" \
	    2>/dev/null
}

# --- peers --------------------------------------------------------------

# peer_start NAME NS HOST PORT slpeer-args...: input fd FD_NAME, output
# $WORK/NAME.out, pid PID_NAME.
peer_start() {
	local name=$1 ns=$2 host=$3 port=$4 fifo=$WORK/$1.in fd
	shift 4
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	ip netns exec "$ns" "$SLPEER" -r "$host" -p "$port" -c "$RCERT" \
	    -n $CERTNAME -t 110 "$@" <"$fifo" >"$WORK/$name.out" \
	    2>"$WORK/$name.err" &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
	exec {fd}>"$fifo"
	eval "FD_$name=$fd"
}

peer_cmd() {
	local fd
	eval "fd=\$FD_$1"
	shift
	echo "$*" >&"$fd" 2>/dev/null
}

# peer_quit NAME: asks it to leave (peer_reap waits for it).
peer_quit() {
	local fd
	eval "fd=\$FD_$1"
	if [ -n "$fd" ]; then
		echo quit >&"$fd" 2>/dev/null
		exec {fd}>&-
		eval "FD_$1="
	fi
}

peer_reap() {
	local pid
	eval "pid=\$PID_$1"
	wait_gone "$pid" 40 || kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
}

peer_stop() {
	peer_quit "$1"
	peer_reap "$1"
}

has() {
	grep -Eq -- "$2" "$WORK/$1.out" 2>/dev/null
}

hexmac() {
	echo "$1" | tr -d ':'
}

# --- gatewayd and clientd -----------------------------------------------

# tls_cert: a self-signed P-256 certificate for $CERTNAME in CERT and
# KEY ($WORK/relay.pem, relay.key); RCERT is the certificate too.
tls_cert() {
	CERT=$WORK/relay.pem
	KEY=$WORK/relay.key
	RCERT=$CERT
	if ! openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj "/CN=$CERTNAME" -addext "subjectAltName=DNS:$CERTNAME" \
	    -days 2 -keyout "$KEY" -out "$CERT" >"$WORK/openssl.log" 2>&1
	then
		cat "$WORK/openssl.log" >&2
		return 1
	fi
}

# gatewayd_conf FILE RELAY PORT ROOM IFNAME SOCK
gatewayd_conf() {
	cat >"$1" <<EOC
relay "$2" port $3
server-name "$CERTNAME"
ca-certificate "$CERT"
room "$4"
interface $5
user _gatewayd
control "$6"
EOC
}

# clientd_conf FILE RELAY PORT ROOM MAC PINNING SOCK [ADDRESS/PREFIX]
clientd_conf() {
	cat >"$1" <<EOC
relay "$2" port $3
server-name "$CERTNAME"
ca-certificate "$CERT"
room "$4"
virtual-mac $5
route-pinning $6
user _clientd
control "$7"
EOC
	[ -n "$8" ] && echo "address $8" >>"$1"
}

# daemon_start VAR NS PROGRAM CONF LOG: gatewayd or clientd -dvv with
# seccomp in trap mode, its pid in VAR; the log is appended to.
daemon_start() {
	SOFTLAN_SECCOMP_TRAP=1 spawn "$1" ip netns exec "$2" "$3" -dvv \
	    -f "$4" >>"$5" 2>&1
}

# --- DHCP and captures --------------------------------------------------

# dnsmasq_start VAR NS IFNAME FIRST,LAST,MASK TAG: a DHCP server only
# (no DNS), leases in $WORK/TAG.leases, its log in $WORK/TAG.log.
dnsmasq_start() {
	spawn "$1" ip netns exec "$2" dnsmasq --no-ping --keep-in-foreground \
	    --no-resolv --no-hosts --port=0 --interface="$3" \
	    --bind-interfaces --dhcp-range="$4,10m" \
	    --dhcp-leasefile="$WORK/$5.leases" --pid-file="$WORK/$5.pid" \
	    --log-dhcp --log-facility="$WORK/$5.log"
}

# udhcpc_script: $WORK/udhcpc.sh appends "bound|renew IP SERVER" to
# $UDHCPC_OUT, and sets the address on the interface when UDHCPC_SET
# is not empty.
udhcpc_script() {
	cat >"$WORK/udhcpc.sh" <<'EOS'
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
EOS
	chmod 0755 "$WORK/udhcpc.sh"
}

# udhcpc_run NS IFNAME TRIES OUT LOG: one lease (busybox udhcpc -q),
# bounded by TRIES seconds-long attempts; UDHCPC_SET from the caller.
udhcpc_run() {
	UDHCPC_OUT=$4 ip netns exec "$1" timeout $(($3 * 3 + 10)) \
	    busybox udhcpc -i "$2" -f -q -n -t "$3" -T 1 \
	    -s "$WORK/udhcpc.sh" >"$5" 2>&1
}

# tcpdump_start VAR NS IFNAME FILE FILTER: captures (60 s at most) until
# tcpdump_stop; waits until it listens.
tcpdump_start() {
	local f=$4
	spawn "$1" ip netns exec "$2" timeout 60 tcpdump -lnei "$3" "$5" \
	    >"$f" 2>"$f.err"
	wait_for 50 grep -q 'listening on' "$f.err"
}

tcpdump_stop() {
	kill "$1" 2>/dev/null
	wait_gone "$1" 30
}
