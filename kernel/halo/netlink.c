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
 */

#include "netlink.h"
#include "netns.h"
#include "version.h"

#include <net/genetlink.h>
#include <uapi/linux/halo.h>

/*
 * GET takes no attributes. Every status attribute is reply-only; naming
 * them here (rather than leaving the op without a policy) turns a request
 * that carries one into a specific extack message instead of a generic
 * one. Unknown attribute types are refused by strict validation.
 */
#define HALO_READ_ONLY(name) \
	{ .type = NLA_REJECT, .reject_message = name " is reported, not set" }

static const struct nla_policy halo_get_policy[HALO_A_STATUS_MAX + 1] = {
	[HALO_A_STATUS_PAD] = HALO_READ_ONLY("pad"),
	[HALO_A_STATUS_VERSION] = HALO_READ_ONLY("version"),
	[HALO_A_STATUS_NETNS_COOKIE] = HALO_READ_ONLY("netns-cookie"),
	[HALO_A_STATUS_CLUSTER] = HALO_READ_ONLY("cluster"),
};

static struct genl_family halo_genl_family;

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

static const struct genl_ops halo_genl_ops[] = {
	{
		.cmd = HALO_CMD_GET,
		.doit = halo_nl_get_doit,
		.policy = halo_get_policy,
		.maxattr = HALO_A_STATUS_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

enum halo_mcgrp {
	HALO_NLGRP_EVENTS,
};

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
	return genl_register_family(&halo_genl_family);
}

void halo_genl_exit(void)
{
	genl_unregister_family(&halo_genl_family);
}
