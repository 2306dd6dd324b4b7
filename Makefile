# homevitals — plain GNU Makefile. `make help` lists the targets.
#
# Sources are found by wildcard, so a new driver, daemon module, test or
# fuzz target needs no edit here:
#   drivers/*.c            -> $(BUILD)/libhvdrivers.a   (pure decoders)
#   daemon/basic/*.c       -> $(BUILD)/libhvbasic.a     (general helpers)
#   daemon/<room>/*.c      -> $(BUILD)/libhvdaemon.a    (the daemon's rooms)
#   daemon/cli/*.c         -> $(BUILD)/libhvcli.a       (not homevitals.c)
# (docs/architecture.md: the rooms and what may include what)
#   firmware-host/*.c      -> $(BUILD)/libhvvdev.a      (not vdev_main.c)
#   tests/fakes/*.c        -> $(BUILD)/libhvfakes.a     (test doubles)
#   tests/unit/test_*.c    -> $(BUILD)/tests/test_*     (cmocka)
#   tests/fuzz/fuzz_*.c    -> $(BUILD)/fuzz/replay_*    (corpus replay, gcc)
#   tests/integration/test_*.sh run as they are (TAP lines)

SANITIZE ?=
BUILD ?= build$(if $(SANITIZE),-san)
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
CLANG ?= clang
FUZZ_SECONDS ?= 10
V ?= 0

PKGS := libsystemd libmosquitto sqlite3 libgpiod libcjson libcrypto
TEST_PKGS := cmocka

ifeq ($(V),1)
Q :=
else
Q := @
endif

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wpointer-arith -Wvla -Wformat-security \
	-Wimplicit-fallthrough -Wno-missing-field-initializers
SAN_FLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) -fno-omit-frame-pointer)

