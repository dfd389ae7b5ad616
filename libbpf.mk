# The libbpf that ublkctl and tests/kbpf link. A kernel with ublk as a
# module describes ublk_bpf_ops in the module's BTF, which libbpf can use
# only from 1.4 on; bookworm's is 1.1. scripts/deps builds the kernel
# source's libbpf into the cache: it is used when it is there, the system's
# otherwise (LIBBPF_DIR= forces the system's).
UBLKCTL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ublkctl
LIBBPF_DIR ?= $(UBLKCTL_CACHE)/libbpf
LIBBPF_A := $(if $(LIBBPF_DIR),$(wildcard $(LIBBPF_DIR)/lib/libbpf.a))
ifneq ($(LIBBPF_A),)
LIBBPF_CFLAGS := -isystem $(LIBBPF_DIR)/include
LIBBPF_LIBS := $(LIBBPF_A) -lelf -lz
else
LIBBPF_CFLAGS :=
LIBBPF_LIBS := -lbpf
endif
