// SPDX-License-Identifier: GPL-2.0
/* Directories ublkctl may trust with its state and pins (see trust.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

/* An ancestor may be shared, but only root or we can change what it holds. */
static int check_ancestor(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %u, not trusted", path,
			 (unsigned)st.st_uid);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, whylen, "%s: writable by others, not trusted",
			 path);
		return -EPERM;
	}
	return 0;
}

/* Walk the real path of parent from / down. */
static int check_ancestors(const char *parent, char *why, size_t whylen)
{
	char *real = realpath(parent, NULL);
	int ret;

	if (!real) {
		snprintf(why, whylen, "%s: %s", parent, strerror(errno));
		return -errno;
	}
	ret = check_ancestor("/", why, whylen);
	for (char *p = real + 1; !ret && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = check_ancestor(real, why, whylen);
		*p = '/';
	}
	if (!ret && strcmp(real, "/"))
		ret = check_ancestor(real, why, whylen);
	free(real);
	return ret;
}

static int make_parents(const char *dir, char *why, size_t whylen)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
			snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

int trusted_dir(const char *dir, bool create, char *why, size_t whylen)
{
	char parent[PATH_MAX], *slash;
	struct stat st;
	int ret;

	if (strlen(dir) >= sizeof(parent) || dir[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path", dir);
		return -EINVAL;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	while ((slash = strrchr(parent, '/')) && slash != parent && !slash[1])
		*slash = '\0';		/* trailing slashes */
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (create) {
		ret = make_parents(dir, why, whylen);
		if (ret)
			return ret;
	}
	ret = check_ancestors(parent, why, whylen);
	if (ret)
		return ret;
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return ret;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, whylen, "%s: is a symbolic link, not trusted", dir);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: %s", dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %u, not by uid %u", dir,
			 (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	/* ours: make it private if it is not (an older ublkctl, umask) */
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}
