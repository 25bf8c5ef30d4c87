// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The "halo_blk" generic netlink family, described by
 * Documentation/netlink/specs/halo_blk.yaml. Devices are named relative
 * to the network namespace of the requesting socket. Hand-written ops, as
 * halo.ko's (6.1 has no split ops); the selftests hold them to the spec.
 *
 * Requests run in parallel; halo_blk_lock serialises the ones that touch
 * devices.
 */

#include "device.h"
#include "gen.h"
#include "netlink.h"

#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#ifdef HALO_EXTACK_FMT_LEN
char halo_extack_ring[HALO_EXTACK_RING][HALO_EXTACK_FMT_LEN];
atomic_t halo_extack_next;
#endif

#define HALO_BLK_READ_ONLY(name) \
	{ .type = NLA_REJECT, .reject_message = name " is reported, not set" }

#define HALO_BLK_DEV_READ_ONLY						\
	[HALO_BLK_A_DEV_PAD] = HALO_BLK_READ_ONLY("pad"),		\
	[HALO_BLK_A_DEV_SIZE] = HALO_BLK_READ_ONLY("size"),		\
	[HALO_BLK_A_DEV_MD_SIZE] = HALO_BLK_READ_ONLY("md-size"),	\
	[HALO_BLK_A_DEV_UUID] = HALO_BLK_READ_ONLY("uuid"),		\
	[HALO_BLK_A_DEV_ROLE] = HALO_BLK_READ_ONLY("role"),		\
	[HALO_BLK_A_DEV_PEER_ROLE] = HALO_BLK_READ_ONLY("peer-role"),	\
	[HALO_BLK_A_DEV_DISK_STATE] = HALO_BLK_READ_ONLY("disk-state"),	\
	[HALO_BLK_A_DEV_PEER_DISK_STATE] = HALO_BLK_READ_ONLY("peer-disk-state"), \
	[HALO_BLK_A_DEV_CONN_STATE] = HALO_BLK_READ_ONLY("conn-state"),	\
	[HALO_BLK_A_DEV_OUT_OF_SYNC] = HALO_BLK_READ_ONLY("out-of-sync"), \
	[HALO_BLK_A_DEV_CURRENT_GEN] = HALO_BLK_READ_ONLY("current-gen"), \
	[HALO_BLK_A_DEV_OPEN_COUNT] = HALO_BLK_READ_ONLY("open-count"), \
	[HALO_BLK_A_DEV_CONN_ERROR] = HALO_BLK_READ_ONLY("conn-error"), \
	[HALO_BLK_A_DEV_RESYNC_RATE] = HALO_BLK_READ_ONLY("resync-rate"), \
	[HALO_BLK_A_DEV_RESYNC_THROTTLED] = HALO_BLK_READ_ONLY("resync-throttled"), \
	[HALO_BLK_A_DEV_RESYNC_TOTAL] = HALO_BLK_READ_ONLY("resync-total"), \
	[HALO_BLK_A_DEV_RESYNC_SENT] = HALO_BLK_READ_ONLY("resync-sent"), \
	[HALO_BLK_A_DEV_RESYNC_RECEIVED] = HALO_BLK_READ_ONLY("resync-received"), \
	[HALO_BLK_A_DEV_SPLIT_BRAIN] = HALO_BLK_READ_ONLY("split-brain"), \
	[HALO_BLK_A_DEV_VERIFY] = HALO_BLK_READ_ONLY("verify"),	\
	[HALO_BLK_A_DEV_QUORATE] = HALO_BLK_READ_ONLY("quorate"),	\
	[HALO_BLK_A_DEV_IO_SUSPENDED] = HALO_BLK_READ_ONLY("io-suspended"), \
	[HALO_BLK_A_DEV_IO_ERRORS] = HALO_BLK_READ_ONLY("io-errors"),	\
	[HALO_BLK_A_DEV_IO_ERROR] = HALO_BLK_READ_ONLY("io-error"),	\
	[HALO_BLK_A_DEV_UNCONFIRMED] = HALO_BLK_READ_ONLY("unconfirmed"), \
	[HALO_BLK_A_DEV_RESYNC_SAME] = HALO_BLK_READ_ONLY("resync-same")

/* what only dev-set sets */
#define HALO_BLK_NOT_SET						\
	[HALO_BLK_A_DEV_ON_NO_QUORUM] = {				\
		.type = NLA_REJECT,					\
		.reject_message = "on-no-quorum is for dev-set" },	\
	[HALO_BLK_A_DEV_ON_IO_ERROR] = {				\
		.type = NLA_REJECT,					\
		.reject_message = "on-io-error is for dev-set" }

