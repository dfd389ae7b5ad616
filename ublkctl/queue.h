/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One queue = one thread + one io_uring.  The ring carries the ublk
 * FETCH/COMMIT_AND_FETCH commands for every tag of the queue and the
 * target's own IO; fixed file 0 is /dev/ublkcN, fixed files 1.. are the
 * target's cfg->fds[].
 */
#ifndef UBLKCTL_QUEUE_H
#define UBLKCTL_QUEUE_H

#include <linux/fs.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "ublkctl.h"

/* user_data: tag in bits 0-15, kind in 16-23, sub-op index in 32-47 */
enum { UD_CMD = 0, UD_TGT = 1, UD_STOP = 2 };

static inline uint64_t ud_make(unsigned tag, unsigned kind, unsigned sub)
{
	return (uint64_t)tag | (uint64_t)kind << 16 | (uint64_t)sub << 32;
}

enum sub_kind { SUB_READ, SUB_WRITE, SUB_FSYNC, SUB_FALLOC, SUB_DISCARD };

/*
 * One target sub-operation of a request, kept until it completes so that
 * a short read or write can go on with the rest and an -EAGAIN can be
 * tried again.  Offsets advance as parts complete.
 */
struct sub_op {
	uint64_t off;		/* in the backing file */
	uint32_t buf_off;	/* in the request's data */
	uint32_t len;
	int32_t arg;		/* fallocate mode or RWF_* flags */
	uint8_t file;		/* index into cfg->fds[] */
	uint8_t kind;		/* enum sub_kind */
	uint16_t retries;	/* -EAGAIN retries so far */
};

struct io_slot {
	int32_t result;		/* final result if no sub-op fails */
	uint16_t pending;	/* target sub-ops in flight */
	uint16_t nr_subs;	/* sub-op records used by this request */
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
	struct sub_op *subs;		/* depth * max_subs records */
	unsigned max_subs;
	/* backing files that turned out to have no FALLOC_FL_ZERO_RANGE */
	bool no_zero_range[UBLKCTL_MAX_FDS];
	/* commits that found the SQ full, sent after the next reap */
	struct { uint32_t tag; int32_t res; } *backlog;
	unsigned nr_backlog;

	/* set up by the server before the thread starts */
	int cdev_fd;
	int stop_fd;
	cpu_set_t cpus;
	bool have_cpus;
	pthread_t thread;
	int setup_err;			/* -errno from thread setup */
	bool test_fail;			/* test hook: fail at sector 2048 */
	unsigned test_sq_limit;		/* test hook: SQEs the SQ holds */
	uint32_t test_short_io;		/* test hook: bytes a read/write does */
};

/*
 * Get an SQE, submitting what is queued if the SQ is full; NULL when the
 * ring takes nothing more now (the caller fails or defers its work).
 */
struct io_uring_sqe *queue_sqe(struct ublk_queue *q);

static inline char *io_buf(const struct ublk_queue *q, unsigned tag)
{
	return q->bufs + (size_t)tag * q->buf_size;
}

/* Commit a result for tag and fetch its next request. */
void queue_complete(struct ublk_queue *q, unsigned tag, int res);

/* RWF_* flags for a read or write request: FUA writes are O_DSYNC ones. */
static inline int ublk_rw_flags(const struct ublksrv_io_desc *iod)
{
	if (ublk_iod_op(iod) == UBLK_IO_OP_WRITE &&
	    (iod->op_flags & UBLK_IO_F_FUA))
		return RWF_DSYNC;
	return 0;
}

/* Start a request that completes with `result` once all sub-ops succeed. */
static inline void io_begin(struct ublk_queue *q, unsigned tag, int result)
{
	q->ios[tag].result = result;
	q->ios[tag].pending = 0;
	q->ios[tag].nr_subs = 0;
}

/*
 * The target has queued all sub-ops of the request: complete it now if
 * none is in flight (none was queued, or none could be).
 */
static inline void io_queued(struct ublk_queue *q, unsigned tag)
{
	if (!q->ios[tag].pending)
		queue_complete(q, tag, q->ios[tag].result);
}

/*
 * Read or write len bytes at buf_off of the request's data from/to
 * cfg->fds[file] at file_off; rw_flags are RWF_* (RWF_DSYNC for FUA).
 * Zero copy: fixed-buffer IO on the request buffer the driver registered
 * at index tag.  Copy mode: the tag's buffer.
 */
void tgt_rw(struct ublk_queue *q, unsigned tag, bool write, unsigned file,
	    uint32_t buf_off, uint32_t len, uint64_t file_off, int rw_flags);
void tgt_fsync(struct ublk_queue *q, unsigned tag, unsigned file);
/* Deallocate: a hole in a file, the device's own discard on a block device. */
void tgt_discard(struct ublk_queue *q, unsigned tag, unsigned file,
		 uint64_t off, uint32_t len);
/*
 * Make the range read as zeroes.  nounmap (UBLK_IO_F_NOUNMAP): the space
 * must stay allocated.  Files: a hole, or a zeroed range with nounmap;
 * block devices: their zero-out (which writes zeroes where they have no
 * offload).
 */
void tgt_write_zeroes(struct ublk_queue *q, unsigned tag, unsigned file,
		      uint64_t off, uint32_t len, bool nounmap);

/* Queue thread entry (queue.c); the server waits for n setups. */
void *queue_thread(void *arg);
void queues_wait_setup(unsigned n);
/* Called by the server on the last queue thread's exit. */
extern void (*queue_all_done)(void);
/* Called on a queue thread whose ring failed: the server must end. */
extern void (*queue_failed)(void);

#endif
