# regress/priv: the privileged operations (priv/*.c) against real kernel
# objects, as root, inside network namespaces priv.sh creates.

REGRESS_PROGS += $(OBJ)/regress/priv/privtest
CHECKS +=	check-priv

.PHONY: check-priv

$(OBJ)/regress/priv/privtest: $(OBJ)/regress/priv/privtest.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/priv/privtest.o $(LIBS)

check-priv: $(OBJ)/regress/priv/privtest
	sh regress/priv/priv.sh $(OBJ)
