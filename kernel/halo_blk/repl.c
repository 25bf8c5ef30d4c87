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
 * A frame's id is the request's tag and a cookie, the tag's uses so far
 * (nbd's): an ack names the request it completes, and a late or repeated
 * one names none, even once the tag serves another request. When the
 * connection goes, the requests still
 * waiting for the peer complete with their local result (their data is on
 * the local disk; what the peer lacks is for the resync to send).
 *
 * The receiver never waits for the socket: its acks and pings go into
 * ack_fifo (acks in batches, see halo_blk_ack_queue()), sent at once if
 * send_lock is free and the socket has room,
 * else by the next holder of send_lock (every sender empties the fifo
 * before its own frame) or by ack_work. With two primaries both sides send
 * data both ways; a receiver blocked on its own send_lock, held by a
 * sender blocked on a full socket, would wait for the other side's
 * receiver, blocked the same way. STATE frames take the same way
 * (halo_blk_ctl_queue()): they are sent by code that holds the device's
 * lock, which the receiver takes, or by the receiver itself. Like the
 * receiver's own, they wait behind an ack held for a crossing write (two
 * primaries): a role or disk state a moment late changes nothing there.
 *
 * Locks (besides the device's, which no holder of these takes):
 *   send_lock  a mutex: the socket's writers, send_sock, sent_seq, the
 *              transfer log's head; its holder sends, and holds no other
 *              lock the receiver takes (the device's lock never)
 *   fifo_lock  a spinlock: ack_fifo's writers and ctl_lost; only
 *              send_lock's holder takes from the fifo
 *   ilock      a spinlock, interrupts off: conn.writes, applying, hold
 *   tl_lock    a spinlock: the transfer log's indices and bytes
 *
 * Overlapping writes. Each node's writes are registered (conn.writes)
 * before they reach its disk, in the order they are sent, and only once
 * the earlier writes they overlap are on the disk (so that the local disk
 * has them in the order the peer applies them). With two primaries, a
 * peer's write P that overlaps some of them, E, was issued before the
 * peer applied E; both nodes must end with the same data:
 *
 *  - E acknowledged by the peer before P arrived: the peer applied E
 *    before issuing P, so P is newer. Apply P once E is on the local disk.
 *  - E not acknowledged yet: the two crossed. The node with the lower id
 *    wins: there, P is applied except where it overlaps such an E (the
 *    peer will apply E over P); on the other node P is applied over E,
 *    and P's ack is held back until E has been sent, so that the winner
 *    sees E while P is still unacknowledged and keeps its own.
 *
 * While P is applied, new local writes that overlap it wait; they are
 * registered, and sent, after P's ack is queued, so that the peer sees the
 * ack first (and takes them as newer).
 *
 * Protocols A and B: the transfer log. Their writes complete before the
 * peer's disk has them. Each one sent is an entry of conn.tl, which takes
 * over the request's hold on its activity-log extents. After every
 * HALO_BLK_TL_BATCH writes, and HALO_BLK_TL_IDLE after the first one, a
 * BARRIER names the log's position; the peer, which applies frames in
 * order, flushes its disk there and answers with a BARRIER_ACK, which
 * frees the log up to that position (DRBD's transfer log and barrier
 * acks). So:
 *  - a lost connection marks only the writes still in the log;
 *  - an extent leaves the activity log only once no entry holds it: a
 *    primary that crashes resyncs every write its peer may lack;
 *  - a demotion waits for the log to empty: a secondary's bitmap is exact.
 * A full log holds the next write back until an answer comes.
 */

#include "conn.h"
#include "device.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

int halo_blk_sendmsg(struct socket *sock, struct msghdr *msg)
{
	int ret;

	while (msg_data_left(msg)) {
		ret = sock_sendmsg(sock, msg);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
}

/* @more: the frame goes on (MSG_MORE: TCP waits for it to fill a segment) */
int halo_blk_sock_send_more(struct socket *sock, const void *buf, size_t len,
			    bool more)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, len);
	return halo_blk_sendmsg(sock, &msg);
}

int halo_blk_sock_send(struct socket *sock, const void *buf, size_t len)
{
	return halo_blk_sock_send_more(sock, buf, len, false);
}

/* -- the receiver's frames ------------------------------------------- */

/* Bytes of the fifo that may go now: not those held for a write (below). */
static unsigned int halo_blk_ack_ready(struct halo_blk_conn *conn)
{
	unsigned int ready;

	lockdep_assert_held(&conn->send_lock);	/* for sent_seq */
	spin_lock_irq(&conn->ilock);
	ready = kfifo_len(&conn->ack_fifo);
	if (conn->hold) {
		if (conn->sent_seq >= conn->hold_seq)
			conn->hold = false;
		else
			ready = min(ready, conn->hold_pos - conn->ack_fifo.kfifo.out);
	}
	spin_unlock_irq(&conn->ilock);
	return ready;
}

/*
 * Send what the fifo holds that may go, under send_lock. @nonblock: only
 * what the socket takes without waiting (the receiver's own attempt).
 */
void halo_blk_ack_flush(struct halo_blk_dev *dev, bool nonblock)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 buf[256];
	unsigned int n;
	int ret;

	lockdep_assert_held(&conn->send_lock);
	if (!conn->send_sock) {
		kfifo_reset_out(&conn->ack_fifo);
		return;
	}
	while ((n = min_t(unsigned int, halo_blk_ack_ready(conn), sizeof(buf)))) {
		struct kvec iov = { .iov_base = buf, .iov_len = n };
		struct msghdr msg = {
			.msg_flags = MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0),
		};

		n = kfifo_out_peek(&conn->ack_fifo, buf, n);
		iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, n);
		ret = sock_sendmsg(conn->send_sock, &msg);
		/* consume what went; only send_lock's holder takes from the fifo */
		if (ret > 0 && kfifo_out(&conn->ack_fifo, buf, ret) != ret)
			WARN_ON_ONCE(1);
		if (ret == -EAGAIN && nonblock)
			return;
		if (ret <= 0) {
			/* the receiver notices, and ends the connection */
			kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
			return;
		}
		if (ret < n && nonblock)
			return;
	}
}

