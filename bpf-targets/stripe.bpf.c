// SPDX-License-Identifier: GPL-2.0
/*
 * stripe: the ublkctl stripe target in the kernel.  Chunk k of the device
 * lives in file k mod n at offset (k div n) * chunk, as in the userspace
 * target.  A read or write is queued one chunk at a time: each part is a
 * bpf aio on its file using the matching slice of the request's pages,
 * and UBLK_BPF_IO_CONTINUE asks for the rest; the request completes when
 * the last part's aio has.  A flush goes to every file.  Discard and
 * write-zeroes are redirected to the server.
 */
#include "ublk_bpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

/* set by ublkctl before loading */
const volatile __u32 nr_files = 2;
const volatile __u32 chunk_shift = 16;

static __always_inline __u64 flush_all(struct ublk_bpf_io *io)
{
	struct ublk_bpf_aio *aio;
	__u32 i;

	for (i = 0; i < UBLKCTL_BPF_MAX_FILES; i++) {
		if (i >= nr_files)
			break;
		aio = ublk_bpf_aio_alloc(io, UBLK_IO_OP_FLUSH, 0, 0);
		if (!aio && !i) {
			ublk_bpf_io_release(io);
			ublk_count(UBLK_BPF_STAT_REDIRECTED);
			return UBLK_RET_REDIRECT;
		}
		if (!aio) {
			ublk_bpf_complete_io(io, -12 /* -ENOMEM */);
			ublk_count(UBLK_BPF_STAT_HANDLED);
			return UBLK_RET_QUEUED;
		}
		ublk_bpf_aio_submit(aio, i, 0);
	}
	ublk_bpf_io_release(io);
	ublk_count(UBLK_BPF_STAT_HANDLED);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/stripe_queue_io")
__u64 BPF_PROG(stripe_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = ublk_io_op(io), bytes = ublk_bpf_io_bytes(io);
	__u64 chunk = 1ULL << chunk_shift, start, k, pos;
	struct ublk_bpf_aio *aio;
	__u32 len;

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE) {
		if (op == UBLK_IO_OP_FLUSH)
			return flush_all(io);
		ublk_bpf_io_release(io);
		ublk_count(UBLK_BPF_STAT_REDIRECTED);
		return UBLK_RET_REDIRECT;
	}
	start = (ublk_bpf_io_start_sector(io) << 9) + off;
	k = start >> chunk_shift;
	len = chunk - (start & (chunk - 1));
	if (len > bytes - off)
		len = bytes - off;
	pos = ((k / nr_files) << chunk_shift) + (start & (chunk - 1));

	aio = ublk_bpf_aio_alloc(io, op, off, len);
	if (!aio && !off) {
		/* out of memory in atomic context: the server can do it */
		ublk_bpf_io_release(io);
		ublk_count(UBLK_BPF_STAT_REDIRECTED);
		return UBLK_RET_REDIRECT;
	}
	if (!aio) {
		/* fails the request; the parts queued already finish */
		ublk_bpf_complete_io(io, -12 /* -ENOMEM */);
		return UBLK_RET_QUEUED;
	}
	ublk_bpf_aio_submit(aio, (__u32)(k % nr_files), pos);
	ublk_bpf_io_release(io);
	if (!off)
		ublk_count(UBLK_BPF_STAT_HANDLED);
	if (off + len < bytes)
		return UBLK_RET_CONTINUE(len);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/stripe_aio_done")
void BPF_PROG(stripe_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	ublk_aio_finish(aio, ret);
}

SEC(".struct_ops")
struct ublk_bpf_ops stripe_ops = {
	.queue_io = (void *)stripe_queue_io,
	.aio_done = (void *)stripe_aio_done,
};
