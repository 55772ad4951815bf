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
# regress/bench/wine.sh PREFIX EXE: run a Windows benchmark under Wine in
# the private prefix PREFIX, made on the first run (about 6 s, no Mono or
# Gecko installer, its chatter in PREFIX.log).  The program's stdout and
# stderr pass through and its exit status is ours; the prefix's
# wineserver is stopped afterwards.  Every step is bounded.

prefix=${1:?usage: wine.sh prefix exe}
exe=${2:?usage: wine.sh prefix exe}
WINEPREFIX=$prefix
WINEDEBUG=-all
WINEDLLOVERRIDES='mscoree,mshtml='
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES

if [ ! -f "$prefix/system.reg" ]; then
	mkdir -p "$prefix" || exit 1
	if ! timeout 120 wineboot -i >"$prefix.log" 2>&1; then
		echo "wine.sh: wineboot failed; see $prefix.log" >&2
		timeout 20 wineserver -k 2>/dev/null
		exit 1
	fi
fi
rc=0
timeout -k 5 120 wine "$exe" || rc=$?
timeout 20 wineserver -k 2>/dev/null
exit $rc