void halo_blk_ack_work(struct work_struct *work)
{
	struct halo_blk_conn *conn = container_of(work, struct halo_blk_conn,
						  ack_work);
	struct halo_blk_dev *dev = container_of(conn, struct halo_blk_dev, conn);
	bool lost;

	mutex_lock(&conn->send_lock);
	spin_lock(&conn->fifo_lock);
	lost = conn->ctl_lost;
	conn->ctl_lost = false;
	spin_unlock(&conn->fifo_lock);
	if (lost && conn->send_sock) {
		/* a control frame did not fit: the peer has stopped reading */
		pr_warn("%s: node %u does not read its socket: disconnecting\n",
			dev->name, conn->peer_id);
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	}
	halo_blk_ack_flush(dev, false);
	mutex_unlock(&conn->send_lock);
}

/* Try to send the fifo now; what is left goes with ack_work. */
static void halo_blk_ack_kick(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;

	if (mutex_trylock(&conn->send_lock)) {
		halo_blk_ack_flush(dev, true);
		mutex_unlock(&conn->send_lock);
	}
	if (!kfifo_is_empty(&conn->ack_fifo))
		queue_work(dev->ack_wq, &conn->ack_work);
}

/*
 * Acks go in batches: while more of the peer's frames wait in the socket,
 * an ack joins the fifo, and the batch goes when the receiver has read all
 * there was (halo_blk_ack_idle()), or holds HALO_BLK_ACK_BATCH acks. A
 * burst's acks then take one segment, not one each, and the peer one
 * wake-up; a lone write's ack goes at once, and a batch delays an ack by
 * the applying of a few writes at most.
 */
#define HALO_BLK_ACK_BATCH	8

/*
 * A frame from the receiver; @batch: it may wait for the receiver's next
 * ones (above). -ENOBUFS: the fifo is full, which a peer that keeps to its
 * queue depth cannot make it.
 */
int halo_blk_ack_queue(struct halo_blk_dev *dev, enum halo_p_type type,
		       const void *payload, u32 len, bool batch)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 frame[HALO_P_HDR_LEN + HALO_P_SMALL_MAX];

	if (WARN_ON_ONCE(len > HALO_P_SMALL_MAX))
		return -EINVAL;
	halo_p_hdr_encode(frame, type, len);
	if (len)
		memcpy(frame + HALO_P_HDR_LEN, payload, len);
	/*
	 * One kfifo_in() per frame: a sender empties the fifo before its own
	 * frame, and must not find half of one there.
	 */
	spin_lock(&conn->fifo_lock);
	if (kfifo_avail(&conn->ack_fifo) < HALO_P_HDR_LEN + len) {
		spin_unlock(&conn->fifo_lock);
		return -ENOBUFS;
	}
	kfifo_in(&conn->ack_fifo, frame, HALO_P_HDR_LEN + len);
	spin_unlock(&conn->fifo_lock);
	if (!batch ||
	    kfifo_len(&conn->ack_fifo) >= HALO_BLK_ACK_BATCH * (HALO_P_HDR_LEN + len))
		halo_blk_ack_kick(dev);
	return 0;
}

/*
 * A control frame for the peer, from any process context, whatever locks
 * are held: queued behind the receiver's frames and sent by ack_work, in
 * the order queued, before any frame a sender sends afterwards (unless an
 * ack before it is held: see the top). Dropped when not connected (the
 * next HELLO says what it said); a fifo that cannot take it ends the
 * connection (ack_work).
 */
void halo_blk_ctl_queue(struct halo_blk_dev *dev, enum halo_p_type type,
			const void *payload, u32 len)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 frame[HALO_P_HDR_LEN + HALO_P_SMALL_MAX];

	if (WARN_ON_ONCE(len > HALO_P_SMALL_MAX))
		return;
	halo_p_hdr_encode(frame, type, len);
	if (len)
		memcpy(frame + HALO_P_HDR_LEN, payload, len);
	spin_lock(&conn->fifo_lock);
	if (!READ_ONCE(conn->send_sock)) {
		spin_unlock(&conn->fifo_lock);
		return;
	}
	if (kfifo_avail(&conn->ack_fifo) >= HALO_P_HDR_LEN + len)
		kfifo_in(&conn->ack_fifo, frame, HALO_P_HDR_LEN + len);
	else
		conn->ctl_lost = true;
	spin_unlock(&conn->fifo_lock);
	queue_work(dev->ack_wq, &conn->ack_work);
}

