/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Every difference between the kernels halo supports (Debian 12's 6.1 and
 * 6.12) lives in this file, which the build force-includes into every
 * halo object. Code elsewhere is written against the 6.12 API; each shim
 * here gives the older kernel that API.
 *
 * Debian backports into its 6.1 kernels, so a shim tests for the symbol
 * or header (Debian's 6.1 has timer_delete_sync(), for example), never
 * for a version: headers are probed by kernel/Kbuild, as
 * wireguard-linux-compat does.
 */
#ifndef _HALO_COMPAT_H
#define _HALO_COMPAT_H

#include <net/netlink.h>

/*
 * 6.6 added NL_ASSERT_DUMP_CTX_FITS() for dump cursors kept in cb->ctx;
 * 6.1 has the same 48-byte cb->ctx, so the check is the same.
 */
#ifndef NL_ASSERT_DUMP_CTX_FITS
#define NL_ASSERT_DUMP_CTX_FITS(type_name)				\
	BUILD_BUG_ON(sizeof(type_name) >				\
		     sizeof_field(struct netlink_callback, ctx))
#endif

/*
 * 6.2 gave the extack a buffer for formatted messages; 6.1 keeps only a
 * pointer to a string that must outlive the request, until its ack is
 * built. A module that formats messages defines the ring below (where
 * HALO_EXTACK_FMT_LEN is defined): a buffer is reused only after 15 more
 * formatted errors, and its last byte is never written, so that even a
 * reuse racing an ack reads a terminated string.
 */
#ifndef NL_SET_ERR_MSG_FMT
#define HALO_EXTACK_FMT_LEN	80
#define HALO_EXTACK_RING	16
extern char halo_extack_ring[HALO_EXTACK_RING][HALO_EXTACK_FMT_LEN];
extern atomic_t halo_extack_next;
#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) do {			\
	struct netlink_ext_ack *__extack = (extack);			\
	char *__buf;							\
									\
	if (__extack) {							\
		__buf = halo_extack_ring[(unsigned int)			\
			atomic_inc_return(&halo_extack_next) %		\
			HALO_EXTACK_RING];				\
		snprintf(__buf, HALO_EXTACK_FMT_LEN - 1, fmt, ##args);	\
		__extack->_msg = __buf;					\
	}								\
} while (0)
#endif

/*
 * 6.12 moved the unaligned access helpers from <asm/unaligned.h> to
 * <linux/unaligned.h> and dropped the old header; Debian's 6.1 has only
 * the old one. Kbuild probes for the header (HALO_HAVE_LINUX_UNALIGNED_H).
 */
#ifdef HALO_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * Block devices (halo_blk). 6.9 opens a block device as a file
 * (bdev_file_open_by_path()); 6.1 has blkdev_get_by_path()/blkdev_put().
 * Kbuild probes for the new call (HALO_HAVE_BDEV_FILE_OPEN).
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/file.h>

struct halo_bdev {
	struct block_device *bdev;
#ifdef HALO_HAVE_BDEV_FILE_OPEN
	struct file *file;
#endif
};

/* Open @path for reading and writing, exclusively for @holder. */
static inline int halo_bdev_open(const char *path, void *holder,
				 struct halo_bdev *b)
{
#ifdef HALO_HAVE_BDEV_FILE_OPEN
	struct file *f = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
						holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	b->file = f;
	b->bdev = file_bdev(f);
#else
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE | FMODE_EXCL, holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
#endif
	return 0;
}

static inline void halo_bdev_close(struct halo_bdev *b)
{
	if (!b->bdev)
		return;
#ifdef HALO_HAVE_BDEV_FILE_OPEN
	fput(b->file);
	b->file = NULL;
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	b->bdev = NULL;
}

/*
 * 6.5 passes block_device_operations.open the disk and a blk_mode_t, and
 * .release only the disk; 6.1 passes the block_device and an fmode_t.
 * HALO_BLK_OPEN_OPS(open, release) defines open_compat and
 * release_compat for the fops around
 *	int open(struct gendisk *disk, bool write);
 *	void release(struct gendisk *disk);
 * Kbuild probes for blk_mode_t (HALO_HAVE_BLK_MODE_T).
 */
#ifdef HALO_HAVE_BLK_MODE_T
#define HALO_BLK_OPEN_OPS(open, release)				\
static int open##_compat(struct gendisk *disk, blk_mode_t mode)	\
{									\
	return open(disk, mode & BLK_OPEN_WRITE);			\
}									\
static void release##_compat(struct gendisk *disk)			\
{									\
	release(disk);							\
}
#else
#define HALO_BLK_OPEN_OPS(open, release)				\
static int open##_compat(struct block_device *bdev, fmode_t mode)	\
{									\
	return open(bdev->bd_disk, mode & FMODE_WRITE);			\
}									\
static void release##_compat(struct gendisk *disk, fmode_t mode)	\
{									\
	release(disk);							\
}
#endif

/*
 * 6.11 takes a disk's queue limits, feature flags included, when the
 * disk is allocated; 6.1 sets them one call at a time on the queue.
 * Kbuild probes for BLK_FEAT_WRITE_CACHE (HALO_HAVE_BLK_FEAT).
 */
struct halo_queue_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int max_hw_sectors;
	unsigned int max_discard_sectors;
	unsigned int discard_granularity;
	unsigned int max_write_zeroes_sectors;
};

/* A disk with a volatile write cache and FUA, and @hl's limits. */
static inline struct gendisk *halo_blk_alloc_disk(struct blk_mq_tag_set *set,
						  const struct halo_queue_limits *hl,
						  void *queuedata)
{
#ifdef HALO_HAVE_BLK_FEAT
	struct queue_limits lim = {
		.logical_block_size = hl->logical_block_size,
		.physical_block_size = hl->physical_block_size,
		.max_hw_sectors = hl->max_hw_sectors,
		.max_hw_discard_sectors = hl->max_discard_sectors,
		.discard_granularity = hl->discard_granularity,
		.max_write_zeroes_sectors = hl->max_write_zeroes_sectors,
		.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA,
	};

	return blk_mq_alloc_disk(set, &lim, queuedata);
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, hl->logical_block_size);
	blk_queue_physical_block_size(q, hl->physical_block_size);
	blk_queue_max_hw_sectors(q, hl->max_hw_sectors);
	blk_queue_max_discard_sectors(q, hl->max_discard_sectors);
	q->limits.discard_granularity = hl->discard_granularity;
	blk_queue_max_write_zeroes_sectors(q, hl->max_write_zeroes_sectors);
	blk_queue_write_cache(q, true, true);
	return disk;
#endif
}

#endif /* _HALO_COMPAT_H */
