// SPDX-License-Identifier: GPL-2.0
/*
 * The IO path.  Each queue thread owns one io_uring: it arms a FETCH for
 * every tag, and for each request the driver hands over it runs the
 * target's queue_io, then commits the result with COMMIT_AND_FETCH, which
 * also arms the tag for the next request.  All CQEs of one wakeup are
 * handled before the next submit, so submissions are batched.  Nothing on
 * this path takes a lock or allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "queue.h"
#include "target.h"

/* the block layer's io_uring discard command (linux/blkdev.h, 6.12) */
#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD	_IO(0x12, 0)
#endif

/* An -EAGAIN is tried again this often before the request fails. */
#define MAX_EAGAIN_RETRIES	1000
/* Submit attempts before queue_sqe gives up on a full SQ. */
#define SQ_FULL_TRIES		8

/* The test hook fails a queue at a read of this sector, one that no
 * partition scan asks for (it reads the first and the last sectors). */
#define TEST_FAIL_SECTOR	2048

void (*queue_all_done)(void);
void (*queue_failed)(void);
static atomic_uint queues_live;

static inline struct ublksrv_io_cmd *sqe_io_cmd(struct io_uring_sqe *sqe)
{
	/* the 16 command bytes of a 64-byte SQE start at offset 48 */
	return (struct ublksrv_io_cmd *)((char *)sqe + 48);
}

static void prep_io_cmd(struct ublk_queue *q, struct io_uring_sqe *sqe,
			unsigned tag, uint32_t op, int result)
{
	struct ublksrv_io_cmd *cmd;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->cmd_op = op;
	sqe->flags = IOSQE_FIXED_FILE;
	/* zero copy: where the driver registers the request buffer */
	sqe->addr = q->zc ? ublk_auto_buf_reg_addr((uint16_t)tag, 0) : 0;
	sqe->user_data = ud_make(tag, UD_CMD, 0);
	cmd = sqe_io_cmd(sqe);
	cmd->q_id = (uint16_t)q->q_id;
	cmd->tag = (uint16_t)tag;
	cmd->result = result;
	cmd->addr = q->zc ? 0 : (uint64_t)(uintptr_t)io_buf(q, tag);
}

/* The test hook: the ring holds only test_sq_limit SQEs, and the kernel
 * takes none of them until the loop's next wait. */
static bool test_sq_full(struct ublk_queue *q)
{
	return q->test_sq_limit &&
	       io_uring_sq_ready(&q->ring) >= q->test_sq_limit;
}

struct io_uring_sqe *queue_sqe(struct ublk_queue *q)
{
	struct io_uring_sqe *sqe = test_sq_full(q) ? NULL :
				   io_uring_get_sqe(&q->ring);

	for (int i = 0; !sqe && i < SQ_FULL_TRIES; i++) {
		if (q->test_sq_limit || io_uring_submit(&q->ring) < 0)
			continue;
		sqe = io_uring_get_sqe(&q->ring);
	}
	return sqe;
}

void queue_complete(struct ublk_queue *q, unsigned tag, int res)
{
	struct io_uring_sqe *sqe = q->nr_backlog ? NULL : queue_sqe(q);

	if (!sqe) {
		/* a commit must not be lost (the tag would never be served
		 * again): send it after the next reap of the CQ */
		q->backlog[q->nr_backlog].tag = tag;
		q->backlog[q->nr_backlog].res = res;
		q->nr_backlog++;
		return;
	}
	prep_io_cmd(q, sqe, tag, UBLK_U_IO_COMMIT_AND_FETCH_REQ, res);
}

/* Send the commits that found the SQ full, as far as there is room. */
static void flush_backlog(struct ublk_queue *q)
{
	unsigned i = 0;
	struct io_uring_sqe *sqe;

	while (i < q->nr_backlog && (sqe = io_uring_get_sqe(&q->ring))) {
		prep_io_cmd(q, sqe, q->backlog[i].tag,
			    UBLK_U_IO_COMMIT_AND_FETCH_REQ, q->backlog[i].res);
		i++;
	}
	memmove(q->backlog, q->backlog + i,
		(q->nr_backlog - i) * sizeof(q->backlog[0]));
	q->nr_backlog -= i;
}

static void io_fail(struct io_slot *io, int err)
{
	if (io->result >= 0)
		io->result = err;
}

