// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The cluster instance of a network namespace: configuration, the node
 * table, the tick that drives failure detection, and what follows a view
 * change (quorum, fence requests, events).
 *
 * Timers and works, all on the instance's own ordered, high-priority
 * workqueue (so a busy system's ordinary kworkers cannot delay them):
 *
 *  - tick_work: HALO_MB_CHECKS times an interval; takes links down, runs
 *    the coordinator's duties, re-evaluates quorum, and every interval
 *    sends heartbeats. Re-armed by itself through halo_tick_arm(), which
 *    refuses once the instance is dying.
 *  - rx_work: queued by the sockets' data_ready; drains every socket.
 *
 * The tick also sends the standby register to every node once a second
 * while it holds a word, so a node that restarted hears it again.
 *
 * Death: dying is set under the lock, the sockets are released under it
 * (so no new rx_work), then both works are cancelled and the memory freed.
 */

#include "cluster.h"
#include "netlink.h"
#include "netns.h"
#include "../halo_api.h"

#include <crypto/hash.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

u64 halo_now_ms(void)
{
	/* boottime keeps counting through suspend, as peers' clocks do */
	return div_u64(ktime_get_boottime_ns(), NSEC_PER_MSEC) + 1;
}

static void halo_tick_arm(struct halo_cluster *c)
{
	lockdep_assert_held(&c->lock);
	if (!c->dying)
		mod_delayed_work(c->wq, &c->tick_work,
				 msecs_to_jiffies(c->interval_ms / HALO_MB_CHECKS));
}

static void halo_quorum_update(struct halo_cluster *c, u64 now_ms)
{
	bool quorate;

	lockdep_assert_held(&c->lock);
	quorate = halo_mb_quorate(&c->mb, &c->quorum, now_ms);
	if (quorate != c->quorate) {
		c->quorate = quorate;
		halo_api_publish(c, HALO_EVENT_QUORUM);
		halo_genl_quorum_event(c);
	}
}

static void halo_fence_request(struct halo_cluster *c, u32 node_id, u64 epoch)
{
	struct halo_fence_req *f = &c->fence[c->n_fence % HALO_FENCE_HISTORY];

	f->node_id = node_id;
	f->epoch = epoch;
	f->reason = "left the view";
	c->n_fence++;
	pr_info("%s: node %u left quorate view %llu: fence requested\n",
		c->name, node_id, epoch);
	halo_genl_fence_event(c, f);
}

static void halo_view_installed(struct halo_cluster *c, u64 old_members,
				u64 now_ms)
{
	u64 members = c->mb.view.members, changed = old_members ^ members;
	bool was_quorate = c->quorate;
	int i;

	halo_quorum_view_changed(&c->quorum, now_ms);
	halo_quorum_update(c, now_ms);
	pr_debug("%s: view %llu installed, %d members\n", c->name,
		 c->mb.view.epoch, halo_mb_count(members));
	halo_api_publish(c, HALO_EVENT_VIEW);
	halo_genl_view_event(c);
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (!(changed & BIT_ULL(i)) || i == c->mb.self)
			continue;
		halo_genl_node_event(c, i, members & BIT_ULL(i));
		/*
		 * Only a quorate partition may ask for a node to be fenced,
		 * and not for one left out only because a member is not (or
		 * no longer) configured with it: a configuration change.
		 */
		if (!(members & BIT_ULL(i)) && c->mb.node[i].used &&
		    !c->mb.node[i].unnamed && was_quorate && c->quorate)
			halo_fence_request(c, c->mb.node[i].id,
					   c->mb.view.epoch);
	}
}

/*
 * Carry out what the engine asked for. @relay is the payload just received
 * (of message @type), for out->relay_to.
 */
