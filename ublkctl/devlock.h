/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One command at a time per device: add (from the moment it has an id
 * until the device is live and its state saved), recover and del hold
 * run_dir()/<id>.lock (flock) while they work on device <id>.  Another
 * command on the same id fails at once with "busy".  The lock file is
 * removed when the lock is let go, so nothing is left behind.
 */
#ifndef UBLKCTL_DEVLOCK_H
#define UBLKCTL_DEVLOCK_H

/*
 * Lock device id, waiting at most wait_ms for another holder.  The fd of
 * the lock, or -EBUSY (held by another command: the error is printed),
 * or another -errno (printed).  A forked child shares the lock.
 */
int devlock_take(int id, unsigned wait_ms);

/* Let go of the lock and remove its file, if it still is ours. */
void devlock_release(int id, int fd);

#endif