/* The receiver is about to read: a batch of acks goes if nothing waits. */
void halo_blk_ack_idle(struct halo_blk_dev *dev, struct socket *sock)
{
	if (!kfifo_is_empty(&dev->conn.ack_fifo) &&
	    skb_queue_empty_lockless(&sock->sk->sk_receive_queue))
		halo_blk_ack_kick(dev);
}

/* What is queued from now on waits until write @seq is sent; under ilock. */
static void halo_blk_ack_hold(struct halo_blk_conn *conn, u64 seq)
{
	lockdep_assert_held(&conn->ilock);
	if (conn->hold) {
		/* one hold at a time: the earlier start, the later write */
		conn->hold_seq = max(conn->hold_seq, seq);
		return;
	}
	conn->hold_pos = conn->ack_fifo.kfifo.in;
	conn->hold_seq = seq;
	conn->hold = true;
}

/* -- overlapping writes -------------------------------------------------- */

static bool halo_blk_overlaps(const struct halo_blk_range *r, sector_t start,
			      sector_t end)
{
	return r->start < end && start < r->end;
}

/* Under ilock: a registered write overlapping @r is not on the local disk yet. */
static bool halo_blk_local_busy_locked(struct halo_blk_conn *conn,
				       const struct halo_blk_range *r)
{
	struct halo_blk_req *req;

	lockdep_assert_held(&conn->ilock);
	list_for_each_entry(req, &conn->writes, iv_entry) {
		if (halo_blk_overlaps(&req->iv, r->start, r->end) &&
		    !test_bit(HALO_BLK_REQ_LOCAL_DONE, &req->flags))
			return true;
	}
	return false;
}

/* A registered write overlapping @r is not on the local disk yet. */
static bool halo_blk_local_busy(struct halo_blk_conn *conn, const struct halo_blk_range *r)
{
	bool ret;

	spin_lock_irq(&conn->ilock);
	ret = halo_blk_local_busy_locked(conn, r);
	spin_unlock_irq(&conn->ilock);
	return ret;
}

/* Under ilock: a new write of @r must wait (see halo_blk_repl_register()). */
static bool halo_blk_register_blocked(struct halo_blk_conn *conn,
				      const struct halo_blk_range *r)
{
	lockdep_assert_held(&conn->ilock);
	return (conn->applying.end &&
		halo_blk_overlaps(&conn->applying, r->start, r->end)) ||
	       halo_blk_local_busy_locked(conn, r);
}

static bool halo_blk_may_register(struct halo_blk_conn *conn,
				  const struct halo_blk_range *r)
{
	bool ret;

	spin_lock_irq(&conn->ilock);
	ret = !halo_blk_register_blocked(conn, r);
	spin_unlock_irq(&conn->ilock);
	return ret;
}

/*
 * A write (with a range) is registered before it reaches the local disk,
 * once the local disk has every earlier write it overlaps, and, with two
 * primaries, once the peer's write it overlaps, if any, is applied here
 * and its ack queued.
 *
 * The first is for one primary as much as for two: the peer applies
 * writes one at a time in the order they are sent, but a disk may
 * complete two overlapping writes it has at once in either order (the
 * block layer promises none), and the two disks would then differ where
 * both wrote. A write overlapping one still in flight is rare (a
 * filesystem never issues one); it waits for that one's local
 * completion, as DRBD makes conflicting writes wait.
 */
void halo_blk_repl_register(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (req_op(rq) == REQ_OP_FLUSH || !blk_rq_sectors(rq))
		return;
	req->iv.start = blk_rq_pos(rq);
	req->iv.end = req->iv.start + blk_rq_sectors(rq);
	for (;;) {
		wait_event(conn->iwait, halo_blk_may_register(conn, &req->iv));
		spin_lock_irq(&conn->ilock);
		if (!halo_blk_register_blocked(conn, &req->iv))
			break;
		spin_unlock_irq(&conn->ilock);
	}
	req->seq = ++conn->seq;
	list_add_tail(&req->iv_entry, &conn->writes);
	set_bit(HALO_BLK_REQ_IV, &req->flags);
	spin_unlock_irq(&conn->ilock);
}

void halo_blk_repl_unregister(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	unsigned long flags;

	/* from the request's completion, which may run in interrupt context */
	spin_lock_irqsave(&conn->ilock, flags);
	list_del(&req->iv_entry);
	clear_bit(HALO_BLK_REQ_IV, &req->flags);
	spin_unlock_irqrestore(&conn->ilock, flags);
	wake_up_all(&conn->iwait);
}

void halo_blk_repl_local_done(struct halo_blk_dev *dev)
{
	if (wq_has_sleeper(&dev->conn.iwait))
		wake_up_all(&dev->conn.iwait);
}