void halo_cluster_apply(struct halo_cluster *c, const struct halo_mb_out *out,
			u64 now_ms, const u8 *relay, size_t relay_len, u8 type)
{
	struct halo_mb_msg msg;
	u8 buf[HALO_MB_AGREE_HDR + HALO_MB_MAX_NODES * 4];
	size_t len;
	int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		u64 bit = BIT_ULL(i);

		if (!c->mb.node[i].used || i == c->mb.self)
			continue;
		if (out->relay_to & bit)
			halo_transport_send(c, i, type, relay, relay_len);
		if (out->propose_to & bit && c->mb.proposing) {
			msg = (struct halo_mb_msg){ HALO_MB_PROPOSE, c->node_id,
				c->node_id, c->mb.prop.epoch, c->mb.prop.members };
			len = halo_mb_put_agree(&c->mb, &msg, buf, sizeof(buf));
			halo_transport_send(c, i, HALO_MSG_PROPOSE, buf, len);
		}
		if (out->ack_to & bit) {
			msg = (struct halo_mb_msg){ HALO_MB_ACK, c->node_id,
				c->mb.promised.coord, c->mb.promised.epoch, 0 };
			len = halo_mb_put_agree(&c->mb, &msg, buf, sizeof(buf));
			halo_transport_send(c, i, HALO_MSG_ACK, buf, len);
		}
		if (out->nack_to & bit) {
			msg = (struct halo_mb_msg){ HALO_MB_NACK, c->node_id,
				out->nack_coord, out->nack_epoch, out->nack_alive,
				out->nack_flags };
			len = halo_mb_put_agree(&c->mb, &msg, buf, sizeof(buf));
			halo_transport_send(c, i, HALO_MSG_NACK, buf, len);
		}
		if (out->commit_to & bit) {
			msg = (struct halo_mb_msg){ HALO_MB_COMMIT, c->node_id,
				c->mb.view.coord, c->mb.view.epoch,
				c->mb.view.members,
				c->mb.view_unnamed ? HALO_MB_F_UNNAMED : 0 };
			len = halo_mb_put_agree(&c->mb, &msg, buf, sizeof(buf));
			halo_transport_send(c, i, HALO_MSG_COMMIT, buf, len);
		}
	}
	if (out->installed)
		halo_view_installed(c, out->old_members, now_ms);
}

/*
 * Send the standby register to node @slot, or to every other node if
 * @slot is negative.
 */
static void halo_standby_send(struct halo_cluster *c, int slot, u64 now_ms)
{
	size_t len;
	int i;

	lockdep_assert_held(&c->lock);
	if (c->mb.self < 0)
		return;
	len = halo_standby_put(&c->standby, c->standby_tx, sizeof(c->standby_tx));
	if (!len)
		return;
	if (slot >= 0) {
		halo_transport_send(c, slot, HALO_MSG_STANDBY, c->standby_tx, len);
		return;
	}
	c->standby_sent_ms = now_ms;
	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (c->mb.node[i].used && i != c->mb.self)
			halo_transport_send(c, i, HALO_MSG_STANDBY,
					    c->standby_tx, len);
}

/* Node @slot went in or out of standby: tell the kernel's and netlink's listeners. */
static void halo_standby_changed(struct halo_cluster *c, int slot)
{
	u32 id = c->mb.node[slot].id;

	pr_info("%s: node %u %s standby\n", c->name, id,
		halo_standby_on(&c->standby, id) ? "in" : "out of");
	halo_api_publish(c, HALO_EVENT_STANDBY);
	halo_genl_standby_event(c, slot);
}

int halo_cluster_standby_set(struct halo_cluster *c, u32 id, bool on,
			     struct netlink_ext_ack *extack)
{
	int slot = halo_mb_slot(&c->mb, id);
	int ret;

	/* every node's word fits, and the whole register in one datagram */
	BUILD_BUG_ON(HALO_STANDBY_MAX < HALO_MB_MAX_NODES);
	BUILD_BUG_ON(sizeof(c->standby_tx) > HALO_WIRE_MAX_PAYLOAD);
	lockdep_assert_held(&c->lock);
	if (slot < 0) {
		NL_SET_ERR_MSG(extack, "no node with this id");
		return -ENOENT;
	}
	if (c->mb.self < 0) {
		NL_SET_ERR_MSG(extack,
			       "the local node is not configured: it cannot tell the others");
		return -EAGAIN;
	}
	ret = halo_standby_set(&c->standby, id, c->node_id, on,
			       ktime_get_real_ns());
	if (ret < 0) {
		NL_SET_ERR_MSG(extack, "too many standby words");
		return ret;
	}
	/* said again: still tell the others, it may be news to them */
	halo_standby_send(c, -1, halo_now_ms());
	if (ret)
		halo_standby_changed(c, slot);
	return 0;
}

