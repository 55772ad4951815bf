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
# includes.sh [ROOT]: the layers of the tree, from its #include lines.
# Every quoted #include of a .c, .h or .y file is resolved as the
# compiler does (the including file's directory, then its top
# directory, as -Iclientd for clientd/win/ and a daemon's parse.y, then
# -Icommon -Iimsg -Ipriv) and the arrow
# from the file's directory to the header's must be allowed:
#
#	imsg/		imsg/ only: the library builds alone
#	common/		common/, imsg/
#	priv/		priv/, common/, imsg/
#	relayd/ gatewayd/ clientd/ softlanctl/
#			itself, common/, imsg/, priv/: never another daemon
#	regress/	anything (tests reach into every layer)
#
# A header that does not resolve is an error too (the check would
# otherwise miss an arrow).  Prints each violation as FILE:LINE; exit 1
# if there is any.

root=${1:-.}
cd "$root" || exit 2

allowed() {
	case "$1" in
	imsg)		echo "imsg" ;;
	common)		echo "common imsg" ;;
	priv)		echo "priv common imsg" ;;
	relayd|gatewayd|clientd|softlanctl)
			echo "$1 common imsg priv" ;;
	*)		echo "*" ;;
	esac
}

bad=0
n=0
for f in $(find common imsg priv relayd gatewayd clientd softlanctl \
    regress -name '*.[chy]' 2>/dev/null | sort); do
	dir=${f%%/*}
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	while IFS= read -r l; do
		line=${l%%:*}
		h=$(echo "$l" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
		r=
		for d in "$(dirname "$f")" "$dir" common imsg priv; do
			if [ -f "$d/$h" ]; then
				r=$(realpath --relative-to=. "$d/$h")
				break
			fi
		done
		if [ -z "$r" ]; then
			echo "$f:$line: \"$h\" not found in the tree"
			continue
		fi
		to=${r%%/*}
		ok=0
		for a in $(allowed "$dir"); do
			[ "$a" = "*" ] || [ "$a" = "$to" ] && ok=1
		done
		[ $ok = 1 ] ||
		    echo "$f:$line: $dir/ must not include $r (from $to/)"
	done
	n=$((n + 1))
done >"${TMPDIR:-/tmp}/includes.$$"
if [ -s "${TMPDIR:-/tmp}/includes.$$" ]; then
	cat "${TMPDIR:-/tmp}/includes.$$"
	bad=1
fi
rm -f "${TMPDIR:-/tmp}/includes.$$"
echo "includes: $n files checked, $( [ $bad = 0 ] && echo "no arrow up a layer or across daemons" || echo "violations above")"
exit $bad
