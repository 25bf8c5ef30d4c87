// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The "halo" generic netlink family, described by
 * Documentation/netlink/specs/halo.yaml. Every request is answered in
 * the network namespace of the requesting socket.
 *
 * The ops are hand-written genl_ops rather than ynl-generated split ops,
 * which 6.1 lacks; they must match the spec (ops, flags, attributes), and
 * the selftests drive the family through the spec to hold them to it.
 *
 * Locking: hn->lock (the namespace's), then c->lock (the cluster's).
 * Events are sent with c->lock held, from requests and from the works.
 */

#include "cluster.h"
#include "netlink.h"
#include "netns.h"
#include "version.h"

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/halo.h>

/*
 * Reply-only attributes are named in each request policy (rather than
 * left out) so that a request carrying one gets a specific extack message
 * instead of a generic one. Unknown attribute types are refused by strict
 * validation.
 */
#define HALO_READ_ONLY(name) \
	{ .type = NLA_REJECT, .reject_message = name " is reported, not set" }

static const struct nla_policy halo_get_policy[HALO_A_STATUS_MAX + 1] = {
	[HALO_A_STATUS_PAD] = HALO_READ_ONLY("pad"),
	[HALO_A_STATUS_VERSION] = HALO_READ_ONLY("version"),
	[HALO_A_STATUS_NETNS_COOKIE] = HALO_READ_ONLY("netns-cookie"),
	[HALO_A_STATUS_CLUSTER] = HALO_READ_ONLY("cluster"),
};

#define HALO_CLUSTER_READ_ONLY						\
	[HALO_A_CLUSTER_PAD] = HALO_READ_ONLY("pad"),			\
	[HALO_A_CLUSTER_AUTHENTICATED] = HALO_READ_ONLY("authenticated"), \
	[HALO_A_CLUSTER_EPOCH] = HALO_READ_ONLY("epoch"),		\
	[HALO_A_CLUSTER_COORDINATOR] = HALO_READ_ONLY("coordinator"),	\
	[HALO_A_CLUSTER_MEMBERS] = HALO_READ_ONLY("members"),		\
	[HALO_A_CLUSTER_QUORATE] = HALO_READ_ONLY("quorate"),		\
	[HALO_A_CLUSTER_EXPECTED_VOTES] = HALO_READ_ONLY("expected-votes"), \
	[HALO_A_CLUSTER_TOTAL_VOTES] = HALO_READ_ONLY("total-votes"),	\
	[HALO_A_CLUSTER_QUORUM] = HALO_READ_ONLY("quorum"),		\
	[HALO_A_CLUSTER_DROPS] = HALO_READ_ONLY("drops"),		\
	[HALO_A_CLUSTER_FENCE] = HALO_READ_ONLY("fence"),		\
	[HALO_A_CLUSTER_PROBLEMS] = HALO_READ_ONLY("problems")

#define HALO_CLUSTER_CONFIG_READ_ONLY					\
	[HALO_A_CLUSTER_NAME] = HALO_READ_ONLY("name"),			\
	[HALO_A_CLUSTER_NODE_ID] = HALO_READ_ONLY("node-id"),		\
	[HALO_A_CLUSTER_PORT] = HALO_READ_ONLY("port"),			\
	[HALO_A_CLUSTER_INTERVAL] = HALO_READ_ONLY("interval"),		\
	[HALO_A_CLUSTER_TIMEOUT] = HALO_READ_ONLY("timeout"),		\
	[HALO_A_CLUSTER_KEY] = HALO_READ_ONLY("key"),			\
	[HALO_A_CLUSTER_QUORUM_FLAGS] = HALO_READ_ONLY("quorum-flags"),	\
	[HALO_A_CLUSTER_LMS_WINDOW] = HALO_READ_ONLY("lms-window")

static struct netlink_range_validation halo_timeout_range = {
	.min = 20,
	.max = 600000,
};

static struct netlink_range_validation halo_lms_window_range = {
	.min = 100,
	.max = 3600000,
};

