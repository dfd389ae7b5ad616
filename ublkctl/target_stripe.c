// SPDX-License-Identifier: GPL-2.0
/*
 * stripe: 2..8 files.  Chunk k of the device lives in file k mod n at
 * offset (k div n) * chunk.  Size = n * (smallest file rounded down to the
 * chunk).  IO crossing chunk boundaries is split; flush goes to all files.
 */
#include <errno.h>

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
	/* a member larger than the rest is used only as far as they are */
	for (int i = 0; i < cfg->nr_files; i++) {
		char used[32], has[32];

		if (cfg->file_size[i] / cfg->chunk_size * cfg->chunk_size ==
		    min)
			continue;
		format_size(min, used, sizeof(used));
		format_size(cfg->file_size[i], has, sizeof(has));
		warn_msg("%s: only the first %s of its %s are used (as much "
			 "as the smallest file, %s, has)", cfg->files[i], used,
			 has, cfg->files[smallest]);
	}
	return 0;
}

static unsigned ilog2_u32(uint32_t v)
{
	return 31 - (unsigned)__builtin_clz(v);
}

static void stripe_set_params(const struct dev_config *cfg,
			      struct ublk_params *p)
{
	p->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE | UBLK_ATTR_FUA;
	p->basic.chunk_sectors = cfg->chunk_size >> 9;
	p->basic.io_min_shift = (uint8_t)ilog2_u32(cfg->chunk_size);
	p->basic.io_opt_shift = (uint8_t)ilog2_u32(cfg->chunk_size);
	if (!cfg->read_only)
		target_set_discard(cfg, p, cfg->chunk_size);
}

/* a piece per chunk an IO touches, a flush per file, a zeroing by hole
 * and allocation (two) per piece of a discard (at most two) */
static unsigned stripe_max_subops(const struct dev_config *cfg)
{
	unsigned pieces = cfg->max_io_bytes / cfg->chunk_size + 1;

	if (pieces < (unsigned)cfg->nr_files)
		pieces = (unsigned)cfg->nr_files;
	return pieces < 4 ? 4 : pieces;
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
	bool nounmap = iod->op_flags & UBLK_IO_F_NOUNMAP;

	switch (op) {
	case UBLK_IO_OP_FLUSH:
		io_begin(q, tag, 0);
		for (unsigned f = 0; f < n; f++)
			tgt_fsync(q, tag, f);
		io_queued(q, tag);
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
			       foff, ublk_rw_flags(iod));
		else if (op == UBLK_IO_OP_DISCARD)
			tgt_discard(q, tag, file, foff, piece);
		else
			tgt_write_zeroes(q, tag, file, foff, piece, nounmap);
		off += piece;
		done += piece;
	}
	io_queued(q, tag);
}

const struct target_ops target_stripe = {
	.name = "stripe",
	.min_files = 2,
	.max_files = 8,
	.opts = TGT_OPT_CHUNK,
	.open = stripe_open,
	.set_params = stripe_set_params,
	.max_subops = stripe_max_subops,
	.queue_io = stripe_queue_io,
};
