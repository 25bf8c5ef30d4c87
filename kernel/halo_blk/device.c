// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * /dev/haloN: the blk-mq front end, the backing and metadata devices, the
 * superblock, roles. Every request is cloned, bio by bio, onto the backing
 * device at the same sector (the data area starts at sector 0).
 *
 * Locks, in the order they nest:
 *   halo_blk_lock  the device list, create and destroy
 *   dev->lock      role, states, superblock, open count; never held across
 *                  a socket send (a STATE frame is queued: repl.c)
 *   dev->bm_io     writing the bitmap back (bm_io.c)
 * and leaves, taken alone: submit_lock (submit_list), al_lock (al_io.c),
 * bm_lock and io_err_lock and pr_lock (interrupts off: completions).
 */

#include "device.h"
#include "gen.h"
#include "netlink.h"
#include "../halo_api.h"

#include <linux/random.h>
#include <net/net_namespace.h>
#include <linux/slab.h>
#include <net/netlink.h>

/* guards halo_blk_devs, and creating and destroying devices */
DEFINE_MUTEX(halo_blk_lock);
LIST_HEAD(halo_blk_devs);
int halo_blk_major;

static const char * const halo_blk_roles[] = {
	[HALO_BLK_ROLE_UNKNOWN] = "Unknown",
	[HALO_BLK_ROLE_SECONDARY] = "Secondary",
	[HALO_BLK_ROLE_PRIMARY] = "Primary",
};

static const char * const halo_blk_disk_states[] = {
	[HALO_BLK_DISK_STATE_DISKLESS] = "Diskless",
	[HALO_BLK_DISK_STATE_INCONSISTENT] = "Inconsistent",
	[HALO_BLK_DISK_STATE_OUTDATED] = "Outdated",
	[HALO_BLK_DISK_STATE_DUNKNOWN] = "DUnknown",
	[HALO_BLK_DISK_STATE_CONSISTENT] = "Consistent",
	[HALO_BLK_DISK_STATE_UPTODATE] = "UpToDate",
};

static const char * const halo_blk_conn_states[] = {
	[HALO_BLK_CONN_STATE_STANDALONE] = "StandAlone",
	[HALO_BLK_CONN_STATE_CONNECTING] = "Connecting",
	[HALO_BLK_CONN_STATE_CONNECTED] = "Connected",
	[HALO_BLK_CONN_STATE_SYNC_SOURCE] = "SyncSource",
	[HALO_BLK_CONN_STATE_SYNC_TARGET] = "SyncTarget",
};

const char *halo_blk_role_name(enum halo_blk_role role)
{
	return role < ARRAY_SIZE(halo_blk_roles) ? halo_blk_roles[role] : "?";
}

const char *halo_blk_disk_state_name(enum halo_blk_disk_state state)
{
	return state < ARRAY_SIZE(halo_blk_disk_states) ?
	       halo_blk_disk_states[state] : "?";
}

const char *halo_blk_conn_state_name(enum halo_blk_conn_state state)
{
	return state < ARRAY_SIZE(halo_blk_conn_states) ?
	       halo_blk_conn_states[state] : "?";
}

u64 halo_blk_size_bytes(const struct halo_blk_dev *dev)
{
	return dev->sb.layout.data_blocks << HALO_MD_BLOCK_SHIFT;
}

u64 halo_blk_md_bytes(const struct halo_blk_dev *dev)
{
	return dev->sb.layout.md_blocks << HALO_MD_BLOCK_SHIFT;
}

/*
 * What the peer lacks: what the bitmap marks, or on a sync target, what
 * the source said it would send and has not yet.
 */
u64 halo_blk_out_of_sync(const struct halo_blk_dev *dev)
{
	const struct halo_blk_conn *conn = &dev->conn;

	if (READ_ONCE(conn->state) == HALO_BLK_CONN_STATE_SYNC_TARGET)
		return conn->rs_total > conn->rs_done ?
		       (conn->rs_total - conn->rs_done) << HALO_MD_BLOCK_SHIFT : 0;
	return READ_ONCE(dev->bm.weight) << HALO_MD_BLOCK_SHIFT;
}

/* -- I/O ------------------------------------------------------------- */

void halo_blk_req_put(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (!atomic_dec_and_test(&req->pending))
		return;
	/* a read the local disk failed (or has not): once more, from the peer */
	if (unlikely(test_bit(HALO_BLK_REQ_LOCAL_FAILED, &req->flags)) &&
	    req_op(rq) == REQ_OP_READ &&
	    !test_and_set_bit(HALO_BLK_REQ_PEER_TRIED, &req->flags)) {
		halo_blk_peer_read(req->dev, rq);
		return;
	}
	blk_mq_complete_request(rq);
}

/*
 * The local disk failed a clone of @rq (or a zeroout). Under detach the
 * peer finishes the request (halo_blk_req_put(), halo_blk_complete());
 * under pass-on the error is the request's.
 */
static void halo_blk_local_failed(struct halo_blk_dev *dev, struct request *rq,
				  sector_t sector, blk_status_t status)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	halo_blk_io_error(dev, req_op(rq) != REQ_OP_READ, sector,
			  blk_status_to_errno(status));
	if (READ_ONCE(dev->detached))
		set_bit(HALO_BLK_REQ_LOCAL_FAILED, &req->flags);
	else
		cmpxchg(&req->status, BLK_STS_OK, status);
}

