// SPDX-License-Identifier: GPL-2.0
/*
 * loop: one file or block device.  Size = file size rounded down to the
 * block size; flush -> fdatasync; discard and write-zeroes -> fallocate.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>

#include "queue.h"
#include "target.h"

static int loop_open(struct dev_config *cfg)
{
	uint64_t size;

	if (target_open_file(cfg, 0, &size))
		return -1;
	cfg->size = size / cfg->block_size * cfg->block_size;
	if (!cfg->size) {
		err_msg("%s: file is smaller than the block size (%u bytes)",
			cfg->files[0], cfg->block_size);
		target_close(cfg);
		return -1;
	}
	return 0;
}

static void loop_set_params(const struct dev_config *cfg,
			    struct ublk_params *p)
{
	p->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE;
	if (cfg->read_only)
		return;
	p->types |= UBLK_PARAM_TYPE_DISCARD;
	p->discard.discard_granularity = cfg->block_size;
	p->discard.max_discard_sectors = UINT32_MAX >> 9;
	p->discard.max_write_zeroes_sectors = UINT32_MAX >> 9;
	p->discard.max_discard_segments = 1;
}

static void loop_queue_io(struct ublk_queue *q, unsigned tag,
			  const struct ublksrv_io_desc *iod)
{
	uint64_t off = iod->start_sector << 9;
	uint32_t len = iod->nr_sectors << 9;
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	switch (ublk_iod_op(iod)) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		io_begin(q, tag, (int)len);
		tgt_rw(q, tag, ublk_iod_op(iod) == UBLK_IO_OP_WRITE, 0, 0, len,
		       off);
		return;
	case UBLK_IO_OP_FLUSH:
		io_begin(q, tag, 0);
		tgt_fsync(q, tag, 0);
		return;
	case UBLK_IO_OP_WRITE_ZEROES:
		/*
		 * Block devices can zero without unmapping; a file hole
		 * reads back as zeroes too (tmpfs has no ZERO_RANGE).
		 */
		if ((iod->op_flags & UBLK_IO_F_NOUNMAP) &&
		    q->cfg->file_blkdev[0])
			mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		/* fall through */
	case UBLK_IO_OP_DISCARD:
		io_begin(q, tag, 0);
		tgt_fallocate(q, tag, 0, mode, off, len);
		return;
	default:
		queue_complete(q, tag, -EOPNOTSUPP);
	}
}

const struct target_ops target_loop = {
	.name = "loop",
	.min_files = 1,
	.max_files = 1,
	.opts = 0,
	.open = loop_open,
	.set_params = loop_set_params,
	.queue_io = loop_queue_io,
};
