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
#include <linux/halo_blk.h>
#include <poll.h>
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
		"went up or down), fence (a fence request was recorded). With halo_blk\n"
		"loaded, a \"dev\" line per replicated device after the nodes, and then\n"
		"dev (a device was created or changed: its full status) and dev-del\n"
		"(destroyed) events. If the kernel had to drop events (a reader too\n"
		"slow), a \"lost\" line, then the state again.\n");
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
	if (tb[HALO_A_NODE_STANDBY]) {
		print_bool("standby", NULL, nla_get_u8(tb[HALO_A_NODE_STANDBY]));
		/* an event says both ways; the state only when it is on */
		if (!tb[HALO_A_NODE_STATE])
			print_text(" standby %s",
				   nla_get_u8(tb[HALO_A_NODE_STANDBY]) ? "on" : "off");
		else if (nla_get_u8(tb[HALO_A_NODE_STANDBY]))
			print_text(" standby");
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

/* A device's full status (dev) or its removal (dev-del), one line each. */
static int print_dev_event(struct nl_msg *msg, const char *event)
{
	struct nlattr *tb[HALO_BLK_A_DEV_MAX + 1];
	bool del = !strcmp(event, "dev-del");
	bool sb = !strcmp(event, "split-brain");
	bool ioe = !strcmp(event, "io-error");

	if ((del || sb || ioe) &&
	    (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HALO_BLK_A_DEV_MAX,
			   dev_policy) < 0 || !tb[HALO_BLK_A_DEV_NAME] ||
	     (sb && !tb[HALO_BLK_A_DEV_SPLIT_BRAIN]) ||
	     (ioe && !tb[HALO_BLK_A_DEV_IO_ERROR])))
		return 0;	/* a newer kernel's event: skip it */
	print_begin(opts.json, false);
	print_string("event", "%s ", event);
	if (ioe) {
		print_string("name", "%s", nla_get_string(tb[HALO_BLK_A_DEV_NAME]));
		print_io_error(tb);
		print_text("\n");
	} else if (sb) {
		print_string("name", "%s", nla_get_string(tb[HALO_BLK_A_DEV_NAME]));
		if (tb[HALO_BLK_A_DEV_PEER])
			print_u64("peer", " peer:%" PRIu64 " ",
				  nla_get_u32(tb[HALO_BLK_A_DEV_PEER]));
		if (print_split_brain(tb[HALO_BLK_A_DEV_SPLIT_BRAIN]))
			print_text(" (malformed)");
		print_text("\n");
	} else if (del) {
		print_string("name", "%s", nla_get_string(tb[HALO_BLK_A_DEV_NAME]));
		if (tb[HALO_BLK_A_DEV_MINOR])
			print_u64("minor", " /dev/halo%" PRIu64,
				  nla_get_u32(tb[HALO_BLK_A_DEV_MINOR]));
		print_text("\n");
	} else {
		/* the status in one line; a malformed one is reported there */
		print_dev_line(msg);
	}
	print_end();
	fflush(stdout);
	return 0;
}

static int on_blk_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *ghdr = nlmsg_data(nlmsg_hdr(msg));

	(void)arg;
	switch (ghdr->cmd) {
	case HALO_BLK_CMD_DEV_NTF:
		return print_dev_event(msg, "dev");
	case HALO_BLK_CMD_DEV_DEL_NTF:
		return print_dev_event(msg, "dev-del");
	case HALO_BLK_CMD_DEV_SPLIT_BRAIN_NTF:
		return print_dev_event(msg, "split-brain");
	case HALO_BLK_CMD_DEV_IO_ERROR_NTF:
		return print_dev_event(msg, "io-error");
	default:
		return NL_OK;
	}
}

static int on_dev(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return print_dev_event(msg, "dev");
}

/*
 * The state, as one "state" line, a "node" line per node and a "dev" line
 * per device (with halo_blk), read over sockets of their own (the event
 * sockets only listen).
 */
static int dump_state(bool blk)
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
	if (ret || !blk)
		return ret;
	if (halo_nl_open(&nl, HALO_BLK_FAMILY_NAME, HALO_BLK_FAMILY_VERSION) < 0)
		return -1;
	msg = halo_nl_msg(&nl, HALO_BLK_CMD_DEV_GET, NLM_F_DUMP);
	ret = msg ? halo_nl_request(&nl, msg, on_dev, NULL) : -ENOMEM;
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

/* Join @family's "events" group on @nl's socket; false if it has none. */
static bool subscribe(struct halo_nl *nl, const char *family, const char *group)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, family, group);

	if (grp < 0 || nl_socket_add_membership(nl->sk, grp) < 0) {
		errorf("cannot subscribe to the \"%s\" events group: %s", family,
		       nl_geterror(grp < 0 ? grp : -NLE_FAILURE));
		return false;
	}
	grow_rcvbuf(nl->sk);
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_set_nonblocking(nl->sk);
	return true;
}

/* The "halo_blk" family, if its module is loaded (quietly: it is optional). */
static bool blk_loaded(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	bool ok = false;

	if (sk && !genl_connect(sk))
		ok = genl_ctrl_resolve(sk, HALO_BLK_FAMILY_NAME) >= 0;
	nl_socket_free(sk);
	return ok;
}

int do_monitor(int argc, char **argv)
{
	struct halo_nl ev, blk_ev;
	struct pollfd pfd[2];
	bool blk;
	int i, n, ret = 0;

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
	if (!subscribe(&ev, HALO_FAMILY_NAME, HALO_MCGRP_EVENTS)) {
		halo_nl_close(&ev);
		return 1;
	}
	nl_socket_modify_cb(ev.sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	blk = blk_loaded();
	if (blk) {
		if (halo_nl_open(&blk_ev, HALO_BLK_FAMILY_NAME, HALO_BLK_FAMILY_VERSION) < 0 ||
		    !subscribe(&blk_ev, HALO_BLK_FAMILY_NAME, HALO_BLK_MCGRP_EVENTS)) {
			halo_nl_close(&ev);
			return 1;
		}
		nl_socket_modify_cb(blk_ev.sk, NL_CB_VALID, NL_CB_CUSTOM, on_blk_event, NULL);
	}

	if (dump_state(blk) < 0)
		goto out;
	pfd[0] = (struct pollfd){ .fd = nl_socket_get_fd(ev.sk), .events = POLLIN };
	if (blk)
		pfd[1] = (struct pollfd){ .fd = nl_socket_get_fd(blk_ev.sk), .events = POLLIN };
	n = blk ? 2 : 1;
	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			errorf("poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			ret = nl_recvmsgs_default(i ? blk_ev.sk : ev.sk);
			if (ret == -NLE_INTR || ret == -NLE_AGAIN)
				continue;
			if (ret == -NLE_NOMEM) {
				/*
				 * ENOBUFS: the kernel dropped events for this
				 * socket. Say so, and print the state again:
				 * what a listener needs to be right from here on.
				 */
				print_begin(opts.json, false);
				print_string("event", "%s", "lost");
				print_text(": events were dropped (receive buffer full); the state follows\n");
				print_end();
				fflush(stdout);
				if (dump_state(blk) < 0)
					goto out;
				continue;
			}
			if (ret < 0) {
				errorf("cannot read events: %s", nl_geterror(ret));
				goto out;
			}
		}
	}
out:
	halo_nl_close(&ev);
	if (blk)
		halo_nl_close(&blk_ev);
	return 1;
}
