// SPDX-License-Identifier: GPL-2.0
/*
 * qcow2: a QEMU disk image (qcow2.c has the format).  The virtual disk is
 * the device; fixed file 0 is the image, the rest its backing chain.
 *
 * Two paths.  Reads and in-place writes of clusters the image owns go to
 * the image file asynchronously at their host offsets, split at cluster
 * boundaries (merged where the host clusters are contiguous).  Everything
 * else (unallocated, zero, compressed or shared clusters, discard) runs
 * synchronously under the device's one lock, so that metadata updates
 * from different queues never interleave.  The lock is also taken, only
 * for the mapping, on the fast path: the mapping of a cluster may change
 * under the slow path of another queue.  The slow path reads and merges
 * request data in userspace, so the target needs copy mode.
 */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2.h"
#include "queue.h"
#include "target.h"

/* One device per server process: the image is the process's. */
static struct qcow2 *image;
static pthread_mutex_t image_lock = PTHREAD_MUTEX_INITIALIZER;

static int qcow2_tgt_open(struct dev_config *cfg)
{
	char why[2048];
	int nfds = 0;
	char *abs;

	if (cfg->zero_copy == ZC_ON) {
		err_msg("--zero-copy=on: the qcow2 target needs copy mode (it "
			"merges request data in userspace)");
		return -1;
	}
	cfg->zero_copy = ZC_OFF;
	image = qcow2_open(cfg->files[0], cfg->read_only,
			   cfg->cache_size ? cfg->cache_size : QCOW2_DEF_CACHE,
			   cfg->fds, UBLKCTL_MAX_FDS, &nfds, why, sizeof(why));
	if (!image) {
		for (int i = 0; i < UBLKCTL_MAX_FDS; i++)
			cfg->fds[i] = -1;
		err_msg("%s", why);
		return -1;
	}
	cfg->nr_fds = nfds;
	abs = realpath(cfg->files[0], NULL);
	if (abs) {
		free(cfg->files[0]);
		cfg->files[0] = abs;
	}
	cfg->size = qcow2_size(image) / cfg->block_size * cfg->block_size;
	if (!cfg->size) {
		err_msg("%s: virtual size is smaller than the block size (%u "
			"bytes)", cfg->files[0], cfg->block_size);
		target_close(cfg);
		return -1;
	}
	return 0;
}

static void qcow2_tgt_set_params(const struct dev_config *cfg,
				 struct ublk_params *p)
{
	uint32_t cs = qcow2_cluster_size(image);

	p->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE;
	if (cs >= cfg->block_size && cs <= (1U << 16)) {
		/* whole clusters are what is cheap to write */
		p->basic.io_opt_shift = (uint8_t)(31 - __builtin_clz(cs));
	}
	if (cfg->read_only)
		return;
	p->types |= UBLK_PARAM_TYPE_DISCARD;
	p->discard.discard_granularity = cs > cfg->block_size ? cs :
					 cfg->block_size;
	p->discard.max_discard_sectors = (64U << 20) >> 9;
	p->discard.max_write_zeroes_sectors = (64U << 20) >> 9;
	p->discard.max_discard_segments = 1;
}

/*
 * The most target IOs (host-cluster runs) one request goes out as on the
 * fast path; a request more fragmented than that takes the slow path.
 */
#define QCOW2_MAX_RUNS	32

/* a range of the request that is contiguous in the image file */
struct run {
	uint64_t host;
	uint32_t off;		/* in the request's data */
	uint32_t len;
};

static unsigned qcow2_tgt_max_subops(const struct dev_config *cfg)
{
	(void)cfg;
	return QCOW2_MAX_RUNS;
}

/*
 * Issue the request on the fast path if every cluster of it allows that
 * and it makes at most max_subs runs: true with the sub-ops queued, false
 * if nothing was queued (*err: 0, or -errno of a metadata error).  Under
 * the lock.
 */
static bool fast_rw(struct ublk_queue *q, unsigned tag, bool write,
		    uint64_t off, uint32_t len, int *err)
{
	uint32_t cs = qcow2_cluster_size(image), done;
	unsigned max = q->max_subs < QCOW2_MAX_RUNS ? q->max_subs :
		       QCOW2_MAX_RUNS, n = 0;
	struct run runs[QCOW2_MAX_RUNS];
	uint64_t host;
	int r;

	for (done = 0; done < len;) {
		uint32_t piece = cs - (uint32_t)((off + done) & (cs - 1));

		if (piece > len - done)
			piece = len - done;
		r = qcow2_map(image, off + done, write, &host);
		if (r <= 0) {
			*err = r;
			return false;
		}
		if (n && runs[n - 1].host + runs[n - 1].len == host) {
			runs[n - 1].len += piece;
		} else if (n == max) {
			*err = 0;	/* too fragmented: the slow path */
			return false;
		} else {
			runs[n++] = (struct run){ host, done, piece };
		}
		done += piece;
	}
	io_begin(q, tag, (int)len);
	for (unsigned i = 0; i < n; i++)
		tgt_rw(q, tag, write, 0, runs[i].off, runs[i].len,
		       runs[i].host, 0);
	io_queued(q, tag);
	return true;
}

static void qcow2_tgt_queue_io(struct ublk_queue *q, unsigned tag,
			       const struct ublksrv_io_desc *iod)
{
	uint64_t off = iod->start_sector << 9;
	uint32_t len = iod->nr_sectors << 9;
	unsigned op = ublk_iod_op(iod);
	int ret = 0;

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		pthread_mutex_lock(&image_lock);
		if (fast_rw(q, tag, op == UBLK_IO_OP_WRITE, off, len, &ret)) {
			pthread_mutex_unlock(&image_lock);
			return;
		}
		if (!ret)
			ret = op == UBLK_IO_OP_WRITE ?
			      qcow2_write(image, io_buf(q, tag), off, len) :
			      qcow2_read(image, io_buf(q, tag), off, len);
		pthread_mutex_unlock(&image_lock);
		queue_complete(q, tag, ret ? ret : (int)len);
		return;
	case UBLK_IO_OP_FLUSH:
		io_begin(q, tag, 0);
		tgt_fsync(q, tag, 0);
		io_queued(q, tag);
		return;
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		pthread_mutex_lock(&image_lock);
		ret = qcow2_zero(image, off, len, op == UBLK_IO_OP_DISCARD);
		pthread_mutex_unlock(&image_lock);
		queue_complete(q, tag, ret);
		return;
	default:
		queue_complete(q, tag, -EOPNOTSUPP);
	}
}

static void qcow2_tgt_describe(const struct dev_config *cfg,
			       struct json_object *o)
{
	struct json_object *chain = json_object_new_array();
	const char *name;

	(void)cfg;
	for (int i = 0; (name = qcow2_backing_name(image, i)); i++)
		json_object_array_add(chain, json_object_new_string(name));
	json_object_object_add(o, "backing", chain);
	json_object_object_add(o, "cluster_size",
			       json_object_new_int64(qcow2_cluster_size(image)));
}

const struct target_ops target_qcow2 = {
	.name = "qcow2",
	.min_files = 1,
	.max_files = 1,
	.opts = TGT_OPT_CACHE,
	.open = qcow2_tgt_open,
	.set_params = qcow2_tgt_set_params,
	.max_subops = qcow2_tgt_max_subops,
	.queue_io = qcow2_tgt_queue_io,
	.describe = qcow2_tgt_describe,
};
