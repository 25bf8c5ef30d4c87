// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The out-of-sync bitmap of a device (Documentation/halo_blk.rst, "The
 * bitmap"): the whole of it in memory, under bm_lock (bitmap.c has the
 * logic), read from the metadata at attach and written back where it
 * changed (bm_io serialises that).
 *
 * What is on disk may lag what is in memory; a crash loses the lag:
 *
 * - a bit set in memory only: the write it marks was made by a primary,
 *   in an extent of its activity log (al_io.c: an extent leaves the log
 *   only once the bitmap is written back), which a primary that crashed
 *   adds to its bitmap at the next attach;
 * - a bit cleared in memory only: the block is synced again. Harmless.
 *
 * So it is written back where that matters: when a resync starts (the
 * bits it will clear are then on disk) and ends, when the connection
 * goes, when the device becomes secondary or goes away.
 *
 * Locks: bm_io (bm_page, the write-back) after dev->lock when both are
 * held; bm_lock (interrupts off) is a leaf, never held across I/O.
 */

#include "bitmap.h"
#include "device.h"

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/slab.h>

int halo_blk_bm_alloc(struct halo_blk_dev *dev)
{
	u64 nbits = dev->sb.layout.data_blocks;
	u64 *w, *dirty;

	w = kvcalloc(halo_bm_words(nbits), sizeof(u64), GFP_KERNEL);
	dirty = kvcalloc(halo_bm_dirty_words(nbits), sizeof(u64), GFP_KERNEL);
	dev->bm_page = alloc_page(GFP_KERNEL);
	dev->al_page = alloc_page(GFP_KERNEL);
	if (!w || !dirty || !dev->bm_page || !dev->al_page) {
		kvfree(w);
		kvfree(dirty);
		return -ENOMEM;
	}
	halo_bm_init(&dev->bm, w, dirty, nbits);
	return 0;
}

void halo_blk_bm_free(struct halo_blk_dev *dev)
{
	kvfree(dev->bm.w);
	kvfree(dev->bm.dirty);
	if (dev->bm_page)
		__free_page(dev->bm_page);
	if (dev->al_page)
		__free_page(dev->al_page);
}

static int halo_blk_bm_io(struct halo_blk_dev *dev, u64 k, blk_opf_t opf)
{
	return halo_md_block_io(dev, dev->bm_page, dev->sb.layout.bm_start + k, opf);
}

/*
 * At attach: the bitmap as the metadata holds it. A full sync pending
 * means every bit. A crashed primary's may lack bits of its last writes:
 * its activity log's extents are added (al_io.c), and written back at
 * once, for a crash before the next write-back.
 */
int halo_blk_bm_read(struct halo_blk_dev *dev, const char **why)
{
	bool crashed = dev->sb.flags & HALO_MD_F_PRIMARY;
	struct halo_bm *bm = &dev->bm;
	u64 k;
	int ret;

	if (dev->sb.flags & HALO_MD_F_FULL_SYNC) {
		halo_bm_set(bm, 0, bm->nbits);
		crashed = false;
	}
	for (k = 0; k < bm->nblocks && !(dev->sb.flags & HALO_MD_F_FULL_SYNC); k++) {
		ret = halo_blk_bm_io(dev, k, REQ_OP_READ | REQ_META);
		if (ret) {
			*why = "cannot read the bitmap";
			return ret;
		}
		if (halo_bm_block_put(bm, k, page_address(dev->bm_page), false)) {
			*why = "the bitmap has bits past the end of the device";
			return -EINVAL;
		}
	}
	ret = halo_blk_al_read(dev, crashed);
	if (ret) {
		*why = "cannot read the activity log";
		return ret;
	}
	if (crashed && halo_blk_bm_write(dev)) {
		*why = "cannot write the bitmap";
		return -EIO;
	}
	return 0;
}

/*
 * Write back the bitmap blocks that changed, then flush: the bits that
 * were set when this was called are on disk when it returns.
 */
int halo_blk_bm_write(struct halo_blk_dev *dev)
{
	struct halo_bm *bm = &dev->bm;
	u64 k = 0;
	bool any = false;
	int ret = 0;

	mutex_lock(&dev->bm_io);
	for (;;) {
		spin_lock_irq(&dev->bm_lock);
		k = halo_bm_next_dirty(bm, k);
		if (k < bm->nblocks)
			halo_bm_block_get(bm, k, page_address(dev->bm_page));
		spin_unlock_irq(&dev->bm_lock);
		if (k >= bm->nblocks)
			break;
		ret = halo_blk_bm_io(dev, k, REQ_OP_WRITE | REQ_SYNC | REQ_META);
		if (ret) {
			/* dirty again: a later write-back tries once more */
			spin_lock_irq(&dev->bm_lock);
			bm->dirty[k / 64] |= 1ULL << (k % 64);
			spin_unlock_irq(&dev->bm_lock);
			break;
		}
		any = true;
		k++;
	}
	if (!ret && any)
		ret = blkdev_issue_flush(dev->meta.bdev);
	mutex_unlock(&dev->bm_io);
	if (ret)
		pr_err_ratelimited("%s: cannot write the bitmap: %d\n", dev->name, ret);
	return ret;
}

/* Sectors [@sector, @sector + @bytes) may differ from the peer's. */
void halo_blk_bm_mark(struct halo_blk_dev *dev, sector_t sector, u64 bytes)
{
	u64 first = sector >> (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT);
	u64 end = DIV_ROUND_UP_ULL((sector << SECTOR_SHIFT) + bytes, HALO_MD_BLOCK);
	unsigned long flags;

	if (!bytes)
		return;
	spin_lock_irqsave(&dev->bm_lock, flags);
	halo_bm_set(&dev->bm, first, end);
	halo_blk_rs_redirty(dev, first, end);
	spin_unlock_irqrestore(&dev->bm_lock, flags);
}

void halo_blk_bm_mark_all(struct halo_blk_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->bm_lock, flags);
	halo_bm_set(&dev->bm, 0, dev->bm.nbits);
	halo_blk_rs_redirty(dev, 0, dev->bm.nbits);
	spin_unlock_irqrestore(&dev->bm_lock, flags);
}

void halo_blk_bm_clear_all(struct halo_blk_dev *dev)
{
	spin_lock_irq(&dev->bm_lock);
	halo_bm_clear(&dev->bm, 0, dev->bm.nbits);
	spin_unlock_irq(&dev->bm_lock);
}

u64 halo_blk_bm_weight(struct halo_blk_dev *dev)
{
	return READ_ONCE(dev->bm.weight);
}
