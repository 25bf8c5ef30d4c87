/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_QUORUM_H
#define _HALO_QUORUM_H

#include "../pure.h"

/* Options, with votequorum's meaning (votequorum(5)). */
#define HALO_QUORUM_TWO_NODE		BIT(0)
#define HALO_QUORUM_WAIT_FOR_ALL	BIT(1)
#define HALO_QUORUM_LAST_MAN_STANDING	BIT(2)
#define HALO_QUORUM_AUTO_TIE_BREAKER	BIT(3)

/* votequorum's default last_man_standing_window */
#define HALO_QUORUM_LMS_WINDOW_MS	10000

/*
 * One configured node, as quorum sees it. The caller bounds @votes (the
 * netlink policy: at most 255, as votequorum) so that the sums over all
 * nodes fit in a u32.
 */
struct halo_quorum_node {
	u32 id;
	u8 votes;	/* 0-255, as votequorum allows */
	bool in_view;	/* a member of the view being evaluated */
};

/*
 * Quorum state of one cluster instance. The caller serialises access
 * (the instance's lock); nothing here sleeps or allocates.
 */
struct halo_quorum {
	u32 flags;
	u32 lms_window_ms;
	/* wait_for_all: not yet seen every node in one view since start */
	bool waiting_for_all;
	/* last_man_standing: expected votes lowered to this (0: not lowered) */
	u32 lms_expected;
	/* when the current view was installed, for the LMS window */
	u64 view_since_ms;

	/* results of the last halo_quorum_eval() */
	u32 expected_votes;	/* votes the cluster expects (quorum's base) */
	u32 total_votes;	/* votes in the view */
	u32 quorum;		/* votes needed */
	bool quorate;
};

void halo_quorum_init(struct halo_quorum *q, u32 flags, u32 lms_window_ms);
void halo_quorum_view_changed(struct halo_quorum *q, u64 now_ms);
bool halo_quorum_eval(struct halo_quorum *q, const struct halo_quorum_node *nodes,
		      size_t n_nodes, u64 now_ms);

#endif /* _HALO_QUORUM_H */
