// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl's word matching: iproute2 accepts any non-empty prefix of a
 * keyword ("sh" for "show"), never a longer or empty word.
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

TEST_HARNESS_MAIN
