// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Resync (Documentation/halo_blk.rst, "Resync"): of the blocks the
 * out-of-sync bitmap marks.
 *
 * When the handshake names a sync (gen.c), the target sends the source
 * its bitmap, the non-zero blocks of it (BITMAP frames, then BITMAP_DONE):
 * what the target changed alone must be overwritten too. The source ors
 * it into its own (for a full sync every bit is set), writes the result
 * back to its metadata, and moves its bitmap generation on to a value
 * the target takes, RS_START, with the count of blocks to send. From
 * then on the source's bitmap alone says what is left: the target drops
 * its own. A connection lost midway finds, next time, the target's
 * current generation equal to the source's bitmap one: a bitmap resync,
 * of what the source has not cleared, and nothing sent twice but the
 * chunks in flight.
 *
 * The source sends the marked blocks front to back, each run of them (up
 * to 1 MiB) an RS_DATA frame; the target writes it and answers RS_ACK,
 * and the source clears the run's bits then, unless a write marked one of
 * them again meanwhile. Up to HALO_BLK_RS_WINDOW chunks are in flight: as
 * fast as the link and the two disks allow. When the bitmap is empty, the
 * source marks its disk in sync with the peer and sends SYNC_DONE with
 * its generations; the target takes them and is UpToDate.
 *
 * The primary keeps writing meanwhile. Its writes go to the target as DATA
 * frames, on the same connection, in order. A chunk must not carry older
 * data than a write the target already has: each chunk closes a gate that
 * new writes of /dev/haloN wait at, waits for the writes in flight to
 * complete (their DATA frames are then ahead of it), reads and sends the
 * chunk, and opens the gate. Writes wait for one chunk's read and send at
 * most; between two chunks they go first.
 *
 * The source paces chunks to the rates dev-connect set (see "The rate").
 *
 * Locks: dev->lock guards the state, rs_total, rs_done and the superblock
 * (the receiver takes it at BITMAP_DONE, RS_START and SYNC_DONE, for the
 * metadata); bm_lock (interrupts off) the bitmap's bits and rs_win;
 * send_lock is taken holding neither (halo_blk_rs_send()); a frame sent
 * with dev->lock held is queued (halo_blk_ctl_queue()); RS_START, due when
 * the receiver has the target's bitmap, is the resync thread's first.
 *
 * With csums-alg (DRBD's name), a chunk of at most HALO_P_OV_MAX_BLOCKS
 * blocks goes as RS_CSUM first: the source's checksum of each block, read
 * behind the gate as its data would be. The target compares them with its
 * own blocks, after the writes ahead of the frame, and answers
 * RS_CSUM_REPLY with those that differ. The source clears the others'
 * bits (resync-same counts them): any later write reaches the target as a
 * DATA frame. The differing blocks are read again behind the gate and
 * sent as RS_DATA, a frame per run, and their bits cleared when the last
 * is acknowledged. A resync of blocks that are mostly the same already (a
 * crashed primary's activity-log extents, a verify's finds, a disk put
 * back) then costs reads and checksums, not the link.
 */

#include "conn.h"
#include "device.h"
#include "gen.h"
#include "netlink.h"

#include <linux/blkdev.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/uio.h>

#define HALO_BLK_RS_CHUNK	(HALO_P_MAX_DATA >> HALO_MD_BLOCK_SHIFT)	/* blocks */
/* a device with no request for this long has no application I/O */
#define HALO_BLK_RS_APP_IDLE	HZ

/* -- the gate writes of /dev/haloN pass ------------------------------ */

void halo_blk_gate_open(struct halo_blk_conn *conn)
{
	WRITE_ONCE(conn->rs_gate, false);
	wake_up_all(&conn->rs_wait);
}

void halo_blk_gate_enter(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;

	/* application I/O until it completes, waiting or not ("The rate") */
	atomic_inc(&conn->app_active);
	for (;;) {
		atomic_inc(&conn->app_inflight);
		/* pairs with the barrier in halo_blk_gate_close() */
		smp_mb__after_atomic();
		if (!READ_ONCE(conn->rs_gate))
			return;
		if (atomic_dec_and_test(&conn->app_inflight))
			wake_up_all(&conn->rs_wait);
		wait_event(conn->rs_wait, !READ_ONCE(conn->rs_gate));
	}
}

void halo_blk_gate_leave(struct halo_blk_dev *dev)
{
	unsigned long now = jiffies;

	if (atomic_dec_and_test(&dev->conn.app_inflight))
		wake_up_all(&dev->conn.rs_wait);
	/*
	 * A request that just completed is application I/O of the last
	 * second too: one that waited longer than that would otherwise
	 * leave the resync unthrottled between its completion and the
	 * application's next request ("The rate").
	 */
	if (READ_ONCE(dev->conn.app_seen) != now)
		WRITE_ONCE(dev->conn.app_seen, now);
	atomic_dec(&dev->conn.app_active);
}

/* Close the gate; false (and open) if the resync ended meanwhile. */
bool halo_blk_gate_close(struct halo_blk_conn *conn)
{
	WRITE_ONCE(conn->rs_gate, true);
	/* the gate before the count: halo_blk_gate_enter() does the opposite */
	smp_mb();
	wait_event(conn->rs_wait,
		   !atomic_read(&conn->app_inflight) || READ_ONCE(conn->rs_failed));
	if (!READ_ONCE(conn->rs_failed))
		return true;
	halo_blk_gate_open(conn);
	return false;
}

/* -- the rate --------------------------------------------------------- */

/*
 * With no limit a resync takes what the link and the two disks give. While
 * /dev/haloN has application I/O (a request that arrived or completed
 * within the last second, or one not yet done), it is held to
 * resync-min-rate instead, so that the
 * application's requests do not queue behind resync chunks on the disks
 * and the link, or wait at the gate; when the application goes quiet, the
 * resync takes everything again within a second.
 * resync-max-rate caps it always. The idea of DRBD's c-min-rate, with a
 * fixed pace instead of its controller, and no cap when nothing else needs
 * the link (DRBD's c-max-rate defaults to 100 MiB/s).
 *
 * The application's requests are on the source: a sync target is never
 * primary. Chunks are paced, not bursts: one goes at least its size over
 * the rate after the one before it.
 */

static bool halo_blk_rs_live(struct halo_blk_dev *dev)
{
	return !kthread_should_stop() && !READ_ONCE(dev->conn.rs_failed);
}

/* The rate the next chunk goes at, 0 for no limit. */
static u64 halo_blk_rs_limit(struct halo_blk_conn *conn)
{
	u64 max = READ_ONCE(conn->rs_max_rate), min = READ_ONCE(conn->rs_min_rate);
	/*
	 * A request not yet done counts, waiting at the gate or in flight:
	 * one held there behind a slow chunk, or behind the resync's data on
	 * the link, would otherwise leave a second without a new request,
	 * and the resync would take the link and the disk, which holds the
	 * request back further.
	 */
	bool busy = atomic_read(&conn->app_active) ||
		    jiffies - READ_ONCE(conn->app_seen) < HALO_BLK_RS_APP_IDLE;

	WRITE_ONCE(conn->rs_throttled, busy && min && (!max || min < max));
	if (busy && min)
		return max ? min_t(u64, min, max) : min;
	return max;
}

/* Wait until a chunk of @bytes may go after the last one. */
void halo_blk_rs_pace(struct halo_blk_dev *dev, u32 bytes)
{
	struct halo_blk_conn *conn = &dev->conn;
	u64 limit, now, due;

	for (;;) {
		now = ktime_get_ns();
		limit = halo_blk_rs_limit(conn);
		if (!limit)
			break;
		due = conn->rs_last + div64_u64((u64)bytes * NSEC_PER_SEC, limit);
		if (now >= due || !halo_blk_rs_live(dev))
			break;
		/* a short nap: the application may go quiet meanwhile */
		wait_event_interruptible_timeout(conn->rs_wait, !halo_blk_rs_live(dev),
						 nsecs_to_jiffies(min_t(u64, due - now,
									10 * NSEC_PER_MSEC)) ?: 1);
	}
	conn->rs_last = now;
}

/*
 * A resync or verify thread whose work is done waits for kthread_stop()
 * from whoever reaps it (the stop functions), so that it is never gone
 * before it is stopped.
 */
int halo_blk_thread_park(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* -- the source ------------------------------------------------------- */

/*
 * Read @n blocks from @blk into a new bio's pages, in order, of any page
 * size (layout.h says where block i is; halo_blk_bio_digest() uses it).
 */
struct bio *halo_blk_rs_read(struct halo_blk_dev *dev, u64 blk, u32 n)
{
	u32 bytes = n << HALO_MD_BLOCK_SHIFT;
	u32 pages = halo_layout_pages(bytes, PAGE_SHIFT), i;
	struct bio *bio;
	struct page *page;
	int ret;

	bio = bio_alloc(dev->disk.bdev, pages, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = blk << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT);
	for (i = 0; i < pages; i++) {
		page = alloc_page(GFP_NOIO);
		if (!page)
			goto err;
		__bio_add_page(bio, page, halo_layout_page_len(bytes, PAGE_SHIFT, i), 0);
	}
	ret = submit_bio_wait(bio);
	if (ret) {
		/* the completed bio's iterator has moved on: the start, from @blk */
		halo_blk_io_error(dev, false, blk << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT), ret);
		goto err;
	}
	return bio;
err:
	halo_blk_free_bio_pages(bio);
	return NULL;
}

/* Send a chunk of @n blocks read into @bio as RS_DATA; takes send_lock. */
static int halo_blk_rs_send(struct halo_blk_dev *dev, u64 blk, u32 n, struct bio *bio)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 hdr[HALO_P_HDR_LEN + HALO_P_DATA_HDR];
	struct halo_p_data d = {
		.id = blk,
		.sector = blk << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT),
		.size = n << HALO_MD_BLOCK_SHIFT,
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret = -ENOTCONN;

	lockdep_assert_not_held(&dev->lock);
	halo_p_hdr_encode(hdr, HALO_P_RS_DATA, HALO_P_DATA_HDR + d.size);
	halo_p_data_encode(&d, hdr + HALO_P_HDR_LEN);
	mutex_lock(&conn->send_lock);
	halo_blk_ack_flush(dev, false);
	if (conn->send_sock) {
		ret = halo_blk_sock_send_more(conn->send_sock, hdr, sizeof(hdr), true);
		if (!ret) {
			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bio->bi_io_vec,
				      bio->bi_vcnt, d.size);
			while (!ret && msg_data_left(&msg)) {
				ret = sock_sendmsg(conn->send_sock, &msg);
				ret = ret < 0 ? ret : ret ? 0 : -EPIPE;
			}
		}
		if (ret)
			kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	}
	mutex_unlock(&conn->send_lock);
	return ret;
}

