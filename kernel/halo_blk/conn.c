// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Connections between peers (conn.h).
 *
 * Each device that connects gets a thread. The node with the lower id
 * dials the peer's addresses from the cluster configuration, link by link;
 * the other waits for its listener to hand it the peer's socket. Both then
 * send a HELLO and check the other's: cluster, node ids, device name, size,
 * protocol, and the generations (unrelated data never connects). A mismatch
 * leaves both sides StandAlone with the reason, and is not retried; a
 * connection that fails or is lost is retried every second.
 *
 * The listener (listen.c) hands over a connection whose HELLO names the
 * node it comes from and a device of that name that waits for that node on
 * that port (halo_blk_conn_take()).
 *
 * Locks, in the order they nest:
 *   halo_blk_lock  the device list (device.c); dev connect starts the
 *                  listener under it (listen.c's hn->lock nests inside)
 *   dev->lock      the connection's options, state, error, sock, accepted
 * and, taken alone: the spinlocks of repl.c and ioerr.c the receiver uses.
 * The receiver takes dev->lock (STATE frames, resync steps). No holder of
 * dev->lock sends on the socket or waits for send_lock (frames it sends
 * are queued: halo_blk_ctl_queue(); halo_blk_repl_send() asserts it), so
 * a full socket never blocks the receiver behind a sender.
 */

#include "conn.h"
#include "device.h"
#include "gen.h"
#include "netlink.h"
#include "../halo_api.h"

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/tcp.h>

#define HALO_BLK_HELLO_TIMEOUT	(5 * HZ)
#define HALO_BLK_DIAL_TIMEOUT	(2 * HZ)
#define HALO_BLK_PING_INT	(10 * HZ)	/* DRBD's ping-int */
#define HALO_BLK_RETRY		HZ

void halo_blk_conn_init(struct halo_blk_conn *conn)
{
	conn->state = HALO_BLK_CONN_STATE_STANDALONE;
	init_waitqueue_head(&conn->wait);
	mutex_init(&conn->send_lock);
	mutex_init(&conn->ov_mutex);
	init_waitqueue_head(&conn->rs_wait);
	conn->app_seen = jiffies - HZ;
	INIT_KFIFO(conn->ack_fifo);
	spin_lock_init(&conn->fifo_lock);
	INIT_WORK(&conn->ack_work, halo_blk_ack_work);
	spin_lock_init(&conn->ilock);
	INIT_LIST_HEAD(&conn->writes);
	init_waitqueue_head(&conn->iwait);
	spin_lock_init(&conn->prs_lock);
	INIT_LIST_HEAD(&conn->prs_list);
	INIT_WORK(&conn->prs_work, halo_blk_prs_work);
	spin_lock_init(&conn->tl_lock);
	init_waitqueue_head(&conn->tl_wait);
	INIT_DELAYED_WORK(&conn->tl_work, halo_blk_tl_work);
}

/* -- frames on a socket ------------------------------------------------- */

static int halo_blk_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret;

	while (iov.iov_len) {
		ret = kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		iov.iov_base += ret;
		iov.iov_len -= ret;
	}
	return 0;
}

static int halo_blk_send_frame(struct socket *sock, enum halo_p_type type,
			       const void *payload, u32 len)
{
	u8 hdr[HALO_P_HDR_LEN];
	int ret;

	halo_p_hdr_encode(hdr, type, len);
	ret = halo_blk_send(sock, hdr, sizeof(hdr));
	if (!ret && len)
		ret = halo_blk_send(sock, payload, len);
	return ret;
}

void halo_blk_send_error(struct socket *sock, u32 code, const char *why)
{
	u8 buf[4 + HALO_BLK_ERROR_MAX];
	size_t n = strnlen(why, HALO_BLK_ERROR_MAX - 1);

	put_unaligned_be32(code, buf);
	memcpy(buf + 4, why, n);
	halo_blk_send_frame(sock, HALO_P_ERROR, buf, 4 + n);
}

/*
 * Read @len bytes. -EAGAIN if the socket's timeout passed before the first
 * byte (and @idle allows that), -ECONNRESET if the peer closed. With a
 * @deadline (jiffies; 0: none) the whole read must be done by then, however
 * the bytes come: -ETIMEDOUT.
 */
static int halo_blk_recv_by(struct socket *sock, void *buf, size_t len, bool idle,
			    unsigned long deadline)
{
	struct msghdr msg = {};
	struct kvec iov;
	size_t got = 0;
	long left;
	int ret;

	while (got < len) {
		if (deadline) {
			left = (long)(deadline - jiffies);
			if (left <= 0)
				return -ETIMEDOUT;
			WRITE_ONCE(sock->sk->sk_rcvtimeo, left);
		}
		iov.iov_base = buf + got;
		iov.iov_len = len - got;
		ret = kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len,
				     MSG_WAITALL);
		if (ret == -EAGAIN && !got && idle)
			return -EAGAIN;
		if (ret == -EAGAIN || ret == -EINTR)
			return -ETIMEDOUT;
		if (ret < 0)
			return ret;
		if (!ret)
			return -ECONNRESET;
		got += ret;
	}
	return 0;
}