/* what only dev-verify takes */
#define HALO_BLK_NOT_VERIFY						\
	[HALO_BLK_A_DEV_VERIFY_ALG] = {					\
		.type = NLA_REJECT,					\
		.reject_message = "verify-alg is for dev-verify" },	\
	[HALO_BLK_A_DEV_VERIFY_STOP] = {				\
		.type = NLA_REJECT,					\
		.reject_message = "verify-stop is for dev-verify" }

/* what only dev-connect sets */
#define HALO_BLK_CONNECT_ONLY						\
	[HALO_BLK_A_DEV_PEER] = { .type = NLA_REJECT,			\
				  .reject_message = "peer is for dev-connect" }, \
	[HALO_BLK_A_DEV_PROTOCOL] = { .type = NLA_REJECT,		\
				      .reject_message = "protocol is for dev-connect" }, \
	[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES] = {			\
		.type = NLA_REJECT,					\
		.reject_message = "allow-two-primaries is for dev-connect" }, \
	[HALO_BLK_A_DEV_DISCARD_MY_DATA] = {				\
		.type = NLA_REJECT,					\
		.reject_message = "discard-my-data is for dev-connect" }, \
	[HALO_BLK_A_DEV_PORT] = { .type = NLA_REJECT,			\
				  .reject_message = "port is for dev-connect" }

#define HALO_BLK_OPT_REJECT(name) \
	{ .type = NLA_REJECT, .reject_message = name " is for dev-connect and dev-set" }

/* what dev-connect and dev-set set */
#define HALO_BLK_NOT_CONNECT						\
	[HALO_BLK_A_DEV_RESYNC_MAX_RATE] = HALO_BLK_OPT_REJECT("resync-max-rate"), \
	[HALO_BLK_A_DEV_RESYNC_MIN_RATE] = HALO_BLK_OPT_REJECT("resync-min-rate"), \
	[HALO_BLK_A_DEV_AFTER_SB_0PRI] = HALO_BLK_OPT_REJECT("after-sb-0pri"), \
	[HALO_BLK_A_DEV_AFTER_SB_1PRI] = HALO_BLK_OPT_REJECT("after-sb-1pri"), \
	[HALO_BLK_A_DEV_AFTER_SB_2PRI] = HALO_BLK_OPT_REJECT("after-sb-2pri"), \
	[HALO_BLK_A_DEV_CSUMS_ALG] = HALO_BLK_OPT_REJECT("csums-alg"), \
	HALO_BLK_CONNECT_ONLY

#define HALO_BLK_OPTS							\
	[HALO_BLK_A_DEV_RESYNC_MAX_RATE] = { .type = NLA_U64 },		\
	[HALO_BLK_A_DEV_RESYNC_MIN_RATE] = { .type = NLA_U64 },		\
	[HALO_BLK_A_DEV_AFTER_SB_0PRI] =				\
		NLA_POLICY_MAX(NLA_U32, HALO_BLK_AFTER_SB_DISCARD_SECONDARY), \
	[HALO_BLK_A_DEV_AFTER_SB_1PRI] =				\
		NLA_POLICY_MAX(NLA_U32, HALO_BLK_AFTER_SB_DISCARD_SECONDARY), \
	[HALO_BLK_A_DEV_AFTER_SB_2PRI] =				\
		NLA_POLICY_MAX(NLA_U32, HALO_BLK_AFTER_SB_DISCARD_SECONDARY), \
	[HALO_BLK_A_DEV_CSUMS_ALG] =					\
		NLA_POLICY_MAX(NLA_U32, HALO_BLK_CSUMS_ALG_SHA256)

#define HALO_BLK_NAME_POLICY \
	{ .type = NLA_NUL_STRING, .len = HALO_BLK_NAME_MAX - 1 }

/* what dev-create sets, and the other requests must not */
#define HALO_BLK_NOT_CREATE						\
	[HALO_BLK_A_DEV_MINOR] = HALO_BLK_READ_ONLY("minor"),		\
	[HALO_BLK_A_DEV_DISK] = HALO_BLK_READ_ONLY("disk"),		\
	[HALO_BLK_A_DEV_META_DISK] = HALO_BLK_READ_ONLY("meta-disk"),	\
	[HALO_BLK_A_DEV_NO_FORMAT] = { .type = NLA_REJECT,		\
				       .reject_message = "no-format is for dev-create" }

#define HALO_BLK_NOT_PRIMARY						\
	[HALO_BLK_A_DEV_FORCE] = { .type = NLA_REJECT,			\
				   .reject_message = "force is for dev-primary and dev-create" }

static const struct nla_policy halo_blk_create_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_SET,
	HALO_BLK_NOT_VERIFY,
	HALO_BLK_NOT_CONNECT,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
	[HALO_BLK_A_DEV_FORCE] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_NO_FORMAT] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_MINOR] = NLA_POLICY_MAX(NLA_U32, HALO_BLK_MAX_MINOR),
	[HALO_BLK_A_DEV_DISK] = { .type = NLA_NUL_STRING, .len = HALO_BLK_PATH_MAX - 1 },
	[HALO_BLK_A_DEV_META_DISK] = { .type = NLA_NUL_STRING, .len = HALO_BLK_PATH_MAX - 1 },
};

