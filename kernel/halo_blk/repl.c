// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Replicated writes (Documentation/halo_blk.rst, "Writes").
 *
 * On the primary, every write (and flush, discard, write-zeroes) of
 * /dev/haloN goes to the local disk and, while connected, as a DATA frame
 * to the peer. The request completes when the local disk has it and:
 * protocol A, the frame is in the send buffer; B, the peer's RECV_ACK
 * arrived; C, its WRITE_ACK (the peer's disk has it). Frames go out under
 * send_lock, in the order the requests reach the device; the peer applies
 * them in that order, one at a time, so a write that depends on another
 * having completed lands after it there too.
 *
 * A frame's id is the connection's generation and the request's tag: an
 * ack names the request it completes, and an ack from an earlier
 * connection names none. When the connection goes, the requests still
 * waiting for the peer complete with their local result (their data is on
 * the local disk; what the peer lacks is for the resync to send).
 */

#include "conn.h"
#include "device.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

static int halo_blk_sendmsg(struct socket *sock, struct msghdr *msg)
{
	int ret;

	while (msg_data_left(msg)) {
		ret = sock_sendmsg(sock, msg);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
}

int halo_blk_sock_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, len);
	return halo_blk_sendmsg(sock, &msg);
}

/* The request's data, segment by segment. */
static int halo_blk_send_rq_data(struct socket *sock, struct request *rq)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct req_iterator iter;
	struct bio_vec bv;
	int ret;

	rq_for_each_segment(bv, rq, iter) {
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, bv.bv_len);
		ret = halo_blk_sendmsg(sock, &msg);
		if (ret)
			return ret;
	}
	return 0;
}

static void halo_blk_peer_done(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (test_and_clear_bit(HALO_BLK_REQ_PEER, &req->flags))
		halo_blk_req_put(rq);
}

/*
 * Send @rq to the peer if connected; called from queue_rq with a
 * reference on the request's completion held. Without a peer the write
 * stays local: see halo_blk_write_alone().
 */
void halo_blk_repl_write(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	u8 hdr[HALO_P_HDR_LEN + HALO_P_DATA_HDR];
	struct halo_p_data d = {};
	bool wait, nodata = false;
	int ret;

	switch (req_op(rq)) {
	case REQ_OP_FLUSH:
		d.flags = HALO_P_DF_FLUSH;
		nodata = true;
		break;
	case REQ_OP_DISCARD:
		d.flags = HALO_P_DF_DISCARD;
		nodata = true;
		break;
	case REQ_OP_WRITE_ZEROES:
		d.flags = HALO_P_DF_ZEROES;
		nodata = true;
		break;
	case REQ_OP_WRITE:
		break;
	default:
		return;
	}
	if (rq->cmd_flags & REQ_FUA)
		d.flags |= HALO_P_DF_FUA;
	if (rq->cmd_flags & REQ_PREFLUSH)
		d.flags |= HALO_P_DF_FLUSH;
	/*
	 * A flush names no sector: the block layer's flush request has
	 * (sector_t)-1 there (blk_rq_init()), which the peer rightly refuses.
	 */
	if (req_op(rq) != REQ_OP_FLUSH) {
		d.sector = blk_rq_pos(rq);
		d.size = blk_rq_bytes(rq);
	}

	mutex_lock(&conn->send_lock);
	if (!conn->send_sock) {
		mutex_unlock(&conn->send_lock);
		halo_blk_write_alone(dev);
		return;
	}
	d.id = (u64)conn->gen << 32 | rq->tag;
	wait = conn->protocol != HALO_P_PROTO_A;
	if (wait) {
		req->peer_id = d.id;
		atomic_inc(&req->pending);
		set_bit(HALO_BLK_REQ_PEER, &req->flags);
	}
	halo_p_hdr_encode(hdr, HALO_P_DATA,
			  HALO_P_DATA_HDR + (nodata ? 0 : d.size));
	halo_p_data_encode(&d, hdr + HALO_P_HDR_LEN);
	ret = halo_blk_sock_send(conn->send_sock, hdr, sizeof(hdr));
	if (!ret && !nodata)
		ret = halo_blk_send_rq_data(conn->send_sock, rq);
	if (ret) {
		/* the receiver notices too, and ends the connection */
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	}
	mutex_unlock(&conn->send_lock);
	if (ret && wait)
		halo_blk_peer_done(rq);
	if (ret)
		halo_blk_write_alone(dev);
}

