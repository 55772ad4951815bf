# regress/bench/win.mk: the Windows build of regress/bench/wincipher.c
# (the QUIC data path per cipher suite, see there), run under Wine.
# Included by clientd/win/win.mk, whose variables it uses: MinGW-w64
# against $(WIN_LIB) and the dependency prefix, objects under $(WIN_OBJ).
#
# make bench-windows		build wincipher.exe and run it under Wine
# make bench-windows-build	build it only ("make bench" does, then
#				runs it from regress/bench/run.sh)
#
# Wine runs in a private prefix of its own, $(WIN_OBJ)/regress/bench/
# wineprefix (made by wine.sh on the first run), not check-windows's:
# the wineserver that wine.sh stops afterwards is never another run's.

WINBENCH_EXE :=		$(WIN_OBJ)/regress/bench/wincipher.exe
WINBENCH_OBJS :=	$(WIN_OBJ)/regress/bench/wincipher.o
WINBENCH_PREFIX :=	$(TOP)/$(WIN_OBJ)/regress/bench/wineprefix
WINBENCH_WRAP :=	-Wl,--wrap=wolfSSL_CTX_set_cipher_list

.PHONY: bench-windows bench-windows-build bench-windows-run

bench-windows: $(WIN_DEPS)
	@$(MAKE) --no-print-directory bench-windows-run

bench-windows-build: $(WIN_DEPS)
	@$(MAKE) --no-print-directory $(WINBENCH_EXE)

bench-windows-run: $(WINBENCH_EXE)
	@sh regress/bench/wine.sh $(WINBENCH_PREFIX) $(WINBENCH_EXE)

# Not win.mk's regress rule: no Criterion overlay for a program.
$(WIN_OBJ)/regress/bench/%.o: regress/bench/%.c | $(WIN_BSDINC)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_ALL_CFLAGS) -c -o $@ $<

$(WINBENCH_EXE): $(WINBENCH_OBJS) $(WIN_LIB)
	$(WIN_CC) $(WIN_LDFLAGS) $(WINBENCH_WRAP) -o $@ $(WINBENCH_OBJS) \
	    $(WIN_LIB) $(WIN_LDLIBS)

-include $(WINBENCH_OBJS:.o=.d)