static const struct nla_policy halo_cluster_create_policy[HALO_A_CLUSTER_MAX + 1] = {
	HALO_CLUSTER_READ_ONLY,
	[HALO_A_CLUSTER_NAME] = { .type = NLA_NUL_STRING, .len = HALO_NAME_MAX },
	[HALO_A_CLUSTER_NODE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[HALO_A_CLUSTER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[HALO_A_CLUSTER_INTERVAL] = NLA_POLICY_RANGE(NLA_U32, 10, 10000),
	[HALO_A_CLUSTER_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &halo_timeout_range),
	[HALO_A_CLUSTER_KEY] = { .type = NLA_BINARY, .len = HALO_KEY_MAX },
	[HALO_A_CLUSTER_QUORUM_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0xf),
	[HALO_A_CLUSTER_LMS_WINDOW] = NLA_POLICY_FULL_RANGE(NLA_U32, &halo_lms_window_range),
};

static const struct nla_policy halo_cluster_none_policy[HALO_A_CLUSTER_MAX + 1] = {
	HALO_CLUSTER_READ_ONLY,
	HALO_CLUSTER_CONFIG_READ_ONLY,
};

#define HALO_NODE_READ_ONLY						\
	[HALO_A_NODE_PAD] = HALO_READ_ONLY("pad"),			\
	[HALO_A_NODE_STATE] = HALO_READ_ONLY("state"),			\
	[HALO_A_NODE_IN_VIEW] = HALO_READ_ONLY("in-view"),		\
	[HALO_A_NODE_LINK] = HALO_READ_ONLY("link"),			\
	[HALO_A_NODE_EPOCH] = HALO_READ_ONLY("epoch")

static const struct nla_policy halo_node_add_policy[HALO_A_NODE_MAX + 1] = {
	[HALO_A_NODE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[HALO_A_NODE_NAME] = { .type = NLA_NUL_STRING, .len = HALO_NAME_MAX },
	[HALO_A_NODE_VOTES] = NLA_POLICY_MAX(NLA_U32, HALO_MAX_VOTES),
	[HALO_A_NODE_ADDR] = { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	HALO_NODE_READ_ONLY,
	[HALO_A_NODE_STANDBY] = { .type = NLA_REJECT,
				  .reject_message = "standby is set with node-set" },
};

static const struct nla_policy halo_node_id_policy[HALO_A_NODE_MAX + 1] = {
	[HALO_A_NODE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[HALO_A_NODE_NAME] = HALO_READ_ONLY("name"),
	[HALO_A_NODE_VOTES] = HALO_READ_ONLY("votes"),
	[HALO_A_NODE_ADDR] = HALO_READ_ONLY("addr"),
	HALO_NODE_READ_ONLY,
	[HALO_A_NODE_STANDBY] = HALO_READ_ONLY("standby"),
};

#define HALO_NODE_FIXED(name) \
	{ .type = NLA_REJECT, \
	  .reject_message = name " cannot be changed (delete the node and add it again)" }

static const struct nla_policy halo_node_set_policy[HALO_A_NODE_MAX + 1] = {
	[HALO_A_NODE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[HALO_A_NODE_NAME] = HALO_NODE_FIXED("name"),
	[HALO_A_NODE_VOTES] = HALO_NODE_FIXED("votes"),
	[HALO_A_NODE_ADDR] = HALO_NODE_FIXED("addr"),
	HALO_NODE_READ_ONLY,
	[HALO_A_NODE_STANDBY] = NLA_POLICY_MAX(NLA_U8, 1),
};

enum halo_mcgrp {
	HALO_NLGRP_EVENTS,
};

static struct genl_family halo_genl_family;

/*
 * Events may still come from a cluster's works while the module unloads;
 * they stop here before the family goes away (see halo_genl_exit()).
 */
static bool halo_genl_live;

static int halo_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct halo_net *hn = halo_net(net);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &halo_genl_family, 0, HALO_CMD_GET);
	if (!hdr)
		goto err_free_msg;

	if (nla_put_string(msg, HALO_A_STATUS_VERSION, HALO_VERSION) ||
	    nla_put_u64_64bit(msg, HALO_A_STATUS_NETNS_COOKIE, net->net_cookie,
			      HALO_A_STATUS_PAD) ||
	    nla_put_u8(msg, HALO_A_STATUS_CLUSTER, halo_net_has_cluster(hn)))
		goto err_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Lock the caller's cluster: hn->lock, then c->lock. NULL if there is none. */
static struct halo_cluster *halo_nl_lock(struct net *net,
					 struct netlink_ext_ack *extack)
{
	struct halo_net *hn = halo_net(net);
	struct halo_cluster *c;

	mutex_lock(&hn->lock);
	c = rcu_dereference_protected(hn->cluster, lockdep_is_held(&hn->lock));
	if (!c) {
		mutex_unlock(&hn->lock);
		NL_SET_ERR_MSG(extack,
			       "this network namespace has no cluster (create one first)");
		return NULL;
	}
	mutex_lock(&c->lock);
	return c;
}

static void halo_nl_unlock(struct halo_cluster *c)
{
	struct halo_net *hn = halo_net(c->net);

	mutex_unlock(&c->lock);
	mutex_unlock(&hn->lock);
}

static int halo_nl_cluster_create_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct halo_net *hn = halo_net(genl_info_net(info));
	struct halo_cluster_config cfg = {
		.port = HALO_DEFAULT_PORT,
		.interval_ms = HALO_DEFAULT_INTERVAL,
		.timeout_ms = HALO_DEFAULT_TIMEOUT,
		.lms_window_ms = HALO_QUORUM_LMS_WINDOW_MS,
	};
	struct nlattr **attrs = info->attrs;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_A_CLUSTER_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, HALO_A_CLUSTER_NODE_ID))
		return -EINVAL;
	cfg.name = nla_data(attrs[HALO_A_CLUSTER_NAME]);
	if (!cfg.name[0]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HALO_A_CLUSTER_NAME],
				    "the cluster name must not be empty");
		return -EINVAL;
	}
	cfg.node_id = nla_get_u32(attrs[HALO_A_CLUSTER_NODE_ID]);
	if (attrs[HALO_A_CLUSTER_PORT])
		cfg.port = nla_get_u16(attrs[HALO_A_CLUSTER_PORT]);
	if (attrs[HALO_A_CLUSTER_INTERVAL])
		cfg.interval_ms = nla_get_u32(attrs[HALO_A_CLUSTER_INTERVAL]);
	if (attrs[HALO_A_CLUSTER_TIMEOUT])
		cfg.timeout_ms = nla_get_u32(attrs[HALO_A_CLUSTER_TIMEOUT]);
	if (cfg.timeout_ms < 2 * cfg.interval_ms) {
		NL_SET_ERR_MSG(info->extack,
			       "the timeout must be at least twice the interval");
		return -EINVAL;
	}
	if (attrs[HALO_A_CLUSTER_KEY]) {
		cfg.key = nla_data(attrs[HALO_A_CLUSTER_KEY]);
		cfg.key_len = nla_len(attrs[HALO_A_CLUSTER_KEY]);
		if (cfg.key_len < HALO_KEY_MIN) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[HALO_A_CLUSTER_KEY],
					    "the key must be 16 to 4096 bytes");
			return -EINVAL;
		}
	}
	if (attrs[HALO_A_CLUSTER_QUORUM_FLAGS])
		cfg.quorum_flags = nla_get_u32(attrs[HALO_A_CLUSTER_QUORUM_FLAGS]);
	if (attrs[HALO_A_CLUSTER_LMS_WINDOW])
		cfg.lms_window_ms = nla_get_u32(attrs[HALO_A_CLUSTER_LMS_WINDOW]);

	mutex_lock(&hn->lock);
	ret = halo_cluster_create(genl_info_net(info), &cfg, info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

static int halo_nl_cluster_destroy_doit(struct sk_buff *skb,
					struct genl_info *info)
{
	struct halo_net *hn = halo_net(genl_info_net(info));
	struct halo_cluster *c;

	mutex_lock(&hn->lock);
	c = rcu_dereference_protected(hn->cluster, lockdep_is_held(&hn->lock));
	if (!c) {
		mutex_unlock(&hn->lock);
		NL_SET_ERR_MSG(info->extack, "this network namespace has no cluster");
		return -ENOENT;
	}
	RCU_INIT_POINTER(hn->cluster, NULL);
	halo_cluster_destroy(c);
	mutex_unlock(&hn->lock);
	return 0;
}

static int halo_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int halo_nl_put_members(struct sk_buff *skb, struct halo_cluster *c)
{
	u32 ids[HALO_MB_MAX_NODES];
	int i, n = 0;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (c->mb.view.members & BIT_ULL(i))
			ids[n++] = c->mb.node[i].id;
	sort(ids, n, sizeof(ids[0]), halo_cmp_u32, NULL);
	for (i = 0; i < n; i++)
		if (nla_put_u32(skb, HALO_A_CLUSTER_MEMBERS, ids[i]))
			return -EMSGSIZE;
	return 0;
}

static int halo_nl_put_quorum(struct sk_buff *skb, struct halo_cluster *c)
{
	if (nla_put_u64_64bit(skb, HALO_A_CLUSTER_EPOCH, c->mb.view.epoch,
			      HALO_A_CLUSTER_PAD) ||
	    nla_put_u8(skb, HALO_A_CLUSTER_QUORATE, c->quorate) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_EXPECTED_VOTES,
			c->quorum.expected_votes) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_TOTAL_VOTES, c->quorum.total_votes) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_QUORUM, c->quorum.quorum))
		return -EMSGSIZE;
	return 0;
}