/* Take a free window slot for @n blocks at @blk; under bm_lock. */
static struct halo_blk_rs_chunk *halo_blk_rs_slot(struct halo_blk_conn *conn,
						  u64 blk, u32 n, bool csum)
{
	int i;

	lockdep_assert_held(&container_of(conn, struct halo_blk_dev, conn)->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++) {
		if (!conn->rs_win[i].n) {
			conn->rs_win[i] = (struct halo_blk_rs_chunk){
				.blk = blk, .n = n, .csum = csum,
			};
			return &conn->rs_win[i];
		}
	}
	return NULL;
}

/* Blocks [@start, @end) were marked again: chunks in flight keep them. */
void halo_blk_rs_redirty(struct halo_blk_dev *dev, u64 start, u64 end)
{
	struct halo_blk_rs_chunk *c;
	int i;

	lockdep_assert_held(&dev->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++) {
		c = &dev->conn.rs_win[i];
		if (c->n && c->blk < end && start < c->blk + c->n)
			c->redirty = true;
	}
}

/*
 * The next run of marked blocks at or after *@cursor, a chunk of @csum's
 * size; false at the end.
 */
static bool halo_blk_rs_next(struct halo_blk_dev *dev, u64 *cursor, bool csum,
			     u64 *blk, u32 *n)
{
	struct halo_bm *bm = &dev->bm;
	struct halo_blk_rs_chunk *c;
	bool found = false;

	spin_lock_irq(&dev->bm_lock);
	*blk = halo_bm_next(bm, *cursor);
	if (*blk < bm->nbits) {
		*n = halo_bm_run_end(bm, *blk, *blk + (csum ? HALO_P_OV_MAX_BLOCKS :
							HALO_BLK_RS_CHUNK)) - *blk;
		c = halo_blk_rs_slot(&dev->conn, *blk, *n, csum);
		if (!WARN_ON_ONCE(!c)) {
			*cursor = *blk + *n;
			found = true;
		}
	}
	spin_unlock_irq(&dev->bm_lock);
	return found;
}

