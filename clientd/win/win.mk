# The Windows client: a MinGW-w64 cross-build, tests under Wine.
# Included by the GNUmakefile; every variable here is WIN_*, every object
# goes under obj-win/, so the Linux build (CC, CFLAGS, OBJ) is untouched.
#
# make windows		the portable cores (WIN_CORE_SRCS) and the Windows
#			compat layer as obj-win/libsoftlan.a, every
#			clientd/win/*.c and WIN_PROGS, with the project's
#			warning set and -Werror
# make check-windows	the portable unit tests of regress/unit, unchanged,
#			built against regress/win's Criterion-compatible
#			runner and run under Wine in a private prefix
#
# cJSON, wolfSSL and ngtcp2 come from .deps/win/prefix, built from Debian's
# source packages by clientd/win/deps.mk (common/mk/deps-win.sh), which
# also sets WIN_DEPS (run first) and WINDEPS_CFLAGS/LIBS/SYSLIBS.
#
# Portability: the shared sources include the usual headers.  On Windows
# clientd/win/include/ overlays a few of them, as libbsd-overlay does on
# Linux: <string.h> and <stdlib.h> add strlcpy, strtonum, freezero,
# explicit_bzero, arc4random & co. (clientd/win/compat.c), <syslog.h> goes
# to stderr (syslog.c), <sys/socket.h>, <netinet/in.h>, <arpa/inet.h> are
# Winsock.  <sys/queue.h> and <sys/tree.h> are libbsd's own (plain macro
# headers), copied from the build machine (WIN_LIBBSD_INC) into
# obj-win/bsdinc and searched last (-idirafter); their <bsd/sys/cdefs.h> is
# a small one of ours.  MinGW's C99 stdio (__USE_MINGW_ANSI_STDIO) gives
# %zu; common/compat.h's __printflike says gnu_printf for it.

WIN_HOST :=	x86_64-w64-mingw32
WIN_CC :=	$(WIN_HOST)-gcc
WIN_AR :=	$(WIN_HOST)-ar
WIN_OBJ ?=	obj-win
WIN_CFLAGS ?=	-O2 -g
WIN_LIBBSD_INC ?= /usr/include/bsd
WIN_WINE ?=	wine
WIN_WINEPREFIX := $(TOP)/$(WIN_OBJ)/wineprefix
WIN_TIMEOUT ?=	300

-include clientd/win/deps.mk

WIN_CPPFLAGS :=	-D_WIN32_WINNT=0x0A00 -D__USE_MINGW_ANSI_STDIO=1 \
		-DWIN32_LEAN_AND_MEAN -Iclientd/win/include -Icommon -Iclientd \
		$(WINDEPS_CFLAGS) -I$(WINDEPS_PREFIX)/include/cjson \
		-idirafter $(WIN_OBJ)/bsdinc
WIN_ALL_CFLAGS = $(WIN_CFLAGS) $(WARNFLAGS) -MMD -MP
# libwinpthread (static): clock_gettime for common/clock.c.
WIN_LDLIBS :=	$(WINDEPS_LIBS) $(WINDEPS_SYSLIBS) -lbcrypt \
		-lshell32 -lole32 -luuid \
		-l:libwinpthread.a
WIN_LDFLAGS :=	-static

# The portable cores: the same files as the Linux build.
WIN_CORE_SRCS := common/session.c common/overlay.c common/mtu.c \
		common/ether.c common/l2class.c common/wiremsg.c \
		common/egress.c common/quic.c common/quic_tls.c \
		common/log.c common/clock.c common/uplink.c \
		common/mssclamp.c clientd/tapfilter.c clientd/clientcore.c
# uplink.c's event loop (common/evloop.h) on Windows.
WIN_COMPAT_SRCS := clientd/win/compat.c clientd/win/syslog.c \
		clientd/win/evloop_win.c
# More Windows library sources and programs (clientd.exe, softlanctl.exe)
# are appended by the files that define them.  Every clientd/win/*.c is
# compiled by "make windows" (the -Werror check), in the library or not.
# clientd.conf for the Windows client (clientd/clientconf.h): the shared
# lexer and checks, the grammar, -nv's printer, the configuration's path
# and the virtual MAC.  "clientd/parse.c" stands for byacc's output,
# $(WIN_OBJ)/clientd/parse.c, made and compiled (with -Iclientd) by the
# parse.y rules further down, as the GNUmakefile does for Linux.
WIN_CONF_SRCS := common/cfglex.c common/cfgcheck.c clientd/parse.c \
		clientd/printconf.c clientd/clientconf.c
WIN_LIB_SRCS +=	$(WIN_CORE_SRCS) $(WIN_COMPAT_SRCS) $(WIN_CONF_SRCS)
# The broker's network interface (netif.h): its pure parts, TAP-Windows6
# with IP Helper (looked up at run time, never imported), the tests' fakes.
WIN_NETIF_SRCS := clientd/win/netif.c clientd/win/netif_tap.c \
		clientd/win/netif_fake.c
