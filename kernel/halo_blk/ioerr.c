// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Local I/O errors (Documentation/halo_blk.rst, "I/O errors").
 *
 * When the backing or metadata device fails a read or a write, the
 * device's on-io-error decides:
 *
 *  - detach (the default): the disk is given up at once (dev->detached,
 *    read locklessly on the I/O path) and the device is Diskless. The
 *    request that failed is finished by the peer: a write the peer
 *    acknowledged completes without error (the peer's disk has it), a
 *    read is sent to the peer (READ_REQ) and completes with its data.
 *    From then on writes go to the peer only and reads come from it;
 *    without a connected, UpToDate peer they fail.
 *  - pass-on: the error goes to the application, the disk stays.
 *
 * Either way the error is counted, the last one kept (dev show), logged,
 * and sent as a dev-io-error-ntf, the first at once and then at most one
 * a second. The error may come in interrupt context: what needs the
 * device's lock (the state, the event, telling the peer) is io_err_work's.
 *
 * The peer's side: READ_REQs are read from the local disk and answered
 * by prs_work, never by the receiver, which must not wait for send_lock
 * (repl.c). A peer keeps at most its queue depth of them in flight.
 *
 * Locks: io_err_lock (interrupts off) the last error's facts; dev->lock
 * its text and the disk state (io_err_work, which queues the STATE frame
 * and never sends); pr_lock (interrupts off) pr_list; prs_lock prs_list;
 * send_lock in pr_work and prs_work, holding nothing else.
 */

#include "conn.h"
#include "device.h"
#include "netlink.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

/* Record an error of the local disk; any context. */
void halo_blk_io_error(struct halo_blk_dev *dev, bool write, sector_t sector,
		       int err)
{
	unsigned long flags;

	atomic64_inc(&dev->io_errors);
	spin_lock_irqsave(&dev->io_err_lock, flags);
	dev->io_err_write = write;
	dev->io_err_sector = sector;
	dev->io_err_errno = err;
	spin_unlock_irqrestore(&dev->io_err_lock, flags);
	if (READ_ONCE(dev->on_io_error) == HALO_BLK_ON_IO_ERROR_DETACH)
		WRITE_ONCE(dev->detached, true);
	queue_work(dev->io_wq, &dev->io_err_work);
}

void halo_blk_io_err_work(struct work_struct *work)
{
	struct halo_blk_dev *dev = container_of(work, struct halo_blk_dev,
						io_err_work);
	struct halo_blk_conn *conn = &dev->conn;
	bool write, detached, first;
	sector_t sector;
	int err;

	spin_lock_irq(&dev->io_err_lock);
	write = dev->io_err_write;
	sector = dev->io_err_sector;
	err = dev->io_err_errno;
	spin_unlock_irq(&dev->io_err_lock);
	detached = READ_ONCE(dev->detached);

	mutex_lock(&dev->lock);
	first = !dev->io_error[0];
	snprintf(dev->io_error, sizeof(dev->io_error),
		 "%s at sector %llu failed (%d): %s", write ? "write" : "read",
		 (unsigned long long)sector, err,
		 detached ? "detached" : "passed on");
	if (first || time_after(jiffies, dev->io_err_ntf + HZ)) {
		dev->io_err_ntf = jiffies;
		pr_err("%s: local disk: %s (%lld so far)\n", dev->name, dev->io_error,
		       atomic64_read(&dev->io_errors));
		halo_blk_nl_notify_io_error(dev);
	}
	if (detached && dev->disk_state != HALO_BLK_DISK_STATE_DISKLESS) {
		dev->disk_state = HALO_BLK_DISK_STATE_DISKLESS;
		if (conn->peer_id)
			pr_err("%s: the local disk is given up (on-io-error detach): Diskless, I/O goes to node %u\n",
			       dev->name, conn->peer_id);
		else
			pr_err("%s: the local disk is given up (on-io-error detach): Diskless, no peer: I/O fails\n",
			       dev->name);
		halo_blk_repl_state(dev);
		/* a resync or verify cannot go on without the disk: start over */
		if (conn->state == HALO_BLK_CONN_STATE_SYNC_SOURCE ||
		    conn->state == HALO_BLK_CONN_STATE_SYNC_TARGET ||
		    READ_ONCE(conn->ov_state) == HALO_BLK_VERIFY_STATE_RUNNING)
			halo_blk_conn_kill(dev);
		halo_blk_nl_notify(dev);
	}
	mutex_unlock(&dev->lock);
}

/* -- reads from the peer (the Diskless side) -------------------------- */

/* @rq is read from the peer; any context, with its last reference. */
void halo_blk_peer_read(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	unsigned long flags;

	spin_lock_irqsave(&dev->pr_lock, flags);
	list_add_tail(&req->entry, &dev->pr_list);
	spin_unlock_irqrestore(&dev->pr_lock, flags);
	queue_work(dev->io_wq, &dev->pr_work);
}

static void halo_blk_pr_send(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	struct halo_blk_conn *conn = &dev->conn;
	u8 frame[HALO_P_HDR_LEN + HALO_P_READ_REQ_LEN];
	struct halo_p_read_req r = {
		.sector = blk_rq_pos(rq),
		.size = blk_rq_bytes(rq),
	};
	bool asked = false;
	int ret = -ENOTCONN;

	req->status = BLK_STS_OK;
	atomic_set(&req->pending, 1);
	mutex_lock(&conn->send_lock);
	if (conn->send_sock &&
	    READ_ONCE(conn->peer.disk_state) == HALO_BLK_DISK_STATE_UPTODATE) {
		r.id = halo_blk_rq_id(dev, rq);
		set_bit(HALO_BLK_REQ_PEER_READ, &req->flags);
		atomic64_set(&req->ack_key, r.id);
		asked = true;
		halo_blk_ack_flush(dev, false);
		halo_p_hdr_encode(frame, HALO_P_READ_REQ, HALO_P_READ_REQ_LEN);
		halo_p_read_req_encode(&r, frame + HALO_P_HDR_LEN);
		ret = halo_blk_sock_send(conn->send_sock, frame, sizeof(frame));
		if (ret)
			kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	}
	mutex_unlock(&conn->send_lock);
	if (!ret)
		return;
	/* not sent: the request fails, unless halo_blk_pr_down() failed it */
	if (asked && !halo_blk_rq_unanswered(rq))
		return;
	req->status = BLK_STS_IOERR;
	halo_blk_req_put(rq);
}

void halo_blk_pr_work(struct work_struct *work)
{
	struct halo_blk_dev *dev = container_of(work, struct halo_blk_dev, pr_work);
	struct halo_blk_req *req;

	for (;;) {
		spin_lock_irq(&dev->pr_lock);
		req = list_first_entry_or_null(&dev->pr_list, struct halo_blk_req,
					       entry);
		if (req)
			list_del(&req->entry);
		spin_unlock_irq(&dev->pr_lock);
		if (!req)
			return;
		halo_blk_pr_send(dev, blk_mq_rq_from_pdu(req));
	}
}

/* Read and drop @len bytes of a frame nobody waits for. */
static int halo_blk_recv_drop(struct socket *sock, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_WAITALL };
	u8 buf[256];
	struct kvec iov;
	int ret;

	while (len) {
		iov.iov_base = buf;
		iov.iov_len = min_t(u32, len, sizeof(buf));
		iov_iter_kvec(&msg.msg_iter, ITER_DEST, &iov, 1, iov.iov_len);
		ret = sock_recvmsg(sock, &msg, MSG_WAITALL);
		if (ret != iov.iov_len)
			return ret < 0 ? ret : -ECONNRESET;
		len -= ret;
	}
	return 0;
}