static int halo_blk_recv(struct socket *sock, void *buf, size_t len, bool idle)
{
	return halo_blk_recv_by(sock, buf, len, idle, 0);
}

/* An ERROR frame's text, made printable, into @out. */
static void halo_blk_error_text(const u8 *p, u32 len, char *out, size_t size)
{
	size_t i, n = min_t(size_t, len, size - 1);

	for (i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[n] = '\0';
}

/*
 * Receive the peer's HELLO, by @deadline (jiffies; 0: the socket's
 * timeout for each read). An ERROR instead ends the attempt with the
 * peer's reason in @err: -EINVAL if the peer found a mismatch (final),
 * -EAGAIN otherwise.
 */
noinline_for_stack int halo_blk_recv_hello(struct socket *sock, struct halo_p_hello *h,
					   char *err, size_t err_size,
					   unsigned long deadline)
{
	u8 buf[HALO_P_HELLO_LEN + HALO_BLK_ERROR_MAX];
	struct halo_p_hdr hdr;
	const char *why;
	u32 code;
	int ret;

	ret = halo_blk_recv_by(sock, buf, HALO_P_HDR_LEN, false, deadline);
	if (ret)
		return ret;
	if (halo_p_hdr_decode(buf, &hdr, &why)) {
		snprintf(err, err_size, "the peer sent garbage: %s", why);
		return -EPROTO;
	}
	if (hdr.type == HALO_P_ERROR && hdr.len >= 4 && hdr.len <= sizeof(buf)) {
		ret = halo_blk_recv_by(sock, buf, hdr.len, false, deadline);
		if (ret)
			return ret;
		code = get_unaligned_be32(buf);
		strscpy(err, "the peer refused: ", err_size);
		halo_blk_error_text(buf + 4, hdr.len - 4, err + strlen(err),
				    err_size - strlen(err));
		return code == HALO_BLK_ERR_MISMATCH ? -EINVAL : -EAGAIN;
	}
	if (hdr.type != HALO_P_HELLO || hdr.len != HALO_P_HELLO_LEN) {
		snprintf(err, err_size, "the peer sent %s instead of hello",
			 halo_p_type_name(hdr.type));
		return -EPROTO;
	}
	ret = halo_blk_recv_by(sock, buf, hdr.len, false, deadline);
	if (ret)
		return ret;
	if (halo_p_hello_decode(buf, hdr.len, h, &why)) {
		snprintf(err, err_size, "the peer's hello is malformed: %s", why);
		return -EPROTO;
	}
	return 0;
}

static void halo_blk_sock_timeouts(struct socket *sock, long rcv, long snd)
{
	WRITE_ONCE(sock->sk->sk_rcvtimeo, rcv);
	WRITE_ONCE(sock->sk->sk_sndtimeo, snd);
}

/* -- a connection the listener accepted (listen.c) --------------------- */

/*
 * The device named by @h waits for node h->node_id on @port: give it
 * @sock. Returns NULL if taken, else @sock, after telling the peer why not.
 */
struct socket *halo_blk_conn_take(struct net *net, struct socket *sock,
				  const struct halo_p_hello *h, u16 port)
{
	struct halo_blk_dev *dev;
	const char *why = NULL;

	mutex_lock(&halo_blk_lock);
	dev = halo_blk_dev_find(net, h->name);
	if (!dev) {
		why = "no device of that name here (yet)";
	} else {
		mutex_lock(&dev->lock);
		if (READ_ONCE(dev->conn.state) != HALO_BLK_CONN_STATE_CONNECTING ||
		    dev->conn.peer_id != h->node_id || dev->conn.port != port) {
			why = "the device here does not wait for that node";
		} else if (dev->conn.accepted) {
			why = "the device here has a connection from that node already";
		} else {
			dev->conn.accepted = sock;
			dev->conn.accepted_hello = *h;
			sock = NULL;
			wake_up(&dev->conn.wait);
		}
		mutex_unlock(&dev->lock);
	}
	mutex_unlock(&halo_blk_lock);
	if (sock)
		halo_blk_send_error(sock, HALO_BLK_ERR_RETRY, why);
	return sock;
}

/*
 * End the connection: its receiver sees the socket shut, and the
 * connection thread tears it down and tries again. The device's lock held
 * (it guards conn.sock); never waits for the socket or its send_lock.
 */
void halo_blk_conn_kill(struct halo_blk_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (dev->conn.sock)
		kernel_sock_shutdown(dev->conn.sock, SHUT_RDWR);
}

/* -- membership ----------------------------------------------------------- */

/*
 * A peer that leaves the cluster's view counts as disconnected at once,
 * without waiting for TCP or a ping; none is connected to outside it. A
 * change of quorum takes on-no-quorum's verdict again (quorum.c).
 * halo's notifier runs with the instance locked: the devices are looked
 * at from a work item.
 */
static void halo_blk_view_check(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;

	mutex_lock(&dev->lock);
	if (halo_blk_conn_up(conn->state) && conn->sock && !conn->view_lost &&
	    halo_node_in_view(dev->net, conn->peer_id) == 0) {
		conn->view_lost = true;
		pr_info("%s: node %u left the membership view: disconnecting\n",
			dev->name, conn->peer_id);
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	}
	mutex_unlock(&dev->lock);
}

static void halo_blk_view_work_fn(struct work_struct *work)
{
	struct halo_blk_dev *dev;

	mutex_lock(&halo_blk_lock);
	list_for_each_entry(dev, &halo_blk_devs, list) {
		halo_blk_view_check(dev);
		mutex_lock(&dev->lock);
		halo_blk_noq_update(dev);
		mutex_unlock(&dev->lock);
	}
	mutex_unlock(&halo_blk_lock);
}

static DECLARE_WORK(halo_blk_view_work, halo_blk_view_work_fn);

static int halo_blk_view_event(struct notifier_block *nb, unsigned long event,
			       void *data)
{
	if (event == HALO_EVENT_VIEW || event == HALO_EVENT_CONFIG ||
	    event == HALO_EVENT_QUORUM || event == HALO_EVENT_DESTROY)
		schedule_work(&halo_blk_view_work);
	return NOTIFY_DONE;
}

static struct notifier_block halo_blk_view_nb = {
	.notifier_call = halo_blk_view_event,
};

int halo_blk_view_init(void)
{
	return halo_register_notifier(&halo_blk_view_nb);
}

void halo_blk_view_exit(void)
{
	halo_unregister_notifier(&halo_blk_view_nb);
	flush_work(&halo_blk_view_work);
}

/* -- the connection thread ---------------------------------------------- */

static void halo_blk_conn_set(struct halo_blk_dev *dev, u32 state,
			      const char *error)
{
	lockdep_assert_held(&dev->lock);
	if (error)
		strscpy(dev->conn.error, error, sizeof(dev->conn.error));
	if (dev->conn.state == state && !error)
		return;
	WRITE_ONCE(dev->conn.state, state);
	halo_blk_nl_notify(dev);
}

static void halo_blk_hello_fill(struct halo_blk_dev *dev, struct halo_p_hello *h)
{
	lockdep_assert_held(&dev->lock);
	memset(h, 0, sizeof(*h));
	h->node_id = dev->node_id;
	h->peer_id = dev->conn.peer_id;
	h->protocol = dev->conn.protocol;
	if (dev->conn.two_primaries)
		h->flags |= HALO_P_HF_TWO_PRIMARIES;
	if (dev->conn.discard_my_data)
		h->flags |= HALO_P_HF_DISCARD_MY_DATA;
	if (dev->sb.flags & HALO_MD_F_OLDER_PRIMARY)
		h->flags |= HALO_P_HF_OLDER_PRIMARY;
	memcpy(h->after_sb, dev->conn.after_sb, sizeof(h->after_sb));
	h->role = dev->role;
	h->disk_state = dev->disk_state;
	if (dev->sb.flags & HALO_MD_F_PRIMARY && dev->role != HALO_BLK_ROLE_PRIMARY)
		h->flags |= HALO_P_HF_CRASHED_PRIMARY;
	h->data_blocks = dev->sb.layout.data_blocks;
	memcpy(h->gen, dev->sb.gen, sizeof(h->gen));
	memcpy(h->uuid, dev->sb.uuid, sizeof(h->uuid));
	strscpy(h->cluster, dev->sb.cluster, sizeof(h->cluster));
	strscpy(h->name, dev->name, sizeof(h->name));
	h->out_of_sync = halo_blk_out_of_sync(dev) >> HALO_MD_BLOCK_SHIFT;
}

/* Dial the peer, link by link. */
static int halo_blk_dial(struct halo_blk_dev *dev, struct socket **out)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct sockaddr_storage a;
	struct socket *sock;
	int ret, last = -ENOENT, alen;
	unsigned int l;

	/* every link of the peer in turn; the last one's error if none answers */
	for (l = 0; !kthread_should_stop(); l++) {
		ret = halo_node_addr(dev->net, conn->peer_id, l, &a);
		if (ret == -ERANGE)
			break;
		if (ret) {
			mutex_lock(&dev->lock);
			halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_CONNECTING,
					  "the peer is not in the cluster configuration");
			mutex_unlock(&dev->lock);
			return ret;
		}
		if (a.ss_family == AF_INET6) {
			((struct sockaddr_in6 *)&a)->sin6_port = htons(conn->port);
			alen = sizeof(struct sockaddr_in6);
		} else {
			((struct sockaddr_in *)&a)->sin_port = htons(conn->port);
			alen = sizeof(struct sockaddr_in);
		}
		ret = sock_create_kern(dev->net, a.ss_family, SOCK_STREAM,
				       IPPROTO_TCP, &sock);
		if (ret) {
			last = ret;
			continue;
		}
		halo_blk_sock_timeouts(sock, HALO_BLK_HELLO_TIMEOUT,
				       HALO_BLK_DIAL_TIMEOUT);
		/* a disconnect shuts it down, which ends the wait */
		mutex_lock(&dev->lock);
		conn->sock = sock;
		mutex_unlock(&dev->lock);
		ret = kernel_connect(sock, (struct sockaddr *)&a, alen, 0);
		if (!ret) {
			*out = sock;
			return 0;
		}
		last = ret;
		mutex_lock(&dev->lock);
		conn->sock = NULL;
		mutex_unlock(&dev->lock);
		sock_release(sock);
	}
	return last;
}

