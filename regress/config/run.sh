#!/bin/sh
#
# regress/config: each daemon's configuration parser through "DAEMON -nv".
#
# usage: run.sh OBJ
#
# For every daemon with a directory here (relayd, gatewayd, clientd), run
# against $OBJ/DAEMON/DAEMON; a daemon whose binary is not built is
# skipped, with a message, rather than failed.
#
# For each DAEMON/NAME.in: "DAEMON -nv -f NAME.in" must exit 0 and print
# NAME.ok exactly, and that output, fed back, must print itself (the
# canonical form is a fixed point).  For each DAEMON/NAME.err.in:
# "DAEMON -n -f NAME.err.in" must exit 1 and print NAME.err on stderr (the
# log prefix before the first ": " of a line is taken off).  A first line
# "# args: ..." gives extra arguments (-D macro=value).  The shipped
# etc/DAEMON.conf must give "configuration OK".  Files made here, that
# the tree cannot hold (/dev/zero, a FIFO, a file of NUL bytes, one over
# the size limit), must be refused or read to their end with an error.
#
# Every run of a daemon is under timeout(1): a parser that does not end
# is a failure, not a hung suite.
#
# Paths are relative to the top of the tree, so file:line messages are
# stable.  Set UPDATE=1 to rewrite the .ok and .err files instead.

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
obj=${1:?usage: run.sh OBJ}
case $obj in
/*)	;;
*)	obj=$PWD/$obj ;;
esac
cd "$top" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
limit=30	# seconds for one "DAEMON -n"; all take well under one

# run PROGRAM ARGS...: the program, ended after $limit seconds (status 124).
run() {
	timeout -k 5 "$limit" "$@"
}

ok() {
	pass=$((pass + 1))
}

nok() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}

args() {
	sed -n '1s/^# args: //p' "$1"
}

# check_err DAEMON-BINARY FILE.err.in
check_err() {
	bin=$1
	in=$2
	name=${in%.err.in}
	# shellcheck disable=SC2046
	run "$bin" -n $(args "$in") -f "$in" >"$tmp/out" 2>"$tmp/err"
	rv=$?
	sed 's/^[^ :]*: //' "$tmp/err" >"$tmp/err.1"
	if [ -n "$UPDATE" ]; then
		cp "$tmp/err.1" "$name.err"
	fi
	if [ "$rv" -eq 124 ] || [ "$rv" -eq 137 ]; then
		nok "$in: did not end in $limit seconds"
	elif [ "$rv" -ne 1 ]; then
		nok "$in: exit status $rv, not 1"
	elif [ -s "$tmp/out" ]; then
		nok "$in: output on stdout"
	elif ! diff -u "$name.err" "$tmp/err.1" >&2; then
		nok "$in: stderr differs from $name.err"
	else
		ok
	fi
}

# check_ok DAEMON-BINARY FILE.in
check_ok() {
	bin=$1
	in=$2
	name=${in%.in}
	# shellcheck disable=SC2046
	run "$bin" -nv $(args "$in") -f "$in" >"$tmp/out" 2>"$tmp/err"
	rv=$?
	if [ -n "$UPDATE" ] && [ "$rv" -eq 0 ]; then
		cp "$tmp/out" "$name.ok"
	fi
	if [ "$rv" -ne 0 ]; then
		cat "$tmp/err" >&2
		nok "$in: exit status $rv"
	elif ! diff -u "$name.ok" "$tmp/out" >&2; then
		nok "$in: output differs from $name.ok"
	else
		ok
	fi
	# The canonical form parses back to itself.
	run "$bin" -nv -f "$tmp/out" >"$tmp/again" 2>"$tmp/err"
	rv=$?
	if [ "$rv" -ne 0 ]; then
		cat "$tmp/err" >&2
		nok "$in: -nv output does not parse (exit $rv)"
	elif ! diff -u "$tmp/out" "$tmp/again" >&2; then
		nok "$in: -nv output is not a fixed point"
	else
		ok
	fi
}

# check_example DAEMON-BINARY etc/DAEMON.conf
check_example() {
	bin=$1
	conf=$2
	run "$bin" -n -f "$conf" >"$tmp/out" 2>"$tmp/err"
	rv=$?
	if [ "$rv" -ne 0 ]; then
		cat "$tmp/err" >&2
		nok "$conf: exit status $rv"
	elif ! cat "$tmp/out" "$tmp/err" | grep -q '^configuration OK$' &&
	    ! sed 's/^[^ :]*: //' "$tmp/err" | grep -q '^configuration OK$'; then
		cat "$tmp/err" >&2
		nok "$conf: no \"configuration OK\""
	else
		ok
	fi
}

# check_refused DAEMON-BINARY FILE LINE: "DAEMON -n -f FILE" must end, exit
# 1 and have LINE among its messages.
check_refused() {
	bin=$1
	conf=$2
	want=$3
	run "$bin" -n -f "$conf" >"$tmp/out" 2>"$tmp/err"
	rv=$?
	if [ "$rv" -eq 124 ] || [ "$rv" -eq 137 ]; then
		nok "$bin -n -f $conf: did not end in $limit seconds"
	elif [ "$rv" -ne 1 ]; then
		cat "$tmp/err" >&2
		nok "$bin -n -f $conf: exit status $rv, not 1"
	elif ! sed 's/^[^ :]*: //' "$tmp/err" | grep -Fqx "$want"; then
		cat "$tmp/err" >&2
		nok "$bin -n -f $conf: no \"$want\""
	else
		ok
	fi
}

# Input no file in the tree can be.
mkfifo "$tmp/fifo" || exit 1
head -c 1048576 /dev/zero >"$tmp/nul.conf" || exit 1
# 16 MiB, the limit of a configuration (common/cfglex.h), and a byte.
truncate -s 16777217 "$tmp/huge.conf" || exit 1

for daemon in relayd gatewayd clientd; do
	[ -d "regress/config/$daemon" ] || continue
	bin=$obj/$daemon/$daemon
	if [ ! -x "$bin" ]; then
		echo "config: $daemon: $bin not built, skipped" >&2
		continue
	fi
	for in in regress/config/"$daemon"/*.in; do
		[ -e "$in" ] || continue
		case $in in
		*.err.in)
			check_err "$bin" "$in"
			;;
		*)
			check_ok "$bin" "$in"
			;;
		esac
	done
	# The shipped example.
	check_example "$bin" "etc/$daemon.conf"

	check_refused "$bin" /dev/zero "/dev/zero: not a regular file"
	check_refused "$bin" "$tmp/fifo" "$tmp/fifo: not a regular file"
	check_refused "$bin" "$tmp/nul.conf" \
	    "$tmp/nul.conf:1: NUL byte in input"
	check_refused "$bin" "$tmp/huge.conf" "$tmp/huge.conf: too large: \
16777217 bytes, and a configuration is read up to 16777216 bytes in all"
done

echo "config: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
