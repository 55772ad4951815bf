# relayd: the sans-I/O cores the unit tests drive (see GNUmakefile), and
# the daemon: relayd.c (main, the parent), relay.c (the network child),
# control.c (the child's control-socket answers),
# parse.y (byacc, into $(OBJ)/relayd/parse.c), printconf.c.

CORE_SRCS +=	relayd/room.c

RELAYD_OBJS =	$(OBJ)/relayd/relayd.o $(OBJ)/relayd/relay.o \
		$(OBJ)/relayd/control.o $(OBJ)/relayd/parse.o \
		$(OBJ)/relayd/printconf.o
PROGS +=	$(OBJ)/relayd/relayd

$(OBJ)/relayd/relayd: $(RELAYD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(RELAYD_OBJS) $(LIBS)

-include $(RELAYD_OBJS:.o=.d)
