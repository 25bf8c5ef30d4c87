// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The activity log of a device (Documentation/halo_blk.rst, "Activity
 * log"; al.c has the logic): before a primary's write reaches the disk,
 * the 4 MiB extents it touches are in the log on disk. A primary that
 * crashed then resyncs those extents, and what its bitmap on disk marks,
 * instead of everything.
 *
 * Only the submit worker adds extents (one writer: transactions go in
 * order, without a lock held across their I/O); completions drop their
 * references under al_lock, and under protocols A and B the transfer log
 * keeps a write's until the peer's disk has it (repl.c). An extent leaves
 * the set only idle, and only after the bitmap's changes are on disk: its
 * bits set in memory (writes without the peer) are then on disk before
 * the log forgets it.
 *
 * Locks: al_lock (interrupts off: completions) guards the set, and
 * bm_lock (at attach) the bitmap; both are leaves, never held across I/O.
 */

#include "al.h"
#include "device.h"

#include <linux/bio.h>
#include <linux/blkdev.h>

#define HALO_BLK_AL_EXT_BLOCKS_SHIFT	(HALO_MD_AL_EXTENT_SHIFT - HALO_MD_BLOCK_SHIFT)

static int halo_blk_al_io(struct halo_blk_dev *dev, u32 slot, blk_opf_t opf)
{
	return halo_md_block_io(dev, dev->al_page, dev->sb.layout.al_start + slot, opf);
}

static bool halo_blk_al_room(struct halo_blk_dev *dev)
{
	unsigned long flags;
	bool room;

	spin_lock_irqsave(&dev->al_lock, flags);
	room = halo_al_room(&dev->al);
	spin_unlock_irqrestore(&dev->al_lock, flags);
	return room;
}

/*
 * A write of @bytes at byte @pos is about to go: its extents in the log,
 * on disk. The submit worker's; 0 or the log's write error.
 */
int halo_blk_al_begin(struct halo_blk_dev *dev, u64 pos, u64 bytes)
{
	struct halo_al *al = &dev->al;
	bool evicted = false, changed;
	u32 first, last, e, ev;
	unsigned long flags;
	u64 seq;
	int ret;

	halo_al_range(pos, bytes, &first, &last);
	for (e = first; e <= last; e++) {
		for (;;) {
			spin_lock_irqsave(&dev->al_lock, flags);
			ret = halo_al_get(al, e, &ev);
			spin_unlock_irqrestore(&dev->al_lock, flags);
			if (ret != -EBUSY)
				break;
			/*
			 * every extent busy: one of the writes completes, or
			 * the peer confirms writes of protocol A or B
			 */
			halo_blk_tl_kick(dev);
			wait_event(dev->al_wait, halo_blk_al_room(dev));
		}
		if (ev != U32_MAX)
			evicted = true;
	}
	/* what the log forgets must be in the bitmap on disk first */
	if (evicted && halo_blk_bm_write(dev))
		pr_err_ratelimited("%s: activity log: cannot write the bitmap\n",
				   dev->name);
	spin_lock_irqsave(&dev->al_lock, flags);
	changed = al->changed;
	al->changed = false;
	seq = changed ? ++al->seq : 0;
	if (changed)
		halo_al_encode(al, seq, dev->sb.uuid, page_address(dev->al_page));
	spin_unlock_irqrestore(&dev->al_lock, flags);
	if (!changed)
		return 0;
	ret = halo_blk_al_io(dev, seq % dev->sb.layout.al_slots,
			     REQ_OP_WRITE | REQ_SYNC | REQ_META | REQ_FUA);
	if (ret)
		pr_err_ratelimited("%s: cannot write the activity log: %d\n",
				   dev->name, ret);
	return ret;
}

/* The write of @bytes at @pos completed: its extents may go. */
void halo_blk_al_end(struct halo_blk_dev *dev, u64 pos, u64 bytes)
{
	u32 first, last, e;
	unsigned long flags;

	halo_al_range(pos, bytes, &first, &last);
	spin_lock_irqsave(&dev->al_lock, flags);
	for (e = first; e <= last; e++)
		WARN_ON_ONCE(!halo_al_put(&dev->al, e));
	spin_unlock_irqrestore(&dev->al_lock, flags);
	wake_up(&dev->al_wait);
}

/* Demoted: no write is in flight, the bitmap is on disk; start afresh. */
void halo_blk_al_clear(struct halo_blk_dev *dev)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&dev->al_lock, flags);
	for (i = 0; i < dev->al.n; i++)
		if (dev->al.refs[i])
			break;
	if (i == dev->al.n)
		dev->al.n = 0;
	spin_unlock_irqrestore(&dev->al_lock, flags);
}

/*
 * At attach, after the bitmap was read: the last transaction's sequence
 * number, to go on from; and for a primary that crashed, its extents into
 * the bitmap (every block if no transaction is found). -EIO if the log
 * cannot be read.
 */
int halo_blk_al_read(struct halo_blk_dev *dev, bool crashed)
{
	u32 nextents = DIV_ROUND_UP_ULL(dev->sb.layout.data_blocks <<
					HALO_MD_BLOCK_SHIFT,
					1ULL << HALO_MD_AL_EXTENT_SHIFT);
	u32 *ext, *best, n, best_n = 0, slot, i;
	u64 seq, best_seq = 0;
	bool found = false;
	int ret = 0;

	ext = kvmalloc_array(2 * HALO_AL_EXTENTS, sizeof(u32), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	best = ext + HALO_AL_EXTENTS;
	for (slot = 0; slot < dev->sb.layout.al_slots; slot++) {
		ret = halo_blk_al_io(dev, slot, REQ_OP_READ | REQ_META);
		if (ret)
			goto out;
		/* a slot that lies (not torn, not another device's) is ignored too */
		if (halo_al_decode(page_address(dev->al_page), dev->sb.uuid, nextents,
				   ext, &n, &seq) || (found && seq <= best_seq))
			continue;
		found = true;
		best_seq = seq;
		best_n = n;
		memcpy(best, ext, n * sizeof(u32));
	}
	dev->al.seq = best_seq;
	if (!crashed)
		goto out;
	spin_lock_irq(&dev->bm_lock);
	if (!found)
		halo_bm_set(&dev->bm, 0, dev->bm.nbits);
	for (i = 0; i < best_n; i++)
		halo_bm_set(&dev->bm, (u64)best[i] << HALO_BLK_AL_EXT_BLOCKS_SHIFT,
			    (u64)(best[i] + 1) << HALO_BLK_AL_EXT_BLOCKS_SHIFT);
	spin_unlock_irq(&dev->bm_lock);
	if (found)
		pr_info("%s: crashed as primary: %u activity log extents to resync\n",
			dev->name, best_n);
	else
		pr_info("%s: crashed as primary, no activity log: every block to resync\n",
			dev->name);
out:
	kvfree(ext);
	return ret;
}
