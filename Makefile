# Rigor — build, test and demo.
#
#   make          build build/rigor
#   make demo     build, then run the main job (see README)
#   make check    warnings-as-errors build + sanitizer build, run every test
#   make bench    benchmark programs (bench/) against baselines; one table
#   make fuzz     libFuzzer targets (fuzz/) in build-fuzz/, FUZZ_SECONDS each
#   make soak     long fault soak and kill -9 crash-consistency runs
#   make lint     cppcheck + clang-tidy (.clang-tidy), zero findings
#   make clean
#
# Sources are found by directory (common/ analysis/ rig/ protocols/ session/ store/ cli/, one level of subfolders), so a
# new module needs no Makefile edit. Every program links the same objects;
# cli/main.c alone holds main() for build/rigor, tests/test_X.c holds main()
# for build/tests/test_X. Missing Debian packages are installed first by
# scripts/install-deps.sh (apt-get), so a fresh machine needs nothing else.

CC      ?= cc
BUILD   ?= build
PKGS    := libmodbus libserialport gsl ncursesw plplot sqlite3 libpq
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat-security
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
WERROR  ?=
SANITIZE ?=
DEPS_STAMP := $(BUILD)/.deps-ok

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(WERROR) $(SANITIZE) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDLIBS_ALL = $(SANITIZE) $(PKG_LIBS) -lutil -lpthread -lm $(LDLIBS)

LIB_SRC  := $(wildcard common/*.c analysis/*.c analysis/*/*.c rig/*.c rig/*/*.c \
                      protocols/*.c session/*.c store/*.c) \
            $(filter-out cli/main.c,$(wildcard cli/*.c cli/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/cli/main.o
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo check check-build test clean bench fuzz fuzz-build soak lint
.SUFFIXES:
.SECONDARY:

all: $(BUILD)/rigor

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@sh scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $(BUILD)/$<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/rigor: $(MAIN_OBJ) $(LIB_OBJ)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

tests: $(TEST_BIN)

# Run the tests of this build directory (used by check).
test: $(BUILD)/rigor $(TEST_BIN)

demo: $(BUILD)/rigor
	@sh scripts/demo.sh $(BUILD)/rigor

# check: the plain build with warnings as errors, then a second build under
# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer) in
# build-asan/, then every unit test of both builds and every integration test
# with each build's rigor (RIGOR_IT_ASAN; tests/it_valgrind.sh runs the plain
# one under valgrind).
check:
	@sh scripts/install-deps.sh
	$(MAKE) --no-print-directory BUILD=build WERROR=-Werror test
	$(MAKE) --no-print-directory BUILD=build-asan WERROR=-Werror OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    RIGOR_IT_ASAN=build-asan sh scripts/run-tests.sh build build-asan

# fuzz: every fuzz/fuzz_X.c is a libFuzzer target, built with clang under
# ASan+UBSan in build-fuzz/ and run by scripts/fuzz.sh (FUZZ_SECONDS each,
# two at a time, nice'd; corpora and crashes stay in build-fuzz/).
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)

fuzz-build: $(FUZZ_BIN)

fuzz:
	@sh scripts/install-deps.sh
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh build-fuzz

soak: $(BUILD)/rigor
	@SOAK_SECONDS=600 RIGOR=$(BUILD)/rigor sh tests/it_soak.sh
	@CRASH_RUNS=50 RIGOR=$(BUILD)/rigor sh tests/it_crash.sh

lint:
	@sh scripts/lint.sh

# bench: programs under bench/ (not tests: they print numbers, docs/performance.md).
BENCH_PROGS := acq stop gen
BENCH_LIB   := $(BUILD)/obj/bench/bench.o $(BUILD)/obj/bench/bare_loop.o
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BENCH_LIB) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

bench: $(BUILD)/rigor $(BENCH_PROGS:%=$(BUILD)/bench/%)
	@sh bench/run.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