/* The chunk at @blk is not in flight after all: its slot goes. */
static void halo_blk_rs_unslot(struct halo_blk_dev *dev, u64 blk)
{
	int i;

	spin_lock_irq(&dev->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++)
		if (dev->conn.rs_win[i].n && dev->conn.rs_win[i].blk == blk)
			dev->conn.rs_win[i].n = 0;
	spin_unlock_irq(&dev->bm_lock);
}

/* The bitmap is empty: this disk is in sync with the target. */
static void halo_blk_rs_finish(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 buf[HALO_P_SYNC_DONE_LEN];
	u64 gen[HALO_MD_GEN_COUNT];
	struct halo_md_sb sb;

	if (halo_blk_bm_write(dev))
		return;
	mutex_lock(&dev->lock);
	sb = dev->sb;
	halo_gen_sync_done_source(sb.gen);
	sb.flags &= ~HALO_MD_F_FULL_SYNC;
	/* a crashed primary's blocks are settled: it crashed no more */
	if (dev->role != HALO_BLK_ROLE_PRIMARY)
		sb.flags &= ~HALO_MD_F_PRIMARY;
	if (halo_md_write_sb(dev, &sb)) {
		mutex_unlock(&dev->lock);
		pr_err("%s: resync done, but the metadata could not be written\n",
		       dev->name);
		return;
	}
	memcpy(gen, dev->sb.gen, sizeof(gen));
	dev->alone = false;
	conn->rs_total = 0;
	WRITE_ONCE(conn->state, HALO_BLK_CONN_STATE_CONNECTED);
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	halo_p_sync_done_encode(gen, buf);
	halo_blk_repl_send(dev, HALO_P_SYNC_DONE, buf, sizeof(buf));
	pr_info("%s: resync to node %u done\n", dev->name, conn->peer_id);
}

