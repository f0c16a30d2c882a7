# drkit: build, install, check, demo, bench, fuzz.
# Programs are cmd/*.c, the shared library is common/*.c (cli.c in it is
# what only the programs call), unit tests are tests/unit/*.c, test drivers
# tests/tools/*.c and integration tests tests/t-*.sh: adding a file is enough.
# A plain `make` warns but does not stop on a warning, so that a compiler
# newer than ours still builds; make check (and WERROR=-Werror) does.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
SAN      ?=
CFLAGS   ?=
LDFLAGS  ?=
WERROR   ?=

PKGS      = libcurl openssl zlib libisal expat libpq jansson
DEPCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/postgresql)
DEPLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcurl -lssl -lcrypto -lz -lisal -lexpat -lpq -ljansson)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wshadow -Wvla \
             -Icommon $(DEPCFLAGS) -DDRKIT_VERSION='"$(VERSION)"' \
             -g $(OPT) $(SAN) -MMD -MP $(CFLAGS)
# Only the libraries a program calls: clang (the sanitizer build) would
# otherwise load all of them into every program, and each costs start-up
# time that a test calling a program hundreds of times pays each time.
# libcurl is not linked but opened at its first use (common/curlload.c).
LIBS      = -Wl,--as-needed $(filter-out -lcurl,$(DEPLIBS)) -lpthread -lm

PROGS      = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
COMMON_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
UNIT_BINS  = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
TOOL_BINS  = $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
BINS       = $(PROGS:%=$(BUILD)/bin/%)

SANITIZE   = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# libFuzzer's coverage in every object, its main() only in the fuzz targets.
FUZZ_SAN   = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
FUZZ_BINS  = $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/*.c))

.PHONY: all deps check check-only asan unit demo bench fuzz fuzz-build fuzz-bins soak install \
        uninstall clean lint
.DELETE_ON_ERROR:
# Objects are build products, kept for the next make, not intermediates.
.SECONDARY:

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libdrkit.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(BUILD)/libdrkit.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $< $(BUILD)/libdrkit.a $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libdrkit.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $< $(BUILD)/libdrkit.a $(LIBS)

# Test drivers: small programs that tests call to reach the library directly.
$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/libdrkit.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $< $(BUILD)/libdrkit.a $(LIBS)

# Fuzz targets (in build/fuzz, see fuzz-build): a tests/fuzz/*.c and the library.
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libdrkit.a
	$(CC) $(SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(BUILD)/libdrkit.a $(LIBS)

# Installs the build tools, libraries, PostgreSQL, mandoc and the pinned S3
# test server, each only when missing.
deps:
	@sh tests/deps.sh

# The sanitizer build: clang, so that every check also proves the code is
# warning-free on a second compiler.
asan:
	$(MAKE) BUILD=build/asan CC=clang OPT=-O1 SAN="$(SANITIZE)" WERROR=-Werror all

# Both builds use every core: make check must stay within its time.
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	$(MAKE) -j$(JOBS) WERROR=-Werror all
	$(MAKE) -j$(JOBS) asan
	$(MAKE) check-only

# The tests alone, for a tree that is already built.
check-only:
	@tests/run

demo: deps all
	@tests/demo.sh

# drkit beside aws, rclone, curl, gzip, pigz, igzip, sha256sum, openssl and
# psql, on loopback and through the shaping proxy (build/tools/shapeproxy);
# the anchors are installed when missing, data cached in build/bench-cache.
# SIZE_MB=64 FAR_MB=32 KEYS=2000 make bench for a quick run (tests/bench.sh).
bench: deps all
	@tests/bench.sh

# libFuzzer on the parsers that read untrusted bytes: build/fuzz/fuzz_*, each
# FUZZ_SECONDS (tests/fuzz.sh seeds and runs them). tests/t-fuzz-replay.sh
# runs each over its seeds once in make check.
fuzz: fuzz-build
	@tests/fuzz.sh

fuzz-build:
	$(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

# The seeded fault soak (SOAK_SCHEDULES, default 1000; SOAK_SEED): every
# transfer program through the fault proxy; prints who survived, failed
# honestly or lied.
soak: deps all asan
	@DRKIT_BIN=$(CURDIR)/build/asan/bin tests/soak.sh

install: $(BINS)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
	         $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for p in $(PROGS); do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for m in man/*.1; do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in man/*.7; do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	for p in $(PROGS) _drkit; do install -m 644 completions/bash/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	for p in $(PROGS) drkit_s3_names; do install -m 644 completions/zsh/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; done
	for m in man/*.7; do rm -f $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/_drkit $(DESTDIR)$(ZSHCOMPDIR)/_drkit_s3_names

clean:
	rm -rf $(BUILD)

-include $(COMMON_OBJ:.o=.d) $(BINS:$(BUILD)/bin/%=$(BUILD)/cmd/%.d) $(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d) \
           $(TOOL_BINS:$(BUILD)/tools/%=$(BUILD)/tests/tools/%.d) \
           $(FUZZ_BINS:$(BUILD)/%=$(BUILD)/tests/fuzz/%.d)
