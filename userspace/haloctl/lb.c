// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl lb: the IPVS services of this namespace that use ip_vs_halo's
 * schedulers, each real server with the node it maps to (the same rule as
 * the schedulers': its address is a link address of the node) and whether
 * that node is in the view. Read from IPVS's own netlink family (as
 * ipvsadm does) and halo's: ip_vs_halo adds no interface of its own.
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/halo.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LB_MAX_NODES	64
#define LB_MAX_LINKS	8

static void lb_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl lb show\n"
		"       haloctl lb help\n"
		"\n"
		"show: the IPVS services using halo_wrr, halo_wlc or halo_mh, and per\n"
		"  real server: its node (the node with that address on a link; none:\n"
		"  a plain server), whether the node is in the view and in standby (a\n"
		"  server whose node is out of the view or in standby gets no new\n"
		"  connection), weight, connections scheduled to it (IPVS's count),\n"
		"  active and inactive ones. Needs ip_vs loaded.\n"
		"  With -j: {\"services\": [...]}.\n");
}

struct lb_node {
	uint32_t id;
	bool in_view;
	bool standby;
	int n_links;
	int family[LB_MAX_LINKS];
	uint8_t addr[LB_MAX_LINKS][16];
};

static struct lb_node nodes[LB_MAX_NODES];
static int n_nodes;

struct lb_svc {
	uint16_t af, protocol;
	uint8_t addr[16];
	uint16_t port;		/* network order */
	uint32_t fwmark;
	char sched[IP_VS_SCHEDNAME_MAXLEN];
};

static struct lb_svc *svcs;	/* as many as IPVS has */
static int n_svcs, cap_svcs;

static int collect_node(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HALO_A_NODE_MAX + 1], *ltb[HALO_A_LINK_MAX + 1], *a;
	struct lb_node *n;
	int rem, len;

	(void)arg;
	if (n_nodes == LB_MAX_NODES ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, HALO_A_NODE_MAX, node_policy) < 0 ||
	    !tb[HALO_A_NODE_ID])
		return NL_SKIP;
	n = &nodes[n_nodes++];
	memset(n, 0, sizeof(*n));
	n->id = nla_get_u32(tb[HALO_A_NODE_ID]);
	n->in_view = tb[HALO_A_NODE_IN_VIEW] && nla_get_u8(tb[HALO_A_NODE_IN_VIEW]);
	n->standby = tb[HALO_A_NODE_STANDBY] && nla_get_u8(tb[HALO_A_NODE_STANDBY]);
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0),
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), rem) {
		if (nla_type(a) != HALO_A_NODE_LINK || n->n_links == LB_MAX_LINKS ||
		    nla_parse_nested(ltb, HALO_A_LINK_MAX, a, link_policy) < 0 ||
		    !ltb[HALO_A_LINK_ADDR])
			continue;
		len = nla_len(ltb[HALO_A_LINK_ADDR]);
		if (len != 4 && len != 16)
			continue;
		n->family[n->n_links] = len == 4 ? AF_INET : AF_INET6;
		memcpy(n->addr[n->n_links], nla_data(ltb[HALO_A_LINK_ADDR]), len);
		n->n_links++;
	}
	return NL_OK;
}

/* The node with @addr on a link, NULL if none (a plain server). */
static const struct lb_node *node_of(int af, const uint8_t *addr)
{
	int i, l;

	for (i = 0; i < n_nodes; i++) {
		for (l = 0; l < nodes[i].n_links; l++) {
			if (nodes[i].family[l] == af &&
			    !memcmp(nodes[i].addr[l], addr, af == AF_INET ? 4 : 16))
				return &nodes[i];
		}
	}
	return NULL;
}

static struct nla_policy ipvs_cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
};

static struct nla_policy ipvs_svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING },
};

static struct nla_policy ipvs_dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .type = NLA_UNSPEC },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
};

static struct nla_policy ipvs_stats_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_UNSPEC },	/* u32, or u64 in STATS64 */
};

