// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The listeners of a namespace (Documentation/halo_blk.rst, "Connection"):
 * where the node with the higher id accepts its peers' connections.
 *
 * One listener per TCP port that a device waiting for a peer uses
 * (dev connect ... port, HALO_BLK_PORT by default), from the first such
 * device until the namespace goes. It listens on this node's link
 * addresses from the cluster configuration, not on the wildcard, with
 * IP_FREEBIND, so that it binds before an address is up; a dev connect
 * after an address was added binds that one too.
 *
 * A connection is looked at before a byte of it is read: one that does
 * not come from an address of a configured node is closed at once. The
 * others get a handshake slot of their own, a work item that reads the
 * HELLO within an absolute deadline (HALO_BLK_HS_DEADLINE from the
 * accept, however slowly the bytes come) and hands the socket to the
 * device that waits for that node on this port (conn.c). At most
 * HALO_BLK_HS_MAX handshakes run at once per listener; one more evicts
 * the oldest. A client that sends a byte now and then holds one slot
 * for at most the deadline, and never delays another's handshake.
 *
 * Locks: hn->lock (a mutex) guards the namespace's list of listeners and
 * their sockets; it is taken under halo_blk_lock (dev connect) and never
 * with a device's lock. lst->hs_lock (a mutex) guards a listener's
 * handshakes; a handshake takes halo_blk_lock and a device's lock only
 * after it has left that list. The sockets' sk_user_data is RCU: cleared,
 * then a grace period, before the accept work is cancelled.
 */

#include "conn.h"
#include "device.h"
#include "../halo_api.h"

#include <uapi/linux/halo.h>

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

/* a handshake, from the accept on: its HELLO must be in by then */
#define HALO_BLK_HS_DEADLINE	(5 * HZ)
/* handshakes at once, per listener */
#define HALO_BLK_HS_MAX		16

struct halo_blk_net {
	struct net *net;
	struct mutex lock;	/* guards the fields below and the listeners' sockets */
	struct list_head listeners;
	bool dying;
};

struct halo_blk_listener {
	struct list_head entry;	/* on hn->listeners */
	struct halo_blk_net *hn;
	u16 port;
	unsigned int n_sock;
	struct socket *sock[HALO_MAX_LINKS];
	struct sockaddr_storage addr[HALO_MAX_LINKS];	/* what each is bound to */
	void (*data_ready)(struct sock *sk);	/* TCP's own */
	struct work_struct accept_work;

	struct workqueue_struct *hs_wq;	/* the handshakes: drained before it goes */
	struct mutex hs_lock;	/* guards hs_list, n_hs and dying */
	struct list_head hs_list;	/* oldest first */
	unsigned int n_hs;
	bool dying;
};

/* A connection being handshaken. */
struct halo_blk_hs {
	struct list_head entry;	/* on lst->hs_list while it runs */
	struct halo_blk_listener *lst;
	struct socket *sock;
	u32 from;		/* the node whose address it comes from */
	unsigned long deadline;	/* jiffies */
	bool evicted;
	struct work_struct work;
};

unsigned int halo_blk_net_id;

static struct halo_blk_net *halo_blk_net(struct net *net)
{
	return net_generic(net, halo_blk_net_id);
}

static void halo_blk_listen_ready(struct sock *sk)
{
	struct halo_blk_listener *lst;

	rcu_read_lock();
	lst = rcu_dereference_sk_user_data(sk);
	if (lst)
		queue_work(system_long_wq, &lst->accept_work);
	rcu_read_unlock();
}

static void halo_blk_hs_work(struct work_struct *work)
{
	struct halo_blk_hs *hs = container_of(work, struct halo_blk_hs, work);
	struct halo_blk_listener *lst = hs->lst;
	struct socket *sock = hs->sock;
	char err[HALO_BLK_ERROR_MAX];
	struct halo_p_hello h;
	int ret;

	WRITE_ONCE(sock->sk->sk_sndtimeo, HALO_BLK_HS_DEADLINE);
	ret = halo_blk_recv_hello(sock, &h, err, sizeof(err), hs->deadline);
	mutex_lock(&lst->hs_lock);
	list_del(&hs->entry);
	lst->n_hs--;
	if (!ret && (hs->evicted || lst->dying))
		ret = -ECONNABORTED;
	mutex_unlock(&lst->hs_lock);
	/* garbage, too slow, evicted, or the dialler gave up: nothing to say */
	if (!ret && h.node_id != hs->from) {
		halo_blk_send_error(sock, HALO_BLK_ERR_MISMATCH,
				    "the connection does not come from an address of the node its hello names");
	} else if (!ret) {
		sock = halo_blk_conn_take(lst->hn->net, sock, &h, lst->port);
	}
	if (sock)
		sock_release(sock);
	kfree(hs);
}

