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
# regress/bench/run.sh OBJDIR [WINEXE WINEPREFIX]: run the benchmarks
# built in OBJDIR (the normal optimized tree) one after the other and
# print one table.  Each program prints its result lines on stdout,
# details on stderr; a program's exit status 1 means something
# functionally wrong (a frame did not arrive), which fails "make bench".
# No speed thresholds.  WINEXE is the Windows wincipher (regress/bench/
# win.mk), run under Wine in WINEPREFIX by wine.sh; skipped, saying so,
# when it was not built (no MinGW-w64 or Wine).  Then hsflood.sh,
# relayd's memory under a QUIC handshake flood, and peerbench.sh, one
# short end-to-end run against OpenVPN (../shared/peerbench): both need
# root (network namespaces) and are skipped, saying so, without it.

obj=${1:?usage: run.sh objdir [winexe wineprefix]}
winexe=${2:-}
wineprefix=${3:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail=0
for b in bench_quic bench_room wincipher; do
	p=$obj/regress/bench/$b
	if [ ! -x "$p" ]; then
		echo "run.sh: $p not built" >&2
		exit 1
	fi
	echo "running $b ..."
	if ! timeout 60 "$p" >"$tmp/$b.out" 2>"$tmp/$b.err"; then
		echo "$b: FAILED" >>"$tmp/$b.out"
		fail=1
	fi
done
b=wincipher-wine
if [ -z "$winexe" ] || [ ! -f "$winexe" ] || [ -z "$wineprefix" ]; then
	echo "wincipher (wine): skipped (not built: needs MinGW-w64 and" \
	    "Wine, see make windows-deps)" >"$tmp/$b.out"
	: >"$tmp/$b.err"
else
	echo "running wincipher under Wine ..."
	if ! sh "$(dirname "$0")/wine.sh" "$wineprefix" "$winexe" \
	    >"$tmp/$b.out" 2>"$tmp/$b.err"; then
		echo "$b: FAILED" >>"$tmp/$b.out"
		fail=1
	fi
fi
b=hsflood
if [ "$(id -u)" != 0 ]; then
	echo "hsflood: skipped (needs root for network namespaces)" \
	    >"$tmp/$b.out"
	: >"$tmp/$b.err"
else
	echo "running $b (two relayd runs, about a minute each) ..."
	if ! timeout -k 10 400 bash "$(dirname "$0")/hsflood.sh" "$obj" \
	    >"$tmp/$b.out" 2>"$tmp/$b.err"; then
		echo "$b: FAILED" >>"$tmp/$b.out"
		fail=1
	fi
fi

b=peerbench
echo "running $b (softlan and openvpn_aes, one short round) ..."
if ! bash "$(dirname "$0")/peerbench.sh" "$obj" >"$tmp/$b.out" \
    2>"$tmp/$b.err"; then
	fail=1
fi

echo
printf '%-36s %s\n' benchmark result
for b in bench_quic bench_room wincipher wincipher-wine hsflood \
    peerbench; do
	cat "$tmp/$b.out"
done
echo "(cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');" \
    "aes: $(grep -qw aes /proc/cpuinfo && echo yes || echo no);" \
    "DESIGN.md reference: ~330k 1400 B datagrams/s with AES-NI asm," \
    "~13k without)"
echo
echo details:
for b in bench_quic bench_room wincipher wincipher-wine hsflood \
    peerbench; do
	sed 's/^/  /' "$tmp/$b.err"
done
exit $fail