static const struct nla_policy halo_blk_name_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_SET,
	HALO_BLK_NOT_VERIFY,
	HALO_BLK_NOT_CONNECT,
	HALO_BLK_NOT_CREATE,
	HALO_BLK_NOT_PRIMARY,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
};

static const struct nla_policy halo_blk_primary_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_SET,
	HALO_BLK_NOT_VERIFY,
	HALO_BLK_NOT_CONNECT,
	HALO_BLK_NOT_CREATE,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
	[HALO_BLK_A_DEV_FORCE] = { .type = NLA_FLAG },
};

/* a TCP port: past NLA_POLICY_RANGE's s16 bounds; not const, for 6.1's policy */
static struct netlink_range_validation halo_blk_port_range = {
	.min = 1,
	.max = 65535,
};

static const struct nla_policy halo_blk_connect_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_SET,
	HALO_BLK_NOT_VERIFY,
	HALO_BLK_NOT_CREATE,
	HALO_BLK_NOT_PRIMARY,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
	[HALO_BLK_A_DEV_PEER] = NLA_POLICY_MIN(NLA_U32, 1),
	[HALO_BLK_A_DEV_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &halo_blk_port_range),
	[HALO_BLK_A_DEV_PROTOCOL] = NLA_POLICY_RANGE(NLA_U32, HALO_BLK_PROTOCOL_A,
						     HALO_BLK_PROTOCOL_C),
	[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_DISCARD_MY_DATA] = { .type = NLA_FLAG },
	HALO_BLK_OPTS,
};

static const struct nla_policy halo_blk_set_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_VERIFY,
	HALO_BLK_NOT_CREATE,
	HALO_BLK_NOT_PRIMARY,
	HALO_BLK_CONNECT_ONLY,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
	HALO_BLK_OPTS,
	[HALO_BLK_A_DEV_ON_NO_QUORUM] = NLA_POLICY_MAX(NLA_U32, HALO_BLK_ON_NO_QUORUM_IO_ERROR),
	[HALO_BLK_A_DEV_ON_IO_ERROR] = NLA_POLICY_MAX(NLA_U32, HALO_BLK_ON_IO_ERROR_PASS_ON),
};

static const struct nla_policy halo_blk_verify_policy[HALO_BLK_A_DEV_MAX + 1] = {
	HALO_BLK_DEV_READ_ONLY,
	HALO_BLK_NOT_SET,
	HALO_BLK_NOT_CONNECT,
	HALO_BLK_NOT_CREATE,
	HALO_BLK_NOT_PRIMARY,
	[HALO_BLK_A_DEV_NAME] = HALO_BLK_NAME_POLICY,
	[HALO_BLK_A_DEV_VERIFY_ALG] = NLA_POLICY_RANGE(NLA_U32, HALO_BLK_VERIFY_ALG_CRC32C,
						       HALO_BLK_VERIFY_ALG_SHA256),
	[HALO_BLK_A_DEV_VERIFY_STOP] = { .type = NLA_FLAG },
};

enum halo_blk_mcgrp {
	HALO_BLK_NLGRP_EVENTS,
};

static struct genl_family halo_blk_genl_family;
static bool halo_blk_genl_live;