static int halo_nl_put_view(struct sk_buff *skb, struct halo_cluster *c)
{
	if (halo_nl_put_quorum(skb, c) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_COORDINATOR, c->mb.view.coord) ||
	    halo_nl_put_members(skb, c))
		return -EMSGSIZE;
	return 0;
}

static int halo_nl_put_fence(struct sk_buff *skb, const struct halo_fence_req *f)
{
	struct nlattr *nest = nla_nest_start(skb, HALO_A_CLUSTER_FENCE);

	if (!nest ||
	    nla_put_u32(skb, HALO_A_FENCE_NODE_ID, f->node_id) ||
	    nla_put_u64_64bit(skb, HALO_A_FENCE_EPOCH, f->epoch, HALO_A_FENCE_PAD) ||
	    nla_put_string(skb, HALO_A_FENCE_REASON, f->reason) ||
	    nla_put_string(skb, HALO_A_FENCE_STATE, "requested"))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int halo_nl_put_cluster(struct sk_buff *skb, struct halo_cluster *c)
{
	static const int drop_attr[__HALO_CNT_MAX] = {
		[HALO_CNT_SHORT] = HALO_A_DROPS_SHORT,
		[HALO_CNT_BAD_HEADER] = HALO_A_DROPS_BAD_HEADER,
		[HALO_CNT_OTHER_CLUSTER] = HALO_A_DROPS_OTHER_CLUSTER,
		[HALO_CNT_UNKNOWN_NODE] = HALO_A_DROPS_UNKNOWN_NODE,
		[HALO_CNT_BAD_MAC] = HALO_A_DROPS_BAD_MAC,
		[HALO_CNT_REPLAY] = HALO_A_DROPS_REPLAY,
		[HALO_CNT_BAD_PAYLOAD] = HALO_A_DROPS_BAD_PAYLOAD,
	};
	char why[HALO_PROBLEM_MAX];
	unsigned int i, first;
	struct nlattr *nest;

	if (nla_put_string(skb, HALO_A_CLUSTER_NAME, c->name) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_NODE_ID, c->node_id) ||
	    nla_put_u16(skb, HALO_A_CLUSTER_PORT, c->port) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_INTERVAL, c->interval_ms) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_TIMEOUT, c->timeout_ms) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_QUORUM_FLAGS, c->quorum_flags) ||
	    nla_put_u32(skb, HALO_A_CLUSTER_LMS_WINDOW, c->lms_window_ms) ||
	    nla_put_u8(skb, HALO_A_CLUSTER_AUTHENTICATED, c->authenticated) ||
	    halo_nl_put_view(skb, c))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, HALO_A_CLUSTER_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __HALO_CNT_MAX; i++)
		if (nla_put_u64_64bit(skb, drop_attr[i], c->drops[i],
				      HALO_A_DROPS_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);

	first = c->n_fence > HALO_FENCE_HISTORY ? c->n_fence - HALO_FENCE_HISTORY : 0;
	for (i = first; i < c->n_fence; i++)
		if (halo_nl_put_fence(skb, &c->fence[i % HALO_FENCE_HISTORY]))
			return -EMSGSIZE;

	if (halo_cluster_problem(c, why, sizeof(why)) &&
	    nla_put_string(skb, HALO_A_CLUSTER_PROBLEMS, why))
		return -EMSGSIZE;
	return 0;
}

