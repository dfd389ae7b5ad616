// SPDX-License-Identifier: GPL-2.0
/*
 * null: the ublkctl null target in the kernel.  Writes, flushes, discards
 * and write-zeroes complete at once with their full length.  Reads must
 * return zeroes: the kfuncs have no way to clear the request pages, so a
 * read is a bpf aio from file 0, /dev/zero (the null target's only file),
 * into them, and completes from ->aio_done().
 */
#include "ublk_bpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

#define NULL_ZERO_FILE	0

SEC("struct_ops/null_queue_io")
__u64 BPF_PROG(null_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 bytes = ublk_bpf_io_bytes(io);
	struct ublk_bpf_aio *aio;

	switch (ublk_io_op(io)) {
	case UBLK_IO_OP_READ:
		aio = ublk_bpf_aio_alloc(io, UBLK_IO_OP_READ, 0, bytes);
		if (!aio)
			break;
		ublk_bpf_aio_submit(aio, NULL_ZERO_FILE, 0);
		ublk_bpf_io_release(io);
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

SEC("struct_ops/null_aio_done")
void BPF_PROG(null_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	ublk_aio_finish(aio, ret);
}

SEC(".struct_ops")
struct ublk_bpf_ops null_ops = {
	.queue_io = (void *)null_queue_io,
	.aio_done = (void *)null_aio_done,
};
