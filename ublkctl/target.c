// SPDX-License-Identifier: GPL-2.0
/* The list of targets and helpers their open ops share. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backing.h"
#include "target.h"

static const struct target_ops *const targets[] = {
	&target_null,
	&target_loop,
	&target_stripe,
	&target_qcow2,
};

#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

const struct target_ops *target_find(const char *name)
{
	for (size_t i = 0; i < NR_TARGETS; i++)
		if (!strcmp(targets[i]->name, name))
			return targets[i];
	return NULL;
}

const char *target_names(void)
{
	static char buf[64];

	if (!buf[0]) {
		for (size_t i = 0; i < NR_TARGETS; i++) {
			if (i)
				strcat(buf, ", ");
			strcat(buf, targets[i]->name);
		}
	}
	return buf;
}

/* How long the O_DIRECT probe read may take before add gives up. */
#define PROBE_TIMEOUT_MS	10000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Can this fd do O_DIRECT IO in units of the device's block size?  The
 * probe read runs in a child: on a disk that does not answer (a device
 * stacked on something quiesced or suspended) it would sit in D state,
 * and the command with it.  1 yes, 0 no, -1 no answer in time.
 */
static int direct_io_works(int fd, unsigned bs, uint64_t size)
{
	int status = 0;
	void *buf;
	pid_t pid;

	if (size < bs)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;	/* the server's own IO will tell */
	if (pid == 0) {
		/* a child left reading must not hold the caller's pipes */
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		buf = mmap(NULL, bs, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(buf == MAP_FAILED || pread(fd, buf, bs, 0) == (ssize_t)bs ?
		      0 : 1);
	}
	for (uint64_t start = now_ms(); now_ms() - start < PROBE_TIMEOUT_MS;) {
		struct timespec ts = { 0, 5000000L };

		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status);
		nanosleep(&ts, NULL);
	}
	/* the child ends by itself when the read does */
	return -1;
}

/* A number from the block device's queue limits in sysfs, 0 if none. */
static uint64_t bdev_limit(dev_t rdev, const char *name)
{
	unsigned long long v = 0;
	char path[128];
	FILE *f;

	/* a partition has no queue/ of its own: its disk's applies */
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/%s",
		 major(rdev), minor(rdev), name);
	f = fopen(path, "re");
	if (!f) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/%s",
			 major(rdev), minor(rdev), name);
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * What discard and write-zeroes the backing offers.  A block device says
 * in its queue limits.  A file can punch holes or not: try one past its
 * end, where nothing is to punch (a read-only device needs neither).
 */
static void probe_discard(struct dev_config *cfg, int i, int fd,
			  const struct stat *st, uint64_t size)
{
	uint64_t past_end = (size + 4095) / 4096 * 4096;

	cfg->file_discard_max[i] = 0;
	cfg->file_zeroes_max[i] = 0;
	cfg->file_discard_gran[i] = cfg->block_size;
	if (cfg->read_only)
		return;
	if (S_ISBLK(st->st_mode)) {
		uint64_t gran = bdev_limit(st->st_rdev, "discard_granularity");

		cfg->file_discard_max[i] =
			bdev_limit(st->st_rdev, "discard_max_bytes");
		cfg->file_zeroes_max[i] =
			bdev_limit(st->st_rdev, "write_zeroes_max_bytes");
		if (gran > cfg->block_size && gran <= UINT32_MAX)
			cfg->file_discard_gran[i] = (uint32_t)gran;
		return;
	}
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)past_end, 4096) == 0) {
		cfg->file_discard_max[i] = UINT64_MAX;
		cfg->file_zeroes_max[i] = UINT64_MAX;
	}
}

