// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl monitor: the current state, then one line per event from the
 * "events" multicast group (a JSON object per line with -j).
 *
 * Consistency: the tool subscribes first, then reads the state, so no event
 * falls between the two; events already reflected in the state (an epoch
 * at or below the state's) are skipped.
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/halo.h>
#include <netlink/genl/ctrl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MONITOR_RCVBUF	(4 << 20)

static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl monitor\n"
		"\n"
		"Prints this namespace's view and nodes (event \"state\", \"node\"),\n"
		"then one line per event until interrupted: view (a view was installed),\n"
		"quorum (quorate changed), node (joined or left the view), link (a link\n"
		"went up or down), fence (a fence request was recorded). If the kernel\n"
		"had to drop events (a reader too slow), a \"lost\" line, then the state\n"
		"again.\n");
}

static uint64_t state_epoch;

static void print_view(struct nlmsghdr *nlh, struct nlattr **tb)
{
	struct nlattr *a;
	int rem;

	if (tb[HALO_A_CLUSTER_EPOCH])
		print_u64("epoch", " epoch %" PRIu64,
			  nla_get_u64(tb[HALO_A_CLUSTER_EPOCH]));
	if (tb[HALO_A_CLUSTER_COORDINATOR]) {
		print_u64("coordinator", " coordinator %" PRIu64,
			  nla_get_u32(tb[HALO_A_CLUSTER_COORDINATOR]));
		print_text(" members");
		print_open_array("members");
		nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
				  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)
			if (nla_type(a) == HALO_A_CLUSTER_MEMBERS &&
			    nla_len(a) == sizeof(uint32_t))
				print_u64(NULL, " %" PRIu64, nla_get_u32(a));
		print_close_array();
	}
	if (tb[HALO_A_CLUSTER_QUORATE])
		print_bool("quorate", " quorate %s",
			   nla_get_u8(tb[HALO_A_CLUSTER_QUORATE]));
	if (tb[HALO_A_CLUSTER_TOTAL_VOTES])
		print_u64("total-votes", " votes %" PRIu64,
			  nla_get_u32(tb[HALO_A_CLUSTER_TOTAL_VOTES]));
	if (tb[HALO_A_CLUSTER_EXPECTED_VOTES])
		print_u64("expected-votes", "/%" PRIu64,
			  nla_get_u32(tb[HALO_A_CLUSTER_EXPECTED_VOTES]));
	if (tb[HALO_A_CLUSTER_QUORUM])
		print_u64("quorum", " quorum %" PRIu64,
			  nla_get_u32(tb[HALO_A_CLUSTER_QUORUM]));
}

static int print_cluster_event(struct nl_msg *msg, const char *event, bool state)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[HALO_A_CLUSTER_MAX + 1];
	uint64_t epoch;

	if (genlmsg_parse(nlh, 0, tb, HALO_A_CLUSTER_MAX, cluster_policy) < 0)
		return 0;	/* a newer kernel's event: skip it */
	epoch = tb[HALO_A_CLUSTER_EPOCH] ? nla_get_u64(tb[HALO_A_CLUSTER_EPOCH]) : 0;
	if (state)
		state_epoch = epoch;
	else if (tb[HALO_A_CLUSTER_EPOCH] && epoch < state_epoch)
		return 0;
	print_begin(opts.json, false);
	print_string("event", "%s", event);
	if (tb[HALO_A_CLUSTER_FENCE]) {
		print_text(" ");
		print_open_array("fence");
		print_fence(tb[HALO_A_CLUSTER_FENCE]);
		print_close_array();
	}
	print_view(nlh, tb);
	print_text("\n");
	print_end();
	fflush(stdout);
	return 0;
}

static void print_link_brief(struct nlattr *nest)
{
	struct nlattr *tb[HALO_A_LINK_MAX + 1];

	if (nla_parse_nested(tb, HALO_A_LINK_MAX, nest, link_policy) < 0 ||
	    !tb[HALO_A_LINK_INDEX])
		return;
	print_open_object(NULL);
	print_u64("index", " link %" PRIu64, nla_get_u8(tb[HALO_A_LINK_INDEX]));
	if (tb[HALO_A_LINK_UP]) {
		print_bool("up", NULL, nla_get_u8(tb[HALO_A_LINK_UP]));
		print_text(" %s", nla_get_u8(tb[HALO_A_LINK_UP]) ? "up" : "down");
	}
	if (tb[HALO_A_LINK_RTT_US])
		print_u64("rtt-us", NULL, nla_get_u32(tb[HALO_A_LINK_RTT_US]));
	print_close_object();
}

