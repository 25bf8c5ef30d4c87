// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The out-of-sync bitmap (kernel/halo_blk/bitmap.c), against a plain
 * array of bools: ranges set and cleared count what changed and keep the
 * weight; the next set bit and the end of a run; the blocks a change
 * dirties, and only those; the on-disk form round-trips, merges, and
 * refuses bits past the end.
 */
#include "bitmap.h"
#include "kselftest_harness.h"

#include <stdlib.h>

struct fix {
	struct halo_bm bm;
	bool *ref;
};

static void fix_init(struct fix *f, u64 nbits)
{
	halo_bm_init(&f->bm, calloc(halo_bm_words(nbits) ?: 1, 8),
		     calloc(halo_bm_dirty_words(nbits) ?: 1, 8), nbits);
	f->ref = calloc(nbits ?: 1, 1);
}

static void fix_free(struct fix *f)
{
	free(f->bm.w);
	free(f->bm.dirty);
	free(f->ref);
}

static u64 ref_change(struct fix *f, u64 start, u64 end, bool set)
{
	u64 n = 0, b;

	for (b = start; b < end && b < f->bm.nbits; b++) {
		n += f->ref[b] != set;
		f->ref[b] = set;
	}
	return n;
}

static u64 ref_weight(struct fix *f)
{
	u64 n = 0, b;

	for (b = 0; b < f->bm.nbits; b++)
		n += f->ref[b];
	return n;
}

TEST(set_clear_count)
{
	struct fix f;

	fix_init(&f, 1000);
	EXPECT_EQ(10, halo_bm_set(&f.bm, 60, 70));
	EXPECT_EQ(5, halo_bm_set(&f.bm, 65, 75));
	EXPECT_EQ(15, f.bm.weight);
	EXPECT_TRUE(halo_bm_test(&f.bm, 60));
	EXPECT_FALSE(halo_bm_test(&f.bm, 59));
	EXPECT_TRUE(halo_bm_test(&f.bm, 74));
	EXPECT_FALSE(halo_bm_test(&f.bm, 75));
	EXPECT_EQ(3, halo_bm_clear(&f.bm, 58, 63));
	EXPECT_EQ(12, f.bm.weight);
	/* clamped to the end; past it nothing */
	EXPECT_EQ(10, halo_bm_set(&f.bm, 990, 2000));
	EXPECT_EQ(0, halo_bm_set(&f.bm, 1000, 1001));
	EXPECT_FALSE(halo_bm_test(&f.bm, 1000));
	EXPECT_EQ(22, f.bm.weight);
	fix_free(&f);
}

TEST(random_against_reference)
{
	u64 sizes[] = { 1, 63, 64, 65, 4096, 32768, 32769, 100000 };
	unsigned int s, i;
	u64 start, end, b, next;
	bool set;
	struct fix f;

	srand(7);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		fix_init(&f, sizes[s]);
		for (i = 0; i < 2000; i++) {
			start = rand() % (sizes[s] + 10);
			end = start + rand() % 300;
			set = rand() % 3;
			ASSERT_EQ(ref_change(&f, start, end, set),
				  set ? halo_bm_set(&f.bm, start, end) :
					halo_bm_clear(&f.bm, start, end));
		}
		ASSERT_EQ(ref_weight(&f), f.bm.weight);
		for (b = 0; b < sizes[s]; b++)
			ASSERT_EQ(f.ref[b], halo_bm_test(&f.bm, b));
		/* next and run_end walk exactly the runs of the reference */
		for (b = 0; b < sizes[s]; b = next + 1) {
			next = halo_bm_next(&f.bm, b);
			while (b < next)
				ASSERT_FALSE(f.ref[b++]);
			if (next == sizes[s])
				break;
			ASSERT_TRUE(f.ref[next]);
			end = halo_bm_run_end(&f.bm, next, sizes[s]);
			for (b = next; b < end; b++)
				ASSERT_TRUE(f.ref[b]);
			ASSERT_TRUE(end == sizes[s] || !f.ref[end]);
			next = end;
		}
		fix_free(&f);
	}
}

TEST(run_end_stops_at_limit)
{
	struct fix f;

	fix_init(&f, 1000);
	halo_bm_set(&f.bm, 100, 900);
	EXPECT_EQ(356, halo_bm_run_end(&f.bm, 100, 356));
	EXPECT_EQ(900, halo_bm_run_end(&f.bm, 100, 5000));
	EXPECT_EQ(950, halo_bm_run_end(&f.bm, 950, 5000));
	EXPECT_EQ(100, halo_bm_next(&f.bm, 0));
	EXPECT_EQ(1000, halo_bm_next(&f.bm, 900));
	fix_free(&f);
}