static int halo_blk_nl_put_sb(struct sk_buff *skb, const struct halo_blk_conn *conn)
{
	const struct halo_blk_sb_info *sb = &conn->sb;
	struct nlattr *nest;

	if (!sb->found)
		return 0;
	nest = nla_nest_start(skb, HALO_BLK_A_DEV_SPLIT_BRAIN);
	if (!nest ||
	    nla_put_u32(skb, HALO_BLK_A_SPLIT_BRAIN_PRIMARIES, sb->primaries) ||
	    nla_put_u32(skb, HALO_BLK_A_SPLIT_BRAIN_SURVIVOR, sb->survivor) ||
	    nla_put_string(skb, HALO_BLK_A_SPLIT_BRAIN_POLICY, sb->policy) ||
	    nla_put_u64_64bit(skb, HALO_BLK_A_SPLIT_BRAIN_LOCAL_CHANGES,
			      sb->local_changes, HALO_BLK_A_SPLIT_BRAIN_PAD) ||
	    nla_put_u64_64bit(skb, HALO_BLK_A_SPLIT_BRAIN_PEER_CHANGES,
			      sb->peer_changes, HALO_BLK_A_SPLIT_BRAIN_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int halo_blk_nl_put_ov(struct sk_buff *skb, const struct halo_blk_dev *dev)
{
	const struct halo_blk_conn *conn = &dev->conn;
	struct nlattr *nest;

	if (!conn->ov_state)
		return 0;
	nest = nla_nest_start(skb, HALO_BLK_A_DEV_VERIFY);
	if (!nest ||
	    nla_put_u32(skb, HALO_BLK_A_VERIFY_STATE, conn->ov_state) ||
	    nla_put_u32(skb, HALO_BLK_A_VERIFY_ALG, conn->ov_alg) ||
	    nla_put_u64_64bit(skb, HALO_BLK_A_VERIFY_POSITION,
			      conn->ov_done << HALO_MD_BLOCK_SHIFT, HALO_BLK_A_VERIFY_PAD) ||
	    nla_put_u64_64bit(skb, HALO_BLK_A_VERIFY_TOTAL,
			      dev->bm.nbits << HALO_MD_BLOCK_SHIFT, HALO_BLK_A_VERIFY_PAD) ||
	    nla_put_u64_64bit(skb, HALO_BLK_A_VERIFY_OUT_OF_SYNC,
			      conn->ov_found << HALO_MD_BLOCK_SHIFT, HALO_BLK_A_VERIFY_PAD) ||
	    (conn->ov_reason[0] &&
	     nla_put_string(skb, HALO_BLK_A_VERIFY_REASON, conn->ov_reason)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int halo_blk_nl_put_dev(struct sk_buff *skb, struct halo_blk_dev *dev)
{
	const struct halo_blk_conn *conn = &dev->conn;
	bool connected = halo_blk_conn_up(conn->state);
	int ret;

	lockdep_assert_held(&dev->lock);
	ret = nla_put_string(skb, HALO_BLK_A_DEV_NAME, dev->name) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_MINOR, dev->minor) ||
	      nla_put_string(skb, HALO_BLK_A_DEV_DISK, dev->disk_path) ||
	      nla_put_string(skb, HALO_BLK_A_DEV_META_DISK, dev->meta_path) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_SIZE, halo_blk_size_bytes(dev),
				HALO_BLK_A_DEV_PAD) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_MD_SIZE, halo_blk_md_bytes(dev),
				HALO_BLK_A_DEV_PAD) ||
	      nla_put(skb, HALO_BLK_A_DEV_UUID, sizeof(dev->sb.uuid), dev->sb.uuid) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_ROLE, dev->role) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_PEER_ROLE,
			  connected ? conn->peer.role : HALO_BLK_ROLE_UNKNOWN) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_DISK_STATE, dev->disk_state) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_PEER_DISK_STATE,
			  connected ? conn->peer.disk_state :
				      HALO_BLK_DISK_STATE_DUNKNOWN) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_CONN_STATE, conn->state) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_OUT_OF_SYNC,
				halo_blk_out_of_sync(dev), HALO_BLK_A_DEV_PAD) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_CURRENT_GEN,
				dev->sb.gen[HALO_MD_GEN_CURRENT], HALO_BLK_A_DEV_PAD) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_OPEN_COUNT, dev->open_count) ||
	      (conn->peer_id &&
	       (nla_put_u32(skb, HALO_BLK_A_DEV_PEER, conn->peer_id) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_PORT, conn->port) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_PROTOCOL, conn->protocol) ||
		nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_MAX_RATE,
				  conn->rs_max_rate, HALO_BLK_A_DEV_PAD) ||
		nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_MIN_RATE,
				  conn->rs_min_rate, HALO_BLK_A_DEV_PAD) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_AFTER_SB_0PRI, conn->after_sb[0]) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_AFTER_SB_1PRI, conn->after_sb[1]) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_AFTER_SB_2PRI, conn->after_sb[2]) ||
		nla_put_u32(skb, HALO_BLK_A_DEV_CSUMS_ALG, conn->csums_alg))) ||
	      (conn->discard_my_data &&
	       nla_put_flag(skb, HALO_BLK_A_DEV_DISCARD_MY_DATA)) ||
	      halo_blk_nl_put_sb(skb, conn) || halo_blk_nl_put_ov(skb, dev) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_ON_NO_QUORUM, dev->on_no_quorum) ||
	      (dev->quorate && nla_put_flag(skb, HALO_BLK_A_DEV_QUORATE)) ||
	      (dev->noq_quiesced && nla_put_flag(skb, HALO_BLK_A_DEV_IO_SUSPENDED)) ||
	      nla_put_u32(skb, HALO_BLK_A_DEV_ON_IO_ERROR, dev->on_io_error) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_IO_ERRORS,
				atomic64_read(&dev->io_errors), HALO_BLK_A_DEV_PAD) ||
	      (dev->io_error[0] &&
	       nla_put_string(skb, HALO_BLK_A_DEV_IO_ERROR, dev->io_error)) ||
	      (connected && conn->protocol != HALO_P_PROTO_C &&
	       nla_put_u64_64bit(skb, HALO_BLK_A_DEV_UNCONFIRMED,
				 halo_blk_tl_bytes(dev), HALO_BLK_A_DEV_PAD)) ||
	      (conn->rs_total &&
	       nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_RATE,
				 halo_blk_rs_rate(dev), HALO_BLK_A_DEV_PAD)) ||
	      (conn->rs_total && READ_ONCE(conn->rs_throttled) &&
	       nla_put_flag(skb, HALO_BLK_A_DEV_RESYNC_THROTTLED)) ||
	      (conn->rs_total &&
	       nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_TOTAL,
				 conn->rs_total << HALO_MD_BLOCK_SHIFT, HALO_BLK_A_DEV_PAD)) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_SENT,
				READ_ONCE(conn->rs_sent), HALO_BLK_A_DEV_PAD) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_RECEIVED,
				READ_ONCE(conn->rs_received), HALO_BLK_A_DEV_PAD) ||
	      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_RESYNC_SAME,
				READ_ONCE(conn->rs_same), HALO_BLK_A_DEV_PAD) ||
	      (conn->error[0] &&
	       nla_put_string(skb, HALO_BLK_A_DEV_CONN_ERROR, conn->error)) ||
	      (conn->peer_id && conn->two_primaries &&
	       nla_put_flag(skb, HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES));
	return ret ? -EMSGSIZE : 0;
}