static struct sub_op *sub_at(struct ublk_queue *q, unsigned tag, unsigned i)
{
	return &q->subs[(size_t)tag * q->max_subs + i];
}

/* A new sub-op record for tag, or NULL (the request then fails). */
static struct sub_op *sub_new(struct ublk_queue *q, unsigned tag,
			      unsigned *idx)
{
	struct io_slot *io = &q->ios[tag];

	if (io->nr_subs >= q->max_subs) {
		io_fail(io, -EIO);
		return NULL;
	}
	*idx = io->nr_subs++;
	return memset(sub_at(q, tag, *idx), 0, sizeof(struct sub_op));
}

/* Queue the SQE for a sub-op record; sqe_flags: IOSQE_IO_LINK to chain. */
static void sub_submit(struct ublk_queue *q, unsigned tag, unsigned idx,
		       unsigned sqe_flags)
{
	const struct sub_op *s = sub_at(q, tag, idx);
	struct io_uring_sqe *sqe = queue_sqe(q);
	bool write = s->kind == SUB_WRITE;
	uint32_t len = s->len;

	if (!sqe) {
		/* the ring takes nothing: fail this part, not the queue */
		io_fail(&q->ios[tag], -EIO);
		return;
	}
	/* the test hook: reads and writes come back short */
	if (q->test_short_io && len > q->test_short_io)
		len = q->test_short_io;
	switch (s->kind) {
	case SUB_READ:
	case SUB_WRITE:
		if (q->zc) {
			io_uring_prep_rw(write ? IORING_OP_WRITE_FIXED :
					 IORING_OP_READ_FIXED, sqe, 0,
					 (void *)(uintptr_t)s->buf_off, len,
					 s->off);
			sqe->buf_index = (uint16_t)tag;
		} else {
			io_uring_prep_rw(write ? IORING_OP_WRITE :
					 IORING_OP_READ, sqe, 0,
					 io_buf(q, tag) + s->buf_off, len,
					 s->off);
		}
		sqe->rw_flags = s->arg;
		break;
	case SUB_FSYNC:
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
		break;
	case SUB_FALLOC:
		io_uring_prep_fallocate(sqe, 0, s->arg, s->off, s->len);
		break;
	case SUB_DISCARD:
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
		sqe->cmd_op = BLOCK_URING_CMD_DISCARD;
		sqe->addr = s->off;
		sqe->addr3 = s->len;
		break;
	}
	sqe->fd = (int)s->file + 1;
	sqe->flags |= IOSQE_FIXED_FILE | sqe_flags;
	sqe->user_data = ud_make(tag, UD_TGT, idx);
	q->ios[tag].pending++;
	q->tgt_inflight++;
}

static void sub_add(struct ublk_queue *q, unsigned tag, unsigned kind,
		    unsigned file, uint32_t buf_off, uint32_t len,
		    uint64_t off, int arg)
{
	unsigned idx;
	struct sub_op *s = sub_new(q, tag, &idx);

	if (!s)
		return;
	s->kind = (uint8_t)kind;
	s->file = (uint8_t)file;
	s->buf_off = buf_off;
	s->len = len;
	s->off = off;
	s->arg = arg;
	sub_submit(q, tag, idx, 0);
}

void tgt_rw(struct ublk_queue *q, unsigned tag, bool write, unsigned file,
	    uint32_t buf_off, uint32_t len, uint64_t file_off, int rw_flags)
{
	sub_add(q, tag, write ? SUB_WRITE : SUB_READ, file, buf_off, len,
		file_off, rw_flags);
}

void tgt_fsync(struct ublk_queue *q, unsigned tag, unsigned file)
{
	sub_add(q, tag, SUB_FSYNC, file, 0, 0, 0, 0);
}