/* The local disk has all of the request (repl.c waits for this). */
static void halo_blk_local_put(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (atomic_dec_and_test(&req->local_pending)) {
		set_bit(HALO_BLK_REQ_LOCAL_DONE, &req->flags);
		if (test_bit(HALO_BLK_REQ_IV, &req->flags))
			halo_blk_repl_local_done(req->dev);
	}
}

static void halo_blk_clone_end(struct bio *clone)
{
	struct request *rq = clone->bi_private;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (clone->bi_status)
		halo_blk_local_failed(req->dev, rq,
				      req_op(rq) == REQ_OP_FLUSH ? 0 : blk_rq_pos(rq),
				      clone->bi_status);
	bio_put(clone);
	halo_blk_local_put(rq);
	halo_blk_req_put(rq);
}

static void halo_blk_submit(struct request *rq, struct bio *clone)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	clone->bi_end_io = halo_blk_clone_end;
	clone->bi_private = rq;
	atomic_inc(&req->pending);
	atomic_inc(&req->local_pending);
	submit_bio_noacct(clone);
}

static void halo_blk_submit_local(struct request *rq);

static blk_status_t halo_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
				      const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct halo_blk_dev *dev = rq->q->queuedata;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	unsigned long now;

	/*
	 * A secondary refuses opens, so writes come only from a primary; a
	 * demotion waits for the writers to close. This is the last line.
	 */
	if (op_is_write(req_op(rq)) &&
	    READ_ONCE(dev->role) != HALO_BLK_ROLE_PRIMARY)
		return BLK_STS_IOERR;
	/* a primary without quorum under io-error (suspend-io: not called) */
	if (unlikely(READ_ONCE(dev->noq_lost)))
		return BLK_STS_IOERR;

	blk_mq_start_request(rq);
	/* application I/O: a resync holds back (resync.c, "The rate") */
	now = jiffies;
	if (READ_ONCE(dev->conn.app_seen) != now)
		WRITE_ONCE(dev->conn.app_seen, now);
	req->dev = dev;
	req->status = BLK_STS_OK;
	req->flags = 0;
	atomic64_set(&req->ack_key, 0);
	atomic_set(&req->pending, 1);
	/* Diskless: reads come from the peer (halo_blk_req_put()) */
	if (unlikely(READ_ONCE(dev->detached)) && req_op(rq) == REQ_OP_READ) {
		set_bit(HALO_BLK_REQ_LOCAL_FAILED, &req->flags);
		halo_blk_req_put(rq);
		return BLK_STS_OK;
	}
	if (op_is_write(req_op(rq)) || req_op(rq) == REQ_OP_FLUSH) {
		spin_lock(&dev->submit_lock);
		list_add_tail(&req->entry, &dev->submit_list);
		spin_unlock(&dev->submit_lock);
		queue_work(dev->submit_wq, &dev->submit_work);
		return BLK_STS_OK;
	}
	halo_blk_submit_local(rq);
	halo_blk_req_put(rq);
	return BLK_STS_OK;
}

/* A write, discard or write-zeroes: it changes blocks. */
static bool halo_blk_changes_data(struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		return blk_rq_bytes(rq);
	default:
		return false;
	}
}

/* The worker: writes and flushes, in the order they reached the device. */
static void halo_blk_submit_work(struct work_struct *work)
{
	struct halo_blk_dev *dev = container_of(work, struct halo_blk_dev,
						submit_work);
	struct halo_blk_req *req;
	struct request *rq;

	for (;;) {
		spin_lock(&dev->submit_lock);
		req = list_first_entry_or_null(&dev->submit_list,
					       struct halo_blk_req, entry);
		if (req)
			list_del(&req->entry);
		spin_unlock(&dev->submit_lock);
		if (!req)
			return;
		rq = blk_mq_rq_from_pdu(req);
		/* the extents it changes in the activity log, on disk */
		if (halo_blk_changes_data(rq) && !READ_ONCE(dev->detached)) {
			if (!halo_blk_al_begin(dev, (u64)blk_rq_pos(rq) << SECTOR_SHIFT,
					       blk_rq_bytes(rq))) {
				set_bit(HALO_BLK_REQ_AL, &req->flags);
			} else if (!READ_ONCE(dev->detached)) {
				/* pass-on: the log's error is the write's */
				req->status = BLK_STS_IOERR;
				halo_blk_req_put(rq);
				continue;
			}
		}
		/* a resync chunk being read and sent goes first (resync.c) */
		halo_blk_gate_enter(dev);
		set_bit(HALO_BLK_REQ_GATED, &req->flags);
		/* after the writes it overlaps reach the disk (repl.c) */
		halo_blk_repl_register(dev, rq);
		halo_blk_submit_local(rq);
		halo_blk_repl_write(dev, rq);
		halo_blk_req_put(rq);
	}
}

