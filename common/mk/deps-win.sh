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
# deps-win.sh: the Windows client's dependencies, cross-built with MinGW-w64
# for x86_64-w64-mingw32 into $PREFIX (.deps/win/prefix), all static:
#
#   1. install the Debian packages the cross-build, Wine and NSIS need;
#   2. fetch Debian's source packages of cjson, wolfssl and ngtcp2 into
#      .deps/src (the directory deps.sh uses: what it fetched is reused);
#   3. unpack each afresh under .deps/win/build (dpkg-source -x applies
#      Debian's patches; deps.sh builds inside its own unpack, so never
#      there) and build cJSON, then wolfSSL, then ngtcp2.
#
# Consumers compile with -DCJSON_HIDE_SYMBOLS -DNGTCP2_STATICLIB and link
# with -lngtcp2_crypto_wolfssl_static -lngtcp2_static -lwolfssl -lcjson
# -lws2_32 -ladvapi32 -lcrypt32 -static.
#
# Idempotent: a stamp keyed on the source versions, the compiler, the flags
# and RECIPE makes a second run with nothing to do finish in about a second.
# Every long step runs under timeout(1) with its output in .deps/win/log/.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DEPS=${DEPS:-$TOP/.deps}
SRC=$DEPS/src
WIN=$DEPS/win
PREFIX=$WIN/prefix
BUILD=$WIN/build
LOGS=$WIN/log
STAMP=$WIN/stamp
HOST=x86_64-w64-mingw32
JOBS=$(nproc 2>/dev/null || echo 2)

PKGS="gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64
mingw-w64-x86-64-dev wine wine64 nsis zip unzip cmake make autoconf automake
libtool pkg-config dpkg-dev xz-utils coreutils iputils-ping"

# As deps.sh, less what MinGW cannot take: no aesni/intelasm (ELF-only
# directives, SysV calling convention), no getrandom or pthread (Linux
# only; wolfSSL uses the Windows APIs by itself), no PIC; and no
# sys-ca-certs (ssl.c would include <Wincrypt.h>, which a case-sensitive
# file system does not have).  keygen, ecc, session-ticket and
# opensslextra stay because common/quic.c uses them on both platforms.
WOLFSSL_FLAGS="--enable-static --disable-shared --enable-quic --enable-tls13
--disable-oldtls --enable-aesgcm --enable-chacha --enable-poly1305
--enable-hkdf --enable-certgen --enable-keygen --enable-ecc
--enable-curve25519 --enable-sni --enable-alpn --enable-session-ticket
--enable-opensslextra --disable-sys-ca-certs --disable-aesni
--disable-intelasm --disable-examples --disable-crypttests
--disable-benchmark"
WOLFSSL_CFLAGS="-O2"
NGTCP2_FLAGS="-DENABLE_WOLFSSL=ON -DENABLE_OPENSSL=OFF -DENABLE_GNUTLS=OFF
-DENABLE_BORINGSSL=OFF -DENABLE_PICOTLS=OFF -DENABLE_JEMALLOC=OFF
-DENABLE_STATIC_LIB=ON -DENABLE_SHARED_LIB=OFF -DCMAKE_BUILD_TYPE=Release"
CJSON_CFLAGS="-std=c89 -O2 -DCJSON_HIDE_SYMBOLS"

say() { echo "deps-win: $*" >&2; }
die() { echo "deps-win: $*" >&2; exit 1; }

# run name seconds command...: the command's output goes to $LOGS/name.log;
# a failure or a timeout names the step and shows the end of its log.
run() {
	name=$1
	secs=$2
	shift 2
	log=$LOGS/$name.log
	rc=0
	timeout "$secs" "$@" > "$log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] && return 0
	if [ "$rc" -eq 124 ]; then
		say "$name: timed out after ${secs}s; end of $log:"
	else
		say "$name: failed (exit $rc); end of $log:"
	fi
	tail -n 25 "$log" >&2
	exit 1
}

missing_pkgs() {
	ok=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
	    sed -n 's/^\([^ :]*\)[^ ]* .* installed$/\1/p')
	out=
	for p in $PKGS; do
		echo "$ok" | grep -qx "$p" || out="$out $p"
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
	run apt-update 300 apt-get update -q
	run apt-install 900 env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends $miss
}

# deps.sh derives the deb-src entries from the machine's apt sources; it
# owns that step, so that there is one copy of it.
check_debsrc() {
	apt-cache showsrc cjson 2>/dev/null | grep -q '^Package:' && return 0
	die "no deb-src entries for apt-get source: run 'make deps' first" \
	    "(common/mk/deps.sh derives them from the apt sources)"
}

