// SPDX-License-Identifier: GPL-2.0
/*
 * null: the ublkctl null target in the kernel.  Every request completes
 * from ->queue_io() with its full length: reads after their pages were
 * zero-filled (ublk_bpf_io_zero), writes, flushes, discards and
 * write-zeroes at once.  Nothing goes through bpf aio or the server.
 */
#include "ublk_bpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

SEC("struct_ops/null_queue_io")
__u64 BPF_PROG(null_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 bytes = ublk_bpf_io_bytes(io);

	switch (ublk_io_op(io)) {
	case UBLK_IO_OP_READ:
		if (ublk_bpf_io_zero(io, 0, bytes)) {
			ublk_bpf_complete_io(io, -5 /* -EIO */);
			ublk_count(UBLK_BPF_STAT_HANDLED);
			return UBLK_RET_QUEUED;
		}
		ublk_bpf_complete_io(io, bytes);
		ublk_count(UBLK_BPF_STAT_HANDLED);
		return UBLK_RET_QUEUED;
	case UBLK_IO_OP_WRITE:
	case UBLK_IO_OP_FLUSH:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		ublk_bpf_complete_io(io, bytes);
		ublk_count(UBLK_BPF_STAT_HANDLED);
		return UBLK_RET_QUEUED;
	}
	ublk_bpf_io_release(io);
	ublk_count(UBLK_BPF_STAT_REDIRECTED);
	return UBLK_RET_REDIRECT;
}

SEC(".struct_ops")
struct ublk_bpf_ops null_ops = {
	.queue_io = (void *)null_queue_io,
};
