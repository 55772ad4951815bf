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
# The relay child's memory under a QUIC handshake flood (issue 10):
#
#	bash regress/bench/hsflood.sh [objdir]		(root)
#
# relayd -dvv runs in a network namespace of its own at 198.18.20.1; the
# flooder (hsflood, one UDP socket per source address) in another, with
# the 240 addresses 198.18.21.1-198.18.21.240 on its veth.  hsflood
# starts 10,000 handshake attempts, one in flight per address, each
# following the relay's Retry when it asks for one and then abandoning
# the attempt, so every connection the relay accepted waits in its
# handshake until the relay's handshake timeout (10 s).
#
# The relay child's VmRSS is taken idle (relayd started, control socket
# answering), right after the flood, and once "show status" says no
# connection and no handshake is left and at least HS_SETTLE seconds went
# by since the flood (HS_DRAIN at most); VmHWM gives the peak.  Two runs,
# a fresh relayd each: the default configuration and retry-threshold 0
# (every client must Retry first).  Result lines (stdout), e.g.
#
#	hsflood idle-rss			8.1 MB
#	hsflood after/idle			1.3x (target 2x: met)
#
# details (hsflood's counts, the relay's counters, an estimate per
# connection) on stderr.  Exit status 1 only when something broke:
# relayd did not start, its child died, the flood got no answer, or its
# log shows a lost child, a seccomp violation or a sanitizer report.  The
# 2x target is reported, not enforced.
#
# Reuses regress/e2e/lib.sh: namespaces and processes are this run's own
# (names carry the PID), cleanup removes only those; only addresses from
# 198.18.0.0/15 are used; every wait is bounded.  HS_ATTEMPTS,
# HS_SOURCES (1-250), HS_LIMIT (the flood's time limit, s), HS_SETTLE
# and HS_DRAIN (s) override the defaults; KEEP=1 keeps the logs.

E2E_NAME=hsflood
. "$(dirname "$0")/../e2e/lib.sh"
T=slh$$

HSFLOOD=$E2E_OBJ/regress/bench/hsflood
ADDR=198.18.20.1
NET=198.18.21
PORT=443
ATTEMPTS=${HS_ATTEMPTS:-10000}
SOURCES=${HS_SOURCES:-240}
LIMIT=${HS_LIMIT:-60}
SETTLE=${HS_SETTLE:-15}
DRAIN=${HS_DRAIN:-40}

if [ "$SOURCES" -lt 1 ] || [ "$SOURCES" -gt 250 ]; then
	echo "hsflood: HS_SOURCES $SOURCES: 1 to 250" >&2
	exit 1
fi

e2e_init "$RELAYD" "$CTL" "$HSFLOOD"
e2e_netns r
e2e_netns f
e2e_link "$NS_r" "$NS_f" $ADDR/16 $NET.1/16 || exit 1
FIF=${T}v0b
i=2
while [ $i -le "$SOURCES" ]; do
	echo "address add $NET.$i/16 dev $FIF"
	i=$((i + 1))
done >"$WORK/addrs.batch"
ip -n "$NS_f" -batch "$WORK/addrs.batch" || exit 1

status=0

# hwm PID: VmHWM in kB.
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status" \
	    2>/dev/null
}

mb() {
	awk -v k="${1:-0}" 'BEGIN { printf "%.1f MB", k / 1024 }'
}

# result LABEL WORDS...: one line of the table.
result() {
	local l=$1
	shift
	printf '%-36s %s\n' "$l" "$*"
}

detail() {
	echo "$*" >&2
}

# status_num NAME: a number of relayd's "show status", empty when it
# does not answer.
status_num() {
	local v
	v=$(status_field "$RSOCK" "$1")
	case $v in
	''|*[!0-9]*)	echo "" ;;
	*)		echo "$v" ;;
	esac
}

# since T0: seconds from T0 (date +%s.%N) until now, one decimal.
since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

drained() {
	[ "$(status_num connections)" = 0 ] &&
	    [ "$(status_num handshakes)" = 0 ]
}

ctl_answers() {
	[ -n "$(status_num connections)" ]
}