# The version apt-get source would fetch (as in deps.sh), from the URIs
# of all three packages, asked for once: apt-get takes a second a call.
srcversion() {
	echo "$URIS" | sed -n "s|.*/$1_\([^/']*\)\.dsc'.*|\1|p" |
	    head -n 1 | sed 's/%2[bB]/+/g; s/%3[aA]/:/g'
}

# Download Debian's source package into $SRC/<pkg>-<version>, the layout
# and marker deps.sh uses; echo the .dsc.
fetch() {
	pkg=$1
	ver=$2
	top=$SRC/$pkg-$ver
	if [ ! -f "$top/.unpacked" ]; then
		rm -rf "$top"
		mkdir -p "$top"
		say "fetching Debian source of $pkg $ver"
		(cd "$top" && run "fetch-$pkg" 600 apt-get source -q "$pkg=$ver")
		touch "$top/.unpacked"
	fi
	dsc=$top/${pkg}_${ver#*:}.dsc
	[ -f "$dsc" ] || die "$dsc missing"
	echo "$dsc"
}

# A fresh tree from the .dsc, Debian's patches applied; echo its path.
unpack() {
	pkg=$1
	dsc=$2
	dir=$BUILD/$pkg
	rm -rf "$dir"
	mkdir -p "$BUILD"
	run "unpack-$pkg" 300 dpkg-source --no-check -x "$dsc" "$dir"
	echo "$dir"
}

# One file, one static library.  The header is copied and renamed into
# place so that a reader never sees half of it.
build_cjson() {
	dir=$1
	say "building cJSON ($dir)"
	mkdir -p "$PREFIX/include/cjson" "$PREFIX/lib"
	run cjson 120 $HOST-gcc $CJSON_CFLAGS -c "$dir/cJSON.c" \
	    -o "$dir/cJSON.o"
	rm -f "$dir/libcjson.a"
	run cjson-ar 60 $HOST-ar rcs "$dir/libcjson.a" "$dir/cJSON.o"
	cp "$dir/cJSON.h" "$PREFIX/include/cjson/cJSON.h.tmp"
	mv "$PREFIX/include/cjson/cJSON.h.tmp" "$PREFIX/include/cjson/cJSON.h"
	cp "$dir/libcjson.a" "$PREFIX/lib/libcjson.a"
}

build_wolfssl() {
	dir=$1
	sh "$TOP/common/mk/wolfssl-patch.sh" "$dir" ||
	    die "cannot patch wolfSSL in $dir"
	say "building wolfSSL ($dir)"
	if [ ! -x "$dir/configure" ]; then
		(cd "$dir" && run wolfssl-autoreconf 300 autoreconf -fi)
	fi
	(
		cd "$dir"
		run wolfssl-configure 300 ./configure --host=$HOST \
		    --prefix="$PREFIX" $WOLFSSL_FLAGS CFLAGS="$WOLFSSL_CFLAGS"
		run wolfssl-make 900 make -j"$JOBS"
		run wolfssl-install 300 make install
	)
	opts=$PREFIX/include/wolfssl/options.h
	abi_fix "$dir"
	for d in WOLFSSL_QUIC WOLFSSL_TLS13 HAVE_CURVE25519 HAVE_AESGCM \
	    HAVE_CHACHA HAVE_POLY1305 HAVE_HKDF WOLFSSL_CERT_GEN \
	    WOLFSSL_KEY_GEN HAVE_SNI HAVE_ALPN OPENSSL_EXTRA; do
		grep -q "^#define $d" "$opts" || die "$opts does not define $d"
	done
	! grep -q '^#define WOLFSSL_AESNI' "$opts" ||
	    die "$opts defines WOLFSSL_AESNI"
	[ -f "$PREFIX/lib/libwolfssl.a" ] || die "no static libwolfssl.a"
}

# The same fix as deps.sh's: wolfSSL 5.5.4 builds itself with
# HAVE___UINT128_T from config.h (MinGW's x86_64 gcc has __int128 too) but
# leaves it out of options.h, so consumers see smaller sp_int-based structs
# than the library and a stack ecc_key overflows.  Record it.
abi_fix() {
	dir=$1
	opts=$PREFIX/include/wolfssl/options.h
	grep -q '^#define HAVE___UINT128_T' "$dir/config.h" || return 0
	grep -q '^#define HAVE___UINT128_T' "$opts" && return 0
	cat >> "$opts" <<-'EOT'

	/* Added by softlan's deps-win.sh: the library was built with it. */
	#ifndef HAVE___UINT128_T
	#define HAVE___UINT128_T 1
	#endif
	EOT
}

# CMake's cross-compiling setup: search only the private prefix, run
# target programs (if CMake ever needs to) under Wine in a private prefix.
toolchain() {
	f=$WIN/mingw-w64-x86_64.cmake
	cat > "$f.tmp" <<-EOT
	# Generated by common/mk/deps-win.sh.
	set(CMAKE_SYSTEM_NAME Windows)
	set(CMAKE_SYSTEM_PROCESSOR x86_64)
	set(CMAKE_C_COMPILER $HOST-gcc)
	set(CMAKE_CXX_COMPILER $HOST-g++)
	set(CMAKE_RC_COMPILER $HOST-windres)
	set(CMAKE_FIND_ROOT_PATH "$PREFIX")
	set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
	set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
	set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
	set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
	set(CMAKE_CROSSCOMPILING_EMULATOR env "WINEPREFIX=$WIN/wine"
	    WINEDEBUG=-all wine)
	EOT
	mv "$f.tmp" "$f"
	echo "$f"
}

build_ngtcp2() {
	dir=$1
	tc=$(toolchain)
	say "building ngtcp2 ($dir)"
	(
		cd "$dir"
		run ngtcp2-cmake 300 env PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" \
		    PKG_CONFIG_PATH= cmake -S . -B _build \
		    -DCMAKE_TOOLCHAIN_FILE="$tc" \
		    -DCMAKE_INSTALL_PREFIX="$PREFIX" \
		    -DCMAKE_INSTALL_LIBDIR=lib \
		    -DWOLFSSL_INCLUDE_DIR="$PREFIX/include" \
		    -DWOLFSSL_LIBRARY="$PREFIX/lib/libwolfssl.a" \
		    $NGTCP2_FLAGS
		run ngtcp2-build 600 cmake --build _build -j"$JOBS" \
		    --target ngtcp2_static ngtcp2_crypto_wolfssl_static
		run ngtcp2-install 300 cmake --install _build
	)
	grep -q '^#define NGTCP2_VERSION "' \
	    "$PREFIX/include/ngtcp2/version.h" || die "no ngtcp2/version.h"
	[ -f "$PREFIX/include/ngtcp2/ngtcp2_crypto_wolfssl.h" ] ||
	    die "no ngtcp2_crypto_wolfssl.h"
	[ -f "$PREFIX/lib/libngtcp2_static.a" ] || die "no libngtcp2_static.a"
	[ -f "$PREFIX/lib/libngtcp2_crypto_wolfssl_static.a" ] ||
	    die "no libngtcp2_crypto_wolfssl_static.a"
}

built() {
	for f in include/cjson/cJSON.h lib/libcjson.a lib/libwolfssl.a \
	    include/wolfssl/options.h lib/libngtcp2_static.a \
	    lib/libngtcp2_crypto_wolfssl_static.a; do
		[ -f "$PREFIX/$f" ] || return 1
	done
}

mkdir -p "$LOGS"
install_pkgs
check_debsrc
URIS=$(timeout 60 apt-get source --print-uris -qq cjson wolfssl ngtcp2 \
    2>/dev/null) || die "apt-get source --print-uris failed"
cver=$(srcversion cjson)
wver=$(srcversion wolfssl)
nver=$(srcversion ngtcp2)
[ -n "$cver" ] && [ -n "$wver" ] && [ -n "$nver" ] ||
    die "cannot tell the source versions (cjson '$cver'," \
	"wolfssl '$wver', ngtcp2 '$nver')"
tools=$(dpkg-query -W -f='${Package} ${Version}\n' gcc-mingw-w64-x86-64 \
    mingw-w64-x86-64-dev cmake 2>/dev/null | tr '\n' ' ')
# RECIPE changes whenever this script builds differently.
RECIPE=2
key="cjson $cver, wolfssl $wver, ngtcp2 $nver, recipe $RECIPE
$tools
$CJSON_CFLAGS
$WOLFSSL_FLAGS $WOLFSSL_CFLAGS
$NGTCP2_FLAGS"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ] && built; then
	say "up to date ($(sed -n 1p "$STAMP"))"
	exit 0
fi
cdsc=$(fetch cjson "$cver")
wdsc=$(fetch wolfssl "$wver")
ndsc=$(fetch ngtcp2 "$nver")
rm -rf "$PREFIX" "$STAMP"
# cJSON first: it takes a second, and its header is the first one needed.
dir=$(unpack cjson "$cdsc")
build_cjson "$dir"
dir=$(unpack wolfssl "$wdsc")
build_wolfssl "$dir"
dir=$(unpack ngtcp2 "$ndsc")
build_ngtcp2 "$dir"
rm -rf "$BUILD"
echo "$key" > "$STAMP"
say "done: $(sed -n 1p "$STAMP")"
