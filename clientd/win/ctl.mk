# The control channel on Windows (included from clientd/win/win.mk):
# softlanctl.exe, and the control pipe's server for the worker.
#
# WINCTL_SERVER_SRCS	the server (clientd/win/control_win.c, control.h's
#			API over a named pipe, on the worker's evloop), the
#			protocol it shares with Linux (common/ctlconn.c)
#			and the JSON helpers (common/ctljson.c); a program
#			serving the pipe adds
#			them and WINCTL_IMSG_SRCS to its own sources
# WIN_SOFTLANCTL_EXE	$(WIN_OBJ)/softlanctl.exe, in WIN_PROGS (built by
#			make windows): softlanctl/softlanctl.c with its
#			Windows transport, ctlrender.c, imsg, and
#			$(WIN_LIB) for log.c, clock.c and the compat layer
# make check-win-ctl	(part of make check) regress/win/wine-ctl.sh: a
#			test server, $(WIN_OBJ)/ctl/ctlserv.exe
#			(regress/win/ctlserv.c on control_win.c), and
#			softlanctl.exe against it under Wine, in a private
#			prefix under $(WIN_OBJ)/ctl/
#
# The objects of this file go under $(WIN_OBJ)/ctl/, compiled with
# win.mk's flags (-Werror, the include overlay) plus -Iimsg, as pipe.mk
# does.  clientd/win/control_win.c is also compiled by win.mk itself,
# as every clientd/win/*.c is.

ifndef WINCTL_MK
WINCTL_MK :=	1

WINCTL_OBJ :=	$(WIN_OBJ)/ctl
WINCTL_IMSG_SRCS := imsg/imsg.c imsg/imsg-buffer.c imsg/imsg-win.c
WINCTL_SERVER_SRCS := clientd/win/control_win.c common/ctlconn.c \
		common/ctljson.c
WINCTL_CTL_SRCS := softlanctl/softlanctl.c softlanctl/ctlrender.c \
		$(WINCTL_IMSG_SRCS)
WINCTL_SERV_SRCS := regress/win/ctlserv.c $(WINCTL_SERVER_SRCS) \
		$(WINCTL_IMSG_SRCS)
WINCTL_CTL_OBJS := $(WINCTL_CTL_SRCS:%.c=$(WINCTL_OBJ)/%.o)
WINCTL_SERV_OBJS := $(WINCTL_SERV_SRCS:%.c=$(WINCTL_OBJ)/%.o)

WIN_SOFTLANCTL_EXE := $(WIN_OBJ)/softlanctl.exe
WINCTL_SERV_EXE := $(WINCTL_OBJ)/ctlserv.exe

WIN_PROGS +=	$(WIN_SOFTLANCTL_EXE)
CHECKS +=	check-win-ctl

.PHONY: win-ctl check-win-ctl

win-ctl: $(WIN_SOFTLANCTL_EXE) $(WINCTL_SERV_EXE)

check-win-ctl: $(WIN_DEPS)
	@$(MAKE) --no-print-directory win-ctl
	@timeout -k 5 300 bash regress/win/wine-ctl.sh $(WIN_OBJ)

$(WIN_SOFTLANCTL_EXE): $(WINCTL_CTL_OBJS) $(WIN_LIB)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WINCTL_CTL_OBJS) $(WIN_LIB) \
	    $(WIN_LDLIBS)

$(WINCTL_SERV_EXE): $(WINCTL_SERV_OBJS) $(WIN_LIB)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WINCTL_SERV_OBJS) $(WIN_LIB) \
	    $(WIN_LDLIBS)

$(WINCTL_OBJ)/%.o: %.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) -Iimsg $(WIN_ALL_CFLAGS) -c -o $@ $<

-include $(WINCTL_CTL_OBJS:.o=.d) $(WINCTL_SERV_OBJS:.o=.d)

endif
