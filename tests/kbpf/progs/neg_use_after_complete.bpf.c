// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: reads the request after completing it. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

__u32 tag;

SEC("struct_ops/queue_io")
__u64 BPF_PROG(use_after_complete, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_complete_io(io, 0);
	tag = ublk_bpf_io_tag(io);
	return UBLK_RET_QUEUED;
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = { .queue_io = (void *)use_after_complete };
