// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The activity log's active set and transactions (kernel/halo_blk/al.c).
 */
#include "al.h"

#include "kselftest_harness.h"

static const u8 uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

TEST(ranges)
{
	u32 a, b;

	halo_al_range(0, 4096, &a, &b);
	EXPECT_EQ(0, a);
	EXPECT_EQ(0, b);
	/* the last byte of extent 0 and the first of extent 1 */
	halo_al_range((4 << 20) - 512, 1024, &a, &b);
	EXPECT_EQ(0, a);
	EXPECT_EQ(1, b);
	halo_al_range(9ULL << 22, 1 << 20, &a, &b);
	EXPECT_EQ(9, a);
	EXPECT_EQ(9, b);
	halo_al_range(5ULL << 22, 0, &a, &b);	/* a flush */
	EXPECT_EQ(5, a);
	EXPECT_EQ(5, b);
}

TEST(the_set_fills_then_evicts_the_least_recently_used_idle_extent)
{
	static struct halo_al al;
	u32 ev, e;

	memset(&al, 0, sizeof(al));
	for (e = 0; e < HALO_AL_EXTENTS; e++) {
		ASSERT_EQ(0, halo_al_get(&al, e * 3, &ev));
		EXPECT_EQ(U32_MAX, ev);
	}
	EXPECT_TRUE(al.changed);
	al.changed = false;
	/* again: no change, another reference */
	EXPECT_EQ(1, halo_al_get(&al, 3, &ev));
	EXPECT_FALSE(al.changed);
	/* full of writes in flight: no room */
	EXPECT_FALSE(halo_al_room(&al));
	EXPECT_EQ(-EBUSY, halo_al_get(&al, 1, &ev));
	EXPECT_FALSE(al.changed);
	/* extents 0 and 6 idle; 0 was used before 6: it goes first */
	EXPECT_TRUE(halo_al_put(&al, 6));
	EXPECT_TRUE(halo_al_put(&al, 0));
	EXPECT_TRUE(halo_al_room(&al));
	EXPECT_EQ(0, halo_al_get(&al, 1, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_TRUE(al.changed);
	EXPECT_EQ(0, halo_al_get(&al, 2, &ev));
	EXPECT_EQ(6, ev);
	EXPECT_EQ(-EBUSY, halo_al_get(&al, 4, &ev));
	/* 3 has two references */
	EXPECT_TRUE(halo_al_put(&al, 3));
	EXPECT_FALSE(halo_al_room(&al));
	EXPECT_TRUE(halo_al_put(&al, 3));
	EXPECT_EQ(0, halo_al_get(&al, 4, &ev));
	EXPECT_EQ(3, ev);
	/* never in the set, or no reference */
	EXPECT_FALSE(halo_al_put(&al, 5));
	EXPECT_FALSE(halo_al_put(&al, 3));
	EXPECT_EQ(HALO_AL_EXTENTS, al.n);
}

TEST(transactions_round_trip_and_refuse_what_is_not_one)
{
	static struct halo_al al;
	static u32 ext[HALO_AL_EXTENTS];
	u8 buf[HALO_MD_BLOCK], other[16] = { 9 };
	u32 n, ev, e;
	u64 seq;

	memset(&al, 0, sizeof(al));
	for (e = 0; e < HALO_AL_EXTENTS; e++)
		ASSERT_EQ(0, halo_al_get(&al, 1000 - e, &ev));
	halo_al_encode(&al, 77, uuid, buf);
	ASSERT_EQ(0, halo_al_decode(buf, uuid, 1001, ext, &n, &seq));
	EXPECT_EQ(HALO_AL_EXTENTS, n);
	EXPECT_EQ(77, seq);
	for (e = 0; e < n; e++)
		EXPECT_EQ(1000 - e, ext[e]);
	/* an extent past the device lies */
	EXPECT_EQ(-EINVAL, halo_al_decode(buf, uuid, 1000, ext, &n, &seq));
	/* another device's, torn, never written */
	EXPECT_EQ(-ENODATA, halo_al_decode(buf, other, 1001, ext, &n, &seq));
	buf[HALO_AL_HDR + 5] ^= 1;
	EXPECT_EQ(-ENODATA, halo_al_decode(buf, uuid, 1001, ext, &n, &seq));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-ENODATA, halo_al_decode(buf, uuid, 1001, ext, &n, &seq));
	/* an empty set is a transaction too */
	memset(&al, 0, sizeof(al));
	halo_al_encode(&al, 3, uuid, buf);
	ASSERT_EQ(0, halo_al_decode(buf, uuid, 1, ext, &n, &seq));
	EXPECT_EQ(0, n);
	EXPECT_EQ(3, seq);
}

/* Every bit flipped in a transaction: never taken for another set. */
TEST(single_bit_flips_are_refused)
{
	static struct halo_al al;
	static u32 ext[HALO_AL_EXTENTS];
	u8 buf[HALO_MD_BLOCK];
	u32 n, ev, e, i;
	u64 seq;

	memset(&al, 0, sizeof(al));
	for (e = 0; e < 20; e++)
		ASSERT_EQ(0, halo_al_get(&al, e * 7, &ev));
	for (i = 0; i < HALO_MD_BLOCK * 8; i += 3) {
		halo_al_encode(&al, 5, uuid, buf);
		buf[i / 8] ^= 1 << (i % 8);
		EXPECT_NE(0, halo_al_decode(buf, uuid, 1000, ext, &n, &seq))
			TH_LOG("bit %u", i);
	}
}

TEST_HARNESS_MAIN
