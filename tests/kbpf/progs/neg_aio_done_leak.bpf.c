// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: ->aio_done() keeps the aio it was handed. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(queue_io, struct ublk_bpf_io *io, __u32 off)
{
	ublk_bpf_io_release(io);
	return UBLK_RET_REDIRECT;
}

SEC("struct_ops/aio_done")
void BPF_PROG(aio_done, struct ublk_bpf_aio *aio, long ret)
{
	struct ublk_bpf_io *io = ublk_bpf_aio_get_io(aio);

	ublk_bpf_complete_io(io, ret);
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = {
	.queue_io = (void *)queue_io,
	.aio_done = (void *)aio_done,
};
