// SPDX-License-Identifier: GPL-2.0
/*
 * qcow2 images, written from QEMU's specification (docs/interop/qcow2.txt).
 *
 * Allocation only ever appends at the end of the file, so a cluster freed
 * while some IO of the fast path is still in flight to it is never handed
 * out again during this run (freed clusters are not reused at all: the
 * image may grow, it never corrupts).
 *
 * Crash consistency is by write order, with fdatasync() between the steps
 * that must not be reordered: refcounts and data before the L2 entry that
 * maps them, a new L2 table before the L1 entry, a new refcount block
 * before the table entry, the new mapping before the old cluster's
 * refcount drops.  A crash in between leaks clusters, nothing worse.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "qcow2.h"

#define QCOW2_MAGIC		0x514649fbU	/* "QFI\xfb" */
#define OFF_MASK		0x00fffffffffffe00ULL
#define RT_MASK			0xfffffffffffffe00ULL
#define F_COPIED		(1ULL << 63)
#define F_COMPRESSED		(1ULL << 62)
#define F_ZERO			1ULL

#define INCOMPAT_DIRTY		(1ULL << 0)
#define INCOMPAT_CORRUPT	(1ULL << 1)
#define INCOMPAT_DATA_FILE	(1ULL << 2)
#define INCOMPAT_COMPRESSION	(1ULL << 3)
#define INCOMPAT_EXTL2		(1ULL << 4)
#define INCOMPAT_KNOWN		((uint64_t)(1ULL << 5) - 1)

#define EXT_END			0x00000000U
#define EXT_BACKING_FMT		0xe2792acaU

#define MAX_L1_BYTES		(32U << 20)	/* QEMU's limits */
#define MAX_RT_BYTES		(8U << 20)
#define CACHE_WAYS		4
#define MAX_PENDING		64

struct l2slot {
	uint64_t off;		/* 0: empty */
	uint64_t used;
	uint64_t *tab;		/* on-disk (big-endian) entries */
};

/* A new mapping waiting for its data to be on disk. */
struct pending {
	uint64_t voff;
	uint64_t entry;
	uint64_t old;		/* entry whose clusters to release after */
};

struct qcow2 {
	char *path;
	int fd;
	bool ro;
	bool raw;
	uint64_t size;
	uint64_t eof;		/* bytes in the file */
	uint64_t file_end;	/* next allocation, cluster-aligned */

	unsigned version;
	unsigned cluster_bits;
	uint64_t cs;
	uint64_t l2_entries;
	unsigned refcount_bits;
	int compression;	/* 0 zlib, 1 zstd */

	uint32_t l1_size;
	uint64_t l1_offset;
	uint64_t *l1;		/* host order */

	uint64_t rt_offset;
	uint32_t rt_clusters;
	uint64_t *rt;		/* host order, rt_len entries */
	uint64_t rt_len;
	uint64_t rt_cap;
	bool rt_grow;		/* rt_len outgrew the table on disk */

	struct l2slot *slots;
	unsigned nsets;
	uint64_t tick;

	uint8_t *cbuf;		/* one cluster: merges */
	uint8_t *rbuf;		/* one cluster: new refcount blocks */
	uint8_t *zbuf;		/* compressed input */
	uint8_t *dbuf;		/* the last cluster decompressed */
	uint64_t dbuf_key;
	uint8_t *zeroes;
	z_stream zs;
	bool zs_ready;
	ZSTD_DCtx *zstd;

	struct pending pend[MAX_PENDING];
	unsigned npend;
	bool pend_free;

	struct qcow2 *backing;
};

static int rc_update(struct qcow2 *img, uint64_t host, int delta);

/* ---- file IO ---- */

