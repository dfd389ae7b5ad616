# ublkctl: userspace block devices over ublk, with a BPF fast path.
#
#   make            build build/ublkctl (no kernel needed)
#   make deps       install everything from Debian's archive (root)
#   make kernel     build or reuse the cached test kernel
#   make kselftest  build or reuse the kernel's ublk selftests (kublk)
#   make demo       set up everything and show real devices in a VM
#   make check      set up everything and run every test
#   make bench      performance ratios, measured in one VM boot

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
KERNEL_FLAVOR ?= release

BUILD := build
OBJ := $(BUILD)/obj

CC ?= cc
CFLAGS ?= -O2 -g
include libbpf.mk
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Iublkctl -I$(BUILD)/gen -DUBLKCTL_VERSION='"$(VERSION)"' $(LIBBPF_CFLAGS)
LDLIBS += -luring -ljson-c $(LIBBPF_LIBS) -lpthread -lz -lzstd

SRCS := $(wildcard ublkctl/*.c)
OBJS := $(patsubst ublkctl/%.c,$(OBJ)/%.o,$(SRCS))

# The BPF targets are compiled once, CO-RE, against the project's own
# header (no vmlinux.h of the patched kernel), and embedded into ublkctl as
# libbpf skeletons.
CLANG ?= clang
BPFTOOL ?= bpftool
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -Ibpf-targets \
	-I/usr/include/$(shell $(CC) -dumpmachine)
BPF_SRCS := $(wildcard bpf-targets/*.bpf.c)
BPF_OBJS := $(patsubst bpf-targets/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf-targets/%.bpf.c,$(BUILD)/gen/%.skel.h,$(BPF_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps kernel kselftest demo test-progs check check-host check-vm check-debug \
	check-kselftest check-module bench install clean

all: $(BUILD)/ublkctl

$(BUILD)/ublkctl: $(OBJS) $(LIBBPF_A)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJ)/%.o: ublkctl/%.c $(LIBBPF_A) | $(OBJ) $(SKELS)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/bpf/%.bpf.o: bpf-targets/%.bpf.c $(wildcard bpf-targets/*.h) ublkctl/ublk_io_ops.h | $(BUILD)/bpf
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o | $(BUILD)/gen
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OBJ) $(BUILD)/bpf $(BUILD)/gen:
	mkdir -p $@

-include $(OBJS:.o=.d)

deps:
	scripts/deps

kernel: deps
	kernel/build $(KERNEL_FLAVOR) >/dev/null

# The kernel's own ublk selftests and their server kublk, built from the
# cached kernel source into the cache (tests/vm/kselftest.bats runs a fast
# subset of them, check-kselftest all of them).
kselftest: deps
	scripts/kselftest-build >/dev/null

# After deps, a new make: libbpf.mk looks for the libbpf that deps builds
# when make starts (see there).
demo: deps
	$(MAKE) all kernel
	tests/vm/run scripts/demo

# Test-only programs (BPF test struct_ops and their loader for the kernel
# series) are built on the host; the VM suite runs them in the guest.
test-progs: all
	$(if $(wildcard tests/kbpf/Makefile),$(MAKE) -C tests/kbpf)

check: deps
	$(MAKE) test-progs kselftest kernel
	tests/check

check-host: all
	tests/check host

check-vm: test-progs kselftest kernel
	tests/check vm

# The kernel series' tests on the debug kernel, then tests/debug in the
# same boot: no KASAN, lockdep or kmemleak report may be left behind.
# Under TCG the debug kernel runs a test about 5x slower than the release
# one, so the whole VM suite (DEBUG_SUITE="tests/vm tests/debug") takes
# hours; the default is the tests of the kernel code.
DEBUG_SUITE ?= $(wildcard tests/vm/kbpf-*.bats) tests/debug
check-debug: deps
	$(MAKE) test-progs kselftest
	kernel/build debug >/dev/null
	KERNEL_FLAVOR=debug VM_SUITE="$(DEBUG_SUITE)" tests/check vm

# ublk_drv.ko load, unload and reload with BPF programs, alone in a boot
# (make check runs them first in its VM boot).
check-module: test-progs kernel
	tests/vm/run bats --tap tests/module

# The whole ublk selftest suite of the kernel source, on the test kernel,
# in one VM boot.
check-kselftest: kselftest kernel
	tests/vm/run tests/kselftest/run

bench: deps
	$(MAKE) all kernel kselftest
	tests/vm/run scripts/bench

install: all
	install -D -m 0755 $(BUILD)/ublkctl $(DESTDIR)$(PREFIX)/sbin/ublkctl
	install -D -m 0644 man/ublkctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/ublkctl.8
	install -D -m 0644 completions/ublkctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ublkctl
	install -D -m 0644 completions/_ublkctl \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_ublkctl

clean:
	rm -rf $(BUILD)