/* Clone the request onto the backing device, bio by bio. */
static void halo_blk_submit_local(struct request *rq)
{
	struct halo_blk_dev *dev = rq->q->queuedata;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	struct block_device *bdev = dev->disk.bdev;
	struct bio *bio, *clone;

	atomic_set(&req->local_pending, 1);
	if (unlikely(READ_ONCE(dev->detached))) {
		/* Diskless: the peer's disk alone has it, or nobody's */
		set_bit(HALO_BLK_REQ_LOCAL_FAILED, &req->flags);
	} else if (req_op(rq) == REQ_OP_WRITE_ZEROES) {
		/*
		 * As the peer does it (repl.c): zero pages written where the
		 * disk turns write-zeroes down (loop over tmpfs advertises it
		 * and fails it), so that the two disks cannot differ.
		 */
		int err = blkdev_issue_zeroout(bdev, blk_rq_pos(rq), blk_rq_sectors(rq),
					       GFP_NOIO,
					       rq->cmd_flags & REQ_NOUNMAP ?
					       BLKDEV_ZERO_NOUNMAP : 0);

		if (err)
			halo_blk_local_failed(dev, rq, blk_rq_pos(rq),
					      errno_to_blk_status(err));
	} else if (req_op(rq) == REQ_OP_FLUSH) {
		clone = bio_alloc_bioset(bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH,
					 GFP_NOIO, &dev->bs);
		halo_blk_submit(rq, clone);
	} else {
		__rq_for_each_bio(bio, rq) {
			clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &dev->bs);
			if (!clone) {
				cmpxchg(&req->status, BLK_STS_OK, BLK_STS_RESOURCE);
				break;
			}
			halo_blk_submit(rq, clone);
		}
	}
	halo_blk_local_put(rq);
}

/*
 * The first write the peer lacks makes a new current generation, durably,
 * before it completes: the peer must not be taken for up to date later.
 */
void halo_blk_new_current(struct halo_blk_dev *dev)
{
	struct halo_md_sb sb;

	mutex_lock(&dev->lock);
	if (!dev->alone) {
		sb = dev->sb;
		halo_gen_new_current(sb.gen, get_random_u64() | 1);
		/* for after-sb-0pri discard-younger/older-primary */
		sb.flags &= ~HALO_MD_F_OLDER_PRIMARY;
		if (dev->role == HALO_BLK_ROLE_PRIMARY && !dev->promoted_alone)
			sb.flags |= HALO_MD_F_OLDER_PRIMARY;
		if (halo_md_write_sb(dev, &sb))
			pr_err_ratelimited("%s: cannot record a write the peer lacks\n",
					   dev->name);
		else
			dev->alone = true;
		halo_blk_nl_notify(dev);
	}
	mutex_unlock(&dev->lock);
}

/* The blocks @rq writes may differ from the peer's. */
void halo_blk_mark_rq(struct halo_blk_dev *dev, struct request *rq)
{
	if (halo_blk_changes_data(rq))
		halo_blk_bm_mark(dev, blk_rq_pos(rq), blk_rq_bytes(rq));
}

/*
 * A write the peer does not get (not connected, or its disk failed it):
 * its blocks go in the bitmap, for the next resync.
 */
void halo_blk_write_alone(struct halo_blk_dev *dev, struct request *rq)
{
	halo_blk_mark_rq(dev, rq);
	halo_blk_new_current(dev);
}

static void halo_blk_complete(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (test_bit(HALO_BLK_REQ_AL, &req->flags))
		halo_blk_al_end(req->dev, (u64)blk_rq_pos(rq) << SECTOR_SHIFT,
				blk_rq_bytes(rq));
	if (test_bit(HALO_BLK_REQ_GATED, &req->flags))
		halo_blk_gate_leave(req->dev);
	if (test_bit(HALO_BLK_REQ_IV, &req->flags))
		halo_blk_repl_unregister(req->dev, rq);
	/* the local disk lacks a write: it is done if the peer has it */
	if (unlikely(test_bit(HALO_BLK_REQ_LOCAL_FAILED, &req->flags)) &&
	    req_op(rq) != REQ_OP_READ && !test_bit(HALO_BLK_REQ_PEER_OK, &req->flags))
		req->status = BLK_STS_IOERR;
	blk_mq_end_request(rq, req->status);
}

/*
 * A flush of /dev/haloN completes from inside the backing device's flush
 * completion, with that queue's flush lock held: a lock of the same class
 * as ours to lockdep, which would call taking ours recursive. The two
 * queues are never locked the other way round (ours never calls into the
 * backing device's completion), so ours gets a class of its own, as
 * nvme-loop's does.
 */
static struct lock_class_key halo_blk_fq_lock_key;

static int halo_blk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			      unsigned int hctx_idx)
{
	blk_mq_hctx_set_fq_lock_class(hctx, &halo_blk_fq_lock_key);
	return 0;
}

static const struct blk_mq_ops halo_blk_mq_ops = {
	.queue_rq = halo_blk_queue_rq,
	.complete = halo_blk_complete,
	.init_hctx = halo_blk_init_hctx,
};

/*
 * Opens: a primary takes any; a secondary none, as DRBD 8.4 (writes
 * -EROFS, reads -EMEDIUMTYPE), so that no reader caches data the primary
 * is about to change, and a demotion can wait for a device nobody holds.
 */
static int halo_blk_open(struct gendisk *gd, bool write)
{
	struct halo_blk_dev *dev = gd->private_data;
	int ret = 0;

	mutex_lock(&dev->lock);
	if (dev->role != HALO_BLK_ROLE_PRIMARY)
		ret = write ? -EROFS : -EMEDIUMTYPE;
	else
		dev->open_count++;
	mutex_unlock(&dev->lock);
	return ret;
}

static void halo_blk_release(struct gendisk *gd)
{
	struct halo_blk_dev *dev = gd->private_data;

	mutex_lock(&dev->lock);
	dev->open_count--;
	mutex_unlock(&dev->lock);
}

