// SPDX-License-Identifier: GPL-2.0
/*
 * stripe: 2..8 files.  Chunk k of the device lives in file k mod n at
 * offset (k div n) * chunk.  Size = n * (smallest file rounded down to the
 * chunk).  IO crossing chunk boundaries is split; flush goes to all files.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include "queue.h"
#include "target.h"

static int stripe_open(struct dev_config *cfg)
{
	uint64_t size, min = UINT64_MAX;
	int smallest = 0;

	for (int i = 0; i < cfg->nr_files; i++) {
		if (target_open_file(cfg, i, &size)) {
			target_close(cfg);
			return -1;
		}
		if (size < min) {
			min = size;
			smallest = i;
		}
	}
	min = min / cfg->chunk_size * cfg->chunk_size;
	if (!min) {
		err_msg("%s: file is smaller than the chunk size (%u bytes)",
			cfg->files[smallest], cfg->chunk_size);
		target_close(cfg);
		return -1;
	}
	cfg->size = min * (uint64_t)cfg->nr_files;
	return 0;
}

static unsigned ilog2_u32(uint32_t v)
{
	return 31 - (unsigned)__builtin_clz(v);
}

static void stripe_set_params(const struct dev_config *cfg,
			      struct ublk_params *p)
{
	p->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE;
	p->basic.chunk_sectors = cfg->chunk_size >> 9;
	p->basic.io_min_shift = (uint8_t)ilog2_u32(cfg->chunk_size);
	p->basic.io_opt_shift = (uint8_t)ilog2_u32(cfg->chunk_size);
	if (cfg->read_only)
		return;
	p->types |= UBLK_PARAM_TYPE_DISCARD;
	p->discard.discard_granularity = cfg->block_size;
	p->discard.max_discard_sectors = cfg->chunk_size >> 9;
	p->discard.max_write_zeroes_sectors = cfg->chunk_size >> 9;
	p->discard.max_discard_segments = 1;
}

static void stripe_queue_io(struct ublk_queue *q, unsigned tag,
			    const struct ublksrv_io_desc *iod)
{
	const struct dev_config *cfg = q->cfg;
	unsigned n = (unsigned)cfg->nr_files;
	unsigned shift = ilog2_u32(cfg->chunk_size);
	uint64_t mask = cfg->chunk_size - 1;
	uint64_t off = iod->start_sector << 9;
	uint32_t len = iod->nr_sectors << 9, done = 0;
	unsigned op = ublk_iod_op(iod);
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	switch (op) {
	case UBLK_IO_OP_FLUSH:
		io_begin(q, tag, 0);
		for (unsigned f = 0; f < n; f++)
			tgt_fsync(q, tag, f);
		return;
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		io_begin(q, tag, (int)len);
		break;
	case UBLK_IO_OP_WRITE_ZEROES:
	case UBLK_IO_OP_DISCARD:
		io_begin(q, tag, 0);
		break;
	default:
		queue_complete(q, tag, -EOPNOTSUPP);
		return;
	}

	while (done < len) {
		uint64_t k = off >> shift, within = off & mask;
		uint32_t piece = (uint32_t)(cfg->chunk_size - within);
		unsigned file = (unsigned)(k % n);
		uint64_t foff = ((k / n) << shift) | within;

		if (piece > len - done)
			piece = len - done;
		if (op == UBLK_IO_OP_READ || op == UBLK_IO_OP_WRITE)
			tgt_rw(q, tag, op == UBLK_IO_OP_WRITE, file, done, piece,
			       foff);
		else
			tgt_fallocate(q, tag, file, mode, foff, piece);
		off += piece;
		done += piece;
	}
	if (!q->ios[tag].pending)
		queue_complete(q, tag, q->ios[tag].result);
}

const struct target_ops target_stripe = {
	.name = "stripe",
	.min_files = 2,
	.max_files = 8,
	.opts = TGT_OPT_CHUNK,
	.open = stripe_open,
	.set_params = stripe_set_params,
	.queue_io = stripe_queue_io,
};