static int halo_blk_nl_put_dev_locked(struct sk_buff *skb, struct halo_blk_dev *dev)
{
	int ret;

	mutex_lock(&dev->lock);
	ret = halo_blk_nl_put_dev(skb, dev);
	mutex_unlock(&dev->lock);
	return ret;
}

/* Find the request's device, with halo_blk_lock held; NULL if none. */
static struct halo_blk_dev *halo_blk_nl_lock_dev(struct genl_info *info);

static int halo_blk_nl_verify_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);
	u8 alg = HALO_BLK_VERIFY_ALG_CRC32C;
	int ret = 0;

	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	if (info->attrs[HALO_BLK_A_DEV_VERIFY_STOP]) {
		if (info->attrs[HALO_BLK_A_DEV_VERIFY_ALG]) {
			NL_SET_ERR_MSG(info->extack,
				       "verify-alg starts a verify, verify-stop stops one: not both");
			ret = -EINVAL;
		} else if (READ_ONCE(dev->conn.ov_state) != HALO_BLK_VERIFY_STATE_RUNNING) {
			NL_SET_ERR_MSG(info->extack, "no verify runs on this device");
			ret = -ENOENT;
		} else {
			halo_blk_ov_stop(dev, "stopped by dev-verify verify-stop");
		}
	} else {
		if (info->attrs[HALO_BLK_A_DEV_VERIFY_ALG])
			alg = nla_get_u32(info->attrs[HALO_BLK_A_DEV_VERIFY_ALG]);
		ret = halo_blk_ov_start(dev, alg, info->extack);
	}
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static struct halo_blk_dev *halo_blk_nl_lock_dev(struct genl_info *info)
{
	struct halo_blk_dev *dev;

	if (GENL_REQ_ATTR_CHECK(info, HALO_BLK_A_DEV_NAME))
		return NULL;
	mutex_lock(&halo_blk_lock);
	dev = halo_blk_dev_find(genl_info_net(info),
				nla_data(info->attrs[HALO_BLK_A_DEV_NAME]));
	if (!dev) {
		mutex_unlock(&halo_blk_lock);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HALO_BLK_A_DEV_NAME],
				    "no device with this name in this network namespace");
	}
	return dev;
}

static int halo_blk_nl_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct halo_blk_create cr = {};
	int ret;

	/* it writes to a block device: as much as opening one for writing */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "dev create needs CAP_SYS_ADMIN: it writes metadata to the disk");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, HALO_BLK_A_DEV_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, HALO_BLK_A_DEV_MINOR) ||
	    GENL_REQ_ATTR_CHECK(info, HALO_BLK_A_DEV_DISK))
		return -EINVAL;
	cr.name = nla_data(attrs[HALO_BLK_A_DEV_NAME]);
	if (!cr.name[0]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HALO_BLK_A_DEV_NAME],
				    "the device name must not be empty");
		return -EINVAL;
	}
	cr.minor = nla_get_u32(attrs[HALO_BLK_A_DEV_MINOR]);
	cr.disk = nla_data(attrs[HALO_BLK_A_DEV_DISK]);
	if (attrs[HALO_BLK_A_DEV_META_DISK])
		cr.meta = nla_data(attrs[HALO_BLK_A_DEV_META_DISK]);
	if (!cr.disk[0] || (cr.meta && !cr.meta[0])) {
		NL_SET_ERR_MSG(info->extack, "empty device path");
		return -EINVAL;
	}
	cr.force = nla_get_flag(attrs[HALO_BLK_A_DEV_FORCE]);
	cr.no_format = nla_get_flag(attrs[HALO_BLK_A_DEV_NO_FORMAT]);
	if (cr.force && cr.no_format) {
		NL_SET_ERR_MSG(info->extack, "force and no-format contradict each other");
		return -EINVAL;
	}
	mutex_lock(&halo_blk_lock);
	ret = halo_blk_dev_create(genl_info_net(info), &cr, info->extack);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static int halo_blk_nl_destroy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);
	int ret;

	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	ret = halo_blk_dev_destroy(dev, info->extack);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static int halo_blk_nl_primary_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);
	int ret;

	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	ret = halo_blk_dev_primary(dev, nla_get_flag(info->attrs[HALO_BLK_A_DEV_FORCE]),
				   info->extack);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static int halo_blk_nl_secondary_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);
	int ret;

	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	ret = halo_blk_dev_secondary(dev, info->extack);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

