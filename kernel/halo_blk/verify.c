// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Online verify (Documentation/halo_blk.rst, "Online verify"): compare
 * every block with the peer's while the device is in use, by checksum.
 *
 * The node it runs on, the verify source, reads a range of up to
 * HALO_P_OV_MAX_BLOCKS blocks, checksums each block and sends the
 * checksums (OV_REQUEST); the peer reads the same blocks, compares, marks
 * those that differ in its bitmap and answers which they were (OV_REPLY);
 * the source marks them too. Up to HALO_BLK_OV_WINDOW ranges are in
 * flight. The bitmaps of both then name the blocks, and the next resync
 * sends them (gen.c, rule 44).
 *
 * Verify reads both disks as a resync does, at the same rates
 * (resync-max-rate, and resync-min-rate under application I/O).
 *
 * Writes do not make false differences. The source is the only node that
 * writes (dev-verify is refused on a secondary whose peer is primary, and
 * with two primaries). Each range is read and sent behind the gate of
 * resync.c: the writes that completed before it have their DATA frames
 * ahead of the OV_REQUEST on the connection, and the peer applies frames
 * in order, so both nodes read the same writes; a write after it reaches
 * the peer after its read.
 *
 * Locks: ov_mutex (start and stop), then dev->lock (the state, the window,
 * the counters); OV_REQUEST is sent holding neither.
 */

#include "conn.h"
#include "device.h"
#include "netlink.h"

#include <crypto/sha2.h>
#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/kthread.h>

#define HALO_BLK_OV_DRAIN	(5 * HZ)

/* The checksum of the block in @page (verify, and a resync's csums-alg). */
/* The digest of 4 KiB block @i of a bio from halo_blk_rs_read(). */
void halo_blk_bio_digest(u8 alg, struct bio *bio, u32 i, u8 *out)
{
	u32 page, offset;
	void *p;

	halo_layout_block(i, PAGE_SHIFT, &page, &offset);
	p = kmap_local_page(bio->bi_io_vec[page].bv_page);
	if (alg == HALO_BLK_VERIFY_ALG_SHA256)
		sha256(p + offset, HALO_MD_BLOCK, out);
	else
		put_unaligned_be32(crc32c(~0, p + offset, HALO_MD_BLOCK), out);
	kunmap_local(p);
}

/* The verify is over: @state, and why if it stopped. The device's lock held. */
static void halo_blk_ov_end(struct halo_blk_dev *dev, u32 state, const char *why)
{
	struct halo_blk_conn *conn = &dev->conn;

	lockdep_assert_held(&dev->lock);
	if (conn->ov_state != HALO_BLK_VERIFY_STATE_RUNNING)
		return;
	conn->ov_state = state;
	strscpy(conn->ov_reason, why ?: "", sizeof(conn->ov_reason));
	halo_blk_nl_notify(dev);
	if (state == HALO_BLK_VERIFY_STATE_DONE)
		pr_info("%s: verify done: %llu KiB out of sync\n", dev->name,
			conn->ov_found << (HALO_MD_BLOCK_SHIFT - 10));
	else
		pr_info("%s: verify stopped at %llu KiB: %s\n", dev->name,
			conn->ov_done << (HALO_MD_BLOCK_SHIFT - 10), why);
}

static bool halo_blk_ov_live(struct halo_blk_conn *conn)
{
	return !kthread_should_stop() && !READ_ONCE(conn->ov_failed);
}

/* Read, checksum and send the range at @blk: behind the gate. */
static int halo_blk_ov_send(struct halo_blk_dev *dev, u8 *buf, u64 blk, u32 n)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_ov_req r = { .blk = blk, .n = n, .alg = conn->ov_alg };
	u32 dlen = halo_p_ov_digest_len(r.alg), i;
	struct bio *bio;
	int ret, slot;

	bio = halo_blk_rs_read(dev, blk, n);
	if (!bio)
		return -EIO;
	for (i = 0; i < n; i++)
		halo_blk_bio_digest(r.alg, bio, i, buf + HALO_P_OV_REQ_HDR + i * dlen);
	halo_blk_free_bio_pages(bio);
	halo_p_ov_req_encode(&r, buf);

	mutex_lock(&dev->lock);
	for (slot = 0; slot < HALO_BLK_OV_WINDOW; slot++)
		if (!conn->ov_win[slot].n)
			break;
	if (WARN_ON_ONCE(slot == HALO_BLK_OV_WINDOW)) {
		mutex_unlock(&dev->lock);
		return -EPROTO;
	}
	conn->ov_win[slot].blk = blk;
	conn->ov_win[slot].n = n;
	atomic_inc(&conn->ov_inflight);
	mutex_unlock(&dev->lock);
	ret = halo_blk_repl_send(dev, HALO_P_OV_REQUEST, buf,
				 HALO_P_OV_REQ_HDR + n * dlen);
	return ret;
}