/*
 * Wait for the listener to hand over the peer's connection: -ETIME if it
 * did not within HALO_BLK_RETRY (the caller waits again at once).
 */
static int halo_blk_wait_accepted(struct halo_blk_dev *dev, struct socket **out,
				  struct halo_p_hello *peer)
{
	struct halo_blk_conn *conn = &dev->conn;

	wait_event_interruptible_timeout(conn->wait, READ_ONCE(conn->accepted) ||
					 kthread_should_stop(), HALO_BLK_RETRY);
	mutex_lock(&dev->lock);
	*out = conn->accepted;
	*peer = conn->accepted_hello;
	conn->accepted = NULL;
	if (*out)
		conn->sock = *out;
	mutex_unlock(&dev->lock);
	return *out ? 0 : -ETIME;
}

static void halo_blk_gen_side(const struct halo_p_hello *h, struct halo_gen_side *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->gen, h->gen, sizeof(s->gen));
	s->node_id = h->node_id;
	s->primary = h->role == HALO_BLK_ROLE_PRIMARY;
	s->crashed_primary = h->flags & HALO_P_HF_CRASHED_PRIMARY;
	s->older_primary = h->flags & HALO_P_HF_OLDER_PRIMARY;
	s->discard_my_data = h->flags & HALO_P_HF_DISCARD_MY_DATA;
	s->changes = h->out_of_sync;
}