static int halo_nl_cluster_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_cluster *c;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	c = halo_nl_lock(genl_info_net(info), info->extack);
	if (!c) {
		nlmsg_free(msg);
		return -ENOENT;
	}
	hdr = genlmsg_put_reply(msg, info, &halo_genl_family, 0,
				HALO_CMD_CLUSTER_GET);
	ret = hdr ? halo_nl_put_cluster(msg, c) : -EMSGSIZE;
	halo_nl_unlock(c);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The node's addresses, one per link, into @addrs (HALO_MAX_LINKS). */
static int halo_nl_parse_addrs(struct genl_info *info,
			       struct sockaddr_storage *addrs)
{
	unsigned int n_addrs = 0;
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != HALO_A_NODE_ADDR)
			continue;
		if (n_addrs == HALO_MAX_LINKS) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a node has at most 8 addresses (links)");
			return -E2BIG;
		}
		if (nla_len(a) == sizeof(struct in_addr)) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&addrs[n_addrs];

			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, nla_data(a), sizeof(sin->sin_addr));
			if (ipv4_is_multicast(sin->sin_addr.s_addr) ||
			    ipv4_is_zeronet(sin->sin_addr.s_addr) ||
			    ipv4_is_lbcast(sin->sin_addr.s_addr)) {
				NL_SET_ERR_MSG_ATTR(info->extack, a,
						    "the address must be a unicast address");
				return -EINVAL;
			}
		} else if (nla_len(a) == sizeof(struct in6_addr)) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addrs[n_addrs];

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, nla_data(a), sizeof(sin6->sin6_addr));
			if (ipv6_addr_type(&sin6->sin6_addr) &
			    (IPV6_ADDR_MULTICAST | IPV6_ADDR_ANY | IPV6_ADDR_LINKLOCAL)) {
				NL_SET_ERR_MSG_ATTR(info->extack, a,
						    "the address must be a global or unique-local unicast address");
				return -EINVAL;
			}
		} else {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "an address is 4 (IPv4) or 16 (IPv6) bytes");
			return -EINVAL;
		}
		n_addrs++;
	}
	return n_addrs;
}