static int collect_svc(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *s[IPVS_SVC_ATTR_MAX + 1];
	struct lb_svc *v, *more;
	const char *name;

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IPVS_CMD_ATTR_MAX, ipvs_cmd_policy) < 0 ||
	    !tb[IPVS_CMD_ATTR_SERVICE] ||
	    nla_parse_nested(s, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE],
			     ipvs_svc_policy) < 0 ||
	    !s[IPVS_SVC_ATTR_AF] || !s[IPVS_SVC_ATTR_SCHED_NAME])
		return NL_SKIP;
	name = nla_get_string(s[IPVS_SVC_ATTR_SCHED_NAME]);
	/* only ip_vs_halo's */
	if (strncmp(name, "halo_", 5))
		return NL_OK;
	if (n_svcs == cap_svcs) {
		more = realloc(svcs, (cap_svcs ? 2 * cap_svcs : 16) * sizeof(*svcs));
		if (!more) {
			errorf("out of memory");
			return -ENOMEM;
		}
		svcs = more;
		cap_svcs = cap_svcs ? 2 * cap_svcs : 16;
	}
	v = &svcs[n_svcs++];
	memset(v, 0, sizeof(*v));
	v->af = nla_get_u16(s[IPVS_SVC_ATTR_AF]);
	snprintf(v->sched, sizeof(v->sched), "%s", name);
	if (s[IPVS_SVC_ATTR_FWMARK])
		v->fwmark = nla_get_u32(s[IPVS_SVC_ATTR_FWMARK]);
	if (s[IPVS_SVC_ATTR_PROTOCOL])
		v->protocol = nla_get_u16(s[IPVS_SVC_ATTR_PROTOCOL]);
	if (s[IPVS_SVC_ATTR_ADDR] && nla_len(s[IPVS_SVC_ATTR_ADDR]) >= 16)
		memcpy(v->addr, nla_data(s[IPVS_SVC_ATTR_ADDR]), 16);
	if (s[IPVS_SVC_ATTR_PORT])
		v->port = nla_get_u16(s[IPVS_SVC_ATTR_PORT]);
	return NL_OK;
}

static uint64_t dest_conns(struct nlattr **d)
{
	struct nlattr *st[IPVS_STATS_ATTR_MAX + 1];

	if (d[IPVS_DEST_ATTR_STATS64] &&
	    nla_parse_nested(st, IPVS_STATS_ATTR_MAX, d[IPVS_DEST_ATTR_STATS64],
			     ipvs_stats_policy) >= 0 &&
	    st[IPVS_STATS_ATTR_CONNS] && nla_len(st[IPVS_STATS_ATTR_CONNS]) == 8)
		return nla_get_u64(st[IPVS_STATS_ATTR_CONNS]);
	if (d[IPVS_DEST_ATTR_STATS] &&
	    nla_parse_nested(st, IPVS_STATS_ATTR_MAX, d[IPVS_DEST_ATTR_STATS],
			     ipvs_stats_policy) >= 0 &&
	    st[IPVS_STATS_ATTR_CONNS] && nla_len(st[IPVS_STATS_ATTR_CONNS]) == 4)
		return nla_get_u32(st[IPVS_STATS_ATTR_CONNS]);
	return 0;
}

static int print_dest(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *d[IPVS_DEST_ATTR_MAX + 1];
	const struct lb_svc *v = arg;
	const struct lb_node *node;
	char addr[INET6_ADDRSTRLEN] = "?";
	uint8_t raw[16] = {};
	int af = v->af;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IPVS_CMD_ATTR_MAX, ipvs_cmd_policy) < 0 ||
	    !tb[IPVS_CMD_ATTR_DEST] ||
	    nla_parse_nested(d, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST],
			     ipvs_dest_policy) < 0 || !d[IPVS_DEST_ATTR_ADDR])
		return NL_SKIP;
	if (d[IPVS_DEST_ATTR_ADDR_FAMILY])
		af = nla_get_u16(d[IPVS_DEST_ATTR_ADDR_FAMILY]);
	memcpy(raw, nla_data(d[IPVS_DEST_ATTR_ADDR]),
	       nla_len(d[IPVS_DEST_ATTR_ADDR]) < 16 ? nla_len(d[IPVS_DEST_ATTR_ADDR]) : 16);
	inet_ntop(af, raw, addr, sizeof(addr));
	node = node_of(af, raw);

	print_open_object(NULL);
	print_string("address", "  -> %s", addr);
	if (d[IPVS_DEST_ATTR_PORT])
		print_u64("port", af == AF_INET6 ? " port %" PRIu64 : ":%" PRIu64,
			  ntohs(nla_get_u16(d[IPVS_DEST_ATTR_PORT])));
	if (node) {
		print_u64("node", " node %" PRIu64, node->id);
		print_bool("in-view", NULL, node->in_view);
		print_text(" %s", node->in_view ? "in-view" : "not-in-view");
		print_bool("standby", NULL, node->standby);
		if (node->standby)
			print_text(" standby");
	} else {
		print_text(" (no node: plain)");
	}
	if (d[IPVS_DEST_ATTR_WEIGHT])
		print_u64("weight", " weight %" PRIu64, nla_get_u32(d[IPVS_DEST_ATTR_WEIGHT]));
	print_u64("connections", " connections %" PRIu64, dest_conns(d));
	if (d[IPVS_DEST_ATTR_ACTIVE_CONNS])
		print_u64("active", " active %" PRIu64,
			  nla_get_u32(d[IPVS_DEST_ATTR_ACTIVE_CONNS]));
	if (d[IPVS_DEST_ATTR_INACT_CONNS])
		print_u64("inactive", " inactive %" PRIu64,
			  nla_get_u32(d[IPVS_DEST_ATTR_INACT_CONNS]));
	print_close_object();
	print_text("\n");
	return NL_OK;
}

