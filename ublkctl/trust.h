/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which directories ublkctl may keep its state and pins in.  A root
 * command that reads a state file starts a server on the files it names,
 * so the directory, and every directory above it, must be out of reach of
 * other users: owned by root or by us, and not writable by anyone else
 * (unless sticky, as /tmp).  The directory itself must be ours, mode 0700.
 */
#ifndef UBLKCTL_TRUST_H
#define UBLKCTL_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Check dir (creating it, 0700, and missing parents, 0755, when create is
 * set).  0, or -errno with a one-line reason in why (ENOENT: it does not
 * exist and create is not set).
 */
int trusted_dir(const char *dir, bool create, char *why, size_t whylen);

#endif
