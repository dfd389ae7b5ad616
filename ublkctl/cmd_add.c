// SPDX-License-Identifier: GPL-2.0
/* `ublkctl add`: parse and check the arguments, open the target, start a
 * server.  Everything found wrong from the arguments alone exits 2 before
 * the system is touched. */
#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "bpf_target.h"
#include "cli.h"
#include "ctrl.h"
#include "devlock.h"
#include "server.h"
#include "target.h"

enum {
	OPT_SIZE = 1000,
	OPT_CHUNK,
	OPT_BS,
	OPT_RO,
	OPT_ZC,
	OPT_NO_RECOVERY,
	OPT_FOREGROUND,
	OPT_SHARED,
	OPT_BPF,
	OPT_CACHE,
	OPT_LAST = OPT_CACHE,	/* seen[] counts up to it */
};

static const struct argp_option add_options[] = {
	{ "target", 't', "TARGET", 0, "Target: null, loop, stripe or qcow2", 0 },
	{ "file", 'f', "FILE", 0,
	  "Backing file or block device (loop: 1, stripe: 2-8), or the "
	  "qcow2 image", 0 },
	{ "id", 'n', "ID", 0, "Device id (default: the first free one)", 0 },
	{ "queues", 'q', "QUEUES", 0,
	  "Hardware queues, 1-64 (default: one per CPU, up to 4)", 0 },
	{ "depth", 'd', "DEPTH", 0, "Queue depth, 1-4096 (default 128)", 0 },
	{ "size", OPT_SIZE, "BYTES", 0, "Device size, null only (default 256G)",
	  0 },
	{ "chunk-size", OPT_CHUNK, "BYTES", 0,
	  "Stripe chunk, a power of two 4K-1M (default 64K)", 0 },
	{ "cache-size", OPT_CACHE, "BYTES", 0,
	  "qcow2 L2 table cache (default 32M, or what the image needs)", 0 },
	{ "block-size", OPT_BS, "512|4096", 0,
	  "Logical block size (default 512)", 0 },
	{ "read-only", OPT_RO, 0, 0, "Create a read-only device", 0 },
	{ "zero-copy", OPT_ZC, "auto|on|off", 0,
	  "Zero copy through UBLK_F_AUTO_BUF_REG (default auto)", 0 },
	{ "bpf", OPT_BPF, "auto|on|off", 0,
	  "Serve IO in the kernel with the target's BPF program (default "
	  "auto)", 0 },
	{ "shared", OPT_SHARED, 0, 0,
	  "Allow files another ublkctl device serves, and disks others have "
	  "open", 0 },
	{ "no-recovery", OPT_NO_RECOVERY, 0, 0,
	  "Fail IO instead of waiting when the server dies", 0 },
	{ "foreground", OPT_FOREGROUND, 0, 0,
	  "Keep the server attached; SIGINT/SIGTERM remove the device", 0 },
	{ "verbose", 'v', 0, 0, "Log more", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

struct add_args {
	struct dev_config *cfg;
	int nr_files;		/* as given, may exceed the maximum */
	bool size_set;
	bool chunk_set;
	bool cache_set;
	const char *size_arg;
	unsigned char seen[OPT_LAST + 1];	/* options given, by key */
};

/*
 * The kernel's block layer counts bytes in a signed 64-bit loff_t; the
 * state file keeps the size as a JSON (signed) integer.
 */
#define MAX_DEV_BYTES	((uint64_t)INT64_MAX)

static error_t add_parse(int key, char *arg, struct argp_state *state)
{
	struct add_args *a = state->input;
	struct dev_config *cfg = a->cfg;
	unsigned long v;
	uint64_t sz;

	/* -f and -v are the options meant to be repeated */
	if (key != 'f' && key != 'v')
		cli_once(add_options, a->seen, OPT_LAST + 1, key);
	switch (key) {
	case 't':
		cfg->tgt = target_find(arg);
		if (!cfg->tgt)
			usage_error("unknown target '%s' (%s)", arg,
				    target_names());
		break;
	case 'f':
		if (!*arg)
			usage_error("empty file name");
		if (a->nr_files < UBLKCTL_MAX_FILES)
			cfg->files[a->nr_files] = strdup(arg);
		a->nr_files++;
		break;
	case 'n':
		cfg->dev_id = cli_parse_id(arg);
		break;
	case 'q':
		if (parse_uint(arg, UBLKCTL_MAX_QUEUES, &v) || !v)
			usage_error("invalid queue count '%s' (1-%d)", arg,
				    UBLKCTL_MAX_QUEUES);
		cfg->nr_queues = (unsigned)v;
		break;
	case 'd':
		if (parse_uint(arg, UBLK_MAX_QUEUE_DEPTH, &v) || !v)
			usage_error("invalid depth '%s' (1-%d)", arg,
				    UBLK_MAX_QUEUE_DEPTH);
		cfg->depth = (unsigned)v;
		break;
	case OPT_SIZE:
		if (parse_size(arg, &sz) || !sz)
			usage_error("invalid size '%s'", arg);
		if (sz > MAX_DEV_BYTES)
			usage_error("invalid size '%s' (less than 8E)", arg);
		cfg->size = sz;
		a->size_set = true;
		a->size_arg = arg;
		break;
	case OPT_CHUNK:
		if (parse_size(arg, &sz) || !is_pow2(sz) || sz < 4096 ||
		    sz > (1U << 20))
			usage_error("invalid chunk size '%s' (a power of two, "
				    "4K-1M)", arg);
		cfg->chunk_size = (uint32_t)sz;
		a->chunk_set = true;
		break;
	case OPT_CACHE:
		if (parse_size(arg, &sz) || !sz || sz > (1ULL << 40))
			usage_error("invalid cache size '%s'", arg);
		cfg->cache_size = sz;
		a->cache_set = true;
		break;
	case OPT_BS:
		if (strcmp(arg, "512") && strcmp(arg, "4096"))
			usage_error("invalid block size '%s' (512 or 4096)",
				    arg);
		cfg->block_size = (unsigned)atoi(arg);
		break;
	case OPT_RO:
		cfg->read_only = true;
		break;
	case OPT_ZC:
		if (!strcmp(arg, "auto"))
			cfg->zero_copy = ZC_AUTO;
		else if (!strcmp(arg, "on"))
			cfg->zero_copy = ZC_ON;
		else if (!strcmp(arg, "off"))
			cfg->zero_copy = ZC_OFF;
		else
			usage_error("invalid zero-copy mode '%s' "
				    "(auto, on or off)", arg);
		break;
	case OPT_BPF:
		if (bpf_mode_parse(arg, &cfg->bpf_mode))
			usage_error("invalid BPF mode '%s' (auto, on or off)",
				    arg);
		break;
	case OPT_NO_RECOVERY:
		cfg->recovery = false;
		break;
	case OPT_SHARED:
		cfg->shared = true;
		break;
	case OPT_FOREGROUND:
		cfg->foreground = true;
		break;
	case 'v':
		cfg->verbose++;
		break;
	case ARGP_KEY_END:
		break;
	default:
		return cli_common_key(key, arg, state);
	}
	return 0;
}

/* Checks that need all options: the per-target option table. */
static void add_check(struct add_args *a)
{
	struct dev_config *cfg = a->cfg;
	const struct target_ops *t = cfg->tgt;

	if (!t)
		usage_error("missing target (-t TARGET)");
	if (a->nr_files < t->min_files || a->nr_files > t->max_files) {
		if (t->max_files == 0)
			usage_error("target '%s' takes no files", t->name);
		if (t->min_files == t->max_files)
			usage_error("target '%s' takes exactly %d file%s (-f), "
				    "got %d", t->name, t->min_files,
				    t->min_files == 1 ? "" : "s", a->nr_files);
		usage_error("target '%s' takes %d to %d files (-f), got %d",
			    t->name, t->min_files, t->max_files, a->nr_files);
	}
	cfg->nr_files = a->nr_files;
	if (a->size_set && !(t->opts & TGT_OPT_SIZE))
		usage_error("--size does not apply to target '%s' (its files "
			    "give the size)", t->name);
	if (a->chunk_set && !(t->opts & TGT_OPT_CHUNK))
		usage_error("--chunk-size does not apply to target '%s'",
			    t->name);
	if (a->cache_set && !(t->opts & TGT_OPT_CACHE))
		usage_error("--cache-size does not apply to target '%s'",
			    t->name);
	if (a->size_set && cfg->size % cfg->block_size)
		usage_error("size '%s' is not a multiple of the block size "
			    "(%u)", a->size_arg, cfg->block_size);
}

static const char add_usage[] =
"Usage: ublkctl add -t TARGET [-f FILE]... [-n ID] [-q QUEUES] [-d DEPTH]\n"
"                   [--size BYTES] [--chunk-size BYTES] [--cache-size BYTES]\n"
"                   [--block-size 512|4096]\n"
"                   [--read-only] [--zero-copy=auto|on|off] [--bpf=auto|on|off]\n"
"                   [--shared] [--no-recovery] [--foreground] [-v]";

int cmd_add(int argc, char **argv)
{
	static const struct argp ap = {
		add_options, add_parse, NULL,
		"Create a ublk block device served by this program and print "
		"its path (/dev/ublkbN) once it is live.\v"
		"Sizes take K/M/G/T/P/E suffixes (powers of 1024).\n", NULL, NULL,
		NULL
	};
	struct dev_config cfg;
	struct add_args a = { .cfg = &cfg };
	int nproc = get_nprocs(), rc, lock_fd = -1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dev_id = -1;
	cfg.nr_queues = (unsigned)(nproc < 1 ? 1 : nproc > 4 ? 4 : nproc);
	cfg.depth = UBLKCTL_DEF_DEPTH;
	cfg.block_size = 512;
	cfg.chunk_size = UBLKCTL_DEF_CHUNK;
	cfg.recovery = true;
	cfg.zero_copy = ZC_AUTO;
	cfg.bpf_mode = BPF_MODE_AUTO;
	for (int i = 0; i < UBLKCTL_MAX_FDS; i++)
		cfg.fds[i] = -1;

	cli_parse(&ap, add_usage, argc, argv, &a);
	add_check(&a);

	if (ctrl_open())
		return EXIT_FAIL;
	/* an id of our choosing: nobody else may be working on it */
	if (cfg.dev_id >= 0) {
		lock_fd = devlock_take(cfg.dev_id, 0);
		if (lock_fd < 0)
			return EXIT_FAIL;
	}
	if (cfg.tgt->open(&cfg)) {
		devlock_release(cfg.dev_id, lock_fd);
		return EXIT_FAIL;
	}
	if (bpf_choose(&cfg)) {
		target_close(&cfg);
		ctrl_close();
		devlock_release(cfg.dev_id, lock_fd);
		return EXIT_FAIL;
	}
	rc = server_main(&cfg, SERVER_ADD, lock_fd);
	target_close(&cfg);
	ctrl_close();
	return rc;
}
