// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl node: the cluster's configured nodes and how this node sees them.
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/halo.h>
#include <stdio.h>
#include <string.h>

static void node_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl node add ID name NAME addr IP [addr IP ...] [votes N]\n"
		"       haloctl node del ID\n"
		"       haloctl node show [ID]\n"
		"       haloctl node standby ID { on | off }\n"
		"       haloctl node help\n"
		"\n"
		"add: ID 1-4294967295, NAME 1-64 bytes, one IPv4 or IPv6 address per link\n"
		"  (1 to 8, link 0 first; link i of every node talks to link i of the\n"
		"  others), votes 0-255 (default 1). Every node is added on every node,\n"
		"  this one included: adding the local node (the cluster's node-id)\n"
		"  binds its addresses, and until it is added nothing is sent (cluster\n"
		"  show and node show name the problem).\n"
		"show: state (local/alive/failed), view membership, standby, votes, and\n"
		"  per link: up/down, smoothed RTT, datagram counters, heartbeats lost.\n"
		"standby: a node in standby takes no new work (ip_vs_halo sends it no new\n"
		"  connections) while what it has drains. Said on any node, it reaches\n"
		"  every node; the last word about a node wins. Kept while the cluster\n"
		"  instance of some node lives, not across a restart of all of them.\n");
}

static const char *const state_names[] = {
	[HALO_NODE_STATE_LOCAL] = "local",
	[HALO_NODE_STATE_ALIVE] = "alive",
	[HALO_NODE_STATE_FAILED] = "failed",
};

const char *node_state_name(uint32_t state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[state];
	return "unknown";
}

struct nla_policy link_policy[HALO_A_LINK_MAX + 1] = {
	[HALO_A_LINK_INDEX] = { .type = NLA_U8 },
	[HALO_A_LINK_ADDR] = { .type = NLA_UNSPEC },
	[HALO_A_LINK_UP] = { .type = NLA_U8 },
	[HALO_A_LINK_RTT_US] = { .type = NLA_U32 },
	[HALO_A_LINK_RX_PACKETS] = { .type = NLA_U64 },
	[HALO_A_LINK_TX_PACKETS] = { .type = NLA_U64 },
	[HALO_A_LINK_TX_ERRORS] = { .type = NLA_U64 },
	[HALO_A_LINK_RX_LOST] = { .type = NLA_U64 },
};

void print_link(struct nlattr *nest)
{
	struct nlattr *tb[HALO_A_LINK_MAX + 1];
	char addr[INET6_ADDRSTRLEN] = "?";
	uint32_t rtt;

	if (nla_parse_nested(tb, HALO_A_LINK_MAX, nest, link_policy) < 0 ||
	    !tb[HALO_A_LINK_INDEX])
		return;
	if (tb[HALO_A_LINK_ADDR]) {
		int len = nla_len(tb[HALO_A_LINK_ADDR]);

		if (len == 4 || len == 16)
			inet_ntop(len == 4 ? AF_INET : AF_INET6,
				  nla_data(tb[HALO_A_LINK_ADDR]), addr,
				  sizeof(addr));
	}
	print_open_object(NULL);
	print_u64("index", "    link %" PRIu64, nla_get_u8(tb[HALO_A_LINK_INDEX]));
	print_string("addr", " %s", addr);
	if (tb[HALO_A_LINK_UP]) {
		print_bool("up", NULL, nla_get_u8(tb[HALO_A_LINK_UP]));
		print_text(" %s", nla_get_u8(tb[HALO_A_LINK_UP]) ? "up" : "down");
	}
	if (tb[HALO_A_LINK_RTT_US]) {
		rtt = nla_get_u32(tb[HALO_A_LINK_RTT_US]);
		print_u64("rtt-us", NULL, rtt);
		print_text(" rtt %u.%03u ms", rtt / 1000, rtt % 1000);
	}
	if (tb[HALO_A_LINK_RX_PACKETS])
		print_u64("rx-packets", " rx %" PRIu64,
			  nla_get_u64(tb[HALO_A_LINK_RX_PACKETS]));
	if (tb[HALO_A_LINK_RX_LOST])
		print_u64("rx-lost", " lost %" PRIu64,
			  nla_get_u64(tb[HALO_A_LINK_RX_LOST]));
	if (tb[HALO_A_LINK_TX_PACKETS])
		print_u64("tx-packets", " tx %" PRIu64,
			  nla_get_u64(tb[HALO_A_LINK_TX_PACKETS]));
	if (tb[HALO_A_LINK_TX_ERRORS])
		print_u64("tx-errors", " tx-errors %" PRIu64,
			  nla_get_u64(tb[HALO_A_LINK_TX_ERRORS]));
	print_close_object();
	print_text("\n");
}

