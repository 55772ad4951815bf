#!/bin/sh
#
# regress/config: relayd's configuration parser through "relayd -nv".
#
# usage: run.sh OBJ
#
# For each relayd/NAME.in: "relayd -nv -f NAME.in" must exit 0 and print
# NAME.ok exactly, and that output, fed back, must print itself (the
# canonical form is a fixed point).  For each relayd/NAME.err.in:
# "relayd -n -f NAME.err.in" must exit 1 and print NAME.err on stderr (the
# log prefix before the first ": " of a line is taken off).  A first line
# "# args: ..." gives extra arguments (-D macro=value).  The shipped
# etc/relayd.conf must give "configuration OK".
#
# Paths are relative to the top of the tree, so file:line messages are
# stable.  Set UPDATE=1 to rewrite the .ok and .err files instead.

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
obj=${1:?usage: run.sh OBJ}
case $obj in
/*)	;;
*)	obj=$PWD/$obj ;;
esac
relayd=$obj/relayd/relayd
cd "$top" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0

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

for in in regress/config/relayd/*.in; do
	case $in in
	*.err.in)
		name=${in%.err.in}
		# shellcheck disable=SC2046
		"$relayd" -n $(args "$in") -f "$in" >"$tmp/out" 2>"$tmp/err"
		rv=$?
		sed 's/^[^ :]*: //' "$tmp/err" >"$tmp/err.1"
		if [ -n "$UPDATE" ]; then
			cp "$tmp/err.1" "$name.err"
		fi
		if [ "$rv" -ne 1 ]; then
			nok "$in: exit status $rv, not 1"
		elif [ -s "$tmp/out" ]; then
			nok "$in: output on stdout"
		elif ! diff -u "$name.err" "$tmp/err.1" >&2; then
			nok "$in: stderr differs from $name.err"
		else
			ok
		fi
		;;
	*)
		name=${in%.in}
		# shellcheck disable=SC2046
		"$relayd" -nv $(args "$in") -f "$in" >"$tmp/out" 2>"$tmp/err"
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
		"$relayd" -nv -f "$tmp/out" >"$tmp/again" 2>"$tmp/err"
		rv=$?
		if [ "$rv" -ne 0 ]; then
			cat "$tmp/err" >&2
			nok "$in: -nv output does not parse (exit $rv)"
		elif ! diff -u "$tmp/out" "$tmp/again" >&2; then
			nok "$in: -nv output is not a fixed point"
		else
			ok
		fi
		;;
	esac
done

# The shipped example.
"$relayd" -n -f etc/relayd.conf >"$tmp/out" 2>"$tmp/err"
rv=$?
if [ "$rv" -ne 0 ]; then
	cat "$tmp/err" >&2
	nok "etc/relayd.conf: exit status $rv"
elif ! cat "$tmp/out" "$tmp/err" | grep -q '^configuration OK$' &&
    ! sed 's/^[^ :]*: //' "$tmp/err" | grep -q '^configuration OK$'; then
	cat "$tmp/err" >&2
	nok "etc/relayd.conf: no \"configuration OK\""
else
	ok
fi

echo "config: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