static int halo_nl_node_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct sockaddr_storage *addrs;
	struct halo_cluster *c;
	const char *name;
	u32 id, votes = 1;
	int n_addrs, ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_ID) ||
	    GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_ADDR))
		return -EINVAL;
	id = nla_get_u32(attrs[HALO_A_NODE_ID]);
	name = nla_data(attrs[HALO_A_NODE_NAME]);
	if (!name[0]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HALO_A_NODE_NAME],
				    "the node name must not be empty");
		return -EINVAL;
	}
	if (attrs[HALO_A_NODE_VOTES])
		votes = nla_get_u32(attrs[HALO_A_NODE_VOTES]);

	/* 1 KiB: off the stack */
	addrs = kcalloc(HALO_MAX_LINKS, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	n_addrs = halo_nl_parse_addrs(info, addrs);
	if (n_addrs < 0) {
		ret = n_addrs;
		goto out;
	}
	c = halo_nl_lock(genl_info_net(info), info->extack);
	if (!c) {
		ret = -ENOENT;
		goto out;
	}
	ret = halo_cluster_node_add(c, id, name, votes, addrs, n_addrs,
				    info->extack);
	halo_nl_unlock(c);
out:
	kfree(addrs);
	return ret;
}

static int halo_nl_node_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_cluster *c;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_ID))
		return -EINVAL;
	c = halo_nl_lock(genl_info_net(info), info->extack);
	if (!c)
		return -ENOENT;
	ret = halo_cluster_node_del(c, nla_get_u32(info->attrs[HALO_A_NODE_ID]),
				    info->extack);
	halo_nl_unlock(c);
	return ret;
}

