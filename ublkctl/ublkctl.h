/* SPDX-License-Identifier: GPL-2.0 */
/* Shared definitions: the device configuration and error/log helpers. */
#ifndef UBLKCTL_H
#define UBLKCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define UBLKCTL_MAX_FILES	8
#define UBLKCTL_MAX_FDS		(UBLKCTL_MAX_FILES + 1)
#define UBLKCTL_MAX_QUEUES	64
#define UBLKCTL_DEF_DEPTH	128
#define UBLKCTL_MAX_IO_BYTES	(1U << 20)
#define UBLKCTL_NULL_DEF_SIZE	(256ULL << 30)
#define UBLKCTL_DEF_CHUNK	(64U << 10)

enum zc_mode { ZC_AUTO, ZC_ON, ZC_OFF };
enum bpf_mode { BPF_MODE_AUTO, BPF_MODE_ON, BPF_MODE_OFF };

struct target_ops;

/*
 * Everything that describes a device: what the user asked for, what the
 * target derived from its files, and what the kernel granted.  The saved
 * state file is this structure in JSON; `recover` rebuilds it from there.
 */
struct dev_config {
	const struct target_ops *tgt;
	int dev_id;			/* -1: let the kernel choose */
	unsigned nr_queues;
	unsigned depth;
	unsigned block_size;		/* 512 or 4096 */
	uint64_t size;			/* device size in bytes */
	uint32_t chunk_size;		/* stripe only */
	uint64_t cache_size;		/* qcow2 only: L2 cache bytes, 0 default */
	bool read_only;
	bool shared;			/* --shared: files others serve too */
	bool recovering;		/* opened again by `recover` */
	bool recovery;
	bool foreground;
	int verbose;
	enum zc_mode zero_copy;
	enum bpf_mode bpf_mode;		/* --bpf */
	bool bpf;			/* serve through the target's BPF program */

	int nr_files;
	char *files[UBLKCTL_MAX_FILES];	/* absolute paths */

	/* Filled by the target's open op; fds[] are registered in each ring. */
	int nr_fds;
	int fds[UBLKCTL_MAX_FDS];
	uint64_t file_size[UBLKCTL_MAX_FILES];
	bool file_direct[UBLKCTL_MAX_FILES];
	bool file_blkdev[UBLKCTL_MAX_FILES];
	/* what each backing offers (target_open_file): bytes per request,
	 * 0 for none; block devices say, files can punch holes or not */
	uint64_t file_discard_max[UBLKCTL_MAX_FILES];
	uint64_t file_zeroes_max[UBLKCTL_MAX_FILES];
	uint32_t file_discard_gran[UBLKCTL_MAX_FILES];

	uint64_t cookie;		/* identity: state and ublksrv_flags */

	/* Filled from the kernel. */
	uint64_t dev_flags;		/* UBLK_F_* the device runs with */
	uint32_t max_io_bytes;
};

static inline bool cfg_zero_copy(const struct dev_config *cfg);

/* util.c */
extern const char *cmd_name;	/* "add", "del", ... for messages */
extern bool log_to_syslog;

void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg_msg(int verbose, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void set_error_sink(int fd);
void flush_error_sink(void);
void sink_record(char kind, const char *msg);
char *escape_char(char *o, unsigned char c);
_Noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void no_driver_error(void);

int parse_size(const char *s, uint64_t *out);
int parse_uint(const char *s, unsigned long max, unsigned long *out);
void format_size(uint64_t bytes, char *buf, size_t len);
bool is_pow2(uint64_t v);
bool pid_alive(int pid);
bool pid_is_server(int pid, int dev_id);
void test_stop_point(const char *name);
const char *run_dir(void);

#include "ublk_abi.h"

static inline bool cfg_zero_copy(const struct dev_config *cfg)
{
	return cfg->dev_flags & UBLK_F_AUTO_BUF_REG;
}

#endif