HALO_BLK_OPEN_OPS(halo_blk_open, halo_blk_release)

static void halo_blk_free_disk(struct gendisk *gd);

static const struct block_device_operations halo_blk_fops = {
	.owner = THIS_MODULE,
	.open = halo_blk_open_compat,
	.release = halo_blk_release_compat,
	.free_disk = halo_blk_free_disk,
};

/* -- metadata -------------------------------------------------------- */

/*
 * The 4 KiB block @block of the metadata device, through @page. A write
 * of a detached device goes nowhere; a failed one is a local I/O error
 * (ioerr.c).
 */
int halo_md_block_io(struct halo_blk_dev *dev, struct page *page, u64 block,
		     blk_opf_t opf)
{
	bool write = op_is_write(opf);
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	if (write && READ_ONCE(dev->detached))
		return 0;
	bio_init(&bio, dev->meta.bdev, &bvec, 1, opf);
	bio.bi_iter.bi_sector = block << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT);
	__bio_add_page(&bio, page, HALO_MD_BLOCK, 0);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	if (ret && write)
		halo_blk_io_error(dev, true, block << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT),
				  ret);
	return ret;
}

static int halo_md_io(struct halo_blk_dev *dev, u64 block, blk_opf_t opf)
{
	return halo_md_block_io(dev, dev->md_page, block, opf);
}

/* Write @sb, durably, and make it the device's. */
int halo_md_write_sb(struct halo_blk_dev *dev, const struct halo_md_sb *sb)
{
	int ret;

	halo_md_sb_encode(sb, page_address(dev->md_page));
	ret = halo_md_io(dev, sb->layout.sb_block,
			 REQ_OP_WRITE | REQ_SYNC | REQ_META | REQ_PREFLUSH | REQ_FUA);
	if (ret)
		return ret;
	dev->sb = *sb;
	return 0;
}

static enum halo_blk_disk_state halo_md_disk_state(const struct halo_md_sb *sb)
{
	/*
	 * As DRBD with fencing dont-care: a disk that was UpToDate is again,
	 * one that was only Consistent is Outdated, anything else needs a
	 * sync.
	 */
	if (!(sb->flags & HALO_MD_F_CONSISTENT))
		return HALO_BLK_DISK_STATE_INCONSISTENT;
	if (sb->flags & HALO_MD_F_OUTDATED || !(sb->flags & HALO_MD_F_UPTODATE))
		return HALO_BLK_DISK_STATE_OUTDATED;
	return HALO_BLK_DISK_STATE_UPTODATE;
}

#define HALO_MD_PROBE_PAGES	32

/*
 * Fresh metadata overwrites only zeroes: 0 if the area @l's metadata takes
 * holds nothing else, 1 with the first 4 KiB block that does in @blk
 * (counted on the metadata device), or an error.
 */
