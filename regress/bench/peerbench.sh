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
#
# peerbench.sh OBJDIR: one short run of the side-by-side benchmark
# ../shared/peerbench (PEERBENCH names another peerbench.sh): softlan
# built in OBJDIR against OpenVPN TAP AES-256-GCM (openvpn_aes), one
# round of 3-second iperf3 runs, in its own namespaces.  Prints the
# end-to-end figures of both and softlan's ratios (what issue 13's
# targets are written in), one line each; "skipped" with the reason when
# peerbench, root or OpenVPN is missing.  A run's raw files stay in
# PB_OUT (default: a temporary directory, removed).  Ratios from one
# short round move by tens of percent between runs on a shared machine:
# they show a change's direction, peerbench.sh run -r 3 -t 8 measures.

obj=${1:?usage: peerbench.sh objdir}
top=$(cd "$(dirname "$0")/../.." && pwd)
pb=${PEERBENCH:-$top/../shared/peerbench/peerbench.sh}

if [ ! -x "$pb" ] && [ ! -f "$pb" ]; then
	echo "peerbench: skipped (no $pb; set PEERBENCH)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "peerbench: skipped (needs root for network namespaces)"
	exit 0
fi
if ! command -v openvpn >/dev/null 2>&1 ||
    ! command -v iperf3 >/dev/null 2>&1; then
	echo "peerbench: skipped (no openvpn or iperf3: run $pb deps)"
	exit 0
fi
out=${PB_OUT:-}
[ -n "$out" ] && mkdir -p "$out"
if [ -z "$out" ]; then
	out=$(mktemp -d) || exit 1
	trap 'rm -rf "$out"' EXIT
fi
obj=$(cd "$obj" && pwd)
if ! PB_SOFTLAN_OBJ=$obj timeout -k 10 900 bash "$pb" run \
    -s "openvpn_aes softlan" -r 1 -t 3 -o "$out/run" \
    >"$out/peerbench.log" 2>&1; then
	echo "peerbench: FAILED (see $out/peerbench.log with PB_OUT set)"
	tail -n 20 "$out/peerbench.log" >&2
	exit 1
fi
python3 - "$out/run/summary.json" <<'EOP'
import json, statistics, sys

d = json.load(open(sys.argv[1]))

def med(sut, *path):
    vals = []
    for r in d.get(sut, []):
        v = r
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        if isinstance(v, (int, float)):
            vals.append(v)
    return statistics.median(vals) if vals else None

rows = [("TCP 1 stream", ("tcp1", "mbps"), "Mbit/s", True),
        ("TCP -P4", ("tcp4", "mbps"), "Mbit/s", True),
        ("UDP 1400 B", ("udp", "mbps"), "Mbit/s", True),
        ("ping avg", ("ping", "avg"), "ms", False),
        ("ping max", ("ping", "max"), "ms", False)]
for name, path, unit, _ in rows:
    s, o = med("softlan", *path), med("openvpn_aes", *path)
    if s is None or o is None or o == 0:
        print("peerbench %-24s no figure" % name)
        continue
    print("peerbench %-24s softlan %8.3g %s  openvpn_aes %8.3g  %.2fx"
          % (name, s, unit, o, s / o))
EOP