struct nla_policy node_policy[HALO_A_NODE_MAX + 1] = {
	[HALO_A_NODE_ID] = { .type = NLA_U32 },
	[HALO_A_NODE_NAME] = { .type = NLA_STRING },
	[HALO_A_NODE_VOTES] = { .type = NLA_U32 },
	[HALO_A_NODE_STATE] = { .type = NLA_U32 },
	[HALO_A_NODE_IN_VIEW] = { .type = NLA_U8 },
	[HALO_A_NODE_LINK] = { .type = NLA_NESTED },
	[HALO_A_NODE_EPOCH] = { .type = NLA_U64 },
	[HALO_A_NODE_STANDBY] = { .type = NLA_U8 },
};

/* A node-get reply, or the node part of a node/link event. */
int print_node_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[HALO_A_NODE_MAX + 1], *a;
	int rem;

	(void)arg;
	if (genlmsg_parse(nlh, 0, tb, HALO_A_NODE_MAX, node_policy) < 0 ||
	    !tb[HALO_A_NODE_ID]) {
		errorf("malformed reply from the kernel");
		return -EINVAL;
	}
	print_u64("id", "node %" PRIu64, nla_get_u32(tb[HALO_A_NODE_ID]));
	if (tb[HALO_A_NODE_NAME])
		print_string("name", " \"%s\"", nla_get_string(tb[HALO_A_NODE_NAME]));
	if (tb[HALO_A_NODE_STATE])
		print_string("state", " %s",
			     node_state_name(nla_get_u32(tb[HALO_A_NODE_STATE])));
	if (tb[HALO_A_NODE_IN_VIEW]) {
		print_bool("in-view", NULL, nla_get_u8(tb[HALO_A_NODE_IN_VIEW]));
		print_text(" %s", nla_get_u8(tb[HALO_A_NODE_IN_VIEW]) ?
			   "in-view" : "not-in-view");
	}
	if (tb[HALO_A_NODE_STANDBY]) {
		print_bool("standby", NULL, nla_get_u8(tb[HALO_A_NODE_STANDBY]));
		if (nla_get_u8(tb[HALO_A_NODE_STANDBY]))
			print_text(" standby");
	}
	if (tb[HALO_A_NODE_VOTES])
		print_u64("votes", " votes %" PRIu64,
			  nla_get_u32(tb[HALO_A_NODE_VOTES]));
	if (tb[HALO_A_NODE_EPOCH])
		print_u64("epoch", " epoch %" PRIu64,
			  nla_get_u64(tb[HALO_A_NODE_EPOCH]));
	print_text("\n");
	if (tb[HALO_A_NODE_LINK]) {
		print_open_array("link");
		nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
				  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)
			if (nla_type(a) == HALO_A_NODE_LINK)
				print_link(a);
		print_close_array();
	}
	return 0;
}

static int show_one(struct nl_msg *msg, void *arg)
{
	int ret;

	print_open_object(NULL);
	ret = print_node_msg(msg, arg);
	print_close_object();
	return ret;
}

static int node_show(int argc, char **argv)
{
	struct halo_nl nl;
	struct nl_msg *msg;
	uint32_t id = 0;
	int ret;

	if (argc > 1) {
		errorf("node show takes at most one node id");
		return 1;
	}
	if (argc == 1 && !parse_u32(argv[0], 1, UINT32_MAX, &id)) {
		errorf("invalid node id \"%s\" (1 to 4294967295)", argv[0]);
		return 1;
	}
	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, HALO_CMD_NODE_GET, id ? 0 : NLM_F_DUMP);
	if (!msg || (id && nla_put_u32(msg, HALO_A_NODE_ID, id) < 0)) {
		nlmsg_free(msg);
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	print_begin(opts.json, opts.pretty);
	print_open_array("nodes");
	ret = halo_nl_request(&nl, msg, show_one, NULL);
	print_close_array();
	if (ret >= 0)
		ret = print_cluster_problems(&nl);
	halo_nl_close(&nl);
	if (ret < 0)
		return 1;
	print_end();
	return 0;
}