/*
 * A STANDBY datagram from node @slot, authenticated. Words about nodes
 * this node does not have are ignored; a sender that is behind is sent
 * the register.
 */
void halo_cluster_standby_rx(struct halo_cluster *c, int slot,
			     const u8 *payload, size_t len)
{
	struct halo_standby_word *w = c->standby_rx;
	int n, i;

	lockdep_assert_held(&c->lock);
	n = halo_standby_parse(payload, len, w);
	if (n < 0) {
		c->drops[HALO_CNT_BAD_PAYLOAD]++;
		return;
	}
	for (i = 0; i < n; i++) {
		int node = halo_mb_slot(&c->mb, w[i].node);

		if (node >= 0 && halo_standby_merge(&c->standby, &w[i]) > 0)
			halo_standby_changed(c, node);
	}
	if (halo_standby_behind(&c->standby, w, n))
		halo_standby_send(c, slot, halo_now_ms());
}

static void halo_links_expire(struct halo_cluster *c, u64 now_ms)
{
	int i, l;

	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		struct halo_node *n = &c->node[i];

		if (!c->mb.node[i].used || i == c->mb.self)
			continue;
		for (l = 0; l < n->n_links; l++) {
			struct halo_link *link = &n->link[l];

			if (!link->up && link->good &&
			    now_ms - link->heard_ms >= c->timeout_ms)
				link->good = 0;
			if (!link->up || now_ms - link->heard_ms < c->timeout_ms)
				continue;
			link->up = false;
			link->good = 0;
			/* a stale echo would make the first RTT after up wrong */
			link->srtt_us = 0;
			link->echo_tx_ns = 0;
			/* the peer may come back restarted, counting from 1 */
			link->hb_rx_started = false;
			halo_genl_link_event(c, i, l);
		}
	}
}

/*
 * Log, once per instance, a local node still missing HALO_PROBLEM_DELAY_MS
 * after a node was added without it: a configuration that adds the nodes
 * in id order lacks the local node for a moment, and that is no problem.
 */
static void halo_problem_check(struct halo_cluster *c, u64 now_ms)
{
	char why[HALO_PROBLEM_MAX];

	lockdep_assert_held(&c->lock);
	if (c->mb.self >= 0)
		c->no_self_since_ms = 0;
	if (!c->no_self_since_ms || c->told_no_self ||
	    now_ms - c->no_self_since_ms < HALO_PROBLEM_DELAY_MS)
		return;
	c->told_no_self = true;
	halo_cluster_problem(c, why, sizeof(why));
	pr_warn("%s: %s\n", c->name, why);
}

static void halo_tick_work(struct work_struct *work)
{
	struct halo_cluster *c = container_of(to_delayed_work(work),
					      struct halo_cluster, tick_work);
	struct halo_mb_out out = {};
	u64 now_ms;

	mutex_lock(&c->lock);
	if (c->dying)
		goto out_unlock;
	now_ms = halo_now_ms();
	halo_links_expire(c, now_ms);
	halo_mb_tick(&c->mb, now_ms, &out);
	halo_cluster_apply(c, &out, now_ms, NULL, 0, 0);
	if (now_ms - c->hb_sent_ms >= c->interval_ms) {
		c->hb_sent_ms = now_ms;
		halo_transport_heartbeats(c, now_ms);
	}
	if (c->standby.n &&
	    now_ms - c->standby_sent_ms >= HALO_STANDBY_RESEND_MS)
		halo_standby_send(c, -1, now_ms);
	halo_quorum_update(c, now_ms);
	halo_problem_check(c, now_ms);
	if (c->snap_stale ||
	    c->snap_alive != halo_mb_alive(&c->mb, now_ms, c->timeout_ms))
		halo_api_publish(c, 0);
	halo_tick_arm(c);
out_unlock:
	mutex_unlock(&c->lock);
}

/*
 * The cheap filter in every datagram's header (32-bit FNV-1a of the name):
 * not a secret, it only keeps two clusters on one port apart cheaply.
 */
