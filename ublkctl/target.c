// SPDX-License-Identifier: GPL-2.0
/* The list of targets and helpers their open ops share. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Can this fd do O_DIRECT IO in units of the device's block size? */
static bool direct_io_works(int fd, unsigned bs, uint64_t size)
{
	void *buf;
	bool ok;

	if (size < bs)
		return true;
	buf = mmap(NULL, bs, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return true;
	ok = pread(fd, buf, bs, 0) == (ssize_t)bs;
	munmap(buf, bs);
	return ok;
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
	int fd;

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
	if (cfg->file_direct[i] &&
	    !direct_io_works(fd, cfg->block_size, *size)) {
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
