# regress/bench: benchmarks for "make bench" (see the bench target in the
# GNUmakefile and run.sh).  Built in the normal optimized tree, never run
# by "make check": speed and memory are measured here, not asserted in
# tests.  bench_room wraps malloc/calloc/realloc at link time to count
# the allocations the room core makes per frame.  hsflood is the QUIC
# handshake flood of hsflood.sh (relayd's memory under a flood; needs
# root, skipped otherwise).

BENCH_PROGS :=		$(OBJ)/regress/bench/bench_quic \
			$(OBJ)/regress/bench/bench_room \
			$(OBJ)/regress/bench/hsflood
REGRESS_PROGS +=	$(BENCH_PROGS)

BENCH_WRAP :=		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

$(OBJ)/regress/bench/bench_quic: $(OBJ)/regress/bench/bench_quic.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/bench/bench_quic.o $(LIBS)

$(OBJ)/regress/bench/bench_room: $(OBJ)/regress/bench/bench_room.o $(LIB)
	$(CC) $(ALL_LDFLAGS) $(BENCH_WRAP) -o $@ \
	    $(OBJ)/regress/bench/bench_room.o $(LIBS)

$(OBJ)/regress/bench/hsflood: $(OBJ)/regress/bench/hsflood.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/bench/hsflood.o $(LIBS)

-include $(OBJ)/regress/bench/bench_quic.d $(OBJ)/regress/bench/bench_room.d
-include $(OBJ)/regress/bench/hsflood.d

# "make bench" runs this in a sub-make with SAN=0: the optimized tree.
.PHONY: bench-run
bench-run: $(BENCH_PROGS) $(OBJ)/relayd/relayd $(OBJ)/softlanctl/softlanctl
	@sh regress/bench/run.sh $(OBJ)