void target_set_discard(const struct dev_config *cfg, struct ublk_params *p,
			uint64_t max_bytes)
{
	uint64_t discard = UINT32_MAX >> 9 << 9, zeroes = discard;
	uint32_t gran = cfg->block_size;

	if (max_bytes && max_bytes < discard)
		discard = zeroes = max_bytes;
	for (int i = 0; i < cfg->nr_files; i++) {
		if (cfg->file_discard_max[i] < discard)
			discard = cfg->file_discard_max[i];
		if (cfg->file_zeroes_max[i] < zeroes)
			zeroes = cfg->file_zeroes_max[i];
		if (cfg->file_discard_gran[i] > gran)
			gran = cfg->file_discard_gran[i];
	}
	if (!discard && !zeroes)
		return;
	p->types |= UBLK_PARAM_TYPE_DISCARD;
	p->discard.discard_granularity = gran;
	p->discard.max_discard_sectors = (uint32_t)(discard >> 9);
	p->discard.max_write_zeroes_sectors = (uint32_t)(zeroes >> 9);
	p->discard.max_discard_segments = 1;
}

/*
 * Open cfg->files[i] for the device: a regular file or a block device,
 * O_DIRECT when it works (buffered with a warning otherwise).  Stores the
 * fd in cfg->fds[i], replaces the path by its absolute form.
 */
int target_open_file(struct dev_config *cfg, int i, uint64_t *size)
{
	const char *path = cfg->files[i];
	int mode = cfg->read_only ? O_RDONLY : O_RDWR;
	char *abs;
	struct stat st;
	int fd, probe;

	if (stat(path, &st) < 0) {
		err_msg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		err_msg("%s: %s", path, strerror(EISDIR));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err_msg("%s: not a regular file or block device", path);
		return -1;
	}
	if (backing_check(cfg, i, &st))
		return -1;
	/* a disk that is mounted or held by another driver (or device) is
	 * refused: both would write to it */
	if (S_ISBLK(st.st_mode) && !cfg->shared)
		mode |= O_EXCL;
	fd = open(path, mode | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL) {
		fd = open(path, mode | O_CLOEXEC);
		if (fd >= 0)
			warn_msg("%s: O_DIRECT not supported, using buffered IO",
				 path);
		cfg->file_direct[i] = false;
	} else {
		cfg->file_direct[i] = true;
	}
	/* the kernel may still hold the dead server's files (the BPF
	 * program's), and with them the disk: the claim is the device's */
	if (fd < 0 && errno == EBUSY && (mode & O_EXCL) && cfg->recovering) {
		mode &= ~O_EXCL;
		fd = open(path, mode | O_DIRECT | O_CLOEXEC);
	}
	if (fd < 0 && errno == EBUSY && (mode & O_EXCL)) {
		err_msg("%s: in use (mounted, or held by another device)",
			path);
		return -1;
	}
	if (fd < 0) {
		err_msg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_msg("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	cfg->file_blkdev[i] = S_ISBLK(st.st_mode);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0) {
			err_msg("%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		*size = (uint64_t)st.st_size;
	}
	probe = cfg->file_direct[i] ?
		direct_io_works(fd, cfg->block_size, *size) : 1;
	if (probe < 0) {
		err_msg("%s: a read did not complete within %d s", path,
			PROBE_TIMEOUT_MS / 1000);
		close(fd);
		return -1;
	}
	if (!probe) {
		close(fd);
		fd = open(path, mode | O_CLOEXEC);
		if (fd < 0) {
			err_msg("%s: %s", path, strerror(errno));
			return -1;
		}
		warn_msg("%s: O_DIRECT not usable with %u-byte blocks, "
			 "using buffered IO", path, cfg->block_size);
		cfg->file_direct[i] = false;
	}
	if (*size == 0) {
		err_msg("%s: file is empty", path);
		close(fd);
		return -1;
	}
	abs = realpath(path, NULL);
	if (abs) {
		free(cfg->files[i]);
		cfg->files[i] = abs;
	}
	probe_discard(cfg, i, fd, &st, *size);
	cfg->fds[i] = fd;
	cfg->file_size[i] = *size;
	if (cfg->nr_fds < i + 1)
		cfg->nr_fds = i + 1;
	return 0;
}

void target_close(struct dev_config *cfg)
{
	for (int i = 0; i < cfg->nr_fds; i++) {
		if (cfg->fds[i] >= 0)
			close(cfg->fds[i]);
		cfg->fds[i] = -1;
	}
	cfg->nr_fds = 0;
}