/*
 * The peer's write @r is about to be applied: new overlapping writes wait
 * from now on. Returns how many ranges of @r this node keeps (its own
 * crossing writes, if it wins), in conn->skip; holds the ack back if it
 * loses a crossing.
 */
static unsigned int halo_blk_apply_begin(struct halo_blk_dev *dev,
					 const struct halo_blk_range *r)
{
	struct halo_blk_conn *conn = &dev->conn;
	bool wins = dev->node_id < conn->peer_id;
	struct halo_blk_req *req;
	unsigned int n = 0;
	u64 hold = 0;

	spin_lock_irq(&conn->ilock);
	conn->applying = *r;
	list_for_each_entry(req, &conn->writes, iv_entry) {
		if (!halo_blk_overlaps(&req->iv, r->start, r->end))
			continue;
		/* acknowledged: the peer had it first, P is newer */
		if (test_bit(HALO_BLK_REQ_SENT, &req->flags) &&
		    !test_bit(HALO_BLK_REQ_PEER, &req->flags))
			continue;
		if (!wins)
			hold = max(hold, req->seq);
		else if (n < ARRAY_SIZE(conn->skip))
			conn->skip[n++] = req->iv;
	}
	if (hold)
		halo_blk_ack_hold(conn, hold);
	spin_unlock_irq(&conn->ilock);
	return n;
}

static void halo_blk_apply_end(struct halo_blk_conn *conn)
{
	spin_lock_irq(&conn->ilock);
	conn->applying.end = 0;
	spin_unlock_irq(&conn->ilock);
	wake_up_all(&conn->iwait);
}

/* -- the transfer log (protocols A and B) --------------------------------- */

static bool halo_blk_tl_full(struct halo_blk_conn *conn)
{
	bool full;

	spin_lock(&conn->tl_lock);
	full = conn->tl_head - conn->tl_tail >= HALO_BLK_TL_SIZE;
	spin_unlock(&conn->tl_lock);
	return full;
}

/* Room in the log, or no connection to wait for. */
static bool halo_blk_tl_room(struct halo_blk_conn *conn)
{
	return !READ_ONCE(conn->send_sock) || !halo_blk_tl_full(conn);
}

/* A BARRIER behind the writes sent since the last one; under send_lock. */
static void halo_blk_tl_barrier(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	u8 frame[HALO_P_HDR_LEN + HALO_P_BARRIER_LEN];

	lockdep_assert_held(&conn->send_lock);
	if (!conn->send_sock || conn->tl_barrier == conn->tl_head)
		return;
	halo_p_hdr_encode(frame, HALO_P_BARRIER, HALO_P_BARRIER_LEN);
	halo_p_u64_encode(conn->tl_head, frame + HALO_P_HDR_LEN);
	halo_blk_ack_flush(dev, false);
	if (halo_blk_sock_send(conn->send_sock, frame, sizeof(frame)))
		/* the receiver notices, and ends the connection */
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	else
		conn->tl_barrier = conn->tl_head;
}

/* The writes of a burst are followed by a BARRIER. */
void halo_blk_tl_work(struct work_struct *work)
{
	struct halo_blk_conn *conn = container_of(to_delayed_work(work),
						  struct halo_blk_conn, tl_work);

	mutex_lock(&conn->send_lock);
	halo_blk_tl_barrier(container_of(conn, struct halo_blk_dev, conn));
	mutex_unlock(&conn->send_lock);
}

/* Something waits for the log's holds (the activity log): a BARRIER now. */
void halo_blk_tl_kick(struct halo_blk_dev *dev)
{
	mutex_lock(&dev->conn.send_lock);
	halo_blk_tl_barrier(dev);
	mutex_unlock(&dev->conn.send_lock);
}

/* @rq is about to go: an entry of the log; under send_lock. */
static void halo_blk_tl_add(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	struct halo_blk_tl_entry *e = &conn->tl[conn->tl_head % HALO_BLK_TL_SIZE];

	lockdep_assert_held(&conn->send_lock);
	e->sector = blk_rq_pos(rq);
	e->sectors = blk_rq_sectors(rq);
	/* its extents stay in the activity log until the peer's disk has it */
	e->al = test_and_clear_bit(HALO_BLK_REQ_AL, &req->flags);
	spin_lock(&conn->tl_lock);
	conn->tl_head++;
	conn->tl_bytes += blk_rq_bytes(rq);
	spin_unlock(&conn->tl_lock);
}

/*
 * Entries [@from, @to) leave the log, their blocks marked for the resync
 * if @mark. Only the connection's thread frees entries (its receiver, then
 * halo_blk_repl_down() once the receiver has stopped), and no sender adds
 * one where they are until tl_tail has moved past them.
 */
static void halo_blk_tl_free(struct halo_blk_dev *dev, u64 from, u64 to, bool mark)
{
	struct halo_blk_tl_entry *e;
	u64 bytes = 0;

	for (; from < to; from++) {
		e = &dev->conn.tl[from % HALO_BLK_TL_SIZE];
		bytes += (u64)e->sectors << SECTOR_SHIFT;
		if (mark)
			halo_blk_bm_mark(dev, e->sector, (u64)e->sectors << SECTOR_SHIFT);
		if (e->al)
			halo_blk_al_end(dev, e->sector << SECTOR_SHIFT,
					(u64)e->sectors << SECTOR_SHIFT);
	}
	spin_lock(&dev->conn.tl_lock);
	dev->conn.tl_tail = to;
	dev->conn.tl_bytes -= bytes;
	spin_unlock(&dev->conn.tl_lock);
	wake_up_all(&dev->conn.tl_wait);
}