static int halo_nl_node_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_cluster *c;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_ID))
		return -EINVAL;
	if (!info->attrs[HALO_A_NODE_STANDBY]) {
		NL_SET_ERR_MSG(info->extack, "nothing to set (standby is what node-set sets)");
		return -EINVAL;
	}
	c = halo_nl_lock(genl_info_net(info), info->extack);
	if (!c)
		return -ENOENT;
	ret = halo_cluster_standby_set(c, nla_get_u32(info->attrs[HALO_A_NODE_ID]),
				       nla_get_u8(info->attrs[HALO_A_NODE_STANDBY]),
				       info->extack);
	halo_nl_unlock(c);
	return ret;
}

static int halo_nl_put_addr(struct sk_buff *skb, int type,
			    const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return nla_put_in_addr(skb, type,
				       ((const struct sockaddr_in *)a)->sin_addr.s_addr);
	return nla_put_in6_addr(skb, type,
				&((const struct sockaddr_in6 *)a)->sin6_addr);
}

static int halo_nl_put_link(struct sk_buff *skb, int type,
			    struct halo_cluster *c, int slot, int l)
{
	const struct halo_link *link = &c->node[slot].link[l];
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    nla_put_u8(skb, HALO_A_LINK_INDEX, l) ||
	    halo_nl_put_addr(skb, HALO_A_LINK_ADDR, &link->addr))
		return -EMSGSIZE;
	if (slot != c->mb.self &&
	    (nla_put_u8(skb, HALO_A_LINK_UP, link->up) ||
	     nla_put_u32(skb, HALO_A_LINK_RTT_US, link->srtt_us) ||
	     nla_put_u64_64bit(skb, HALO_A_LINK_RX_PACKETS, link->rx_packets,
			       HALO_A_LINK_PAD) ||
	     nla_put_u64_64bit(skb, HALO_A_LINK_RX_LOST, link->rx_lost,
			       HALO_A_LINK_PAD) ||
	     nla_put_u64_64bit(skb, HALO_A_LINK_TX_PACKETS, link->tx_packets,
			       HALO_A_LINK_PAD) ||
	     nla_put_u64_64bit(skb, HALO_A_LINK_TX_ERRORS, link->tx_errors,
			       HALO_A_LINK_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static u32 halo_node_state(struct halo_cluster *c, int slot, u64 alive)
{
	if (slot == c->mb.self)
		return HALO_NODE_STATE_LOCAL;
	return alive & BIT_ULL(slot) ? HALO_NODE_STATE_ALIVE :
				       HALO_NODE_STATE_FAILED;
}

static int halo_nl_put_node(struct sk_buff *skb, struct halo_cluster *c,
			    int slot, u64 alive)
{
	int l;

	if (nla_put_u32(skb, HALO_A_NODE_ID, c->mb.node[slot].id) ||
	    nla_put_string(skb, HALO_A_NODE_NAME, c->node[slot].name) ||
	    nla_put_u32(skb, HALO_A_NODE_VOTES, c->mb.node[slot].votes) ||
	    nla_put_u32(skb, HALO_A_NODE_STATE, halo_node_state(c, slot, alive)) ||
	    nla_put_u8(skb, HALO_A_NODE_IN_VIEW,
		       !!(c->mb.view.members & BIT_ULL(slot))) ||
	    nla_put_u8(skb, HALO_A_NODE_STANDBY,
		       halo_standby_on(&c->standby, c->mb.node[slot].id)))
		return -EMSGSIZE;
	for (l = 0; l < c->node[slot].n_links; l++)
		if (halo_nl_put_link(skb, HALO_A_NODE_LINK, c, slot, l))
			return -EMSGSIZE;
	return 0;
}

static int halo_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_cluster *c;
	struct sk_buff *msg;
	void *hdr;
	int slot, ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_A_NODE_ID))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	c = halo_nl_lock(genl_info_net(info), info->extack);
	if (!c) {
		nlmsg_free(msg);
		return -ENOENT;
	}
	slot = halo_mb_slot(&c->mb, nla_get_u32(info->attrs[HALO_A_NODE_ID]));
	if (slot < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HALO_A_NODE_ID],
				    "no node with this id");
		ret = -ENOENT;
		goto out_unlock;
	}
	hdr = genlmsg_put_reply(msg, info, &halo_genl_family, 0,
				HALO_CMD_NODE_GET);
	ret = hdr ? halo_nl_put_node(msg, c, slot,
				     halo_mb_alive(&c->mb, halo_now_ms(),
						   c->timeout_ms)) : -EMSGSIZE;