static int halo_md_blank(struct halo_blk_dev *dev, const struct halo_md_layout *l,
			 u64 *blk)
{
	struct block_device *bdev = dev->meta.bdev;
	u64 pos, end, first = bdev == dev->disk.bdev ? l->data_blocks : 0;
	struct page *pages[HALO_MD_PROBE_PAGES] = {};
	unsigned int i, n;
	void *p, *hit;
	struct bio *bio;
	int ret = 0;

	for (i = 0; i < HALO_MD_PROBE_PAGES; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	pos = first << HALO_MD_BLOCK_SHIFT;
	end = (first + l->md_blocks) << HALO_MD_BLOCK_SHIFT;
	while (pos < end && !ret) {
		bio = bio_alloc(bdev, HALO_MD_PROBE_PAGES, REQ_OP_READ, GFP_KERNEL);
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		for (n = 0; n < HALO_MD_PROBE_PAGES && pos + bio->bi_iter.bi_size < end; n++)
			__bio_add_page(bio, pages[n],
				       min_t(u64, PAGE_SIZE, end - pos - bio->bi_iter.bi_size), 0);
		ret = submit_bio_wait(bio);
		for (i = 0; i < n && !ret; i++) {
			p = page_address(pages[i]);
			hit = memchr_inv(p, 0, bio->bi_io_vec[i].bv_len);
			if (hit) {
				*blk = (pos + (u64)i * PAGE_SIZE + (hit - p)) >>
				       HALO_MD_BLOCK_SHIFT;
				ret = 1;
			}
		}
		pos += (u64)n * PAGE_SIZE;
		bio_put(bio);
	}
out:
	for (i = 0; i < HALO_MD_PROBE_PAGES; i++)
		if (pages[i])
			__free_page(pages[i]);
	return ret;
}

/*
 * Read the metadata, or write fresh metadata where there is none. Metadata
 * that is there but wrong is refused, never rewritten; so is data where
 * fresh metadata would go, unless @cr says force.
 */
static int halo_md_attach(struct halo_blk_dev *dev, const struct halo_blk_create *cr,
			  const char *cluster, u32 node_id,
			  struct netlink_ext_ack *extack)
{
	const char *md_path = cr->meta && strcmp(cr->meta, "internal") ? cr->meta :
			      cr->disk;
	u64 blk;
	struct halo_md_layout want;
	struct halo_md_sb sb;
	const char *why;
	int ret;

	/* buffered writes still in the page cache must not land after ours */
	ret = sync_blockdev(dev->meta.bdev);
	if (ret) {
		NL_SET_ERR_MSG_FMT(extack, "cannot flush %s's cached writes", md_path);
		return ret;
	}
	if (dev->meta.bdev == dev->disk.bdev)
		ret = halo_md_layout_internal(bdev_nr_bytes(dev->disk.bdev), &want);
	else
		ret = halo_md_layout_external(bdev_nr_bytes(dev->disk.bdev),
					      bdev_nr_bytes(dev->meta.bdev), &want);
	if (ret == -ENOSPC) {
		NL_SET_ERR_MSG_FMT(extack,
				   "%s is too small: 1 MiB of data and the metadata at least",
				   dev->meta.bdev == dev->disk.bdev ? "backing device" :
				   "backing or metadata device");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "backing device is too big (at most 16 TiB)");
		return ret;
	}

	ret = halo_md_io(dev, want.sb_block, REQ_OP_READ | REQ_META);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot read the metadata superblock");
		return ret;
	}
	ret = halo_md_sb_decode(page_address(dev->md_page), &sb, &why);
	if (ret == -ENODATA && cr->no_format) {
		NL_SET_ERR_MSG_FMT(extack, "no halo metadata on %s", md_path);
		return ret;
	}
	if (ret == -ENODATA && !cr->force) {
		ret = halo_md_blank(dev, &want, &blk);
		if (ret < 0) {
			NL_SET_ERR_MSG_FMT(extack, "cannot read %s where the metadata would go",
					   md_path);
			return ret;
		}
		if (ret) {
			NL_SET_ERR_MSG_FMT(extack,
					   "%s: data where metadata goes (block %llu); force overwrites it",
					   md_path, blk);
			return -EEXIST;
		}
		ret = -ENODATA;
	}
	if (ret == -ENODATA) {
		/* nothing there: fresh metadata, Inconsistent until synced */
		memset(&sb, 0, sizeof(sb));
		sb.flags = HALO_MD_F_AL_CLEAN | HALO_MD_F_FULL_SYNC;
		sb.node_id = node_id;
		get_random_bytes(sb.uuid, sizeof(sb.uuid));
		strscpy(sb.cluster, cluster, sizeof(sb.cluster));
		strscpy(sb.name, dev->name, sizeof(sb.name));
		sb.layout = want;
		ret = halo_md_write_sb(dev, &sb);
		if (ret)
			NL_SET_ERR_MSG(extack, "cannot write the metadata superblock");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG_FMT(extack, "metadata refused: %s", why);
		return ret;
	}
	if (strcmp(sb.cluster, cluster) || strcmp(sb.name, dev->name)) {
		NL_SET_ERR_MSG_FMT(extack,
				   "metadata belongs to device %s of cluster %.24s",
				   sb.name, sb.cluster);
		return -EEXIST;
	}
	if (!halo_md_layout_equal(&sb.layout, &want)) {
		NL_SET_ERR_MSG_FMT(extack,
				   "metadata is for a %llu KiB device: resizing is not supported",
				   (unsigned long long)sb.layout.data_blocks *
				   (HALO_MD_BLOCK / 1024));
		return -EINVAL;
	}
	dev->sb = sb;
	return 0;
}

/* -- create, destroy ------------------------------------------------- */

struct halo_blk_dev *halo_blk_dev_find(struct net *net, const char *name)
{
	struct halo_blk_dev *dev;

	lockdep_assert_held(&halo_blk_lock);
	list_for_each_entry(dev, &halo_blk_devs, list)
		if (net_eq(dev->net, net) && !strcmp(dev->name, name))
			return dev;
	return NULL;
}

static bool halo_blk_minor_used(u32 minor)
{
	struct halo_blk_dev *dev;

	lockdep_assert_held(&halo_blk_lock);
	list_for_each_entry(dev, &halo_blk_devs, list)
		if (dev->minor == minor)
			return true;
	return false;
}

static int halo_blk_open_backing(struct halo_blk_dev *dev, const char *path,
				 struct halo_bdev *b, const char *what,
				 struct netlink_ext_ack *extack)
{
	int ret = halo_bdev_open(path, dev, b);

	switch (ret) {
	case 0:
		return 0;
	case -EBUSY:
		NL_SET_ERR_MSG_FMT(extack, "%s is in use", what);
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_FMT(extack, "%s does not exist", what);
		break;
	case -ENOTBLK:
		NL_SET_ERR_MSG_FMT(extack, "%s is not a block device", what);
		break;
	default:
		NL_SET_ERR_MSG_FMT(extack, "cannot open the %s", what);
	}
	return ret;
}

/* A discard or write-zeroes of at most 2 GiB: the frame's size is 32 bits. */
#define HALO_BLK_MAX_NODATA_SECTORS	BIT(22)