/*
 * The peer's BARRIER_ACK: its disk has the writes before position @a->id
 * (or failed them: into the bitmap). -EPROTO if no BARRIER named it.
 */
int halo_blk_tl_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a)
{
	struct halo_blk_conn *conn = &dev->conn;
	u64 tail, head;

	spin_lock(&conn->tl_lock);
	tail = conn->tl_tail;
	head = conn->tl_head;
	spin_unlock(&conn->tl_lock);
	if (a->id <= tail || a->id > head)
		return -EPROTO;
	halo_blk_tl_free(dev, tail, a->id, a->error);
	if (a->error)
		halo_blk_new_current(dev);
	return 0;
}

/* Bytes in the log: sent, not confirmed on the peer's disk (dev-get). */
u64 halo_blk_tl_bytes(struct halo_blk_dev *dev)
{
	u64 bytes;

	spin_lock(&dev->conn.tl_lock);
	bytes = dev->conn.tl_bytes;
	spin_unlock(&dev->conn.tl_lock);
	return bytes;
}

/* The log is empty, or the connection of generation @gen went. */
static bool halo_blk_tl_empty(struct halo_blk_conn *conn, u32 gen)
{
	bool empty;

	if (!READ_ONCE(conn->send_sock) || READ_ONCE(conn->gen) != gen)
		return true;
	spin_lock(&conn->tl_lock);
	empty = conn->tl_tail == conn->tl_head;
	spin_unlock(&conn->tl_lock);
	return empty;
}

/*
 * Demoting: wait until the peer's disk has every write sent, or the
 * connection went (its writes then in the bitmap). A peer that does not
 * answer within HALO_BLK_TL_DRAIN is disconnected.
 */
#define HALO_BLK_TL_DRAIN	(5 * HZ)

void halo_blk_tl_drain(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	u32 gen;

	mutex_lock(&conn->send_lock);
	halo_blk_tl_barrier(dev);
	gen = conn->gen;
	mutex_unlock(&conn->send_lock);
	if (wait_event_timeout(conn->tl_wait, halo_blk_tl_empty(conn, gen),
			       HALO_BLK_TL_DRAIN))
		return;
	mutex_lock(&conn->send_lock);
	if (conn->send_sock && conn->gen == gen) {
		pr_warn("%s: node %u did not confirm the last writes in %u s: disconnecting\n",
			dev->name, conn->peer_id, HALO_BLK_TL_DRAIN / HZ);
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	}
	mutex_unlock(&conn->send_lock);
	wait_event(conn->tl_wait, halo_blk_tl_empty(conn, gen));
}

/*
 * A BARRIER from the peer at position @pos (its writes on this
 * connection): those before it were applied here, one at a time; flush
 * them to the disk and answer. -EPROTO if @pos is out of order.
 */
int halo_blk_repl_barrier(struct halo_blk_dev *dev, u64 pos)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_ack a = { .id = pos };
	u8 buf[HALO_P_ACK_LEN];

	if (pos <= conn->rx_barrier || pos > conn->rx_writes)
		return -EPROTO;
	conn->rx_barrier = pos;
	if (READ_ONCE(dev->detached)) {
		a.error = -ENODATA;	/* Diskless: the peer marks them */
	} else {
		a.error = blkdev_issue_flush(dev->disk.bdev);
		if (a.error)
			halo_blk_io_error(dev, true, 0, a.error);
	}
	halo_p_ack_encode(&a, buf);
	return halo_blk_ack_queue(dev, HALO_P_BARRIER_ACK, buf, sizeof(buf), false);
}

/* The request's data, segment by segment. */
static int halo_blk_send_rq_data(struct socket *sock, struct request *rq)
{
	unsigned int left = blk_rq_bytes(rq);
	struct req_iterator iter;
	struct msghdr msg;
	struct bio_vec bv;
	int ret;

	rq_for_each_segment(bv, rq, iter) {
		left -= bv.bv_len;
		msg = (struct msghdr){
			.msg_flags = MSG_NOSIGNAL | (left ? MSG_MORE : 0),
		};
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, bv.bv_len);
		ret = halo_blk_sendmsg(sock, &msg);
		if (ret)
			return ret;
	}
	return 0;
}