static const char *proto_name(uint16_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" :
	       p == IPPROTO_SCTP ? "sctp" : "?";
}

static int lb_show(void)
{
	struct halo_nl nl, ipvs;
	struct nl_msg *msg;
	struct nlattr *nest;
	char addr[INET6_ADDRSTRLEN];
	int i, ret = 0;

	/* the cluster's nodes; none (no instance): every server is plain */
	n_nodes = 0;
	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, HALO_CMD_NODE_GET, NLM_F_DUMP);
	ret = msg ? halo_nl_request_quiet(&nl, msg, collect_node, NULL, -ENOENT) : -ENOMEM;
	if (ret < 0 && ret != -ENOENT) {
		halo_nl_close(&nl);
		return 1;
	}
	ret = 0;
	halo_nl_close(&nl);

	if (halo_nl_open_module(&ipvs, IPVS_GENL_NAME, IPVS_GENL_VERSION, "ip_vs") < 0)
		return 1;
	n_svcs = 0;
	msg = halo_nl_msg(&ipvs, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
	if (!msg || halo_nl_request(&ipvs, msg, collect_svc, NULL) < 0) {
		halo_nl_close(&ipvs);
		return 1;
	}
	print_begin(opts.json, opts.pretty);
	print_open_array("services");
	for (i = 0; i < n_svcs && !ret; i++) {
		const struct lb_svc *v = &svcs[i];

		print_open_object(NULL);
		if (v->fwmark) {
			print_u64("fwmark", "FWM %" PRIu64, v->fwmark);
		} else {
			inet_ntop(v->af, v->addr, addr, sizeof(addr));
			print_string("protocol", "%s", proto_name(v->protocol));
			print_string("address", " %s", addr);
			print_u64("port", v->af == AF_INET6 ? " port %" PRIu64 : ":%" PRIu64,
				  ntohs(v->port));
		}
		print_string("scheduler", " %s", v->sched);
		print_text("\n");
		print_open_array("servers");
		msg = halo_nl_msg(&ipvs, IPVS_CMD_GET_DEST, NLM_F_DUMP);
		nest = msg ? nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE) : NULL;
		if (!nest || nla_put_u16(msg, IPVS_SVC_ATTR_AF, v->af) < 0 ||
		    (v->fwmark ? nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, v->fwmark) < 0 :
		     nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, v->protocol) < 0 ||
		     nla_put(msg, IPVS_SVC_ATTR_ADDR, 16, v->addr) < 0 ||
		     nla_put_u16(msg, IPVS_SVC_ATTR_PORT, v->port) < 0)) {
			nlmsg_free(msg);
			errorf("out of memory");
			ret = 1;
			break;
		}
		nla_nest_end(msg, nest);
		if (halo_nl_request(&ipvs, msg, print_dest, (void *)v) < 0)
			ret = 1;
		print_close_array();
		print_close_object();
	}
	print_close_array();
	halo_nl_close(&ipvs);
	if (!ret)
		print_end();
	return ret;
}

int do_lb(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show")) {
		if (argc > 1) {
			errorf("unknown lb show argument \"%s\"", argv[1]);
			return 1;
		}
		return lb_show();
	}
	if (matches(argv[0], "help")) {
		lb_usage(stdout);
		return 0;
	}
	errorf("unknown lb command \"%s\" (use show, help)", argv[0]);
	return 1;
}
