// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * UDP sockets (one per link of the local node, in the instance's network
 * namespace), authentication, and the receive path. A datagram is checked
 * in this order, and dropped and counted at the first failure: structure
 * (wire.c), sender and address, MAC, replay window, payload. Nothing in it
 * is believed before the MAC has been checked.
 */

#include "cluster.h"
#include "netlink.h"

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/net.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>

/* Datagrams drained per socket before rx_work yields and re-queues. */
#define HALO_RX_BUDGET	256

static void (*halo_udp_data_ready)(struct sock *sk);

static void halo_sock_data_ready(struct sock *sk)
{
	struct halo_cluster *c;

	rcu_read_lock();
	c = rcu_dereference_sk_user_data(sk);
	if (c)
		queue_work(c->wq, &c->rx_work);
	rcu_read_unlock();
}

int halo_transport_key(struct halo_cluster *c, const u8 *key, size_t len)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	/* Without a key, the MAC still catches corruption, not forgery. */
	if (key)
		ret = crypto_shash_setkey(tfm, key, len);
	else
		ret = crypto_shash_setkey(tfm, c->name, strlen(c->name));
	if (ret < 0) {
		crypto_free_shash(tfm);
		return ret;
	}
	c->tfm = tfm;
	c->authenticated = !!key;
	return 0;
}

static int halo_mac(struct halo_cluster *c, const u8 *data, size_t len,
		    u8 *mac)
{
	SHASH_DESC_ON_STACK(desc, c->tfm);
	u8 digest[SHA256_DIGEST_SIZE];
	int ret;

	desc->tfm = c->tfm;
	ret = crypto_shash_digest(desc, data, len, digest);
	shash_desc_zero(desc);
	memcpy(mac, digest, HALO_WIRE_MAC_LEN);
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

static int halo_addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6);
}

