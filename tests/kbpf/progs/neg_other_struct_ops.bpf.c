// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: an io_uring struct_ops program calling a ublk kfunc. */
#include "kbpf.h"

struct iou_ctx;
struct iou_loop_params;

struct io_uring_bpf_ops {
	int (*loop_step)(struct iou_ctx *ctx, struct iou_loop_params *lp);
};

__u32 tag;

SEC("struct_ops/loop_step")
int BPF_PROG(other_loop_step, struct iou_ctx *uctx, struct iou_loop_params *lp)
{
	tag = ublk_bpf_io_tag((struct ublk_bpf_io *)uctx);
	return 0;
}

SEC(".struct_ops")
struct io_uring_bpf_ops ops = { .loop_step = (void *)other_loop_step };
