/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The part of the ublk uAPI (include/uapi/linux/ublk_cmd.h of Linux 7.2
 * plus kernel/patches) that the kbpf tests use, kept here so that the tests
 * build against bookworm's headers.
 */
#ifndef KBPF_UBLK_ABI_H
#define KBPF_UBLK_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct ublksrv_ctrl_cmd {
	__u32	dev_id;
	__u16	queue_id;
	__u16	len;
	__u64	addr;
	__u64	data[1];
	__u16	dev_path_len;
	__u16	pad;
	__u32	reserved;
};

struct ublksrv_ctrl_dev_info {
	__u16	nr_hw_queues;
	__u16	queue_depth;
	__u16	state;
	__u16	pad0;
	__u32	max_io_buf_bytes;
	__u32	dev_id;
	__s32	ublksrv_pid;
	__u32	pad1;
	__u64	flags;
	__u64	ublksrv_flags;
	__u32	owner_uid;
	__u32	owner_gid;
	__u64	reserved1;
	__u64	reserved2;
};

struct ublksrv_io_desc {
	__u32	op_flags;
	__u32	nr_sectors;
	__u64	start_sector;
	__u64	addr;
};

struct ublksrv_io_cmd {
	__u16	q_id;
	__u16	tag;
	__s32	result;
	__u64	addr;
};

struct ublk_param_basic {
#define UBLK_ATTR_VOLATILE_CACHE	(1 << 2)
	__u32	attrs;
	__u8	logical_bs_shift;
	__u8	physical_bs_shift;
	__u8	io_opt_shift;
	__u8	io_min_shift;
	__u32	max_sectors;
	__u32	chunk_sectors;
	__u64	dev_sectors;
	__u64	virt_boundary_mask;
};

struct ublk_param_discard {
	__u32	discard_alignment;
	__u32	discard_granularity;
	__u32	max_discard_sectors;
	__u32	max_write_zeroes_sectors;
	__u16	max_discard_segments;
	__u16	reserved0;
};

struct ublk_param_devt {
	__u32	char_major, char_minor, disk_major, disk_minor;
};

struct ublk_param_zoned {
	__u32	max_open_zones, max_active_zones, max_zone_append_sectors;
	__u8	reserved[20];
};

struct ublk_param_dma_align {
	__u32	alignment;
	__u8	pad[4];
};

struct ublk_param_segment {
	__u64	seg_boundary_mask;
	__u32	max_segment_size;
	__u16	max_segments;
	__u8	pad[2];
};

struct ublk_param_integrity {
	__u32	flags;
	__u16	max_integrity_segments;
	__u8	interval_exp, metadata_size, pi_offset, csum_type, tag_size;
	__u8	pad[5];
};

/* new with the ublk BPF series */
struct ublk_param_bpf {
	__u32	ops_id;		/* map id of a "ublk_bpf_ops" struct_ops map */
	__u32	flags;		/* must be zero */
	__u64	reserved;	/* must be zero */
};

struct ublk_params {
	__u32	len;
#define UBLK_PARAM_TYPE_BASIC		(1 << 0)
#define UBLK_PARAM_TYPE_DISCARD		(1 << 1)
#define UBLK_PARAM_TYPE_BPF		(1 << 16)
	__u32	types;
	struct ublk_param_basic		basic;
	struct ublk_param_discard	discard;
	struct ublk_param_devt		devt;
	struct ublk_param_zoned		zoned;
	struct ublk_param_dma_align	dma;
	struct ublk_param_segment	seg;
	struct ublk_param_integrity	integrity;
	struct ublk_param_bpf		bpf;
};

#define UBLK_U_CMD_GET_DEV_INFO		_IOR('u', 0x02, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_ADD_DEV		_IOWR('u', 0x04, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV		_IOWR('u', 0x05, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_DEV		_IOWR('u', 0x06, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV		_IOWR('u', 0x07, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_PARAMS		_IOWR('u', 0x08, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_PARAMS		_IOR('u', 0x09, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_USER_RECOVERY	_IOWR('u', 0x10, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_END_USER_RECOVERY	_IOWR('u', 0x11, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_FEATURES		_IOR('u', 0x13, struct ublksrv_ctrl_cmd)
/* new with the ublk BPF series */
#define UBLK_U_CMD_BIND_BPF		_IOWR('u', 0x40, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_UNBIND_BPF		_IOWR('u', 0x41, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_BPF_FILES	_IOWR('u', 0x42, struct ublksrv_ctrl_cmd)

#define UBLK_U_IO_FETCH_REQ		_IOWR('u', 0x20, struct ublksrv_io_cmd)
#define UBLK_U_IO_COMMIT_AND_FETCH_REQ	_IOWR('u', 0x21, struct ublksrv_io_cmd)

#define UBLK_F_USER_RECOVERY		(1ULL << 3)
#define UBLK_F_USER_RECOVERY_REISSUE	(1ULL << 4)
#define UBLK_F_CMD_IOCTL_ENCODE		(1ULL << 6)
#define UBLK_F_USER_COPY		(1ULL << 7)
#define UBLK_F_BPF			(1ULL << 48)

#define UBLK_IO_RES_OK			0
#define UBLK_IO_RES_ABORT		(-19)

#define UBLK_IO_OP_READ			0
#define UBLK_IO_OP_WRITE		1
#define UBLK_IO_OP_FLUSH		2
#define UBLK_IO_OP_DISCARD		3
#define UBLK_IO_OP_WRITE_ZEROES		5

#define UBLKSRV_CMD_BUF_OFFSET		0
#define UBLK_MAX_QUEUE_DEPTH		4096

/* ->queue_io() return values */
#define UBLK_BPF_IO_REDIRECT		0U
#define UBLK_BPF_IO_QUEUED		1U
#define UBLK_BPF_IO_CONTINUE		2U

#endif
