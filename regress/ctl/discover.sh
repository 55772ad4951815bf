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
# softlanctl without -s, in a private mount namespace whose /run is a
# tmpfs (run by ctl.sh through unshare -m: the host's /run is never
# touched): a socket nobody listens on (left by a daemon that was killed)
# is passed over; only such sockets: a clear error naming them.
# Prints one line per case, "ok NAME" or "FAIL NAME: why".

ctl=$1 srv=$2
mount -t tmpfs softlan-ctltest /run || { echo "FAIL mount: tmpfs on /run"; exit 1; }
mkdir -p /run/relayd
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
' /run/clientd.sock || { echo "FAIL stale socket"; exit 1; }
"$srv" /run/relayd/relayd.sock 2>/dev/null &
pid=$!
i=0
while [ ! -S /run/relayd/relayd.sock ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if "$ctl" show status >/tmp/discover.$$ 2>&1 &&
    grep -q '^daemon:' /tmp/discover.$$; then
	echo "ok a live socket beside a stale one is chosen"
else
	echo "FAIL a live socket beside a stale one: $(cat /tmp/discover.$$)"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -f /run/relayd/relayd.sock
if "$ctl" show status >/tmp/discover.$$ 2>&1; then
	echo "FAIL only a stale socket: softlanctl succeeded"
elif grep -q 'no daemon answers on /run/clientd.sock' /tmp/discover.$$; then
	echo "ok only a stale socket: a clear error naming it"
else
	echo "FAIL only a stale socket: $(cat /tmp/discover.$$)"
fi
rm -f /tmp/discover.$$
