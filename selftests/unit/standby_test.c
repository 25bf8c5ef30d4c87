// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The standby register (kernel/halo/standby.c): the last word about a node
 * wins, by version then sayer; words heard in any order converge; words
 * about different nodes never undo one another; a word said after another
 * was heard wins even against a clock that lags; a node that lacks a word
 * is behind; the payload round-trips and every malformed one is refused.
 */
#include "standby.h"
#include "kselftest_harness.h"

#include <stdlib.h>

TEST(set_and_clear)
{
	struct halo_standby s;

	halo_standby_init(&s);
	EXPECT_FALSE(halo_standby_on(&s, 2));
	EXPECT_EQ(1, halo_standby_set(&s, 2, 1, true, 1000));
	EXPECT_TRUE(halo_standby_on(&s, 2));
	EXPECT_FALSE(halo_standby_on(&s, 3));
	/* said again: no change */
	EXPECT_EQ(0, halo_standby_set(&s, 2, 1, true, 2000));
	EXPECT_EQ(1, halo_standby_set(&s, 2, 3, false, 3000));
	EXPECT_FALSE(halo_standby_on(&s, 2));
}

TEST(older_word_ignored)
{
	struct halo_standby s;
	struct halo_standby_word on = { .node = 2, .sayer = 1, .version = 10, .on = true };
	struct halo_standby_word off = { .node = 2, .sayer = 3, .version = 20, .on = false };

	halo_standby_init(&s);
	EXPECT_EQ(0, halo_standby_merge(&s, &off));
	EXPECT_EQ(0, halo_standby_merge(&s, &on));
	EXPECT_FALSE(halo_standby_on(&s, 2));
	/* same version: the higher sayer wins, on every node alike */
	on.version = 20;
	EXPECT_EQ(0, halo_standby_merge(&s, &on));
	on.sayer = 4;
	EXPECT_EQ(1, halo_standby_merge(&s, &on));
	EXPECT_TRUE(halo_standby_on(&s, 2));
}

TEST(said_after_heard_wins_against_lagging_clock)
{
	struct halo_standby s;
	struct halo_standby_word w = { .node = 2, .sayer = 5, .version = 1000000, .on = true };

	halo_standby_init(&s);
	EXPECT_EQ(1, halo_standby_merge(&s, &w));
	/* this node's clock is far behind the sayer's */
	EXPECT_EQ(1, halo_standby_set(&s, 2, 1, false, 5));
	EXPECT_FALSE(halo_standby_on(&s, 2));
	EXPECT_EQ(1000001, s.w[0].version);
}

TEST(words_about_different_nodes_independent)
{
	struct halo_standby a, b;
	u8 buf[1200];
	struct halo_standby_word w[HALO_STANDBY_MAX];
	int n, i;

	halo_standby_init(&a);
	halo_standby_init(&b);
	halo_standby_set(&a, 2, 1, true, 100);	/* node 1 says: 2 on */
	halo_standby_set(&b, 3, 4, true, 100);	/* node 4 says: 3 on */
	n = halo_standby_parse(buf, halo_standby_put(&a, buf, sizeof(buf)), w);
	ASSERT_EQ(1, n);
	for (i = 0; i < n; i++)
		halo_standby_merge(&b, &w[i]);
	n = halo_standby_parse(buf, halo_standby_put(&b, buf, sizeof(buf)), w);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++)
		halo_standby_merge(&a, &w[i]);
	EXPECT_TRUE(halo_standby_on(&a, 2) && halo_standby_on(&a, 3));
	EXPECT_TRUE(halo_standby_on(&b, 2) && halo_standby_on(&b, 3));
}

/* Random words merged in random orders into five registers agree. */
TEST(converges_in_any_order)
{
	struct halo_standby_word all[200];
	struct halo_standby r[5];
	unsigned int i, k, j;

	srandom(7);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		all[i].node = 1 + random() % 10;
		all[i].sayer = 1 + random() % 4;
		all[i].version = random() % 50;
		all[i].on = random() & 1;
	}
	for (k = 0; k < ARRAY_SIZE(r); k++) {
		halo_standby_init(&r[k]);
		for (i = 0; i < ARRAY_SIZE(all); i++) {
			/* a random permutation, each word twice */
			j = random() % ARRAY_SIZE(all);
			halo_standby_merge(&r[k], &all[j]);
		}
		for (i = 0; i < ARRAY_SIZE(all); i++)
			halo_standby_merge(&r[k], &all[i]);
	}
	for (k = 1; k < ARRAY_SIZE(r); k++) {
		for (j = 1; j <= 10; j++)
			ASSERT_EQ(halo_standby_on(&r[0], j), halo_standby_on(&r[k], j));
		EXPECT_FALSE(halo_standby_behind(&r[0], r[k].w, r[k].n));
		EXPECT_FALSE(halo_standby_behind(&r[k], r[0].w, r[0].n));
	}
}

