// SPDX-License-Identifier: GPL-2.0
/*
 * null: no backing store.  Reads return zeroes, writes succeed.
 * Copy mode zeroes a tag's buffer only after a write dirtied it; zero copy
 * fills the request pages by reading /dev/zero into the registered buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "target.h"

#define NULL_ZERO_FD	0	/* cfg->fds[0] is /dev/zero */

static int null_open(struct dev_config *cfg)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		err_msg("/dev/zero: %s", strerror(errno));
		return -1;
	}
	cfg->fds[NULL_ZERO_FD] = fd;
	cfg->nr_fds = 1;
	if (!cfg->size)
		cfg->size = UBLKCTL_NULL_DEF_SIZE;
	return 0;
}

static void null_set_params(const struct dev_config *cfg,
			    struct ublk_params *p)
{
	p->types |= UBLK_PARAM_TYPE_DISCARD;
	p->discard.discard_granularity = cfg->block_size;
	p->discard.max_discard_sectors = UINT32_MAX >> 9;
	p->discard.max_write_zeroes_sectors = UINT32_MAX >> 9;
	p->discard.max_discard_segments = 1;
}

/* copy mode: bytes of each tag's buffer a write may have dirtied */
static int null_queue_init(struct ublk_queue *q)
{
	if (q->zc)
		return 0;
	q->tgt_priv = calloc(q->depth, sizeof(uint32_t));
	return q->tgt_priv ? 0 : -ENOMEM;
}

static void null_queue_exit(struct ublk_queue *q)
{
	free(q->tgt_priv);
	q->tgt_priv = NULL;
}

static void null_queue_io(struct ublk_queue *q, unsigned tag,
			  const struct ublksrv_io_desc *iod)
{
	uint32_t len = iod->nr_sectors << 9;
	uint32_t *dirty = q->tgt_priv;

	switch (ublk_iod_op(iod)) {
	case UBLK_IO_OP_READ:
		if (q->zc) {
			io_begin(q, tag, (int)len);
			tgt_rw(q, tag, false, NULL_ZERO_FD, 0, len, 0, 0);
			io_queued(q, tag);
			return;
		}
		if (dirty[tag]) {
			memset(io_buf(q, tag), 0, dirty[tag]);
			dirty[tag] = 0;
		}
		queue_complete(q, tag, (int)len);
		return;
	case UBLK_IO_OP_WRITE:
		if (!q->zc && len > dirty[tag])
			dirty[tag] = len;
		queue_complete(q, tag, (int)len);
		return;
	case UBLK_IO_OP_FLUSH:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		queue_complete(q, tag, 0);
		return;
	default:
		queue_complete(q, tag, -EOPNOTSUPP);
	}
}

const struct target_ops target_null = {
	.name = "null",
	.min_files = 0,
	.max_files = 0,
	.opts = TGT_OPT_SIZE,
	.open = null_open,
	.set_params = null_set_params,
	.queue_init = null_queue_init,
	.queue_exit = null_queue_exit,
	.queue_io = null_queue_io,
};
