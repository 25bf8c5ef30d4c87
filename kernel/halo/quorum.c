// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Quorum arithmetic, with votequorum's meaning:
 *
 *  - expected votes are the votes of every configured node; a view is
 *    quorate when it holds more than half of them (quorum = expected/2 + 1).
 *  - two_node: in a cluster of exactly two one-vote nodes, quorum is 1;
 *    implies wait_for_all, which keeps the two halves of a cold-started,
 *    partitioned pair from both becoming quorate.
 *  - wait_for_all: not quorate, after the instance starts, until one view
 *    has held every configured node (at least two of them).
 *  - last_man_standing: once a smaller view has been quorate and stable
 *    for the window, expected votes drop to that view's votes, so nodes can
 *    go away one batch at a time (8 -> 5 -> 3 -> 2); never below two nodes'
 *    worth unless auto_tie_breaker settles the last 2 -> 1 step.
 *  - auto_tie_breaker: a view holding exactly half of the expected votes is
 *    quorate if it contains the lowest configured node id.
 *
 * Pure logic: compiled into halo.ko and into the host unit lane.
 */

#include "quorum.h"

void halo_quorum_init(struct halo_quorum *q, u32 flags, u32 lms_window_ms)
{
	*q = (struct halo_quorum){
		.flags = flags,
		.lms_window_ms = lms_window_ms,
		.waiting_for_all = flags & (HALO_QUORUM_WAIT_FOR_ALL |
					    HALO_QUORUM_TWO_NODE),
	};
}

/* A new view was installed: the last_man_standing window starts over. */
void halo_quorum_view_changed(struct halo_quorum *q, u64 now_ms)
{
	q->view_since_ms = now_ms;
}

static bool halo_quorum_two_node(const struct halo_quorum *q,
				 const struct halo_quorum_node *nodes,
				 size_t n_nodes)
{
	return (q->flags & HALO_QUORUM_TWO_NODE) && n_nodes == 2 &&
	       nodes[0].votes == 1 && nodes[1].votes == 1;
}

/*
 * Evaluate @nodes (every configured node, in_view set for members of the
 * current view) at @now_ms; updates and returns q->quorate.
 */
bool halo_quorum_eval(struct halo_quorum *q, const struct halo_quorum_node *nodes,
		      size_t n_nodes, u64 now_ms)
{
	u32 configured = 0, total = 0, lowest_id = 0, expected, floor;
	bool all_in_view = n_nodes > 0, has_lowest = false;
	size_t i, members = 0;

	for (i = 0; i < n_nodes; i++) {
		configured += nodes[i].votes;
		if (i == 0 || nodes[i].id < lowest_id)
			lowest_id = nodes[i].id;
		if (nodes[i].in_view) {
			total += nodes[i].votes;
			members++;
		} else {
			all_in_view = false;
		}
	}
	for (i = 0; i < n_nodes; i++)
		if (nodes[i].in_view && nodes[i].id == lowest_id)
			has_lowest = true;

	/*
	 * Nodes are added one at a time: a view of the only node configured
	 * so far is not "all nodes seen", or every wait_for_all cluster
	 * would satisfy it while its configuration is being typed in.
	 */
	if (all_in_view && members >= 2)
		q->waiting_for_all = false;

	/* A rejoining node raises expected votes back, never above config. */
	expected = configured;
	if (q->lms_expected && q->lms_expected < configured &&
	    total <= q->lms_expected)
		expected = q->lms_expected;
	else
		q->lms_expected = 0;

	q->expected_votes = expected;
	q->total_votes = total;
	q->quorum = halo_quorum_two_node(q, nodes, n_nodes) ? 1 : expected / 2 + 1;
	q->quorate = total >= q->quorum;
	if (!q->quorate && (q->flags & HALO_QUORUM_AUTO_TIE_BREAKER) &&
	    (u64)total * 2 == expected && has_lowest)
		q->quorate = true;
	if (q->waiting_for_all)
		q->quorate = false;

	/*
	 * last_man_standing: a quorate view smaller than expected, stable for
	 * the window, becomes the new expectation. Two members is the floor
	 * (one with auto_tie_breaker, which decides the 1:1 split).
	 */
	floor = (q->flags & HALO_QUORUM_AUTO_TIE_BREAKER) ? 1 : 2;
	if ((q->flags & HALO_QUORUM_LAST_MAN_STANDING) && q->quorate &&
	    total < expected && members >= floor &&
	    now_ms - q->view_since_ms >= q->lms_window_ms) {
		q->lms_expected = total;
		q->expected_votes = total;
		q->quorum = total / 2 + 1;
	}

	return q->quorate;
}