/*
 * A connection came: closed at once unless from a configured node's
 * address, else given a handshake slot, the oldest evicted if all are
 * taken.
 */
static void halo_blk_incoming(struct halo_blk_listener *lst, struct socket *sock)
{
	struct sockaddr_storage addr;
	struct halo_blk_hs *hs, *old;
	bool room = true;
	u32 from;

	/* it inherited the listener's callback (not its pointer): TCP's again */
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_data_ready = lst->data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	if (kernel_getpeername(sock, (struct sockaddr *)&addr) < 0 ||
	    halo_addr_to_node(lst->hn->net, (struct sockaddr *)&addr, &from)) {
		/* a stranger: not a byte read, nothing said, a reset */
		sock_no_linger(sock->sk);
		sock_release(sock);
		return;
	}
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs) {
		sock_release(sock);
		return;
	}
	hs->lst = lst;
	hs->sock = sock;
	hs->from = from;
	hs->deadline = (jiffies + HALO_BLK_HS_DEADLINE) ?: 1;	/* 0: none */
	INIT_WORK(&hs->work, halo_blk_hs_work);
	mutex_lock(&lst->hs_lock);
	if (lst->n_hs >= HALO_BLK_HS_MAX) {
		/* the oldest still reading goes: its socket's reader returns */
		room = false;
		list_for_each_entry(old, &lst->hs_list, entry) {
			if (!old->evicted) {
				old->evicted = true;
				kernel_sock_shutdown(old->sock, SHUT_RDWR);
				room = true;
				break;
			}
		}
	}
	if (room && !lst->dying) {
		list_add_tail(&hs->entry, &lst->hs_list);
		lst->n_hs++;
		queue_work(lst->hs_wq, &hs->work);
		hs = NULL;
	}
	mutex_unlock(&lst->hs_lock);
	if (hs) {
		/* every slot is being given up already: no turn for this one */
		sock_release(sock);
		kfree(hs);
	}
}

static void halo_blk_accept_work(struct work_struct *work)
{
	struct halo_blk_listener *lst = container_of(work, struct halo_blk_listener,
						     accept_work);
	struct halo_blk_net *hn = lst->hn;
	struct socket *new[8];
	unsigned int n = 0, i;

	mutex_lock(&hn->lock);
	for (i = 0; i < lst->n_sock && !hn->dying; i++)
		while (n < ARRAY_SIZE(new) &&
		       !kernel_accept(lst->sock[i], &new[n], O_NONBLOCK))
			n++;
	mutex_unlock(&hn->lock);
	for (i = 0; i < n; i++)
		halo_blk_incoming(lst, new[i]);
	if (n == ARRAY_SIZE(new))
		queue_work(system_long_wq, work);
}

static bool halo_blk_addr_equal(const struct sockaddr_storage *a,
				const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr);
}

/* A socket listening on @a (port set); under hn->lock. */
static struct socket *halo_blk_listen_one(struct halo_blk_listener *lst,
					  struct sockaddr_storage *a, int *err)
{
	struct socket *sock;
	int ret;

	lockdep_assert_held(&lst->hn->lock);
	ret = sock_create_kern(lst->hn->net, a->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		goto fail;
	sock_set_reuseaddr(sock->sk);
	/* the address may not be up yet: bind anyway */
	ip_sock_set_freebind(sock->sk);
	if (a->ss_family == AF_INET6)
		ip6_sock_set_v6only(sock->sk);
	ret = kernel_bind(sock, (struct sockaddr *)a,
			  a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						     sizeof(struct sockaddr_in));
	if (!ret)
		ret = kernel_listen(sock, HALO_BLK_HS_MAX);
	if (ret) {
		sock_release(sock);
		goto fail;
	}
	/* NOCOPY: the connections it accepts do not inherit the pointer */
	write_lock_bh(&sock->sk->sk_callback_lock);
	lst->data_ready = sock->sk->sk_data_ready;
	__rcu_assign_sk_user_data_with_flags(sock->sk, lst, SK_USER_DATA_NOCOPY);
	sock->sk->sk_data_ready = halo_blk_listen_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	return sock;
fail:
	*err = ret;
	return NULL;
}

/*
 * Listen on @port on node @local_id's link addresses, those not yet
 * bound; connections from then on reach conn.c's halo_blk_conn_take().
 */
int halo_blk_listen_start(struct net *net, u32 local_id, u16 port,
			  struct netlink_ext_ack *extack)
{
	struct halo_blk_net *hn = halo_blk_net(net);
	struct halo_blk_listener *lst, *found = NULL;
	struct sockaddr_storage a;
	struct socket *sock;
	unsigned int l, i;
	int ret = 0;

