# regress/peer: slpeer, a scriptable QUIC peer (client or gateway) on the
# common/ code.  Not installed; the relayd suite drives it, and later the
# load tests.

REGRESS_PROGS +=	$(OBJ)/regress/peer/slpeer

$(OBJ)/regress/peer/slpeer: $(OBJ)/regress/peer/slpeer.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/peer/slpeer.o $(LIBS)

-include $(OBJ)/regress/peer/slpeer.d