/*
 * The options dev-connect and dev-set share, over the defaults or the
 * values in @o.
 */
static int halo_blk_nl_opts(struct genl_info *info, struct halo_blk_conn_opts *o)
{
	struct nlattr **a = info->attrs;
	unsigned int i;
	u32 v;

	for (i = 0; i < ARRAY_SIZE(o->after_sb); i++) {
		struct nlattr *attr = a[HALO_BLK_A_DEV_AFTER_SB_0PRI + i];

		if (!attr)
			continue;
		v = nla_get_u32(attr);
		/* whole messages: a formatted one is cut at 80 bytes */
		if (!halo_gen_sb_policy_ok(i, v)) {
			if (i == 0)
				NL_SET_ERR_MSG(info->extack,
					       "after-sb-0pri must be disconnect, discard-younger-primary, discard-older-primary, discard-zero-changes or discard-least-changes");
			else if (i == 1)
				NL_SET_ERR_MSG(info->extack,
					       "after-sb-1pri must be disconnect, consensus or discard-secondary");
			else
				NL_SET_ERR_MSG(info->extack,
					       "after-sb-2pri must be disconnect: two primaries' data is never discarded automatically");
			return -EINVAL;
		}
		o->after_sb[i] = v;
	}
	/* a csums-alg is the verify checksum of the same number */
	BUILD_BUG_ON((int)HALO_BLK_CSUMS_ALG_CRC32C != (int)HALO_BLK_VERIFY_ALG_CRC32C ||
		     (int)HALO_BLK_CSUMS_ALG_SHA256 != (int)HALO_BLK_VERIFY_ALG_SHA256);
	if (a[HALO_BLK_A_DEV_CSUMS_ALG])
		o->csums_alg = nla_get_u32(a[HALO_BLK_A_DEV_CSUMS_ALG]);
	if (a[HALO_BLK_A_DEV_RESYNC_MAX_RATE])
		o->rs_max_rate = nla_get_u64(a[HALO_BLK_A_DEV_RESYNC_MAX_RATE]);
	if (a[HALO_BLK_A_DEV_RESYNC_MIN_RATE])
		o->rs_min_rate = nla_get_u64(a[HALO_BLK_A_DEV_RESYNC_MIN_RATE]);
	/* the default minimum gives way to a lower maximum; an asked one not */
	if (a[HALO_BLK_A_DEV_RESYNC_MIN_RATE] && o->rs_max_rate &&
	    o->rs_min_rate > o->rs_max_rate) {
		NL_SET_ERR_MSG_FMT(info->extack,
				   "resync-min-rate %llu is above resync-max-rate %llu",
				   o->rs_min_rate, o->rs_max_rate);
		return -EINVAL;
	}
	return 0;
}

static int halo_blk_nl_connect_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_conn_opts o = {
		.protocol = HALO_BLK_PROTOCOL_C,
		.rs_min_rate = HALO_BLK_RS_MIN_RATE,
	};
	struct nlattr **a = info->attrs;
	struct halo_blk_dev *dev;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HALO_BLK_A_DEV_PEER))
		return -EINVAL;
	o.peer_id = nla_get_u32(a[HALO_BLK_A_DEV_PEER]);
	o.port = a[HALO_BLK_A_DEV_PORT] ? nla_get_u32(a[HALO_BLK_A_DEV_PORT]) : HALO_BLK_PORT;
	if (a[HALO_BLK_A_DEV_PROTOCOL])
		o.protocol = nla_get_u32(a[HALO_BLK_A_DEV_PROTOCOL]);
	o.two_primaries = nla_get_flag(a[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES]);
	o.discard_my_data = nla_get_flag(a[HALO_BLK_A_DEV_DISCARD_MY_DATA]);
	ret = halo_blk_nl_opts(info, &o);
	if (ret)
		return ret;
	dev = halo_blk_nl_lock_dev(info);
	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	ret = halo_blk_connect(dev, &o, info->extack);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static bool halo_blk_nl_has_conn_opts(struct genl_info *info)
{
	struct nlattr **a = info->attrs;

	return a[HALO_BLK_A_DEV_RESYNC_MAX_RATE] || a[HALO_BLK_A_DEV_RESYNC_MIN_RATE] ||
	       a[HALO_BLK_A_DEV_AFTER_SB_0PRI] || a[HALO_BLK_A_DEV_AFTER_SB_1PRI] ||
	       a[HALO_BLK_A_DEV_AFTER_SB_2PRI] || a[HALO_BLK_A_DEV_CSUMS_ALG];
}