WIN_LIB_SRCS +=	$(WIN_NETIF_SRCS)
WIN_PROGS ?=
WIN_LIB :=	$(WIN_OBJ)/libsoftlan.a
WIN_LIB_OBJS =	$(WIN_LIB_SRCS:%.c=$(WIN_OBJ)/%.o)
WIN_ALL_OBJS =	$(sort $(WIN_LIB_OBJS) \
		    $(patsubst %.c,$(WIN_OBJ)/%.o,$(wildcard clientd/win/*.c)))

WIN_BSDINC :=	$(WIN_OBJ)/bsdinc/sys/queue.h $(WIN_OBJ)/bsdinc/sys/tree.h

# The unit tests of the portable cores (egress is tested in test_quic.c).
# uplink runs on clientd/win/evloop_win.c against its in-process relay on
# 127.0.0.1.  Left out: quicstack (asserts the Linux wolfSSL build:
# AES-NI, getrandom; deps.mk's windows-deps-check probes the Windows
# one), imsg, imsg_buf, control,
# daemon (AF_UNIX, fd passing, fork, libevent), and the cores of the Linux
# daemons: cam, lan (gatewayd), room, relaypipe (relayd).  cfglex and
# cfgcheck skip only what Windows has no equivalent of (FIFOs, /dev);
# clientconf is the grammar with the Windows values.
WIN_UNIT_TESTS := session overlay tapfilter wiremsg mtu ether l2class \
		quic cipher log uplink cfglex cfgcheck clientconf netif \
		mssclamp
WIN_UNIT_SRCS := $(WIN_UNIT_TESTS:%=regress/unit/test_%.c) \
		regress/win/runner.c
WIN_UNIT_OBJS := $(WIN_UNIT_SRCS:%.c=$(WIN_OBJ)/%.o)
WIN_UNIT :=	$(WIN_OBJ)/regress/win/unit.exe

# In make check: the MinGW build with -Werror and the unit tests under
# Wine; and the broker/worker skeleton's Wine cases (pipe.mk).
CHECKS +=	check-windows check-win-pipe

-include clientd/win/pipe.mk
-include regress/win/fakenic.mk
-include clientd/win/ctl.mk
-include regress/bench/win.mk

.PHONY: windows windows-build check-windows check-windows-run

windows: $(WIN_DEPS)
	@$(MAKE) --no-print-directory windows-build

windows-build: $(WIN_LIB) $(WIN_ALL_OBJS) $(WIN_PROGS)

check-windows: $(WIN_DEPS)
	@$(MAKE) --no-print-directory windows-build check-windows-run

# A private Wine prefix under obj-win, made on the first run (about 6 s,
# its chatter in obj-win/wineboot.log); no Mono or Gecko installer.
WIN_WINEENV :=	WINEPREFIX=$(WIN_WINEPREFIX) WINEDEBUG=-all \
		WINEDLLOVERRIDES='mscoree,mshtml='

check-windows-run: $(WIN_UNIT)
	@if [ ! -f $(WIN_WINEPREFIX)/system.reg ]; then \
		echo "check-windows: new Wine prefix $(WIN_WINEPREFIX)"; \
		mkdir -p $(WIN_WINEPREFIX); \
		$(WIN_WINEENV) timeout 120 wineboot -i \
		    >$(WIN_OBJ)/wineboot.log 2>&1 || \
		    { cat $(WIN_OBJ)/wineboot.log; exit 1; }; \
	fi
	@rc=0; $(WIN_WINEENV) timeout $(WIN_TIMEOUT) $(WIN_WINE) $(WIN_UNIT) || \
	    rc=$$?; \
	$(WIN_WINEENV) timeout 20 wineserver -k 2>/dev/null; exit $$rc

$(WIN_LIB): $(WIN_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(WIN_AR) rcs $@ $^

# clientd/parse.y (WIN_CONF_SRCS): byacc, then the C with the grammar's
# directory on the include path.
$(WIN_OBJ)/clientd/parse.c: clientd/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

$(WIN_OBJ)/clientd/parse.o: $(WIN_OBJ)/clientd/parse.c | $(WIN_BSDINC)
	$(WIN_CC) $(WIN_CPPFLAGS) -Iclientd $(WIN_ALL_CFLAGS) -c -o $@ $<

$(WIN_OBJ)/bsdinc/sys/%.h: $(WIN_LIBBSD_INC)/sys/%.h
	@mkdir -p $(@D)
	cp $< $@

$(WIN_OBJ)/regress/%.o: regress/%.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) -Iregress/win/include $(WIN_CPPFLAGS) $(WIN_ALL_CFLAGS) \
	    -c -o $@ $<

$(WIN_OBJ)/%.o: %.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_ALL_CFLAGS) -c -o $@ $<

$(WIN_UNIT): $(WIN_UNIT_OBJS) $(WIN_LIB)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WIN_UNIT_OBJS) $(WIN_LIB) \
	    $(WIN_LDLIBS)

-include $(WIN_ALL_OBJS:.o=.d) $(WIN_UNIT_OBJS:.o=.d)
-include clientd/win/dist.mk