static int halo_blk_ov_thread(void *arg)
{
	struct halo_blk_dev *dev = arg;
	struct halo_blk_conn *conn = &dev->conn;
	u64 blk = 0, nbits = dev->bm.nbits;
	const char *why = NULL;
	u8 *buf;
	u32 n;
	int ret;

	buf = kmalloc(HALO_P_OV_REQ_MAX, GFP_KERNEL);
	if (!buf)
		why = "out of memory";
	while (buf && blk < nbits && halo_blk_ov_live(conn)) {
		wait_event_interruptible(conn->rs_wait,
					 atomic_read(&conn->ov_inflight) <
						HALO_BLK_OV_WINDOW ||
					 !halo_blk_ov_live(conn));
		if (!halo_blk_ov_live(conn))
			break;
		n = min_t(u64, HALO_P_OV_MAX_BLOCKS, nbits - blk);
		/* both disks read what is verified: as much as a resync */
		halo_blk_rs_pace(dev, n << HALO_MD_BLOCK_SHIFT);
		if (!halo_blk_ov_live(conn))
			break;
		if (!halo_blk_gate_close(conn))
			break;
		ret = halo_blk_ov_send(dev, buf, blk, n);
		halo_blk_gate_open(conn);
		if (ret) {
			why = ret == -EIO ? "a block could not be read here" :
					    "the connection went";
			break;
		}
		blk += n;
	}
	kfree(buf);
	/* the replies to what went */
	wait_event_interruptible(conn->rs_wait, !atomic_read(&conn->ov_inflight) ||
				 !halo_blk_ov_live(conn));
	if (READ_ONCE(conn->ov_found))
		halo_blk_bm_write(dev);
	mutex_lock(&dev->lock);
	if (!why && blk == nbits && !atomic_read(&conn->ov_inflight) &&
	    !conn->ov_failed && !kthread_should_stop())
		halo_blk_ov_end(dev, HALO_BLK_VERIFY_STATE_DONE, NULL);
	else
		halo_blk_ov_end(dev, HALO_BLK_VERIFY_STATE_STOPPED,
				why ?: "the connection went");
	mutex_unlock(&dev->lock);

	return halo_blk_thread_park();
}

/* Stop a verify this node runs, and reap its thread; @why if it ran. */
void halo_blk_ov_stop(struct halo_blk_dev *dev, const char *why)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct task_struct *t;

	mutex_lock(&conn->ov_mutex);
	mutex_lock(&dev->lock);
	t = conn->ov_thread;
	conn->ov_thread = NULL;
	WRITE_ONCE(conn->ov_failed, true);
	halo_blk_ov_end(dev, HALO_BLK_VERIFY_STATE_STOPPED, why);
	mutex_unlock(&dev->lock);
	wake_up_all(&conn->rs_wait);
	if (t)
		kthread_stop(t);
	mutex_unlock(&conn->ov_mutex);
}

int halo_blk_ov_start(struct halo_blk_dev *dev, u8 alg,
		      struct netlink_ext_ack *extack)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct task_struct *t, *old;
	int ret = 0;

	mutex_lock(&conn->ov_mutex);
	mutex_lock(&dev->lock);
	if (conn->ov_state == HALO_BLK_VERIFY_STATE_RUNNING) {
		NL_SET_ERR_MSG(extack, "a verify runs already: dev-verify verify-stop ends it");
		ret = -EBUSY;
	} else if (READ_ONCE(conn->state) != HALO_BLK_CONN_STATE_CONNECTED) {
		NL_SET_ERR_MSG(extack,
			       "the device is not Connected (verify needs the peer, and no resync running)");
		ret = -ENOTCONN;
	} else if (dev->disk_state != HALO_BLK_DISK_STATE_UPTODATE ||
		   conn->peer.disk_state != HALO_BLK_DISK_STATE_UPTODATE) {
		NL_SET_ERR_MSG(extack, "verify needs both disks UpToDate");
		ret = -EINVAL;
	} else if (conn->peer.role == HALO_BLK_ROLE_PRIMARY) {
		NL_SET_ERR_MSG(extack,
			       "the peer is primary: run the verify there (its writes would differ here)");
		ret = -EINVAL;
	}
	old = conn->ov_thread;
	if (!ret)
		conn->ov_thread = NULL;
	mutex_unlock(&dev->lock);
	if (ret)
		goto out;
	if (old)
		kthread_stop(old);
	/*
	 * The replies to a stopped verify's last requests: a reply to a
	 * range not asked for ends the connection. Connected, they come
	 * within a round trip.
	 */
	wait_event_timeout(conn->rs_wait, !atomic_read(&conn->ov_inflight),
			   HALO_BLK_OV_DRAIN);

	mutex_lock(&dev->lock);
	conn->ov_alg = alg;
	conn->ov_done = 0;
	conn->ov_found = 0;
	conn->ov_reason[0] = '\0';
	WRITE_ONCE(conn->ov_failed, false);
	atomic_set(&conn->ov_inflight, 0);
	memset(conn->ov_win, 0, sizeof(conn->ov_win));
	conn->ov_state = HALO_BLK_VERIFY_STATE_RUNNING;
	t = kthread_run(halo_blk_ov_thread, dev, "halo_blk%u_ov", dev->minor);
	if (IS_ERR(t)) {
		conn->ov_state = 0;
		ret = PTR_ERR(t);
		NL_SET_ERR_MSG(extack, "cannot start the verify thread");
	} else {
		conn->ov_thread = t;
		halo_blk_nl_notify(dev);
		pr_info("%s: verify with node %u (%s)\n", dev->name,
			conn->peer_id, alg == HALO_BLK_VERIFY_ALG_SHA256 ?
			"sha256" : "crc32c");
	}
	mutex_unlock(&dev->lock);
