# clientd.exe, the Windows client (clientd/win/broker.h): the broker and
# the service (broker.c, service.c, setup.c; the adapter and IP changes of
# netif*.c are in obj-win/libsoftlan.a), the worker (worker.c, running
# clientd/clientcore.c and the control answers of clientd/control.c on
# the control pipe of control_win.c), the pipe transport (pipe.c,
# imsg/imsg-win.c).  Objects and the Wine test's files go under
# obj-win/pipe/.  win.mk includes this file: make win-pipe builds it,
# make check-win-pipe (part of make check) runs regress/win/wine-broker.sh:
# each case a real run under Wine in a private prefix
# (obj-win/pipe/wineprefix), one ok / not ok line each.
#
# Same flags as win.mk's (its include overlay and compat layer, -Werror)
# plus -Iimsg.

ifndef WINPIPE_MK
WINPIPE_MK :=	1

WINPIPE_OBJ :=	$(WIN_OBJ)/pipe
WINPIPE_SRCS :=	clientd/win/broker.c clientd/win/service.c \
		clientd/win/worker.c clientd/win/pipe.c clientd/win/setup.c \
		clientd/control.c clientd/win/control_win.c common/ctlconn.c \
		common/ctljson.c \
		imsg/imsg.c imsg/imsg-buffer.c imsg/imsg-win.c
WINPIPE_OBJS :=	$(WINPIPE_SRCS:%.c=$(WINPIPE_OBJ)/%.o)
WINPIPE_EXE :=	$(WINPIPE_OBJ)/clientd.exe
WINPIPE_LIBS :=	$(WIN_LIB) $(WIN_LDLIBS) -lshell32 -lole32 -luuid

.PHONY: win-pipe check-win-pipe check-win-e2e

# A Windows player at the LAN party: clientd.exe under Wine, with the fake
# adapter (regress/win/fakenic.mk), against the Linux relayd and gatewayd.
CHECKS +=	check-win-e2e

check-win-e2e: $(WIN_DEPS) $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/softlanctl/softlanctl
	@$(MAKE) --no-print-directory $(WINPIPE_EXE) $(WIN_FAKENIC_EXE) \
	    $(WIN_SOFTLANCTL_EXE)
	@timeout -k 5 400 bash regress/win/wine-e2e.sh $(OBJ) $(WIN_OBJ)

win-pipe: $(WINPIPE_EXE)

check-win-pipe: $(WIN_DEPS)
	@$(MAKE) --no-print-directory $(WINPIPE_EXE) $(WIN_FAKENIC_EXE)
	@timeout -k 5 300 bash regress/win/wine-broker.sh $(WINPIPE_EXE) \
	    $(WIN_FAKENIC_EXE)

$(WINPIPE_EXE): $(WINPIPE_OBJS) $(WIN_LIB)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WINPIPE_OBJS) $(WINPIPE_LIBS)

$(WINPIPE_OBJ)/%.o: %.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) -Iimsg $(WIN_ALL_CFLAGS) -c -o $@ $<

-include $(WINPIPE_OBJS:.o=.d)

endif
