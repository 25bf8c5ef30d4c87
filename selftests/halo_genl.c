// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The "halo" generic netlink family under well-formed and malformed
 * requests, built with libmnl so that the test can send what libnl would
 * refuse to: unknown and read-only attributes, truncated attributes,
 * nonzero reserved header fields, unknown commands, unprivileged callers,
 * and cluster and node requests with missing or out-of-range values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/halo.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../kernel/halo/version.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define NL_BUF 16384

struct reply {
	int error;		/* 0 or a negative errno from the kernel */
	char extack[256];	/* the kernel's error text, if any */
	char version[64];
	uint64_t cookie;
	int have_cookie;
	int cluster;
	int mcgrp_events;	/* the family lists the "events" group */
	uint32_t miss_type;	/* a missing attribute the kernel named */
	uint16_t family;
};

struct nl {
	struct mnl_socket *sk;
	unsigned int seq;
	uint16_t family;
};

static int nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->seq = time(NULL);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
}

static struct nlmsghdr *msg_start(struct nl *nl, char *buf, uint16_t type,
				  uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static int ctrl_attr_cb(const struct nlattr *a, void *data)
{
	struct reply *r = data;
	const struct nlattr *grp, *ga;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		r->family = mnl_attr_get_u16(a);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, a)
			mnl_attr_for_each_nested(ga, grp)
				if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_NAME &&
				    !strcmp(mnl_attr_get_str(ga), HALO_MCGRP_EVENTS))
					r->mcgrp_events = 1;
		break;
	}
	return MNL_CB_OK;
}

static int halo_attr_cb(const struct nlattr *a, void *data)
{
	struct reply *r = data;

	switch (mnl_attr_get_type(a)) {
	case HALO_A_STATUS_VERSION:
		snprintf(r->version, sizeof(r->version), "%s",
			 mnl_attr_get_str(a));
		break;
	case HALO_A_STATUS_NETNS_COOKIE:
		r->cookie = mnl_attr_get_u64(a);
		r->have_cookie = 1;
		break;
	case HALO_A_STATUS_CLUSTER:
		r->cluster = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;

	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
				      ctrl_attr_cb, r);
	if (g->cmd != HALO_CMD_GET)
		return MNL_CB_OK;	/* the cluster tests check errors only */
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), halo_attr_cb, r);
}

static int extack_cb(const struct nlattr *a, void *data)
{
	struct reply *r = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
		snprintf(r->extack, sizeof(r->extack), "%s",
			 mnl_attr_get_str(a));
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE)
		r->miss_type = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct reply *r = data;
	unsigned int off;

	r->error = e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_parse(nlh, MNL_ALIGN(off), extack_cb, r);
	}
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

/* Send the message in @buf; collect the reply and the final ACK/error. */
static void nl_talk(struct nl *nl, struct nlmsghdr *nlh, struct reply *r)
{
	mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };
	char buf[NL_BUF];
	unsigned int portid = mnl_socket_get_portid(nl->sk);
	int ret;

	memset(r, 0, sizeof(*r));
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0) {
		r->error = -errno;
		return;
	}
	do {
		ret = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (ret <= 0) {
			r->error = -EIO;
			return;
		}
		ret = mnl_cb_run2(buf, ret, nlh->nlmsg_seq, portid, data_cb, r,
				  ctl_cb, NLMSG_MIN_TYPE);
	} while (ret > 0);
}

static int resolve(struct nl *nl, struct reply *r)
{
	char buf[NL_BUF];
	struct nlmsghdr *nlh;

	nlh = msg_start(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HALO_FAMILY_NAME);
	nl_talk(nl, nlh, r);
	nl->family = r->family;
	return r->error ? r->error : (r->family ? 0 : -ENOENT);
}

static uint64_t netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	close(fd);
	return cookie;
}

/* A GET in a fresh socket; for use in forked children. */
static int get_status(struct reply *r)
{
	char buf[NL_BUF];
	struct reply rr;
	struct nl nl;
	int ret;

	ret = nl_open(&nl);
	if (!ret)
		ret = resolve(&nl, &rr);
	if (!ret)
		nl_talk(&nl, msg_start(&nl, buf, nl.family, HALO_CMD_GET, 0), r);
	nl_close(&nl);
	return ret;
}

