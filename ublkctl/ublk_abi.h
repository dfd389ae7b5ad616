/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ublk driver's user ABI as ublkctl uses it, written for this project
 * from the semantics of Linux 7.2's include/uapi/linux/ublk_cmd.h, plus
 * the additions of the ublk BPF series (kernel/patches), marked as such.
 * We keep our own copy so that the build needs no new kernel headers (those
 * clash with liburing 2.3).  Only what ublkctl and the kernel tests'
 * server (tests/kbpf/kbpf.c) need is here.
 */
#ifndef UBLKCTL_UBLK_ABI_H
#define UBLKCTL_UBLK_ABI_H

#include <stdint.h>
#include <linux/ioctl.h>

/* Control commands (sent on /dev/ublk-control, SQE128 uring_cmd). */
#define UBLK_CMD_GET_QUEUE_AFFINITY	0x01
#define UBLK_CMD_GET_DEV_INFO		0x02
#define UBLK_CMD_ADD_DEV		0x04
#define UBLK_CMD_DEL_DEV		0x05
#define UBLK_CMD_START_DEV		0x06
#define UBLK_CMD_STOP_DEV		0x07
#define UBLK_CMD_SET_PARAMS		0x08
#define UBLK_CMD_GET_PARAMS		0x09
#define UBLK_CMD_START_USER_RECOVERY	0x10
#define UBLK_CMD_END_USER_RECOVERY	0x11
#define UBLK_CMD_GET_FEATURES		0x13
#define UBLK_CMD_DEL_DEV_ASYNC		0x14	/* DEL_DEV without the wait */
#define UBLK_CMD_TRY_STOP_DEV		0x17	/* UBLK_F_SAFE_STOP_DEV */
/* BPF series: bind a "ublk_bpf_ops" struct_ops map (data[0]: map id) */
#define UBLK_CMD_BIND_BPF		0x40
#define UBLK_CMD_UNBIND_BPF		0x41
/* BPF series: the files bpf aio may use (addr: int32_t fds[], len) */
#define UBLK_CMD_SET_BPF_FILES		0x42

struct ublksrv_ctrl_cmd {
	uint32_t dev_id;
	uint16_t queue_id;	/* (uint16_t)-1 unless the command is per queue */
	uint16_t len;		/* length of the buffer at addr */
	uint64_t addr;		/* in/out buffer */
	uint64_t data[1];	/* inline argument */
	uint16_t dev_path_len;
	uint16_t pad;
	uint32_t reserved;
};

