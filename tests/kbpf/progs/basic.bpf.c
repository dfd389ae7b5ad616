// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that complete IO without backing storage, one struct_ops map
 * per behaviour:
 *   null_ops      complete every request at once
 *   redirect_ops  send every request to the ublk server
 *   split_ops     queue each request in 4 KiB parts (UBLK_BPF_IO_CONTINUE)
 *   eio_ops       fail reads with -EIO, complete everything else
 *   mixed_ops     redirect the odd 4 KiB blocks, complete the even ones
 *   bad_ret_ops   return a disposition that doesn't exist
 *   drop_ops      release the request without a result
 * Counters per map let the tests see which program ran.
 */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
};

__u64 calls_null, calls_redirect, calls_split, calls_eio, calls_mixed;
__u64 last_dev_id = -1, last_queue_id = -1, last_tag = -1;

SEC("struct_ops/null_queue_io")
__u64 BPF_PROG(null_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__sync_fetch_and_add(&calls_null, 1);
	last_dev_id = ublk_bpf_io_dev_id(io);
	last_queue_id = ublk_bpf_io_queue_id(io);
	last_tag = ublk_bpf_io_tag(io);
	ublk_bpf_complete_io(io, ublk_bpf_io_bytes(io));
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/redirect_queue_io")
__u64 BPF_PROG(redirect_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__sync_fetch_and_add(&calls_redirect, 1);
	ublk_bpf_io_release(io);
	return UBLK_RET_REDIRECT;
}

SEC("struct_ops/split_queue_io")
__u64 BPF_PROG(split_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__u32 bytes = ublk_bpf_io_bytes(io);
	__u32 part = bytes - off;

	__sync_fetch_and_add(&calls_split, 1);
	if (part > 4096)
		part = 4096;
	ublk_bpf_complete_io(io, part);
	if (off + part < bytes)
		return UBLK_RET_CONTINUE(part);
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/eio_queue_io")
__u64 BPF_PROG(eio_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__sync_fetch_and_add(&calls_eio, 1);
	if ((ublk_bpf_io_op_flags(io) & 0xff) == UBLK_IO_OP_READ)
		ublk_bpf_complete_io(io, -5 /* -EIO */);
	else
		ublk_bpf_complete_io(io, ublk_bpf_io_bytes(io));
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/mixed_queue_io")
__u64 BPF_PROG(mixed_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	__sync_fetch_and_add(&calls_mixed, 1);
	if ((ublk_bpf_io_start_sector(io) >> 3) & 1) {
		ublk_bpf_io_release(io);
		return UBLK_RET_REDIRECT;
	}
	ublk_bpf_complete_io(io, ublk_bpf_io_bytes(io));
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/bad_ret_queue_io")
__u64 BPF_PROG(bad_ret_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_io_release(io);
	return 7ULL << 32;
}

SEC("struct_ops/drop_queue_io")
__u64 BPF_PROG(drop_queue_io, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_io_release(io);
	return UBLK_RET_QUEUED;
}

SEC(".struct_ops")
struct ublk_bpf_ops null_ops = { .queue_io = (void *)null_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops redirect_ops = { .queue_io = (void *)redirect_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops split_ops = { .queue_io = (void *)split_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops eio_ops = { .queue_io = (void *)eio_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops mixed_ops = { .queue_io = (void *)mixed_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops bad_ret_ops = { .queue_io = (void *)bad_ret_queue_io };
SEC(".struct_ops")
struct ublk_bpf_ops drop_ops = { .queue_io = (void *)drop_queue_io };