/*
 * The handshake found a split brain: decide by discard-my-data and the
 * policies (both sides decide the same), record it and say so.
 */
static enum halo_gen_verdict
halo_blk_split_brain(struct halo_blk_dev *dev, const struct halo_gen_side *a,
		     const struct halo_gen_side *b, int rule, const u8 *after_sb)
{
	struct halo_gen_sb_policy pol;
	struct halo_blk_sb_info *sb = &dev->conn.sb;
	unsigned int pri = a->primary + b->primary;
	enum halo_gen_verdict v;
	const char *how, *name;

	memcpy(pol.pri, after_sb, sizeof(pol.pri));
	v = halo_gen_split_brain(a, b, rule, &pol, &how);
	name = halo_gen_sb_policy_name(pol.pri[pri]);

	mutex_lock(&dev->lock);
	sb->found = true;
	sb->primaries = pri;
	sb->survivor = 0;
	if (v == HALO_GEN_BITMAP_SOURCE || v == HALO_GEN_FULL_SOURCE)
		sb->survivor = a->node_id;
	else if (v != HALO_GEN_SPLIT_BRAIN)
		sb->survivor = b->node_id;
	if (!strcmp(how, "discard-my-data"))
		snprintf(sb->policy, sizeof(sb->policy), "discard-my-data on node %u",
			 a->discard_my_data ? a->node_id : b->node_id);
	else if (!strcmp(how, name))
		snprintf(sb->policy, sizeof(sb->policy), "after-sb-%upri %s", pri, name);
	else
		snprintf(sb->policy, sizeof(sb->policy), "after-sb-%upri %s: %s",
			 pri, name, how);
	sb->local_changes = a->changes << HALO_MD_BLOCK_SHIFT;
	sb->peer_changes = b->changes << HALO_MD_BLOCK_SHIFT;
	halo_blk_nl_notify_split_brain(dev);
	mutex_unlock(&dev->lock);

	if (sb->survivor)
		pr_warn("%s: split brain with node %u, %u primaries, solved by %s: sync from node %u\n",
			dev->name, b->node_id, pri, sb->policy, sb->survivor);
	else
		pr_warn("%s: split brain with node %u, %u primaries, not solved (%s): StandAlone\n",
			dev->name, b->node_id, pri, sb->policy);
	return v;
}

/*
 * Connect and exchange HELLOs. -EINVAL: the two sides cannot replicate
 * (@err says why; the peer was told); any other error: try again.
 */