# hs_run TAG EXTRA-CONFIG: one relayd, one flood, one set of lines.
hs_run() {
	local tag=$1 p conf log out cpid idle idlehwm frss fconns fhs peak
	local arss t0 t1 dsecs asecs dr c
	p=hsflood${tag:+ $tag}
	conf=$WORK/relayd-${tag:-default}.conf
	log=$WORK/relayd-${tag:-default}.log
	out=$WORK/flood-${tag:-default}
	relayd_conf "$conf" $ADDR $PORT "$2"
	rm -f "$RCERT" "$RSOCK"
	if ! relayd_start "$NS_r" $ADDR $PORT "$log" "$conf" ||
	    ! wait_for 50 ctl_answers; then
		detail "$p: relayd did not start"
		sed 's/^/	| /' "$log" | tail -n 20 >&2
		result "$p" "FAILED (relayd did not start)"
		relayd_stop
		status=1
		return
	fi
	cpid=$(relay_child)
	if [ -z "$cpid" ]; then
		result "$p" "FAILED (no relay child)"
		relayd_stop
		status=1
		return
	fi
	idle=$(rss "$cpid")
	idlehwm=$(hwm "$cpid")
	if [ -z "$idle" ] || [ "$idle" -eq 0 ]; then
		result "$p" "FAILED (no VmRSS of the relay child $cpid)"
		relayd_stop
		status=1
		return
	fi

	detail "$p: ${2:-default configuration}: flood of $ATTEMPTS" \
	    "attempts from $SOURCES addresses, relay child $cpid"
	t0=$(date +%s.%N)
	ip netns exec "$NS_f" timeout -k 5 $((LIMIT + 10)) "$HSFLOOD" \
	    -r $ADDR -p $PORT -c "$RCERT" -n "$CERTNAME" \
	    -s "$NET.1-$NET.$SOURCES" -a "$ATTEMPTS" -t "$LIMIT" \
	    >"$out.out" 2>"$out.err"
	c=$?
	t1=$(date +%s.%N)
	frss=$(rss "$cpid")
	fconns=$(status_num connections)
	fhs=$(status_num handshakes)
	sed 's/^/	/' "$out.out" "$out.err" >&2
	if [ "$c" != 0 ]; then
		detail "$p: hsflood exited with $c"
		status=1
	fi

	# Until every handshake timed out, and at least SETTLE s.
	if wait_for $((DRAIN * 10)) drained; then
		dr="drained after"
	else
		dr="NOT drained in"
	fi
	dsecs=$(since "$t1")
	c=$(awk -v s="$dsecs" -v w="$SETTLE" 'BEGIN { print (s < w) ? \
	    int(w - s + 1) : 0 }')
	[ "$c" -gt 0 ] && sleep "$c"
	asecs=$(since "$t1")
	if ! alive "$cpid"; then
		result "$p" "FAILED (relay child died)"
		sed 's/^/	| /' "$log" | tail -n 20 >&2
		relayd_stop
		status=1
		return
	fi
	arss=$(rss "$cpid")
	peak=$(hwm "$cpid")

	result "$p idle-rss" "$(mb "$idle") (hwm $(mb "$idlehwm"))"
	result "$p flood-rss" "$(mb "$frss") ($fconns connections," \
	    "$fhs handshakes)"
	result "$p peak-rss" "$(mb "$peak") (VmHWM)"
	result "$p after-rss" "$(mb "$arss") ($asecs s after the flood," \
	    "$dr $dsecs s)"
	result "$p after/idle" "$(awk -v a="$arss" -v i="$idle" 'BEGIN {
	    r = a / i; printf "%.1fx (target 2x: %s)", r,
	    r <= 2 ? "met" : "missed" }')"
	result "$p relay" "accepted $(counter conn-accepted)," \
	    "retry $(counter retry-sent)," \
	    "validated $(counter retry-validated)," \
	    "refused $(($(counter conn-refused-per-source) + \
	    $(counter conn-refused-max) + \
	    $(counter handshake-refused-full) + \
	    $(counter handshake-refused-per-source)))," \
	    "evicted $(counter handshake-evicted)"

	detail "$p: flood $(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.1f", b - a }') s; relay child" \
	    "$(mb "$idle") idle, $(mb "$frss") after the flood with" \
	    "$fconns connections, $(mb "$peak") peak, $(mb "$arss") after"
	if [ -n "$fconns" ] && [ "$fconns" -gt 0 ]; then
		detail "$p: ($(mb "$frss") - $(mb "$idle")) / $fconns" \
		    "connections = $(awk -v f="$frss" -v i="$idle" \
		    -v n="$fconns" 'BEGIN { printf "%.1f", (f - i) / n }')" \
		    "kB per connection held in its handshake"
	fi
	detail "$p: relay counters:" $(ctl show counters |
	    grep -E 'conn-|retry-|handshake-|udp-|pkt-|reset-' |
	    awk '{ printf "%s=%s ", $1, $2 }')
	WHY=
	scan_logs "$log"
	if [ -n "$WHY" ]; then
		detail "$p:$WHY"
		status=1
	fi
	relayd_stop
}

hs_run "" ""
hs_run retry0 "retry-threshold 0"
exit $status