/*
 * Read and send the chunk of @n blocks at @blk: as RS_DATA, or with
 * csums-alg @alg as RS_CSUM (@buf its frame). -EIO if it cannot be read
 * here, -ENOTCONN if it could not go.
 */
static int halo_blk_rs_chunk(struct halo_blk_dev *dev, u64 blk, u32 n, u8 alg,
			     u8 *buf)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_ov_req r = { .blk = blk, .n = n, .alg = alg };
	u32 dlen = halo_p_ov_digest_len(alg), i;
	struct bio *bio;
	int ret;

	bio = halo_blk_rs_read(dev, blk, n);
	if (!bio) {
		pr_err("%s: resync: cannot read block %llu here\n", dev->name, blk);
		return -EIO;
	}
	atomic_inc(&conn->rs_inflight);
	if (alg) {
		for (i = 0; i < n; i++)
			halo_blk_bio_digest(alg, bio, i, buf + HALO_P_OV_REQ_HDR + i * dlen);
		halo_p_ov_req_encode(&r, buf);
		ret = halo_blk_repl_send(dev, HALO_P_RS_CSUM, buf,
					 HALO_P_OV_REQ_HDR + n * dlen);
	} else {
		ret = halo_blk_rs_send(dev, blk, n, bio);
		if (!ret)
			WRITE_ONCE(conn->rs_sent,
				   conn->rs_sent + ((u64)n << HALO_MD_BLOCK_SHIFT));
	}
	halo_blk_free_bio_pages(bio);
	return ret ? -ENOTCONN : 0;
}

/*
 * A chunk whose RS_CSUM_REPLY came: send the blocks that differ, a run at
 * a time, each read behind the gate. False if the resync is to end.
 */
static bool halo_blk_rs_csum_data(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_rs_chunk *c = NULL;
	u32 i, j, runs = 0;
	struct bio *bio;
	u64 blk = 0, mask = 0;
	int ret = 0;

	spin_lock_irq(&dev->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++)
		if (conn->rs_win[i].n && conn->rs_win[i].due)
			c = &conn->rs_win[i];
	if (c) {
		c->due = false;
		blk = c->blk;
		mask = c->mask;
		/* every run's frame counted first: an ack may come before the next goes */
		for (i = 0; i < c->n; i++)
			if ((mask & BIT_ULL(i)) && !(i && (mask & BIT_ULL(i - 1))))
				runs++;
		c->runs = runs;
	}
	spin_unlock_irq(&dev->bm_lock);
	if (WARN_ON_ONCE(!c))
		return true;
	atomic_dec(&conn->rs_due);
	for (i = 0; i < HALO_P_OV_MAX_BLOCKS && !ret; i = j) {
		if (!(mask & BIT_ULL(i))) {
			j = i + 1;
			continue;
		}
		for (j = i; j < HALO_P_OV_MAX_BLOCKS && (mask & BIT_ULL(j)); j++)
			;
		halo_blk_rs_pace(dev, (j - i) << HALO_MD_BLOCK_SHIFT);
		if (!halo_blk_rs_live(dev) || !halo_blk_gate_close(conn))
			return false;
		bio = halo_blk_rs_read(dev, blk + i, j - i);
		ret = bio ? halo_blk_rs_send(dev, blk + i, j - i, bio) : -EIO;
		halo_blk_gate_open(conn);
		if (bio)
			halo_blk_free_bio_pages(bio);
		if (!ret)
			WRITE_ONCE(conn->rs_sent,
				   conn->rs_sent + ((u64)(j - i) << HALO_MD_BLOCK_SHIFT));
		else if (ret == -EIO)
			pr_err("%s: resync: cannot read block %llu here\n", dev->name,
			       blk + i);
	}
	if (ret)
		WRITE_ONCE(conn->rs_failed, true);
	return !ret;
}

