/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The out-of-sync bitmap (Documentation/halo_blk.rst, "The bitmap"): one
 * bit per 4 KiB data block, set while the peer may lack the block. Pure
 * logic over memory the caller allocates and locks; host unit lane:
 * selftests/unit/bitmap_test.c.
 *
 * In memory, bit b is bit (b % 64) of 64-bit word b / 64. On disk the
 * words are little-endian, 512 to a 4 KiB bitmap block, so that block k
 * holds the bits of data blocks [k * 32768, (k + 1) * 32768). A bitmap
 * block that differs from what was last written is "dirty": one bit each
 * in a second, smaller bitmap, so that writing back costs what changed.
 */
#ifndef _HALO_BLK_BITMAP_H
#define _HALO_BLK_BITMAP_H

#include "meta.h"

#define HALO_BM_WORDS_PER_BLOCK	(HALO_MD_BLOCK / 8)
#define HALO_BM_BITS_PER_BLOCK	(HALO_MD_BLOCK * 8)

struct halo_bm {
	u64 *w;			/* nbits bits */
	u64 *dirty;		/* nblocks bits: bitmap blocks to write back */
	u64 nbits;		/* data blocks */
	u64 weight;		/* bits set */
	u64 nblocks;		/* bitmap blocks */
};

/* Words of @w and of @dirty for @nbits data blocks. */
u64 halo_bm_words(u64 nbits);
u64 halo_bm_dirty_words(u64 nbits);
/* @w and @dirty zeroed, of the sizes above. */
void halo_bm_init(struct halo_bm *bm, u64 *w, u64 *dirty, u64 nbits);

/* Blocks [@start, @end) (clamped to the bitmap): how many changed. */
u64 halo_bm_set(struct halo_bm *bm, u64 start, u64 end);
u64 halo_bm_clear(struct halo_bm *bm, u64 start, u64 end);
bool halo_bm_test(const struct halo_bm *bm, u64 b);
/* The first set bit at or after @from, or nbits. */
u64 halo_bm_next(const struct halo_bm *bm, u64 from);
/* The first clear bit at or after @from, at most @limit. */
u64 halo_bm_run_end(const struct halo_bm *bm, u64 from, u64 limit);

/* The first dirty bitmap block at or after @from, or nblocks. */
u64 halo_bm_next_dirty(const struct halo_bm *bm, u64 from);
/* Bitmap block @k in its on-disk form (HALO_MD_BLOCK bytes); clean now. */
void halo_bm_block_get(struct halo_bm *bm, u64 k, u8 *buf);
/*
 * Bitmap block @k from its on-disk form: it replaces the bits (read from
 * the disk: the block is clean) or, with @merge, is or-ed into them (the
 * peer's: the block is dirty if that set anything). -EINVAL, nothing
 * changed, if it sets bits past the last data block.
 */
int halo_bm_block_put(struct halo_bm *bm, u64 k, const u8 *buf, bool merge);
/* Whether bitmap block @k has any bit set. */
bool halo_bm_block_any(const struct halo_bm *bm, u64 k);

#endif /* _HALO_BLK_BITMAP_H */