static int print_node_event(struct nl_msg *msg, const char *event)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[HALO_A_NODE_MAX + 1], *a;
	int rem;

	if (genlmsg_parse(nlh, 0, tb, HALO_A_NODE_MAX, node_policy) < 0 ||
	    !tb[HALO_A_NODE_ID])
		return 0;
	if (tb[HALO_A_NODE_EPOCH] &&
	    nla_get_u64(tb[HALO_A_NODE_EPOCH]) < state_epoch)
		return 0;
	print_begin(opts.json, false);
	/* text: "node 3 left ...", "link node 3 link 0 down" */
	print_string("event", strcmp(event, "node") ? "%s " : NULL, event);
	print_u64("id", "node %" PRIu64, nla_get_u32(tb[HALO_A_NODE_ID]));
	if (tb[HALO_A_NODE_NAME])
		print_string("name", " \"%s\"", nla_get_string(tb[HALO_A_NODE_NAME]));
	if (tb[HALO_A_NODE_STATE])
		print_string("state", " %s",
			     node_state_name(nla_get_u32(tb[HALO_A_NODE_STATE])));
	if (tb[HALO_A_NODE_IN_VIEW]) {
		print_bool("in-view", NULL, nla_get_u8(tb[HALO_A_NODE_IN_VIEW]));
		if (tb[HALO_A_NODE_STATE])
			print_text(" %s", nla_get_u8(tb[HALO_A_NODE_IN_VIEW]) ?
				   "in-view" : "not-in-view");
		else
			print_text(" %s", nla_get_u8(tb[HALO_A_NODE_IN_VIEW]) ?
				   "joined" : "left");
	}
	if (tb[HALO_A_NODE_EPOCH])
		print_u64("epoch", " epoch %" PRIu64,
			  nla_get_u64(tb[HALO_A_NODE_EPOCH]));
	if (tb[HALO_A_NODE_LINK]) {
		print_open_array("link");
		nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
				  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)
			if (nla_type(a) == HALO_A_NODE_LINK)
				print_link_brief(a);
		print_close_array();
	}
	print_text("\n");
	print_end();
	fflush(stdout);
	return 0;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *ghdr = nlmsg_data(nlmsg_hdr(msg));

	(void)arg;
	switch (ghdr->cmd) {
	case HALO_CMD_VIEW_NTF:
		return print_cluster_event(msg, "view", false);
	case HALO_CMD_QUORUM_NTF:
		return print_cluster_event(msg, "quorum", false);
	case HALO_CMD_FENCE_NTF:
		return print_cluster_event(msg, "fence", false);
	case HALO_CMD_NODE_NTF:
		return print_node_event(msg, "node");
	case HALO_CMD_LINK_NTF:
		return print_node_event(msg, "link");
	default:
		return NL_OK;	/* an event this haloctl does not know */
	}
}

static int on_state(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return print_cluster_event(msg, "state", true);
}

static int on_node(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return print_node_event(msg, "node");
}

/*
 * The state, as one "state" line and a "node" line per node, read over a
 * socket of its own (the event socket only listens).
 */
static int dump_state(void)
{
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return -1;
	msg = halo_nl_msg(&nl, HALO_CMD_CLUSTER_GET, 0);
	ret = msg ? halo_nl_request(&nl, msg, on_state, NULL) : -ENOMEM;
	if (!ret) {
		msg = halo_nl_msg(&nl, HALO_CMD_NODE_GET, NLM_F_DUMP);
		ret = msg ? halo_nl_request(&nl, msg, on_node, NULL) : -ENOMEM;
	}
	halo_nl_close(&nl);
	return ret;
}

/*
 * Events come in bursts (a 16-node cluster forming sends dozens at once)
 * and a reader can be slow: ask for a large receive buffer, beyond
 * rmem_max when privileged (SO_RCVBUFFORCE), as "ip monitor" does.
 */
static void grow_rcvbuf(struct nl_sock *sk)
{
	int size = MONITOR_RCVBUF, fd = nl_socket_get_fd(sk);
	const char *env = getenv("HALOCTL_RCVBUF");

	/* for tests: a small buffer makes the kernel drop events */
	if (env && atoi(env) > 0)
		size = atoi(env);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int do_monitor(int argc, char **argv)
{
	struct halo_nl ev;
	int grp, ret;

	if (argc > 0 && matches(argv[0], "help")) {
		monitor_usage(stdout);
		return 0;
	}
	if (argc > 0) {
		errorf("monitor takes no arguments (or help)");
		return 1;
	}
	if (halo_nl_open(&ev, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	grp = genl_ctrl_resolve_grp(ev.sk, HALO_FAMILY_NAME, HALO_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(ev.sk, grp) < 0) {
		errorf("cannot subscribe to the \"%s\" events group: %s",
		       HALO_FAMILY_NAME, nl_geterror(grp < 0 ? grp : -NLE_FAILURE));
		halo_nl_close(&ev);
		return 1;
	}
	grow_rcvbuf(ev.sk);
	nl_socket_disable_seq_check(ev.sk);
	nl_socket_modify_cb(ev.sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);

	if (dump_state() < 0) {
		halo_nl_close(&ev);
		return 1;
	}
	for (;;) {
		ret = nl_recvmsgs_default(ev.sk);
		if (ret == -NLE_INTR || ret == -NLE_AGAIN)
			continue;
		if (ret == -NLE_NOMEM) {
			/*
			 * ENOBUFS: the kernel dropped events for this socket.
			 * Say so, and print the state again: what a listener
			 * needs to be right from here on.
			 */
			print_begin(opts.json, false);
			print_string("event", "%s", "lost");
			print_text(": events were dropped (receive buffer full); the state follows\n");
			print_end();
			fflush(stdout);
			if (dump_state() < 0)
				break;
			continue;
		}
		if (ret < 0) {
			errorf("cannot read events: %s", nl_geterror(ret));
			break;
		}
	}
	halo_nl_close(&ev);
	return 1;
}
