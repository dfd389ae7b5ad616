/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included by every kbpf BPF test program: the ublk BPF interface of
 * kernel/patches, from the header the BPF targets use too
 * (bpf-targets/ublk_kfuncs.h), so that the tests exercise the same
 * declarations as the product.
 */
#ifndef KBPF_PROGS_H
#define KBPF_PROGS_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ublk_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

#endif
