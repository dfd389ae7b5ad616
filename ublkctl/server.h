/* SPDX-License-Identifier: GPL-2.0 */
/* The ublk server: device setup, queue threads, daemon and handshake. */
#ifndef UBLKCTL_SERVER_H
#define UBLKCTL_SERVER_H

#include "ublkctl.h"

enum server_mode {
	SERVER_ADD,		/* ADD_DEV + START_DEV */
	SERVER_RECOVER,		/* START/END_USER_RECOVERY of an existing id */
};

/*
 * Run a server for cfg (target already opened).  Detached unless
 * cfg->foreground: returns once the device is live (exit status 0, the
 * device path printed for SERVER_ADD) or with the server's first error
 * (exit status 1).  In the foreground it returns when the server ends.
 * lock_fd: the device's devlock taken by the command (recover, add -n),
 * or -1 (add takes it once ADD_DEV has chosen the id); let go once the
 * device is live, or has failed.
 */
int server_main(struct dev_config *cfg, enum server_mode mode, int lock_fd);

/* The parameters of cfg's device, as SET_PARAMS is given them. */
void server_params(const struct dev_config *cfg, struct ublk_params *p);

#endif