TEST(behind)
{
	struct halo_standby a, b;

	halo_standby_init(&a);
	halo_standby_init(&b);
	EXPECT_FALSE(halo_standby_behind(&a, b.w, b.n));
	halo_standby_set(&a, 2, 1, true, 10);
	/* b lacks the word */
	EXPECT_TRUE(halo_standby_behind(&a, b.w, b.n));
	EXPECT_FALSE(halo_standby_behind(&b, a.w, a.n));
	halo_standby_merge(&b, &a.w[0]);
	EXPECT_FALSE(halo_standby_behind(&a, b.w, b.n));
	/* b's word is newer: a is behind b, not b behind a */
	halo_standby_set(&b, 2, 3, false, 20);
	EXPECT_FALSE(halo_standby_behind(&a, b.w, b.n));
	EXPECT_TRUE(halo_standby_behind(&b, a.w, a.n));
}

TEST(forget)
{
	struct halo_standby s;

	halo_standby_init(&s);
	halo_standby_set(&s, 2, 1, true, 10);
	halo_standby_set(&s, 3, 1, true, 11);
	halo_standby_forget(&s, 2);
	EXPECT_FALSE(halo_standby_on(&s, 2));
	EXPECT_TRUE(halo_standby_on(&s, 3));
	EXPECT_EQ(1U, s.n);
	halo_standby_forget(&s, 9);
	EXPECT_EQ(1U, s.n);
}

TEST(full)
{
	struct halo_standby s;
	u8 buf[1200];
	struct halo_standby_word w[HALO_STANDBY_MAX];
	unsigned int i;
	size_t len;

	halo_standby_init(&s);
	for (i = 1; i <= HALO_STANDBY_MAX; i++)
		EXPECT_EQ(1, halo_standby_set(&s, i, 1, true, i));
	EXPECT_EQ(-ENOSPC, halo_standby_set(&s, 1000, 1, true, 1));
	/* a full register fits in a datagram */
	len = halo_standby_put(&s, buf, sizeof(buf));
	ASSERT_EQ((size_t)HALO_STANDBY_HDR + HALO_STANDBY_MAX * HALO_STANDBY_ENTRY, len);
	EXPECT_EQ(HALO_STANDBY_MAX, halo_standby_parse(buf, len, w));
	EXPECT_EQ(0U, halo_standby_put(&s, buf, len - 1));
}

TEST(round_trip)
{
	struct halo_standby s;
	struct halo_standby_word w[HALO_STANDBY_MAX];
	u8 buf[256];
	size_t len;

	halo_standby_init(&s);
	halo_standby_set(&s, 0xfffffff0, 0x12345678, true, 0x0102030405060708ULL);
	halo_standby_set(&s, 7, 1, false, 1);
	len = halo_standby_put(&s, buf, sizeof(buf));
	ASSERT_EQ(4U + 2 * 17, len);
	ASSERT_EQ(2, halo_standby_parse(buf, len, w));
	EXPECT_EQ(0xfffffff0U, w[0].node);
	EXPECT_EQ(0x12345678U, w[0].sayer);
	EXPECT_EQ(0x0102030405060708ULL, w[0].version);
	EXPECT_TRUE(w[0].on);
	EXPECT_EQ(7U, w[1].node);
	EXPECT_FALSE(w[1].on);
	/* the version sits big-endian after the node id */
	EXPECT_EQ(0x01, buf[8]);
	EXPECT_EQ(0x08, buf[15]);
}

TEST(malformed_refused)
{
	struct halo_standby s;
	struct halo_standby_word w[HALO_STANDBY_MAX];
	u8 buf[1200], bad[1200];
	size_t len;

	halo_standby_init(&s);
	halo_standby_set(&s, 2, 1, true, 10);
	halo_standby_set(&s, 3, 1, true, 10);
	len = halo_standby_put(&s, buf, sizeof(buf));
	ASSERT_EQ(2, halo_standby_parse(buf, len, w));
	EXPECT_EQ(-EINVAL, halo_standby_parse(buf, 4, w));	/* count 2, no entries */
	EXPECT_EQ(-EINVAL, halo_standby_parse(buf, 3, w));
	EXPECT_EQ(-EINVAL, halo_standby_parse(buf, len - 1, w));
	EXPECT_EQ(-EINVAL, halo_standby_parse(buf, len + 1, w));

	memcpy(bad, buf, len);
	bad[3] = 1;		/* reserved */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, len, w));
	memcpy(bad, buf, len);
	bad[4 + 16] |= 0x80;	/* unknown flag */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, len, w));
	memcpy(bad, buf, len);
	memset(bad + 4, 0, 4);	/* node 0 */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, len, w));
	memcpy(bad, buf, len);
	memset(bad + 4 + 12, 0, 4);	/* sayer 0 */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, len, w));
	memcpy(bad, buf, len);
	memcpy(bad + 4 + 17, bad + 4, 4);	/* the same node twice */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, len, w));
	memcpy(bad, buf, len);
	put_unaligned_be16(HALO_STANDBY_MAX + 1, bad);	/* too many */
	EXPECT_EQ(-EINVAL, halo_standby_parse(bad, 4 + 65 * 17, w));
	/* an empty register is a valid payload */
	put_unaligned_be16(0, bad);
	EXPECT_EQ(0, halo_standby_parse(bad, 4, w));
}

TEST_HARNESS_MAIN
