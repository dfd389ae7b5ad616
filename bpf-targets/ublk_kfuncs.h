/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ublk BPF interface of kernel/patches as a BPF program sees it: the
 * kernel types it handles, the request ops, the ->queue_io() return
 * encoding and every kfunc.  The one copy for the BPF targets (through
 * ublk_bpf.h) and the kernel tests' programs (tests/kbpf/progs/kbpf.h), so
 * that a kfunc the series adds or changes is declared once.
 *
 * Declared by hand so that programs build with any clang and libbpf,
 * without a vmlinux.h of the patched kernel.  Kernel structures are opaque:
 * programs only pass them to kfuncs.  Should a program ever read a field,
 * the types carry preserve_access_index so that libbpf relocates the
 * access against the running kernel's BTF (CO-RE).
 *
 * The request ops come from ublkctl/ublk_io_ops.h, the part of the
 * server's uAPI header that needs no libc (BPF programs have none).
 */
#ifndef UBLK_KFUNCS_H
#define UBLK_KFUNCS_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define __ublk_core __attribute__((preserve_access_index))

/* One request (a part of it, for split requests) owned by the program. */
struct ublk_bpf_io {
	int __opaque;
} __ublk_core;

/* One asynchronous file operation on a backing file. */
struct ublk_bpf_aio {
	int __opaque;
} __ublk_core;

/* Request operations: bits 0-7 of ublk_bpf_io_op_flags(). */
#include "../ublkctl/ublk_io_ops.h"

/* ->queue_io() return: disposition in bits 32-63, bytes in bits 0-31. */
#define UBLK_BPF_IO_REDIRECT	0U
#define UBLK_BPF_IO_QUEUED	1U
#define UBLK_BPF_IO_CONTINUE	2U

#define UBLK_RET_REDIRECT	((__u64)UBLK_BPF_IO_REDIRECT << 32)
#define UBLK_RET_QUEUED		((__u64)UBLK_BPF_IO_QUEUED << 32)
#define UBLK_RET_CONTINUE(bytes) \
	(((__u64)UBLK_BPF_IO_CONTINUE << 32) | (__u32)(bytes))

/* Request kfuncs. complete_io and io_release release @io. */
extern int ublk_bpf_complete_io(struct ublk_bpf_io *io, int res) __ksym;
extern void ublk_bpf_io_release(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_op_flags(struct ublk_bpf_io *io) __ksym;
extern __u64 ublk_bpf_io_start_sector(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_bytes(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_tag(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_queue_id(struct ublk_bpf_io *io) __ksym;
extern __u32 ublk_bpf_io_dev_id(struct ublk_bpf_io *io) __ksym;
/* Zero-fill [off, off + len) of a read request's pages; 0 or -EINVAL. */
extern int ublk_bpf_io_zero(struct ublk_bpf_io *io, __u32 off, __u32 len) __ksym;

/*
 * bpf aio on the device's backing files (set with
 * UBLK_U_CMD_SET_BPF_FILES; file_idx indexes that table).  An aio covers
 * [off, off + len) of the request's pages and holds a request reference
 * until it is released.  Submitting hands it to the kernel (even if it
 * fails, e.g. -EBADF), which gives it back to ->aio_done() with the bytes
 * done or an error; the program then completes its part of the request
 * and releases the aio.
 */
extern struct ublk_bpf_aio *ublk_bpf_aio_alloc(struct ublk_bpf_io *io,
		__u32 op, __u32 off, __u32 len) __ksym;
extern int ublk_bpf_aio_submit(struct ublk_bpf_aio *aio, __u32 file_idx,
		__u64 pos) __ksym;
extern void ublk_bpf_aio_release(struct ublk_bpf_aio *aio) __ksym;
extern struct ublk_bpf_io *ublk_bpf_aio_get_io(struct ublk_bpf_aio *aio) __ksym;

#endif