static int halo_blk_rs_thread(void *arg)
{
	struct halo_blk_dev *dev = arg;
	struct halo_blk_conn *conn = &dev->conn;
	u64 cursor = 0, blk;
	u8 *buf, alg;
	u32 n;
	int ret;

	/*
	 * RS_START first, from here: ahead of every chunk on the socket (a
	 * frame queued by the receiver could wait behind a held ack, and a
	 * chunk overtake it), and never sent by the receiver itself
	 */
	if (halo_blk_repl_send(dev, HALO_P_RS_START, conn->rs_start_frame,
			       sizeof(conn->rs_start_frame))) {
		WRITE_ONCE(conn->rs_failed, true);
		return halo_blk_thread_park();
	}
	buf = kmalloc(HALO_P_OV_REQ_MAX, GFP_KERNEL);
	if (!buf) {
		WRITE_ONCE(conn->rs_failed, true);
		return halo_blk_thread_park();
	}
	while (halo_blk_rs_live(dev)) {
		wait_event_interruptible(conn->rs_wait,
					 atomic_read(&conn->rs_inflight) <
						HALO_BLK_RS_WINDOW ||
					 atomic_read(&conn->rs_due) ||
					 !halo_blk_rs_live(dev));
		if (!halo_blk_rs_live(dev))
			break;
		/* the differing blocks of a compared chunk go first */
		if (atomic_read(&conn->rs_due)) {
			if (!halo_blk_rs_csum_data(dev))
				break;
			continue;
		}
		alg = READ_ONCE(conn->csums_alg);
		if (!halo_blk_rs_next(dev, &cursor, alg, &blk, &n)) {
			/*
			 * The end of a pass: when its chunks are in, the
			 * bitmap is empty, or blocks were marked again
			 * behind the cursor and another pass sends them.
			 */
			wait_event_interruptible(conn->rs_wait,
						 !atomic_read(&conn->rs_inflight) ||
						 atomic_read(&conn->rs_due) ||
						 !halo_blk_rs_live(dev));
			if (!halo_blk_rs_live(dev))
				break;
			if (atomic_read(&conn->rs_due))
				continue;
			if (!halo_blk_bm_weight(dev)) {
				halo_blk_rs_finish(dev);
				break;
			}
			cursor = 0;
			continue;
		}
		halo_blk_rs_pace(dev, n << HALO_MD_BLOCK_SHIFT);
		if (!halo_blk_rs_live(dev) || !halo_blk_gate_close(conn)) {
			halo_blk_rs_unslot(dev, blk);
			break;
		}
		ret = halo_blk_rs_chunk(dev, blk, n, alg, buf);
		halo_blk_gate_open(conn);
		if (ret) {
			if (ret == -EIO)
				halo_blk_rs_unslot(dev, blk);
			WRITE_ONCE(conn->rs_failed, true);
			break;
		}
	}
	kfree(buf);
	return halo_blk_thread_park();
}

/* Clear the bits of @c's blocks in @mask, unless marked again; under bm_lock. */
static void halo_blk_rs_clear(struct halo_blk_dev *dev, struct halo_blk_rs_chunk *c,
			      u64 mask)
{
	u32 i;

	lockdep_assert_held(&dev->bm_lock);
	/* a block marked again meanwhile goes again */
	if (c->redirty)
		return;
	for (i = 0; i < c->n; i++)
		if (mask & BIT_ULL(i))
			halo_bm_clear(&dev->bm, c->blk + i, c->blk + i + 1);
}

/*
 * An RS_ACK: the target wrote the chunk at block @a->id, or a run of
 * differing blocks of a compared chunk (csums-alg).
 */
int halo_blk_rs_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_rs_chunk *c = NULL, *w;
	bool freed = false;
	u32 n = 0;
	int i;

	spin_lock_irq(&dev->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++) {
		w = &conn->rs_win[i];
		if (w->n && (w->csum ? w->runs && w->blk <= a->id && a->id < w->blk + w->n :
			     w->blk == a->id))
			c = w;
	}
	if (c && !c->csum) {
		n = c->n;
		if (!a->error && !c->redirty)
			halo_bm_clear(&dev->bm, c->blk, c->blk + c->n);
		c->n = 0;
		freed = true;
	} else if (c && !--c->runs) {
		/* the last run of a compared chunk */
		n = hweight64(c->mask);
		if (!a->error)
			halo_blk_rs_clear(dev, c, c->mask);
		c->n = 0;
		freed = true;
	}
	spin_unlock_irq(&dev->bm_lock);
	if (!c || atomic_read(&conn->rs_inflight) <= 0)
		return -EPROTO;
	if (a->error) {
		pr_err("%s: resync: the peer could not write block %llu: %d\n",
		       dev->name, a->id, a->error);
		WRITE_ONCE(conn->rs_failed, true);
	}
	mutex_lock(&dev->lock);
	conn->rs_done += n;
	mutex_unlock(&dev->lock);
	if (freed)
		atomic_dec(&conn->rs_inflight);
	wake_up_all(&conn->rs_wait);
	return 0;
}