FIXTURE(genl) {
	struct nl nl;
	char buf[NL_BUF];
	struct reply r;
};

FIXTURE_SETUP(genl)
{
	struct reply r;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, nl_open(&self->nl));
	/* resolving the family loads the module by its alias */
	ASSERT_EQ(0, resolve(&self->nl, &r)) TH_LOG("no \"halo\" family: halo.ko not installed?");
	ASSERT_TRUE(r.mcgrp_events) TH_LOG("no \"events\" multicast group");
}

FIXTURE_TEARDOWN(genl)
{
	nl_close(&self->nl);
}

static struct nlmsghdr *get_msg(FIXTURE_DATA(genl) *self, uint16_t flags)
{
	return msg_start(&self->nl, self->buf, self->nl.family, HALO_CMD_GET,
			 flags);
}

TEST_F(genl, get_reports_version_and_netns)
{
	nl_talk(&self->nl, get_msg(self, 0), &self->r);
	ASSERT_EQ(0, self->r.error) TH_LOG("extack: %s", self->r.extack);
	EXPECT_STREQ(HALO_VERSION, self->r.version);
	ASSERT_TRUE(self->r.have_cookie);
	EXPECT_EQ(netns_cookie(), self->r.cookie);
	EXPECT_EQ(0, self->r.cluster);
}

TEST_F(genl, each_netns_sees_its_own_instance)
{
	uint64_t parent = netns_cookie();
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct reply r;

		if (unshare(CLONE_NEWNET) || get_status(&r) || r.error)
			_exit(2);
		/* answered in the child's new namespace, not the parent's */
		_exit(r.cookie == netns_cookie() && r.cookie != parent ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	nl_talk(&self->nl, get_msg(self, 0), &self->r);
	EXPECT_EQ(parent, self->r.cookie);
}

TEST_F(genl, unprivileged_gets_eperm)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2] = {};
		struct reply r;

		/* drop every capability, stay root otherwise */
		if (syscall(SYS_capset, &hdr, data) || get_status(&r))
			_exit(2);
		_exit(r.error == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(genl, read_only_attribute_refused_with_extack)
{
	struct nlmsghdr *nlh = get_msg(self, 0);

	mnl_attr_put_strz(nlh, HALO_A_STATUS_VERSION, "9.9.9");
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("version is reported, not set", self->r.extack);
}

TEST_F(genl, unknown_attribute_refused_with_extack)
{
	struct nlmsghdr *nlh = get_msg(self, 0);

	mnl_attr_put_u32(nlh, HALO_A_STATUS_MAX + 7, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack message");
}

TEST_F(genl, truncated_attribute_refused_with_extack)
{
	struct nlmsghdr *nlh = get_msg(self, 0);
	struct nlattr *a;

	mnl_attr_put_u64(nlh, HALO_A_STATUS_NETNS_COOKIE, 1);
	/* claim more payload than the message holds */
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len - MNL_ALIGN(12));
	a->nla_len = 200;
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack message");
}

TEST_F(genl, reserved_header_field_refused)
{
	struct nlmsghdr *nlh = get_msg(self, 0);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	g->reserved = 1;
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack message");
}

TEST_F(genl, unknown_command_refused)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(&self->nl, self->buf, self->nl.family, HALO_CMD_MAX + 5, 0);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
}

TEST_F(genl, get_has_no_dump)
{
	nl_talk(&self->nl, get_msg(self, NLM_F_DUMP), &self->r);
	EXPECT_EQ(-EOPNOTSUPP, self->r.error);
}

/* The cluster tests each run in a namespace of their own. */
FIXTURE(cluster) {
	struct nl nl;
	char buf[NL_BUF];
	struct reply r;
};

FIXTURE_SETUP(cluster)
{
	struct reply r;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, nl_open(&self->nl));
	/* resolving the family loads the module by its alias */
	ASSERT_EQ(0, resolve(&self->nl, &r)) TH_LOG("no \"halo\" family: halo.ko not installed?");
}

FIXTURE_TEARDOWN(cluster)
{
	nl_close(&self->nl);
}

