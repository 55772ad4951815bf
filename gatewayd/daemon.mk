# gatewayd: the sans-I/O cores the unit tests drive (see GNUmakefile):
# the CAM refresh tracker and the LAN-side frame decisions; and the
# daemon: gatewayd.c (main, the parent), gateway.c (the network child),
# control.c (the child's control-socket answers),
# parse.y (byacc, into $(OBJ)/gatewayd/parse.c), printconf.c.

CORE_SRCS +=	gatewayd/cam.c gatewayd/lan.c

GATEWAYD_OBJS =	$(OBJ)/gatewayd/gatewayd.o $(OBJ)/gatewayd/gateway.o \
		$(OBJ)/gatewayd/control.o $(OBJ)/gatewayd/parse.o \
		$(OBJ)/gatewayd/printconf.o
PROGS +=	$(OBJ)/gatewayd/gatewayd

$(OBJ)/gatewayd/gatewayd: $(GATEWAYD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(GATEWAYD_OBJS) $(LIBS)

-include $(GATEWAYD_OBJS:.o=.d)