/* The peer's part of a write is over, if it was not already. */
static void halo_blk_peer_done(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	if (!test_bit(HALO_BLK_REQ_PEER, &req->flags) ||
	    !halo_blk_rq_unanswered(rq))
		return;
	clear_bit(HALO_BLK_REQ_PEER, &req->flags);
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
	bool wait, tl, nodata = false;
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

	/* protocols A and B: the write goes into the transfer log */
	tl = conn->protocol != HALO_P_PROTO_C && d.size;

	mutex_lock(&conn->send_lock);
	while (tl && conn->send_sock && halo_blk_tl_full(conn)) {
		/* the peer's answer frees it */
		halo_blk_tl_barrier(dev);
		mutex_unlock(&conn->send_lock);
		wait_event(conn->tl_wait, halo_blk_tl_room(conn));
		mutex_lock(&conn->send_lock);
	}
	/* a Diskless peer gets no writes: they are for a later full sync */
	if (!conn->send_sock ||
	    READ_ONCE(conn->peer.disk_state) == HALO_BLK_DISK_STATE_DISKLESS) {
		mutex_unlock(&conn->send_lock);
		halo_blk_write_alone(dev, rq);
		return;
	}
	d.id = halo_blk_rq_id(dev, rq);
	wait = conn->protocol != HALO_P_PROTO_A;
	if (wait) {
		atomic_inc(&req->pending);
		set_bit(HALO_BLK_REQ_PEER, &req->flags);
		atomic64_set(&req->ack_key, d.id);
	}
	set_bit(HALO_BLK_REQ_SENT, &req->flags);
	if (tl)
		halo_blk_tl_add(dev, rq);
	halo_blk_ack_flush(dev, false);
	halo_p_hdr_encode(hdr, HALO_P_DATA,
			  HALO_P_DATA_HDR + (nodata ? 0 : d.size));
	halo_p_data_encode(&d, hdr + HALO_P_HDR_LEN);
	/* header and data in full segments: MSG_MORE until the last byte */
	ret = halo_blk_sock_send_more(conn->send_sock, hdr, sizeof(hdr), !nodata);
	if (!ret && !nodata)
		ret = halo_blk_send_rq_data(conn->send_sock, rq);
	if (ret) {
		/* the receiver notices too, and ends the connection */
		kernel_sock_shutdown(conn->send_sock, SHUT_RDWR);
	} else if (!wait) {
		/* protocol A: in the send buffer is the peer's part done */
		set_bit(HALO_BLK_REQ_PEER_OK, &req->flags);
	}
	if (!ret && test_bit(HALO_BLK_REQ_IV, &req->flags)) {
		/* an ack held for this write may go */
		conn->sent_seq = max(conn->sent_seq, req->seq);
		halo_blk_ack_flush(dev, false);
	}
	if (!ret && tl) {
		if (conn->tl_head - conn->tl_barrier >= HALO_BLK_TL_BATCH)
			halo_blk_tl_barrier(dev);
		else
			queue_delayed_work(dev->io_wq, &conn->tl_work, HALO_BLK_TL_IDLE);
	}
	mutex_unlock(&conn->send_lock);
	if (ret)
		halo_blk_write_alone(dev, rq);
	if (ret && wait)
		halo_blk_peer_done(rq);
}

/*
 * A new frame id for @rq: its next cookie and its tag. Set it in ack_key
 * before the frame goes if an answer is awaited. Under send_lock.
 */
u64 halo_blk_rq_id(struct halo_blk_dev *dev, struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	lockdep_assert_held(&dev->conn.send_lock);
	req->cookie = req->cookie + 1 ?: 1;	/* never 0: an id is never 0 */
	return (u64)req->cookie << 32 | rq->tag;
}

/*
 * The request whose tag a frame id names, or NULL if none could be: the
 * caller checks that it awaits exactly that id (halo_blk_rq_answered()).
 */
struct request *halo_blk_id_to_rq(struct halo_blk_dev *dev, u64 id)
{
	u32 tag = lower_32_bits(id);

	if (!upper_32_bits(id) || tag >= dev->tag_set.queue_depth)
		return NULL;
	return blk_mq_tag_to_rq(dev->tag_set.tags[0], tag);
}

/* @rq awaits the answer @id now (it may stop any time: see below). */
bool halo_blk_rq_awaits(struct request *rq, u64 id)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	return blk_mq_request_started(rq) && atomic64_read(&req->ack_key) == id;
}

/*
 * @rq awaited the answer @id, and no longer does: true for one caller
 * only, against a late or repeated answer and the connection's end.
 */
bool halo_blk_rq_answered(struct request *rq, u64 id)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	return blk_mq_request_started(rq) &&
	       atomic64_cmpxchg(&req->ack_key, id, 0) == id;
}

/*
 * @rq awaited an answer, and no longer does: the connection went, or the
 * frame asking for it never did.
 */
bool halo_blk_rq_unanswered(struct request *rq)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);

	return atomic64_xchg(&req->ack_key, 0) != 0;
}

/* An ack from the peer: complete the request it names, if it still waits. */
int halo_blk_repl_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a)
{
	struct request *rq = halo_blk_id_to_rq(dev, a->id);
	struct halo_blk_req *req;

	if (!rq)
		return -EPROTO;
	req = blk_mq_rq_to_pdu(rq);
	/* a late ack of a request completed meanwhile: ignored */
	if (!test_bit(HALO_BLK_REQ_PEER, &req->flags) ||
	    !halo_blk_rq_answered(rq, a->id))
		return 0;
	if (a->error)
		/* the local disk has it: the peer's lacks it (resync) */
		halo_blk_write_alone(dev, rq);
	else
		set_bit(HALO_BLK_REQ_PEER_OK, &req->flags);
	clear_bit(HALO_BLK_REQ_PEER, &req->flags);
	halo_blk_req_put(rq);
	return 0;
}

