// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that start IO from ->aio_done(), file 0 at the device's offset:
 *   chain_ops    a read or write of 8 KiB or more is done in two halves (4 KiB
 *                aligned, as O_DIRECT on a 4 KiB-block backing needs): the
 *                first half's aio is submitted by ->queue_io(), the second
 *                half's is allocated and submitted by the first one's
 *                ->aio_done()
 *   resubmit_ops each read or write goes to file 1 first; its ->aio_done()
 *                submits the same aio again, to file 0, whose result
 *                completes the request (file 1's data never shows)
 *   forever_ops  resubmits every aio from ->aio_done(), for ever: the kernel
 *                must end that and fail the request
 * Other requests: flush to file 0, the rest fails with -EOPNOTSUPP.
 */
#include <linux/bpf.h>

#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

/* what a request's first aio has done: 1 first part, 2 second part */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} stage SEC(".maps");

__u64 second_parts, resubmits;

static __always_inline __u32 io_key(struct ublk_bpf_io *io)
{
	return ublk_bpf_io_queue_id(io) << 16 | ublk_bpf_io_tag(io);
}

static __always_inline __u32 io_op(struct ublk_bpf_io *io)
{
	return ublk_bpf_io_op_flags(io) & 0xff;
}

/* submit [off, off + len) of io to file at pos; 0 or -ENOMEM */
static __always_inline int submit(struct ublk_bpf_io *io, __u32 op, __u32 off,
				  __u32 len, __u32 file, __u64 pos)
{
	struct ublk_bpf_aio *aio = ublk_bpf_aio_alloc(io, op, off, len);

	if (!aio)
		return -12;
	ublk_bpf_aio_submit(aio, file, pos);
	return 0;
}

/* queued: the request fails with ret, or its aio completes it */
static __always_inline __u64 queued(struct ublk_bpf_io *io, int ret)
{
	if (ret)
		ublk_bpf_complete_io(io, ret);
	else
		ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

/* flush and the unsupported ops, for every program */
static __always_inline __u64 other_op(struct ublk_bpf_io *io, __u32 op)
{
	int ret = -95;

	if (op == UBLK_IO_OP_FLUSH)
		ret = submit(io, op, 0, 0, 0, 0);
	return queued(io, ret);
}

SEC("struct_ops/chain_queue_io")
__u64 BPF_PROG(chain_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = io_op(io), bytes = ublk_bpf_io_bytes(io), key = io_key(io);
	__u32 one = 1, len = bytes;
	int ret;

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE)
		return other_op(io, op);
	if (bytes >= 8192) {
		len = (bytes / 2) & ~4095U;
		bpf_map_update_elem(&stage, &key, &one, BPF_ANY);
	} else {
		bpf_map_delete_elem(&stage, &key);
	}
	ret = submit(io, op, 0, len, 0, ublk_bpf_io_start_sector(io) << 9);
	return queued(io, ret);
}

SEC("struct_ops/chain_aio_done")
void BPF_PROG(chain_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);
	__u32 key = io_key(io), bytes = ublk_bpf_io_bytes(io), half;
	__u32 *st = bpf_map_lookup_elem(&stage, &key);
	__u64 pos = ublk_bpf_io_start_sector(io) << 9;
	int err;

	if (st && *st == 1) {
		*st = 2;
		half = (bytes / 2) & ~4095U;
		err = submit(io, io_op(io), half, bytes - half, 0, pos + half);
		if (!err)
			__sync_fetch_and_add(&second_parts, 1);
		/* this half's result; the other half's comes with its aio */
		ublk_bpf_complete_io(io, err ? err : ret);
	} else {
		bpf_map_delete_elem(&stage, &key);
		ublk_bpf_complete_io(io, ret);
	}
	ublk_bpf_aio_release(aio);
}

/* a read or write as one aio on file at the device's offset */
static __always_inline __u64 whole(struct ublk_bpf_io *io, __u32 op, __u32 file)
{
	int ret = submit(io, op, 0, ublk_bpf_io_bytes(io), file,
			 ublk_bpf_io_start_sector(io) << 9);

	return queued(io, ret);
}

SEC("struct_ops/resubmit_queue_io")
__u64 BPF_PROG(resubmit_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = io_op(io), key = io_key(io), one = 1;

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE)
		return other_op(io, op);
	bpf_map_update_elem(&stage, &key, &one, BPF_ANY);
	return whole(io, op, 1);
}

SEC("struct_ops/resubmit_aio_done")
void BPF_PROG(resubmit_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);
	__u32 key = io_key(io);
	__u32 *st = bpf_map_lookup_elem(&stage, &key);
	__u64 pos = ublk_bpf_io_start_sector(io) << 9;

	if (st && *st == 1) {
		*st = 2;
		__sync_fetch_and_add(&resubmits, 1);
		ublk_bpf_io_release(io);
		ublk_bpf_aio_submit(aio, 0, pos);
		return;
	}
	bpf_map_delete_elem(&stage, &key);
	ublk_bpf_complete_io(io, ret);
	ublk_bpf_aio_release(aio);
}

SEC("struct_ops/forever_queue_io")
__u64 BPF_PROG(forever_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 op = io_op(io);

	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE)
		return other_op(io, op);
	return whole(io, op, 0);
}

SEC("struct_ops/forever_aio_done")
void BPF_PROG(forever_aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);
	__u64 pos = ublk_bpf_io_start_sector(io) << 9;

	__sync_fetch_and_add(&resubmits, 1);
	ublk_bpf_io_release(io);
	ublk_bpf_aio_submit(aio, 0, pos);
}

SEC(".struct_ops")
struct ublk_bpf_ops chain_ops = {
	.queue_io = (void *)chain_queue_io,
	.aio_done = (void *)chain_aio_done,
};

SEC(".struct_ops")
struct ublk_bpf_ops resubmit_ops = {
	.queue_io = (void *)resubmit_queue_io,
	.aio_done = (void *)resubmit_aio_done,
};

SEC(".struct_ops")
struct ublk_bpf_ops forever_ops = {
	.queue_io = (void *)forever_queue_io,
	.aio_done = (void *)forever_aio_done,
};