/*
 * An RS_CSUM_REPLY: the target compared the chunk at @r->blk. The blocks
 * it holds already are done; the thread sends the others.
 */
int halo_blk_rs_csum_reply(struct halo_blk_dev *dev, const struct halo_p_ov_reply *r)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_rs_chunk *c = NULL, *w;
	u64 all = 0, same;
	u32 n = 0;
	int i;

	spin_lock_irq(&dev->bm_lock);
	for (i = 0; i < HALO_BLK_RS_WINDOW; i++) {
		w = &conn->rs_win[i];
		if (w->n && w->csum && !w->due && !w->runs && !w->mask &&
		    w->blk == r->blk && w->n == r->n)
			c = w;
	}
	if (c && !r->error) {
		all = r->n == 64 ? ~0ULL : BIT_ULL(r->n) - 1;
		same = all & ~r->mask;
		n = hweight64(same);
		halo_blk_rs_clear(dev, c, same);
		if (r->mask) {
			c->mask = r->mask;
			c->due = true;
			atomic_inc(&conn->rs_due);
		} else {
			c->n = 0;
		}
	}
	spin_unlock_irq(&dev->bm_lock);
	if (!c || atomic_read(&conn->rs_inflight) <= 0)
		return -EPROTO;
	if (r->error) {
		pr_err("%s: resync: the peer could not read block %llu: %d\n",
		       dev->name, r->blk, r->error);
		WRITE_ONCE(conn->rs_failed, true);
		wake_up_all(&conn->rs_wait);
		return 0;
	}
	mutex_lock(&dev->lock);
	conn->rs_done += n;
	WRITE_ONCE(conn->rs_same, conn->rs_same + ((u64)n << HALO_MD_BLOCK_SHIFT));
	mutex_unlock(&dev->lock);
	if (!r->mask)
		atomic_dec(&conn->rs_inflight);
	wake_up_all(&conn->rs_wait);
	return 0;
}

/*
 * The source's RS_CSUM, on the target's receiver: compare, and answer
 * which blocks differ. -EPROTO unless a resync to this node runs.
 */
int halo_blk_rs_csum_request(struct halo_blk_dev *dev, const struct halo_p_ov_req *r)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_ov_reply rep;
	u8 buf[HALO_P_OV_REPLY_LEN];

	if (READ_ONCE(conn->state) != HALO_BLK_CONN_STATE_SYNC_TARGET ||
	    !READ_ONCE(conn->rs_total))
		return -EPROTO;
	halo_blk_csum_compare(dev, r, &rep, "resync");
	if (!rep.error) {
		mutex_lock(&dev->lock);
		conn->rs_done += r->n - hweight64(rep.mask);
		mutex_unlock(&dev->lock);
	}
	halo_p_ov_reply_encode(&rep, buf);
	return halo_blk_ack_queue(dev, HALO_P_RS_CSUM_REPLY, buf, sizeof(buf), false);
}

/* -- both sides --------------------------------------------------------- */

static void halo_blk_rs_reset(struct halo_blk_conn *conn)
{
	conn->rs_total = 0;
	conn->rs_done = 0;
	conn->rs_start = jiffies;
	conn->rs_bm_done = false;
	conn->rs_bm_frames = 0;
	WRITE_ONCE(conn->rs_failed, false);
	atomic_set(&conn->rs_inflight, 0);
	atomic_set(&conn->rs_due, 0);
	memset(conn->rs_win, 0, sizeof(conn->rs_win));
	conn->rs_last = 0;
	WRITE_ONCE(conn->rs_throttled, false);
}