/* A write that waits for the peer's ack will not get it: mark its blocks. */
static bool halo_blk_mark_peer(struct request *rq, void *data)
{
	struct halo_blk_req *req = blk_mq_rq_to_pdu(rq);
	bool *any = data;

	if (test_bit(HALO_BLK_REQ_PEER, &req->flags)) {
		halo_blk_mark_rq(req->dev, rq);
		*any = true;
	}
	return true;
}

static bool halo_blk_fail_peer(struct request *rq, void *data)
{
	halo_blk_peer_done(rq);
	return true;
}

/* Connected: frames may go to @sock. */
void halo_blk_repl_up(struct halo_blk_dev *dev, struct socket *sock)
{
	struct halo_blk_conn *conn = &dev->conn;

	mutex_lock(&conn->send_lock);
	WRITE_ONCE(conn->gen, conn->gen + 1);
	/* what an earlier connection left is not for this one */
	spin_lock(&conn->fifo_lock);
	kfifo_reset(&conn->ack_fifo);
	conn->ctl_lost = false;
	WRITE_ONCE(conn->send_sock, sock);
	spin_unlock(&conn->fifo_lock);
	spin_lock(&conn->tl_lock);
	conn->tl_head = 0;
	conn->tl_tail = 0;
	conn->tl_bytes = 0;
	spin_unlock(&conn->tl_lock);
	conn->tl_barrier = 0;
	conn->rx_barrier = 0;
	conn->rx_writes = 0;
	spin_lock_irq(&conn->ilock);
	conn->hold = false;
	/* what was registered before cannot be sent on this connection */
	conn->sent_seq = conn->seq;
	spin_unlock_irq(&conn->ilock);
	mutex_unlock(&conn->send_lock);
}

/*
 * The connection is gone: no frame goes out after this returns, and every
 * request that waited for the peer completes.
 */
void halo_blk_repl_down(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	bool any = false;
	u64 tail, head;

	mutex_lock(&conn->send_lock);
	spin_lock(&conn->fifo_lock);
	WRITE_ONCE(conn->send_sock, NULL);
	spin_unlock(&conn->fifo_lock);
	mutex_unlock(&conn->send_lock);
	/* a demotion waiting for the transfer log goes on (the log below) */
	wake_up_all(&conn->tl_wait);
	cancel_work_sync(&conn->ack_work);
	cancel_delayed_work_sync(&conn->tl_work);
	/*
	 * The writes that waited for the peer may lack there: into the
	 * bitmap, and a new generation, before they complete. So may those
	 * of protocols A and B in the transfer log (the receiver, which
	 * frees entries, has stopped; no sender adds one).
	 */
	blk_mq_tagset_busy_iter(&dev->tag_set, halo_blk_mark_peer, &any);
	spin_lock(&conn->tl_lock);
	tail = conn->tl_tail;
	head = conn->tl_head;
	spin_unlock(&conn->tl_lock);
	if (head != tail) {
		halo_blk_tl_free(dev, tail, head, true);
		any = true;
	}
	if (any)
		halo_blk_new_current(dev);
	blk_mq_tagset_busy_iter(&dev->tag_set, halo_blk_fail_peer, NULL);
	halo_blk_pr_down(dev);
}

/*
 * Send a frame, under send_lock: not from the receiver, not with the
 * device's lock held (halo_blk_ctl_queue() is for them).
 */
int halo_blk_repl_send(struct halo_blk_dev *dev, enum halo_p_type type,
		       const void *payload, u32 len)
{
	u8 hdr[HALO_P_HDR_LEN];
	int ret = -ENOTCONN;

	lockdep_assert_not_held(&dev->lock);
	halo_p_hdr_encode(hdr, type, len);
	mutex_lock(&dev->conn.send_lock);
	halo_blk_ack_flush(dev, false);
	if (dev->conn.send_sock) {
		ret = halo_blk_sock_send(dev->conn.send_sock, hdr, sizeof(hdr));
		if (!ret && len)
			ret = halo_blk_sock_send(dev->conn.send_sock, payload, len);
	}
	mutex_unlock(&dev->conn.send_lock);
	return ret;
}

/*
 * Tell the peer this side's role and disk state; the device's lock held.
 * Queued: it goes before any write sent after the lock is dropped.
 */
void halo_blk_repl_state(struct halo_blk_dev *dev)
{
	struct halo_p_state st = {
		.role = dev->role,
		.disk_state = dev->disk_state,
	};
	u8 buf[HALO_P_STATE_LEN];

	lockdep_assert_held(&dev->lock);
	halo_p_state_encode(&st, buf);
	halo_blk_ctl_queue(dev, HALO_P_STATE, buf, sizeof(buf));
}

