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
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "queue.h"
#include "target.h"

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

static void prep_io_cmd(struct ublk_queue *q, unsigned tag, uint32_t op,
			int result)
{
	struct io_uring_sqe *sqe = queue_sqe(q);
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

void queue_complete(struct ublk_queue *q, unsigned tag, int res)
{
	prep_io_cmd(q, tag, UBLK_U_IO_COMMIT_AND_FETCH_REQ, res);
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
	q->ios = calloc(q->depth, sizeof(*q->ios));
	if (!q->ios) {
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
	io_uring_prep_poll_add(sqe, q->stop_fd, POLLIN);
	sqe->user_data = ud_make(0, UD_STOP, 0);

	for (unsigned tag = 0; tag < q->depth; tag++)
		prep_io_cmd(q, tag, UBLK_U_IO_FETCH_REQ, 0);
	q->cmd_inflight = q->depth;
	ret = io_uring_submit(&q->ring);
	if (ret < 0) {
		err_msg("queue %u: submit FETCH: %s", q->q_id, strerror(-ret));
		goto fail_tgt;
	}
	return 0;

fail_tgt:
	if (cfg->tgt->queue_exit)
		cfg->tgt->queue_exit(q);
fail_ios:
	free(q->ios);
	q->ios = NULL;
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
	free(q->ios);
	q->ios = NULL;
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

static void handle_tgt(struct ublk_queue *q, unsigned tag, int res,
		       uint32_t expect)
{
	struct io_slot *io = &q->ios[tag];

	q->tgt_inflight--;
	if (res < 0) {
		if (io->result >= 0)
			io->result = res;
	} else if ((uint32_t)res != expect && io->result >= 0) {
		io->result = -EIO;
	}
	if (--io->pending == 0)
		queue_complete(q, tag, io->result);
}

/* Serve until the device goes away; false if the ring failed. */
static bool queue_loop(struct ublk_queue *q)
{
	bool abandon = false, failed = false;

	while (!abandon && (q->cmd_inflight || q->tgt_inflight)) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		int ret;

		ret = io_uring_submit_and_wait(&q->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			err_msg("queue %u: io_uring_enter: %s", q->q_id,
				strerror(-ret));
			failed = true;
			break;
		}
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			uint64_t ud = cqe->user_data;
			unsigned tag = ud & 0xffff;

			seen++;
			switch ((ud >> 16) & 0xff) {
			case UD_CMD:
				if (q->test_fail && cqe->res == UBLK_IO_RES_OK &&
				    q->iods[tag].start_sector == TEST_FAIL_SECTOR) {
					err_msg("queue %u: failing (test hook)",
						q->q_id);
					failed = abandon = true;
					break;
				}
				handle_cmd(q, tag, cqe->res);
				break;
			case UD_TGT:
				handle_tgt(q, tag, cqe->res,
					   (uint32_t)(ud >> 32));
				break;
			case UD_STOP:
				abandon = true;
				break;
			}
		}
		io_uring_cq_advance(&q->ring, seen);
	}
	/* push out the last commits before the ring goes away */
	if (!abandon)
		io_uring_submit(&q->ring);
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

	if (!queue_loop(q) && queue_failed)
		queue_failed();		/* the others must not serve on alone */
	queue_teardown(q);
	if (atomic_fetch_sub(&queues_live, 1) == 1 && queue_all_done)
		queue_all_done();
	return NULL;
}