static noinline_for_stack int
halo_blk_establish(struct halo_blk_dev *dev, struct socket **out,
		   struct halo_p_hello *peer, enum halo_gen_verdict *v,
		   char *err, size_t size)
{
	struct halo_p_hello *self = &dev->conn.self;
	u8 *buf = dev->conn.hello_buf;
	struct halo_gen_side a, b;
	struct socket *sock;
	const char *why;
	bool dialler;
	int ret, rule;

	mutex_lock(&dev->lock);
	dev->conn.view_lost = false;
	halo_blk_hello_fill(dev, self);
	mutex_unlock(&dev->lock);
	if (halo_node_in_view(dev->net, self->peer_id) == 0) {
		snprintf(err, size, "node %u is not in the membership view",
			 self->peer_id);
		return -EAGAIN;
	}
	dialler = self->node_id < self->peer_id;
	ret = dialler ? halo_blk_dial(dev, &sock) :
			halo_blk_wait_accepted(dev, &sock, peer);
	if (ret && dialler && ret == -ECONNREFUSED)
		snprintf(err, size, "node %u refused the connection on port %u",
			 self->peer_id, dev->conn.port);
	else if (ret && dialler && ret != -ENOENT && !kthread_should_stop())
		snprintf(err, size, "node %u cannot be reached on port %u: %pe",
			 self->peer_id, dev->conn.port, ERR_PTR(ret));
	if (ret)
		return ret;

	halo_blk_sock_timeouts(sock, HALO_BLK_HELLO_TIMEOUT, HALO_BLK_HELLO_TIMEOUT);
	tcp_sock_set_nodelay(sock->sk);
	halo_p_hello_encode(self, buf);
	ret = halo_blk_send_frame(sock, HALO_P_HELLO, buf, HALO_P_HELLO_LEN);
	if (dialler && !ret)
		ret = halo_blk_recv_hello(sock, peer, err, size, 0);
	if (ret)
		goto fail;

	ret = halo_p_hello_match(self, peer, &why);
	if (!ret && (self->disk_state == HALO_BLK_DISK_STATE_DISKLESS ||
		     peer->disk_state == HALO_BLK_DISK_STATE_DISKLESS)) {
		/* no disk, nothing to compare: the disk's side serves I/O */
		*v = HALO_GEN_NONE;
	} else if (!ret) {
		halo_blk_gen_side(self, &a);
		halo_blk_gen_side(peer, &b);
		*v = halo_gen_compare(&a, &b, &rule);
		if (*v == HALO_GEN_UNRELATED) {
			why = "the two disks hold unrelated data (no common history)";
			ret = -EINVAL;
		} else if (*v == HALO_GEN_SPLIT_BRAIN) {
			*v = halo_blk_split_brain(dev, &a, &b, rule, self->after_sb);
			if (*v == HALO_GEN_SPLIT_BRAIN) {
				mutex_lock(&dev->lock);
				snprintf(dev->conn.sb_why, sizeof(dev->conn.sb_why),
					 "split brain, left StandAlone (%.96s)",
					 dev->conn.sb.policy);
				mutex_unlock(&dev->lock);
				why = dev->conn.sb_why;
				ret = -EINVAL;
			}
		}
	}
	if (ret) {
		strscpy(err, why, size);
		halo_blk_send_error(sock, HALO_BLK_ERR_MISMATCH, why);
		goto fail;
	}
	*out = sock;
	return 0;
fail:
	mutex_lock(&dev->lock);
	dev->conn.sock = NULL;
	mutex_unlock(&dev->lock);
	sock_release(sock);
	return ret;
}

/*
 * A frame's payload, whose length its type sets between @min and @max,
 * into @buf. 1: refused, the reason in @err; < 0: the connection is gone.
 */
static int halo_blk_recv_payload(struct socket *sock, const struct halo_p_hdr *hdr,
				 void *buf, u32 min, u32 max, char *err, size_t size)
{
	if (hdr->len < min || hdr->len > max) {
		snprintf(err, size, "the peer sent a %s frame of %u bytes",
			 halo_p_type_name(hdr->type), hdr->len);
		return 1;
	}
	return hdr->len ? halo_blk_recv(sock, buf, hdr->len, false) : 0;
}

/*
 * Connected: apply the peer's writes, complete ours on its acks, answer
 * pings and send them when the peer is quiet, until the connection ends.
 */
