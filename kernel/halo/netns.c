// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The per network namespace instance: created with the namespace (or for
 * every existing one when the module loads) and torn down with it.
 */

#include "cluster.h"
#include "netns.h"

#include <linux/rcupdate.h>
#include <net/netns/generic.h>

static unsigned int halo_net_id __read_mostly;

struct halo_net *halo_net(const struct net *net)
{
	return net_generic(net, halo_net_id);
}

bool halo_net_has_cluster(struct halo_net *hn)
{
	return !!rcu_access_pointer(hn->cluster);
}

static int __net_init halo_net_init(struct net *net)
{
	struct halo_net *hn = halo_net(net);

	mutex_init(&hn->lock);
	RCU_INIT_POINTER(hn->cluster, NULL);
	pr_debug("netns %llu: instance created\n", net->net_cookie);
	return 0;
}

static void __net_exit halo_net_exit(struct net *net)
{
	struct halo_net *hn = halo_net(net);
	struct halo_cluster *c;

	/* The namespace's cluster goes with it: sockets, works and all. */
	mutex_lock(&hn->lock);
	c = rcu_dereference_protected(hn->cluster, lockdep_is_held(&hn->lock));
	RCU_INIT_POINTER(hn->cluster, NULL);
	mutex_unlock(&hn->lock);
	if (c)
		halo_cluster_destroy(c);
	mutex_destroy(&hn->lock);
	pr_debug("netns %llu: instance destroyed\n", net->net_cookie);
}

static struct pernet_operations halo_net_ops = {
	.init = halo_net_init,
	.exit = halo_net_exit,
	.id = &halo_net_id,
	.size = sizeof(struct halo_net),
};

int __init halo_netns_init(void)
{
	return register_pernet_subsys(&halo_net_ops);
}

void halo_netns_exit(void)
{
	unregister_pernet_subsys(&halo_net_ops);
}
