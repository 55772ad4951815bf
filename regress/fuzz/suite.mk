# regress/fuzz: libFuzzer targets, their seed corpora and the corpus
# replay of "make check".  See regress/fuzz/README.
#
# A target is regress/fuzz/<t>.c (any .c here but replay.c) defining
# LLVMFuzzerTestOneInput (and, if it needs one-time set-up,
# LLVMFuzzerInitialize; prototypes in fuzz.h), with its seed corpus in
# regress/fuzz/corpus/<t>/ and, if useful, a dictionary regress/fuzz/<t>.dict.
# Extra link flags, if any, go in FUZZ_LDFLAGS_<t> below.  Nothing else:
# "make fuzz" and "make check" find it.
#
# make fuzz	each target for FUZZ_SECONDS (default 60) with its corpus and
#		dictionary, built by clang in SAN=fuzz (OBJ default obj-fuzz):
#		-fsanitize=fuzzer,address,undefined.  ngtcp2 is compiled
#		again from its Debian source in .deps/src with the same
#		instrumentation, so the fuzzer sees its branches; wolfSSL is
#		the .deps build.  New inputs go to
#		$(OBJ)/regress/fuzz/out/<t>/corpus, crashes to
#		$(OBJ)/regress/fuzz/out/<t>/, never into the tree.
#		FUZZ_FLAGS adds libFuzzer flags (-fork=2, -runs=N, ...).
# check-fuzz	(in "make check") replays every corpus file of every target
#		once, no fuzzing, through replay.c: the default compiler with
#		ASan+UBSan in the SAN=1 tree, linked with the same static
#		libraries as the daemons.  Ends with "fuzz: N passed, M
#		failed".