/* An ack from the peer: complete the request it names, if it still waits. */
int halo_blk_repl_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a)
{
	struct halo_blk_conn *conn = &dev->conn;
	u32 tag = lower_32_bits(a->id);
	struct halo_blk_req *req;
	struct request *rq;

	if (upper_32_bits(a->id) != conn->gen ||
	    tag >= dev->tag_set.queue_depth)
		return -EPROTO;
	rq = blk_mq_tag_to_rq(dev->tag_set.tags[0], tag);
	if (!rq)
		return -EPROTO;
	req = blk_mq_rq_to_pdu(rq);
	if (req->peer_id != a->id || !test_bit(HALO_BLK_REQ_PEER, &req->flags))
		return 0;	/* a late ack of a request completed meanwhile */
	if (a->error)
		/* the local disk has it: the peer's lacks it (resync) */
		halo_blk_write_alone(dev);
	halo_blk_peer_done(rq);
	return 0;
}

static bool halo_blk_fail_peer(struct request *rq, void *data)
{
	halo_blk_peer_done(rq);
	return true;
}

/* Connected: frames may go to @sock. */
void halo_blk_repl_up(struct halo_blk_dev *dev, struct socket *sock)
{
	mutex_lock(&dev->conn.send_lock);
	dev->conn.gen++;
	dev->conn.send_sock = sock;
	mutex_unlock(&dev->conn.send_lock);
}

/*
 * The connection is gone: no frame goes out after this returns, and every
 * request that waited for the peer completes.
 */
void halo_blk_repl_down(struct halo_blk_dev *dev)
{
	mutex_lock(&dev->conn.send_lock);
	dev->conn.send_sock = NULL;
	mutex_unlock(&dev->conn.send_lock);
	blk_mq_tagset_busy_iter(&dev->tag_set, halo_blk_fail_peer, NULL);
}

/* Send a frame from the receiving side (acks), under send_lock. */
int halo_blk_repl_send(struct halo_blk_dev *dev, enum halo_p_type type,
		       const void *payload, u32 len)
{
	u8 hdr[HALO_P_HDR_LEN];
	int ret = -ENOTCONN;

	halo_p_hdr_encode(hdr, type, len);
	mutex_lock(&dev->conn.send_lock);
	if (dev->conn.send_sock) {
		ret = halo_blk_sock_send(dev->conn.send_sock, hdr, sizeof(hdr));
		if (!ret && len)
			ret = halo_blk_sock_send(dev->conn.send_sock, payload, len);
	}
	mutex_unlock(&dev->conn.send_lock);
	return ret;
}

/* Tell the peer this side's role and disk state; the device's lock held. */
void halo_blk_repl_state(struct halo_blk_dev *dev)
{
	struct halo_p_state st = {
		.role = dev->role,
		.disk_state = dev->disk_state,
	};
	u8 buf[HALO_P_STATE_LEN];

	lockdep_assert_held(&dev->lock);
	halo_p_state_encode(&st, buf);
	halo_blk_repl_send(dev, HALO_P_STATE, buf, sizeof(buf));
}

static int halo_blk_ack(struct halo_blk_dev *dev, enum halo_p_type type,
			u64 id, int error)
{
	struct halo_p_ack a = { .id = id, .error = error };
	u8 buf[HALO_P_ACK_LEN];

	halo_p_ack_encode(&a, buf);
	return halo_blk_repl_send(dev, type, buf, sizeof(buf));
}

