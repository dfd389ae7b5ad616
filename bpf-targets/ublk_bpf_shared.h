/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF targets (bpf-targets/NAME.bpf.c) and ublkctl
 * (ublkctl/bpf_target.c): plain C, no BPF or libc headers needed.
 */
#ifndef UBLK_BPF_SHARED_H
#define UBLK_BPF_SHARED_H

/*
 * The "stats" map of every target: a per-CPU array, one slot per counter,
 * each an unsigned 64-bit count of requests.  A request counts once, at
 * its first ->queue_io() call: "handled" if the program took it (completed
 * it or queued aio for it), "redirected" if it went to the ublk server.
 */
enum ublk_bpf_stat {
	UBLK_BPF_STAT_HANDLED = 0,
	UBLK_BPF_STAT_REDIRECTED = 1,
	UBLK_BPF_STAT_NR = 2,
};

/*
 * Most backing files a BPF target uses (stripe: 2..8, loop: 1); not the
 * kernel's UBLK_BPF_MAX_FILES (64), the size of its file table.
 */
#define UBLKCTL_BPF_MAX_FILES 8

#endif
