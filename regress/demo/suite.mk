# regress/demo: the helper programs of "make demo" (regress/demo/demo.sh),
# and check-demo, which runs the demo itself in "make check" so that the
# README's main command is tested on every change.  lanbeacon is also the
# UDP broadcast sender and receiver of the clientd and lanparty suites.

REGRESS_PROGS +=	$(OBJ)/regress/demo/lanbeacon
CHECKS +=		check-demo

.PHONY: check-demo

$(OBJ)/regress/demo/lanbeacon: $(OBJ)/regress/demo/lanbeacon.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/demo/lanbeacon.o \
	    $(PKG_LIBS)

check-demo: $(OBJ)/regress/demo/lanbeacon $(PROGS)
	timeout -k 5 180 bash regress/demo/demo.sh $(OBJ)

-include $(OBJ)/regress/demo/lanbeacon.d
