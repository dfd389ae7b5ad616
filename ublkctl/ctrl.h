/* SPDX-License-Identifier: GPL-2.0 */
/* Control commands on /dev/ublk-control (io_uring URING_CMD, SQE128). */
#ifndef UBLKCTL_CTRL_H
#define UBLKCTL_CTRL_H

#include <sched.h>
#include <stdint.h>

#include "ublk_abi.h"

/* 0 or -errno; prints the no-driver error itself when there is no ublk. */
int ctrl_open(void);
void ctrl_close(void);
/* Call in a forked child: forget the parent's ring, keep the fd. */
void ctrl_after_fork(void);
int ctrl_fd(void);

int ctrl_get_features(uint64_t *features);
int ctrl_add_dev(struct ublksrv_ctrl_dev_info *info);
int ctrl_del_dev(int dev_id);
/* DEL_DEV that does not wait for the disk's last user to close it. */
int ctrl_del_dev_async(int dev_id);
/* Stop unless the disk is open (UBLK_F_SAFE_STOP_DEV): -EBUSY if it is. */
int ctrl_try_stop_dev(int dev_id);
int ctrl_start_dev(int dev_id, int pid);
int ctrl_stop_dev(int dev_id);
int ctrl_set_params(int dev_id, struct ublk_params *p);
int ctrl_get_params(int dev_id, struct ublk_params *p);
int ctrl_get_info(int dev_id, struct ublksrv_ctrl_dev_info *info);
int ctrl_get_affinity(int dev_id, unsigned q_id, cpu_set_t *set);
int ctrl_start_recovery(int dev_id);
int ctrl_end_recovery(int dev_id, int pid);

/* Names: "user_recovery", ...; NULL for an unknown bit. */
const char *ublk_flag_name(unsigned bit);
const char *ublk_state_name(unsigned state);

/* Kernel features, masked by $UBLKCTL_FEATURE_MASK (a test hook). */
uint64_t features_mask(uint64_t features);

/* Device ids the kernel knows about, sorted; returns count or -errno. */
int ctrl_list_ids(int **ids);

#endif
