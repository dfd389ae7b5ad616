// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: allocates an aio and neither submits nor frees it. */
#include "kbpf.h"

struct ublk_bpf_ops {
	__u64 (*queue_io)(struct ublk_bpf_io *io, __u32 off);
	void (*aio_done)(struct ublk_bpf_aio *aio, long ret);
};

SEC("struct_ops/queue_io")
__u64 BPF_PROG(leak_aio, struct ublk_bpf_io *io, __u32 off)
{
	struct ublk_bpf_aio *aio;

	aio = ublk_bpf_aio_alloc(io, UBLK_IO_OP_FLUSH, 0, 0);
	ublk_bpf_io_release(io);
	if (!aio)
		return UBLK_RET_REDIRECT;
	return UBLK_RET_QUEUED;
}

SEC("struct_ops/aio_done")
void BPF_PROG(aio_done, struct ublk_bpf_aio *aio, long ret)
{
	ublk_bpf_aio_release(aio);
}

SEC(".struct_ops")
struct ublk_bpf_ops ops = {
	.queue_io = (void *)leak_aio,
	.aio_done = (void *)aio_done,
};