static int halo_blk_ack(struct halo_blk_dev *dev, enum halo_p_type type,
			u64 id, int error)
{
	struct halo_p_ack a = { .id = id, .error = error };
	u8 buf[HALO_P_ACK_LEN];

	halo_p_ack_encode(&a, buf);
	return halo_blk_ack_queue(dev, type, buf, sizeof(buf), true);
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

/* Sectors [@start, @end) of the peer's write @d (data in @bio, if any). */
static int halo_blk_apply(struct halo_blk_dev *dev, const struct halo_p_data *d,
			  struct bio *bio, sector_t start, sector_t end)
{
	struct block_device *bdev = dev->disk.bdev;
	struct bio *clone;
	int err;

	if (d->flags & HALO_P_DF_DISCARD) {
		err = blkdev_issue_discard(bdev, start, end - start, GFP_NOIO);
		return err == -EOPNOTSUPP ? 0 : err;	/* a hint the disk may ignore */
	}
	if (d->flags & HALO_P_DF_ZEROES)
		return blkdev_issue_zeroout(bdev, start, end - start, GFP_NOIO, 0);
	if (start == d->sector && end == d->sector + (d->size >> SECTOR_SHIFT))
		return submit_bio_wait(bio);
	clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &dev->bs);
	if (!clone)
		return -ENOMEM;
	bio_trim(clone, start - d->sector, end - start);
	err = submit_bio_wait(clone);
	bio_put(clone);
	return err;
}

/* The peer's write, but for the @n ranges in conn->skip. */
static int halo_blk_apply_skipping(struct halo_blk_dev *dev, const struct halo_p_data *d,
				   struct bio *bio, unsigned int n)
{
	const struct halo_blk_range *skip = dev->conn.skip;
	sector_t pos = d->sector, end = pos + (d->size >> SECTOR_SHIFT);
	sector_t next, covered;
	unsigned int i;
	int err = 0;

	while (pos < end && !err) {
		next = end;
		covered = 0;
		for (i = 0; i < n; i++) {
			if (skip[i].start <= pos && pos < skip[i].end)
				covered = max(covered, skip[i].end);
			else if (skip[i].start > pos)
				next = min(next, skip[i].start);
		}
		if (covered) {
			pos = covered;
			continue;
		}
		err = halo_blk_apply(dev, d, bio, pos, next);
		pos = next;
	}
	return err;
}

/*
 * A DATA frame's payload after its header @d: write it to the local disk,
 * then ack. Returns an error only for the connection (the frame could not
 * be read, or the peer overfilled the ack fifo); a failed local write is
 * the ack's error.
 */
int halo_blk_repl_rx_data(struct halo_blk_dev *dev, struct socket *sock,
			  const struct halo_p_data *d, bool resync)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_blk_range r = {
		.start = d->sector,
		.end = d->sector + (d->size >> SECTOR_SHIFT),
	};
	bool nodata = d->flags & (HALO_P_DF_DISCARD | HALO_P_DF_ZEROES);
	bool overlap = false;
	enum halo_p_type ack;
	struct bio *bio = NULL;
	unsigned int n = 0;
	int ret = 0, err;

	if (!resync && d->size)
		conn->rx_writes++;	/* a BARRIER counts them (halo_blk_repl_barrier()) */
	if (resync)
		ack = HALO_P_RS_ACK;
	else
		ack = conn->protocol == HALO_P_PROTO_C ? HALO_P_WRITE_ACK :
		      conn->protocol == HALO_P_PROTO_B ? HALO_P_RECV_ACK : 0;

	if (d->size && !nodata) {
		bio = halo_blk_recv_bio(sock, dev->disk.bdev, d->size, &ret);
		if (!bio)
			return ret;
		bio->bi_iter.bi_sector = d->sector;
		if (d->flags & HALO_P_DF_FUA)
			bio->bi_opf |= REQ_FUA;
		if (d->flags & HALO_P_DF_FLUSH)
			bio->bi_opf |= REQ_PREFLUSH;
	}
	if (ack == HALO_P_RECV_ACK)
		ret = halo_blk_ack(dev, ack, d->id, 0);

	if (READ_ONCE(dev->detached)) {
		/* Diskless: the peer marks it for a later sync */
		err = -ENODATA;
	} else if (!d->size) {
		err = d->flags & HALO_P_DF_FLUSH ? blkdev_issue_flush(dev->disk.bdev) : 0;
	} else {
		/* this node's writes the peer's may overlap (see the top) */
		overlap = !resync && READ_ONCE(conn->two_primaries);
		if (overlap) {
			n = halo_blk_apply_begin(dev, &r);
			wait_event(conn->iwait, !halo_blk_local_busy(conn, &r));
		}
		err = n ? halo_blk_apply_skipping(dev, d, bio, n) :
			  halo_blk_apply(dev, d, bio, r.start, r.end);
	}
	if (bio)
		halo_blk_free_bio_pages(bio);
	if (err && err != -ENODATA) {
		pr_warn_ratelimited("%s: the peer's write at sector %llu failed here: %d\n",
				    dev->name, d->sector, err);
		halo_blk_io_error(dev, true, d->sector, err);
	}
	if (resync && !err)
		halo_blk_rs_written(dev, d->size);
	if (!ret && (ack == HALO_P_WRITE_ACK || ack == HALO_P_RS_ACK))
		ret = halo_blk_ack(dev, ack, d->id, err);
	if (overlap)
		halo_blk_apply_end(conn);
	return ret;
}