out_unlock:
	halo_nl_unlock(c);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Dump in ascending id order; the cursor is the last id sent, so nodes
 * added or removed between two parts neither repeat nor vanish.
 */
static int halo_nl_node_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct halo_cluster *c;
	u32 last = cb->args[0];
	u64 alive;
	void *hdr;
	int i, best;

	c = halo_nl_lock(sock_net(skb->sk), cb->extack);
	if (!c)
		return -ENOENT;
	alive = halo_mb_alive(&c->mb, halo_now_ms(), c->timeout_ms);
	for (;;) {
		best = -1;
		for (i = 0; i < HALO_MB_MAX_NODES; i++)
			if (c->mb.node[i].used && c->mb.node[i].id > last &&
			    (best < 0 || c->mb.node[i].id < c->mb.node[best].id))
				best = i;
		if (best < 0)
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &halo_genl_family,
				  NLM_F_MULTI, HALO_CMD_NODE_GET);
		if (!hdr)
			break;
		if (halo_nl_put_node(skb, c, best, alive)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		last = c->mb.node[best].id;
	}
	halo_nl_unlock(c);
	cb->args[0] = last;
	return skb->len;
}

static const struct genl_ops halo_genl_ops[] = {
	{
		.cmd = HALO_CMD_GET,
		.doit = halo_nl_get_doit,
		.policy = halo_get_policy,
		.maxattr = HALO_A_STATUS_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_CLUSTER_CREATE,
		.doit = halo_nl_cluster_create_doit,
		.policy = halo_cluster_create_policy,
		.maxattr = HALO_A_CLUSTER_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_CLUSTER_DESTROY,
		.doit = halo_nl_cluster_destroy_doit,
		.policy = halo_cluster_none_policy,
		.maxattr = HALO_A_CLUSTER_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_CLUSTER_GET,
		.doit = halo_nl_cluster_get_doit,
		.policy = halo_cluster_none_policy,
		.maxattr = HALO_A_CLUSTER_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_NODE_ADD,
		.doit = halo_nl_node_add_doit,
		.policy = halo_node_add_policy,
		.maxattr = HALO_A_NODE_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_NODE_DEL,
		.doit = halo_nl_node_del_doit,
		.policy = halo_node_id_policy,
		.maxattr = HALO_A_NODE_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_NODE_GET,
		.doit = halo_nl_node_get_doit,
		.dumpit = halo_nl_node_get_dumpit,
		.policy = halo_node_id_policy,
		.maxattr = HALO_A_NODE_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_CMD_NODE_SET,
		.doit = halo_nl_node_set_doit,
		.policy = halo_node_set_policy,
		.maxattr = HALO_A_NODE_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/* Events: built with GFP_KERNEL (c->lock is a mutex), sent only to listeners. */
/*
 * Room for the largest event, a view of HALO_MB_MAX_NODES members (a u32
 * attribute each) with the quorum state: a page per event (NLMSG_GOODSIZE)
 * would let a burst, such as a large cluster forming, fill a listener's
 * receive buffer four times sooner.
 */
#define HALO_EVENT_SIZE	(HALO_MB_MAX_NODES * nla_total_size(sizeof(u32)) + 256)

static struct sk_buff *halo_event_new(struct halo_cluster *c, u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(halo_genl_live) ||
	    !genl_has_listeners(&halo_genl_family, c->net, HALO_NLGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(HALO_EVENT_SIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &halo_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void halo_event_send(struct halo_cluster *c, struct sk_buff *skb,
			    void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	rcu_read_lock();
	if (READ_ONCE(halo_genl_live))
		genlmsg_multicast_netns(&halo_genl_family, c->net, skb, 0,
					HALO_NLGRP_EVENTS, GFP_ATOMIC);
	else
		nlmsg_free(skb);
	rcu_read_unlock();
}

void halo_genl_view_event(struct halo_cluster *c)
{
	struct sk_buff *skb;
	void *hdr;

	skb = halo_event_new(c, HALO_CMD_VIEW_NTF, &hdr);
	if (skb)
		halo_event_send(c, skb, hdr, halo_nl_put_view(skb, c));
}

void halo_genl_quorum_event(struct halo_cluster *c)
{
	struct sk_buff *skb;
	void *hdr;

	skb = halo_event_new(c, HALO_CMD_QUORUM_NTF, &hdr);
	if (skb)
		halo_event_send(c, skb, hdr, halo_nl_put_quorum(skb, c));
}

/* A node-ntf: node @slot's u8 attribute @type is now @val. */
static void halo_genl_node_ntf(struct halo_cluster *c, int slot, int type, u8 val)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = halo_event_new(c, HALO_CMD_NODE_NTF, &hdr);
	if (!skb)
		return;
	err = nla_put_u32(skb, HALO_A_NODE_ID, c->mb.node[slot].id) ||
	      nla_put_u8(skb, type, val) ||
	      nla_put_u64_64bit(skb, HALO_A_NODE_EPOCH, c->mb.view.epoch,
				HALO_A_NODE_PAD);
	halo_event_send(c, skb, hdr, err);
}

void halo_genl_node_event(struct halo_cluster *c, int slot, bool in_view)
{
	halo_genl_node_ntf(c, slot, HALO_A_NODE_IN_VIEW, in_view);
}

void halo_genl_standby_event(struct halo_cluster *c, int slot)
{
	halo_genl_node_ntf(c, slot, HALO_A_NODE_STANDBY,
			   halo_standby_on(&c->standby, c->mb.node[slot].id));
}

void halo_genl_link_event(struct halo_cluster *c, int slot, int link)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = halo_event_new(c, HALO_CMD_LINK_NTF, &hdr);
	if (!skb)
		return;
	err = nla_put_u32(skb, HALO_A_NODE_ID, c->mb.node[slot].id) ||
	      halo_nl_put_link(skb, HALO_A_NODE_LINK, c, slot, link);
	halo_event_send(c, skb, hdr, err);
}

void halo_genl_fence_event(struct halo_cluster *c,
			   const struct halo_fence_req *f)
{
	struct sk_buff *skb;
	void *hdr;

	skb = halo_event_new(c, HALO_CMD_FENCE_NTF, &hdr);
	if (skb)
		halo_event_send(c, skb, hdr, halo_nl_put_fence(skb, f));
}

static const struct genl_multicast_group halo_genl_mcgrps[] = {
	[HALO_NLGRP_EVENTS] = { .name = HALO_MCGRP_EVENTS },
};

static struct genl_family halo_genl_family __ro_after_init = {
	.name = HALO_FAMILY_NAME,
	.version = HALO_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = halo_genl_ops,
	.n_ops = ARRAY_SIZE(halo_genl_ops),
	.resv_start_op = 0,	/* strict validation for every op */
	.mcgrps = halo_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(halo_genl_mcgrps),
};

int __init halo_genl_init(void)
{
	int ret;

	/* The uapi's flag values are quorum.h's. */
	BUILD_BUG_ON(HALO_QUORUM_TWO_NODE != HALO_QUORUM_FLAGS_TWO_NODE);
	BUILD_BUG_ON(HALO_QUORUM_WAIT_FOR_ALL != HALO_QUORUM_FLAGS_WAIT_FOR_ALL);
	BUILD_BUG_ON(HALO_QUORUM_LAST_MAN_STANDING !=
		     HALO_QUORUM_FLAGS_LAST_MAN_STANDING);
	BUILD_BUG_ON(HALO_QUORUM_AUTO_TIE_BREAKER !=
		     HALO_QUORUM_FLAGS_AUTO_TIE_BREAKER);
	BUILD_BUG_ON(HALO_MAX_NODES != HALO_MB_MAX_NODES);
	ret = genl_register_family(&halo_genl_family);
	if (!ret)
		WRITE_ONCE(halo_genl_live, true);
	return ret;
}

void halo_genl_exit(void)
{
	WRITE_ONCE(halo_genl_live, false);
	synchronize_rcu();	/* events in flight are sent or dropped */
	genl_unregister_family(&halo_genl_family);
}
