/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_NETLINK_H
#define _HALO_NETLINK_H

#include <linux/types.h>

struct halo_cluster;
struct halo_fence_req;

int halo_genl_init(void);
void halo_genl_exit(void);

/* Events on the "events" group, in the cluster's namespace; lock held. */
void halo_genl_view_event(struct halo_cluster *c);
void halo_genl_quorum_event(struct halo_cluster *c);
void halo_genl_node_event(struct halo_cluster *c, int slot, bool in_view);
void halo_genl_standby_event(struct halo_cluster *c, int slot);
void halo_genl_link_event(struct halo_cluster *c, int slot, int link);
void halo_genl_fence_event(struct halo_cluster *c,
			   const struct halo_fence_req *f);

#endif /* _HALO_NETLINK_H */