void tgt_discard(struct ublk_queue *q, unsigned tag, unsigned file,
		 uint64_t off, uint32_t len)
{
	if (q->cfg->file_blkdev[file])
		sub_add(q, tag, SUB_DISCARD, file, 0, len, off, 0);
	else
		sub_add(q, tag, SUB_FALLOC, file, 0, len, off,
			FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
}

/*
 * A zeroed, allocated range without FALLOC_FL_ZERO_RANGE (tmpfs): a hole,
 * then the space allocated again, in this order.  The hole goes in record
 * punch (the failed zero-range's, or a new one).
 */
static void zero_by_punch_and_alloc(struct ublk_queue *q, unsigned tag,
				    struct sub_op *p, unsigned punch)
{
	unsigned alloc;
	struct sub_op *a = sub_new(q, tag, &alloc);

	if (!a)
		return;
	p->kind = SUB_FALLOC;
	p->arg = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	p->retries = 0;
	*a = *p;
	a->arg = FALLOC_FL_KEEP_SIZE;
	sub_submit(q, tag, punch, IOSQE_IO_LINK);
	sub_submit(q, tag, alloc, 0);
}

void tgt_write_zeroes(struct ublk_queue *q, unsigned tag, unsigned file,
		      uint64_t off, uint32_t len, bool nounmap)
{
	int zero = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (q->cfg->file_blkdev[file])
		sub_add(q, tag, SUB_FALLOC, file, 0, len, off, zero);
	else if (!nounmap)
		sub_add(q, tag, SUB_FALLOC, file, 0, len, off,
			FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
	else if (q->no_zero_range[file]) {
		unsigned idx;
		struct sub_op *p = sub_new(q, tag, &idx);

		if (p) {
			p->file = (uint8_t)file;
			p->off = off;
			p->len = len;
			zero_by_punch_and_alloc(q, tag, p, idx);
		}
	} else
		sub_add(q, tag, SUB_FALLOC, file, 0, len, off, zero);
}

static size_t iods_size(unsigned depth)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = depth * sizeof(struct ublksrv_io_desc);

	return (sz + pg - 1) / pg * pg;
}

static unsigned pow2_at_least(unsigned v)
{
	unsigned p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int ring_init(struct ublk_queue *q)
{
	struct io_uring_params p;
	unsigned entries = pow2_at_least(2 * q->depth + 8);
	int ret;

	if (entries > 16384)
		entries = 16384;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * entries;
	ret = io_uring_queue_init_params(entries, &q->ring, &p);
	if (ret == -EINVAL) {
		/* older kernels: no SINGLE_ISSUER / DEFER_TASKRUN */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = 2 * entries;
		ret = io_uring_queue_init_params(entries, &q->ring, &p);
	}
	return ret;
}

static void free_slots(struct ublk_queue *q)
{
	free(q->ios);
	free(q->subs);
	free(q->backlog);
	q->ios = NULL;
	q->subs = NULL;
	q->backlog = NULL;
}

static int queue_setup(struct ublk_queue *q)
{
	struct dev_config *cfg = q->cfg;
	int files[1 + UBLKCTL_MAX_FDS];
	size_t max_cmd_buf = iods_size(UBLK_MAX_QUEUE_DEPTH);
	struct io_uring_sqe *sqe;
	void *p;
	int ret;

	ret = ring_init(q);
	if (ret < 0) {
		err_msg("queue %u: io_uring setup: %s", q->q_id, strerror(-ret));
		return ret;
	}
	files[0] = q->cdev_fd;
	for (int i = 0; i < cfg->nr_fds; i++)
		files[1 + i] = cfg->fds[i];
	ret = io_uring_register_files(&q->ring, files, 1 + cfg->nr_fds);
	if (ret < 0) {
		err_msg("queue %u: register files: %s", q->q_id,
			strerror(-ret));
		goto fail_ring;
	}
	if (q->zc) {
		ret = io_uring_register_buffers_sparse(&q->ring, q->depth);
		if (ret < 0) {
			err_msg("queue %u: register buffer table: %s", q->q_id,
				strerror(-ret));
			goto fail_ring;
		}
	}
	io_uring_register_ring_fd(&q->ring);	/* optional speedup */

	q->iods_len = iods_size(q->depth);
	p = mmap(NULL, q->iods_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
		 q->cdev_fd, UBLKSRV_CMD_BUF_OFFSET + q->q_id * max_cmd_buf);
	if (p == MAP_FAILED) {
		ret = -errno;
		err_msg("queue %u: mmap descriptors: %s", q->q_id,
			strerror(errno));
		goto fail_ring;
	}
	q->iods = p;

	if (!q->zc) {
		q->buf_size = cfg->max_io_bytes;
		p = mmap(NULL, (size_t)q->depth * q->buf_size,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			err_msg("queue %u: buffers: %s", q->q_id,
				strerror(errno));
			goto fail_iods;
		}
		q->bufs = p;
	}
	q->max_subs = cfg->tgt->max_subops ? cfg->tgt->max_subops(cfg) : 2;
	q->ios = calloc(q->depth, sizeof(*q->ios));
	q->subs = calloc((size_t)q->depth * q->max_subs, sizeof(*q->subs));
	q->backlog = calloc(q->depth, sizeof(*q->backlog));
	if (!q->ios || !q->subs || !q->backlog) {
		ret = -ENOMEM;
		err_msg("queue %u: %s", q->q_id, strerror(ENOMEM));
		goto fail_bufs;
	}
	if (cfg->tgt->queue_init) {
		ret = cfg->tgt->queue_init(q);
		if (ret) {
			err_msg("queue %u: %s setup: %s", q->q_id,
				cfg->tgt->name, strerror(-ret));
			goto fail_ios;
		}
	}

	/* wake-up for an abandoning server: poll the stop eventfd */
	sqe = queue_sqe(q);
	if (!sqe)
		goto fail_sq;
	io_uring_prep_poll_add(sqe, q->stop_fd, POLLIN);
	sqe->user_data = ud_make(0, UD_STOP, 0);

	for (unsigned tag = 0; tag < q->depth; tag++) {
		sqe = queue_sqe(q);
		if (!sqe)
			goto fail_sq;
		prep_io_cmd(q, sqe, tag, UBLK_U_IO_FETCH_REQ, 0);
	}
	q->cmd_inflight = q->depth;
	ret = io_uring_submit(&q->ring);
	if (ret < 0) {
		err_msg("queue %u: submit FETCH: %s", q->q_id, strerror(-ret));
		goto fail_tgt;
	}
	return 0;

fail_sq:
	ret = -EBUSY;
	err_msg("queue %u: submit FETCH: %s", q->q_id, strerror(-ret));
fail_tgt:
	if (cfg->tgt->queue_exit)
		cfg->tgt->queue_exit(q);
fail_ios:
	free_slots(q);
fail_bufs:
	if (q->bufs)
		munmap(q->bufs, (size_t)q->depth * q->buf_size);
	q->bufs = NULL;
fail_iods:
	munmap((void *)q->iods, q->iods_len);
	q->iods = NULL;
fail_ring:
	io_uring_queue_exit(&q->ring);
	return ret;
}

static void queue_teardown(struct ublk_queue *q)
{
	if (q->cfg->tgt->queue_exit)
		q->cfg->tgt->queue_exit(q);
	io_uring_queue_exit(&q->ring);
	free_slots(q);
	if (q->bufs)
		munmap(q->bufs, (size_t)q->depth * q->buf_size);
	q->bufs = NULL;
	munmap((void *)q->iods, q->iods_len);
	q->iods = NULL;
}

static void handle_cmd(struct ublk_queue *q, unsigned tag, int res)
{
	if (res == UBLK_IO_RES_OK) {
		q->cfg->tgt->queue_io(q, tag, &q->iods[tag]);
		return;
	}
	/* the driver keeps no command for this tag any more */
	q->ios[tag].dead = true;
	q->cmd_inflight--;
	if (res != UBLK_IO_RES_ABORT)
		err_msg("queue %u tag %u: io command failed: %s", q->q_id, tag,
			strerror(-res));
}

/*
 * A sub-op completed.  A short read or write goes on with the rest; a read
 * that finds the end of the backing file (truncated under the device)
 * fails, as the kernel's loop does; -EAGAIN is tried again; a file
 * without FALLOC_FL_ZERO_RANGE zeroes by hole and allocation instead.
 */
static void handle_tgt(struct ublk_queue *q, unsigned tag, unsigned idx,
		       int res)
{
	struct io_slot *io = &q->ios[tag];
	struct sub_op *s = sub_at(q, tag, idx);

	q->tgt_inflight--;
	io->pending--;
	if (res == -EAGAIN && s->retries < MAX_EAGAIN_RETRIES &&
	    io->result >= 0) {
		s->retries++;
		sub_submit(q, tag, idx, 0);
	} else if (res < 0) {
		if (s->kind == SUB_FALLOC && res == -EOPNOTSUPP &&
		    (s->arg & FALLOC_FL_ZERO_RANGE) &&
		    !q->cfg->file_blkdev[s->file] && io->result >= 0) {
			q->no_zero_range[s->file] = true;
			zero_by_punch_and_alloc(q, tag, s, idx);
		} else {
			io_fail(io, res);
		}
	} else if ((s->kind == SUB_READ || s->kind == SUB_WRITE) &&
		   (uint32_t)res < s->len) {
		if (res == 0 || io->result < 0) {
			/* no progress: the end of the file, or a write the
			 * file takes nothing of */
			io_fail(io, -EIO);
		} else {
			s->off += (uint32_t)res;
			s->buf_off += (uint32_t)res;
			s->len -= (uint32_t)res;
			s->retries = 0;
			sub_submit(q, tag, idx, 0);
		}
	}
	if (!io->pending)
		queue_complete(q, tag, io->result);
}

/* Serve until the device goes away; false if the ring failed. */
static bool queue_loop(struct ublk_queue *q)
{
	bool abandon = false, failed = false;

	while (!abandon && (q->cmd_inflight || q->tgt_inflight)) {
		struct io_uring_cqe *cqe;
		int ret;

		flush_backlog(q);
		ret = io_uring_submit_and_wait(&q->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			err_msg("queue %u: io_uring_enter: %s", q->q_id,
				strerror(-ret));
			failed = true;
			break;
		}
		/* each CQE is consumed before it is handled, so that what the
		 * handling submits finds room in the CQ */
		while (!abandon && !io_uring_peek_cqe(&q->ring, &cqe)) {
			uint64_t ud = cqe->user_data;
			unsigned tag = ud & 0xffff;
			int res = cqe->res;

			io_uring_cqe_seen(&q->ring, cqe);
			switch ((ud >> 16) & 0xff) {
			case UD_CMD:
				if (q->test_fail && res == UBLK_IO_RES_OK &&
				    q->iods[tag].start_sector == TEST_FAIL_SECTOR) {
					err_msg("queue %u: failing (test hook)",
						q->q_id);
					failed = abandon = true;
					break;
				}
				handle_cmd(q, tag, res);
				break;
			case UD_TGT:
				handle_tgt(q, tag, (unsigned)(ud >> 32) & 0xffff,
					   res);
				break;
			case UD_STOP:
				abandon = true;
				break;
			}
		}
	}
	/* push out the last commits before the ring goes away */
	if (!abandon) {
		flush_backlog(q);
		io_uring_submit(&q->ring);
	}
	return !failed;
}

/* Setup handshake with the server thread (not on the IO path). */
static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t setup_cond = PTHREAD_COND_INITIALIZER;
static unsigned setup_reported;

static void report_setup(void)
{
	pthread_mutex_lock(&setup_lock);
	setup_reported++;
	pthread_cond_broadcast(&setup_cond);
	pthread_mutex_unlock(&setup_lock);
}

void queues_wait_setup(unsigned n)
{
	pthread_mutex_lock(&setup_lock);
	while (setup_reported < n)
		pthread_cond_wait(&setup_cond, &setup_lock);
	pthread_mutex_unlock(&setup_lock);
}

void *queue_thread(void *arg)
{
	struct ublk_queue *q = arg;
	char name[16];

	snprintf(name, sizeof(name), "ublk%d-q%u", q->cfg->dev_id, q->q_id);
	pthread_setname_np(pthread_self(), name);
	if (q->have_cpus && CPU_COUNT(&q->cpus))
		pthread_setaffinity_np(pthread_self(), sizeof(q->cpus),
				       &q->cpus);

	q->test_fail = getenv("UBLKCTL_TEST_FAIL_QUEUE") &&
		       atoi(getenv("UBLKCTL_TEST_FAIL_QUEUE")) == (int)q->q_id;
	q->setup_err = queue_setup(q);
	if (!q->setup_err)
		atomic_fetch_add(&queues_live, 1);
	report_setup();
	if (q->setup_err)
		return NULL;
	/* after the setup, which needs an SQE per tag */
	q->test_sq_limit = getenv("UBLKCTL_TEST_SQ_LIMIT") ?
			   (unsigned)atoi(getenv("UBLKCTL_TEST_SQ_LIMIT")) : 0;
	q->test_short_io = getenv("UBLKCTL_TEST_SHORT_IO") ?
			   (uint32_t)atoi(getenv("UBLKCTL_TEST_SHORT_IO")) : 0;

	if (!queue_loop(q) && queue_failed)
		queue_failed();		/* the others must not serve on alone */
	queue_teardown(q);
	if (atomic_fetch_sub(&queues_live, 1) == 1 && queue_all_done)
		queue_all_done();
	return NULL;
}
