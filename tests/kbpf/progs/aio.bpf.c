// SPDX-License-Identifier: GPL-2.0
/*
 * File-backed programs using bpf aio on the device's BPF file table:
 *   loop_ops    every request becomes one aio on file 0 at the same offset
 *   stripe_ops  64 KiB chunks alternate between files 0 and 1; a request
 *               crossing chunks is split with UBLK_BPF_IO_CONTINUE, one aio
 *               per part, and completes when the last part is done
 *   loopmix_ops like loop_ops for even 4 KiB blocks, redirects the odd ones
 *   badfile_ops submits to a file index the table doesn't have
 */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

#define CHUNK_SHIFT	16
#define CHUNK		(1U << CHUNK_SHIFT)
#define NR_FILES	2

__u64 aio_submitted, aio_done_calls;
__u32 bad_file_idx = 63;

/* one aio covering [off, off + len) of io at file offset pos */
static __always_inline int submit(struct ublk_bpf_io *io, __u32 op, __u32 off,
				  __u32 len, __u32 file, __u64 pos)
{
	struct ublk_bpf_aio *aio;

	aio = ublk_bpf_aio_alloc(io, op, off, len);
	if (!aio)
		return -12;
	ublk_bpf_aio_submit(aio, file, pos);
	__sync_fetch_and_add(&aio_submitted, 1);
	return 0;
}

SEC("struct_ops/loop_queue_io")
__u64 BPF_PROG(loop_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_bpf_io_op_flags(io) & 0xff;
	__u32 bytes = ublk_bpf_io_bytes(io);
	__u64 pos = ublk_bpf_io_start_sector(io) << 9;
	int ret;

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		ret = submit(io, op, 0, bytes, 0, pos);
		break;
	case UBLK_IO_OP_FLUSH:
		ret = submit(io, op, 0, 0, 0, 0);
		break;
	default:
		ret = -95;
		break;
	}
	if (ret)
		ublk_bpf_complete_io(io, ret);
	else
		ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/loopmix_queue_io")
__u64 BPF_PROG(loopmix_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_bpf_io_op_flags(io) & 0xff;
	__u64 sector = ublk_bpf_io_start_sector(io);
	int ret;

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE) {
		ublk_bpf_io_release(io);
		return UBLK_RET_REDIRECT;
	}
	if ((sector >> 3) & 1) {
		ublk_bpf_io_release(io);
		return UBLK_RET_REDIRECT;
	}
	ret = submit(io, op, 0, ublk_bpf_io_bytes(io), 0, sector << 9);
	if (ret)
		ublk_bpf_complete_io(io, ret);
	else
		ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/stripe_queue_io")
__u64 BPF_PROG(stripe_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_bpf_io_op_flags(io) & 0xff;
	__u32 bytes = ublk_bpf_io_bytes(io);
	__u64 pos = (ublk_bpf_io_start_sector(io) << 9) + off;
	__u64 chunk = pos >> CHUNK_SHIFT;
	__u32 in_chunk = pos & (CHUNK - 1);
	__u32 part = CHUNK - in_chunk;
	__u64 file_pos = ((chunk / NR_FILES) << CHUNK_SHIFT) + in_chunk;
	int ret = 0;

	if (op == UBLK_IO_OP_FLUSH) {
		ret = submit(io, op, 0, 0, 0, 0);
		if (!ret)
			ret = submit(io, op, 0, 0, 1, 0);
		goto out;
	}
	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE) {
		ret = -95;
		goto out;
	}
	if (part > bytes - off)
		part = bytes - off;
	ret = submit(io, op, off, part, chunk % NR_FILES, file_pos);
	if (!ret && off + part < bytes) {
		ublk_bpf_io_release(io);
		return UBLK_RET_CONTINUE(part);
	}
out:
	if (ret)
		ublk_bpf_complete_io(io, ret);
	else
		ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/badfile_queue_io")
__u64 BPF_PROG(badfile_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_bpf_io_op_flags(io) & 0xff;
	int ret;

	ret = submit(io, op, 0, ublk_bpf_io_bytes(io), bad_file_idx, 0);
	if (ret)
		ublk_bpf_complete_io(io, ret);
	else
		ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

/* complete the request with this part's result; the last part ends it */
SEC("struct_ops/aio_done")
void BPF_PROG(aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);

	__sync_fetch_and_add(&aio_done_calls, 1);
	ublk_bpf_complete_io(io, ret);
	ublk_bpf_aio_release(aio);
}

SEC(".struct_ops")
struct ublk_bpf_ops loop_ops = {
	.queue_io = (void *)loop_queue_io,
	.aio_done = (void *)aio_done,
};

SEC(".struct_ops")
struct ublk_bpf_ops stripe_ops = {
	.queue_io = (void *)stripe_queue_io,
	.aio_done = (void *)aio_done,
};

SEC(".struct_ops")
struct ublk_bpf_ops loopmix_ops = {
	.queue_io = (void *)loopmix_queue_io,
	.aio_done = (void *)aio_done,
};

SEC(".struct_ops")
struct ublk_bpf_ops badfile_ops = {
	.queue_io = (void *)badfile_queue_io,
	.aio_done = (void *)aio_done,
};