out:
	mutex_unlock(&conn->ov_mutex);
	return ret;
}

/* An OV_REPLY: the peer compared the range at @r->blk. */
int halo_blk_ov_reply(struct halo_blk_dev *dev, const struct halo_p_ov_reply *r)
{
	struct halo_blk_conn *conn = &dev->conn;
	int slot;
	u32 i;

	mutex_lock(&dev->lock);
	for (slot = 0; slot < HALO_BLK_OV_WINDOW; slot++)
		if (conn->ov_win[slot].n == r->n && conn->ov_win[slot].blk == r->blk)
			break;
	if (slot == HALO_BLK_OV_WINDOW) {
		mutex_unlock(&dev->lock);
		return -EPROTO;
	}
	conn->ov_win[slot].n = 0;
	if (r->error) {
		WRITE_ONCE(conn->ov_failed, true);
		halo_blk_ov_end(dev, HALO_BLK_VERIFY_STATE_STOPPED,
				"the peer could not read a block");
	}
	for (i = 0; i < r->n; i++)
		if (r->mask & BIT_ULL(i))
			halo_blk_bm_mark(dev, (r->blk + i) << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT),
					 HALO_MD_BLOCK);
	WRITE_ONCE(conn->ov_found, conn->ov_found + hweight64(r->mask));
	conn->ov_done += r->n;
	atomic_dec(&conn->ov_inflight);
	mutex_unlock(&dev->lock);
	wake_up_all(&conn->rs_wait);
	return 0;
}

/*
 * The peer's checksums of the blocks @r names (OV_REQUEST, RS_CSUM): read
 * them here and compare, into @rep. @what names the caller in the log.
 */
void halo_blk_csum_compare(struct halo_blk_dev *dev, const struct halo_p_ov_req *r,
			   struct halo_p_ov_reply *rep, const char *what)
{
	u32 dlen = halo_p_ov_digest_len(r->alg), i;
	u8 mine[HALO_P_OV_DIGEST_MAX];
	struct bio *bio;

	*rep = (struct halo_p_ov_reply){ .blk = r->blk, .n = r->n };
	bio = halo_blk_rs_read(dev, r->blk, r->n);
	if (!bio) {
		pr_err("%s: %s: cannot read block %llu here\n", dev->name, what, r->blk);
		rep->error = -EIO;
		return;
	}
	for (i = 0; i < r->n; i++) {
		halo_blk_bio_digest(r->alg, bio, i, mine);
		if (memcmp(mine, r->digests + i * dlen, dlen))
			rep->mask |= BIT_ULL(i);
	}
	halo_blk_free_bio_pages(bio);
}

/*
 * The peer's OV_REQUEST, on the receiver: compare, mark what differs here
 * and answer. Refused unless Connected (no resync runs).
 */
int halo_blk_ov_request(struct halo_blk_dev *dev, const struct halo_p_ov_req *r)
{
	struct halo_p_ov_reply rep;
	u8 buf[HALO_P_OV_REPLY_LEN];
	u32 i;

	if (READ_ONCE(dev->conn.state) != HALO_BLK_CONN_STATE_CONNECTED)
		return -EPROTO;
	halo_blk_csum_compare(dev, r, &rep, "verify");
	for (i = 0; i < r->n; i++)
		if (rep.mask & BIT_ULL(i))
			halo_blk_bm_mark(dev, (r->blk + i) << (HALO_MD_BLOCK_SHIFT - SECTOR_SHIFT),
					 HALO_MD_BLOCK);
	/* rare: on the disk at once, as the source does at its end */
	if (rep.mask)
		halo_blk_bm_write(dev);
	halo_p_ov_reply_encode(&rep, buf);
	return halo_blk_ack_queue(dev, HALO_P_OV_REPLY, buf, sizeof(buf), false);
}
