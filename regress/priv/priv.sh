#!/bin/sh
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
# usage: priv.sh OBJDIR
#
# Runs OBJDIR/regress/priv/privtest as root in network namespaces made
# here (addresses from 198.18.0.0/15 and 2001:2::/48 only), adds a few
# checks of its own, and ends with "priv: N passed, M failed".

set -u

obj=${1:?usage: priv.sh OBJDIR}
prog=$obj/regress/priv/privtest
ns=slpriv$$
nsr=slprivr$$
log=$(mktemp /tmp/slpriv.XXXXXX) || exit 1
out=$(mktemp /tmp/slpriv.XXXXXX) || exit 1

cleanup()
{
	ip netns del "$ns" 2>/dev/null
	ip netns del "$nsr" 2>/dev/null
	rm -f "$log" "$out"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

result()
{
	if [ "$2" = 0 ]; then
		echo "ok $1" | tee -a "$log"
	else
		echo "FAIL $1${3:+: $3}" | tee -a "$log"
	fi
}

# privtest in a namespace, bounded in time; its lines go to the log.
run()
{
	n=$1
	shift
	timeout -k 5 60 ip netns exec "$n" "$prog" "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >>"$log"
	# A crash or a timeout counts even if no FAIL line was printed.
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$out"; then
		result "run_$1" 1 "exit status $rc"
	fi
}

ns_ip()
{
	ip -n "$ns" "$@"
}

nsr_ip()
{
	ip -n "$nsr" "$@"
}

if [ "$(id -u)" != 0 ]; then
	echo "priv: must run as root" >&2
	exit 1
fi
if [ ! -x "$prog" ]; then
	echo "priv: $prog not built" >&2
	exit 1
fi

summary()
{
	pass=$(grep -c '^ok ' "$log")
	fail=$(grep -c '^FAIL ' "$log")
	echo "priv: $pass passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
}

# Two namespaces: $ns for packet, tap and udp, $nsr for routes.
setup()
{
	ip netns add "$ns" &&
	ip netns add "$nsr" &&
	ns_ip link set lo up &&
	ns_ip link add pa0 type veth peer name pb0 &&
	ns_ip link set pa0 mtu 1400 &&
	ns_ip link set pa0 up &&
	ns_ip link set pb0 up &&
	ip netns exec "$ns" ip tuntap add mode tun name tn0 &&
	ns_ip addr add 198.18.3.1/24 dev pb0 &&
	ns_ip addr add 2001:2::3/64 dev pb0 nodad &&
	nsr_ip link set lo up &&
	nsr_ip link add rv0 type veth peer name rv1 &&
	nsr_ip link set rv0 up &&
	nsr_ip link set rv1 up &&
	nsr_ip addr add 198.18.9.2/24 dev rv0 &&
	nsr_ip addr add 2001:2:0:9::2/64 dev rv0 nodad &&
	nsr_ip route add default via 198.18.9.1 dev rv0 &&
	nsr_ip route add default via 2001:2:0:9::1 dev rv0 &&
	nsr_ip route add 198.19.201.8/32 via 198.18.9.1 dev rv0 &&
	nsr_ip route add unreachable 198.19.250.0/24 &&
	nsr_ip route add 198.19.64.0/18 via 198.18.9.1 dev rv0 table 100 &&
	nsr_ip rule add to 198.19.64.0/18 table 100
}

if ! setup; then
	result setup 1 "cannot build the namespaces"
	summary
	exit 1
fi

# packet: GRO (off by default on veth) is on before, off after, on pa0
# only.
ip netns exec "$ns" ethtool -K pa0 gro on
ip netns exec "$ns" ethtool -K pb0 gro on
ip netns exec "$ns" ethtool -k pa0 | grep -q '^generic-receive-offload: on'
result gro_on_before $?
run "$ns" packet pa0 pb0
ip netns exec "$ns" ethtool -k pa0 | grep -q '^generic-receive-offload: off'
result gro_off_after $?
ip netns exec "$ns" ethtool -k pb0 | grep -q '^generic-receive-offload: on'
result gro_peer_untouched $?
run "$ns" packet-bad tn0

run "$ns" tap slt0
ns_ip link show slt0 >/dev/null 2>&1
result tap_gone_after_exit $((! $?))

run "$nsr" route rv0
left=$(nsr_ip -4 route show table all |
    grep -c '198\.19\.200\.7\|198\.19\.70\.1')
result route_none_left "$left" "$left pinned routes left"

run "$ns" udp

summary
