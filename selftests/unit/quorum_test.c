// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Quorum arithmetic (kernel/halo/quorum.c) against votequorum's rules,
 * and the property membership relies on: two disjoint partitions of one
 * cluster are never both quorate (two_node excepted, which leaves the
 * split to fencing, as votequorum does).
 */
#include "quorum.h"
#include "kselftest_harness.h"

#define MAX_NODES 16

struct cluster {
	struct halo_quorum q;
	struct halo_quorum_node nodes[MAX_NODES];
	size_t n;
	u64 now;
};

/* n one-vote nodes with ids 1..n */
static void setup(struct cluster *c, size_t n, u32 flags)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->n = n;
	for (i = 0; i < n; i++)
		c->nodes[i] = (struct halo_quorum_node){ .id = i + 1, .votes = 1 };
	halo_quorum_init(&c->q, flags, HALO_QUORUM_LMS_WINDOW_MS);
}

/* Install a view made of the nodes whose ids are set in @mask (bit id-1). */
static bool view(struct cluster *c, u32 mask)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		c->nodes[i].in_view = mask & (1U << (c->nodes[i].id - 1));
	halo_quorum_view_changed(&c->q, c->now);
	return halo_quorum_eval(&c->q, c->nodes, c->n, c->now);
}

/* Time passes with the view unchanged. */
static bool wait_ms(struct cluster *c, u64 ms)
{
	c->now += ms;
	return halo_quorum_eval(&c->q, c->nodes, c->n, c->now);
}

TEST(majority_of_three)
{
	struct cluster c;

	setup(&c, 3, 0);
	EXPECT_TRUE(view(&c, 0x7));
	EXPECT_EQ(3, c.q.expected_votes);
	EXPECT_EQ(2, c.q.quorum);
	EXPECT_TRUE(view(&c, 0x3));
	EXPECT_FALSE(view(&c, 0x1));
	EXPECT_EQ(1, c.q.total_votes);
}

TEST(five_split_two_three)
{
	struct cluster a, b;

	setup(&a, 5, 0);
	setup(&b, 5, 0);
	EXPECT_FALSE(view(&a, 0x03));	/* {1,2} */
	EXPECT_TRUE(view(&b, 0x1c));	/* {3,4,5} */
}

TEST(even_split_needs_tie_breaker)
{
	struct cluster a, b;

	setup(&a, 4, 0);
	setup(&b, 4, 0);
	EXPECT_FALSE(view(&a, 0x3));	/* {1,2} */
	EXPECT_FALSE(view(&b, 0xc));	/* {3,4} */

	setup(&a, 4, HALO_QUORUM_AUTO_TIE_BREAKER);
	setup(&b, 4, HALO_QUORUM_AUTO_TIE_BREAKER);
	EXPECT_TRUE(view(&a, 0x3));	/* holds node 1, the lowest id */
	EXPECT_FALSE(view(&b, 0xc));
	setup(&a, 4, HALO_QUORUM_AUTO_TIE_BREAKER);
	EXPECT_TRUE(view(&a, 0x5));	/* {1,3}: still the lowest id */
	EXPECT_FALSE(view(&a, 0x1));	/* one of four is not half */
}

TEST(votes_are_weighted)
{
	struct cluster c;

	setup(&c, 3, 0);
	c.nodes[0].votes = 3;		/* expected 5, quorum 3 */
	EXPECT_TRUE(view(&c, 0x1));
	EXPECT_EQ(5, c.q.expected_votes);
	EXPECT_EQ(3, c.q.quorum);
	EXPECT_FALSE(view(&c, 0x6));
}

TEST(two_node_waits_for_peer_then_survives_alone)
{
	struct cluster c;

	setup(&c, 2, HALO_QUORUM_TWO_NODE);
	EXPECT_FALSE(view(&c, 0x1)) TH_LOG("cold start alone must wait");
	EXPECT_TRUE(c.q.waiting_for_all);
	EXPECT_TRUE(view(&c, 0x3));
	EXPECT_EQ(1, c.q.quorum);
	EXPECT_TRUE(view(&c, 0x1)) TH_LOG("survivor stays quorate");
	EXPECT_TRUE(view(&c, 0x2));
}

TEST(two_node_needs_two_one_vote_nodes)
{
	struct cluster c;

	setup(&c, 3, HALO_QUORUM_TWO_NODE);
	EXPECT_TRUE(view(&c, 0x7));
	EXPECT_EQ(2, c.q.quorum);
	EXPECT_FALSE(view(&c, 0x1));
}

TEST(wait_for_all_until_every_node_seen_once)
{
	struct cluster c;

	setup(&c, 3, HALO_QUORUM_WAIT_FOR_ALL);
	EXPECT_FALSE(view(&c, 0x3)) TH_LOG("2 of 3 before all were seen");
	EXPECT_TRUE(view(&c, 0x7));
	EXPECT_FALSE(c.q.waiting_for_all);
	EXPECT_TRUE(view(&c, 0x3)) TH_LOG("2 of 3 after all were seen");
}