/* Read @len bytes of a frame into pages of a new bio for @bdev. */
static struct bio *halo_blk_recv_bio(struct socket *sock, struct block_device *bdev,
				     u32 len, int *err)
{
	struct msghdr msg = { .msg_flags = MSG_WAITALL };
	unsigned int n = DIV_ROUND_UP(len, PAGE_SIZE), i;
	struct bio_vec bv;
	struct page *page;
	struct bio *bio;
	u32 chunk;
	int ret;

	bio = bio_alloc(bdev, n, REQ_OP_WRITE, GFP_NOIO);
	for (i = 0; i < n; i++) {
		chunk = min_t(u32, len - i * PAGE_SIZE, PAGE_SIZE);
		page = alloc_page(GFP_NOIO);
		if (!page) {
			ret = -ENOMEM;
			goto err;
		}
		__bio_add_page(bio, page, chunk, 0);
		bvec_set_page(&bv, page, chunk, 0);
		iov_iter_bvec(&msg.msg_iter, ITER_DEST, &bv, 1, chunk);
		ret = sock_recvmsg(sock, &msg, MSG_WAITALL);
		if (ret != chunk) {
			ret = ret < 0 ? ret : -ECONNRESET;
			goto err;
		}
	}
	return bio;
err:
	*err = ret;
	halo_blk_free_bio_pages(bio);
	return NULL;
}

void halo_blk_free_bio_pages(struct bio *bio)
{
	unsigned short i;

	for (i = 0; i < bio->bi_vcnt; i++)
		__free_page(bio->bi_io_vec[i].bv_page);
	bio_put(bio);
}

/*
 * A DATA frame's payload after its header @d: write it to the local disk,
 * then ack. Returns an error only for the connection (the frame could not
 * be read); a failed local write is the ack's error.
 */
int halo_blk_repl_rx_data(struct halo_blk_dev *dev, struct socket *sock,
			  const struct halo_p_data *d, bool resync)
{
	struct block_device *bdev = dev->disk.bdev;
	enum halo_p_type ack;
	struct bio *bio;
	int ret, err = 0;

	if (resync)
		ack = HALO_P_RS_ACK;
	else
		ack = dev->conn.protocol == HALO_P_PROTO_C ? HALO_P_WRITE_ACK :
		      dev->conn.protocol == HALO_P_PROTO_B ? HALO_P_RECV_ACK : 0;

	if (d->flags & (HALO_P_DF_DISCARD | HALO_P_DF_ZEROES)) {
		if (ack == HALO_P_RECV_ACK)
			ret = halo_blk_ack(dev, ack, d->id, 0);
		if (d->flags & HALO_P_DF_DISCARD)
			err = blkdev_issue_discard(bdev, d->sector, d->size >> 9,
						   GFP_NOIO);
		else
			err = blkdev_issue_zeroout(bdev, d->sector, d->size >> 9,
						   GFP_NOIO, 0);
		if (err == -EOPNOTSUPP && (d->flags & HALO_P_DF_DISCARD))
			err = 0;	/* a hint the disk may ignore */
		goto ack;
	}
	if (!d->size) {
		if (ack == HALO_P_RECV_ACK)
			halo_blk_ack(dev, ack, d->id, 0);
		err = d->flags & HALO_P_DF_FLUSH ? blkdev_issue_flush(bdev) : 0;
		goto ack;
	}
	bio = halo_blk_recv_bio(sock, bdev, d->size, &ret);
	if (!bio)
		return ret;
	if (ack == HALO_P_RECV_ACK)
		halo_blk_ack(dev, ack, d->id, 0);
	bio->bi_iter.bi_sector = d->sector;
	if (d->flags & HALO_P_DF_FUA)
		bio->bi_opf |= REQ_FUA;
	if (d->flags & HALO_P_DF_FLUSH)
		bio->bi_opf |= REQ_PREFLUSH;
	err = submit_bio_wait(bio);
	halo_blk_free_bio_pages(bio);
ack:
	if (err)
		pr_warn_ratelimited("%s: the peer's write at sector %llu failed here: %d\n",
				    dev->name, d->sector, err);
	if (resync && !err)
		halo_blk_rs_written(dev, d->size);
	if (ack == HALO_P_WRITE_ACK || ack == HALO_P_RS_ACK)
		return halo_blk_ack(dev, ack, d->id, err);
	return 0;
}