static noinline_for_stack void
halo_blk_receive(struct halo_blk_dev *dev, struct socket *sock, char *err,
		 size_t size)
{
	u8 buf[4 + HALO_BLK_ERROR_MAX];
	u64 gen[HALO_MD_GEN_COUNT];
	struct halo_p_rs_start rs;
	struct halo_p_ov_reply ovr;
	struct halo_p_ov_req ovq;
	struct halo_p_read_reply rr;
	struct halo_p_read_req rreq;
	u8 *bm_buf = dev->conn.rx_bitmap;
	struct halo_p_state st;
	struct halo_p_data d;
	u64 count;
	struct halo_p_ack a;
	struct halo_p_hdr hdr;
	bool pinged = false, resync;
	const char *why = NULL;
	int ret;

	halo_blk_sock_timeouts(sock, HALO_BLK_PING_INT, HALO_BLK_PING_INT);
	while (!kthread_should_stop()) {
		halo_blk_ack_idle(dev, sock);
		ret = halo_blk_recv(sock, buf, HALO_P_HDR_LEN, true);
		if (ret == -EAGAIN) {
			if (pinged) {
				strscpy(err, "the peer did not answer a ping", size);
				return;
			}
			pinged = true;
			if (halo_blk_ack_queue(dev, HALO_P_PING, NULL, 0, false))
				break;
			continue;
		}
		if (ret)
			break;
		pinged = false;
		if (halo_p_hdr_decode(buf, &hdr, &why)) {
			snprintf(err, size, "the peer sent garbage: %s", why);
			return;
		}
		switch (hdr.type) {
		case HALO_P_PING:
			ret = halo_blk_recv_payload(sock, &hdr, buf, 0, 0, err, size);
			if (ret > 0)
				return;
			if (ret || halo_blk_ack_queue(dev, HALO_P_PING_ACK, NULL, 0, false))
				goto lost;
			break;
		case HALO_P_DATA:
		case HALO_P_RS_DATA:
			/* the header here; the data goes straight into pages */
			if (hdr.len < HALO_P_DATA_HDR) {
				snprintf(err, size, "the peer sent a %s frame of %u bytes",
					 halo_p_type_name(hdr.type), hdr.len);
				return;
			}
			if (halo_blk_recv(sock, buf, HALO_P_DATA_HDR, false))
				goto lost;
			if (halo_p_data_decode(buf, hdr.len, halo_blk_size_bytes(dev),
					       &d, &why)) {
				snprintf(err, size, "the peer sent a bad write: %s", why);
				return;
			}
			if (READ_ONCE(dev->role) == HALO_BLK_ROLE_PRIMARY &&
			    !READ_ONCE(dev->conn.two_primaries)) {
				strscpy(err, "both nodes are primary: the peer's write was refused",
					size);
				return;
			}
			if (hdr.type == HALO_P_RS_DATA &&
			    (READ_ONCE(dev->conn.state) != HALO_BLK_CONN_STATE_SYNC_TARGET ||
			     !READ_ONCE(dev->conn.rs_total) || d.flags)) {
				strscpy(err, "the peer sent resync data this side did not expect",
					size);
				return;
			}
			ret = halo_blk_repl_rx_data(dev, sock, &d,
						    hdr.type == HALO_P_RS_DATA);
			if (ret == -ENOBUFS) {
				strscpy(err, "the peer has too many writes awaiting acks", size);
				return;
			}
			if (ret)
				goto lost;
			break;
		case HALO_P_RS_ACK:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_ACK_LEN,
						    HALO_P_ACK_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_ack_decode(buf, hdr.len, &a, &why) ||
			    halo_blk_rs_ack(dev, &a)) {
				strscpy(err, "the peer sent a resync ack for nothing sent", size);
				return;
			}
			break;
		case HALO_P_BITMAP:
			ret = halo_blk_recv_payload(sock, &hdr, bm_buf, HALO_P_BITMAP_LEN,
						    HALO_P_BITMAP_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_blk_rs_bitmap(dev, bm_buf, hdr.len)) {
				strscpy(err, "the peer sent a bitmap this side cannot use",
					size);
				return;
			}
			break;
		case HALO_P_BITMAP_DONE:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_BITMAP_DONE_LEN,
						    HALO_P_BITMAP_DONE_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_bitmap_done_decode(buf, hdr.len, &count, &why) ||
			    halo_blk_rs_bitmap_done(dev, count)) {
				strscpy(err, "the resync could not start on the peer's bitmap",
					size);
				return;
			}
			break;
		case HALO_P_RS_START:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_RS_START_LEN,
						    HALO_P_RS_START_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_rs_start_decode(buf, hdr.len, dev->sb.layout.data_blocks,
						   &rs, &why)) {
				snprintf(err, size, "the peer sent a bad resync start: %s", why);
				return;
			}
			if (halo_blk_rs_begin(dev, rs.gen, rs.blocks)) {
				strscpy(err, "the peer started a resync this side did not expect",
					size);
				return;
			}
			break;
		case HALO_P_SYNC_DONE:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_SYNC_DONE_LEN,
						    HALO_P_SYNC_DONE_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_sync_done_decode(buf, hdr.len, gen, &why) ||
			    halo_blk_rs_done(dev, gen)) {
				strscpy(err, "the peer ended a resync this side had not finished",
					size);
				return;
			}
			break;
		case HALO_P_OV_REQUEST:
		case HALO_P_RS_CSUM:
			/* a range's checksums: a verify's, or a resync's (csums-alg) */
			resync = hdr.type == HALO_P_RS_CSUM;
			ret = halo_blk_recv_payload(sock, &hdr, dev->conn.rx_ov,
						    HALO_P_OV_REQ_HDR, HALO_P_OV_REQ_MAX,
						    err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_ov_req_decode(dev->conn.rx_ov, hdr.len,
						 dev->sb.layout.data_blocks, &ovq, &why)) {
				snprintf(err, size, "the peer sent a bad %s: %s",
					 resync ? "resync checksum request" : "verify request",
					 why);
				return;
			}
			ret = resync ? halo_blk_rs_csum_request(dev, &ovq) :
				       halo_blk_ov_request(dev, &ovq);
			if (ret == -EPROTO) {
				strscpy(err, resync ?
					"the peer sent resync checksums this side did not expect" :
					"the peer asked for a verify during a resync", size);
				return;
			}
			if (ret == -ENOBUFS) {
				strscpy(err,
					"the peer has too many checksum requests awaiting replies",
					size);
				return;
			}
			if (ret)
				goto lost;
			break;
		case HALO_P_OV_REPLY:
		case HALO_P_RS_CSUM_REPLY:
			resync = hdr.type == HALO_P_RS_CSUM_REPLY;
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_OV_REPLY_LEN,
						    HALO_P_OV_REPLY_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_ov_reply_decode(buf, hdr.len, dev->sb.layout.data_blocks,
						   &ovr, &why)) {
				snprintf(err, size, "the peer sent a bad %s: %s",
					 resync ? "resync checksum reply" : "verify reply", why);
				return;
			}
			if (resync ? halo_blk_rs_csum_reply(dev, &ovr) :
				     halo_blk_ov_reply(dev, &ovr)) {
				strscpy(err, resync ?
					"the peer answered resync checksums not sent" :
					"the peer answered a verify request not sent", size);
				return;
			}
			break;
		case HALO_P_READ_REQ:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_READ_REQ_LEN,
						    HALO_P_READ_REQ_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_read_req_decode(buf, hdr.len, halo_blk_size_bytes(dev),
						   &rreq, &why)) {
				snprintf(err, size, "the peer sent a bad read request: %s", why);
				return;
			}
			ret = halo_blk_prs_queue(dev, &rreq);
			if (ret == -ENOBUFS) {
				strscpy(err, "the peer has too many reads awaiting replies", size);
				return;
			}
			if (ret)
				goto lost;
			break;
		case HALO_P_READ_REPLY:
			/* the header here; the data goes straight into the request */
			if (hdr.len < HALO_P_READ_REPLY_HDR) {
				snprintf(err, size, "the peer sent a %s frame of %u bytes",
					 halo_p_type_name(hdr.type), hdr.len);
				return;
			}
			if (halo_blk_recv(sock, buf, HALO_P_READ_REPLY_HDR, false))
				goto lost;
			if (halo_p_read_reply_decode(buf, hdr.len, &rr, &why)) {
				snprintf(err, size, "the peer sent a bad read reply: %s", why);
				return;
			}
			ret = halo_blk_pr_reply(dev, sock, &rr);
			if (ret == -EPROTO) {
				strscpy(err, "the peer answered a read not asked for", size);
				return;
			}
			if (ret)
				goto lost;
			break;
		case HALO_P_STATE:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_STATE_LEN,
						    HALO_P_STATE_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_state_decode(buf, hdr.len, &st, &why)) {
				snprintf(err, size, "the peer sent a bad state: %s", why);
				return;
			}
			mutex_lock(&dev->lock);
			dev->conn.peer.role = st.role;
			dev->conn.peer.disk_state = st.disk_state;
			halo_blk_nl_notify(dev);
			mutex_unlock(&dev->lock);
			break;
		case HALO_P_RECV_ACK:
		case HALO_P_WRITE_ACK:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_ACK_LEN,
						    HALO_P_ACK_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_ack_decode(buf, hdr.len, &a, &why) ||
			    halo_blk_repl_ack(dev, &a)) {
				snprintf(err, size, "the peer sent a bad ack%s%s",
					 why ? ": " : "", why ?: "");
				return;
			}
			break;
		case HALO_P_BARRIER:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_BARRIER_LEN,
						    HALO_P_BARRIER_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_barrier_decode(buf, hdr.len, &count, &why)) {
				snprintf(err, size, "the peer sent a bad barrier: %s", why);
				return;
			}
			ret = halo_blk_repl_barrier(dev, count);
			if (ret == -EPROTO || ret == -ENOBUFS) {
				strscpy(err, ret == -EPROTO ?
					"the peer sent a barrier out of order" :
					"the peer has too many barriers awaiting acks", size);
				return;
			}
			if (ret)
				goto lost;
			break;
		case HALO_P_BARRIER_ACK:
			ret = halo_blk_recv_payload(sock, &hdr, buf, HALO_P_ACK_LEN,
						    HALO_P_ACK_LEN, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			if (halo_p_ack_decode(buf, hdr.len, &a, &why)) {
				snprintf(err, size, "the peer sent a bad barrier ack: %s", why);
				return;
			}
			if (halo_blk_tl_ack(dev, &a)) {
				strscpy(err, "the peer acknowledged a barrier not sent", size);
				return;
			}
			break;
		case HALO_P_PING_ACK:
			ret = halo_blk_recv_payload(sock, &hdr, buf, 0, 0, err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			break;
		case HALO_P_ERROR:
			ret = halo_blk_recv_payload(sock, &hdr, buf, 4, sizeof(buf),
						    err, size);
			if (ret > 0)
				return;
			if (ret)
				goto lost;
			strscpy(err, "the peer ended the connection: ", size);
			halo_blk_error_text(buf + 4, hdr.len - 4, err + strlen(err),
					    size - strlen(err));
			return;
		default:
			snprintf(err, size, "the peer sent an unexpected %s frame",
				 halo_p_type_name(hdr.type));
			return;
		}
	}
