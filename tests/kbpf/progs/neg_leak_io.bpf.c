// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: returns without completing or releasing the request. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(leak_io, struct ublk_bpf_io *io, __u32 off)
{
	if (ublk_bpf_io_tag(io) & 1)
		return UBLK_RET_REDIRECT;
	ublk_bpf_io_release(io);
	return UBLK_RET_REDIRECT;
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = { .queue_io = (void *)leak_io };
