// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Buffers of pages for any page size (kernel/halo_blk/layout.h), as the
 * resync and verify read chunks of 4 KiB blocks and the receiver takes
 * frames of any 512-byte multiple: for 4, 16 and 64 KiB pages, every
 * page's length is within the page and the lengths add up; every block
 * lies inside one page, blocks follow each other byte for byte; a 1 MiB
 * chunk needs at most 256 pages (BIO_MAX_VECS), 16 of 64 KiB.
 */
#include "layout.h"
#include "kselftest_harness.h"

static const unsigned int shifts[] = { 12, 14, 16 };

TEST(chunks_of_blocks)
{
	u32 n, i, page, offset, pages, sum, len, bytes, prev_end;
	size_t s;

	for (s = 0; s < ARRAY_SIZE(shifts); s++) {
		u32 psize = 1U << shifts[s];

		for (n = 1; n <= 256; n++) {
			bytes = n << 12;
			pages = halo_layout_pages(bytes, shifts[s]);
			ASSERT_LE(pages, 256);
			ASSERT_EQ((bytes + psize - 1) / psize, pages);
			sum = 0;
			for (i = 0; i < pages; i++) {
				len = halo_layout_page_len(bytes, shifts[s], i);
				ASSERT_GT(len, 0);
				ASSERT_LE(len, psize);
				/* only the last page may be partial */
				if (i + 1 < pages)
					ASSERT_EQ(psize, len);
				sum += len;
			}
			ASSERT_EQ(bytes, sum);
			ASSERT_EQ(0, halo_layout_page_len(bytes, shifts[s], pages));
			prev_end = 0;
			for (i = 0; i < n; i++) {
				halo_layout_block(i, shifts[s], &page, &offset);
				ASSERT_LT(page, pages);
				ASSERT_LE(offset + 4096, halo_layout_page_len(bytes, shifts[s], page));
				/* block i starts where block i - 1 ended */
				ASSERT_EQ(prev_end, page * psize + offset);
				prev_end = page * psize + offset + 4096;
			}
		}
	}
}

TEST(frames_of_any_size)
{
	u32 bytes, pages, i, sum;
	size_t s;

	for (s = 0; s < ARRAY_SIZE(shifts); s++)
		for (bytes = 512; bytes <= (1U << 20); bytes += 512) {
			pages = halo_layout_pages(bytes, shifts[s]);
			ASSERT_LE(pages, 256);
			for (sum = 0, i = 0; i < pages; i++)
				sum += halo_layout_page_len(bytes, shifts[s], i);
			ASSERT_EQ(bytes, sum);
		}
}

TEST(one_mib_chunk_in_64k_pages)
{
	u32 page, offset;

	EXPECT_EQ(16, halo_layout_pages(1U << 20, 16));
	EXPECT_EQ(256, halo_layout_pages(1U << 20, 12));
	halo_layout_block(17, 16, &page, &offset);
	EXPECT_EQ(1, page);
	EXPECT_EQ(4096, offset);
	halo_layout_block(17, 12, &page, &offset);
	EXPECT_EQ(17, page);
	EXPECT_EQ(0, offset);
}

TEST_HARNESS_MAIN