static int halo_blk_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);
	struct nlattr **a = info->attrs;
	struct halo_blk_conn *conn;
	struct halo_blk_conn_opts o;
	bool conn_opts;
	int ret = 0;

	if (!dev)
		return a[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	conn = &dev->conn;
	conn_opts = halo_blk_nl_has_conn_opts(info);
	mutex_lock(&dev->lock);
	/* everything is checked before anything changes */
	if (conn_opts) {
		if (!conn->peer_id) {
			NL_SET_ERR_MSG(info->extack,
				       "the device was never connected: dev-connect sets its options");
			ret = -ENOTCONN;
			goto out;
		}
		o.rs_max_rate = conn->rs_max_rate;
		o.rs_min_rate = conn->rs_min_rate;
		o.csums_alg = conn->csums_alg;
		memcpy(o.after_sb, conn->after_sb, sizeof(o.after_sb));
		ret = halo_blk_nl_opts(info, &o);
		if (ret)
			goto out;
		/* the resync thread reads the rates at its next chunk */
		WRITE_ONCE(conn->rs_max_rate, o.rs_max_rate);
		WRITE_ONCE(conn->rs_min_rate, o.rs_min_rate);
		memcpy(conn->after_sb, o.after_sb, sizeof(conn->after_sb));
		WRITE_ONCE(conn->csums_alg, o.csums_alg);
	}
	if (a[HALO_BLK_A_DEV_ON_IO_ERROR])
		WRITE_ONCE(dev->on_io_error, nla_get_u32(a[HALO_BLK_A_DEV_ON_IO_ERROR]));
	if (a[HALO_BLK_A_DEV_ON_NO_QUORUM]) {
		dev->on_no_quorum = nla_get_u32(a[HALO_BLK_A_DEV_ON_NO_QUORUM]);
		/* held I/O goes on, or fails, at once (and says so) */
		if (halo_blk_noq_update(dev))
			goto out;
	}
	halo_blk_nl_notify(dev);
out:
	mutex_unlock(&dev->lock);
	mutex_unlock(&halo_blk_lock);
	return ret;
}

static int halo_blk_nl_disconnect_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev = halo_blk_nl_lock_dev(info);

	if (!dev)
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	halo_blk_disconnect(dev);
	mutex_unlock(&halo_blk_lock);
	return 0;
}

static int halo_blk_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct halo_blk_dev *dev;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	dev = halo_blk_nl_lock_dev(info);
	if (!dev) {
		nlmsg_free(msg);
		return info->attrs[HALO_BLK_A_DEV_NAME] ? -ENOENT : -EINVAL;
	}
	hdr = genlmsg_put_reply(msg, info, &halo_blk_genl_family, 0,
				HALO_BLK_CMD_DEV_GET);
	ret = hdr ? halo_blk_nl_put_dev_locked(msg, dev) : -EMSGSIZE;
	mutex_unlock(&halo_blk_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Dump the namespace's devices by ascending minor; the cursor is the next
 * minor to send, so devices created or destroyed between two parts
 * neither repeat nor shift the others.
 */
static int halo_blk_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct halo_blk_dev *dev, *best;
	u32 next = cb->args[0];
	void *hdr;

	mutex_lock(&halo_blk_lock);
	for (;;) {
		best = NULL;
		list_for_each_entry(dev, &halo_blk_devs, list)
			if (net_eq(dev->net, net) && dev->minor >= next &&
			    (!best || dev->minor < best->minor))
				best = dev;
		if (!best)
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &halo_blk_genl_family, NLM_F_MULTI,
				  HALO_BLK_CMD_DEV_GET);
		if (!hdr)
			break;
		if (halo_blk_nl_put_dev_locked(skb, best)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		next = best->minor + 1;
	}
	mutex_unlock(&halo_blk_lock);
	cb->args[0] = next;
	return skb->len;
}