static struct nlmsghdr *cmd(FIXTURE_DATA(cluster) *self, uint8_t c)
{
	return msg_start(&self->nl, self->buf, self->nl.family, c, 0);
}

static void create(FIXTURE_DATA(cluster) *self, struct reply *r)
{
	struct nlmsghdr *nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);

	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	nl_talk(&self->nl, nlh, r);
}

static struct nlmsghdr *node_add_msg(FIXTURE_DATA(cluster) *self, uint32_t id)
{
	struct nlmsghdr *nlh = cmd(self, HALO_CMD_NODE_ADD);
	char name[16];

	snprintf(name, sizeof(name), "n%u", id);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, id);
	mnl_attr_put_strz(nlh, HALO_A_NODE_NAME, name);
	return nlh;
}

static void put_ipv4(struct nlmsghdr *nlh, uint8_t last)
{
	uint8_t a[4] = { 198, 51, 100, last };

	mnl_attr_put(nlh, HALO_A_NODE_ADDR, sizeof(a), a);
}

TEST_F(cluster, create_needs_name_and_node_id)
{
	struct nlmsghdr *nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);

	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_EQ(HALO_A_CLUSTER_NAME, self->r.miss_type);

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_EQ(HALO_A_CLUSTER_NODE_ID, self->r.miss_type);

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("the cluster name must not be empty", self->r.extack);
}

TEST_F(cluster, create_refuses_bad_values)
{
	struct nlmsghdr *nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	uint8_t key[8] = {};

	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_INTERVAL, 100);
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_TIMEOUT, 150);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("the timeout must be at least twice the interval",
		     self->r.extack);

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	mnl_attr_put(nlh, HALO_A_CLUSTER_KEY, sizeof(key), key);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("the key must be 16 to 4096 bytes", self->r.extack);

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 0);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ERANGE, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack for node id 0");

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_QUORUM_FLAGS, 0x10);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack for an unknown flag");

	nlh = cmd(self, HALO_CMD_CLUSTER_CREATE);
	mnl_attr_put_strz(nlh, HALO_A_CLUSTER_NAME, "t");
	mnl_attr_put_u32(nlh, HALO_A_CLUSTER_NODE_ID, 1);
	mnl_attr_put_u64(nlh, HALO_A_CLUSTER_EPOCH, 7);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("epoch is reported, not set", self->r.extack);
}

TEST_F(cluster, one_cluster_per_namespace)
{
	create(self, &self->r);
	ASSERT_EQ(0, self->r.error);
	create(self, &self->r);
	EXPECT_EQ(-EEXIST, self->r.error);
	EXPECT_STREQ("this network namespace already has a cluster (destroy it first)",
		     self->r.extack);
	nl_talk(&self->nl, cmd(self, HALO_CMD_CLUSTER_DESTROY), &self->r);
	EXPECT_EQ(0, self->r.error);
	nl_talk(&self->nl, cmd(self, HALO_CMD_CLUSTER_DESTROY), &self->r);
	EXPECT_EQ(-ENOENT, self->r.error);
	EXPECT_STREQ("this network namespace has no cluster", self->r.extack);
}

TEST_F(cluster, node_requests_need_a_cluster)
{
	struct nlmsghdr *nlh = node_add_msg(self, 2);

	put_ipv4(nlh, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ENOENT, self->r.error);
	EXPECT_STREQ("this network namespace has no cluster (create one first)",
		     self->r.extack);
	nl_talk(&self->nl, cmd(self, HALO_CMD_CLUSTER_GET), &self->r);
	EXPECT_EQ(-ENOENT, self->r.error);
}