TEST(dirty_blocks_follow_changes)
{
	u8 buf[HALO_MD_BLOCK];
	struct fix f;

	fix_init(&f, 3 * HALO_BM_BITS_PER_BLOCK + 5);
	EXPECT_EQ(4, f.bm.nblocks);
	EXPECT_EQ(4, halo_bm_next_dirty(&f.bm, 0));
	/* a set that changes nothing dirties nothing */
	halo_bm_clear(&f.bm, 0, 100);
	EXPECT_EQ(4, halo_bm_next_dirty(&f.bm, 0));
	/* one range across the border of blocks 1 and 2 */
	halo_bm_set(&f.bm, 2 * HALO_BM_BITS_PER_BLOCK - 3,
		    2 * HALO_BM_BITS_PER_BLOCK + 3);
	EXPECT_EQ(1, halo_bm_next_dirty(&f.bm, 0));
	EXPECT_EQ(2, halo_bm_next_dirty(&f.bm, 2));
	EXPECT_EQ(4, halo_bm_next_dirty(&f.bm, 3));
	halo_bm_block_get(&f.bm, 1, buf);
	EXPECT_EQ(2, halo_bm_next_dirty(&f.bm, 0));
	halo_bm_block_get(&f.bm, 2, buf);
	EXPECT_EQ(4, halo_bm_next_dirty(&f.bm, 0));
	/* the last, short block */
	halo_bm_set(&f.bm, 3 * HALO_BM_BITS_PER_BLOCK + 4,
		    3 * HALO_BM_BITS_PER_BLOCK + 5);
	EXPECT_EQ(3, halo_bm_next_dirty(&f.bm, 0));
	EXPECT_TRUE(halo_bm_block_any(&f.bm, 3));
	EXPECT_FALSE(halo_bm_block_any(&f.bm, 0));
	fix_free(&f);
}

TEST(block_round_trip_and_merge)
{
	u64 nbits = 2 * HALO_BM_BITS_PER_BLOCK + 100, k, b;
	u8 buf[HALO_MD_BLOCK];
	struct fix a, c;

	fix_init(&a, nbits);
	fix_init(&c, nbits);
	halo_bm_set(&a.bm, 5, 9);
	halo_bm_set(&a.bm, HALO_BM_BITS_PER_BLOCK + 1, HALO_BM_BITS_PER_BLOCK + 2);
	halo_bm_set(&a.bm, nbits - 1, nbits);
	halo_bm_set(&c.bm, 7, 20);
	/* little-endian words: block 0's bits 5..8 are byte 0's 0xe0, byte 1's 0x01 */
	halo_bm_block_get(&a.bm, 0, buf);
	EXPECT_EQ(0xe0, buf[0]);
	EXPECT_EQ(0x01, buf[1]);
	for (k = 0; k < a.bm.nblocks; k++) {
		halo_bm_block_get(&a.bm, k, buf);
		ASSERT_EQ(0, halo_bm_block_put(&c.bm, k, buf, true));
	}
	EXPECT_EQ(4 + 11 + 1 + 1, c.bm.weight);
	for (b = 5; b < 20; b++)
		EXPECT_TRUE(halo_bm_test(&c.bm, b));
	EXPECT_TRUE(halo_bm_test(&c.bm, nbits - 1));
	/* merged blocks that changed are dirty */
	EXPECT_EQ(0, halo_bm_next_dirty(&c.bm, 0));
	/* a plain put replaces, and leaves the block clean */
	halo_bm_block_get(&a.bm, 0, buf);
	ASSERT_EQ(0, halo_bm_block_put(&c.bm, 0, buf, false));
	EXPECT_EQ(4 + 1 + 1, c.bm.weight);
	EXPECT_FALSE(halo_bm_test(&c.bm, 15));
	EXPECT_EQ(1, halo_bm_next_dirty(&c.bm, 0));
	fix_free(&a);
	fix_free(&c);
}

TEST(bits_past_the_end_refused)
{
	u64 nbits = HALO_BM_BITS_PER_BLOCK + 70;
	u8 buf[HALO_MD_BLOCK];
	struct fix f;

	fix_init(&f, nbits);
	memset(buf, 0, sizeof(buf));
	/* bit 70 of the last block: one past the end */
	buf[8 + 6 / 8] = 1 << 6;
	EXPECT_EQ(-EINVAL, halo_bm_block_put(&f.bm, 1, buf, true));
	memset(buf, 0, sizeof(buf));
	/* a word past the last one */
	buf[16] = 1;
	EXPECT_EQ(-EINVAL, halo_bm_block_put(&f.bm, 1, buf, false));
	/* a block past the end */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-EINVAL, halo_bm_block_put(&f.bm, 2, buf, false));
	EXPECT_EQ(0, f.bm.weight);
	/* the last bit itself is fine */
	buf[8] = 1 << 5;
	EXPECT_EQ(0, halo_bm_block_put(&f.bm, 1, buf, true));
	EXPECT_TRUE(halo_bm_test(&f.bm, nbits - 1));
	fix_free(&f);
}

TEST_HARNESS_MAIN