static u32 halo_cluster_id(const char *name)
{
	u32 h = 2166136261U;

	while (*name) {
		h ^= (u8)*name++;
		h *= 16777619U;
	}
	return h;
}

int halo_cluster_create(struct net *net, const struct halo_cluster_config *cfg,
			struct netlink_ext_ack *extack)
{
	struct halo_net *hn = halo_net(net);
	struct halo_cluster *c;
	int ret;

	lockdep_assert_held(&hn->lock);
	if (rcu_access_pointer(hn->cluster)) {
		NL_SET_ERR_MSG(extack,
			       "this network namespace already has a cluster (destroy it first)");
		return -EEXIST;
	}

	c = kvzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->net = net;
	mutex_init(&c->lock);
	INIT_DELAYED_WORK(&c->tick_work, halo_tick_work);
	INIT_WORK(&c->rx_work, halo_transport_rx_work);
	strscpy(c->name, cfg->name, sizeof(c->name));
	c->cluster_id = halo_cluster_id(c->name);
	c->node_id = cfg->node_id;
	c->port = cfg->port;
	c->interval_ms = cfg->interval_ms;
	c->timeout_ms = cfg->timeout_ms;
	c->quorum_flags = cfg->quorum_flags;
	c->lms_window_ms = cfg->lms_window_ms;
	c->incarnation = ktime_get_real_ns();
	halo_mb_init(&c->mb, c->node_id, c->interval_ms, c->timeout_ms);
	halo_standby_init(&c->standby);
	halo_quorum_init(&c->quorum, c->quorum_flags, c->lms_window_ms);

	c->wq = alloc_ordered_workqueue("halo-%llu", WQ_HIGHPRI | WQ_MEM_RECLAIM,
					net->net_cookie);
	if (!c->wq) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = halo_transport_key(c, cfg->key, cfg->key_len);
	if (ret < 0) {
		NL_SET_ERR_MSG(extack,
			       "cannot set up hmac(sha256) (is the kernel's crypto API available?)");
		goto err_wq;
	}

	ret = halo_sysfs_cluster_add(c);
	if (ret < 0) {
		NL_SET_ERR_MSG(extack, "cannot create the cluster's sysfs directory");
		goto err_tfm;
	}

	mutex_lock(&c->lock);
	halo_api_publish(c, 0);
	halo_tick_arm(c);
	mutex_unlock(&c->lock);
	rcu_assign_pointer(hn->cluster, c);
	pr_info("%s: cluster created, node %u, netns %llu\n", c->name,
		c->node_id, net->net_cookie);
	return 0;

err_tfm:
	crypto_free_shash(c->tfm);
err_wq:
	destroy_workqueue(c->wq);
err_free:
	kvfree(c);
	return ret;
}

/* The caller unpublished @c (hn->cluster) under hn->lock. */
void halo_cluster_destroy(struct halo_cluster *c)
{
	halo_sysfs_cluster_del(c);
	mutex_lock(&c->lock);
	c->dying = true;
	halo_transport_close(c);
	mutex_unlock(&c->lock);

	/* Readers of hn->cluster and the sockets' callbacks are done. */
	synchronize_rcu();
	cancel_delayed_work_sync(&c->tick_work);
	cancel_work_sync(&c->rx_work);
	destroy_workqueue(c->wq);
	halo_api_destroy(c);

	pr_info("%s: cluster destroyed\n", c->name);
	crypto_free_shash(c->tfm);	/* wipes the key */
	mutex_destroy(&c->lock);
	kvfree(c);
}

static int halo_addr_cmp(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 1;
	if (a->ss_family == AF_INET)
		return ((struct sockaddr_in *)a)->sin_addr.s_addr !=
		       ((struct sockaddr_in *)b)->sin_addr.s_addr;
	return !ipv6_addr_equal(&((struct sockaddr_in6 *)a)->sin6_addr,
				&((struct sockaddr_in6 *)b)->sin6_addr);
}

/*
 * What keeps the instance from working as configured, as a sentence that
 * names the fix, into @buf; 0 when nothing does. An instance whose own
 * node is not in its node table has no address to send from: it sends
 * nothing and no view forms. Someone used to keepalived's unicast_peer
 * adds only the peers, and without this the cluster would sit silent.
 */
