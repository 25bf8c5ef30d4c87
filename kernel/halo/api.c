// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The in-kernel API (kernel/halo_api.h): queries answered from the RCU
 * snapshot each instance publishes, and a notifier for changes.
 */

#include "cluster.h"
#include "netns.h"
#include "../halo_api.h"

#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>

static BLOCKING_NOTIFIER_HEAD(halo_notifier);

static int halo_snap_cmp(const void *a, const void *b)
{
	u32 x = ((const struct halo_snap_node *)a)->id;
	u32 y = ((const struct halo_snap_node *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * Rebuild and publish the snapshot, then tell the notifier's listeners
 * about @event (0: nothing they need to hear about).
 */
void halo_api_publish(struct halo_cluster *c, unsigned long event)
{
	u64 alive = halo_mb_alive(&c->mb, halo_now_ms(), c->timeout_ms);
	struct halo_event_info info;
	struct halo_snap *snap, *old;
	int i, l;

	lockdep_assert_held(&c->lock);
	snap = kvzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap) {
		c->snap_stale = true;
		return;
	}
	snap->epoch = c->mb.view.epoch;
	snap->coordinator = c->mb.view.coord;
	snap->quorate = c->quorate;
	snap->expected_votes = c->quorum.expected_votes;
	snap->total_votes = c->quorum.total_votes;
	snap->quorum = c->quorum.quorum;
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		struct halo_snap_node *n = &snap->node[snap->n_nodes];

		if (!c->mb.node[i].used)
			continue;
		n->id = c->mb.node[i].id;
		n->votes = c->mb.node[i].votes;
		n->in_view = c->mb.view.members & BIT_ULL(i);
		n->standby = halo_standby_on(&c->standby, n->id);
		if (i == c->mb.self)
			n->state = HALO_NODE_STATE_LOCAL;
		else
			n->state = alive & BIT_ULL(i) ? HALO_NODE_STATE_ALIVE :
							HALO_NODE_STATE_FAILED;
		n->n_links = c->node[i].n_links;
		for (l = 0; l < n->n_links; l++) {
			const struct sockaddr_storage *a = &c->node[i].link[l].addr;

			n->link[l].family = a->ss_family;
			if (a->ss_family == AF_INET)
				memcpy(n->link[l].addr,
				       &((const struct sockaddr_in *)a)->sin_addr, 4);
			else
				memcpy(n->link[l].addr,
				       &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
		}
		strscpy(n->name, c->node[i].name, sizeof(n->name));
		snap->n_nodes++;
	}
	sort(snap->node, snap->n_nodes, sizeof(snap->node[0]), halo_snap_cmp,
	     NULL);

	old = rcu_replace_pointer(c->snap, snap, lockdep_is_held(&c->lock));
	if (old)
		kvfree_rcu(old, rcu);
	c->snap_alive = alive;
	c->snap_stale = false;

	if (event) {
		info.net = c->net;
		info.epoch = snap->epoch;
		info.quorate = snap->quorate;
		blocking_notifier_call_chain(&halo_notifier, event, &info);
	}
}

/* The instance was unpublished and readers are gone (synchronize_rcu). */
void halo_api_destroy(struct halo_cluster *c)
{
	struct halo_event_info info = { .net = c->net };

	blocking_notifier_call_chain(&halo_notifier, HALO_EVENT_DESTROY, &info);
	kvfree(rcu_dereference_protected(c->snap, true));
	RCU_INIT_POINTER(c->snap, NULL);
}

/* Call with rcu_read_lock held. */
static const struct halo_snap *halo_snap_get(struct net *net)
{
	struct halo_cluster *c = rcu_dereference(halo_net(net)->cluster);

	return c ? rcu_dereference(c->snap) : NULL;
}

int halo_view_get(struct net *net, struct halo_view_info *view)
{
	const struct halo_snap *snap;
	struct halo_cluster *c;
	u32 i;

	rcu_read_lock();
	c = rcu_dereference(halo_net(net)->cluster);
	snap = c ? rcu_dereference(c->snap) : NULL;
	if (!snap) {
		rcu_read_unlock();
		return -ENOENT;
	}
	BUILD_BUG_ON(sizeof(view->cluster) < sizeof(c->name));
	strscpy(view->cluster, c->name, sizeof(view->cluster));
	view->epoch = snap->epoch;
	view->coordinator = snap->coordinator;
	view->quorate = snap->quorate;
	view->local_id = c->node_id;
	view->n_members = 0;
	for (i = 0; i < snap->n_nodes; i++)
		if (snap->node[i].in_view)
			view->members[view->n_members++] = snap->node[i].id;
	rcu_read_unlock();
	return 0;
}
EXPORT_SYMBOL_GPL(halo_view_get);

/* Node @id in @snap (which may be NULL); NULL if it is not there. */
static const struct halo_snap_node *
halo_snap_node(const struct halo_snap *snap, u32 id)
{
	u32 i;

	for (i = 0; snap && i < snap->n_nodes; i++)
		if (snap->node[i].id == id)
			return &snap->node[i];
	return NULL;
}

int halo_node_in_view(struct net *net, u32 node_id)
{
	const struct halo_snap_node *n;
	const struct halo_snap *snap;
	int ret;

	rcu_read_lock();
	snap = halo_snap_get(net);
	n = halo_snap_node(snap, node_id);
	/* not configured: not in the view */
	ret = !snap ? -ENOENT : n ? n->in_view : 0;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_node_in_view);

int halo_node_standby(struct net *net, u32 node_id)
{
	const struct halo_snap_node *n;
	int ret;

	rcu_read_lock();
	n = halo_snap_node(halo_snap_get(net), node_id);
	ret = n ? n->standby : -ENOENT;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_node_standby);

int halo_quorate(struct net *net)
{
	const struct halo_snap *snap;
	int ret;

	rcu_read_lock();
	snap = halo_snap_get(net);
	ret = snap ? snap->quorate : -ENOENT;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_quorate);

int halo_peer_key(struct net *net, const char *purpose,
		  u8 key[HALO_PEER_KEY_LEN], u32 *gen)
{
	static const char label[] = "halo derive v1";	/* with its NUL */
	struct halo_cluster *c;
	int ret;

	BUILD_BUG_ON(HALO_PEER_KEY_LEN != SHA256_DIGEST_SIZE);
	rcu_read_lock();
	c = rcu_dereference(halo_net(net)->cluster);
	if (!c) {
		ret = -ENOENT;
	} else if (!c->authenticated) {
		ret = -ENOKEY;
	} else {
		/* c->tfm holds the cluster key; it lives until a grace period */
		SHASH_DESC_ON_STACK(desc, c->tfm);

		desc->tfm = c->tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, label, sizeof(label)) ?:
		      crypto_shash_finup(desc, purpose, strlen(purpose), key);
		shash_desc_zero(desc);
		*gen = 0;
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_peer_key);

int halo_addr_to_node(struct net *net, const struct sockaddr *addr,
		      u32 *node_id)
{
	const struct halo_snap *snap;
	const void *want;
	size_t len;
	int ret = -ENOENT;
	u32 i, l;

	if (addr->sa_family == AF_INET) {
		want = &((const struct sockaddr_in *)addr)->sin_addr;
		len = 4;
	} else if (addr->sa_family == AF_INET6) {
		want = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		len = 16;
	} else {
		return -EAFNOSUPPORT;
	}
	rcu_read_lock();
	snap = halo_snap_get(net);
	for (i = 0; snap && i < snap->n_nodes && ret; i++) {
		const struct halo_snap_node *n = &snap->node[i];

		for (l = 0; l < n->n_links; l++) {
			if (n->link[l].family == addr->sa_family &&
			    !memcmp(n->link[l].addr, want, len)) {
				*node_id = n->id;
				ret = 0;
				break;
			}
		}
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_addr_to_node);

int halo_node_addr(struct net *net, u32 node_id, unsigned int link,
		   struct sockaddr_storage *addr)
{
	const struct halo_snap *snap;
	int ret = -ENOENT;
	u32 i;

	memset(addr, 0, sizeof(*addr));
	rcu_read_lock();
	snap = halo_snap_get(net);
	for (i = 0; snap && i < snap->n_nodes; i++) {
		const struct halo_snap_node *n = &snap->node[i];

		if (n->id != node_id)
			continue;
		ret = -ERANGE;
		if (link >= n->n_links)
			break;
		addr->ss_family = n->link[link].family;
		if (addr->ss_family == AF_INET)
			memcpy(&((struct sockaddr_in *)addr)->sin_addr,
			       n->link[link].addr, 4);
		else
			memcpy(&((struct sockaddr_in6 *)addr)->sin6_addr,
			       n->link[link].addr, 16);
		ret = 0;
		break;
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(halo_node_addr);

int halo_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&halo_notifier, nb);
}
EXPORT_SYMBOL_GPL(halo_register_notifier);

int halo_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&halo_notifier, nb);
}
EXPORT_SYMBOL_GPL(halo_unregister_notifier);
