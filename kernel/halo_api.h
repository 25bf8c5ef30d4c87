/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * halo.ko's API for the other halo modules (halo_blk, ip_vs_halo): what
 * the cluster instance of a network namespace knows about membership.
 *
 * Every query may be called in any context, softirq included: it reads a
 * snapshot the instance publishes with RCU after each change, never the
 * instance itself. A query about a namespace without a cluster instance
 * returns -ENOENT.
 */
#ifndef _HALO_API_H
#define _HALO_API_H

#include <linux/notifier.h>
#include <linux/socket.h>
#include <linux/types.h>

struct net;

#define HALO_API_MAX_NODES	64
#define HALO_API_NAME_MAX	65	/* a cluster name, with its NUL */

struct halo_view_info {
	char cluster[HALO_API_NAME_MAX];	/* the cluster's name */
	u64 epoch;		/* of the installed view; only grows */
	u32 coordinator;	/* node id that proposed it */
	bool quorate;		/* this node, now */
	u32 local_id;
	unsigned int n_members;
	u32 members[HALO_API_MAX_NODES];	/* node ids, ascending */
};

int halo_view_get(struct net *net, struct halo_view_info *view);
/* 1: the node is a member of the installed view; 0: it is not. */
int halo_node_in_view(struct net *net, u32 node_id);
/*
 * 1: the node is in standby (haloctl node standby): it takes no new work;
 * 0: it is not; -ENOENT: no instance, or no such node.
 */
int halo_node_standby(struct net *net, u32 node_id);
/* 1: quorate; 0: not. */
int halo_quorate(struct net *net);
/* The node that has @addr (AF_INET or AF_INET6; port ignored) on a link. */
int halo_addr_to_node(struct net *net, const struct sockaddr *addr,
		      u32 *node_id);

/*
 * The address of link @link (0 ...) of node @node_id, port 0: -ENOENT if
 * no such node, -ERANGE if it has fewer links.
 */
int halo_node_addr(struct net *net, u32 node_id, unsigned int link,
		   struct sockaddr_storage *addr);

#define HALO_PEER_KEY_LEN	32

/*
 * A key for another module's traffic between the cluster's nodes, derived
 * from the cluster key and @purpose (e.g. "halo_blk"): HMAC-SHA256(cluster
 * key, "halo derive v1" NUL @purpose). The cluster key itself never leaves
 * halo.ko. @gen: the cluster key's generation (0 until keys rotate).
 * -ENOENT: no instance; -ENOKEY: the instance has no key-file. Any
 * context; wipe @key after use.
 */
int halo_peer_key(struct net *net, const char *purpose,
		  u8 key[HALO_PEER_KEY_LEN], u32 *gen);

/*
 * Notifier for membership changes, for every namespace: the callback gets
 * the event and a struct halo_event_info. It runs in process context with
 * the instance locked: it may use the queries above (and sleep briefly),
 * but must not configure halo.
 */
enum halo_event {
	HALO_EVENT_VIEW = 1,	/* a view was installed */
	HALO_EVENT_QUORUM,	/* quorate changed */
	HALO_EVENT_CONFIG,	/* a node was added or removed */
	HALO_EVENT_DESTROY,	/* the instance is going away */
	HALO_EVENT_STANDBY,	/* a node went in or out of standby */
};

struct halo_event_info {
	struct net *net;
	u64 epoch;
	bool quorate;
};

int halo_register_notifier(struct notifier_block *nb);
int halo_unregister_notifier(struct notifier_block *nb);

#endif /* _HALO_API_H */
