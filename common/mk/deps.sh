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
# deps.sh: make a Debian 12 machine ready to build and test softlan.
#
#   1. install the Debian packages the build and the test suites need;
#   2. enable deb-src entries derived from the machine's own apt sources;
#   3. fetch Debian's source packages of wolfssl and ngtcp2 (with Debian's
#      patches applied) and build them statically into $PREFIX (.deps/).
#
# Idempotent: a stamp keyed on the package versions and build flags makes a
# second run with nothing to do finish in a second or two.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DEPS=${DEPS:-$TOP/.deps}
PREFIX=$DEPS/prefix
SRC=$DEPS/src
STAMP=$DEPS/stamp

PKGS="build-essential pkg-config byacc libbsd-dev libnl-3-dev
libnl-route-3-dev libcjson-dev libcriterion-dev libevent-dev libseccomp-dev
autoconf automake libtool cmake dpkg-dev mandoc iproute2 dnsmasq-base busybox
ethtool tcpdump procps psmisc iperf3 openssl util-linux
radvd python3-zeroconf clang libclang-rt-14-dev"

WOLFSSL_FLAGS="--enable-static --disable-shared --enable-quic --enable-aesni
--enable-intelasm --enable-tls13 --enable-aesgcm --enable-chacha
--enable-poly1305 --enable-certgen --enable-keygen --enable-ecc
--enable-curve25519 --enable-sni --enable-alpn --enable-session-ticket
--enable-opensslextra --disable-examples --disable-crypttests
--disable-benchmark --with-pic"
# HAVE_PTHREAD comes from wolfSSL's config.h, which is not installed;
# passed here it lands in options.h.  See abi_fix for HAVE___UINT128_T.
WOLFSSL_CFLAGS="-DWOLFSSL_GETRANDOM -DHAVE_PTHREAD -O2"
NGTCP2_FLAGS="-DENABLE_WOLFSSL=ON -DENABLE_OPENSSL=OFF -DENABLE_GNUTLS=OFF
-DENABLE_BORINGSSL=OFF -DENABLE_PICOTLS=OFF -DENABLE_JEMALLOC=OFF
-DENABLE_STATIC_LIB=ON -DENABLE_SHARED_LIB=OFF -DCMAKE_BUILD_TYPE=Release
-DCMAKE_POSITION_INDEPENDENT_CODE=ON"

say() { echo "deps: $*" >&2; }
die() { echo "deps: $*" >&2; exit 1; }

missing_pkgs() {
	out=
	for p in $PKGS; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$s" in
		*" installed") ;;
		*) out="$out $p" ;;
		esac
	done
	echo "$out"
}