FUZZ_TARGETS :=	$(filter-out replay,$(basename $(notdir \
		    $(wildcard regress/fuzz/*.c))))
FUZZ_SECONDS ?=	60
FUZZ_FLAGS ?=
FUZZ_OUT =	$(OBJ)/regress/fuzz/out

# quicpkt makes wolfSSL's randomness deterministic (see quicpkt.c).
FUZZ_LDFLAGS_quicpkt :=	-Wl,--wrap=wolfSSL_RAND_bytes

CHECKS +=	check-fuzz

.PHONY: fuzz fuzz-run check-fuzz fuzz-replay

ifeq ($(SAN),fuzz)
# ngtcp2's source, the version .deps/stamp names (built by make deps).
FUZZ_NG_VER :=	$(shell sed -n '1s/.*ngtcp2 \([^,]*\),.*/\1/p' \
		    $(DEPSDIR)/stamp 2>/dev/null)
FUZZ_NG_DIR :=	$(patsubst %/lib,%,$(firstword $(wildcard \
		    $(DEPSDIR)/src/ngtcp2-$(FUZZ_NG_VER)/ngtcp2-*/lib)))
ifneq ($(FUZZ_NG_DIR),)
FUZZ_NG_SRCS :=	$(wildcard $(FUZZ_NG_DIR)/lib/*.c) \
		$(FUZZ_NG_DIR)/crypto/shared.c \
		$(FUZZ_NG_DIR)/crypto/wolfssl/wolfssl.c
FUZZ_NG_OBJS :=	$(patsubst $(FUZZ_NG_DIR)/%.c,$(OBJ)/regress/fuzz/ngtcp2/%.o, \
		    $(FUZZ_NG_SRCS))
FUZZ_NG_LIB :=	$(OBJ)/regress/fuzz/libngtcp2-fuzz.a
# As its CMake build: no NDEBUG, the assert()s are live.
FUZZ_NG_CFLAGS := $(CFLAGS) $(SANFLAGS) -DHAVE_CONFIG_H -DBUILDING_NGTCP2 \
		-I$(FUZZ_NG_DIR)/_build -I$(FUZZ_NG_DIR)/_build/lib/includes \
		-I$(FUZZ_NG_DIR)/lib/includes -I$(FUZZ_NG_DIR)/lib \
		-I$(FUZZ_NG_DIR)/crypto/includes -I$(FUZZ_NG_DIR)/crypto \
		$(QUIC_CFLAGS)

$(OBJ)/regress/fuzz/ngtcp2/%.o: $(FUZZ_NG_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(FUZZ_NG_CFLAGS) -c -o $@ $<

$(FUZZ_NG_LIB): $(FUZZ_NG_OBJS)
	rm -f $@
	ar rcs $@ $^
else
FUZZ_NG_LIB :=	$(DEPSPREFIX)/lib/libngtcp2_crypto_wolfssl_static.a \
		$(DEPSPREFIX)/lib/libngtcp2_static.a
endif

define fuzz_target
$(OBJ)/regress/fuzz/$(1): $(OBJ)/regress/fuzz/$(1).o $(LIB) $(FUZZ_NG_LIB)
	$$(CC) $$(ALL_LDFLAGS) -fsanitize=fuzzer $$(FUZZ_LDFLAGS_$(1)) \
	    -o $$@ $(OBJ)/regress/fuzz/$(1).o $$(LIB) $$(FUZZ_NG_LIB) \
	    $$(DEPSPREFIX)/lib/libwolfssl.a -lm -pthread $$(PKG_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))
else
define fuzz_replay
$(OBJ)/regress/fuzz/$(1)-replay: $(OBJ)/regress/fuzz/$(1).o \
    $(OBJ)/regress/fuzz/replay.o $(LIB)
	$$(CC) $$(ALL_LDFLAGS) $$(FUZZ_LDFLAGS_$(1)) -o $$@ \
	    $(OBJ)/regress/fuzz/$(1).o $(OBJ)/regress/fuzz/replay.o $$(LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_replay,$(t))))
endif

fuzz: deps
	@$(MAKE) --no-print-directory SAN=fuzz fuzz-run

# One target after the other; a crash fails "make fuzz" once all ran.
fuzz-run: $(FUZZ_TARGETS:%=$(OBJ)/regress/fuzz/%)
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
		o=$(FUZZ_OUT)/$$t; \
		mkdir -p $$o/corpus; \
		d=; \
		[ -f regress/fuzz/$$t.dict ] && d=-dict=regress/fuzz/$$t.dict; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s, new inputs in" \
		    "$$o/corpus"; \
		UBSAN_OPTIONS=print_stacktrace=1 \
		timeout -k 10 $$(($(FUZZ_SECONDS) + 300)) \
		    $(OBJ)/regress/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) \
		    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix=$$o/ $$d $(FUZZ_FLAGS) \
		    $$o/corpus regress/fuzz/corpus/$$t || { \
			echo "not ok fuzz: $$t: see $$o/"; \
			fail=$$((fail + 1)); \
		}; \
	done; \
	echo "fuzz: $(words $(FUZZ_TARGETS)) targets fuzzed" \
	    "$(FUZZ_SECONDS) s each, $$fail failed"; \
	[ $$fail = 0 ]

# "make check" runs this in a sub-make with SAN=1: the sanitizer tree.
check-fuzz:
	@$(MAKE) --no-print-directory SAN=1 fuzz-replay

fuzz-replay: $(FUZZ_TARGETS:%=$(OBJ)/regress/fuzz/%-replay)
	@pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
		r=$(OBJ)/regress/fuzz/$$t.result; \
		rm -f $$r; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		FUZZ_RESULT=$$r timeout -k 5 600 \
		    $(OBJ)/regress/fuzz/$$t-replay -q regress/fuzz/corpus/$$t; \
		if [ -s $$r ] && read p f <$$r; then \
			pass=$$((pass + p)); fail=$$((fail + f)); \
		else \
			echo "not ok fuzz: $$t: the replay did not finish"; \
			fail=$$((fail + 1)); \
		fi; \
		rm -f $$r; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

-include $(FUZZ_TARGETS:%=$(OBJ)/regress/fuzz/%.d) \
    $(OBJ)/regress/fuzz/replay.d