/* Read len bytes at off; what lies beyond the end of the file is zero. */
static int read_at(struct qcow2 *img, void *buf, uint64_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(img->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static int write_at(struct qcow2 *img, const void *buf, uint64_t len,
		    uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(img->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	if (off > img->eof)
		img->eof = off;
	return 0;
}

static int write_be64(struct qcow2 *img, uint64_t v, uint64_t off)
{
	uint64_t be = htobe64(v);

	return write_at(img, &be, 8, off);
}

static int sync_file(struct qcow2 *img)
{
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* Is a cluster at host inside what this image has allocated? */
static bool host_ok(const struct qcow2 *img, uint64_t host)
{
	return host && !(host & (img->cs - 1)) && host < img->file_end;
}

/* ---- L2 cache ---- */

static int l2_get(struct qcow2 *img, uint64_t off, uint64_t **tab)
{
	unsigned set = (unsigned)((off >> img->cluster_bits) % img->nsets);
	struct l2slot *s = &img->slots[set * CACHE_WAYS], *victim = s;
	int ret;

	if (!host_ok(img, off))
		return -EIO;
	for (unsigned w = 0; w < CACHE_WAYS; w++) {
		if (s[w].off == off) {
			s[w].used = ++img->tick;
			*tab = s[w].tab;
			return 0;
		}
		if (s[w].used < victim->used)
			victim = &s[w];
	}
	if (!victim->tab) {
		victim->tab = malloc(img->cs);
		if (!victim->tab)
			return -ENOMEM;
	}
	victim->off = 0;
	ret = read_at(img, victim->tab, img->cs, off);
	if (ret)
		return ret;
	victim->off = off;
	victim->used = ++img->tick;
	*tab = victim->tab;
	return 0;
}

/* An L2 table moved (copy on write): its cached copy follows it. */
static void l2_rename(struct qcow2 *img, uint64_t from, uint64_t to)
{
	unsigned set = (unsigned)((from >> img->cluster_bits) % img->nsets);
	struct l2slot *s = &img->slots[set * CACHE_WAYS];

	for (unsigned w = 0; w < CACHE_WAYS; w++)
		if (s[w].off == from)
			s[w].off = 0;
	(void)to;
}

/* The L2 entry of guest offset voff (0 if no L2 table). */
static int get_entry(struct qcow2 *img, uint64_t voff, uint64_t *entry)
{
	uint64_t ci = voff >> img->cluster_bits;
	uint64_t l1i = ci / img->l2_entries, l2off;
	uint64_t *tab;
	int ret;

	*entry = 0;
	if (l1i >= img->l1_size)
		return 0;
	l2off = img->l1[l1i] & OFF_MASK;
	if (!l2off)
		return 0;
	ret = l2_get(img, l2off, &tab);
	if (ret)
		return ret;
	*entry = be64toh(tab[ci % img->l2_entries]);
	return 0;
}

enum ckind { C_UNALLOC, C_ZERO, C_NORMAL, C_COMPRESSED };

static enum ckind classify(const struct qcow2 *img, uint64_t e)
{
	if (e & F_COMPRESSED)
		return C_COMPRESSED;
	if (img->version >= 3 && (e & F_ZERO))
		return C_ZERO;
	return (e & OFF_MASK) ? C_NORMAL : C_UNALLOC;
}

/* ---- refcounts ---- */

static int rc_access(struct qcow2 *img, uint64_t blk, uint64_t idx,
		     uint64_t *val, bool write)
{
	unsigned bits = img->refcount_bits;
	int ret;

	if (bits >= 8) {
		unsigned n = bits / 8;
		uint8_t b[8];
		uint64_t v = 0;

		if (write) {
			for (unsigned i = 0; i < n; i++)
				b[i] = (uint8_t)(*val >> (8 * (n - 1 - i)));
			return write_at(img, b, n, blk + idx * n);
		}
		ret = read_at(img, b, n, blk + idx * n);
		if (ret)
			return ret;
		for (unsigned i = 0; i < n; i++)
			v = v << 8 | b[i];
		*val = v;
		return 0;
	} else {
		uint64_t bit = idx * bits;
		unsigned shift = (unsigned)(bit % 8), mask = (1U << bits) - 1;
		uint8_t b;

		ret = read_at(img, &b, 1, blk + bit / 8);
		if (ret)
			return ret;
		if (!write) {
			*val = (b >> shift) & mask;
			return 0;
		}
		b = (uint8_t)((b & ~(mask << shift)) |
			      ((unsigned)*val & mask) << shift);
		return write_at(img, &b, 1, blk + bit / 8);
	}
}

static uint64_t rc_block_entries(const struct qcow2 *img)
{
	return img->cs * 8 / img->refcount_bits;
}

static int rt_reserve(struct qcow2 *img, uint64_t n)
{
	uint64_t *nt;
	uint64_t cap = img->rt_cap ? img->rt_cap : 64;

	if (n <= img->rt_len)
		return 0;
	if (n > img->rt_cap) {
		while (cap < n)
			cap *= 2;
		nt = realloc(img->rt, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		memset(nt + img->rt_cap, 0, (cap - img->rt_cap) * sizeof(*nt));
		img->rt = nt;
		img->rt_cap = cap;
	}
	img->rt_len = n;
	return 0;
}

static uint64_t bump(struct qcow2 *img, uint64_t n)
{
	uint64_t off = img->file_end;

	img->file_end += n * img->cs;
	return off;
}

/* Give the range of refcount table entry ti a (zeroed) block. */
static int rc_new_block(struct qcow2 *img, uint64_t ti)
{
	uint64_t rbe = rc_block_entries(img);
	uint64_t blk = bump(img, 1), bci = blk >> img->cluster_bits;
	uint64_t disk_entries = (uint64_t)img->rt_clusters * img->cs / 8;
	bool self = bci / rbe == ti;
	int ret;

	memset(img->rbuf, 0, img->cs);
	if (self) {
		uint64_t one = 1;

		/* the block counts itself: written with its own entry set */
		ret = write_at(img, img->rbuf, img->cs, blk);
		if (!ret)
			ret = rc_access(img, blk, bci % rbe, &one, true);
	} else {
		ret = write_at(img, img->rbuf, img->cs, blk);
	}
	if (ret)
		return ret;
	ret = sync_file(img);
	if (ret)
		return ret;
	img->rt[ti] = blk;
	if (ti < disk_entries)
		ret = write_be64(img, blk, img->rt_offset + ti * 8);
	else
		img->rt_grow = true;
	if (ret)
		return ret;
	return self ? 0 : rc_update(img, blk, 1);
}

static int rc_update(struct qcow2 *img, uint64_t host, int delta)
{
	uint64_t rbe = rc_block_entries(img), ci = host >> img->cluster_bits;
	uint64_t ti = ci / rbe, blk, v, max;
	int ret;

	if (delta < 0 && ti >= img->rt_len)
		return 0;	/* nothing counted there */
	ret = rt_reserve(img, ti + 1);
	if (ret)
		return ret;
	if (!img->rt[ti]) {
		if (delta < 0)
			return 0;	/* nothing counted there */
		ret = rc_new_block(img, ti);
		if (ret)
			return ret;
	}
	blk = img->rt[ti] & RT_MASK;
	if (!host_ok(img, blk))
		return -EIO;
	ret = rc_access(img, blk, ci % rbe, &v, false);
	if (ret)
		return ret;
	max = img->refcount_bits == 64 ? UINT64_MAX :
	      (1ULL << img->refcount_bits) - 1;
	if (delta < 0 && v == 0)
		return 0;	/* already free: nothing to drop */
	if (delta > 0 && v == max)
		return -EIO;
	v = delta < 0 ? v - 1 : v + 1;
	return rc_access(img, blk, ci % rbe, &v, true);
}

/*
 * Move the refcount table to a bigger place at the end of the file once
 * new refcount blocks no longer fit in it.
 */
static int rt_relocate(struct qcow2 *img)
{
	while (img->rt_grow) {
		uint64_t want = img->rt_len * 2 + 1;
		uint64_t ncl = (want * 8 + img->cs - 1) / img->cs;
		uint64_t off = bump(img, ncl), old = img->rt_offset;
		uint32_t old_cl = img->rt_clusters;
		uint64_t *tab;
		uint8_t hdr[12];
		int ret;

		img->rt_grow = false;
		for (uint64_t i = 0; i < ncl; i++) {
			ret = rc_update(img, off + i * img->cs, 1);
			if (ret)
				return ret;
		}
		if (img->rt_len > ncl * img->cs / 8) {
			img->rt_grow = true;	/* try a bigger one; this leaks */
			continue;
		}
		tab = calloc(ncl, img->cs);
		if (!tab)
			return -ENOMEM;
		for (uint64_t i = 0; i < img->rt_len; i++)
			tab[i] = htobe64(img->rt[i]);
		ret = write_at(img, tab, ncl * img->cs, off);
		free(tab);
		if (!ret)
			ret = sync_file(img);
		if (ret)
			return ret;
		*(uint64_t *)(void *)hdr = htobe64(off);
		*(uint32_t *)(void *)(hdr + 8) = htobe32((uint32_t)ncl);
		ret = write_at(img, hdr, sizeof(hdr), 48);
		if (!ret)
			ret = sync_file(img);
		if (ret)
			return ret;
		img->rt_offset = off;
		img->rt_clusters = (uint32_t)ncl;
		for (uint32_t i = 0; i < old_cl; i++)
			rc_update(img, old + (uint64_t)i * img->cs, -1);
	}
	return 0;
}

/* A new cluster with refcount 1 (on disk, not yet synced). */
static int alloc_cluster(struct qcow2 *img, uint64_t *host)
{
	int ret;

	*host = bump(img, 1);
	ret = rc_update(img, *host, 1);
	if (!ret && img->rt_grow)
		ret = rt_relocate(img);
	return ret;
}

/* The host clusters a compressed cluster's data touches. */
static void compressed_range(const struct qcow2 *img, uint64_t e,
			     uint64_t *off, uint64_t *len)
{
	unsigned x = 62 - (img->cluster_bits - 8);
	uint64_t coff = e & ((1ULL << x) - 1);
	uint64_t nsec = (e >> x) & ((1ULL << (img->cluster_bits - 8)) - 1);

	*off = coff;
	*len = (coff & ~511ULL) + (nsec + 1) * 512 - coff;
}

/* Drop the references an L2 entry held. */
static void release_entry(struct qcow2 *img, uint64_t e)
{
	enum ckind k = classify(img, e);

	if (k == C_COMPRESSED) {
		uint64_t off, len;

		compressed_range(img, e, &off, &len);
		for (uint64_t c = off >> img->cluster_bits;
		     c <= (off + len - 1) >> img->cluster_bits; c++)
			rc_update(img, c << img->cluster_bits, -1);
	} else if ((k == C_NORMAL || k == C_ZERO) && (e & OFF_MASK)) {
		rc_update(img, e & OFF_MASK, -1);
	}
}

/* ---- L2 tables ---- */

/* The L2 table of l1i, allocated or copied so that this image owns it. */
static int ensure_l2(struct qcow2 *img, uint64_t l1i, uint64_t **tabp)
{
	uint64_t e = img->l1[l1i], old = e & OFF_MASK, nt;
	uint64_t *tab;
	int ret;

	if (old && (e & F_COPIED))
		return l2_get(img, old, tabp);
	ret = alloc_cluster(img, &nt);
	if (ret)
		return ret;
	if (old) {
		ret = l2_get(img, old, &tab);
		if (ret)
			return ret;
		ret = write_at(img, tab, img->cs, nt);
	} else {
		memset(img->rbuf, 0, img->cs);
		ret = write_at(img, img->rbuf, img->cs, nt);
	}
	if (!ret)
		ret = sync_file(img);
	if (!ret)
		ret = write_be64(img, nt | F_COPIED,
				 img->l1_offset + l1i * 8);
	if (ret)
		return ret;
	img->l1[l1i] = nt | F_COPIED;
	if (old) {
		l2_rename(img, old, nt);
		ret = sync_file(img);
		if (ret)
			return ret;
		rc_update(img, old, -1);
	}
	return l2_get(img, nt, tabp);
}

static int set_entry(struct qcow2 *img, uint64_t voff, uint64_t e)
{
	uint64_t ci = voff >> img->cluster_bits, l1i = ci / img->l2_entries;
	uint64_t i = ci % img->l2_entries;
	uint64_t *tab;
	int ret;

	ret = ensure_l2(img, l1i, &tab);
	if (ret)
		return ret;
	ret = write_be64(img, e, (img->l1[l1i] & OFF_MASK) + i * 8);
	if (!ret)
		tab[i] = htobe64(e);
	return ret;
}

/* Map what is pending: data first on disk, then the entries, then the
 * old clusters go. */
static int commit_pending(struct qcow2 *img, bool need_sync)
{
	int ret = 0;

	if (!img->npend)
		return 0;
	if (need_sync)
		ret = sync_file(img);
	for (unsigned i = 0; !ret && i < img->npend; i++)
		ret = set_entry(img, img->pend[i].voff, img->pend[i].entry);
	if (!ret && img->pend_free) {
		ret = sync_file(img);
		for (unsigned i = 0; !ret && i < img->npend; i++)
			release_entry(img, img->pend[i].old);
	}
	img->npend = 0;
	img->pend_free = false;
	return ret;
}

/* The end of a write or zeroing that came to ret: map what is pending,
 * or after an error forget it (the clusters allocated for it leak). */
static int end_pending(struct qcow2 *img, int ret, bool need_sync)
{
	if (!ret)
		return commit_pending(img, need_sync);
	img->npend = 0;
	img->pend_free = false;
	return ret;
}

static bool needs_release(const struct qcow2 *img, uint64_t e)
{
	enum ckind k = classify(img, e);

	return k == C_COMPRESSED ||
	       ((k == C_NORMAL || k == C_ZERO) && (e & OFF_MASK));
}

static void add_pending(struct qcow2 *img, uint64_t voff, uint64_t e,
			uint64_t old)
{
	struct pending *p = &img->pend[img->npend++];

	p->voff = voff;
	p->entry = e;
	p->old = needs_release(img, old) ? old : 0;
	img->pend_free |= p->old != 0;
}

/* ---- reading ---- */

static int decompress(struct qcow2 *img, uint64_t e)
{
	uint64_t off, len;
	int ret;

	if (img->dbuf_key == e)
		return 0;
	compressed_range(img, e, &off, &len);
	if (off >= img->file_end || len > 2 * img->cs + 512)
		return -EIO;
	ret = read_at(img, img->zbuf, len, off);
	if (ret)
		return ret;
	img->dbuf_key = 0;
	if (img->compression == 0) {
		if (!img->zs_ready) {
			memset(&img->zs, 0, sizeof(img->zs));
			if (inflateInit2(&img->zs, -15) != Z_OK)
				return -ENOMEM;
			img->zs_ready = true;
		} else if (inflateReset(&img->zs) != Z_OK) {
			return -EIO;
		}
		img->zs.next_in = img->zbuf;
		img->zs.avail_in = (uInt)len;
		img->zs.next_out = img->dbuf;
		img->zs.avail_out = (uInt)img->cs;
		ret = inflate(&img->zs, Z_FINISH);
		if ((ret != Z_STREAM_END && ret != Z_BUF_ERROR && ret != Z_OK) ||
		    img->zs.avail_out)
			return -EIO;
	} else {
		ZSTD_inBuffer in = { img->zbuf, len, 0 };
		ZSTD_outBuffer out = { img->dbuf, img->cs, 0 };

		if (!img->zstd) {
			img->zstd = ZSTD_createDCtx();
			if (!img->zstd)
				return -ENOMEM;
		}
		ZSTD_DCtx_reset(img->zstd, ZSTD_reset_session_only);
		while (out.pos < out.size) {
			size_t r = ZSTD_decompressStream(img->zstd, &out, &in);

			if (ZSTD_isError(r))
				return -EIO;
			if (r == 0 || in.pos == in.size)
				break;
		}
		if (out.pos < out.size)
			return -EIO;
	}
	img->dbuf_key = e;
	return 0;
}

/* Read within one cluster of the guest. */
static int read_piece(struct qcow2 *img, uint8_t *buf, uint64_t voff,
		      uint64_t len)
{
	uint64_t within = voff & (img->cs - 1), e, host;
	int ret;

	if (voff >= img->size) {
		memset(buf, 0, len);
		return 0;
	}
	if (voff + len > img->size) {
		uint64_t in = img->size - voff;

		memset(buf + in, 0, len - in);
		len = in;
	}
	if (img->raw)
		return read_at(img, buf, len, voff);
	ret = get_entry(img, voff, &e);
	if (ret)
		return ret;
	switch (classify(img, e)) {
	case C_COMPRESSED:
		ret = decompress(img, e);
		if (!ret)
			memcpy(buf, img->dbuf + within, len);
		return ret;
	case C_ZERO:
		memset(buf, 0, len);
		return 0;
	case C_UNALLOC:
		if (img->backing)
			return qcow2_read(img->backing, buf, voff, len);
		memset(buf, 0, len);
		return 0;
	case C_NORMAL:
		host = e & OFF_MASK;
		if (!host_ok(img, host))
			return -EIO;
		return read_at(img, buf, len, host + within);
	}
	return -EIO;
}

int qcow2_read(struct qcow2 *img, void *buf, uint64_t off, uint64_t len)
{
	uint8_t *p = buf;

	if (img->raw)
		return read_piece(img, p, off, len);
	while (len) {
		uint64_t within = off & (img->cs - 1);
		uint64_t piece = img->cs - within;
		int ret;

		if (piece > len)
			piece = len;
		ret = read_piece(img, p, off, piece);
		if (ret)
			return ret;
		p += piece;
		off += piece;
		len -= piece;
	}
	return 0;
}

int qcow2_map(struct qcow2 *img, uint64_t off, bool write, uint64_t *host)
{
	uint64_t e, h;
	int ret = get_entry(img, off, &e);

	if (ret)
		return ret;
	if (classify(img, e) != C_NORMAL || (write && !(e & F_COPIED)))
		return 0;
	h = e & OFF_MASK;
	if (!host_ok(img, h))
		return -EIO;
	/* a cluster cut short by the end of the file reads in the slow
	 * path, which fills in the zeroes */
	if (h + img->cs > img->eof)
		return 0;
	*host = h + (off & (img->cs - 1));
	return 1;
}

/* ---- writing ---- */

/* Write within one guest cluster. */
static int write_piece(struct qcow2 *img, const uint8_t *buf, uint64_t voff,
		       uint64_t len)
{
	uint64_t within = voff & (img->cs - 1), cstart = voff - within;
	uint64_t e, host, *tab;
	const uint8_t *data = buf;
	enum ckind k;
	int ret;

	ret = get_entry(img, voff, &e);
	if (ret)
		return ret;
	k = classify(img, e);
	if (k == C_NORMAL && (e & F_COPIED)) {
		host = e & OFF_MASK;
		if (!host_ok(img, host))
			return -EIO;
		return write_at(img, buf, len, host + within);
	}
	if (k == C_NORMAL && !host_ok(img, e & OFF_MASK))
		return -EIO;
	if (len != img->cs) {
		ret = read_piece(img, img->cbuf, cstart, img->cs);
		if (ret)
			return ret;
		memcpy(img->cbuf + within, buf, len);
		data = img->cbuf;
	}
	ret = ensure_l2(img, (cstart >> img->cluster_bits) / img->l2_entries,
			&tab);
	if (ret)
		return ret;
	if (k == C_ZERO && (e & F_COPIED) && host_ok(img, e & OFF_MASK)) {
		host = e & OFF_MASK;	/* preallocated: reuse it */
		e = 0;
	} else {
		ret = alloc_cluster(img, &host);
		if (ret)
			return ret;
	}
	ret = write_at(img, data, img->cs, host);
	if (ret)
		return ret;
	add_pending(img, cstart, host | F_COPIED, e);
	if (img->npend == MAX_PENDING)
		return commit_pending(img, true);
	return 0;
}

int qcow2_write(struct qcow2 *img, const void *buf, uint64_t off,
		uint64_t len)
{
	const uint8_t *p = buf;
	int ret = 0;

	if (img->ro)
		return -EROFS;
	while (len && !ret) {
		uint64_t within = off & (img->cs - 1);
		uint64_t piece = img->cs - within;

		if (piece > len)
			piece = len;
		ret = write_piece(img, p, off, piece);
		p += piece;
		off += piece;
		len -= piece;
	}
	return end_pending(img, ret, true);
}

int qcow2_zero(struct qcow2 *img, uint64_t off, uint64_t len, bool discard)
{
	int ret = 0;

	if (img->ro)
		return -EROFS;
	while (len && !ret) {
		uint64_t within = off & (img->cs - 1);
		uint64_t piece = img->cs - within, e, want;
		bool whole;

		if (piece > len)
			piece = len;
		whole = !within && (piece == img->cs ||
				    off + piece >= img->size);
		ret = get_entry(img, off, &e);
		if (ret)
			break;
		/* reads as zeroes: a zero cluster, or unallocated where no
		 * backing file shows through */
		want = img->version >= 3 ? F_ZERO : 0;
		if (!img->backing && !needs_release(img, e) &&
		    classify(img, e) != C_NORMAL)
			want = e;	/* already zero */
		if (whole && (want == F_ZERO || !img->backing || discard)) {
			if (e != want) {
				add_pending(img, off, want, e);
				if (img->npend == MAX_PENDING)
					ret = commit_pending(img, false);
			}
		} else if (!discard) {
			ret = commit_pending(img, false);
			if (!ret)
				ret = write_piece(img, img->zeroes, off, piece);
			if (!ret)
				ret = commit_pending(img, true);
		}
		off += piece;
		len -= piece;
	}
	return end_pending(img, ret, false);
}

int qcow2_flush(struct qcow2 *img)
{
	return img->ro ? 0 : sync_file(img);
}

/* ---- opening ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

#define REFUSE(...) do { snprintf(why, whylen, __VA_ARGS__); goto fail; } \
	while (0)

/*
 * One lock byte: take it shared (check false), or see whether another
 * process holds it (check true).  0 if that went well, 1 on a conflict,
 * -1 if the file system has no such locks.
 */
static int lock_byte(int fd, bool check, unsigned byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = check ? F_WRLCK : F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	if (check)
		return fcntl(fd, F_OFD_GETLK, &fl) == 0 &&
		       fl.l_type == F_UNLCK ? 0 : 1;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EINVAL || errno == ENOLCK || errno == EOPNOTSUPP ?
	       -1 : 1;
}

/*
 * QEMU's image locks: byte 100 + n held for each permission n used,
 * byte 200 + n for each permission others may not have (n: 0 consistent
 * read, 1 write, 3 resize).  Read-only users still forbid writers.
 */
static int take_locks(int fd, bool write, const char *path, char *why,
		      size_t whylen)
{
	static const char *const perm_name[] = { "consistent read", "write",
		"write unchanged", "resize" };
	unsigned held = write ? 0x0b : 0x01, unshared = 0x0a;

	/* first take our bytes; then what we use must not be forbidden,
	 * and what we forbid not used */
	for (int check = 0; check <= 1; check++) {
		for (unsigned n = 0; n < 4; n++) {
			unsigned at100 = check ? unshared : held;
			unsigned at200 = check ? held : unshared;
			int r = 0;

			if (at100 & (1U << n))
				r = lock_byte(fd, check, 100 + n);
			if (!r && (at200 & (1U << n)))
				r = lock_byte(fd, check, 200 + n);
			if (r < 0)
				return 0;	/* no locks on this fs */
			if (r) {
				snprintf(why, whylen, "%s: failed to get the "
					 "\"%s\" lock: the image is in use "
					 "by another process", path,
					 perm_name[n]);
				return -1;
			}
		}
	}
	return 0;
}

static int alloc_buffers(struct qcow2 *img, uint64_t cache)
{
	uint64_t want = cache / img->cs, need = img->l1_size ? img->l1_size : 1;
	unsigned slots;

	if (want > need)
		want = need;
	if (want < CACHE_WAYS * 2)
		want = CACHE_WAYS * 2;
	img->nsets = (unsigned)((want + CACHE_WAYS - 1) / CACHE_WAYS);
	slots = img->nsets * CACHE_WAYS;
	img->slots = calloc(slots, sizeof(*img->slots));
	img->cbuf = malloc(img->cs);
	img->rbuf = malloc(img->cs);
	img->dbuf = malloc(img->cs);
	img->zbuf = malloc(2 * img->cs + 1024);
	img->zeroes = calloc(1, img->cs);
	return img->slots && img->cbuf && img->rbuf && img->dbuf &&
	       img->zbuf && img->zeroes ? 0 : -ENOMEM;
}

/* The backing file's name and format, from the header and extensions. */
static int read_backing(struct qcow2 *img, const uint8_t *hdr, uint64_t hlen,
			uint64_t ext_start, char *name, char *fmt,
			char *why, size_t whylen)
{
	uint64_t boff = get64(hdr + 8);
	uint32_t blen = get32(hdr + 16);
	uint64_t p = ext_start;

	name[0] = fmt[0] = '\0';
	while (p + 8 <= hlen) {
		uint32_t type = get32(hdr + p), len = get32(hdr + p + 4);

		if (type == EXT_END)
			break;
		if (p + 8 + len > hlen)
			break;
		if (type == EXT_BACKING_FMT && len < 32) {
			memcpy(fmt, hdr + p + 8, len);
			fmt[len] = '\0';
		}
		p += 8 + ((len + 7ULL) & ~7ULL);
	}
	if (!boff)
		return 0;
	if (blen == 0 || blen > 1023 || boff + blen > img->eof) {
		snprintf(why, whylen, "%s: the qcow2 backing file name lies "
			 "outside the file", img->path);
		return -1;
	}
	if (read_at(img, name, blen, boff))
		return -1;
	name[blen] = '\0';
	if (strlen(name) != blen) {
		snprintf(why, whylen, "%s: invalid backing file name", img->path);
		return -1;
	}
	return 0;
}

/* what a file must be: qcow2 (the top image), either, or raw */
enum fmt_kind { FMT_QCOW2, FMT_PROBE, FMT_RAW };

static struct qcow2 *open_one(const char *path, bool ro, uint64_t cache,
			      enum fmt_kind kind, int *fds, int max_fds,
			      int *nfds, char *why, size_t whylen);

static int open_backing(struct qcow2 *img, const char *name, const char *fmt,
			uint64_t cache, int *fds, int max_fds, int *nfds,
			char *why, size_t whylen)
{
	char *dir, *full = NULL;
	enum fmt_kind kind = FMT_PROBE;

	if (fmt[0] && strcmp(fmt, "raw") && strcmp(fmt, "qcow2")) {
		snprintf(why, whylen, "%s: backing file format '%s' is not "
			 "supported (raw or qcow2)", img->path, fmt);
		return -1;
	}
	if (!strcmp(fmt, "qcow2"))
		kind = FMT_QCOW2;
	else if (!strcmp(fmt, "raw"))
		kind = FMT_RAW;
	if (*nfds >= max_fds) {
		snprintf(why, whylen, "%s: backing chain deeper than %d files",
			 img->path, max_fds);
		return -1;
	}
	if (name[0] == '/') {
		full = strdup(name);
	} else {
		char *copy = strdup(img->path);

		dir = copy ? dirname(copy) : NULL;
		if (dir && asprintf(&full, "%s/%s", dir, name) < 0)
			full = NULL;
		free(copy);
	}
	if (!full) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	img->backing = open_one(full, true, cache / 4, kind, fds, max_fds,
				nfds, why, whylen);
	if (!img->backing && !strncmp(why, full, strlen(full))) {
		/* name the image that wants it */
		char inner[1024];

		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, whylen, "%s: backing file %s", img->path, inner);
	}
	free(full);
	return img->backing ? 0 : -1;
}

static struct qcow2 *open_one(const char *path, bool ro, uint64_t cache,
			      enum fmt_kind kind, int *fds, int max_fds,
			      int *nfds, char *why, size_t whylen)
{
	struct qcow2 *img = calloc(1, sizeof(*img));
	uint8_t h[512], *hdr = NULL;
	char name[1024], fmt[32];
	uint64_t hlen, ext_start, incompat = 0, l1_bytes, rt_bytes, need;
	uint32_t crypt, cb;
	struct stat st;
	int ret;

	if (!img) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return NULL;
	}
	img->fd = -1;
	img->ro = ro;
	img->path = realpath(path, NULL);
	if (!img->path) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(img);
		return NULL;
	}
	img->fd = open(img->path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (img->fd < 0)
		REFUSE("%s: %s", path, strerror(errno));
	if (fstat(img->fd, &st) < 0)
		REFUSE("%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		REFUSE("%s: %s", path, strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		REFUSE("%s: not a regular file", path);
	fds[(*nfds)++] = img->fd;
	if (take_locks(img->fd, !ro, path, why, whylen))
		goto fail;
	img->eof = (uint64_t)st.st_size;
	memset(h, 0, sizeof(h));
	if (read_at(img, h, sizeof(h), 0))
		REFUSE("%s: %s", path, strerror(errno));

	if (kind == FMT_RAW || img->eof < 4 || get32(h) != QCOW2_MAGIC) {
		if (kind != FMT_QCOW2) {
			img->raw = true;
			img->size = img->eof;
			return img;
		}
		REFUSE("%s: not a qcow2 image", path);
	}
	if (img->eof < 72)
		REFUSE("%s: truncated qcow2 header", path);
	img->version = get32(h + 4);
	if (img->version != 2 && img->version != 3)
		REFUSE("%s: qcow2 version %u is not supported (2 or 3)", path,
		       img->version);
	hlen = 72;
	if (img->version == 3) {
		if (img->eof < 104)
			REFUSE("%s: truncated qcow2 header", path);
		hlen = get32(h + 100);
		if (hlen < 104 || hlen % 8 || hlen > 512)
			REFUSE("%s: invalid qcow2 header length %" PRIu64,
			       path, hlen);
		if (img->eof < hlen)
			REFUSE("%s: truncated qcow2 header", path);
		incompat = get64(h + 72);
	}
	cb = get32(h + 20);
	if (cb < 9 || cb > 21)
		REFUSE("%s: qcow2 cluster size 2^%u is not supported (512 B to "
		       "2 MiB)", path, cb);
	img->cluster_bits = cb;
	img->cs = 1ULL << cb;
	img->l2_entries = img->cs / 8;
	img->size = get64(h + 24);
	crypt = get32(h + 32);
	if (crypt)
		REFUSE("%s: encrypted qcow2 images are not supported", path);
	if (incompat & INCOMPAT_CORRUPT)
		REFUSE("%s: the qcow2 image is marked corrupt ('qemu-img check "
		       "-r all' may repair it)", path);
	if (incompat & INCOMPAT_DIRTY)
		REFUSE("%s: the qcow2 image is dirty (its refcounts need "
		       "repair: 'qemu-img check -r all')", path);
	if (incompat & INCOMPAT_DATA_FILE)
		REFUSE("%s: qcow2 external data files are not supported", path);
	if (incompat & INCOMPAT_EXTL2)
		REFUSE("%s: qcow2 extended L2 entries are not supported", path);
	if (incompat & ~INCOMPAT_KNOWN)
		REFUSE("%s: unknown qcow2 incompatible features 0x%" PRIx64,
		       path, (uint64_t)(incompat & ~INCOMPAT_KNOWN));
	if (incompat & INCOMPAT_COMPRESSION) {
		unsigned t = hlen > 104 ? h[104] : 0;

		if (t != 1)
			REFUSE("%s: qcow2 compression type %u is not supported "
			       "(zlib or zstd)", path, t);
		img->compression = 1;
	}
	img->refcount_bits = 16;
	if (img->version == 3) {
		uint32_t order = get32(h + 96);

		if (order > 6)
			REFUSE("%s: qcow2 refcount order %u is not supported",
			       path, order);
		img->refcount_bits = 1U << order;
	}
	img->l1_size = get32(h + 36);
	img->l1_offset = get64(h + 40);
	img->rt_offset = get64(h + 48);
	img->rt_clusters = get32(h + 56);
	img->file_end = (img->eof + img->cs - 1) & ~(img->cs - 1);

	l1_bytes = (uint64_t)img->l1_size * 8;
	need = (img->size + img->cs * img->l2_entries - 1) /
	       (img->cs * img->l2_entries);
	if (l1_bytes > MAX_L1_BYTES || img->l1_size < need)
		REFUSE("%s: invalid qcow2 L1 table size %u", path, img->l1_size);
	if (img->l1_size && ((img->l1_offset & (img->cs - 1)) ||
			     img->l1_offset + l1_bytes > img->eof ||
			     !img->l1_offset))
		REFUSE("%s: the qcow2 L1 table lies outside the file", path);
	rt_bytes = (uint64_t)img->rt_clusters * img->cs;
	if (rt_bytes > MAX_RT_BYTES * 8ULL || !img->rt_clusters ||
	    (img->rt_offset & (img->cs - 1)) || !img->rt_offset ||
	    img->rt_offset + rt_bytes > img->eof)
		REFUSE("%s: the qcow2 refcount table lies outside the file",
		       path);
	if (get32(h + 60) && ((get64(h + 64) & (img->cs - 1)) ||
			      get64(h + 64) >= img->eof))
		REFUSE("%s: the qcow2 snapshot table lies outside the file",
		       path);

	/* header extensions: anywhere in the first cluster */
	ext_start = hlen;
	{
		uint64_t first = img->cs < img->eof ? img->cs : img->eof;

		hdr = malloc(first);
		if (!hdr || read_at(img, hdr, first, 0))
			REFUSE("%s: %s", path, strerror(errno ? errno : ENOMEM));
		if (read_backing(img, hdr, first, ext_start, name, fmt, why,
				 whylen))
			goto fail;
		free(hdr);
		hdr = NULL;
	}

	img->l1 = calloc(img->l1_size ? img->l1_size : 1, 8);
	img->rt_cap = rt_bytes / 8;
	img->rt_len = img->rt_cap;
	img->rt = malloc(rt_bytes);
	if (!img->l1 || !img->rt)
		REFUSE("%s: %s", path, strerror(ENOMEM));
	if (read_at(img, img->l1, l1_bytes, img->l1_offset) ||
	    read_at(img, img->rt, rt_bytes, img->rt_offset))
		REFUSE("%s: %s", path, strerror(errno));
	for (uint32_t i = 0; i < img->l1_size; i++) {
		uint64_t o;

		img->l1[i] = be64toh(img->l1[i]);
		o = img->l1[i] & OFF_MASK;
		if (o && ((o & (img->cs - 1)) || o + img->cs > img->file_end))
			REFUSE("%s: qcow2 L1 entry %u points outside the file",
			       path, i);
	}
	for (uint64_t i = 0; i < img->rt_len; i++) {
		uint64_t o;

		img->rt[i] = be64toh(img->rt[i]);
		o = img->rt[i] & RT_MASK;
		if (o && ((o & (img->cs - 1)) || o + img->cs > img->file_end))
			REFUSE("%s: qcow2 refcount table entry %" PRIu64
			       " points outside the file", path, i);
	}
	ret = alloc_buffers(img, cache);
	if (ret)
		REFUSE("%s: %s", path, strerror(-ret));
	if (!ro && img->version == 3 && get64(h + 88)) {
		/* autoclear features we do not maintain: they go */
		uint64_t zero = 0;

		if (write_at(img, &zero, 8, 88) || sync_file(img))
			REFUSE("%s: %s", path, strerror(errno));
	}
	if (name[0] && open_backing(img, name, fmt, cache, fds, max_fds, nfds,
				    why, whylen))
		goto fail;
	return img;
fail:
	free(hdr);
	qcow2_close(img);
	return NULL;
}

struct qcow2 *qcow2_open(const char *path, bool read_only, uint64_t cache,
			 int *fds, int max_fds, int *nfds,
			 char *why, size_t whylen)
{
	*nfds = 0;
	return open_one(path, read_only, cache, FMT_QCOW2, fds, max_fds, nfds,
			why, whylen);
}

void qcow2_close(struct qcow2 *img)
{
	if (!img)
		return;
	qcow2_close(img->backing);
	if (img->fd >= 0)
		close(img->fd);
	if (img->slots) {
		for (unsigned i = 0; i < img->nsets * CACHE_WAYS; i++)
			free(img->slots[i].tab);
	}
	free(img->slots);
	free(img->cbuf);
	free(img->rbuf);
	free(img->dbuf);
	free(img->zbuf);
	free(img->zeroes);
	if (img->zs_ready)
		inflateEnd(&img->zs);
	if (img->zstd)
		ZSTD_freeDCtx(img->zstd);
	free(img->l1);
	free(img->rt);
	free(img->path);
	free(img);
}

uint64_t qcow2_size(const struct qcow2 *img)
{
	return img->size;
}

uint32_t qcow2_cluster_size(const struct qcow2 *img)
{
	return (uint32_t)img->cs;
}

const char *qcow2_backing_name(const struct qcow2 *img, int i)
{
	const struct qcow2 *b = img->backing;

	while (b && i-- > 0)
		b = b->backing;
	return b ? b->path : NULL;
}
