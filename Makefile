# careteam: one Makefile for the program, its tests and its demo database.
#
#   make            build build/careteam
#   make run        start the demo cluster (make db) and open careteam on it
#   make check      build and run every test against a throwaway cluster
#   make sanitize   the same tests with AddressSanitizer and UBSan
#   make db         create (once) and start the demo cluster under var/
#   make db-stop    stop the demo cluster
#   make bench      benchmarks (see docs/benchmarks.md)
#   make install    install under $(DESTDIR)$(PREFIX)

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BUILD ?= build
SANITIZE ?=

PACKAGES = ncursesw libpq libconfig
TEST_PACKAGES = cmocka vterm liboath

# Recursively expanded on purpose: pkg-config runs only when a recipe needs
# the flags, after the deps step has installed the packages.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PACKAGES))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PACKAGES))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PACKAGES))
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PACKAGES)) -lutil -lm -pthread

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
# _GNU_SOURCE exposes POSIX and BSD interfaces whatever the pkg-config
# files define.
CPPFLAGS += -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE \
	-DCT_VERSION='"$(VERSION)"'
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 $(WARNINGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

VERSION = 0.1.0

LIB_SRC = $(wildcard src/core/*.c src/db/*.c src/domain/*.c src/ui/*.c)
CLI_SRC = $(wildcard src/cli/*.c)
GEN_SRC = $(BUILD)/gen/embedded_sql.c
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:.c=.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libcareteam.a
PROGRAM = $(BUILD)/careteam

SQL_FILES = $(sort $(wildcard share/migrations/*.sql)) share/demo/seed.sql

UNIT_SRC = $(wildcard tests/unit/test_*.c)
SUPPORT_SRC = $(wildcard tests/support/*.c)
PTY_SRC = $(wildcard tests/pty/*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SUPPORT_OBJ = $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
PTY_BIN = $(if $(PTY_SRC),$(BUILD)/tests/pty-run)
RACE_SRC = $(wildcard tests/race/*.c)
RACE_BIN = $(if $(RACE_SRC),$(BUILD)/tests/race)
TEST_BIN = $(UNIT_BIN) $(PTY_BIN) $(RACE_BIN)
# The benchmark programs link the pty harness but not its scenario runner.
BENCH_SRC = $(wildcard tests/bench/*.c)
BENCH_OBJ = $(BENCH_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tests/pty/harness.o
BENCH_BIN = $(if $(BENCH_SRC),$(BUILD)/tests/bench-run)

DEPS_STAMP = $(BUILD)/.deps-ok

.PHONY: all deps run db db-stop check sanitize tests bench stress install \
	uninstall clean format
.DEFAULT_GOAL := all
# Keep every object, so a second make check relinks nothing it need not.
.SECONDARY:

all: $(PROGRAM)

# Installs missing Debian packages (as root) or prints the apt-get command.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): share/scripts/ensure-deps.sh
	share/scripts/ensure-deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Test objects live apart from the test programs, so a program such as
# tests/race never shares its path with a folder of objects.
$(BUILD)/obj/tests/%.o: tests/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests -DCT_SOURCE_DIR='"$(CURDIR)"' $(ALL_CFLAGS) \
		$(TEST_CFLAGS) -c -o $@ $<

$(GEN_SRC): share/scripts/embed-sql.sh $(SQL_FILES)
	@mkdir -p $(@D)
	share/scripts/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/db -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PROGRAM): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIB) $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/pty-run: $(PTY_SRC:%.c=$(BUILD)/obj/%.o) $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(PTY_SRC:%.c=$(BUILD)/obj/%.o) $(SUPPORT_OBJ) \
		$(LIB) $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/race: $(RACE_SRC:%.c=$(BUILD)/obj/%.o) $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(RACE_SRC:%.c=$(BUILD)/obj/%.o) $(SUPPORT_OBJ) \
		$(LIB) $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/bench-run: $(BENCH_OBJ) $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJ) $(SUPPORT_OBJ) $(LIB) $(PKG_LIBS) \
		$(TEST_LIBS)

tests: $(PROGRAM) $(TEST_BIN)
# Built with the tests, so that make check keeps it compiling; run only
# by make bench.
tests: $(BENCH_BIN)

# Starts a throwaway cluster, runs every test binary against it, stops it.
check: tests
	share/scripts/run-tests.sh $(BUILD)

sanitize:
	$(MAKE) BUILD=build/sanitize SANITIZE=1 check

db: $(PROGRAM)
	share/scripts/demo-db.sh start $(BUILD)

run: db
	$(PROGRAM) --config var/careteam.conf

db-stop:
	share/scripts/demo-db.sh stop $(BUILD)

bench:
	$(MAKE) BUILD=build/bench CFLAGS='-O2 -DNDEBUG' tests
	share/scripts/bench.sh build/bench

stress: tests
	share/scripts/run-tests.sh $(BUILD) stress

install: $(PROGRAM)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/careteam
	install -m 755 $(PROGRAM) $(DESTDIR)$(PREFIX)/bin/careteam
	install -m 644 share/careteam.conf.example \
		$(DESTDIR)$(PREFIX)/share/careteam/careteam.conf.example

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/careteam
	rm -rf $(DESTDIR)$(PREFIX)/share/careteam

format:
	clang-format -i $(wildcard src/*/*.c src/*/*.h include/careteam/*.h \
		tests/*/*.c tests/*/*.h)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
