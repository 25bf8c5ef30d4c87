/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_NETNS_H
#define _HALO_NETNS_H

#include <linux/mutex.h>
#include <net/net_namespace.h>

struct halo_cluster;

/*
 * Per network namespace state. Each netns may hold one cluster instance;
 * a whole N-node cluster can therefore run inside one kernel, one node
 * per netns, as the selftests do.
 */
struct halo_net {
	/* Serialises creating, destroying and configuring the cluster. */
	struct mutex lock;
	/* NULL until haloctl cluster create; published under lock. */
	struct halo_cluster __rcu *cluster;
};

struct halo_net *halo_net(const struct net *net);
bool halo_net_has_cluster(struct halo_net *hn);

int halo_netns_init(void);
void halo_netns_exit(void);

#endif /* _HALO_NETNS_H */
