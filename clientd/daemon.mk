# clientd: the sans-I/O cores the unit tests drive (see GNUmakefile), and
# the daemon: clientd.c (main, the parent), client.c (the network child),
# control.c (the child's control-socket answers),
# parse.y (byacc, into $(OBJ)/clientd/parse.c), printconf.c.
# tapfilter.c is portable C99: the Windows client builds it too (and the
# peer session, common/session.c, which gatewayd shares).

CORE_SRCS +=	clientd/tapfilter.c clientd/clientcore.c
# clientconf.c (the default configuration path, the machine id, the
# virtual MAC) is shared with the Windows client.  The unit tests link the
# grammar too (regress/unit/test_clientconf.c).
CORE_SRCS +=	clientd/clientconf.c
UNIT_OBJS +=	$(OBJ)/clientd/parse.o $(OBJ)/clientd/printconf.o

CLIENTD_OBJS =	$(OBJ)/clientd/clientd.o $(OBJ)/clientd/client.o \
		$(OBJ)/clientd/control.o $(OBJ)/clientd/parse.o \
		$(OBJ)/clientd/printconf.o
PROGS +=	$(OBJ)/clientd/clientd

$(OBJ)/clientd/clientd: $(CLIENTD_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLIENTD_OBJS) $(LIBS)

-include $(CLIENTD_OBJS:.o=.d)
