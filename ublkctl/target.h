/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target interface.  A target is one file (target_<name>.c) exporting
 * one `struct target_ops`; nothing outside the target knows what it does
 * with a request.  The control code only calls these ops.
 */
#ifndef UBLKCTL_TARGET_H
#define UBLKCTL_TARGET_H

#include "ublkctl.h"

struct ublk_queue;
struct json_object;

/* target_ops.opts: which `add` options the target accepts */
#define TGT_OPT_SIZE	(1U << 0)	/* --size */
#define TGT_OPT_CHUNK	(1U << 1)	/* --chunk-size */
#define TGT_OPT_CACHE	(1U << 2)	/* --cache-size */

struct target_ops {
	const char *name;
	int min_files;
	int max_files;
	unsigned opts;

	/*
	 * Check the configuration against the system and open what the
	 * target needs (cfg->fds[], nr_fds), set cfg->size.  Runs in the
	 * command's process before any kernel object exists; reports its own
	 * errors with err_msg() and returns -1 on failure.
	 */
	int (*open)(struct dev_config *cfg);

	/* Fill the device parameters (basic is preset, size included). */
	void (*set_params)(const struct dev_config *cfg,
			   struct ublk_params *p);

	/*
	 * Optional: the most sub-ops (tgt_*() calls) one request may need,
	 * 2 when not given.
	 */
	unsigned (*max_subops)(const struct dev_config *cfg);

	/* Optional per-queue state, on the queue's own thread. */
	int (*queue_init)(struct ublk_queue *q);
	void (*queue_exit)(struct ublk_queue *q);

	/*
	 * Serve one request on the queue thread: queue sub-operations with
	 * the tgt_*() helpers of queue.h after io_begin(), or finish it at
	 * once with queue_complete().  No locks, no allocation.
	 */
	void (*queue_io)(struct ublk_queue *q, unsigned tag,
			 const struct ublksrv_io_desc *iod);

	/*
	 * Optional: what `list` should show about the open target beyond
	 * the files (keys added to o, saved with the state as
	 * "target_info" and shown by `list --json` as they are).
	 */
	void (*describe)(const struct dev_config *cfg, struct json_object *o);
};

extern const struct target_ops target_null;
extern const struct target_ops target_loop;
extern const struct target_ops target_stripe;
extern const struct target_ops target_qcow2;

const struct target_ops *target_find(const char *name);
const char *target_names(void);		/* "null, loop, stripe" */

/* Helpers for target open ops (target.c). */
int target_open_file(struct dev_config *cfg, int i, uint64_t *size);
void target_close(struct dev_config *cfg);
/*
 * Advertise discard and write-zeroes as far as every backing file offers
 * them, each request at most max_bytes (0: no limit of the target's).
 */
void target_set_discard(const struct dev_config *cfg, struct ublk_params *p,
			uint64_t max_bytes);

#endif
