// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The replay window (kernel/halo/replay.c): every sequence number is
 * accepted once, reordering within the window is accepted, anything older
 * is refused, a restarted peer (higher incarnation) starts over and a
 * previous incarnation's packets are refused. The last test checks the
 * window against a reference model over a long random stream.
 */
#include "replay.h"
#include "kselftest_harness.h"

#include <stdlib.h>

#define OK HALO_REPLAY_OK

TEST(in_order_accepted_once)
{
	struct halo_replay r;
	u64 s;

	halo_replay_init(&r);
	for (s = 0; s < 5000; s++)
		ASSERT_EQ(OK, halo_replay_check(&r, 1, s));
	for (s = 5000 - HALO_REPLAY_WINDOW + 1; s < 5000; s++)
		ASSERT_EQ(HALO_REPLAY_DUPLICATE, halo_replay_check(&r, 1, s));
}

TEST(reordering_within_window)
{
	struct halo_replay r;

	halo_replay_init(&r);
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 2000));
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 2000 - HALO_REPLAY_WINDOW + 1));
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 1999));
	EXPECT_EQ(HALO_REPLAY_DUPLICATE, halo_replay_check(&r, 1, 1999));
	EXPECT_EQ(HALO_REPLAY_TOO_OLD,
		  halo_replay_check(&r, 1, 2000 - HALO_REPLAY_WINDOW));
	EXPECT_EQ(HALO_REPLAY_TOO_OLD, halo_replay_check(&r, 1, 0));
}

TEST(jump_clears_the_window)
{
	struct halo_replay r;

	halo_replay_init(&r);
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 10));
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 10 + 64 * 100));
	/* the slot seq 10 used is reused: 10 + 16*64 must not look seen */
	EXPECT_EQ(OK, halo_replay_check(&r, 1, 10 + 64 * 100 - 64 * 14));
	EXPECT_EQ(HALO_REPLAY_TOO_OLD, halo_replay_check(&r, 1, 10));
}

TEST(oldest_word_does_not_alias_newest)
{
	struct halo_replay r;
	u64 top = 64 * 40;	/* first bit of a word */

	halo_replay_init(&r);
	EXPECT_EQ(OK, halo_replay_check(&r, 1, top));
	/* 16 words back would share top's slot: it must be refused as old */
	EXPECT_EQ(HALO_REPLAY_TOO_OLD, halo_replay_check(&r, 1, top - 64 * 16));
	EXPECT_EQ(OK, halo_replay_check(&r, 1, top - HALO_REPLAY_WINDOW + 1));
}

TEST(restarted_peer_starts_over)
{
	struct halo_replay r;

	halo_replay_init(&r);
	EXPECT_EQ(OK, halo_replay_check(&r, 100, 5000));
	EXPECT_EQ(OK, halo_replay_check(&r, 200, 0)) TH_LOG("new incarnation");
	EXPECT_EQ(OK, halo_replay_check(&r, 200, 1));
	EXPECT_EQ(HALO_REPLAY_DUPLICATE, halo_replay_check(&r, 200, 0));
	EXPECT_EQ(HALO_REPLAY_STALE_INCARNATION,
		  halo_replay_check(&r, 100, 5001));
}

TEST(huge_sequence_numbers)
{
	struct halo_replay r;

	halo_replay_init(&r);
	EXPECT_EQ(OK, halo_replay_check(&r, 1, UINT64_MAX - 1));
	EXPECT_EQ(OK, halo_replay_check(&r, 1, UINT64_MAX));
	EXPECT_EQ(HALO_REPLAY_DUPLICATE, halo_replay_check(&r, 1, UINT64_MAX));
	EXPECT_EQ(HALO_REPLAY_TOO_OLD, halo_replay_check(&r, 1, 0));
}

/* A random stream against a model that remembers every accepted number. */
TEST(matches_reference_model)
{
	static unsigned char seen[4000000];
	enum halo_replay_verdict got, want;
	struct halo_replay r;
	u64 top = 0, s;
	int i;

	srandom(42);
	halo_replay_init(&r);
	for (i = 0; i < 500000; i++) {
		/* mostly forward, some reordering, some replays, some jumps */
		s = top + (random() % 64);
		if (random() % 4 == 0)
			s = top > 2000 ? top - (random() % 2000) : random() % 2000;
		if (s >= sizeof(seen))
			break;
		if (i && top >= s && top - s >= HALO_REPLAY_WINDOW)
			want = HALO_REPLAY_TOO_OLD;
		else if (seen[s])
			want = HALO_REPLAY_DUPLICATE;
		else
			want = OK;
		got = halo_replay_check(&r, 7, s);
		ASSERT_EQ(want, got) TH_LOG("step %d seq %llu top %llu", i,
					    (unsigned long long)s,
					    (unsigned long long)top);
		if (got == OK) {
			seen[s] = 1;
			if (s > top)
				top = s;
		}
	}
}

TEST_HARNESS_MAIN
