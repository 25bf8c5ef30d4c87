/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_CLUSTER_H
#define _HALO_CLUSTER_H

#include "membership.h"
#include "quorum.h"
#include "replay.h"
#include "standby.h"
#include "wire.h"

#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <uapi/linux/halo.h>

#define HALO_NAME_MAX		64
#define HALO_DEFAULT_PORT	5405
#define HALO_DEFAULT_INTERVAL	100
#define HALO_DEFAULT_TIMEOUT	400
#define HALO_KEY_MIN		16
#define HALO_KEY_MAX		4096
#define HALO_MAX_VOTES		255
#define HALO_FENCE_HISTORY	16
#define HALO_STANDBY_RESEND_MS	1000

struct crypto_shash;
struct halo_sysfs;

enum halo_drop_counter {
	HALO_CNT_SHORT,
	HALO_CNT_BAD_HEADER,
	HALO_CNT_OTHER_CLUSTER,
	HALO_CNT_UNKNOWN_NODE,
	HALO_CNT_BAD_MAC,
	HALO_CNT_REPLAY,
	HALO_CNT_BAD_PAYLOAD,
	__HALO_CNT_MAX
};

/* One link to one node, as the local node sees it. */
struct halo_link {
	struct sockaddr_storage addr;	/* the node's address on this link */
	bool configured;
	bool up;
	u8 good;		/* datagrams received while down */
	u64 heard_ms;
	u64 echo_tx_ns;		/* the node's last tx_ns on this link */
	u64 echo_rx_ns;		/* when it arrived */
	u32 srtt_us;
	u64 rx_packets;
	u64 rx_lost;		/* heartbeats that never arrived */
	u64 tx_packets;
	u64 tx_errors;
	u16 hb_tx_seq;		/* counter of heartbeats sent on this link */
	u16 hb_rx_seq;		/* the newest one received */
	bool hb_rx_started;
};

struct halo_node {
	char name[HALO_NAME_MAX + 1];
	u8 n_links;
	struct halo_link link[HALO_MAX_LINKS];
	struct halo_replay replay;
};

/*
 * What the instance publishes with RCU for readers that must not take its
 * lock: the in-kernel API (any context) and sysfs. Rebuilt after every
 * change of view, quorum, liveness or configuration.
 */
struct halo_snap_node {
	u32 id;
	u32 votes;
	u32 state;		/* enum halo_node_state */
	bool in_view;
	bool standby;
	u8 n_links;
	struct {
		sa_family_t family;
		u8 addr[16];
	} link[HALO_MAX_LINKS];
	char name[HALO_NAME_MAX + 1];
};

struct halo_snap {
	struct rcu_head rcu;
	u64 epoch;
	u32 coordinator;
	bool quorate;
	u32 expected_votes;
	u32 total_votes;
	u32 quorum;
	u32 n_nodes;
	struct halo_snap_node node[HALO_MB_MAX_NODES];	/* ascending id */
};

struct halo_fence_req {
	u32 node_id;
	u64 epoch;
	const char *reason;
};

/*
 * A cluster instance: one per network namespace. Everything below lock is
 * guarded by it; the socket callbacks only queue rx_work.
 */
struct halo_cluster {
	struct net *net;	/* the namespace owns us: no reference */
	struct workqueue_struct *wq;
	struct delayed_work tick_work;
	struct work_struct rx_work;
	struct socket *sock[HALO_MAX_LINKS];

	struct mutex lock;	/* guards everything below */
	bool dying;		/* no timer or work may be armed */
	char name[HALO_NAME_MAX + 1];
	u32 cluster_id;
	u32 node_id;
	u16 port;
	u32 interval_ms;
	u32 timeout_ms;
	u32 quorum_flags;
	u32 lms_window_ms;
	bool authenticated;
	bool told_no_self;	/* the local-node problem is logged once */
	u64 no_self_since_ms;	/* a node was added without the local one; 0: not */
	struct crypto_shash *tfm;
	u64 incarnation;
	u64 seq;
	u64 hb_sent_ms;		/* when heartbeats last went out */

