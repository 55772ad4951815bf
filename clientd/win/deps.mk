# clientd/win/deps.mk: the Windows client's dependencies (included from
# clientd/win/win.mk).
#
# make windows-deps        cJSON, wolfSSL and ngtcp2 from Debian's source
#                          packages, cross-built static with MinGW-w64 into
#                          .deps/win/prefix (common/mk/deps-win.sh)
# make windows-deps-check  build clientd/win/quicprobe.c against the prefix
#                          and run it under Wine: a wolfSSL QUIC context,
#                          an ngtcp2 client writing its first Initial
#                          packet, an ECC key on the stack, cJSON
#
# For the Windows build: compile with WINDEPS_CFLAGS, link with
# WINDEPS_LIBS then WINDEPS_SYSLIBS (and -static).

WINDEPS_HOST :=		x86_64-w64-mingw32
WINDEPS_CC :=		$(WINDEPS_HOST)-gcc
WINDEPS_PREFIX :=	$(DEPSDIR)/win/prefix
WINDEPS_CFLAGS :=	-I$(WINDEPS_PREFIX)/include -DNGTCP2_STATICLIB \
			-DCJSON_HIDE_SYMBOLS
WINDEPS_LIBS :=		-L$(WINDEPS_PREFIX)/lib \
			-lngtcp2_crypto_wolfssl_static -lngtcp2_static \
			-lwolfssl -lcjson
WINDEPS_SYSLIBS :=	-lws2_32 -ladvapi32 -lcrypt32
WINDEPS_PROBE :=	$(DEPSDIR)/win/quicprobe.exe
# What win.mk's windows and check-windows run first.
WIN_DEPS :=		windows-deps

.PHONY: windows-deps windows-deps-check

windows-deps:
	@sh common/mk/deps-win.sh

# A private Wine prefix each run (its first start takes about 6 s), its
# wineserver stopped and the prefix removed afterwards.
windows-deps-check: windows-deps
	$(WINDEPS_CC) -O2 $(WARNFLAGS) $(WINDEPS_CFLAGS) \
	    clientd/win/quicprobe.c -o $(WINDEPS_PROBE) $(WINDEPS_LIBS) \
	    $(WINDEPS_SYSLIBS) -static
	@wp=$$(mktemp -d) || exit 1; \
	WINEPREFIX=$$wp WINEDEBUG=-all timeout 120 wine $(WINDEPS_PROBE) \
	    > $$wp.out 2> $$wp.err; rc=$$?; \
	WINEPREFIX=$$wp timeout 30 wineserver -k 2>/dev/null; \
	cat $$wp.out; \
	if [ $$rc -ne 0 ] || ! grep -q '"initial":1[0-9][0-9][0-9]' $$wp.out; \
	then \
		echo "windows-deps-check: quicprobe failed (exit $$rc)" >&2; \
		cat $$wp.err >&2; rc=1; \
	fi; \
	rm -rf $$wp $$wp.out $$wp.err; exit $$rc
