// SPDX-License-Identifier: GPL-2.0
/*
 * loop: one file or block device.  Size = file size rounded down to the
 * block size; flush -> fdatasync; FUA -> RWF_DSYNC; discard and
 * write-zeroes as the backing offers them (tgt_discard, tgt_write_zeroes).
 */
#include <errno.h>

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
	p->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE | UBLK_ATTR_FUA;
	if (!cfg->read_only)
		target_set_discard(cfg, p, 0);
}

static void loop_queue_io(struct ublk_queue *q, unsigned tag,
			  const struct ublksrv_io_desc *iod)
{
	uint64_t off = iod->start_sector << 9;
	uint32_t len = iod->nr_sectors << 9;
	unsigned op = ublk_iod_op(iod);

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		io_begin(q, tag, (int)len);
		tgt_rw(q, tag, op == UBLK_IO_OP_WRITE, 0, 0, len, off,
		       ublk_rw_flags(iod));
		break;
	case UBLK_IO_OP_FLUSH:
		io_begin(q, tag, 0);
		tgt_fsync(q, tag, 0);
		break;
	case UBLK_IO_OP_DISCARD:
		io_begin(q, tag, 0);
		tgt_discard(q, tag, 0, off, len);
		break;
	case UBLK_IO_OP_WRITE_ZEROES:
		io_begin(q, tag, 0);
		tgt_write_zeroes(q, tag, 0, off, len,
				 iod->op_flags & UBLK_IO_F_NOUNMAP);
		break;
	default:
		queue_complete(q, tag, -EOPNOTSUPP);
		return;
	}
	io_queued(q, tag);
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
