/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF targets share: the ublk BPF interface of kernel/patches
 * (ublk_kfuncs.h, the same declarations the kernel tests use), helpers on
 * top of it, and the "stats" map that ublkctl reads.
 */
#ifndef UBLK_BPF_H
#define UBLK_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ublk_bpf_shared.h"
#include "ublk_kfuncs.h"

static __always_inline __u32 ublk_io_op(struct ublk_bpf_io *io)
{
	return ublk_bpf_io_op_flags(io) & 0xff;
}

/* ->aio_done() body: report the aio's result on its request, free it. */
static __always_inline void ublk_aio_finish(struct ublk_bpf_aio *aio,
					   long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);

	ublk_bpf_complete_io(io, ret < 0 ? (int)ret : (int)(__u32)ret);
	ublk_bpf_aio_release(aio);
}

/*
 * Per-device counters: every target defines its own instance (ublkctl
 * loads one object per device), so the counts are the device's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UBLK_BPF_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void ublk_count(enum ublk_bpf_stat which)
{
	__u32 key = which;
	__u64 *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		*v += 1;
}

char LICENSE[] SEC("license") = "GPL";

#endif