static void halo_blk_limits(struct halo_blk_dev *dev, struct halo_queue_limits *hl)
{
	struct block_device *bdev = dev->disk.bdev;

	/* 4 KiB blocks: what the bitmap tracks, and what every disk takes */
	hl->logical_block_size = max_t(unsigned int, bdev_logical_block_size(bdev), 512);
	hl->physical_block_size = max_t(unsigned int,
					bdev_physical_block_size(bdev), HALO_MD_BLOCK);
	/* a request is one DATA frame to the peer: at most 1 MiB of data */
	hl->max_hw_sectors = min_t(unsigned int,
				   queue_max_hw_sectors(bdev_get_queue(bdev)),
				   HALO_P_MAX_DATA >> SECTOR_SHIFT);
	/* and its size field is 32 bits of bytes */
	hl->max_discard_sectors = min_t(unsigned int, bdev_max_discard_sectors(bdev),
					HALO_BLK_MAX_NODATA_SECTORS);
	hl->discard_granularity = hl->max_discard_sectors ?
		max_t(unsigned int, bdev_discard_granularity(bdev), HALO_MD_BLOCK) : 0;
	hl->max_write_zeroes_sectors = min_t(unsigned int,
					     bdev_write_zeroes_sectors(bdev),
					     HALO_BLK_MAX_NODATA_SECTORS);
}

/* What I/O needs; none is left once the disk is deleted. */
static void halo_blk_dev_put_backing(struct halo_blk_dev *dev)
{
	if (dev->meta.bdev != dev->disk.bdev)
		halo_bdev_close(&dev->meta);
	halo_bdev_close(&dev->disk);
	if (dev->md_page)
		__free_page(dev->md_page);
	bioset_exit(&dev->bs);
}

static void halo_blk_dev_free(struct halo_blk_dev *dev)
{
	if (dev->io_wq)
		destroy_workqueue(dev->io_wq);
	if (dev->ack_wq)
		destroy_workqueue(dev->ack_wq);
	if (dev->submit_wq)
		destroy_workqueue(dev->submit_wq);
	halo_blk_bm_free(dev);
	kvfree(dev->conn.tl);
	mutex_destroy(&dev->bm_io);
	mutex_destroy(&dev->lock);
	kfree(dev);
}

/*
 * The device outlives its removal while anyone still holds /dev/haloN
 * open (a namespace deleted under a mounted filesystem): the last
 * release still takes dev->lock. The block layer calls this when the
 * disk's last reference goes.
 */
static void halo_blk_free_disk(struct gendisk *gd)
{
	halo_blk_dev_free(gd->private_data);
}

int halo_blk_dev_create(struct net *net, const struct halo_blk_create *cr,
			struct netlink_ext_ack *extack)
{
	struct halo_queue_limits hl;
	struct halo_view_info *view;
	struct halo_blk_dev *dev;
	const char *why;
	struct gendisk *gd;
	int ret;

	lockdep_assert_held(&halo_blk_lock);
	if (halo_blk_dev_find(net, cr->name)) {
		NL_SET_ERR_MSG_FMT(extack, "device %s exists", cr->name);
		return -EEXIST;
	}
	if (halo_blk_minor_used(cr->minor)) {
		NL_SET_ERR_MSG_FMT(extack, "minor %u is in use", cr->minor);
		return -EBUSY;
	}
	view = kmalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return -ENOMEM;
	ret = halo_view_get(net, view);
	if (ret) {
		NL_SET_ERR_MSG(extack, "no cluster in this network namespace: create one first");
		goto err_view;
	}

	ret = -ENOMEM;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		goto err_view;
	mutex_init(&dev->lock);
	mutex_init(&dev->bm_io);
	spin_lock_init(&dev->bm_lock);
	halo_blk_conn_init(&dev->conn);
	spin_lock_init(&dev->submit_lock);
	spin_lock_init(&dev->al_lock);
	init_waitqueue_head(&dev->al_wait);
	INIT_LIST_HEAD(&dev->submit_list);
	INIT_WORK(&dev->submit_work, halo_blk_submit_work);
	spin_lock_init(&dev->io_err_lock);
	INIT_WORK(&dev->io_err_work, halo_blk_io_err_work);
	spin_lock_init(&dev->pr_lock);
	INIT_LIST_HEAD(&dev->pr_list);
	INIT_WORK(&dev->pr_work, halo_blk_pr_work);
	dev->submit_wq = alloc_ordered_workqueue("halo_blk%u", WQ_MEM_RECLAIM | WQ_HIGHPRI,
						 cr->minor);
	dev->ack_wq = alloc_workqueue("halo_blk%u_ack", WQ_MEM_RECLAIM | WQ_HIGHPRI,
				      1, cr->minor);
	dev->io_wq = alloc_workqueue("halo_blk%u_io", WQ_MEM_RECLAIM, 0, cr->minor);
	dev->conn.tl = kvcalloc(HALO_BLK_TL_SIZE, sizeof(*dev->conn.tl), GFP_KERNEL);
	if (!dev->submit_wq || !dev->ack_wq || !dev->io_wq || !dev->conn.tl)
		goto err_free;
	dev->net = net;
	dev->node_id = view->local_id;
	dev->minor = cr->minor;
	dev->role = HALO_BLK_ROLE_SECONDARY;
	strscpy(dev->name, cr->name, sizeof(dev->name));
	strscpy(dev->disk_path, cr->disk, sizeof(dev->disk_path));
	strscpy(dev->meta_path, cr->meta ?: "internal", sizeof(dev->meta_path));
	ret = bioset_init(&dev->bs, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS);
	if (ret)
		goto err_free;
	dev->md_page = alloc_page(GFP_KERNEL);
	if (!dev->md_page) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = halo_blk_open_backing(dev, cr->disk, &dev->disk, "backing device", extack);
	if (ret)
		goto err_free;
	if (!cr->meta || !strcmp(cr->meta, "internal")) {
		dev->meta.bdev = dev->disk.bdev;
	} else {
		ret = halo_blk_open_backing(dev, cr->meta, &dev->meta,
					    "metadata device", extack);
		if (ret)
			goto err_free;
		/* the same holder may claim a device twice: refuse it here */
		if (dev->meta.bdev == dev->disk.bdev) {
			halo_bdev_close(&dev->meta);
			dev->meta.bdev = dev->disk.bdev;
			NL_SET_ERR_MSG(extack,
				       "the metadata device is the backing device (use meta-disk internal)");
			ret = -EINVAL;
			goto err_free;
		}
	}
	ret = halo_md_attach(dev, cr, view->cluster, view->local_id, extack);
	if (ret)
		goto err_free;
	dev->disk_state = halo_md_disk_state(&dev->sb);
	/* a running bitmap, or a sync pending: the peer lacks this current */
	dev->alone = dev->sb.gen[HALO_MD_GEN_BITMAP] ||
		     dev->sb.flags & HALO_MD_F_FULL_SYNC;
	ret = halo_blk_bm_alloc(dev);
	if (ret)
		goto err_free;
	ret = halo_blk_bm_read(dev, &why);
	if (ret) {
		NL_SET_ERR_MSG_FMT(extack, "metadata refused: %s", why);
		goto err_free;
	}

