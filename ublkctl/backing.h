/* SPDX-License-Identifier: GPL-2.0 */
/* Backing files that would alias or deadlock (backing.c). */
#ifndef UBLKCTL_BACKING_H
#define UBLKCTL_BACKING_H

#include <stdbool.h>
#include <sys/stat.h>

#include "ublkctl.h"

/* The same file: one inode, or one block device (whatever its names). */
bool same_file(const struct stat *a, const struct stat *b);

/*
 * May cfg->files[i] (st: its stat) back the device?  Not when it is one of
 * files[0..i-1] (open in fds[]), another ublkctl device's file (unless
 * cfg->shared) or a disk whose IO would wait for ever.  Needs the control
 * device open; prints the reason and returns -1 when not.
 */
int backing_check(const struct dev_config *cfg, int i, const struct stat *st);

#endif