static int parse_addr(const char *arg, uint8_t *buf, int *len)
{
	if (inet_pton(AF_INET, arg, buf) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, arg, buf) == 1) {
		*len = 16;
		return 0;
	}
	errorf("invalid address \"%s\" (an IPv4 or IPv6 address)", arg);
	return -1;
}

static int node_add(int argc, char **argv)
{
	uint8_t addr[8][16];
	int addr_len[8], n_addrs = 0, i, ret;
	uint32_t id, votes = 1;
	bool have_votes = false;
	const char *name = NULL;
	struct halo_nl nl;
	struct nl_msg *msg;

	if (argc < 1 || !parse_u32(argv[0], 1, UINT32_MAX, &id)) {
		errorf("node add needs a node ID (1 to 4294967295)");
		return 1;
	}
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2) {
			errorf("%s needs a value", argv[0]);
			return 1;
		}
		if (!strcmp(argv[0], "name")) {
			name = argv[1];
			if (!*name || strlen(name) > 64) {
				errorf("invalid node name \"%s\" (1 to 64 bytes)", name);
				return 1;
			}
		} else if (!strcmp(argv[0], "addr")) {
			if (n_addrs == 8) {
				errorf("a node has at most 8 addresses (links)");
				return 1;
			}
			if (parse_addr(argv[1], addr[n_addrs], &addr_len[n_addrs]) < 0)
				return 1;
			n_addrs++;
		} else if (!strcmp(argv[0], "votes")) {
			if (!parse_u32(argv[1], 0, 255, &votes)) {
				errorf("invalid votes \"%s\" (0 to 255)", argv[1]);
				return 1;
			}
			have_votes = true;
		} else {
			errorf("unknown word \"%s\" (use name/addr/votes)", argv[0]);
			return 1;
		}
	}
	if (!name || !n_addrs) {
		errorf("node add needs name NAME and at least one addr IP");
		return 1;
	}
	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, HALO_CMD_NODE_ADD, 0);
	ret = !msg || nla_put_u32(msg, HALO_A_NODE_ID, id) < 0 ||
	      nla_put_string(msg, HALO_A_NODE_NAME, name) < 0 ||
	      (have_votes && nla_put_u32(msg, HALO_A_NODE_VOTES, votes) < 0);
	for (i = 0; !ret && i < n_addrs; i++)
		ret = nla_put(msg, HALO_A_NODE_ADDR, addr_len[i], addr[i]) < 0;
	if (ret) {
		nlmsg_free(msg);
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	ret = halo_nl_request(&nl, msg, NULL, NULL);
	halo_nl_close(&nl);
	return ret < 0 ? 1 : 0;
}

/* A request about node @id, with standby @standby unless it is negative. */
static int node_request(uint8_t cmd, uint32_t id, int standby)
{
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, cmd, 0);
	if (!msg || nla_put_u32(msg, HALO_A_NODE_ID, id) < 0 ||
	    (standby >= 0 && nla_put_u8(msg, HALO_A_NODE_STANDBY, standby) < 0)) {
		nlmsg_free(msg);
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	ret = halo_nl_request(&nl, msg, NULL, NULL);
	halo_nl_close(&nl);
	return ret < 0 ? 1 : 0;
}

static int node_del(int argc, char **argv)
{
	uint32_t id;

	if (argc != 1 || !parse_u32(argv[0], 1, UINT32_MAX, &id)) {
		errorf("node del needs exactly one node ID (1 to 4294967295)");
		return 1;
	}
	return node_request(HALO_CMD_NODE_DEL, id, -1);
}

static int node_standby(int argc, char **argv)
{
	uint32_t id;

	if (argc < 1 || !parse_u32(argv[0], 1, UINT32_MAX, &id)) {
		errorf("node standby needs a node ID (1 to 4294967295)");
		return 1;
	}
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		errorf("node standby ID needs on or off");
		return 1;
	}
	return node_request(HALO_CMD_NODE_SET, id, !strcmp(argv[1], "on"));
}

int do_node(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "show"))
		return node_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "add"))
		return node_add(argc - 1, argv + 1);
	if (matches(argv[0], "del") || matches(argv[0], "delete"))
		return node_del(argc - 1, argv + 1);
	if (matches(argv[0], "standby"))
		return node_standby(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		node_usage(stdout);
		return 0;
	}
	errorf("unknown command \"%s\" for node (use add/del/show/standby/help)", argv[0]);
	return 1;
}