/* Send the target's bitmap, its non-zero blocks, then BITMAP_DONE. */
static int halo_blk_rs_send_bitmap(struct halo_blk_dev *dev, bool full)
{
	struct halo_bm *bm = &dev->bm;
	u8 *buf, done[HALO_P_BITMAP_DONE_LEN];
	u64 k, sent = 0;
	bool any;
	int ret = 0;

	buf = kmalloc(HALO_P_BITMAP_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/* a full sync sends every block: the source needs none of these */
	for (k = 0; !full && k < bm->nblocks && !ret; k++) {
		spin_lock_irq(&dev->bm_lock);
		any = halo_bm_block_any(bm, k);
		if (any) {
			/* the copy sent, not the one on disk: dirty stays as it was */
			bool dirty = bm->dirty[k / 64] & (1ULL << (k % 64));

			halo_bm_block_get(bm, k, buf + 8);
			if (dirty)
				bm->dirty[k / 64] |= 1ULL << (k % 64);
		}
		spin_unlock_irq(&dev->bm_lock);
		if (!any)
			continue;
		halo_p_u64_encode(k, buf);
		ret = halo_blk_repl_send(dev, HALO_P_BITMAP, buf, HALO_P_BITMAP_LEN);
		sent++;
	}
	kfree(buf);
	if (ret)
		return ret;
	halo_p_u64_encode(sent, done);
	return halo_blk_repl_send(dev, HALO_P_BITMAP_DONE, done, sizeof(done));
}

/*
 * Connected with @verdict: a resync begins. The target says so on its
 * disk, then sends its bitmap; the source waits for it (below). Called by
 * the connection thread.
 */
void halo_blk_rs_start(struct halo_blk_dev *dev, enum halo_gen_verdict verdict)
{
	struct halo_blk_conn *conn = &dev->conn;
	bool full = verdict == HALO_GEN_FULL_SOURCE ||
		    verdict == HALO_GEN_FULL_TARGET;
	bool source = verdict == HALO_GEN_FULL_SOURCE ||
		      verdict == HALO_GEN_BITMAP_SOURCE;
	bool target = verdict == HALO_GEN_FULL_TARGET ||
		      verdict == HALO_GEN_BITMAP_TARGET;
	struct halo_md_sb sb;

	mutex_lock(&dev->lock);
	halo_blk_rs_reset(conn);
	if (!source && !target) {
		/* the same data on both: nothing written alone any more */
		if (verdict == HALO_GEN_NONE)
			dev->alone = false;
		mutex_unlock(&dev->lock);
		return;
	}
	if (source) {
		if (full)
			halo_blk_bm_mark_all(dev);
		WRITE_ONCE(conn->state, HALO_BLK_CONN_STATE_SYNC_SOURCE);
		halo_blk_nl_notify(dev);
		mutex_unlock(&dev->lock);
		return;
	}
	/* until done, a crash must leave this disk Inconsistent */
	sb = dev->sb;
	sb.flags &= ~(HALO_MD_F_CONSISTENT | HALO_MD_F_UPTODATE);
	if (!halo_md_write_sb(dev, &sb))
		dev->disk_state = HALO_BLK_DISK_STATE_INCONSISTENT;
	WRITE_ONCE(conn->state, HALO_BLK_CONN_STATE_SYNC_TARGET);
	halo_blk_repl_state(dev);
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	halo_blk_rs_send_bitmap(dev, full);
}

/* The source: a block of the target's bitmap. */
int halo_blk_rs_bitmap(struct halo_blk_dev *dev, const u8 *payload, u32 len)
{
	const char *why;
	u64 k;
	int ret;

	if (READ_ONCE(dev->conn.state) != HALO_BLK_CONN_STATE_SYNC_SOURCE ||
	    dev->conn.rs_bm_done)
		return -EPROTO;
	if (halo_p_bitmap_decode(payload, len, &k, &why))
		return -EPROTO;
	spin_lock_irq(&dev->bm_lock);
	ret = halo_bm_block_put(&dev->bm, k, payload + 8, true);
	spin_unlock_irq(&dev->bm_lock);
	dev->conn.rs_bm_frames++;
	return ret;
}

/*
 * The source: the target's bitmap is all in. Write the union back, move
 * the bitmap generation on to what the target takes, tell it, and start
 * sending.
 */
int halo_blk_rs_bitmap_done(struct halo_blk_dev *dev, u64 frames)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_rs_start rs;
	struct halo_md_sb sb;
	struct task_struct *t;
	int ret;

	/* a bitmap with frames lost or added must not be taken for whole */
	if (READ_ONCE(conn->state) != HALO_BLK_CONN_STATE_SYNC_SOURCE ||
	    conn->rs_bm_done || frames != conn->rs_bm_frames)
		return -EPROTO;
	conn->rs_bm_done = true;
	ret = halo_blk_bm_write(dev);
	mutex_lock(&dev->lock);
	sb = dev->sb;
	rs.gen = halo_gen_sync_start_source(sb.gen, conn->peer.gen[HALO_MD_GEN_CURRENT],
					    get_random_u64() | 1);
	/* the bitmap on disk says it all now */
	if (!ret)
		sb.flags &= ~HALO_MD_F_FULL_SYNC;
	if (!ret)
		ret = halo_md_write_sb(dev, &sb);
	if (ret) {
		mutex_unlock(&dev->lock);
		pr_err("%s: cannot start a resync: the metadata could not be written\n",
		       dev->name);
		return ret;
	}
	rs.blocks = halo_blk_bm_weight(dev);
	conn->rs_total = rs.blocks;
	conn->rs_start = jiffies;
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	/* the resync thread sends it, first */
	halo_p_rs_start_encode(&rs, conn->rs_start_frame);
	pr_info("%s: resync to node %u: %llu KiB\n", dev->name, conn->peer_id,
		rs.blocks << (HALO_MD_BLOCK_SHIFT - 10));
	t = kthread_run(halo_blk_rs_thread, dev, "halo_blk%u_rs", dev->minor);
	if (IS_ERR(t)) {
		WRITE_ONCE(conn->rs_failed, true);
		return PTR_ERR(t);
	}
	conn->rs_thread = t;
	return 0;
}