lost:
	if (!kthread_should_stop())
		strscpy(err, "connection lost", size);
}

static int halo_blk_conn_thread(void *arg)
{
	struct halo_blk_dev *dev = arg;
	struct halo_blk_conn *conn = &dev->conn;
	struct halo_p_hello *peer = &conn->hello_peer;
	char *err = conn->thread_err;
	const size_t err_size = sizeof(conn->thread_err);
	enum halo_gen_verdict verdict;
	struct socket *sock;
	int ret;

	while (!kthread_should_stop()) {
		err[0] = '\0';
		ret = halo_blk_establish(dev, &sock, peer, &verdict, err,
					 err_size);
		if (ret == -EINVAL) {
			/* not retried: an administrator must act */
			mutex_lock(&dev->lock);
			halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_STANDALONE, err);
			mutex_unlock(&dev->lock);
			pr_warn("%s: cannot connect to node %u: %s\n", dev->name,
				conn->peer_id, err);
			wait_event_interruptible(conn->wait, kthread_should_stop());
			break;
		}
		/* the listener's side: nothing came yet; wait again at once */
		if (ret == -ETIME)
			continue;
		if (ret) {
			if (err[0]) {
				mutex_lock(&dev->lock);
				halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_CONNECTING, err);
				mutex_unlock(&dev->lock);
			}
			schedule_timeout_interruptible(HALO_BLK_RETRY);
			continue;
		}

		mutex_lock(&dev->lock);
		conn->peer = *peer;
		conn->error[0] = '\0';
		conn->discard_my_data = false;	/* DRBD's too: used once */
		halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_CONNECTED, NULL);
		mutex_unlock(&dev->lock);
		halo_blk_repl_up(dev, sock);
		/* a role or disk state that changed since the HELLO went */
		mutex_lock(&dev->lock);
		if (dev->role != conn->self.role || dev->disk_state != conn->self.disk_state)
			halo_blk_repl_state(dev);
		mutex_unlock(&dev->lock);
		pr_info("%s: connected to node %u (%s)\n", dev->name,
			conn->peer_id, halo_gen_verdict_name(verdict));
		halo_blk_rs_start(dev, verdict);

		err[0] = '\0';
		halo_blk_receive(dev, sock, err, err_size);
		if (READ_ONCE(conn->view_lost))
			snprintf(err, err_size, "node %u left the membership view",
				 conn->peer_id);

		kernel_sock_shutdown(sock, SHUT_RDWR);
		/* first: the writes a resync chunk may wait for complete */
		halo_blk_repl_down(dev);
		halo_blk_rs_stop(dev);
		halo_blk_ov_stop(dev, "the connection went");
		mutex_lock(&dev->lock);
		conn->sock = NULL;
		halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_CONNECTING,
				  err[0] ? err : NULL);
		mutex_unlock(&dev->lock);
		kernel_sock_shutdown(sock, SHUT_RDWR);
		sock_release(sock);
		if (err[0])
			pr_info("%s: disconnected from node %u: %s\n", dev->name,
				conn->peer_id, err);
	}
	return 0;
}

