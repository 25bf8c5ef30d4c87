// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl's word matching: iproute2 accepts any non-empty prefix of a
 * keyword ("sh" for "show"), never a longer or empty word. Its numbers:
 * whole, in range, nothing after them but a rate's unit.
 */
#include "haloctl.h"
#include "kselftest_harness.h"

TEST(prefix_matches)
{
	EXPECT_TRUE(matches("s", "show"));
	EXPECT_TRUE(matches("sh", "show"));
	EXPECT_TRUE(matches("show", "show"));
}

TEST(non_prefix_does_not_match)
{
	EXPECT_FALSE(matches("shows", "show"));
	EXPECT_FALSE(matches("ho", "show"));
	EXPECT_FALSE(matches("Show", "show"));
	EXPECT_FALSE(matches("x", "show"));
}

TEST(empty_word_never_matches)
{
	EXPECT_FALSE(matches("", "show"));
	EXPECT_FALSE(matches("", ""));
}

TEST(u32_in_range)
{
	uint32_t v = 7;

	EXPECT_TRUE(parse_u32("0", 0, 10, &v));
	EXPECT_EQ(0, v);
	EXPECT_TRUE(parse_u32("4294967295", 0, UINT32_MAX, &v));
	EXPECT_EQ(UINT32_MAX, v);
	EXPECT_FALSE(parse_u32("11", 0, 10, &v));
	EXPECT_FALSE(parse_u32("0", 1, 10, &v));
	EXPECT_FALSE(parse_u32("4294967296", 0, UINT32_MAX, &v));
	EXPECT_FALSE(parse_u32("", 0, 10, &v));
	EXPECT_FALSE(parse_u32("-1", 0, 10, &v));
	EXPECT_FALSE(parse_u32("5x", 0, 10, &v));
	EXPECT_EQ(UINT32_MAX, v);
}

TEST(rate_units)
{
	uint64_t v = 1;

	EXPECT_TRUE(parse_rate("0", &v));
	EXPECT_EQ(0, v);
	EXPECT_TRUE(parse_rate("250", &v));
	EXPECT_EQ(250, v);
	EXPECT_TRUE(parse_rate("250k", &v));
	EXPECT_EQ(250 << 10, v);
	EXPECT_TRUE(parse_rate("16M", &v));
	EXPECT_EQ(16 << 20, v);
	EXPECT_TRUE(parse_rate("1g", &v));
	EXPECT_EQ(1ULL << 30, v);
}

TEST(rate_junk_refused)
{
	uint64_t v = 42;

	EXPECT_FALSE(parse_rate("", &v));
	EXPECT_FALSE(parse_rate("M", &v));
	EXPECT_FALSE(parse_rate("-1", &v));
	EXPECT_FALSE(parse_rate("16MB", &v));
	EXPECT_FALSE(parse_rate("16 M", &v));
	EXPECT_FALSE(parse_rate("1.5M", &v));
	EXPECT_FALSE(parse_rate("16T", &v));
	EXPECT_FALSE(parse_rate("2000000G", &v));
	EXPECT_FALSE(parse_rate("1099511627776G", &v));	/* 2^70: would wrap */
	EXPECT_FALSE(parse_rate("1@", &v));
	EXPECT_FALSE(parse_rate("1k2", &v));
	EXPECT_FALSE(parse_rate("99999999999999999999999", &v));
	EXPECT_EQ(42, v);
}

TEST_HARNESS_MAIN
