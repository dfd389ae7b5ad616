/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the kbpf BPF test programs. */
#ifndef KBPF_PROGS_H
#define KBPF_PROGS_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../ublk_abi.h"

/* opaque to programs: they only pass these to kfuncs */
struct ublk_bpf_io {
	int unused;
};

struct ublk_bpf_aio {
	int unused;
};

extern int ublk_bpf_complete_io(struct ublk_bpf_io *io, int res) __ksym;
extern void ublk_bpf_io_release(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_op_flags(struct ublk_bpf_io *io) __ksym;
extern __u64 ublk_bpf_io_start_sector(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_bytes(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_tag(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_queue_id(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_dev_id(struct ublk_bpf_io *io) __ksym;
extern int ublk_bpf_io_zero(struct ublk_bpf_io *io, __u32 off, __u32 len) __ksym;

extern struct ublk_bpf_aio *ublk_bpf_aio_alloc(struct ublk_bpf_io *io,
		__u32 op, __u32 off, __u32 len) __ksym;
extern int ublk_bpf_aio_submit(struct ublk_bpf_aio *aio, __u32 file_idx,
		__u64 pos) __ksym;
extern void ublk_bpf_aio_release(struct ublk_bpf_aio *aio) __ksym;
extern struct ublk_bpf_io *ublk_bpf_aio_get_io(struct ublk_bpf_aio *aio) __ksym;

#define RET_REDIRECT	0ULL
#define RET_QUEUED	((__u64)UBLK_BPF_IO_QUEUED << 32)
#define RET_CONTINUE(bytes) (((__u64)UBLK_BPF_IO_CONTINUE << 32) | (__u32)(bytes))

char LICENSE[] SEC("license") = "GPL";

#endif
