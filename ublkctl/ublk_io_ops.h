/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Request ops and flags of ublk (ublksrv_io_desc.op_flags: op in bits 0-7,
 * flags above), as the kernel's uAPI numbers them.  Macros only, with no
 * include, so that both the server (ublk_abi.h) and the BPF programs
 * (bpf-targets/ublk_kfuncs.h, built without a libc) share this one copy.
 */
#ifndef UBLKCTL_UBLK_IO_OPS_H
#define UBLKCTL_UBLK_IO_OPS_H

#define UBLK_IO_OP_READ		0
#define UBLK_IO_OP_WRITE	1
#define UBLK_IO_OP_FLUSH	2
#define UBLK_IO_OP_DISCARD	3
#define UBLK_IO_OP_WRITE_SAME	4
#define UBLK_IO_OP_WRITE_ZEROES	5

#define UBLK_IO_F_FUA		(1U << 13)
#define UBLK_IO_F_NOUNMAP	(1U << 15)

#endif
