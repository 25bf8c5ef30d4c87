/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The membership engine: failure detection from direct and reported
 * evidence, and view agreement (Documentation/membership.rst). Pure logic:
 * the caller feeds it what arrived and the time, and sends what it asks
 * for; it never sleeps, allocates or does I/O.
 */
#ifndef _HALO_MEMBERSHIP_H
#define _HALO_MEMBERSHIP_H

#include "../pure.h"
#include "quorum.h"

#define HALO_MB_MAX_NODES	64
/* Failure checks per heartbeat interval (halo_mb_tick() calls). */
#define HALO_MB_CHECKS		4

/* Agreement message payload: origin, coordinator, epoch, count, ids. */
#define HALO_MB_AGREE_HDR	20
/* Heartbeat payload header; then count entries of (id, age in ms). */
#define HALO_MB_HB_HDR		36
#define HALO_MB_HB_ENTRY	6
#define HALO_MB_AGE_NEVER	0xffff

/* The message types the engine exchanges (enum halo_msg in wire.h). */
enum halo_mb_kind {
	HALO_MB_PROPOSE,
	HALO_MB_ACK,
	HALO_MB_NACK,
	HALO_MB_COMMIT,
	__HALO_MB_KIND_MAX
};

struct halo_mb_node {
	u32 id;
	u32 votes;
	bool used;
	/* when an authenticated datagram last came from it (0: never) */
	u64 heard_ms;
	u64 heard_since_ms;	/* heard without a gap of timeout since */
	/* from its last heartbeat: when it last heard each slot directly */
	u64 rep_ms[HALO_MB_MAX_NODES];
	/*
	 * rep_ms[self] as of the arrival of that heartbeat, not its reading:
	 * the quorum lease must not grow by the time it waited unread
	 */
	u64 lease_ms;
	/* the view it reported in its last heartbeat */
	u64 hb_epoch;
	/* relay bookkeeping, per message kind: last epoch relayed, when */
	u64 fwd_epoch[__HALO_MB_KIND_MAX];
	u64 fwd_ms[__HALO_MB_KIND_MAX];
	/* left out of proposals until then (it failed to agree) */
	u64 excluded_until_ms;
	/* left out because a member is not configured with it (no fence) */
	bool unnamed;
};

/* Node sets are bitmaps over slots of struct halo_mb.node. */
struct halo_mb_view {
	u64 epoch;
	u32 coord;	/* node id of the coordinator that proposed it */
	u64 members;
};

struct halo_mb {
	u32 self_id;
	int self;	/* slot of the local node, -1 until it is configured */
	u32 interval_ms;
	u32 timeout_ms;
	struct halo_mb_node node[HALO_MB_MAX_NODES];

	struct halo_mb_view view;	/* the installed view */
	bool view_unnamed;		/* its COMMIT has HALO_MB_F_UNNAMED */
	u64 view_since_ms;
	u64 max_epoch;			/* highest epoch seen anywhere */

	/* as a member: the last proposal this node acknowledged */
	struct halo_mb_view promised;

	/* as coordinator: the proposal in flight */
	bool proposing;
	struct halo_mb_view prop;
	u64 prop_acked;
	u64 prop_started_ms;
	/* retransmissions go at most once an interval */
	u64 prop_sent_ms;
	u64 commit_sent_ms;
};

/* A decoded agreement message. */
struct halo_mb_msg {
	enum halo_mb_kind kind;
	u32 origin;
	u32 coord;
	u64 epoch;
	u64 members;	/* PROPOSE, COMMIT: the view; NACK: origin's alive set */
	u16 flags;	/* NACK, COMMIT: HALO_MB_F_* */
	bool unnamed;	/* decoded: it named ids this node is not configured with */
};

/*
 * NACK: the proposal names nodes the sender is not configured with.
 * COMMIT: the nodes that left with this view left only because a member
 * is not configured with them (a configuration change: no fencing).
 */
#define HALO_MB_F_UNNAMED	0x0001

/* What the caller must send after an engine call, as slot bitmaps. */
struct halo_mb_out {
	u64 propose_to;		/* mb->prop */
	u64 commit_to;		/* mb->view */
	u64 ack_to;		/* ACK of mb->promised */
	u64 nack_to;		/* NACK of nack_epoch/nack_coord with nack_alive */
	u64 nack_epoch;
	u32 nack_coord;
	u64 nack_alive;
	u16 nack_flags;
	u64 relay_to;		/* the message just received, unchanged */
	bool installed;		/* a new view was installed */
	u64 old_members;	/* if installed: the members before */
};

/* Heartbeat fields the caller handles itself (RTT measurement). */
struct halo_mb_echo {
	u64 tx_ns;		/* sender's clock when it sent the heartbeat */
	u64 echo_ns;		/* a tx_ns of the receiver's, echoed; 0: none */
	u32 hold_us;		/* how long the sender held echo_ns */
	u16 hb_seq;		/* the sender's heartbeat counter for this link */
};

void halo_mb_init(struct halo_mb *mb, u32 self_id, u32 interval_ms,
		  u32 timeout_ms);
int halo_mb_slot(const struct halo_mb *mb, u32 id);
int halo_mb_node_add(struct halo_mb *mb, u32 id, u32 votes, u64 now_ms);
void halo_mb_node_del(struct halo_mb *mb, int slot, u64 now_ms,
		      struct halo_mb_out *out);

u64 halo_mb_alive(const struct halo_mb *mb, u64 now_ms, u32 window_ms);
void halo_mb_heard(struct halo_mb *mb, int slot, u64 now_ms);

size_t halo_mb_put_heartbeat(const struct halo_mb *mb, u64 now_ms,
			     const struct halo_mb_echo *echo, u8 *buf,
			     size_t size);
bool halo_mb_rx_heartbeat(struct halo_mb *mb, int slot, u64 now_ms,
			  u64 at_ms, const u8 *buf, size_t len,
			  struct halo_mb_echo *echo);

size_t halo_mb_put_agree(const struct halo_mb *mb, const struct halo_mb_msg *msg,
			 u8 *buf, size_t size);
bool halo_mb_parse_agree(const struct halo_mb *mb, enum halo_mb_kind kind,
			 const u8 *buf, size_t len, struct halo_mb_msg *msg);
void halo_mb_rx_agree(struct halo_mb *mb, int from, const struct halo_mb_msg *msg,
		      u64 now_ms, struct halo_mb_out *out);

void halo_mb_tick(struct halo_mb *mb, u64 now_ms, struct halo_mb_out *out);
u32 halo_mb_hb_gap(u16 last, u16 seq);
bool halo_mb_quorate(const struct halo_mb *mb, struct halo_quorum *q,
		     u64 now_ms);

static inline int halo_mb_count(u64 set)
{
	int n = 0;

	while (set) {
		set &= set - 1;
		n++;
	}
	return n;
}

#endif /* _HALO_MEMBERSHIP_H */