TEST_F(cluster, node_add_refuses_bad_values)
{
	uint8_t bad[5] = { 1, 2, 3, 4, 5 };
	struct nlmsghdr *nlh;
	int i;

	create(self, &self->r);
	ASSERT_EQ(0, self->r.error);

	nlh = node_add_msg(self, 2);
	mnl_attr_put(nlh, HALO_A_NODE_ADDR, sizeof(bad), bad);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("an address is 4 (IPv4) or 16 (IPv6) bytes", self->r.extack);

	nlh = node_add_msg(self, 2);
	for (i = 0; i < 9; i++)
		put_ipv4(nlh, 10 + i);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-E2BIG, self->r.error);
	EXPECT_STREQ("a node has at most 8 addresses (links)", self->r.extack);

	nlh = node_add_msg(self, 2);
	put_ipv4(nlh, 2);
	mnl_attr_put_u32(nlh, HALO_A_NODE_VOTES, 256);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ERANGE, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack for 256 votes");

	nlh = node_add_msg(self, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_EQ(HALO_A_NODE_ADDR, self->r.miss_type);

	nlh = node_add_msg(self, 2);
	put_ipv4(nlh, 2);
	nl_talk(&self->nl, nlh, &self->r);
	ASSERT_EQ(0, self->r.error);
	nlh = node_add_msg(self, 2);
	put_ipv4(nlh, 3);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EEXIST, self->r.error);
	EXPECT_STREQ("a node with this id exists", self->r.extack);
	nlh = node_add_msg(self, 3);
	put_ipv4(nlh, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EADDRINUSE, self->r.error);
	EXPECT_STREQ("another node has this address on this link", self->r.extack);

	/* the local node's address is not configured in this namespace */
	nlh = node_add_msg(self, 1);
	put_ipv4(nlh, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EADDRNOTAVAIL, self->r.error);
	EXPECT_STREQ("the local node's address is not configured in this network namespace",
		     self->r.extack);

	nlh = cmd(self, HALO_CMD_NODE_DEL);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 9);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ENOENT, self->r.error);
	EXPECT_STREQ("no node with this id", self->r.extack);
	nlh = cmd(self, HALO_CMD_NODE_DEL);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(0, self->r.error);
}

TEST_F(cluster, node_set_refuses_bad_values)
{
	struct nlmsghdr *nlh;

	create(self, &self->r);
	ASSERT_EQ(0, self->r.error);
	nlh = node_add_msg(self, 2);
	put_ipv4(nlh, 2);
	mnl_attr_put_u8(nlh, HALO_A_NODE_STANDBY, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("standby is set with node-set", self->r.extack);
	nlh = node_add_msg(self, 2);
	put_ipv4(nlh, 2);
	nl_talk(&self->nl, nlh, &self->r);
	ASSERT_EQ(0, self->r.error);

	nlh = cmd(self, HALO_CMD_NODE_SET);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("nothing to set (standby is what node-set sets)", self->r.extack);

	nlh = cmd(self, HALO_CMD_NODE_SET);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 2);
	mnl_attr_put_u8(nlh, HALO_A_NODE_STANDBY, 2);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ERANGE, self->r.error);
	EXPECT_NE(0, self->r.extack[0]) TH_LOG("no extack for standby 2");

	nlh = cmd(self, HALO_CMD_NODE_SET);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 2);
	mnl_attr_put_u8(nlh, HALO_A_NODE_STANDBY, 1);
	mnl_attr_put_strz(nlh, HALO_A_NODE_NAME, "other");
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EINVAL, self->r.error);
	EXPECT_STREQ("name cannot be changed (delete the node and add it again)",
		     self->r.extack);

	nlh = cmd(self, HALO_CMD_NODE_SET);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 9);
	mnl_attr_put_u8(nlh, HALO_A_NODE_STANDBY, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-ENOENT, self->r.error);
	EXPECT_STREQ("no node with this id", self->r.extack);

	/* node 1, the local one, is not configured: no one to tell */
	nlh = cmd(self, HALO_CMD_NODE_SET);
	mnl_attr_put_u32(nlh, HALO_A_NODE_ID, 2);
	mnl_attr_put_u8(nlh, HALO_A_NODE_STANDBY, 1);
	nl_talk(&self->nl, nlh, &self->r);
	EXPECT_EQ(-EAGAIN, self->r.error);
	EXPECT_STREQ("the local node is not configured: it cannot tell the others",
		     self->r.extack);
}

TEST_F(cluster, unprivileged_create_gets_eperm)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2] = {};
		struct reply r;

		if (syscall(SYS_capset, &hdr, data))
			_exit(2);
		create(self, &r);
		_exit(r.error == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
