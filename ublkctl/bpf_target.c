// SPDX-License-Identifier: GPL-2.0
/*
 * BPF targets: load a target's embedded program for a device, bind it,
 * pin its counters; read, detach and forget them.  See bpf_target.h for
 * the design.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_target.h"
#include "ctrl.h"
#include "struct_ops_link.h"
#include "target.h"
#include "trust.h"

#include "../bpf-targets/ublk_bpf_shared.h"
#include "loop.skel.h"
#include "null.skel.h"
#include "stripe.skel.h"

#define BPF_FS_MAGIC_NR		0xcafe4a11
#define BPF_PIN_ROOT		"/sys/fs/bpf"
#define BPF_PIN_DEFAULT		BPF_PIN_ROOT "/ublkctl"

/* What ublkctl needs of one skeleton, whatever its type. */
struct bpf_prog_desc {
	const char *target;
	const char *ops_map;		/* the struct_ops map's name */
	bool uses_files;		/* SET_BPF_FILES with the target's fds */
	void *(*open)(struct bpf_object **obj);
	int (*configure)(void *skel, const struct dev_config *cfg);
	void (*destroy)(void *skel);
};

#define SKEL_WRAPPERS(name)						\
static void *name##_open(struct bpf_object **obj)			\
{									\
	struct name##_bpf *s = name##_bpf__open();			\
									\
	if (s)								\
		*obj = s->obj;						\
	return s;							\
}									\
static void name##_destroy(void *skel)					\
{									\
	name##_bpf__destroy(skel);					\
}

SKEL_WRAPPERS(null)
SKEL_WRAPPERS(loop)
SKEL_WRAPPERS(stripe)

static int no_configure(void *skel, const struct dev_config *cfg)
{
	(void)skel;
	(void)cfg;
	return 0;
}

static int stripe_configure(void *skel, const struct dev_config *cfg)
{
	struct stripe_bpf *s = skel;

	if (cfg->nr_files < 1 || cfg->nr_files > UBLKCTL_BPF_MAX_FILES ||
	    cfg->chunk_size < 512 || (cfg->chunk_size & (cfg->chunk_size - 1)))
		return -EINVAL;
	s->rodata->nr_files = (uint32_t)cfg->nr_files;
	s->rodata->chunk_shift = 31 - (uint32_t)__builtin_clz(cfg->chunk_size);
	return 0;
}

static const struct bpf_prog_desc progs[] = {
	/* null zero-fills in place; the kernel takes no /dev/zero as a file */
	{ "null", "null_ops", false, null_open, no_configure, null_destroy },
	{ "loop", "loop_ops", true, loop_open, no_configure, loop_destroy },
	{ "stripe", "stripe_ops", true, stripe_open, stripe_configure,
	  stripe_destroy },
};

#define NR_PROGS (sizeof(progs) / sizeof(progs[0]))

static const struct bpf_prog_desc *prog_find(const char *target)
{
	for (size_t i = 0; i < NR_PROGS; i++)
		if (!strcmp(progs[i].target, target))
			return &progs[i];
	return NULL;
}

bool bpf_target_has_program(const char *target)
{
	return prog_find(target) != NULL;
}

static const char *const mode_names[] = { "auto", "on", "off" };

