// SPDX-License-Identifier: GPL-2.0
/*
 * Backing files that must be refused before any IO: the same file twice
 * in one device (its pieces would overwrite each other), a file another
 * ublkctl device serves (unless --shared), and disks whose IO would wait
 * for ever (this device's own disk, a quiesced ublk device, a suspended
 * device-mapper device, or one stacked on such).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backing.h"
#include "ctrl.h"
#include "state.h"

bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) || S_ISBLK(b->st_mode))
		return S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode) &&
		       a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The id of the ublkctl device other than self that serves a file like st,
 * or -1. */
static int served_by_other(const struct stat *st, int self)
{
	struct ublksrv_ctrl_dev_info info;
	struct dirent *e;
	int found = -1;
	DIR *d = opendir(run_dir());

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		struct json_object *o, *files, *f;
		char why[PATH_MAX + 64], *end;
		long id = strtol(e->d_name, &end, 10);
		struct stat other;

		if (end == e->d_name || strcmp(end, ".json") || id < 0 ||
		    id > INT_MAX || id == self)
			continue;
		/* state left by a device that is gone serves nothing */
		if (ctrl_get_info((int)id, &info) < 0)
			continue;
		if (state_load((int)id, &o, why, sizeof(why)))
			continue;
		if (json_object_object_get_ex(o, "files", &files) &&
		    json_object_is_type(files, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(files);
			     i++) {
				f = json_object_array_get_idx(files, i);
				if (json_object_is_type(f, json_type_string) &&
				    !stat(json_object_get_string(f), &other) &&
				    same_file(st, &other)) {
					found = (int)id;
					break;
				}
			}
		}
		json_object_put(o);
	}
	closedir(d);
	return found;
}

static bool sys_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/*
 * Would IO on the disk /sys/block/name wait for ever?  Prints why and
 * returns true.  Walks down through the disks it is stacked on.
 */
static bool disk_would_hang(const char *file, const char *name, int self,
			    int depth)
{
	char path[PATH_MAX], buf[32];
	struct ublksrv_ctrl_dev_info info;
	struct dirent *e;
	bool hang = false;
	int id;
	DIR *d;

	if (depth > 16)
		return false;
	if (sscanf(name, "ublkb%d", &id) == 1) {
		if (id == self) {
			err_msg("%s: is device %d's own disk", file, self);
			return true;
		}
		if (ctrl_get_info(id, &info) == 0 &&
		    info.state != UBLK_S_DEV_LIVE) {
			err_msg("%s: ublk device %d is %s: IO on it would wait "
				"until it is served again", file, id,
				ublk_state_name(info.state));
			return true;
		}
	}
	snprintf(path, sizeof(path), "/sys/block/%s/dm/suspended", name);
	if (sys_read(path, buf, sizeof(buf)) && !strcmp(buf, "1")) {
		err_msg("%s: device-mapper device %s is suspended: IO on it "
			"would wait until it is resumed", file, name);
		return true;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/slaves", name);
	d = opendir(path);
	if (!d)
		return false;
	while (!hang && (e = readdir(d)))
		if (e->d_name[0] != '.')
			hang = disk_would_hang(file, e->d_name, self,
					       depth + 1);
	closedir(d);
	return hang;
}

/* The disk of a block device (a partition's is its parent): its name. */
static bool disk_name(dev_t rdev, char *name, size_t len)
{
	char link[64], part[PATH_MAX];
	char *real, *base;
	bool ok;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(rdev),
		 minor(rdev));
	real = realpath(link, NULL);
	if (!real)
		return false;
	snprintf(part, sizeof(part), "%s/partition", real);
	if (!access(part, F_OK))
		*strrchr(real, '/') = '\0';
	base = strrchr(real, '/');
	ok = base && strlen(base + 1) < len;
	if (ok)
		memcpy(name, base + 1, strlen(base + 1) + 1);
	free(real);
	return ok;
}

int backing_check(const struct dev_config *cfg, int i, const struct stat *st)
{
	const char *path = cfg->files[i];
	char name[NAME_MAX + 1];
	struct stat other;
	int id;

	for (int j = 0; j < i; j++) {
		if (cfg->fds[j] >= 0 && !fstat(cfg->fds[j], &other) &&
		    same_file(st, &other)) {
			err_msg("%s: the same file as %s, given twice", path,
				cfg->files[j]);
			return -1;
		}
	}
	if (S_ISBLK(st->st_mode) && disk_name(st->st_rdev, name, sizeof(name)) &&
	    disk_would_hang(path, name, cfg->dev_id, 0))
		return -1;
	if (!cfg->shared) {
		id = served_by_other(st, cfg->dev_id);
		if (id >= 0) {
			err_msg("%s: device %d serves it already (--shared "
				"allows that)", path, id);
			return -1;
		}
	}
	return 0;
}
