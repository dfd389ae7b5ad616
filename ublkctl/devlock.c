// SPDX-License-Identifier: GPL-2.0
/* Per-device lock files (see devlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devlock.h"
#include "trust.h"
#include "ublkctl.h"

static void lock_path(int id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d.lock", run_dir(), id);
}

/* Is fd still the file at path (nobody released and removed it)? */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int devlock_take(int id, unsigned wait_ms)
{
	char path[PATH_MAX], why[PATH_MAX + 64];
	unsigned waited = 0;
	int fd, ret;

	ret = trusted_dir(run_dir(), true, why, sizeof(why));
	if (ret) {
		err_msg("%s", why);
		return ret;
	}
	lock_path(id, path, sizeof(path));
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			ret = -errno;
			err_msg("%s: %s", path, strerror(errno));
			return ret;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (still_linked(fd, path))
				return fd;
			close(fd);	/* released meanwhile: a new file */
			continue;
		}
		ret = -errno;
		close(fd);
		if (ret != -EWOULDBLOCK) {
			err_msg("%s: %s", path, strerror(-ret));
			return ret;
		}
		if (waited >= wait_ms)
			break;
		nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
		waited += 20;
	}
	err_msg("device %d: busy (another ublkctl command is working on it)",
		id);
	return -EBUSY;
}

void devlock_release(int id, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	lock_path(id, path, sizeof(path));
	if (still_linked(fd, path))
		unlink(path);
	close(fd);
}
