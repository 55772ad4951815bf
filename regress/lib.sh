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
# The regress harness: namespaces, processes, waits and reporting for
# the suites that run real programs as root (regress/relayd, gatewayd,
# clientd, privsep, and the e2e cases through regress/e2e/lib.sh).  A
# suite sets SUITE (its name in messages and in the closing line) and T
# (a prefix of its own for namespace and interface names, with $$ in it)
# and sources this file; the object directory is the suite's first
# argument, else $OBJ, else obj.
#
#	suite_init PROGRAM...	root, the programs built, the work
#				directory WORK, the cleanup at exit
#	need_tools TOOL...	the tools are installed
#	sys_users USER...	the daemons' system users (left in place)
#	netns_add NAME		a namespace ${T}NAME, its name in NS_NAME
#	veth_link / veth_pair / bridge_add	links between namespaces
#	ns_run NS command...	a command in a namespace
#	spawn [-w] VAR command...	a background process, recorded
#	stop_pid / stop_strict / child_of / children	stopping
#	alive / wait_for / wait_gone	bounded polling, never blind sleeps
#	ok / fail / check / show	one line per case
#	suite_done		"SUITE: N passed, M failed"
#	scan_logs FILE...	"lost child", SIGSYS or sanitizer lines
#	tls_cert		a self-signed relay certificate (CERT, KEY)
#	relayd_conf / relayd_start / relayd_ready / relayd_stop /
#	relay_child		relayd -dvv, seccomp in trap mode
#	gatewayd_conf / clientd_conf / daemon_start / clientd_start
#				gatewayd, clientd
#	ctl / ctl_at / counter / counter_at / counter_above /
#	status_field / connected / rss	softlanctl and /proc queries
#	peer_start / peer_cmd / peer_quit / peer_reap / peer_stop / has
#				slpeer peers over fifos
#	hexmac / pad60		frames in hex
#	ping_ok / dnsmasq_start / udhcpc_script / udhcpc_run /
#	tcpdump_start / tcpdump_stop	traffic, DHCP, bounded captures
#
# Cleanup stops only the PIDs recorded in PIDS and deletes only the
# namespaces recorded in NETNS.  Only addresses from 198.18.0.0/15 (and
# 2001:2::/48) are used.  KEEP=1 keeps the work directory.

OBJDIR=${1:-${OBJ:-obj}}
RELAYD=$OBJDIR/relayd/relayd
GATEWAYD=$OBJDIR/gatewayd/gatewayd
CLIENTD=$OBJDIR/clientd/clientd
CTL=$OBJDIR/softlanctl/softlanctl
SLPEER=$OBJDIR/regress/peer/slpeer
LANBEACON=$OBJDIR/regress/demo/lanbeacon
RUSER=_relayd
CERTNAME=softlan-relay

: "${SUITE:=regress}"
: "${T:=slr$$}"
PASS=0
FAIL=0
N=0
PIDS=
NETNS=
WORK=
WHY=
SHOW=
CERT=
KEY=
# CASE_TAG goes before each case's description (the e2e cases' "NAME: ");
# OK_MARK and FAIL_MARK, when set, replace "ok N" and "not ok N".
CASE_TAG=${CASE_TAG-}
OK_MARK=${OK_MARK-}
FAIL_MARK=${FAIL_MARK-}

# --- the run ------------------------------------------------------------

suite_cleanup() {
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
		echo "$SUITE: logs kept in $WORK" >&2
	elif [ -n "$WORK" ]; then
		rm -rf "$WORK"
	fi
}

# suite_init PROGRAM...: needs root and those programs; makes WORK and
# sets the traps.
suite_init() {
	local b
	if [ "$(id -u)" != 0 ]; then
		echo "$SUITE: needs root" >&2
		exit 1
	fi
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "$SUITE: $b not built" >&2
			exit 1
		fi
	done
	WORK=$(mktemp -d "/tmp/softlan-$SUITE.XXXXXX") || exit 1
	chmod 0755 "$WORK"
	trap suite_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	# A peer that is gone must not kill the script when written to.
	trap '' PIPE
}

need_tools() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "$SUITE: $t not installed" >&2
			exit 1
		fi
	done
}

# sys_users USER...: creates the missing system users (and leaves them).
sys_users() {
	local u
	for u in "$@"; do
		id "$u" >/dev/null 2>&1 && continue
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || return 1
	done
}

# --- namespaces ---------------------------------------------------------

# netns_add NAME: creates ${T}NAME, its name in NS_NAME, lo up.
netns_add() {
	local ns=$T$1
	ip netns add "$ns" || return 1
	NETNS="$NETNS $ns"
	ip -n "$ns" link set lo up
	eval "NS_$1=$ns"
}

