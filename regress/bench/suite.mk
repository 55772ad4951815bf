# regress/bench: benchmarks for "make bench" (see the bench target in the
# GNUmakefile and run.sh).  Built in the normal optimized tree, never run
# by "make check": speed and memory are measured here, not asserted in
# tests.  bench_room wraps malloc/calloc/realloc at link time to count
# the allocations the room core makes per frame.  hsflood is the QUIC
# handshake flood of hsflood.sh (relayd's memory under a flood; needs
# root, skipped otherwise).  wincipher measures the QUIC data path per
# cipher suite, here and as a Windows program under Wine (win.mk, with
# its Wine prefix): the figures behind the client's cipher order in
# common/quic_tls.c.  Both link with --wrap=wolfSSL_CTX_set_cipher_list
# (the suite is forced from outside quic_tls.c).

BENCH_PROGS :=		$(OBJ)/regress/bench/bench_quic \
			$(OBJ)/regress/bench/bench_room \
			$(OBJ)/regress/bench/hsflood \
			$(OBJ)/regress/bench/wincipher
REGRESS_PROGS +=	$(BENCH_PROGS)

BENCH_WRAP :=		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
BENCH_CIPHER_WRAP :=	-Wl,--wrap=wolfSSL_CTX_set_cipher_list

$(OBJ)/regress/bench/bench_quic: $(OBJ)/regress/bench/bench_quic.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/bench/bench_quic.o $(LIBS)

$(OBJ)/regress/bench/bench_room: $(OBJ)/regress/bench/bench_room.o $(LIB)
	$(CC) $(ALL_LDFLAGS) $(BENCH_WRAP) -o $@ \
	    $(OBJ)/regress/bench/bench_room.o $(LIBS)

$(OBJ)/regress/bench/hsflood: $(OBJ)/regress/bench/hsflood.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/bench/hsflood.o $(LIBS)

$(OBJ)/regress/bench/wincipher: $(OBJ)/regress/bench/wincipher.o $(LIB)
	$(CC) $(ALL_LDFLAGS) $(BENCH_CIPHER_WRAP) -o $@ \
	    $(OBJ)/regress/bench/wincipher.o $(LIBS)

-include $(OBJ)/regress/bench/bench_quic.d $(OBJ)/regress/bench/bench_room.d
-include $(OBJ)/regress/bench/hsflood.d $(OBJ)/regress/bench/wincipher.d

# "make bench" runs this in a sub-make with SAN=0: the optimized tree.
# The Windows wincipher (regress/bench/win.mk) is built first when
# MinGW-w64 and Wine are installed; run.sh says it is skipped otherwise.
.PHONY: bench-run
bench-run: $(BENCH_PROGS) $(OBJ)/relayd/relayd $(OBJ)/softlanctl/softlanctl
	@if command -v $(WIN_CC) >/dev/null && \
	    command -v $(WIN_WINE) >/dev/null; then \
		$(MAKE) --no-print-directory bench-windows-build || exit 1; \
	fi
	@sh regress/bench/run.sh $(OBJ) $(WINBENCH_EXE) $(WINBENCH_PREFIX)
