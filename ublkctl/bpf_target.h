/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF targets: a target's IO served in the kernel by a BPF program
 * compiled into ublkctl (bpf-targets/NAME.bpf.c, embedded as a libbpf
 * skeleton), with the userspace server as the fallback for whatever the
 * program redirects.
 *
 * Design
 * - One BPF object per device.  Its read-only data carries the device's
 *   layout (files, chunk size), its "stats" map the device's handled and
 *   redirected counts.
 * - Attaching (after ADD_DEV, before START_DEV; or during recovery):
 *   load the object, register its struct_ops map (libbpf attach), hand
 *   the backing files to the kernel (UBLK_U_CMD_SET_BPF_FILES, fds in the
 *   order of cfg->fds), bind the map by its id with UBLK_U_CMD_BIND_BPF,
 *   pin the stats map, then drop the registration and the object.  The
 *   kernel's binding holds the program and its maps from then on, so the
 *   device keeps its BPF path when the server dies: requests the program
 *   handles go on, redirected ones wait for `recover` like any other.
 *   BIND_BPF rather than a UBLK_PARAM_TYPE_BPF parameter, because it works
 *   the same at add and at recovery (and replaces the old binding).
 * - Pins: $UBLKCTL_BPF_DIR (default /sys/fs/bpf/ublkctl, bpffs mounted
 *   there if needed) / <id> / stats.  `list` reads the counters from the
 *   pin; `recover` loads a fresh object that reuses the pinned stats map
 *   (counters carry on) and binds it in place of the old one; deleting the
 *   device removes the directory (bpf_dev_forget).
 * - Kernel support is UBLK_F_BPF in GET_FEATURES; a program the kernel
 *   rejects (e.g. a kfunc it lacks) is reported as the reason, and the
 *   caller decides: --bpf=on fails, --bpf=auto serves in userspace.
 */
#ifndef UBLKCTL_BPF_TARGET_H
#define UBLKCTL_BPF_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ublkctl.h"

struct bpf_stats {
	uint64_t handled;	/* requests the program took */
	uint64_t redirected;	/* requests it sent to the server */
};

/* "auto", "on", "off"; 0 or -1. */
int bpf_mode_parse(const char *s, enum bpf_mode *mode);
const char *bpf_mode_name(enum bpf_mode mode);

/* Does GET_FEATURES (features) offer ublk BPF? */
static inline bool bpf_kernel_supported(uint64_t features)
{
	return features & UBLK_F_BPF;
}

/* Is a BPF program compiled in for this target name? */
bool bpf_target_has_program(const char *target);

/*
 * `add`: decide cfg->bpf from cfg->bpf_mode before any device exists:
 * the driver must offer UBLK_F_BPF and the kernel must accept the
 * target's program (loaded once to check, then dropped).  --bpf=on
 * failing is an error (printed, -1); --bpf=auto falling back says why
 * with -v.  Needs the control device open.
 */
int bpf_choose(struct dev_config *cfg);

/*
 * Server: attach when cfg->bpf (after ADD_DEV, or START_USER_RECOVERY if
 * recover).  A failure is an error under --bpf=on (printed, -1); under
 * auto a warning, and the device is served in userspace (cfg->bpf false).
 */
int bpf_server_attach(struct dev_config *cfg, bool recover);

/*
 * Attach cfg->tgt's program to device cfg->dev_id, which exists with
 * UBLK_F_BPF (ADD_DEV done, or START_USER_RECOVERY done), using the open
 * backing files cfg->fds.  keep_stats: reuse the pinned counters of an
 * earlier attach (recover) instead of starting from zero.  0, or -errno
 * with a one-line reason in why (nothing left bound or pinned).
 * Needs the control device open (ctrl_open()).
 */
int bpf_dev_attach(const struct dev_config *cfg, bool keep_stats,
		   char *why, size_t whylen);

/* Unbind the device's program (requests go to the server) and unpin. */
int bpf_dev_detach(int dev_id);

/* Remove the device's pins (the device is gone or going). */
void bpf_dev_forget(int dev_id);

/* The device's counters, from the pin: 0, or -ENOENT if it has none. */
int bpf_dev_stats(int dev_id, struct bpf_stats *st);

/* Where the pins of dev_id live. */
void bpf_dev_pin_dir(int dev_id, char *buf, size_t len);

#endif