	struct halo_mb mb;
	struct halo_node node[HALO_MB_MAX_NODES];	/* by engine slot */
	struct halo_quorum quorum;
	bool quorate;
	u64 drops[__HALO_CNT_MAX];
	struct halo_fence_req fence[HALO_FENCE_HISTORY];
	unsigned int n_fence;	/* requests ever recorded */
	struct halo_standby standby;
	u64 standby_sent_ms;	/* when the register last went to every node */

	struct halo_snap __rcu *snap;
	u64 snap_alive;		/* the alive set the snapshot shows */
	bool snap_stale;	/* publishing failed: retry at the next tick */
	struct halo_sysfs *sysfs;

	u8 txbuf[HALO_WIRE_MAX_LEN];
	u8 rxbuf[HALO_WIRE_MAX_LEN];
	/* scratch for STANDBY payloads, off the stack */
	struct halo_standby_word standby_rx[HALO_STANDBY_MAX];
	u8 standby_tx[HALO_STANDBY_HDR + HALO_STANDBY_MAX * HALO_STANDBY_ENTRY];
};

struct halo_cluster_config {
	const char *name;
	u32 node_id;
	u16 port;
	u32 interval_ms;
	u32 timeout_ms;
	const u8 *key;
	size_t key_len;
	u32 quorum_flags;
	u32 lms_window_ms;
};

u64 halo_now_ms(void);

int halo_cluster_create(struct net *net, const struct halo_cluster_config *cfg,
			struct netlink_ext_ack *extack);
void halo_cluster_destroy(struct halo_cluster *c);
struct halo_cluster *halo_cluster_get_locked(struct net *net);
int halo_cluster_node_add(struct halo_cluster *c, u32 id, const char *name,
			  u32 votes, const struct sockaddr_storage *addrs,
			  unsigned int n_addrs, struct netlink_ext_ack *extack);
int halo_cluster_node_del(struct halo_cluster *c, u32 id,
			  struct netlink_ext_ack *extack);
void halo_cluster_apply(struct halo_cluster *c, const struct halo_mb_out *out,
			u64 now_ms, const u8 *relay, size_t relay_len, u8 type);
/* Longest problem sentence of halo_cluster_problem(), with its NUL. */
#define HALO_PROBLEM_MAX 128
/* How long the local node may be missing before it is logged. */
#define HALO_PROBLEM_DELAY_MS 2000
size_t halo_cluster_problem(struct halo_cluster *c, char *buf, size_t size);
int halo_cluster_standby_set(struct halo_cluster *c, u32 id, bool on,
			     struct netlink_ext_ack *extack);
void halo_cluster_standby_rx(struct halo_cluster *c, int slot,
			     const u8 *payload, size_t len);

/* api.c */
void halo_api_publish(struct halo_cluster *c, unsigned long event);
void halo_api_destroy(struct halo_cluster *c);

/* sysfs.c */
int halo_sysfs_init(void);
void halo_sysfs_exit(void);
int halo_sysfs_cluster_add(struct halo_cluster *c);
void halo_sysfs_cluster_del(struct halo_cluster *c);
int halo_sysfs_node_add(struct halo_cluster *c, u32 id);
void halo_sysfs_node_del(struct halo_cluster *c, u32 id);

/* transport.c */
int halo_transport_open(struct halo_cluster *c, int slot,
			struct netlink_ext_ack *extack);
void halo_transport_close(struct halo_cluster *c);
int halo_transport_key(struct halo_cluster *c, const u8 *key, size_t len);
void halo_transport_send(struct halo_cluster *c, int slot, u8 type,
			 const u8 *payload, size_t len);
void halo_transport_heartbeats(struct halo_cluster *c, u64 now_ms);
void halo_transport_rx_work(struct work_struct *work);

#endif /* _HALO_CLUSTER_H */