install_pkgs() {
	miss=$(missing_pkgs)
	[ -z "$miss" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages; as root run: apt-get update &&" \
		    "apt-get install -y --no-install-recommends$miss"
	fi
	say "installing$miss"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $miss >/dev/null
}

# Derive deb-src entries from the existing "deb" entries: same URIs,
# suites, components and keys; never a hard-coded mirror.
enable_debsrc() {
	if apt-cache showsrc wolfssl 2>/dev/null | grep -q '^Package:'; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "no deb-src entries; run make deps as root"
	out=/etc/apt/sources.list.d/softlan-src.sources
	list=/etc/apt/sources.list.d/softlan-src.list
	: > "$out.tmp"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		[ "$f" = "$out" ] && continue
		awk '
		function flush() {
			if (deb && on && body != "")
				printf "Types: deb-src\n%s\n", body
			body = ""; deb = 0; on = 1
		}
		BEGIN { on = 1 }
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		/^Types:/ { if ($0 ~ /[ \t]deb([ \t]|$)/) deb = 1; next }
		/^Enabled:[ \t]*[Nn]o/ { on = 0 }
		{ body = body $0 "\n" }
		END { flush() }' "$f" >> "$out.tmp"
	done
	: > "$list.tmp"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		[ "$f" = "$list" ] && continue
		sed -n 's/^[ \t]*deb[ \t]/deb-src /p' "$f" >> "$list.tmp"
	done
	if [ -s "$out.tmp" ]; then mv "$out.tmp" "$out"; else rm -f "$out.tmp"; fi
	if [ -s "$list.tmp" ]; then mv "$list.tmp" "$list"; else rm -f "$list.tmp"; fi
	say "enabled deb-src entries derived from the apt sources"
	apt-get update -q >/dev/null
	apt-cache showsrc wolfssl 2>/dev/null | grep -q '^Package:' ||
	    die "apt-get source cannot find wolfssl after enabling deb-src"
}

# The version apt-get source would fetch (the candidate, e.g. a security
# update over the release version).
srcversion() {
	apt-get source --print-uris -qq "$1" 2>/dev/null |
	    sed -n "s|.*/$1_\([^/']*\)\.dsc'.*|\1|p" | head -n 1 |
	    sed 's/%2[bB]/+/g; s/%3[aA]/:/g'
}

# Unpack Debian's source package (patches applied by dpkg-source) into a
# directory of its own per version; a marker tells a finished unpack.
fetch() {
	pkg=$1
	ver=$2
	up=${ver#*:}; up=${up%-*}
	top=$SRC/$pkg-$ver
	if [ ! -f "$top/.unpacked" ]; then
		rm -rf "$top"
		mkdir -p "$top"
		say "fetching Debian source of $pkg $ver"
		(cd "$top" && apt-get source -q "$pkg=$ver" >/dev/null 2>&1) ||
		    die "apt-get source $pkg=$ver failed"
		[ -d "$top/$pkg-$up" ] || die "$top/$pkg-$up missing"
		touch "$top/.unpacked"
	fi
	echo "$top/$pkg-$up"
}

build_wolfssl() {
	dir=$1
	sh "$TOP/common/mk/wolfssl-patch.sh" "$dir" ||
	    die "cannot patch wolfSSL in $dir"
	say "building wolfSSL ($dir)"
	(
		cd "$dir"
		[ -x configure ] || autoreconf -fi >/dev/null 2>&1
		./configure -q --prefix="$PREFIX" $WOLFSSL_FLAGS \
		    CFLAGS="$WOLFSSL_CFLAGS" >/dev/null
		make -s -j"$(nproc)" >/dev/null 2>&1 || make -j1
		make -s install >/dev/null
	)
	opts=$PREFIX/include/wolfssl/options.h
	abi_fix "$dir"
	for d in WOLFSSL_QUIC WOLFSSL_AESNI WOLFSSL_GETRANDOM HAVE_PTHREAD \
	    HAVE___UINT128_T; do
		grep -q "^#define $d" "$opts" || die "$opts does not define $d"
	done
	[ -f "$PREFIX/lib/libwolfssl.a" ] || die "no static libwolfssl.a"
}

# wolfSSL 5.5.4 compiles itself with HAVE___UINT128_T from config.h but
# deliberately leaves it out of options.h, so every consumer sees smaller
# sp_int-based structs than the library (ecc_key: 4200 vs 4232 bytes) and
# a stack ecc_key overflows.  Record in options.h what the library was
# really built with, before ngtcp2 or softlan include it.
abi_fix() {
	dir=$1
	opts=$PREFIX/include/wolfssl/options.h
	grep -q '^#define HAVE___UINT128_T' "$dir/config.h" || return 0
	cat >> "$opts" <<-'EOT'

	/* Added by softlan's deps.sh: the library was built with it. */
	#ifndef HAVE___UINT128_T
	#define HAVE___UINT128_T 1
	#endif
	EOT
}

build_ngtcp2() {
	dir=$1
	say "building ngtcp2 ($dir)"
	rm -rf "$dir/_build"
	(
		cd "$dir"
		cmake -S . -B _build -DCMAKE_INSTALL_PREFIX="$PREFIX" \
		    -DCMAKE_PREFIX_PATH="$PREFIX" \
		    -DWOLFSSL_INCLUDE_DIR="$PREFIX/include" \
		    -DWOLFSSL_LIBRARY="$PREFIX/lib/libwolfssl.a" \
		    -DCMAKE_INSTALL_LIBDIR=lib \
		    $NGTCP2_FLAGS >/dev/null
		cmake --build _build -j"$(nproc)" >/dev/null
		cmake --install _build >/dev/null
	)
	[ -f "$PREFIX/lib/libngtcp2_static.a" ] || die "no libngtcp2_static.a"
	[ -f "$PREFIX/lib/libngtcp2_crypto_wolfssl_static.a" ] ||
	    die "no libngtcp2_crypto_wolfssl_static.a"
}

install_pkgs
enable_debsrc
wver=$(srcversion wolfssl)
nver=$(srcversion ngtcp2)
[ -n "$wver" ] && [ -n "$nver" ] || die "cannot tell the source versions"
# RECIPE changes whenever this script builds differently.
RECIPE=3
key="wolfssl $wver, ngtcp2 $nver, recipe $RECIPE
$WOLFSSL_FLAGS $WOLFSSL_CFLAGS
$NGTCP2_FLAGS"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ] &&
    [ -f "$PREFIX/lib/libngtcp2_static.a" ]; then
	say "up to date ($(sed -n 1p "$STAMP"))"
	exit 0
fi
wdir=$(fetch wolfssl "$wver")
ndir=$(fetch ngtcp2 "$nver")
rm -rf "$PREFIX" "$STAMP"
build_wolfssl "$wdir"
build_ngtcp2 "$ndir"
echo "$key" > "$STAMP"
say "done: $(sed -n 1p "$STAMP")"
