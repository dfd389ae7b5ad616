// SPDX-License-Identifier: GPL-2.0
/*
 * null: the ublkctl null target in the kernel.  Writes, flushes, discards
 * and write-zeroes complete at once with their full length.  Reads must
 * return zeroes, which needs the request pages cleared; the ublk BPF
 * kfuncs offer no way to write to them yet, so reads are redirected to
 * the userspace null target (which returns zeroes): same data either way.
 */
#include "ublk_bpf.h"

/* the struct_ops type, as far as this target uses it */
struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/null_queue_io")
__u64 BPF_PROG(null_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	switch (ublk_io_op(io)) {
	case UBLK_IO_OP_WRITE:
	case UBLK_IO_OP_FLUSH:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		ublk_bpf_complete_io(io, ublk_bpf_io_bytes(io));
		ublk_count(UBLK_BPF_STAT_HANDLED);
		return UBLK_RET_QUEUED;
	default:
		ublk_bpf_io_release(io);
		ublk_count(UBLK_BPF_STAT_REDIRECTED);
		return UBLK_RET_REDIRECT;
	}
}

SEC(".struct_ops")
struct ublk_bpf_ops null_ops = {
	.queue_io = (void *)null_queue_io,
};