/*
 * The receiver: a READ_REPLY's header @r; its data goes straight into the
 * request's pages. -EPROTO: a reply that names no read this side asked
 * for (or of the wrong size); any other error: the connection is gone.
 */
int halo_blk_pr_reply(struct halo_blk_dev *dev, struct socket *sock,
		      const struct halo_p_read_reply *r)
{
	struct request *rq = halo_blk_id_to_rq(dev, r->id);
	struct halo_blk_conn *conn = &dev->conn;
	struct req_iterator iter;
	struct halo_blk_req *req;
	struct msghdr msg;
	struct bio_vec bv;
	int ret;

	if (!rq)
		return -EPROTO;
	req = blk_mq_rq_to_pdu(rq);
	/* a read failed here after it was sent: nobody waits any more */
	if (!test_bit(HALO_BLK_REQ_PEER_READ, &req->flags) ||
	    !halo_blk_rq_awaits(rq, r->id))
		return halo_blk_recv_drop(sock, r->size);
	if (!r->error && r->size != blk_rq_bytes(rq))
		return -EPROTO;
	if (!r->error) {
		rq_for_each_segment(bv, rq, iter) {
			msg = (struct msghdr){ .msg_flags = MSG_WAITALL };
			iov_iter_bvec(&msg.msg_iter, ITER_DEST, &bv, 1, bv.bv_len);
			ret = sock_recvmsg(sock, &msg, MSG_WAITALL);
			if (ret != bv.bv_len)
				/* the request waits on: halo_blk_repl_down() fails it */
				return ret < 0 ? ret : -ECONNRESET;
		}
	}
	if (halo_blk_rq_answered(rq, r->id)) {
		if (r->error) {
			pr_warn_ratelimited("%s: node %u could not read sector %llu for this Diskless node: %d\n",
					    dev->name, conn->peer_id, blk_rq_pos(rq),
					    r->error);
			req->status = BLK_STS_IOERR;
		}
		halo_blk_req_put(rq);
	}
	return 0;
}

static bool halo_blk_pr_fail(struct request *rq, void *data)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (test_bit(HALO_BLK_REQ_PEER_READ, &req->flags) &&
	    halo_blk_rq_unanswered(rq)) {
		req->status = BLK_STS_IOERR;
		halo_blk_req_put(rq);
	}
	return true;
}

/*
 * The connection is gone (send_sock is NULL): reads that waited for the
 * peer fail, and the peer's reads this side had not answered are dropped.
 */
