// SPDX-License-Identifier: GPL-2.0
/*
 * loop: the ublkctl loop target in the kernel.  Reads, writes and flushes
 * become bpf aio on backing file 0 at the request's own offset, using the
 * request's pages; the aio completion completes the request.  Discard and
 * write-zeroes (fallocate in the userspace target) are redirected to the
 * server.
 */
#include "ublk_bpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

SEC("struct_ops/loop_queue_io")
__u64 BPF_PROG(loop_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_io_op(io), bytes = ublk_bpf_io_bytes(io);
	struct ublk_bpf_aio *aio;
	__u64 pos = 0;

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		pos = ublk_bpf_io_start_sector(io) << 9;
		break;
	case UBLK_IO_OP_FLUSH:
		/* a flush has no sector: its position is meaningless */
		bytes = 0;
		break;
	default:
		ublk_bpf_io_release(io);
		ublk_count(UBLK_BPF_STAT_REDIRECTED);
		return UBLK_RET_REDIRECT;
	}

	aio = ublk_bpf_aio_alloc(io, op, 0, bytes);
	if (!aio) {
		/* out of memory in atomic context: the server can do it */
		ublk_bpf_io_release(io);
		ublk_count(UBLK_BPF_STAT_REDIRECTED);
		return UBLK_RET_REDIRECT;
	}
	/* the aio holds the request until its completion */
	ublk_bpf_aio_submit(aio, 0, pos);
	ublk_bpf_io_release(io);
	ublk_count(UBLK_BPF_STAT_HANDLED);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/loop_aio_done")
void BPF_PROG(loop_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	ublk_aio_finish(aio, ret);
}

SEC(".struct_ops")
struct ublk_bpf_ops loop_ops = {
	.queue_io = (void *)loop_queue_io,
	.aio_done = (void *)loop_aio_done,
};
