// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: writes to the kernel's request state. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(write_io, struct ublk_bpf_io *io, __u32 off)
{
	/*
	 * a plain store: io->__opaque would be a CO-RE relocation to a field
	 * the kernel's type lacks, which libbpf replaces with an invalid
	 * call that the verifier would reject instead of the write
	 */
	*(volatile int *)io = 1;
	ublk_bpf_io_release(io);
	return UBLK_RET_REDIRECT;
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = { .queue_io = (void *)write_io };
