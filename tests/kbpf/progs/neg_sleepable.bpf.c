// SPDX-License-Identifier: GPL-2.0
/* Must be rejected when loaded sleepable (kbpf load -s): ->queue_io() runs in atomic context. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(sleepable, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_io_release(io);
	return UBLK_RET_REDIRECT;
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = { .queue_io = (void *)sleepable };