void halo_blk_pr_down(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_prs *p, *tmp;
	LIST_HEAD(list);

	blk_mq_tagset_busy_iter(&dev->tag_set, halo_blk_pr_fail, NULL);
	cancel_work_sync(&conn->prs_work);
	spin_lock(&conn->prs_lock);
	list_splice_init(&conn->prs_list, &list);
	conn->prs_count = 0;
	spin_unlock(&conn->prs_lock);
	list_for_each_entry_safe(p, tmp, &list, entry)
		kfree(p);
}

/* -- the peer's reads (the side with the disk) ------------------------ */

/* The receiver: a READ_REQ. -ENOBUFS: more than the peer's queue depth. */
int halo_blk_prs_queue(struct halo_blk_dev *dev, const struct halo_p_read_req *r)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_prs *p;

	p = kmalloc(sizeof(*p), GFP_NOIO);
	if (!p)
		return -ENOMEM;
	p->r = *r;
	p->gen = conn->gen;	/* the receiver's connection's: stable here */
	spin_lock(&conn->prs_lock);
	if (conn->prs_count >= HALO_BLK_QUEUE_DEPTH) {
		spin_unlock(&conn->prs_lock);
		kfree(p);
		return -ENOBUFS;
	}
	conn->prs_count++;
	list_add_tail(&p->entry, &conn->prs_list);
	spin_unlock(&conn->prs_lock);
	queue_work(dev->io_wq, &conn->prs_work);
	return 0;
}

/* Read @r from the local disk into a new bio's pages; NULL and @err if not. */
static struct bio *halo_blk_prs_read(struct halo_blk_dev *dev,
				     const struct halo_p_read_req *r, int *err)
{
	unsigned int n = DIV_ROUND_UP(r->size, PAGE_SIZE), i;
	struct page *page;
	struct bio *bio;
	u32 chunk;

	bio = bio_alloc(dev->disk.bdev, n, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = r->sector;
	for (i = 0; i < n; i++) {
		chunk = min_t(u32, r->size - i * PAGE_SIZE, PAGE_SIZE);
		page = alloc_page(GFP_NOIO);
		if (!page) {
			*err = -ENOMEM;
			goto fail;
		}
		__bio_add_page(bio, page, chunk, 0);
	}
	*err = submit_bio_wait(bio);
	if (!*err)
		return bio;
	halo_blk_io_error(dev, false, r->sector, *err);
fail:
	halo_blk_free_bio_pages(bio);
	return NULL;
}

static void halo_blk_prs_answer(struct halo_blk_dev *dev, struct halo_blk_prs *p)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 hdr[HALO_P_HDR_LEN + HALO_P_READ_REPLY_HDR];
	struct halo_p_read_reply rr = { .id = p->r.id };
	struct bio *bio = NULL;
	struct msghdr msg;
	struct bio_vec bv;
	unsigned short i;
	u32 left;
	int ret;

	/* only an UpToDate disk answers: the peer must not read stale data */
	if (READ_ONCE(dev->detached) ||
	    READ_ONCE(dev->disk_state) != HALO_BLK_DISK_STATE_UPTODATE)
		rr.error = -ENODATA;
	else
		bio = halo_blk_prs_read(dev, &p->r, &rr.error);
	rr.size = bio ? p->r.size : 0;
	left = rr.size;
	halo_p_hdr_encode(hdr, HALO_P_READ_REPLY, HALO_P_READ_REPLY_HDR + rr.size);
	halo_p_read_reply_encode(&rr, hdr + HALO_P_HDR_LEN);

	mutex_lock(&conn->send_lock);
	if (!conn->send_sock || conn->gen != p->gen)
		goto out;
	halo_blk_ack_flush(dev, false);
	ret = halo_blk_sock_send_more(conn->send_sock, hdr, sizeof(hdr), !!bio);
	/* the pages as added: the completed bio's iterator is used up */
	for (i = 0; !ret && bio && i < bio->bi_vcnt; i++) {
		bv = bio->bi_io_vec[i];
		left -= bv.bv_len;
		msg = (struct msghdr){
			.msg_flags = MSG_NOSIGNAL | (left ? MSG_MORE : 0),
		};
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, bv.bv_len);
		ret = halo_blk_sendmsg(conn->send_sock, &msg);
	}
	if (ret)
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
out:
	mutex_unlock(&conn->send_lock);
	if (bio)
		halo_blk_free_bio_pages(bio);
}

void halo_blk_prs_work(struct work_struct *work)
{
	struct halo_blk_conn *conn = container_of(work, struct halo_blk_conn,
						  prs_work);
	struct halo_blk_dev *dev = container_of(conn, struct halo_blk_dev, conn);
	struct halo_blk_prs *p;

	for (;;) {
		spin_lock(&conn->prs_lock);
		p = list_first_entry_or_null(&conn->prs_list, struct halo_blk_prs,
					     entry);
		if (p) {
			list_del(&p->entry);
			conn->prs_count--;
		}
		spin_unlock(&conn->prs_lock);
		if (!p)
			return;
		halo_blk_prs_answer(dev, p);
		kfree(p);
	}
}
