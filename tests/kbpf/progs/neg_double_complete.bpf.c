// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: completes the request twice. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(double_complete, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_complete_io(io, 0);
	ublk_bpf_complete_io(io, 0);
	return UBLK_RET_QUEUED;
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = { .queue_io = (void *)double_complete };
