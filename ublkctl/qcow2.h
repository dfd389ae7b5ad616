/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The qcow2 image format (QEMU's docs/interop/qcow2.txt), independent of
 * ublk: open an image and its backing chain, map, read, write and zero
 * ranges of the virtual disk.  Every call is synchronous and must be
 * serialised by the caller (one lock per device); only qcow2_map() is
 * meant for the fast path, where the caller then does the IO itself.
 */
#ifndef UBLKCTL_QCOW2_H
#define UBLKCTL_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qcow2;

/* Default L2 cache: like QEMU's, 32 MiB at most. */
#define QCOW2_DEF_CACHE		(32ULL << 20)

/*
 * Open path (and its backing files, read-only).  fds[] receives every
 * file opened, top image first (at most max_fds); *nfds their count.
 * NULL with a one-line reason in why on refusal.
 */
struct qcow2 *qcow2_open(const char *path, bool read_only, uint64_t cache,
			 int *fds, int max_fds, int *nfds,
			 char *why, size_t whylen);
void qcow2_close(struct qcow2 *img);

uint64_t qcow2_size(const struct qcow2 *img);
uint32_t qcow2_cluster_size(const struct qcow2 *img);
/* The i-th file of the backing chain below img (absolute), or NULL. */
const char *qcow2_backing_name(const struct qcow2 *img, int i);

/*
 * Where the guest range [off, off+len) within one cluster lives: 1 with
 * *host set if it is a plain allocated cluster of this image (for a
 * write: one this image alone owns, so it may be written in place),
 * 0 if not (the caller goes the slow way), -errno on a metadata error.
 */
int qcow2_map(struct qcow2 *img, uint64_t off, bool write, uint64_t *host);

/* 0 or -errno; the range may span clusters. */
int qcow2_read(struct qcow2 *img, void *buf, uint64_t off, uint64_t len);
int qcow2_write(struct qcow2 *img, const void *buf, uint64_t off,
		uint64_t len);
/* Zero a range: whole clusters become zero clusters (or unallocated
 * where that reads as zeroes); discard may leave partial ones alone. */
int qcow2_zero(struct qcow2 *img, uint64_t off, uint64_t len, bool discard);
int qcow2_flush(struct qcow2 *img);

#endif
