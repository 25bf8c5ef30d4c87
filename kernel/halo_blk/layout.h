/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Where bytes of a buffer of pages are, for any page size: halo_blk's
 * blocks are 4 KiB (HALO_MD_BLOCK), a page is 4 KiB to 64 KiB. A buffer of
 * @bytes fills whole pages in order, the last one partly. Pure: the unit
 * lane checks it for 4, 16 and 64 KiB pages (selftests/unit/layout_test.c).
 */
#ifndef _HALO_BLK_LAYOUT_H
#define _HALO_BLK_LAYOUT_H

#include "../pure.h"

#define HALO_LAYOUT_BLOCK_SHIFT	12	/* HALO_MD_BLOCK_SHIFT */

/* Pages of 1 << @page_shift bytes a buffer of @bytes takes. */
static inline u32 halo_layout_pages(u32 bytes, unsigned int page_shift)
{
	return (bytes + (1U << page_shift) - 1) >> page_shift;
}

/* Bytes of page @idx (from 0) of a buffer of @bytes. */
static inline u32 halo_layout_page_len(u32 bytes, unsigned int page_shift, u32 idx)
{
	u32 start = idx << page_shift;

	if (start >= bytes)
		return 0;
	return bytes - start < (1U << page_shift) ? bytes - start : 1U << page_shift;
}

/* The page and the offset in it where 4 KiB block @blk of a buffer starts. */
static inline void halo_layout_block(u32 blk, unsigned int page_shift, u32 *page,
				     u32 *offset)
{
	u32 byte = blk << HALO_LAYOUT_BLOCK_SHIFT;

	*page = byte >> page_shift;
	*offset = byte & ((1U << page_shift) - 1);
}

#endif /* _HALO_BLK_LAYOUT_H */