#define UBLK_U_CMD_GET_QUEUE_AFFINITY \
	_IOR('u', UBLK_CMD_GET_QUEUE_AFFINITY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_DEV_INFO \
	_IOR('u', UBLK_CMD_GET_DEV_INFO, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_ADD_DEV \
	_IOWR('u', UBLK_CMD_ADD_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV \
	_IOWR('u', UBLK_CMD_DEL_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_DEV \
	_IOWR('u', UBLK_CMD_START_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV \
	_IOWR('u', UBLK_CMD_STOP_DEV, struct ublksrv_ctrl_cmd)
/* returns as soon as the disk is gone, not when its last user let go */
#define UBLK_U_CMD_DEL_DEV_ASYNC \
	_IOR('u', UBLK_CMD_DEL_DEV_ASYNC, struct ublksrv_ctrl_cmd)
/* stop only if nobody has the disk open: -EBUSY otherwise */
#define UBLK_U_CMD_TRY_STOP_DEV \
	_IOWR('u', UBLK_CMD_TRY_STOP_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_PARAMS \
	_IOWR('u', UBLK_CMD_SET_PARAMS, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_PARAMS \
	_IOR('u', UBLK_CMD_GET_PARAMS, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_USER_RECOVERY \
	_IOWR('u', UBLK_CMD_START_USER_RECOVERY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_END_USER_RECOVERY \
	_IOWR('u', UBLK_CMD_END_USER_RECOVERY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_FEATURES \
	_IOR('u', UBLK_CMD_GET_FEATURES, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_BIND_BPF \
	_IOWR('u', UBLK_CMD_BIND_BPF, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_UNBIND_BPF \
	_IOWR('u', UBLK_CMD_UNBIND_BPF, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_BPF_FILES \
	_IOWR('u', UBLK_CMD_SET_BPF_FILES, struct ublksrv_ctrl_cmd)

/* Feature / device flags (dev_info.flags and GET_FEATURES). */
#define UBLK_F_SUPPORT_ZERO_COPY	(1ULL << 0)
#define UBLK_F_URING_CMD_COMP_IN_TASK	(1ULL << 1)
#define UBLK_F_NEED_GET_DATA		(1ULL << 2)
#define UBLK_F_USER_RECOVERY		(1ULL << 3)
#define UBLK_F_USER_RECOVERY_REISSUE	(1ULL << 4)
#define UBLK_F_UNPRIVILEGED_DEV		(1ULL << 5)
#define UBLK_F_CMD_IOCTL_ENCODE		(1ULL << 6)
#define UBLK_F_USER_COPY		(1ULL << 7)
#define UBLK_F_ZONED			(1ULL << 8)
#define UBLK_F_USER_RECOVERY_FAIL_IO	(1ULL << 9)
#define UBLK_F_UPDATE_SIZE		(1ULL << 10)
#define UBLK_F_AUTO_BUF_REG		(1ULL << 11)
#define UBLK_F_QUIESCE			(1ULL << 12)
#define UBLK_F_PER_IO_DAEMON		(1ULL << 13)
#define UBLK_F_BUF_REG_OFF_DAEMON	(1ULL << 14)
#define UBLK_F_BATCH_IO			(1ULL << 15)
#define UBLK_F_INTEGRITY		(1ULL << 16)
#define UBLK_F_SAFE_STOP_DEV		(1ULL << 17)
#define UBLK_F_NO_AUTO_PART_SCAN	(1ULL << 18)
#define UBLK_F_SHMEM_ZC			(1ULL << 19)
/* BPF series: requests may be handled by a bound BPF program */
#define UBLK_F_BPF			(1ULL << 48)

/* Device states (dev_info.state). */
#define UBLK_S_DEV_DEAD		0
#define UBLK_S_DEV_LIVE		1
#define UBLK_S_DEV_QUIESCED	2
#define UBLK_S_DEV_FAIL_IO	3

struct ublksrv_ctrl_dev_info {
	uint16_t nr_hw_queues;
	uint16_t queue_depth;
	uint16_t state;
	uint16_t pad0;
	uint32_t max_io_buf_bytes;
	uint32_t dev_id;
	int32_t ublksrv_pid;
	uint32_t pad1;
	uint64_t flags;
	uint64_t ublksrv_flags;	/* opaque to the driver */
	uint32_t owner_uid;
	uint32_t owner_gid;
	uint64_t reserved1;
	uint64_t reserved2;
};

/* IO commands (sent on /dev/ublkcN, normal 64-byte SQE). */
#define UBLK_IO_FETCH_REQ		0x20
#define UBLK_IO_COMMIT_AND_FETCH_REQ	0x21

struct ublksrv_io_cmd {
	uint16_t q_id;
	uint16_t tag;
	int32_t result;		/* COMMIT only */
	uint64_t addr;		/* IO buffer in copy mode, else 0 */
};

#define UBLK_U_IO_FETCH_REQ \
	_IOWR('u', UBLK_IO_FETCH_REQ, struct ublksrv_io_cmd)
#define UBLK_U_IO_COMMIT_AND_FETCH_REQ \
	_IOWR('u', UBLK_IO_COMMIT_AND_FETCH_REQ, struct ublksrv_io_cmd)

/* A FETCH/COMMIT completing with this result means: no re-fetch. */
#define UBLK_IO_RES_OK		0
#define UBLK_IO_RES_ABORT	(-19)	/* -ENODEV */

#define UBLK_MAX_QUEUE_DEPTH	4096
#define UBLK_MAX_NR_QUEUES	4096
#define UBLK_MAX_DEV_ID		((1U << 20) - 1)

/* The per-queue descriptor array is mmapped from the char device. */
#define UBLKSRV_CMD_BUF_OFFSET	0

/* Request ops and flags in ublksrv_io_desc.op_flags. */
#include "ublk_io_ops.h"

struct ublksrv_io_desc {
	uint32_t op_flags;	/* op: bits 0-7, flags: bits 8-31 */
	uint32_t nr_sectors;
	uint64_t start_sector;
	uint64_t addr;
};

static inline unsigned ublk_iod_op(const struct ublksrv_io_desc *iod)
{
	return iod->op_flags & 0xff;
}

static inline unsigned ublk_iod_flags(const struct ublksrv_io_desc *iod)
{
	return iod->op_flags >> 8;
}

/*
 * UBLK_F_AUTO_BUF_REG: the request buffer is registered in the sparse
 * buffer table of the ring the FETCH/COMMIT came from, at the index carried
 * in the uring_cmd SQE's addr field (bits 0-15; flags in bits 16-23).
 */
static inline uint64_t ublk_auto_buf_reg_addr(uint16_t index, uint8_t flags)
{
	return (uint64_t)index | (uint64_t)flags << 16;
}

/* Parameters. */
#define UBLK_ATTR_READ_ONLY		(1U << 0)
#define UBLK_ATTR_ROTATIONAL		(1U << 1)
#define UBLK_ATTR_VOLATILE_CACHE	(1U << 2)
#define UBLK_ATTR_FUA			(1U << 3)

struct ublk_param_basic {
	uint32_t attrs;
	uint8_t logical_bs_shift;
	uint8_t physical_bs_shift;
	uint8_t io_opt_shift;
	uint8_t io_min_shift;
	uint32_t max_sectors;
	uint32_t chunk_sectors;
	uint64_t dev_sectors;
	uint64_t virt_boundary_mask;
};

struct ublk_param_discard {
	uint32_t discard_alignment;
	uint32_t discard_granularity;
	uint32_t max_discard_sectors;
	uint32_t max_write_zeroes_sectors;
	uint16_t max_discard_segments;
	uint16_t reserved0;
};

struct ublk_param_devt {
	uint32_t char_major;
	uint32_t char_minor;
	uint32_t disk_major;
	uint32_t disk_minor;
};

struct ublk_param_zoned {
	uint32_t max_open_zones;
	uint32_t max_active_zones;
	uint32_t max_zone_append_sectors;
	uint8_t reserved[20];
};

struct ublk_param_dma_align {
	uint32_t alignment;
	uint8_t pad[4];
};

struct ublk_param_segment {
	uint64_t seg_boundary_mask;
	uint32_t max_segment_size;
	uint16_t max_segments;
	uint8_t pad[2];
};

struct ublk_param_integrity {
	uint32_t flags;
	uint16_t max_integrity_segments;
	uint8_t interval_exp;
	uint8_t metadata_size;
	uint8_t pi_offset;
	uint8_t csum_type;
	uint8_t tag_size;
	uint8_t pad[5];
};

#define UBLK_PARAM_TYPE_BASIC		(1U << 0)
#define UBLK_PARAM_TYPE_DISCARD		(1U << 1)
#define UBLK_PARAM_TYPE_DEVT		(1U << 2)
#define UBLK_PARAM_TYPE_BPF		(1U << 16)	/* BPF series */

/* BPF series: bind a program at START_DEV (needs UBLK_F_BPF). */
struct ublk_param_bpf {
	uint32_t ops_id;	/* map id of a "ublk_bpf_ops" struct_ops map */
	uint32_t flags;		/* must be zero */
	uint64_t reserved;	/* must be zero */
};

struct ublk_params {
	uint32_t len;		/* sizeof(struct ublk_params) */
	uint32_t types;		/* UBLK_PARAM_TYPE_* present */
	struct ublk_param_basic basic;
	struct ublk_param_discard discard;
	struct ublk_param_devt devt;
	struct ublk_param_zoned zoned;
	struct ublk_param_dma_align dma;
	struct ublk_param_segment seg;
	struct ublk_param_integrity integrity;
	struct ublk_param_bpf bpf;	/* BPF series */
};

_Static_assert(sizeof(struct ublksrv_ctrl_cmd) == 32, "ctrl cmd ABI");
_Static_assert(sizeof(struct ublksrv_ctrl_dev_info) == 64, "dev info ABI");
_Static_assert(sizeof(struct ublksrv_io_cmd) == 16, "io cmd ABI");
_Static_assert(sizeof(struct ublksrv_io_desc) == 24, "io desc ABI");
_Static_assert(sizeof(struct ublk_param_basic) == 32, "basic param ABI");
_Static_assert(sizeof(struct ublk_param_bpf) == 16, "bpf param ABI");

#endif