int bpf_mode_parse(const char *s, enum bpf_mode *mode)
{
	for (int i = 0; i < 3; i++) {
		if (s && !strcmp(s, mode_names[i])) {
			*mode = (enum bpf_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *bpf_mode_name(enum bpf_mode mode)
{
	return (unsigned)mode < 3 ? mode_names[mode] : "?";
}

/*
 * libbpf's messages: kept (the first warning explains a failed load, e.g.
 * a kfunc or struct_ops type the kernel lacks), shown only with -vv.
 */
static char libbpf_last[256];
static int libbpf_verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char line[1024];
	size_t len;

	if (level == LIBBPF_DEBUG && libbpf_verbose < 2)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	/* the first warning names the cause, later ones the consequences */
	if (level == LIBBPF_WARN && len && !libbpf_last[0])
		snprintf(libbpf_last, sizeof(libbpf_last), "%.200s",
			 strncmp(line, "libbpf: ", 8) ? line : line + 8);
	if (libbpf_verbose >= 2)
		dbg_msg(1, "libbpf: %s", line);
	return 0;
}

/* A control command of the BPF series, on a ring of our own. */
static int bpf_ctrl_cmd(unsigned op, int dev_id, uint64_t data,
			void *buf, uint32_t len)
{
	struct ublksrv_ctrl_cmd cmd;
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int ret;

	if (ctrl_fd() < 0) {
		ret = ctrl_open();
		if (ret)
			return ret;
	}
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	ret = io_uring_queue_init_params(2, &ring, &p);
	if (ret < 0)
		return ret;
	memset(&cmd, 0, sizeof(cmd));
	cmd.dev_id = (uint32_t)dev_id;
	cmd.queue_id = (uint16_t)-1;
	cmd.data[0] = data;
	cmd.addr = (uint64_t)(uintptr_t)buf;
	cmd.len = len;
	sqe = io_uring_get_sqe(&ring);
	if (!sqe) {
		io_uring_queue_exit(&ring);
		return -EBUSY;
	}
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctrl_fd();
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	ret = io_uring_submit(&ring);
	if (ret >= 0) {
		do {
			ret = io_uring_wait_cqe(&ring, &cqe);
		} while (ret == -EINTR);
		if (ret == 0) {
			ret = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	io_uring_queue_exit(&ring);
	return ret;
}

static const char *pin_root(void)
{
	const char *d = getenv("UBLKCTL_BPF_DIR");

	return d && *d ? d : BPF_PIN_DEFAULT;
}

void bpf_dev_pin_dir(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d", pin_root(), dev_id);
}

static void stats_pin_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d/stats", pin_root(), dev_id);
}

/*
 * The default pin root needs bpffs at /sys/fs/bpf: mount it if absent.
 * 0, or -errno with the reason in why.
 */
static int ensure_pin_dir(int dev_id, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	struct statfs sfs;
	int ret;

	if (!getenv("UBLKCTL_BPF_DIR") || !*getenv("UBLKCTL_BPF_DIR")) {
		if (statfs(BPF_PIN_ROOT, &sfs) < 0 ||
		    ((unsigned long)sfs.f_type != BPF_FS_MAGIC_NR &&
		     mount("bpf", BPF_PIN_ROOT, "bpf", 0, "mode=0700") < 0)) {
			ret = -errno;
			snprintf(why, whylen, "mounting bpffs on %s: %s",
				 BPF_PIN_ROOT, strerror(errno));
			return ret;
		}
	}
	/* our pins are removed by path: nobody else may have a hand in it */
	ret = trusted_dir(pin_root(), true, why, whylen);
	if (ret)
		return ret;
	bpf_dev_pin_dir(dev_id, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return ret;
	}
	return 0;
}

void bpf_dev_forget(int dev_id)
{
	char path[PATH_MAX], why[PATH_MAX + 64];

	if (trusted_dir(pin_root(), false, why, sizeof(why)))
		return;

	stats_pin_path(dev_id, path, sizeof(path));
	unlink(path);
	bpf_dev_pin_dir(dev_id, path, sizeof(path));
	rmdir(path);
}

static void why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/*
 * Open and configure d's skeleton for cfg, reusing the pinned stats map
 * if asked (and there is one), and load it.  0 with *skel set, or -errno
 * with the reason in why.
 */
static int prog_load(const struct bpf_prog_desc *d,
		     const struct dev_config *cfg, bool keep_stats,
		     void **skelp, struct bpf_object **objp, bool *reused,
		     char *why, size_t whylen)
{
	struct bpf_object *obj = NULL;
	struct bpf_map *stats, *ops;
	char pin[PATH_MAX];
	void *skel;
	int ret, fd;

	*reused = false;
	libbpf_verbose = cfg->verbose;
	libbpf_last[0] = '\0';
	libbpf_set_print(libbpf_log);

	skel = d->open(&obj);
	if (!skel) {
		ret = -errno;
		why_set(why, whylen, "opening the %s BPF program: %s",
			d->target, strerror(-ret));
		return ret;
	}
	stats = bpf_object__find_map_by_name(obj, "stats");
	ops = bpf_object__find_map_by_name(obj, d->ops_map);
	if (!stats || !ops) {
		ret = -ENOENT;
		why_set(why, whylen, "%s BPF program: maps missing", d->target);
		goto fail;
	}
	struct_ops_register_through_link(ops);
	ret = d->configure(skel, cfg);
	if (ret) {
		why_set(why, whylen, "%s BPF program: %s", d->target,
			strerror(-ret));
		goto fail;
	}
	/* a map pinned where others can write is not ours to count in */
	if (keep_stats && !trusted_dir(pin_root(), false, pin, sizeof(pin))) {
		stats_pin_path(cfg->dev_id, pin, sizeof(pin));
		fd = bpf_obj_get(pin);
		if (fd >= 0) {
			*reused = bpf_map__reuse_fd(stats, fd) == 0;
			close(fd);
		}
	}
	ret = bpf_object__load(obj);
	if (ret) {
		why_set(why, whylen, "loading the %s BPF program: %s%s%s",
			d->target, strerror(-ret), libbpf_last[0] ? ": " : "",
			libbpf_last);
		goto fail;
	}
	*skelp = skel;
	*objp = obj;
	return 0;
fail:
	d->destroy(skel);
	return ret;
}

/* Does the kernel accept cfg's program?  Loads it and drops it. */
static int bpf_probe(const struct dev_config *cfg, char *why, size_t whylen)
{
	const struct bpf_prog_desc *d = prog_find(cfg->tgt->name);
	struct bpf_object *obj;
	bool reused;
	void *skel;
	int ret;

	if (!d) {
		why_set(why, whylen, "no BPF program for target %s",
			cfg->tgt->name);
		return -EOPNOTSUPP;
	}
	ret = prog_load(d, cfg, false, &skel, &obj, &reused, why, whylen);
	if (!ret)
		d->destroy(skel);
	return ret;
}

int bpf_dev_attach(const struct dev_config *cfg, bool keep_stats,
		   char *why, size_t whylen)
{
	const struct bpf_prog_desc *d = prog_find(cfg->tgt->name);
	struct bpf_map_info info;
	uint32_t info_len = sizeof(info);
	struct bpf_object *obj;
	struct bpf_link *link = NULL;
	struct bpf_map *ops, *stats;
	char pin[PATH_MAX];
	bool reused;
	void *skel;
	int ret;

	if (!d) {
		why_set(why, whylen, "no BPF program for target %s",
			cfg->tgt->name);
		return -EOPNOTSUPP;
	}
	if (!keep_stats)
		bpf_dev_forget(cfg->dev_id);	/* stale pins of an old device */
	ret = prog_load(d, cfg, keep_stats, &skel, &obj, &reused, why, whylen);
	if (ret)
		return ret;
	ops = bpf_object__find_map_by_name(obj, d->ops_map);
	stats = bpf_object__find_map_by_name(obj, "stats");

	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		ret = -errno;
		why_set(why, whylen, "registering the %s BPF program: %s",
			d->target, strerror(-ret));
		goto out;
	}
	memset(&info, 0, sizeof(info));
	ret = bpf_obj_get_info_by_fd(bpf_map__fd(ops), &info, &info_len);
	if (ret) {
		ret = -errno;
		why_set(why, whylen, "struct_ops map id: %s", strerror(-ret));
		goto out;
	}

	if (d->uses_files && cfg->nr_fds > 0) {
		int32_t fds[UBLKCTL_MAX_FDS];

		for (int i = 0; i < cfg->nr_fds; i++)
			fds[i] = cfg->fds[i];
		ret = bpf_ctrl_cmd(UBLK_U_CMD_SET_BPF_FILES, cfg->dev_id, 0,
				   fds, (uint32_t)(cfg->nr_fds * sizeof(fds[0])));
		if (ret < 0) {
			why_set(why, whylen, "SET_BPF_FILES: %s",
				strerror(-ret));
			goto out;
		}
	}
	ret = bpf_ctrl_cmd(UBLK_U_CMD_BIND_BPF, cfg->dev_id, info.id, NULL, 0);
	if (ret < 0) {
		why_set(why, whylen, "BIND_BPF: %s", strerror(-ret));
		goto out;
	}
	if (!reused) {
		ret = ensure_pin_dir(cfg->dev_id, why, whylen);
		if (!ret) {
			stats_pin_path(cfg->dev_id, pin, sizeof(pin));
			unlink(pin);
			ret = bpf_map__pin(stats, pin);
			if (ret)
				why_set(why, whylen, "pinning %s: %s", pin,
					strerror(-ret));
		}
		if (ret) {
			bpf_ctrl_cmd(UBLK_U_CMD_UNBIND_BPF, cfg->dev_id, 0,
				     NULL, 0);
			goto out;
		}
	}
	dbg_msg(cfg->verbose, "device %d: %s BPF program bound (struct_ops "
		"map %u)", cfg->dev_id, d->target, info.id);
	ret = 0;
out:
	/* once bound, the device holds the program: drop our references */
	if (link)
		bpf_link__destroy(link);
	d->destroy(skel);
	return ret;
}

int bpf_choose(struct dev_config *cfg)
{
	uint64_t feat = 0;
	char why[512];

	cfg->bpf = false;
	if (cfg->bpf_mode == BPF_MODE_OFF)
		return 0;
	if (!bpf_target_has_program(cfg->tgt->name))
		why_set(why, sizeof(why), "no BPF program for target %s",
			cfg->tgt->name);
	else if (ctrl_get_features(&feat) < 0 ||
		 !bpf_kernel_supported(features_mask(feat)))
		why_set(why, sizeof(why), "the ublk driver does not support "
			"BPF (UBLK_F_BPF)");
	else if (bpf_probe(cfg, why, sizeof(why)) == 0)
		cfg->bpf = true;
	if (cfg->bpf)
		return 0;
	if (cfg->bpf_mode == BPF_MODE_ON) {
		err_msg("--bpf=on: %s", why);
		return -1;
	}
	dbg_msg(cfg->verbose, "not using BPF: %s; serving in userspace", why);
	return 0;
}

int bpf_server_attach(struct dev_config *cfg, bool recover)
{
	char why[512];

	if (!cfg->bpf)
		return 0;
	if (!(cfg->dev_flags & UBLK_F_BPF))
		why_set(why, sizeof(why), "device %d was created without "
			"UBLK_F_BPF", cfg->dev_id);
	else if (!bpf_dev_attach(cfg, recover, why, sizeof(why)))
		return 0;
	if (cfg->bpf_mode == BPF_MODE_ON) {
		err_msg("BPF: %s", why);
		return -1;
	}
	warn_msg("BPF: %s; serving in userspace", why);
	if (recover && (cfg->dev_flags & UBLK_F_BPF))
		bpf_dev_detach(cfg->dev_id);	/* no half-old program */
	cfg->bpf = false;
	return 0;
}

int bpf_dev_detach(int dev_id)
{
	int ret = bpf_ctrl_cmd(UBLK_U_CMD_UNBIND_BPF, dev_id, 0, NULL, 0);

	bpf_dev_forget(dev_id);
	return ret == -ENOENT ? 0 : ret;
}

int bpf_dev_stats(int dev_id, struct bpf_stats *st)
{
	char pin[PATH_MAX];
	uint64_t *vals;
	int ncpus, fd, ret = 0;

	memset(st, 0, sizeof(*st));
	stats_pin_path(dev_id, pin, sizeof(pin));
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -ENOENT;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		close(fd);
		return ncpus ? ncpus : -EINVAL;
	}
	vals = calloc((size_t)ncpus, sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	for (uint32_t key = 0; key < UBLK_BPF_STAT_NR && !ret; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &key, vals) < 0) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
		if (key == UBLK_BPF_STAT_HANDLED)
			st->handled = sum;
		else
			st->redirected = sum;
	}
	free(vals);
	close(fd);
	return ret;
}