/*
 * The target: the source has the union of both bitmaps on its disk and
 * begins. This disk takes generation @gen until done, and drops its own
 * bitmap: the source's says what is left.
 */
int halo_blk_rs_begin(struct halo_blk_dev *dev, u64 gen, u64 total)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_md_sb sb;
	int ret;

	mutex_lock(&dev->lock);
	if (READ_ONCE(conn->state) != HALO_BLK_CONN_STATE_SYNC_TARGET ||
	    conn->rs_total) {
		mutex_unlock(&dev->lock);
		return -EPROTO;
	}
	conn->rs_total = total ?: 1;	/* 0 means none runs */
	conn->rs_done = total ? 0 : 1;
	conn->rs_start = jiffies;
	mutex_unlock(&dev->lock);

	halo_blk_bm_clear_all(dev);
	ret = halo_blk_bm_write(dev);
	mutex_lock(&dev->lock);
	sb = dev->sb;
	halo_gen_sync_start_target(sb.gen, gen);
	if (!ret)
		sb.flags &= ~HALO_MD_F_FULL_SYNC;
	ret = halo_md_write_sb(dev, &sb);
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	if (ret)
		pr_err("%s: resync: the metadata could not be written\n", dev->name);
	return 0;
}

/* The connection is going: stop a resync of either side. */
void halo_blk_rs_stop(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;

	WRITE_ONCE(conn->rs_failed, true);
	wake_up_all(&conn->rs_wait);
	if (conn->rs_thread) {
		kthread_stop(conn->rs_thread);
		conn->rs_thread = NULL;
	}
	halo_blk_gate_open(conn);
	spin_lock_irq(&dev->bm_lock);
	memset(conn->rs_win, 0, sizeof(conn->rs_win));
	spin_unlock_irq(&dev->bm_lock);
	mutex_lock(&dev->lock);
	conn->rs_total = 0;
	mutex_unlock(&dev->lock);
	/* what is left, and what was written alone meanwhile, on disk */
	halo_blk_bm_write(dev);
}

/* SYNC_DONE on the target: take the source's generations, UpToDate. */
int halo_blk_rs_done(struct halo_blk_dev *dev, const u64 *source)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_md_sb sb;
	int ret;

	mutex_lock(&dev->lock);
	if (conn->state != HALO_BLK_CONN_STATE_SYNC_TARGET || !conn->rs_total) {
		mutex_unlock(&dev->lock);
		return -EPROTO;
	}
	sb = dev->sb;
	halo_gen_sync_done_target(sb.gen, source);
	sb.flags |= HALO_MD_F_CONSISTENT | HALO_MD_F_UPTODATE;
	sb.flags &= ~(HALO_MD_F_FULL_SYNC | HALO_MD_F_OUTDATED);
	if (dev->role != HALO_BLK_ROLE_PRIMARY)
		sb.flags &= ~HALO_MD_F_PRIMARY;
	ret = halo_md_write_sb(dev, &sb);
	if (!ret)
		dev->disk_state = HALO_BLK_DISK_STATE_UPTODATE;
	dev->alone = false;
	conn->rs_total = 0;
	WRITE_ONCE(conn->state, HALO_BLK_CONN_STATE_CONNECTED);
	halo_blk_repl_state(dev);
	halo_blk_nl_notify(dev);
	mutex_unlock(&dev->lock);
	if (ret)
		pr_err("%s: resync done, but the metadata could not be written\n",
		       dev->name);
	else
		pr_info("%s: resync from node %u done: UpToDate\n", dev->name,
			conn->peer_id);
	return 0;
}

/* The target wrote an RS_DATA chunk of @bytes. */
void halo_blk_rs_written(struct halo_blk_dev *dev, u32 bytes)
{
	mutex_lock(&dev->lock);
	dev->conn.rs_done += bytes >> HALO_MD_BLOCK_SHIFT;
	WRITE_ONCE(dev->conn.rs_received, dev->conn.rs_received + bytes);
	mutex_unlock(&dev->lock);
}

/* Bytes per second since the resync began, 0 if none runs. */
u64 halo_blk_rs_rate(const struct halo_blk_dev *dev)
{
	const struct halo_blk_conn *conn = &dev->conn;
	unsigned long ms;

	if (!conn->rs_total)
		return 0;
	ms = jiffies_to_msecs(jiffies - conn->rs_start) ?: 1;
	return div_u64((conn->rs_done << HALO_MD_BLOCK_SHIFT) * 1000, ms);
}
