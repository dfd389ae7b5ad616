/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One queue = one thread + one io_uring.  The ring carries the ublk
 * FETCH/COMMIT_AND_FETCH commands for every tag of the queue and the
 * target's own IO; fixed file 0 is /dev/ublkcN, fixed files 1.. are the
 * target's cfg->fds[].
 */
#ifndef UBLKCTL_QUEUE_H
#define UBLKCTL_QUEUE_H

#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "ublkctl.h"

/* user_data: tag in bits 0-15, kind in 16-23, expected result in 32-63 */
enum { UD_CMD = 0, UD_TGT = 1, UD_STOP = 2 };

static inline uint64_t ud_make(unsigned tag, unsigned kind, uint32_t expect)
{
	return (uint64_t)tag | (uint64_t)kind << 16 | (uint64_t)expect << 32;
}

struct io_slot {
	int32_t result;		/* final result if no sub-op fails */
	uint16_t pending;	/* target sub-ops in flight */
	bool dead;		/* the driver aborted this tag */
};

struct ublk_queue {
	struct io_uring ring;
	struct dev_config *cfg;
	unsigned q_id;
	unsigned depth;
	bool zc;			/* UBLK_F_AUTO_BUF_REG: buffer index = tag */
	const struct ublksrv_io_desc *iods;
	size_t iods_len;
	char *bufs;			/* copy mode: depth * buf_size */
	uint32_t buf_size;
	struct io_slot *ios;
	unsigned cmd_inflight;		/* ublk uring_cmds armed */
	unsigned tgt_inflight;		/* target sub-ops in flight */
	void *tgt_priv;

	/* set up by the server before the thread starts */
	int cdev_fd;
	int stop_fd;
	cpu_set_t cpus;
	bool have_cpus;
	pthread_t thread;
	int setup_err;			/* -errno from thread setup */
	bool test_fail;			/* test hook: fail at sector 2048 */
};

/* Get an SQE, submitting what is queued if the SQ is full. */
static inline struct io_uring_sqe *queue_sqe(struct ublk_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	while (!sqe) {
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	return sqe;
}

static inline char *io_buf(const struct ublk_queue *q, unsigned tag)
{
	return q->bufs + (size_t)tag * q->buf_size;
}

/* Commit a result for tag and fetch its next request. */
void queue_complete(struct ublk_queue *q, unsigned tag, int res);

/* Start a request that completes with `result` once all sub-ops succeed. */
static inline void io_begin(struct ublk_queue *q, unsigned tag, int result)
{
	q->ios[tag].result = result;
	q->ios[tag].pending = 0;
}

static inline void tgt_sqe_done(struct ublk_queue *q, unsigned tag,
				struct io_uring_sqe *sqe, unsigned file,
				uint32_t expect)
{
	sqe->fd = (int)file + 1;
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = ud_make(tag, UD_TGT, expect);
	q->ios[tag].pending++;
	q->tgt_inflight++;
}

/*
 * Read or write len bytes at buf_off of the request's data from/to
 * cfg->fds[file] at file_off.  Zero copy: fixed-buffer IO on the request
 * buffer the driver registered at index tag.  Copy mode: the tag's buffer.
 */
static inline void tgt_rw(struct ublk_queue *q, unsigned tag, bool write,
			  unsigned file, uint32_t buf_off, uint32_t len,
			  uint64_t file_off)
{
	struct io_uring_sqe *sqe = queue_sqe(q);

	if (q->zc) {
		io_uring_prep_rw(write ? IORING_OP_WRITE_FIXED :
				 IORING_OP_READ_FIXED, sqe, 0,
				 (void *)(uintptr_t)buf_off, len, file_off);
		sqe->buf_index = (uint16_t)tag;
	} else {
		io_uring_prep_rw(write ? IORING_OP_WRITE : IORING_OP_READ, sqe,
				 0, io_buf(q, tag) + buf_off, len, file_off);
	}
	tgt_sqe_done(q, tag, sqe, file, len);
}

static inline void tgt_fsync(struct ublk_queue *q, unsigned tag,
			     unsigned file)
{
	struct io_uring_sqe *sqe = queue_sqe(q);

	io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
	tgt_sqe_done(q, tag, sqe, file, 0);
}

static inline void tgt_fallocate(struct ublk_queue *q, unsigned tag,
				 unsigned file, int mode, uint64_t off,
				 uint64_t len)
{
	struct io_uring_sqe *sqe = queue_sqe(q);

	io_uring_prep_fallocate(sqe, 0, mode, off, len);
	tgt_sqe_done(q, tag, sqe, file, 0);
}

/* Queue thread entry (queue.c); the server waits for n setups. */
void *queue_thread(void *arg);
void queues_wait_setup(unsigned n);
/* Called by the server on the last queue thread's exit. */
extern void (*queue_all_done)(void);
/* Called on a queue thread whose ring failed: the server must end. */
extern void (*queue_failed)(void);

#endif
