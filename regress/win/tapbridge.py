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
# tapbridge.py [-t seconds] tapname listenport peerport
#
# The Linux end of fakenic.exe (regress/win/fakenic.c): a TAP device
# (IFF_TAP | IFF_NO_PI; made if it does not exist, else attached to, as a
# persistent one made by "ip tuntap add" is) bridged to UDP on 127.0.0.1,
# one frame per datagram:
#
#	frame read from the TAP device -> one datagram to 127.0.0.1:peerport
#	datagram to 127.0.0.1:listenport -> one frame written to the device
#
# Run it in the network namespace the Wine processes run in: 127.0.0.1 is
# the namespace's own.  It leaves the device's addresses and link state
# alone.  Prints "tapbridge: TAPNAME attached, ..." once ready, and its
# counters at exit: on SIGTERM or SIGINT, or after -t seconds (default
# 3600).  Every frame lost is counted: a datagram the device would not
# take, a frame that could not be sent (nobody on the peer port yet:
# ECONNREFUSED from an earlier ICMP error, or a full socket buffer).

import errno
import fcntl
import getopt
import os
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454ca
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
FRAME_MAX = 65535
PROG = "tapbridge"


def say(msg):
    print(f"{PROG}: {msg}", flush=True)


def usage():
    print(f"usage: {PROG} [-t seconds] tapname listenport peerport",
          file=sys.stderr)
    sys.exit(1)


def number(s, lo, hi):
    if not s.isdigit() or not lo <= int(s) <= hi:
        raise ValueError(s)
    return int(s)


def tap_open(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        ifr = struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI)
        fcntl.ioctl(fd, TUNSETIFF, ifr)
    except OSError:
        os.close(fd)
        raise
    return fd


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "t:")
        secs = 3600
        for o, a in opts:
            if o == "-t":
                secs = number(a, 1, 86400)
        if len(args) != 3:
            usage()
        name = args[0]
        lport = number(args[1], 1, 65535)
        pport = number(args[2], 1, 65535)
    except (getopt.GetoptError, ValueError):
        usage()
    if not 0 < len(name) < 16 or "/" in name:
        print(f"{PROG}: {name}: bad interface name", file=sys.stderr)
        return 1

    # Signals wake the select() loop through a pipe.
    rp, wp = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wp)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: stop.append(s))

    try:
        tap = tap_open(name)
    except OSError as e:
        say(f"{name}: {e.strerror}")
        return 1
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", lport))
    except OSError as e:
        say(f"bind 127.0.0.1:{lport}: {e.strerror}")
        return 1
    sock.setblocking(False)
    peer = ("127.0.0.1", pport)
    say(f"{name} attached, udp 127.0.0.1:{lport} -> 127.0.0.1:{pport}")

    to_udp = to_tap = drop_tap = drop_udp = 0
    end = time.monotonic() + secs
    why = "lifetime of %d s over" % secs
    while not stop:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([tap, sock, rp], [], [], left)
        if rp in r:
            try:
                os.read(rp, 64)
            except BlockingIOError:
                pass
        if tap in r:
            # Every frame waiting, each one datagram.
            while True:
                try:
                    f = os.read(tap, FRAME_MAX + 1)
                except BlockingIOError:
                    break
                except OSError as e:
                    say(f"read {name}: {e.strerror}")
                    break
                try:
                    sock.sendto(f, peer)
                    to_udp += 1
                except OSError as e:
                    drop_tap += 1
                    if e.errno not in (errno.ECONNREFUSED,
                                       errno.EAGAIN, errno.ENOBUFS):
                        say(f"sendto: {e.strerror}")
        if sock in r:
            while True:
                try:
                    d = sock.recv(FRAME_MAX + 1)
                except BlockingIOError:
                    break
                except ConnectionRefusedError:
                    continue
                try:
                    os.write(tap, d)
                    to_tap += 1
                except OSError as e:
                    drop_udp += 1
                    say(f"write {name}: {len(d)} bytes: {e.strerror}")
    if stop:
        why = signal.Signals(stop[0]).name
    say(f"{why}: tap->udp {to_udp} udp->tap {to_tap} "
        f"dropped {drop_tap + drop_udp} (tap->udp {drop_tap}, "
        f"udp->tap {drop_udp})")
    os.close(tap)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