	dev->tag_set.ops = &halo_blk_mq_ops;
	dev->tag_set.nr_hw_queues = 1;
	dev->tag_set.queue_depth = HALO_BLK_QUEUE_DEPTH;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = sizeof(struct halo_blk_req);
	dev->tag_set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING;
	dev->tag_set.driver_data = dev;
	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret)
		goto err_free;

	halo_blk_limits(dev, &hl);
	gd = halo_blk_alloc_disk(&dev->tag_set, &hl, dev);
	if (IS_ERR(gd)) {
		ret = PTR_ERR(gd);
		goto err_tags;
	}
	dev->gd = gd;
	gd->major = halo_blk_major;
	gd->first_minor = cr->minor;
	gd->minors = 1;
	gd->fops = &halo_blk_fops;
	gd->private_data = dev;
	gd->flags |= GENHD_FL_NO_PART;
	snprintf(gd->disk_name, DISK_NAME_LEN, "halo%u", cr->minor);
	set_capacity(gd, dev->sb.layout.data_blocks << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT));
	set_disk_ro(gd, true);	/* secondary */
	ret = device_add_disk(NULL, gd, halo_blk_attr_groups);
	if (ret)
		goto err_disk;

	list_add_tail(&dev->list, &halo_blk_devs);
	kfree(view);
	mutex_lock(&dev->lock);
	dev->quorate = halo_quorate(dev->net) == 1;
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	return 0;

err_disk:
	put_disk(gd);
err_tags:
	blk_mq_free_tag_set(&dev->tag_set);
err_free:
	halo_blk_dev_put_backing(dev);
	halo_blk_dev_free(dev);
err_view:
	kfree(view);
	return ret;
}

static void halo_blk_dev_remove(struct halo_blk_dev *dev)
{
	lockdep_assert_held(&halo_blk_lock);
	halo_blk_disconnect(dev);
	list_del(&dev->list);
	/* I/O held for quorum fails: nobody is left to wait for */
	mutex_lock(&dev->lock);
	halo_blk_noq_release(dev);
	mutex_unlock(&dev->lock);
	del_gendisk(dev->gd);	/* waits for I/O; later opens and I/O fail */
	/* what the peer lacks, for the next attach */
	halo_blk_bm_write(dev);
	/* last: its failure is reported too, while the namespace is there */
	cancel_work_sync(&dev->io_err_work);
	blk_mq_free_tag_set(&dev->tag_set);
	halo_blk_dev_put_backing(dev);
	put_disk(dev->gd);	/* dev goes with the last reference */
}

int halo_blk_dev_destroy(struct halo_blk_dev *dev, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&halo_blk_lock);
	mutex_lock(&dev->lock);
	if (dev->role == HALO_BLK_ROLE_PRIMARY) {
		mutex_unlock(&dev->lock);
		NL_SET_ERR_MSG(extack, "device is primary: make it secondary first");
		return -EBUSY;
	}
	mutex_unlock(&dev->lock);
	halo_blk_nl_notify_del(dev);
	halo_blk_dev_remove(dev);
	return 0;
}

/*
 * The namespace is going away, or the module: nobody is left to demote
 * the devices. A primary's superblock keeps its primary flag, as after a
 * crash, which is what it is to the peer.
 */
void halo_blk_dev_destroy_all(struct net *net)
{
	struct halo_blk_dev *dev, *tmp;

	mutex_lock(&halo_blk_lock);
	list_for_each_entry_safe(dev, tmp, &halo_blk_devs, list) {
		if (net && !net_eq(dev->net, net))
			continue;
		halo_blk_nl_notify_del(dev);
		halo_blk_dev_remove(dev);
	}
	mutex_unlock(&halo_blk_lock);
}

/* -- roles ----------------------------------------------------------- */

int halo_blk_dev_primary(struct halo_blk_dev *dev, bool force,
			 struct netlink_ext_ack *extack)
{
	struct halo_md_sb sb;
	bool forced = false;
	int ret = 0;