int halo_blk_connect(struct halo_blk_dev *dev, const struct halo_blk_conn_opts *o,
		     struct netlink_ext_ack *extack)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct sockaddr_storage a;
	struct task_struct *t;
	bool failed;
	int ret;

	lockdep_assert_held(&halo_blk_lock);
	if (o->peer_id == dev->node_id) {
		NL_SET_ERR_MSG(extack, "the peer is this node");
		return -EINVAL;
	}
	if (o->two_primaries && o->protocol != HALO_P_PROTO_C) {
		NL_SET_ERR_MSG(extack,
			       "allow-two-primaries needs protocol C: a primary's write must be on both disks when it completes");
		return -EINVAL;
	}
	ret = halo_node_addr(dev->net, o->peer_id, 0, &a);
	if (ret) {
		NL_SET_ERR_MSG_FMT(extack,
				   "node %u is not in this namespace's cluster configuration",
				   o->peer_id);
		return -ENOENT;
	}
	mutex_lock(&dev->lock);
	if (conn->thread && conn->state != HALO_BLK_CONN_STATE_STANDALONE) {
		NL_SET_ERR_MSG_FMT(extack, "device is %s with node %u: disconnect first",
				   halo_blk_conn_state_name(conn->state), conn->peer_id);
		ret = -EBUSY;
		goto out;
	}
	failed = conn->thread;
	mutex_unlock(&dev->lock);
	/* the last attempt failed for good: its thread waits to be stopped */
	if (failed)
		halo_blk_disconnect(dev);
	if (dev->node_id > o->peer_id) {
		ret = halo_blk_listen_start(dev->net, dev->node_id, o->port, extack);
		if (ret)
			return ret;
	}
	mutex_lock(&dev->lock);
	conn->peer_id = o->peer_id;
	conn->port = o->port;
	conn->protocol = o->protocol;
	WRITE_ONCE(conn->two_primaries, o->two_primaries);
	WRITE_ONCE(conn->rs_max_rate, o->rs_max_rate);
	WRITE_ONCE(conn->rs_min_rate, o->rs_min_rate);
	memcpy(conn->after_sb, o->after_sb, sizeof(conn->after_sb));
	WRITE_ONCE(conn->csums_alg, o->csums_alg);
	conn->discard_my_data = o->discard_my_data;
	conn->error[0] = '\0';
	t = kthread_create(halo_blk_conn_thread, dev, "halo_blk%u", dev->minor);
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	conn->thread = t;
	halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_CONNECTING, NULL);
	wake_up_process(t);
	ret = 0;
out:
	mutex_unlock(&dev->lock);
	return ret;
}

void halo_blk_disconnect(struct halo_blk_dev *dev)
{
	struct halo_blk_conn *conn = &dev->conn;
	struct task_struct *t;

	mutex_lock(&dev->lock);
	t = conn->thread;
	conn->thread = NULL;
	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	mutex_unlock(&dev->lock);
	if (!t)
		return;
	kthread_stop(t);
	mutex_lock(&dev->lock);
	if (conn->accepted) {
		sock_release(conn->accepted);
		conn->accepted = NULL;
	}
	halo_blk_conn_set(dev, HALO_BLK_CONN_STATE_STANDALONE, NULL);
	mutex_unlock(&dev->lock);
}
