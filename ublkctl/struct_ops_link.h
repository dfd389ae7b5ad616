/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UBLKCTL_STRUCT_OPS_LINK_H
#define UBLKCTL_STRUCT_OPS_LINK_H

#include <bpf/libbpf.h>

/*
 * Call between open and load: bpf_map__attach_struct_ops() then registers
 * the struct_ops map through a link, which its last close unregisters (the
 * loader's exit, even by kill -9). Registered the old way, by a map update,
 * it would stay registered, and ublk_drv loaded, for good if the loader
 * died between registering and binding it (a binding holds its own
 * reference). libbpf learnt struct_ops links in 1.2.
 */
/* BPF_F_LINK of the kernel's uapi (6.4), newer than bookworm's headers */
#define UBLKCTL_BPF_F_LINK (1U << 13)

static inline void struct_ops_register_through_link(struct bpf_map *ops)
{
#if LIBBPF_MAJOR_VERSION > 1 || LIBBPF_MINOR_VERSION >= 2
	bpf_map__set_map_flags(ops, bpf_map__map_flags(ops) | UBLKCTL_BPF_F_LINK);
#else
	(void)ops;
#endif
}

#endif
