#!/usr/bin/env python3
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
# usage: hold.py SOCKET NIDLE NHALF SECONDS READYFILE
#
# Holds connections to a control socket the way an attacker would: NIDLE
# that send nothing, then NHALF that send the first half of an imsg
# header (IMSG_CTL_SHOW_STATUS) and nothing more.  Once all are connected
# it writes "ready" to READYFILE, then watches them until the server has
# closed every one, SECONDS have passed or SIGTERM comes, and prints
# "closed N of M after T ms" (T counted from "ready").

import os
import select
import signal
import socket
import struct
import sys
import time

IMSG_CTL_SHOW_STATUS = 1000
IMSG_HEADER_SIZE = 16


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop()


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: hold.py socket nidle nhalf seconds readyfile")
    path = sys.argv[1]
    nidle, nhalf = int(sys.argv[2]), int(sys.argv[3])
    deadline = time.monotonic() + float(sys.argv[4])
    signal.signal(signal.SIGTERM, stop)

    socks = []
    hdr = struct.pack("=IIII", IMSG_CTL_SHOW_STATUS, IMSG_HEADER_SIZE, 0,
                      os.getpid())
    for i in range(nidle + nhalf):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Blocking: with the listen backlog full, connect waits (for 5 s
        # at most) rather than failing with EAGAIN.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                     struct.pack("@ll", 5, 0))
        s.connect(path)
        if i >= nidle:
            s.sendall(hdr[:IMSG_HEADER_SIZE // 2])
        s.setblocking(False)
        socks.append(s)
    with open(sys.argv[5], "w") as f:
        f.write("ready\n")
    start = time.monotonic()

    open_ = {s.fileno(): s for s in socks}
    poller = select.poll()
    for fd in open_:
        poller.register(fd, select.POLLIN)
    try:
        while open_ and time.monotonic() < deadline:
            ms = max(1, int((deadline - time.monotonic()) * 1000))
            for fd, ev in poller.poll(min(ms, 100)):
                try:
                    data = open_[fd].recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if data == b"":
                    poller.unregister(fd)
                    del open_[fd]
    except Stop:
        pass
    took = int((time.monotonic() - start) * 1000)
    print("closed %d of %d after %d ms" % (len(socks) - len(open_),
                                          len(socks), took), flush=True)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