	mutex_lock(&dev->lock);
	if (dev->role == HALO_BLK_ROLE_PRIMARY)
		goto out;
	if (halo_blk_conn_up(dev->conn.state) &&
	    dev->conn.peer.role == HALO_BLK_ROLE_PRIMARY) {
		if (!dev->conn.two_primaries) {
			NL_SET_ERR_MSG_FMT(extack,
					   "node %u is primary (only one primary at a time): make it secondary first",
					   dev->conn.peer_id);
			ret = -EBUSY;
			goto out;
		}
		if (dev->disk_state != HALO_BLK_DISK_STATE_UPTODATE ||
		    dev->conn.state != HALO_BLK_CONN_STATE_CONNECTED) {
			NL_SET_ERR_MSG_FMT(extack,
					   "node %u is primary: a second needs UpToDate and Connected, not %s/%s",
					   dev->conn.peer_id,
					   halo_blk_disk_state_name(dev->disk_state),
					   halo_blk_conn_state_name(dev->conn.state));
			ret = -EINVAL;
			goto out;
		}
	}
	if (dev->on_no_quorum != HALO_BLK_ON_NO_QUORUM_OFF &&
	    halo_quorate(dev->net) != 1) {
		NL_SET_ERR_MSG(extack,
			       "this node's cluster instance is not quorate (on-no-quorum): no promotion");
		ret = -EAGAIN;
		goto out;
	}
	sb = dev->sb;
	if (dev->disk_state == HALO_BLK_DISK_STATE_DISKLESS &&
	    (!halo_blk_conn_up(dev->conn.state) ||
	     dev->conn.peer.disk_state != HALO_BLK_DISK_STATE_UPTODATE)) {
		NL_SET_ERR_MSG(extack,
			       "disk is Diskless (detached): a primary needs a connected UpToDate peer");
		ret = -EINVAL;
		goto out;
	}
	if (dev->disk_state != HALO_BLK_DISK_STATE_UPTODATE &&
	    dev->disk_state != HALO_BLK_DISK_STATE_DISKLESS) {
		if (!force) {
			NL_SET_ERR_MSG_FMT(extack,
					   "disk is %s: promote with force to make it the newest",
					   halo_blk_disk_state_name(dev->disk_state));
			ret = -EINVAL;
			goto out;
		}
		/* a new generation: this data is now the newest */
		halo_gen_force(sb.gen, get_random_u64() | 1);
		sb.flags |= HALO_MD_F_CONSISTENT | HALO_MD_F_UPTODATE;
		sb.flags &= ~(HALO_MD_F_OUTDATED | HALO_MD_F_OLDER_PRIMARY);
		forced = true;
	}
	sb.flags |= HALO_MD_F_PRIMARY;
	ret = halo_md_write_sb(dev, &sb);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot write the metadata superblock");
		goto out;
	}
	if (dev->disk_state != HALO_BLK_DISK_STATE_DISKLESS)
		dev->disk_state = HALO_BLK_DISK_STATE_UPTODATE;
	/* no peer holds a forced generation */
	if (forced)
		dev->alone = true;
	dev->promoted_alone = forced || !halo_blk_conn_up(dev->conn.state);
	WRITE_ONCE(dev->role, HALO_BLK_ROLE_PRIMARY);
	set_disk_ro(dev->gd, false);
	halo_blk_noq_update(dev);
	halo_blk_repl_state(dev);
	/*
	 * The peer must learn the new generation, and sync from it: the
	 * connection starts over (a second) and the handshake decides.
	 */
	if (forced && halo_blk_conn_up(dev->conn.state))
		halo_blk_conn_kill(dev);
	halo_blk_nl_notify(dev);
out:
	mutex_unlock(&dev->lock);
	return ret;
}

int halo_blk_dev_secondary(struct halo_blk_dev *dev,
			   struct netlink_ext_ack *extack)
{
	struct halo_md_sb sb;
	int ret = 0;

	/*
	 * What the peer's disk may lack yet (protocols A, B): confirmed
	 * first. Not under the device's lock, which the receiver takes; no
	 * write comes meanwhile unless the device is opened, which the
	 * check below refuses.
	 */
	halo_blk_tl_drain(dev);
	mutex_lock(&dev->lock);
	if (dev->role == HALO_BLK_ROLE_SECONDARY)
		goto out;
	if (dev->open_count) {
		NL_SET_ERR_MSG_FMT(extack, "device is held open (%u)", dev->open_count);
		ret = -EBUSY;
		goto out;
	}
	WRITE_ONCE(dev->role, HALO_BLK_ROLE_SECONDARY);
	set_disk_ro(dev->gd, true);
	halo_blk_noq_update(dev);
	/* every write was completed before the last close: make them durable */
	ret = READ_ONCE(dev->detached) ? 0 : blkdev_issue_flush(dev->disk.bdev);
	/* and what the peer lacks of them: a secondary's bitmap is exact */
	if (!ret)
		ret = halo_blk_bm_write(dev);
	if (!ret)
		halo_blk_al_clear(dev);
	sb = dev->sb;
	sb.flags &= ~HALO_MD_F_PRIMARY;
	if (!ret)
		ret = halo_md_write_sb(dev, &sb);
	if (ret)
		/* the primary flag stays: the next attach treats it as a crash */
		NL_SET_ERR_MSG(extack, "secondary, but the metadata could not be written");
	halo_blk_repl_state(dev);
	halo_blk_nl_notify(dev);
out:
	mutex_unlock(&dev->lock);
	return ret;
}