GPIOD_MAJOR := $(firstword $(subst ., ,$(shell $(PKG_CONFIG) --modversion libgpiod 2>/dev/null)))
GPIOD_DEF := $(if $(filter 2 3,$(GPIOD_MAJOR)),-DHV_GPIOD_V2=1)

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(SAN_FLAGS) $(GPIOD_DEF) \
	$(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

DRIVER_SRC := $(wildcard drivers/*.c)
DAEMON_ROOMS := common store ingest bluez publish led manager
BASIC_SRC := $(wildcard daemon/basic/*.c)
DAEMON_MAIN := daemon/manager/homevitalsd.c
DAEMON_SRC := $(filter-out $(DAEMON_MAIN),$(foreach r,$(DAEMON_ROOMS),$(wildcard daemon/$(r)/*.c)))
CLI_MAIN := daemon/cli/homevitals.c
CLI_SRC := $(filter-out $(CLI_MAIN),$(wildcard daemon/cli/*.c))
VDEV_MAIN := firmware-host/vdev_main.c
VDEV_SRC := $(filter-out $(VDEV_MAIN),$(wildcard firmware-host/*.c))
FAKE_SRC := $(wildcard tests/fakes/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(filter-out tests/fuzz/fuzz_main.c,$(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(wildcard bench/bench_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_DRIVERS := $(BUILD)/libhvdrivers.a
LIB_BASIC := $(BUILD)/libhvbasic.a
LIB_DAEMON := $(BUILD)/libhvdaemon.a
LIB_CLI := $(BUILD)/libhvcli.a
LIB_VDEV := $(BUILD)/libhvvdev.a
LIB_FAKES := $(BUILD)/libhvfakes.a
ALL_LIBS := $(LIB_FAKES) $(LIB_VDEV) $(LIB_CLI) $(LIB_DAEMON) $(LIB_DRIVERS) $(LIB_BASIC)
LINK_LIBS = -Wl,--start-group $(1) -Wl,--end-group

BINS := $(BUILD)/homevitalsd $(BUILD)/homevitals \
	$(if $(wildcard $(VDEV_MAIN)),$(BUILD)/homevitals-vdev)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
REPLAY_BINS := $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.SECONDARY:

.PHONY: all check test _check demo _demo bench _bench fuzz check-valgrind \
	lint install clean deps deps-if-needed help check-realstack check-faults

all: $(BINS)

# Plain `make` on a machine without the -dev packages: say what to run
# rather than fail on a missing header.
ifeq ($(filter-out all,$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && echo yes),yes)
$(error the build needs Debian's -dev packages for $(PKGS): run `make deps` first (it installs them, with sudo when not root))
endif
endif

help:
	@echo "make deps       install what make and make install need (DEPS='build runtime')"
	@echo "make            build $(BUILD)/homevitalsd, homevitals, homevitals-vdev"
	@echo "make demo       run the gateway against virtual devices (DEMO_SECONDS=N to stop)"
	@echo "make check      run every test; last line 'N passed, N failed, N skipped'"
	@echo "make bench      benchmarks (not part of check)"
	@echo "make fuzz       run each libFuzzer target for FUZZ_SECONDS (clang)"
	@echo "make check-valgrind  unit tests under valgrind"
	@echo "make check-faults     fault injection: SIGKILLs, broker outage, disk full (root for the last)"
	@echo "make check-realstack real bluetoothd + kernel HCI + gpio-sim under QEMU"
	@echo "make lint       purity and style checks"
	@echo "make install    DESTDIR=… PREFIX=…"
	@echo "switches: SANITIZE=address,undefined  V=1  BUILD=dir"

# --- libraries and binaries -------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(if $(filter tests/%,$<),$(TEST_CFLAGS)) -c -o $@ $<

$(LIB_DRIVERS): $(call obj,$(DRIVER_SRC))
$(LIB_BASIC): $(call obj,$(BASIC_SRC))
$(LIB_DAEMON): $(call obj,$(DAEMON_SRC))
$(LIB_CLI): $(call obj,$(CLI_SRC))
$(LIB_VDEV): $(call obj,$(VDEV_SRC))
$(LIB_FAKES): $(call obj,$(FAKE_SRC))

$(BUILD)/%.a:
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^ $(if $^,,$(BUILD)/obj/empty.o)

$(BUILD)/obj/empty.o:
	@mkdir -p $(dir $@)
	$(Q)echo 'extern int hv_empty_archive; int hv_empty_archive;' | \
		$(CC) -x c -c -o $@ -

$(LIB_FAKES) $(LIB_VDEV): | $(BUILD)/obj/empty.o

# Each program links only the rooms it may use (docs/architecture.md); the
# stand-in firmware shares no gateway code, only the general helpers.
$(BUILD)/homevitalsd: $(call obj,$(DAEMON_MAIN)) $(LIB_DAEMON) $(LIB_DRIVERS) $(LIB_BASIC)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call LINK_LIBS,$(LIB_DAEMON) $(LIB_DRIVERS) $(LIB_BASIC)) $(LIBS)

$(BUILD)/homevitals: $(call obj,$(CLI_MAIN)) $(LIB_CLI) $(LIB_DAEMON) $(LIB_DRIVERS) $(LIB_BASIC)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call LINK_LIBS,$(LIB_CLI) $(LIB_DAEMON) $(LIB_DRIVERS) $(LIB_BASIC)) $(LIBS)

$(BUILD)/homevitals-vdev: $(call obj,$(VDEV_MAIN)) $(LIB_VDEV) $(LIB_DRIVERS) $(LIB_BASIC)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call LINK_LIBS,$(LIB_VDEV) $(LIB_DRIVERS) $(LIB_BASIC)) $(LIBS)

# --- tests ------------------------------------------------------------------

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call LINK_LIBS,$(ALL_LIBS)) $(TEST_LIBS) $(LIBS)

$(BUILD)/fuzz/replay_%: $(call obj,tests/fuzz/fuzz_%.c tests/fuzz/fuzz_main.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(call obj,tests/fuzz/fuzz_$*.c tests/fuzz/fuzz_main.c) \
		$(call LINK_LIBS,$(ALL_LIBS)) $(LIBS)

$(BUILD)/bench/%: $(call obj,bench/%.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call LINK_LIBS,$(ALL_LIBS)) $(LIBS)

# The fuzz replay objects are not test objects (no cmocka).
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Each target installs what it needs on a fresh Debian 12 / Pi OS machine
# (scripts/deps.sh SET...; sudo when not root), then re-runs make so that
# pkg-config sees the libraries. `make deps` installs what `make` and
# `make install` need (DEPS= picks other sets).
DEPS ?= build runtime
deps:
	scripts/deps.sh $(DEPS)

deps-if-needed:
	$(Q)scripts/deps.sh --if-missing $(DEPS_FOR)

check test: DEPS_FOR := test
check-valgrind: DEPS_FOR := valgrind
demo: DEPS_FOR := demo
bench: DEPS_FOR := test
fuzz: DEPS_FOR := fuzz

check test: deps-if-needed
	$(Q)$(MAKE) --no-print-directory _check

_check: $(BINS) $(UNIT_BINS) $(REPLAY_BINS)
	$(Q)BUILD=$(BUILD) tests/run.sh

check-valgrind: deps-if-needed
	$(Q)$(MAKE) --no-print-directory $(BINS) $(UNIT_BINS) $(REPLAY_BINS)
	$(Q)BUILD=$(BUILD) HV_VALGRIND=1 tests/run.sh

demo: deps-if-needed
	$(Q)$(MAKE) --no-print-directory _demo

_demo: $(BINS)
	$(Q)BUILD=$(BUILD) DEMO_SECONDS=$(DEMO_SECONDS) scripts/demo.sh

# The dashboard (docs/dashboard.md): npm packages bundled into one page that
# mosquitto serves; built only where node and npm exist.
HAVE_NPM := $(and $(shell command -v node 2>/dev/null),$(shell command -v npm 2>/dev/null))
.PHONY: dashboard
all _check _demo: dashboard
dashboard:
	$(Q)if [ -z "$(HAVE_NPM)" ]; then echo "dashboard: no node/npm, page not built"; \
	elif [ dashboard/node_modules/.package-lock.json -nt dashboard/package-lock.json ] || \
		npm ci --prefix dashboard --no-audit --no-fund --loglevel=error; then \
		node dashboard/build.mjs $(BUILD)/dashboard; \
	else echo "dashboard: npm ci failed, page not built"; fi

# The official FHIR R4 JSON schema and its validator, for the tests
# (tests/integration/test_fhir_schema.sh, test_e2e_phd.sh).
.PHONY: fhir-schema
_check: fhir-schema
fhir-schema:
	$(Q)if [ -z "$(HAVE_NPM)" ]; then echo "fhir-schema: no node/npm, the R4 schema checks will fail"; \
	elif [ tests/fhir/node_modules/.package-lock.json -nt tests/fhir/package-lock.json ] || \
		npm ci --prefix tests/fhir --no-audit --no-fund --loglevel=error; then :; \
	else echo "fhir-schema: npm ci failed, the R4 schema checks will fail"; fi

bench: deps-if-needed
	$(Q)$(MAKE) --no-print-directory _bench

_bench: $(BINS) $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) bench/run.sh

# libFuzzer targets, built with clang into their own folder.
FUZZ_BUILD := $(BUILD)-fuzz
fuzz: deps-if-needed
	$(Q)$(MAKE) --no-print-directory CC=$(CLANG) BUILD=$(FUZZ_BUILD) \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		$(FUZZ_BUILD)/libhvdrivers.a $(FUZZ_BUILD)/libhvdaemon.a $(FUZZ_BUILD)/libhvbasic.a
	$(Q)set -e; for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		echo "  FUZZ    $$name ($(FUZZ_SECONDS) s)"; \
		$(CLANG) -std=gnu11 -D_GNU_SOURCE -I. -O1 -g \
			-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
			-o $(FUZZ_BUILD)/$$name $$src \
			$(call LINK_LIBS,$(FUZZ_BUILD)/libhvdaemon.a $(FUZZ_BUILD)/libhvdrivers.a $(FUZZ_BUILD)/libhvbasic.a) $(LIBS); \
		corpus=tests/fuzz/corpus/$${name#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus-$$name; \
		$(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SECONDS) -verbosity=0 \
			$(FUZZ_BUILD)/corpus-$$name $$corpus >$(FUZZ_BUILD)/$$name.log 2>&1 \
			|| { tail -40 $(FUZZ_BUILD)/$$name.log; exit 1; }; \
	done

# Fault injection (docs/reliability.md): SIGKILLs, a broker outage, a full
# disk, forged signals, an address flood, counted from outside the daemon.
# Minutes, not seconds: not in check.
check-faults:
	$(Q)scripts/deps.sh --if-missing build test
	$(Q)$(MAKE) --no-print-directory $(BINS)
	$(Q)BUILD=$(BUILD) tests/faults/run.sh

check-realstack:
	$(Q)scripts/deps.sh --if-missing build realstack
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/realstack/run.sh

lint:
	$(Q)scripts/lint.sh

# --- install ----------------------------------------------------------------

SYSTEMD_UNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
UDEV_RULESDIR ?= $(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null || echo /lib/udev)/rules.d
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

install: all
	$(Q)DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BUILD="$(BUILD)" \
		SYSTEMD_UNITDIR="$(SYSTEMD_UNITDIR)" UDEV_RULESDIR="$(UDEV_RULESDIR)" \
		SYSUSERSDIR="$(SYSUSERSDIR)" TMPFILESDIR="$(TMPFILESDIR)" \
		scripts/install.sh

# --- Debian packages (docs/packaging.md) ------------------------------------
# unit-tests builds the cmocka tests and corpus replays without running them
# (for tests/deb/run-units.sh, natively or under qemu-user). DEB_ARCH=arm64
# or armhf cross-builds the package (check-deb: installs it in an ARCH root).
DEB_ARCH ?=
.PHONY: unit-tests deb check-cross check-deb

unit-tests: $(UNIT_BINS) $(REPLAY_BINS)

deb:
	$(Q)scripts/deb.sh $(DEB_ARCH)

check-cross:
	$(Q)scripts/cross.sh $(or $(DEB_ARCH),arm64 armhf)

check-deb:
	$(Q)scripts/deb-install-test.sh $(DEB_ARCH)

clean:
	rm -rf build build-san build-fuzz build-san-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
