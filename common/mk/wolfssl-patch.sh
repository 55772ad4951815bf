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
# wolfssl-patch.sh DIR: softlan's fixes to Debian's wolfSSL source tree in
# DIR, every common/mk/wolfssl-*.patch (patch -p1), for deps.sh and
# deps-win.sh.  A patch already applied (its reverse applies) is skipped,
# so running it twice on one tree is harmless; one that applies neither
# way fails the build.  Both scripts' RECIPE changes with the patches.
#
#	wolfssl-chacha-tag.patch	wolfSSL 5.5.4's EVP ChaCha20-Poly1305
#		decryption (the path of ngtcp2's wolfSSL backend) computes
#		the tag and never compares it with the packet's: a
#		connection with that suite took forged packets
#		(regress/unit/test_cipher.c shows it refused now).

set -eu

dir=${1:?usage: wolfssl-patch.sh DIR}
mk=$(cd "$(dirname "$0")" && pwd)
for p in "$mk"/wolfssl-*.patch; do
	if (cd "$dir" && patch -p1 -R -s -f --dry-run <"$p") \
	    >/dev/null 2>&1; then
		continue
	fi
	if ! (cd "$dir" && patch -p1 -s -f <"$p") >/dev/null 2>&1; then
		echo "wolfssl-patch.sh: $p does not apply to $dir" >&2
		exit 1
	fi
	echo "wolfssl-patch.sh: applied $(basename "$p")"
done