size_t halo_cluster_problem(struct halo_cluster *c, char *buf, size_t size)
{
	lockdep_assert_held(&c->lock);
	if (c->mb.self >= 0)
		return 0;
	return scnprintf(buf, size,
			 "local node %u is not configured (add it: haloctl node add %u name NAME addr IP)",
			 c->node_id, c->node_id);
}

int halo_cluster_node_add(struct halo_cluster *c, u32 id, const char *name,
			  u32 votes, const struct sockaddr_storage *addrs,
			  unsigned int n_addrs, struct netlink_ext_ack *extack)
{
	int self = c->mb.self, slot, i, l, ret;
	struct halo_mb_out out = {};
	struct halo_node *n;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (!c->mb.node[i].used)
			continue;
		if (c->mb.node[i].id == id) {
			NL_SET_ERR_MSG(extack, "a node with this id exists");
			return -EEXIST;
		}
		if (!strcmp(c->node[i].name, name)) {
			NL_SET_ERR_MSG(extack, "a node with this name exists");
			return -EEXIST;
		}
		for (l = 0; l < n_addrs && l < c->node[i].n_links; l++) {
			if (!halo_addr_cmp(&addrs[l], &c->node[i].link[l].addr)) {
				NL_SET_ERR_MSG(extack,
					       "another node has this address on this link");
				return -EADDRINUSE;
			}
		}
		if (i != self && id != c->node_id)
			continue;
		/* The local node and a peer must agree on each link's family. */
		for (l = 0; l < n_addrs && l < c->node[i].n_links; l++) {
			if (addrs[l].ss_family != c->node[i].link[l].addr.ss_family) {
				NL_SET_ERR_MSG(extack,
					       "an address's family differs from the local node's on the same link");
				return -EAFNOSUPPORT;
			}
		}
	}

	slot = halo_mb_node_add(&c->mb, id, votes, halo_now_ms());
	if (slot < 0) {
		NL_SET_ERR_MSG(extack, "the cluster has the maximum number of nodes (64)");
		return -ENOSPC;
	}
	n = &c->node[slot];
	memset(n, 0, sizeof(*n));
	strscpy(n->name, name, sizeof(n->name));
	n->n_links = n_addrs;
	for (l = 0; l < n_addrs; l++) {
		n->link[l].addr = addrs[l];
		n->link[l].configured = true;
	}
	halo_replay_init(&n->replay);

	if (id == c->node_id) {
		ret = halo_transport_open(c, slot, extack);
		if (ret < 0) {
			halo_mb_node_del(&c->mb, slot, 0, &out);
			return ret;
		}
	}
	ret = halo_sysfs_node_add(c, id);
	if (ret < 0) {
		NL_SET_ERR_MSG(extack, "cannot create the node's sysfs directory");
		if (id == c->node_id)
			halo_transport_close(c);
		halo_mb_node_del(&c->mb, slot, 0, &out);
		return ret;
	}
	halo_quorum_update(c, halo_now_ms());
	halo_api_publish(c, HALO_EVENT_CONFIG);
	if (c->mb.self < 0 && !c->no_self_since_ms)
		c->no_self_since_ms = halo_now_ms();
	return 0;
}

int halo_cluster_node_del(struct halo_cluster *c, u32 id,
			  struct netlink_ext_ack *extack)
{
	struct halo_mb_out out = {};
	int slot = halo_mb_slot(&c->mb, id);
	u64 now_ms = halo_now_ms();

	lockdep_assert_held(&c->lock);
	if (slot < 0) {
		NL_SET_ERR_MSG(extack, "no node with this id");
		return -ENOENT;
	}
	if (slot == c->mb.self)
		halo_transport_close(c);
	halo_sysfs_node_del(c, id);
	halo_standby_forget(&c->standby, id);
	/* A view that held it changes now, not at the next tick. */
	halo_mb_node_del(&c->mb, slot, now_ms, &out);
	memset(&c->node[slot], 0, sizeof(c->node[slot]));
	halo_mb_tick(&c->mb, now_ms, &out);
	halo_cluster_apply(c, &out, now_ms, NULL, 0, 0);
	halo_quorum_update(c, now_ms);
	halo_api_publish(c, HALO_EVENT_CONFIG);
	return 0;
}