TEST(last_man_standing_steps_down)
{
	struct cluster c;

	setup(&c, 8, HALO_QUORUM_LAST_MAN_STANDING);
	EXPECT_TRUE(view(&c, 0xff));
	EXPECT_TRUE(view(&c, 0x1f));			/* 5 of 8 */
	EXPECT_TRUE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(5, c.q.lms_expected);
	EXPECT_TRUE(view(&c, 0x07));			/* 3 of 5 */
	EXPECT_TRUE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(3, c.q.expected_votes);
	EXPECT_TRUE(view(&c, 0x03));			/* 2 of 3 */
	EXPECT_TRUE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(2, c.q.expected_votes);
	EXPECT_FALSE(view(&c, 0x01)) TH_LOG("1 of 2 without tie breaker");
	EXPECT_FALSE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(2, c.q.expected_votes) TH_LOG("floor is two nodes");
}

TEST(last_man_standing_needs_the_window)
{
	struct cluster c;

	setup(&c, 5, HALO_QUORUM_LAST_MAN_STANDING);
	EXPECT_TRUE(view(&c, 0x1f));
	EXPECT_TRUE(view(&c, 0x07));			/* 3 of 5 */
	EXPECT_TRUE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS - 1));
	EXPECT_EQ(5, c.q.expected_votes);
	EXPECT_FALSE(view(&c, 0x03)) TH_LOG("2 of 5 before the window");
}

TEST(last_man_standing_with_tie_breaker_reaches_one)
{
	struct cluster a, b;

	setup(&a, 3, HALO_QUORUM_LAST_MAN_STANDING | HALO_QUORUM_AUTO_TIE_BREAKER);
	EXPECT_TRUE(view(&a, 0x7));
	EXPECT_TRUE(view(&a, 0x3));
	EXPECT_TRUE(wait_ms(&a, HALO_QUORUM_LMS_WINDOW_MS));
	b = a;
	EXPECT_TRUE(view(&a, 0x1)) TH_LOG("node 1 holds the lowest id");
	EXPECT_FALSE(view(&b, 0x2)) TH_LOG("node 2 does not");
	EXPECT_TRUE(wait_ms(&a, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(1, a.q.expected_votes);
}

TEST(rejoin_raises_expected_votes)
{
	struct cluster c;

	setup(&c, 5, HALO_QUORUM_LAST_MAN_STANDING);
	EXPECT_TRUE(view(&c, 0x1f));
	EXPECT_TRUE(view(&c, 0x07));
	EXPECT_TRUE(wait_ms(&c, HALO_QUORUM_LMS_WINDOW_MS));
	EXPECT_EQ(3, c.q.expected_votes);
	EXPECT_TRUE(view(&c, 0x0f));
	EXPECT_EQ(5, c.q.expected_votes);
	EXPECT_EQ(0, c.q.lms_expected);
	EXPECT_FALSE(view(&c, 0x03)) TH_LOG("2 of 5 again");
}

TEST(no_nodes_is_not_quorate)
{
	struct cluster c;

	setup(&c, 0, 0);
	EXPECT_FALSE(halo_quorum_eval(&c.q, c.nodes, 0, 0));
	setup(&c, 3, HALO_QUORUM_AUTO_TIE_BREAKER);
	EXPECT_FALSE(view(&c, 0));
}

/*
 * Every split of 1..8 one-vote nodes into two sides, for every flag set
 * except two_node: never two quorate sides. Both sides start from the same
 * state (a view of all nodes), as partitions of one cluster do.
 */
TEST(at_most_one_side_quorate)
{
	static const u32 flag_sets[] = {
		0, HALO_QUORUM_AUTO_TIE_BREAKER, HALO_QUORUM_WAIT_FOR_ALL,
		HALO_QUORUM_LAST_MAN_STANDING,
		HALO_QUORUM_LAST_MAN_STANDING | HALO_QUORUM_AUTO_TIE_BREAKER,
		HALO_QUORUM_WAIT_FOR_ALL | HALO_QUORUM_AUTO_TIE_BREAKER,
	};
	struct cluster a, b;
	size_t f, n;
	u32 mask, all;

	for (f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
		for (n = 1; n <= 8; n++) {
			all = (1U << n) - 1;
			for (mask = 0; mask <= all; mask++) {
				setup(&a, n, flag_sets[f]);
				view(&a, all);
				b = a;
				ASSERT_FALSE(view(&a, mask) && view(&b, all & ~mask))
					TH_LOG("flags %#x, %zu nodes, split %#x", flag_sets[f], n, mask);
			}
		}
	}
}

TEST_HARNESS_MAIN