static void halo_addr_set_port(struct sockaddr_storage *a, u16 port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

/* Same address and port; the scope of a link-local IPv6 address counts. */
static bool halo_addr_match(const struct sockaddr_storage *from,
			    const struct sockaddr_storage *want, u16 port)
{
	if (from->ss_family != want->ss_family)
		return false;
	if (from->ss_family == AF_INET) {
		const struct sockaddr_in *f = (const struct sockaddr_in *)from;
		const struct sockaddr_in *w = (const struct sockaddr_in *)want;

		return f->sin_port == htons(port) &&
		       f->sin_addr.s_addr == w->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
		const struct sockaddr_in6 *w = (const struct sockaddr_in6 *)want;

		return f->sin6_port == htons(port) &&
		       ipv6_addr_equal(&f->sin6_addr, &w->sin6_addr);
	}
}

static bool halo_addr_is_local(struct net *net, const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return inet_addr_type(net, ((const struct sockaddr_in *)a)->sin_addr.s_addr) ==
		       RTN_LOCAL;
	return ipv6_chk_addr(net, &((const struct sockaddr_in6 *)a)->sin6_addr,
			     NULL, 0);
}

int halo_transport_open(struct halo_cluster *c, int slot,
			struct netlink_ext_ack *extack)
{
	struct halo_node *n = &c->node[slot];
	struct sockaddr_storage a;
	struct socket *sock;
	int l, ret;

	lockdep_assert_held(&c->lock);
	for (l = 0; l < n->n_links; l++) {
		a = n->link[l].addr;
		halo_addr_set_port(&a, c->port);
		/* UDP would bind a foreign address and send from it */
		if (!halo_addr_is_local(c->net, &a)) {
			NL_SET_ERR_MSG(extack,
				       "the local node's address is not configured in this network namespace");
			ret = -EADDRNOTAVAIL;
			goto err;
		}
		ret = sock_create_kern(c->net, a.ss_family, SOCK_DGRAM,
				       IPPROTO_UDP, &sock);
		if (ret < 0) {
			NL_SET_ERR_MSG(extack, "cannot create a UDP socket");
			goto err;
		}
		if (a.ss_family == AF_INET6)
			ip6_sock_set_v6only(sock->sk);
		ret = kernel_bind(sock, (struct sockaddr *)&a, halo_addr_len(&a));
		if (ret < 0) {
			sock_release(sock);
			NL_SET_ERR_MSG(extack,
				       "cannot bind the local node's address and port (is the address configured in this namespace, and the port free?)");
			goto err;
		}
		/*
		 * Arrival stamps: the quorum lease is dated by when a
		 * heartbeat arrived, not by when a busy node read it.
		 */
		sock_enable_timestamps(sock->sk);
		write_lock_bh(&sock->sk->sk_callback_lock);
		halo_udp_data_ready = sock->sk->sk_data_ready;
		rcu_assign_sk_user_data(sock->sk, c);
		sock->sk->sk_data_ready = halo_sock_data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		c->sock[l] = sock;
	}
	return 0;
err:
	halo_transport_close(c);
	return ret;
}

void halo_transport_close(struct halo_cluster *c)
{
	struct socket *sock;
	int l;

	lockdep_assert_held(&c->lock);
	for (l = 0; l < HALO_MAX_LINKS; l++) {
		sock = c->sock[l];
		if (!sock)
			continue;
		write_lock_bh(&sock->sk->sk_callback_lock);
		rcu_assign_sk_user_data(sock->sk, NULL);
		sock->sk->sk_data_ready = halo_udp_data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		sock_release(sock);
		c->sock[l] = NULL;
	}
}

static void halo_send_link(struct halo_cluster *c, int slot, int l, u8 type,
			   const u8 *payload, size_t len)
{
	struct halo_link *link = &c->node[slot].link[l];
	struct halo_wire_info info = {
		.type = type,
		.link = l,
		.cluster = c->cluster_id,
		.from = c->node_id,
		.to = c->mb.node[slot].id,
		.payload_len = len,
		.incarnation = c->incarnation,
		.seq = ++c->seq,
	};
	struct sockaddr_storage to = link->addr;
	struct msghdr msg = {
		.msg_name = &to,
		.msg_namelen = halo_addr_len(&to),
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	struct kvec iov;
	size_t off;
	int ret;

	if (len > HALO_WIRE_MAX_PAYLOAD)
		return;
	halo_addr_set_port(&to, c->port);
	off = halo_wire_put_hdr(c->txbuf, &info);
	memcpy(c->txbuf + off, payload, len);
	off += len;
	if (halo_mac(c, c->txbuf, off, c->txbuf + off) < 0) {
		link->tx_errors++;
		return;
	}
	off += HALO_WIRE_MAC_LEN;
	iov.iov_base = c->txbuf;
	iov.iov_len = off;
	ret = kernel_sendmsg(c->sock[l], &msg, &iov, 1, off);
	if (ret < 0)
		link->tx_errors++;
	else
		link->tx_packets++;
}

/* Send to node @slot on every link both ends have. */
void halo_transport_send(struct halo_cluster *c, int slot, u8 type,
			 const u8 *payload, size_t len)
{
	int l;

	lockdep_assert_held(&c->lock);
	for (l = 0; l < c->node[slot].n_links; l++)
		if (c->sock[l])
			halo_send_link(c, slot, l, type, payload, len);
}

void halo_transport_heartbeats(struct halo_cluster *c, u64 now_ms)
{
	u8 payload[HALO_MB_HB_HDR + HALO_MB_MAX_NODES * HALO_MB_HB_ENTRY];
	struct halo_mb_echo echo;
	u64 now_ns;
	size_t len;
	int i, l;

	lockdep_assert_held(&c->lock);
	if (c->mb.self < 0)
		return;
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (!c->mb.node[i].used || i == c->mb.self)
			continue;
		for (l = 0; l < c->node[i].n_links; l++) {
			struct halo_link *link = &c->node[i].link[l];

			if (!c->sock[l])
				continue;
			now_ns = ktime_get_boottime_ns();
			echo.tx_ns = now_ns;
			echo.echo_ns = link->echo_tx_ns;
			echo.hold_us = link->echo_tx_ns ?
				div_u64(now_ns - link->echo_rx_ns, NSEC_PER_USEC) : 0;
			echo.hb_seq = ++link->hb_tx_seq;
			len = halo_mb_put_heartbeat(&c->mb, now_ms, &echo, payload,
						    sizeof(payload));
			halo_send_link(c, i, l, HALO_MSG_HEARTBEAT, payload, len);
		}
	}
}

static void halo_rtt_sample(struct halo_link *link, const struct halo_mb_echo *echo)
{
	u64 now_ns = ktime_get_boottime_ns(), held = (u64)echo->hold_us * NSEC_PER_USEC;
	u32 rtt_us;

	link->echo_tx_ns = echo->tx_ns;
	link->echo_rx_ns = now_ns;
	if (!echo->echo_ns || echo->echo_ns > now_ns ||
	    now_ns - echo->echo_ns < held ||
	    now_ns - echo->echo_ns - held > 10ULL * NSEC_PER_SEC)
		return;
	rtt_us = div_u64(now_ns - echo->echo_ns - held, NSEC_PER_USEC);
	link->srtt_us = link->srtt_us ? (7 * link->srtt_us + rtt_us) / 8 : rtt_us;
	if (!link->srtt_us)
		link->srtt_us = 1;
}

/* Loss accounting from the sender's per-link heartbeat counter. */
static void halo_hb_count(struct halo_link *link, u16 seq)
{
	u16 ahead = seq - link->hb_rx_seq;

	if (!link->hb_rx_started) {
		link->hb_rx_started = true;
		link->hb_rx_seq = seq;
		return;
	}
	if (!ahead || ahead >= 0x8000)
		return;		/* reordered or repeated: counts nothing */
	link->rx_lost += halo_mb_hb_gap(link->hb_rx_seq, seq);
	link->hb_rx_seq = seq;
}

static enum halo_drop_counter halo_drop_counter(enum halo_wire_drop why)
{
	switch (why) {
	case HALO_DROP_SHORT:
		return HALO_CNT_SHORT;
	case HALO_DROP_CLUSTER:
		return HALO_CNT_OTHER_CLUSTER;
	case HALO_DROP_NODE:
		return HALO_CNT_UNKNOWN_NODE;
	default:
		return HALO_CNT_BAD_HEADER;
	}
}

/*
 * When the datagram just read arrived, on halo_now_ms()'s clock: from the
 * socket's arrival stamp (wall clock), @now_ms if there is none or it is
 * not believable (the wall clock was stepped).
 */
static u64 halo_rx_arrival(struct msghdr *msg, u64 now_ms)
{
	struct __kernel_old_timespec ts;
	struct cmsghdr *cm;
	s64 waited_ns;

	for_each_cmsghdr(cm, msg) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SO_TIMESTAMPNS_OLD ||
		    cm->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		waited_ns = ktime_get_real_ns() -
			    (ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
		if (waited_ns < 0 || waited_ns > 10LL * NSEC_PER_SEC)
			return now_ms;
		return now_ms - min_t(u64, now_ms, div_u64(waited_ns,
							   NSEC_PER_MSEC));
	}
	return now_ms;
}

static void halo_rx_one(struct halo_cluster *c, int l,
			const struct sockaddr_storage *from, size_t len,
			struct msghdr *rxmsg)
{
	u8 mac[HALO_WIRE_MAC_LEN], *payload = c->rxbuf + HALO_WIRE_HDR_LEN;
	struct halo_mb_out out = {};
	struct halo_wire_info info;
	enum halo_wire_drop why;
	struct halo_mb_echo echo;
	struct halo_mb_msg msg;
	struct halo_link *link;
	struct halo_node *n;
	u64 now_ms;
	int slot;

	why = halo_wire_parse(c->rxbuf, len, c->cluster_id, c->node_id, &info);
	if (why != HALO_DROP_NONE) {
		c->drops[halo_drop_counter(why)]++;
		return;
	}
	slot = halo_mb_slot(&c->mb, info.from);
	if (slot < 0 || info.link != l || l >= c->node[slot].n_links ||
	    !halo_addr_match(from, &c->node[slot].link[l].addr, c->port)) {
		c->drops[HALO_CNT_UNKNOWN_NODE]++;
		return;
	}
	n = &c->node[slot];
	if (halo_mac(c, c->rxbuf, len - HALO_WIRE_MAC_LEN, mac) < 0 ||
	    crypto_memneq(mac, c->rxbuf + len - HALO_WIRE_MAC_LEN,
			  HALO_WIRE_MAC_LEN)) {
		c->drops[HALO_CNT_BAD_MAC]++;
		return;
	}
	if (halo_replay_check(&n->replay, info.incarnation, info.seq) !=
	    HALO_REPLAY_OK) {
		c->drops[HALO_CNT_REPLAY]++;
		return;
	}

	now_ms = halo_now_ms();
	link = &n->link[l];
	link->rx_packets++;
	link->heard_ms = now_ms;
	if (!link->up && ++link->good >= 2) {
		link->up = true;
		halo_genl_link_event(c, slot, l);
	}
	halo_mb_heard(&c->mb, slot, now_ms);

	if (info.type == HALO_MSG_HEARTBEAT) {
		if (!halo_mb_rx_heartbeat(&c->mb, slot, now_ms,
					  halo_rx_arrival(rxmsg, now_ms),
					  payload, info.payload_len, &echo)) {
			c->drops[HALO_CNT_BAD_PAYLOAD]++;
			return;
		}
		halo_rtt_sample(link, &echo);
		halo_hb_count(link, echo.hb_seq);
		return;
	}
	if (info.type == HALO_MSG_STANDBY) {
		halo_cluster_standby_rx(c, slot, payload, info.payload_len);
		return;
	}
	if (!halo_mb_parse_agree(&c->mb, info.type - HALO_MSG_PROPOSE, payload,
				 info.payload_len, &msg)) {
		c->drops[HALO_CNT_BAD_PAYLOAD]++;
		return;
	}
	halo_mb_rx_agree(&c->mb, slot, &msg, now_ms, &out);
	halo_cluster_apply(c, &out, now_ms, payload, info.payload_len, info.type);
}

void halo_transport_rx_work(struct work_struct *work)
{
	struct halo_cluster *c = container_of(work, struct halo_cluster, rx_work);
	u8 control[CMSG_SPACE(sizeof(struct __kernel_old_timespec))];
	struct sockaddr_storage from;
	struct msghdr msg;
	struct kvec iov;
	bool more = false;
	int l, budget, ret;

	mutex_lock(&c->lock);
	for (l = 0; l < HALO_MAX_LINKS && !c->dying; l++) {
		if (!c->sock[l])
			continue;
		for (budget = HALO_RX_BUDGET; budget; budget--) {
			memset(&msg, 0, sizeof(msg));
			msg.msg_name = &from;
			msg.msg_namelen = sizeof(from);
			msg.msg_control = control;
			msg.msg_controllen = sizeof(control);
			iov.iov_base = c->rxbuf;
			iov.iov_len = sizeof(c->rxbuf);
			ret = kernel_recvmsg(c->sock[l], &msg, &iov, 1,
					     sizeof(c->rxbuf), MSG_DONTWAIT);
			if (ret < 0)
				break;
			if (msg.msg_flags & MSG_TRUNC) {
				c->drops[HALO_CNT_BAD_HEADER]++;
				continue;
			}
			/* for_each_cmsghdr() walks what recvmsg() filled in */
			msg.msg_controllen = sizeof(control) - msg.msg_controllen;
			msg.msg_control = control;
			halo_rx_one(c, l, &from, ret, &msg);
		}
		if (!budget)
			more = true;
	}
	if (more && !c->dying)
		queue_work(c->wq, &c->rx_work);
	mutex_unlock(&c->lock);
}