	mutex_lock(&hn->lock);
	if (hn->dying) {
		ret = -ENODEV;
		goto out;
	}
	list_for_each_entry(lst, &hn->listeners, entry)
		if (lst->port == port)
			found = lst;
	lst = found;
	if (!lst) {
		lst = kzalloc(sizeof(*lst), GFP_KERNEL);
		if (!lst) {
			ret = -ENOMEM;
			goto out;
		}
		lst->hs_wq = alloc_workqueue("halo_blk_hs%u", WQ_UNBOUND, HALO_BLK_HS_MAX,
					     port);
		if (!lst->hs_wq) {
			kfree(lst);
			ret = -ENOMEM;
			goto out;
		}
		lst->hn = hn;
		lst->port = port;
		INIT_WORK(&lst->accept_work, halo_blk_accept_work);
		mutex_init(&lst->hs_lock);
		INIT_LIST_HEAD(&lst->hs_list);
		list_add_tail(&lst->entry, &hn->listeners);
	}
	for (l = 0; l < HALO_MAX_LINKS && !halo_node_addr(net, local_id, l, &a); l++) {
		for (i = 0; i < lst->n_sock; i++)
			if (halo_blk_addr_equal(&lst->addr[i], &a))
				break;
		if (i < lst->n_sock || lst->n_sock == ARRAY_SIZE(lst->sock))
			continue;
		if (a.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&a)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&a)->sin_port = htons(port);
		sock = halo_blk_listen_one(lst, &a, &ret);
		if (!sock) {
			NL_SET_ERR_MSG_FMT(extack, "cannot listen on %pISpc (is it in use?)", &a);
			goto out;
		}
		lst->addr[lst->n_sock] = a;
		lst->sock[lst->n_sock++] = sock;
	}
	if (!lst->n_sock) {
		NL_SET_ERR_MSG(extack, "this node has no link address to listen on");
		ret = -EADDRNOTAVAIL;
		goto out;
	}
	/* connections that arrived before the callback was in place */
	queue_work(system_long_wq, &lst->accept_work);
out:
	mutex_unlock(&hn->lock);
	return ret;
}

static void halo_blk_listener_free(struct halo_blk_listener *lst)
{
	struct halo_blk_hs *hs;
	unsigned int i;

	/*
	 * hn->dying keeps the accept work off the sockets: release them, and
	 * the connections in their backlog with them. A data_ready that read
	 * lst before may still queue accept_work: after a grace period, the
	 * cancel below is the last word.
	 */
	for (i = 0; i < lst->n_sock; i++) {
		write_lock_bh(&lst->sock[i]->sk->sk_callback_lock);
		rcu_assign_sk_user_data(lst->sock[i]->sk, NULL);
		write_unlock_bh(&lst->sock[i]->sk->sk_callback_lock);
		sock_release(lst->sock[i]);
	}
	synchronize_rcu();
	cancel_work_sync(&lst->accept_work);
	mutex_lock(&lst->hs_lock);
	lst->dying = true;
	list_for_each_entry(hs, &lst->hs_list, entry)
		kernel_sock_shutdown(hs->sock, SHUT_RDWR);
	mutex_unlock(&lst->hs_lock);
	/* each ends at once now, or at its deadline */
	destroy_workqueue(lst->hs_wq);
	mutex_destroy(&lst->hs_lock);
	kfree(lst);
}

/* The namespace is going away: neither halo_blk_lock nor a device's held. */
void halo_blk_listen_stop(struct net *net)
{
	struct halo_blk_net *hn = halo_blk_net(net);
	struct halo_blk_listener *lst, *tmp;
	LIST_HEAD(list);

	mutex_lock(&hn->lock);
	hn->dying = true;
	list_splice_init(&hn->listeners, &list);
	mutex_unlock(&hn->lock);
	list_for_each_entry_safe(lst, tmp, &list, entry)
		halo_blk_listener_free(lst);
}

static int __net_init halo_blk_conn_net_init_one(struct net *net)
{
	struct halo_blk_net *hn = halo_blk_net(net);

	hn->net = net;
	mutex_init(&hn->lock);
	INIT_LIST_HEAD(&hn->listeners);
	return 0;
}

static void __net_exit halo_blk_conn_net_exit_one(struct net *net)
{
	halo_blk_listen_stop(net);
}

static struct pernet_operations halo_blk_conn_net_ops = {
	.init = halo_blk_conn_net_init_one,
	.exit = halo_blk_conn_net_exit_one,
	.id = &halo_blk_net_id,
	.size = sizeof(struct halo_blk_net),
};

int halo_blk_conn_net_init(void)
{
	return register_pernet_subsys(&halo_blk_conn_net_ops);
}

void halo_blk_conn_net_exit(void)
{
	unregister_pernet_subsys(&halo_blk_conn_net_ops);
}