static const struct genl_ops halo_blk_genl_ops[] = {
	{
		.cmd = HALO_BLK_CMD_DEV_CREATE,
		.doit = halo_blk_nl_create_doit,
		.policy = halo_blk_create_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_DESTROY,
		.doit = halo_blk_nl_destroy_doit,
		.policy = halo_blk_name_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_GET,
		.doit = halo_blk_nl_get_doit,
		.dumpit = halo_blk_nl_get_dumpit,
		.policy = halo_blk_name_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_PRIMARY,
		.doit = halo_blk_nl_primary_doit,
		.policy = halo_blk_primary_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_SECONDARY,
		.doit = halo_blk_nl_secondary_doit,
		.policy = halo_blk_name_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_CONNECT,
		.doit = halo_blk_nl_connect_doit,
		.policy = halo_blk_connect_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_DISCONNECT,
		.doit = halo_blk_nl_disconnect_doit,
		.policy = halo_blk_name_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_SET,
		.doit = halo_blk_nl_set_doit,
		.policy = halo_blk_set_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HALO_BLK_CMD_DEV_VERIFY,
		.doit = halo_blk_nl_verify_doit,
		.policy = halo_blk_verify_policy,
		.maxattr = HALO_BLK_A_DEV_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/* Events: sent only when someone in the device's namespace listens. */
static void halo_blk_nl_event(struct halo_blk_dev *dev, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	if (!READ_ONCE(halo_blk_genl_live) ||
	    !genl_has_listeners(&halo_blk_genl_family, dev->net, HALO_BLK_NLGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &halo_blk_genl_family, 0, cmd);
	if (!hdr) {
		nlmsg_free(skb);
		return;
	}
	if (cmd == HALO_BLK_CMD_DEV_DEL_NTF)
		err = nla_put_string(skb, HALO_BLK_A_DEV_NAME, dev->name) ||
		      nla_put_u32(skb, HALO_BLK_A_DEV_MINOR, dev->minor);
	else if (cmd == HALO_BLK_CMD_DEV_SPLIT_BRAIN_NTF)
		err = nla_put_string(skb, HALO_BLK_A_DEV_NAME, dev->name) ||
		      nla_put_u32(skb, HALO_BLK_A_DEV_PEER, dev->conn.peer_id) ||
		      halo_blk_nl_put_sb(skb, &dev->conn);
	else if (cmd == HALO_BLK_CMD_DEV_IO_ERROR_NTF)
		err = nla_put_string(skb, HALO_BLK_A_DEV_NAME, dev->name) ||
		      nla_put_u32(skb, HALO_BLK_A_DEV_ON_IO_ERROR, dev->on_io_error) ||
		      nla_put_u64_64bit(skb, HALO_BLK_A_DEV_IO_ERRORS,
					atomic64_read(&dev->io_errors), HALO_BLK_A_DEV_PAD) ||
		      nla_put_string(skb, HALO_BLK_A_DEV_IO_ERROR, dev->io_error);
	else
		err = halo_blk_nl_put_dev(skb, dev);
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&halo_blk_genl_family, dev->net, skb, 0,
				HALO_BLK_NLGRP_EVENTS, GFP_KERNEL);
}

/* The device's full status; called with dev->lock held. */
void halo_blk_nl_notify(struct halo_blk_dev *dev)
{
	halo_blk_nl_event(dev, HALO_BLK_CMD_DEV_NTF);
}

void halo_blk_nl_notify_del(struct halo_blk_dev *dev)
{
	halo_blk_nl_event(dev, HALO_BLK_CMD_DEV_DEL_NTF);
}

void halo_blk_nl_notify_split_brain(struct halo_blk_dev *dev)
{
	halo_blk_nl_event(dev, HALO_BLK_CMD_DEV_SPLIT_BRAIN_NTF);
}

void halo_blk_nl_notify_io_error(struct halo_blk_dev *dev)
{
	halo_blk_nl_event(dev, HALO_BLK_CMD_DEV_IO_ERROR_NTF);
}

static const struct genl_multicast_group halo_blk_genl_mcgrps[] = {
	[HALO_BLK_NLGRP_EVENTS] = { .name = HALO_BLK_MCGRP_EVENTS },
};

static struct genl_family halo_blk_genl_family __ro_after_init = {
	.name = HALO_BLK_FAMILY_NAME,
	.version = HALO_BLK_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = halo_blk_genl_ops,
	.n_ops = ARRAY_SIZE(halo_blk_genl_ops),
	.resv_start_op = 0,	/* strict validation for every op */
	.mcgrps = halo_blk_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(halo_blk_genl_mcgrps),
};

int __init halo_blk_genl_init(void)
{
	int ret = genl_register_family(&halo_blk_genl_family);

	if (!ret)
		WRITE_ONCE(halo_blk_genl_live, true);
	return ret;
}

void halo_blk_genl_exit(void)
{
	WRITE_ONCE(halo_blk_genl_live, false);
	genl_unregister_family(&halo_blk_genl_family);
}
