# clientd.exe, the Windows broker/worker SKELETON (broker.h): the pipe
# transport (imsg/imsg-win.c, clientd/win/pipe.c), the broker and the
# service (broker.c, service.c) and a stub worker (worker.c).  Objects and
# the Wine test's files go under obj-win/pipe/ only.  win.mk includes this
# file: make win-pipe builds it, make check-win-pipe (part of make check)
# runs regress/win/wine-broker.sh:
# each case a real run under Wine in a private prefix
# (obj-win/pipe/wineprefix), one ok / not ok line each.
#
# Same flags as win.mk's (its include overlay and compat layer, -Werror)
# plus -Iimsg; compat.c, syslog.c and common/log.c are compiled again
# here so that this program needs neither the QUIC dependencies nor
# obj-win/libsoftlan.a.

ifndef WINPIPE_MK
WINPIPE_MK :=	1

WINPIPE_OBJ :=	$(WIN_OBJ)/pipe
WINPIPE_SRCS :=	clientd/win/broker.c clientd/win/service.c \
		clientd/win/worker.c clientd/win/pipe.c \
		imsg/imsg.c imsg/imsg-buffer.c imsg/imsg-win.c \
		common/log.c clientd/win/compat.c clientd/win/syslog.c
WINPIPE_OBJS :=	$(WINPIPE_SRCS:%.c=$(WINPIPE_OBJ)/%.o)
WINPIPE_EXE :=	$(WINPIPE_OBJ)/clientd.exe
WINPIPE_LIBS :=	-lws2_32 -ladvapi32 -lshell32 -lole32 -luuid -lbcrypt

.PHONY: win-pipe check-win-pipe

win-pipe: $(WINPIPE_EXE)

check-win-pipe: $(WIN_DEPS)
	@$(MAKE) --no-print-directory $(WINPIPE_EXE)
	@timeout -k 5 300 bash regress/win/wine-broker.sh $(WINPIPE_EXE)

$(WINPIPE_EXE): $(WINPIPE_OBJS)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WINPIPE_OBJS) $(WINPIPE_LIBS)

$(WINPIPE_OBJ)/%.o: %.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) -Iimsg $(WIN_ALL_CFLAGS) -c -o $@ $<

-include $(WINPIPE_OBJS:.o=.d)

endif
