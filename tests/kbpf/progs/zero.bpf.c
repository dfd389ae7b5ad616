// SPDX-License-Identifier: GPL-2.0
/*
 * ublk_bpf_io_zero() with results the tests can see in the data:
 *   range_ops  a read clears the range of the request that its 1 MiB
 *              region of the device selects (range_of() below) and
 *              completes with the full length, so that every byte outside
 *              the range keeps what the reader's buffer held; any other
 *              request asks to clear all of itself, which must be refused.
 *   aio_ops    a read is served from file 0 by one aio, and ->aio_done()
 *              clears all but the first and last ZERO_KEEP bytes before
 *              completing it, over the data the aio put there; writes go
 *              to file 0, anything else to the server.
 * Where the kfunc refuses, the request fails with -ENOSPC, which nothing
 * else on this path returns: a reader seeing it knows that the kfunc
 * returned exactly -EINVAL, and not that the block layer refused the IO.
 */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

#define EINVAL		22
#define ENOSPC		28
#define ZERO_KEEP	100

static __always_inline int refused_to_nospc(int ret)
{
	return ret == -EINVAL ? -ENOSPC : ret;
}

/*
 * Region (bits 20-22 of the byte position: the test device has 8 MiB) to
 * the range cleared in a read of bytes bytes.  Regions 4-6 are out of
 * range; 7 is empty at the very end, which is legal and clears nothing.
 */
static __always_inline int zero_range_of(struct ublk_bpf_io *io, __u32 bytes)
{
	int ret;

	switch ((ublk_bpf_io_start_sector(io) >> 11) & 7) {
	case 0:
		return ublk_bpf_io_zero(io, 0, bytes);
	case 1:
		return ublk_bpf_io_zero(io, 1000, bytes - 2000);
	case 2:
		return ublk_bpf_io_zero(io, bytes - 1, 1);
	case 3:
		/* two bytes across a page boundary, for 0 and 512 bytes into a page */
		ret = ublk_bpf_io_zero(io, 4095, 2);
		if (ret)
			return ret;
		return ublk_bpf_io_zero(io, 3583, 2);
	case 4:
		return ublk_bpf_io_zero(io, 1, bytes);
	case 5:
		/* off + len wraps around to 0 in 32 bits */
		return ublk_bpf_io_zero(io, 1, 0xffffffff);
	case 6:
		return ublk_bpf_io_zero(io, bytes + 1, 0);
	default:
		return ublk_bpf_io_zero(io, bytes, 0);
	}
}

SEC("struct_ops/range_queue_io")
__u64 BPF_PROG(range_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 bytes = ublk_bpf_io_bytes(io);
	int ret;

	/* a write the kfunc wrongly accepts succeeds, which the tests catch */
	if ((ublk_bpf_io_op_flags(io) & 0xff) == UBLK_IO_OP_READ)
		ret = zero_range_of(io, bytes);
	else
		ret = ublk_bpf_io_zero(io, 0, bytes);
	ublk_bpf_complete_io(io, ret ? refused_to_nospc(ret) : (int)bytes);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/aio_queue_io")
__u64 BPF_PROG(aio_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_bpf_io_op_flags(io) & 0xff;
	__u32 bytes = ublk_bpf_io_bytes(io);
	struct ublk_bpf_aio *aio;

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE) {
		ublk_bpf_io_release(io);
		return UBLK_RET_REDIRECT;
	}
	aio = ublk_bpf_aio_alloc(io, op, 0, bytes);
	if (!aio) {
		ublk_bpf_complete_io(io, -12 /* -ENOMEM */);
		return UBLK_RET_QUEUED;
	}
	ublk_bpf_aio_submit(aio, 0, ublk_bpf_io_start_sector(io) << 9);
	ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/aio_done")
void BPF_PROG(aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);
	__u32 bytes = ublk_bpf_io_bytes(io);
	int zret;

	if ((ublk_bpf_io_op_flags(io) & 0xff) == UBLK_IO_OP_READ &&
	    ret == bytes) {
		zret = ublk_bpf_io_zero(io, ZERO_KEEP, bytes - 2 * ZERO_KEEP);
		if (zret)
			ret = refused_to_nospc(zret);
	}
	ublk_bpf_complete_io(io, ret);
	ublk_bpf_aio_release(aio);
}

SEC(".struct_ops")
struct ublk_bpf_ops range_ops = { .queue_io = (void *)range_queue_io };

SEC(".struct_ops")
struct ublk_bpf_ops aio_ops = {
	.queue_io = (void *)aio_queue_io,
	.aio_done = (void *)aio_done,
};