# veth_link NSA NSB ADDRA/LEN ADDRB/LEN: a veth pair named after T, both
# ends up.
NLINK=0
veth_link() {
	local a=${T}v${NLINK}a b=${T}v${NLINK}b
	NLINK=$((NLINK + 1))
	veth_pair "$1" "$a" "$3" "$2" "$b" "$4"
}

# veth_pair NSA IFA ADDRA NSB IFB ADDRB: a veth pair with the names
# given, both ends up; an address may be "-" (none).
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    return 1
	[ "$3" != - ] && ip -n "$1" addr add "$3" dev "$2"
	[ "$6" != - ] && ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# bridge_add NS BRIDGE PORT...: a bridge in NS, up, with those ports.
bridge_add() {
	local ns=$1 br=$2 p
	shift 2
	ip -n "$ns" link add "$br" type bridge || return 1
	ip -n "$ns" link set "$br" up
	for p in "$@"; do
		ip -n "$ns" link set "$p" master "$br" || return 1
	done
}

ns_run() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# --- processes and waits ------------------------------------------------

# A process that exists and is not a zombie.
alive() {
	local state
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

gone() {
	! alive "$1"
}

# wait_for TENTHS command...: 0 as soon as the command succeeds; tried
# every 50 ms for TENTHS tenths of a second, then once more.
wait_for() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * 100000))
	shift
	while [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# wait_gone PID TENTHS
wait_gone() {
	wait_for "$2" gone "$1"
}

# spawn [-w] VAR command...: runs it in the background, its pid in VAR
# and in PIDS (for the cleanup).  Its standard input is the caller's (a
# background command would otherwise get /dev/null), so "spawn V cmd
# <file" works.  It is disowned (no job notice when a case kills it)
# unless -w: then "wait $VAR" gives its exit status.
spawn() {
	local keep= v
	if [ "$1" = -w ]; then
		keep=1
		shift
	fi
	v=$1
	shift
	"$@" <&0 &
	eval "$v=$!"
	PIDS="$PIDS $!"
	[ -n "$keep" ] || disown $!
}

children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# child_of PID: its first child.
child_of() {
	children "$1" | head -n 1
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

# stop_strict PID...: SIGTERM, 5 s for each to go; WHY names any that
# ignored it (it then gets SIGKILL).
stop_strict() {
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
		wait_gone "$pid" 50 && continue
		WHY="$WHY pid $pid ignored SIGTERM;"
		kill -9 "$pid" 2>/dev/null
	done
}

# --- reporting ----------------------------------------------------------

# show FILE: its last lines, indented.
show() {
	echo "	--- $1"
	sed 's/^/	| /' "$1" | cut -c1-200 | tail -n 40
}

# ok|fail description: "ok N description", or "not ok N description
# (WHY)" followed by the files named in SHOW.
ok() {
	N=$((N + 1))
	PASS=$((PASS + 1))
	echo "${OK_MARK:-ok $N} $CASE_TAG$*"
}
fail() {
	local f
	N=$((N + 1))
	FAIL=$((FAIL + 1))
	echo "${FAIL_MARK:-not ok $N} $CASE_TAG$*${WHY:+ ($WHY)}"
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

# suite_done: the closing line; 0 when no case failed.
suite_done() {
	echo "$SUITE: $PASS passed, $FAIL failed"
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

# --- relayd -------------------------------------------------------------

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

# relayd_conf FILE ADDR PORT extra-lines: a configuration with the
# certificate and key of tls_cert when it ran (a relayd restarted keeps
# them), else a dev certificate; its control socket in $WORK.  RCERT is
# the certificate peers pin, RSOCK the socket.
relayd_conf() {
	local tls
	RSOCK=$WORK/relayd.sock
	if [ -n "$KEY" ]; then
		RCERT=$CERT
		tls="certificate \"$CERT\"
key \"$KEY\""
	else
		RCERT=$WORK/relay.der
		tls="dev-certificate \"$RCERT\""
	fi
	cat >"$1" <<EOC
# relayd.conf of the $SUITE suite
listen on $2 port $3
$tls
reset-secret "$WORK/reset.key"
control "$RSOCK"
user $RUSER
$4
EOC
}

# relayd_start NS ADDR PORT LOG CONF [relayd-args]: relayd -dvv, seccomp
# in trap mode, its pid in RPID; waits until it listens (10 s at most).
# The log is appended to; $RWRAP, when set, is a command (setpriv ...)
# that runs relayd.  RCERT and RSOCK name its certificate and socket.
relayd_start() {
	RNS=$1 RADDR=$2 RPORT=$3
	local log=$4 conf=$5
	shift 5
	SOFTLAN_SECCOMP_TRAP=1 spawn RPID ip netns exec "$RNS" $RWRAP \
	    "$RELAYD" -dvv -f "$conf" "$@" >>"$log" 2>&1
	wait_for 100 relayd_ready
}

relayd_ready() {
	alive "$RPID" && [ -s "$RCERT" ] && [ -S "$RSOCK" ] &&
	    ip netns exec "$RNS" ss -Huln "sport = :$RPORT" |
	    grep -q "$RADDR:$RPORT"
}

relay_child() {
	child_of "$RPID"
}

relayd_stop() {
	stop_pid "$RPID"
}

# --- softlanctl and /proc -----------------------------------------------

# ctl_at SOCK args...: softlanctl on that control socket.
ctl_at() {
	local sock=$1
	shift
	"$CTL" -s "$sock" "$@" 2>&1
}

# ctl args...: the same for relayd.
ctl() {
	ctl_at "$RSOCK" "$@"
}

# counter_at SOCK NAME: the largest value of that counter in "show
# counters" of the daemon behind control socket SOCK (totals are at
# least any per-peer value).
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

# --- gatewayd and clientd -----------------------------------------------

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

# clientd_start NAME NS: clientd with $WORK/NAME.conf in NS, its log
# $WORK/NAME.log, its pid in PID_NAME.
clientd_start() {
	daemon_start "PID_$1" "$2" "$CLIENTD" "$WORK/$1.conf" "$WORK/$1.log"
}

# --- slpeer peers -------------------------------------------------------

# peer_start NAME NS HOST PORT slpeer-args...: input fd FD_NAME, output
# $WORK/NAME.out, pid PID_NAME; it pins RCERT for CERTNAME and gives up
# after PEER_SECS seconds (110).
peer_start() {
	local name=$1 ns=$2 host=$3 port=$4 fifo=$WORK/$1.in fd
	shift 4
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	ip netns exec "$ns" "$SLPEER" -r "$host" -p "$port" -c "$RCERT" \
	    -n "$CERTNAME" -t "${PEER_SECS:-110}" "$@" <"$fifo" \
	    >"$WORK/$name.out" 2>"$WORK/$name.err" &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
	exec {fd}>"$fifo"
	eval "FD_$name=$fd"
}

# peer_cmd NAME line...
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

# has NAME regex: the peer printed a line matching regex.
has() {
	grep -Eq -- "$2" "$WORK/$1.out" 2>/dev/null
}

hexmac() {
	echo "$1" | tr -d ':'
}

# pad60 HEX: a frame padded with zeros to the 60-byte minimum.
pad60() {
	local f=$1
	while [ ${#f} -lt 120 ]; do
		f=${f}00
	done
	echo "$f"
}

# --- traffic, DHCP and captures -----------------------------------------

# ping_ok NS HOST [COUNT [SIZE [6]]]: busybox ping, no loss; its output
# in $WORK/ping.out.
ping_ok() {
	ns_run "$1" busybox ping ${5:+-6} -c "${3:-3}" -W 2 ${4:+-s $4} "$2" \
	    >"$WORK/ping.out" 2>&1 &&
	    grep -q ' 0% packet loss' "$WORK/ping.out"
}

# dnsmasq_start VAR NS IFNAME FIRST,LAST[,MASK] TAG: a DHCP server only
# (no DNS, no configuration file), leases in $WORK/TAG.leases, its log
# in $WORK/TAG.log.
dnsmasq_start() {
	spawn "$1" ip netns exec "$2" dnsmasq --conf-file=/dev/null \
	    --no-ping --keep-in-foreground --no-resolv --no-hosts --port=0 \
	    --interface="$3" --bind-interfaces --dhcp-range="$4,10m" \
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

# tcpdump_start VAR NS IFNAME FILE FILTER [tcpdump-options]: captures
# (60 s at most) until tcpdump_stop; waits until it listens.
tcpdump_start() {
	local v=$1 ns=$2 ifname=$3 f=$4 filter=$5
	shift 5
	spawn "$v" ip netns exec "$ns" timeout 60 tcpdump -lnei "$ifname" \
	    "$@" "$filter" >"$f" 2>"$f.err"
	wait_for 50 grep -q 'listening on' "$f.err"
}

tcpdump_stop() {
	kill "$1" 2>/dev/null
	wait_gone "$1" 30
}
