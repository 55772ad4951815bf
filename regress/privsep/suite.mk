# regress/privsep: the privilege-separation framework (common/proc.c,
# common/sandbox.c) probed through a test daemon.  Needs root; builds its
# network namespaces itself.  See regress/privsep/run.sh.

PRIVSEP_TESTD :=	$(OBJ)/regress/privsep/testd
PRIVSEP_RAWPEER :=	$(OBJ)/regress/privsep/rawpeer

REGRESS_PROGS +=	$(PRIVSEP_TESTD) $(PRIVSEP_RAWPEER)
CHECKS +=	check-privsep

.PHONY: check-privsep

$(PRIVSEP_TESTD): $(OBJ)/regress/privsep/testd.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS)

$(PRIVSEP_RAWPEER): $(OBJ)/regress/privsep/rawpeer.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

check-privsep: $(PRIVSEP_TESTD) $(PRIVSEP_RAWPEER)
	timeout -k 5 120 bash regress/privsep/run.sh $(OBJ)

-include $(OBJ)/regress/privsep/testd.d $(OBJ)/regress/privsep/rawpeer.d
