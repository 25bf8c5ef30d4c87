// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * ip_vs_halo: IPVS schedulers that follow halo's membership
 * (Documentation/ip_vs_halo.rst): halo_wrr, halo_wlc, halo_mh.
 *
 * IPVS exports nothing that adds or removes a real server, so these
 * schedulers skip the ones they must not choose. A real server whose
 * address is on a link of a node of the namespace's cluster configuration
 * is that node's: chosen only while the node is in the installed view and
 * not in standby (new connections only: IPVS keeps existing ones on their
 * server, so they drain). A server of no node is a plain one. Without a
 * cluster instance every server is plain.
 *
 * Each service's table (its servers in a fixed order, each with its node
 * and whether it may be chosen; halo_wrr's round, halo_mh's two Maglev
 * tables) is built to the side, in process context, and published with
 * RCU when a server is added, changed or removed (IPVS's hooks, under its
 * mutex) and when a view is installed or a node goes in or out of standby
 * (halo's notifier): schedule() reads one table or the next, never half
 * of one. A rebuild holds the service's
 * lock, which IPVS's del_dest hook takes too: a server the rebuild saw
 * cannot be freed before the table holding it is replaced.
 */

#include "lb.h"
#include "../halo_api.h"

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ip_vs.h>

enum halo_lb_kind {
	HALO_LB_WRR,
	HALO_LB_WLC,
	HALO_LB_MH,
};

struct halo_lb_dest {
	struct ip_vs_dest *dest;
	struct halo_lb_key key;
	u32 node;		/* 0: the server is no node's */
};

/* What schedule() reads: replaced whole at each change. */
struct halo_lb_tab {
	struct rcu_head rcu;
	unsigned int n;
	u32 wrr_len;
	u16 *wrr;		/* halo_wrr: one round, server indices */
	u16 *mh_all;		/* halo_mh: every server with a weight */
	u16 *mh_live;		/* halo_mh: those that may be chosen; NULL: none */
	bool *ok;		/* may be chosen: in the view, or no node's */
	struct halo_lb_dest d[];
};

struct halo_lb_svc {
	struct list_head entry;	/* on halo_lb_svcs, under halo_lb_lock */
	struct ip_vs_service *svc;
	struct net *net;
	enum halo_lb_kind kind;
	struct mutex lock;	/* serialises rebuilds */
	struct halo_lb_tab __rcu *tab;
	atomic_t pos;		/* halo_wrr: the round's next */
	struct rcu_head rcu;
};

/* the services using these schedulers, for halo's notifier */
static LIST_HEAD(halo_lb_svcs);
static DEFINE_MUTEX(halo_lb_lock);	/* guards halo_lb_svcs */

/* -- the tables ----------------------------------------------------------- */

static void halo_lb_tab_free(struct rcu_head *rcu)
{
	struct halo_lb_tab *t = container_of(rcu, struct halo_lb_tab, rcu);

	kvfree(t->wrr);
	kvfree(t->mh_all);
	kvfree(t->mh_live);
	kfree(t->ok);
	kvfree(t);
}

static int halo_lb_dest_cmp(const void *a, const void *b)
{
	return halo_lb_key_cmp(&((const struct halo_lb_dest *)a)->key,
			       &((const struct halo_lb_dest *)b)->key);
}

static void halo_lb_key_of(const struct ip_vs_dest *dest, struct halo_lb_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = dest->af;
	k->port = ntohs(dest->port);
	if (dest->af == AF_INET6)
		memcpy(k->addr, &dest->addr.in6, 16);
	else
		memcpy(k->addr, &dest->addr.ip, 4);
}

/* @dest's node, 0 if none (or no cluster instance, or it is going: @gone). */
static u32 halo_lb_node_of(struct net *net, const struct ip_vs_dest *dest, bool gone)
{
	struct sockaddr_storage ss = {};
	u32 node;

	if (gone)
		return 0;
	if (dest->af == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = dest->addr.in6;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = dest->addr.ip;
	}
	if (halo_addr_to_node(net, (struct sockaddr *)&ss, &node))
		return 0;
	return node;
}

/* A rebuild's working memory, kvmalloc'ed: too large for the stack. */
struct halo_lb_build {
	struct halo_lb_scratch scratch;
	struct halo_lb_dest d[HALO_LB_MAX_DESTS];
	struct halo_lb_key keys[HALO_LB_MAX_DESTS];
	u32 w[HALO_LB_MAX_DESTS];	/* now, 0 if it may not be chosen */
	u32 wall[HALO_LB_MAX_DESTS];	/* IPVS's last weight */
	u16 wrr[HALO_LB_WRR_MAX];
};

/* Build @s's table from its servers and the view, and publish it. */
static int halo_lb_rebuild(struct halo_lb_svc *s, bool gone)
{
	struct halo_lb_tab *t = NULL, *old;
	struct halo_lb_build *b;
	struct ip_vs_dest *dest;
	unsigned int n = 0, i;
	int ret = -ENOMEM;

	lockdep_assert_held(&s->lock);
	b = kvmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out;
	rcu_read_lock();
	list_for_each_entry_rcu(dest, &s->svc->destinations, n_list) {
		if (n == HALO_LB_MAX_DESTS) {
			pr_warn_ratelimited("a service has more than %d real servers: the rest are not chosen\n",
					    HALO_LB_MAX_DESTS);
			break;
		}
		b->d[n].dest = dest;
		halo_lb_key_of(dest, &b->d[n].key);
		n++;
	}
	rcu_read_unlock();
	/* the order servers were added in must not matter (halo_mh) */
	sort(b->d, n, sizeof(b->d[0]), halo_lb_dest_cmp, NULL);

	t = kvzalloc(struct_size(t, d, n), GFP_KERNEL);
	if (!t)
		goto out;
	t->n = n;
	memcpy(t->d, b->d, n * sizeof(t->d[0]));
	t->ok = kcalloc(max(n, 1U), sizeof(*t->ok), GFP_KERNEL);
	if (!t->ok)
		goto out;
	for (i = 0; i < n; i++) {
		dest = t->d[i].dest;
		t->d[i].node = halo_lb_node_of(s->net, dest, gone);
		t->ok[i] = !t->d[i].node ||
			   (halo_node_in_view(s->net, t->d[i].node) == 1 &&
			    halo_node_standby(s->net, t->d[i].node) != 1);
		b->w[i] = t->ok[i] ? max(atomic_read(&dest->weight), 0) : 0;
		b->wall[i] = max(atomic_read(&dest->last_weight), 0);
		b->keys[i] = t->d[i].key;
	}

	switch (s->kind) {
	case HALO_LB_WRR:
		t->wrr_len = halo_lb_swrr(b->w, n, b->wrr, HALO_LB_WRR_MAX, &b->scratch);
		t->wrr = kvmalloc_array(max(t->wrr_len, 1U), sizeof(*t->wrr), GFP_KERNEL);
		if (!t->wrr)
			goto out;
		memcpy(t->wrr, b->wrr, t->wrr_len * sizeof(*t->wrr));
		break;
	case HALO_LB_MH:
		t->mh_all = kvmalloc_array(HALO_LB_MH_SIZE, sizeof(u16), GFP_KERNEL);
		t->mh_live = kvmalloc_array(HALO_LB_MH_SIZE, sizeof(u16), GFP_KERNEL);
		if (!t->mh_all || !t->mh_live)
			goto out;
		halo_lb_maglev(b->keys, b->wall, n, t->mh_all, HALO_LB_MH_SIZE, &b->scratch);
		if (!halo_lb_maglev(b->keys, b->w, n, t->mh_live, HALO_LB_MH_SIZE,
				    &b->scratch)) {
			kvfree(t->mh_live);
			t->mh_live = NULL;
		}
		for (i = 0; i < n; i++)
			t->ok[i] = t->ok[i] && b->w[i];
		break;
	case HALO_LB_WLC:
		break;
	}
	old = rcu_replace_pointer(s->tab, t, lockdep_is_held(&s->lock));
	if (old)
		call_rcu(&old->rcu, halo_lb_tab_free);
	t = NULL;
	ret = 0;
out:
	if (ret)
		pr_warn_ratelimited("out of memory: a service keeps its previous table\n");
	if (t)
		halo_lb_tab_free(&t->rcu);
	kvfree(b);
	return ret;
}

/* -- the schedulers ----------------------------------------------------- */

/* Server @i of @t, if it may take a connection now. */
static struct ip_vs_dest *halo_lb_usable(const struct halo_lb_tab *t, unsigned int i)
{
	struct ip_vs_dest *dest;

	if (i >= t->n || !t->ok[i])
		return NULL;
	dest = t->d[i].dest;
	if ((dest->flags & IP_VS_DEST_F_OVERLOAD) || atomic_read(&dest->weight) <= 0)
		return NULL;
	return dest;
}

static struct ip_vs_dest *halo_lb_none(struct ip_vs_service *svc)
{
	ip_vs_scheduler_err(svc, "no destination available");
	return NULL;
}

static struct ip_vs_dest *halo_wrr_schedule(struct ip_vs_service *svc,
					    const struct sk_buff *skb,
					    struct ip_vs_iphdr *iph)
{
	struct halo_lb_svc *s = svc->sched_data;
	const struct halo_lb_tab *t = rcu_dereference(s->tab);
	struct ip_vs_dest *dest;
	u32 pos, k;

	if (!t || !t->wrr_len)
		return halo_lb_none(svc);
	/* no lock: each decision takes the round's next slot */
	pos = (u32)atomic_inc_return(&s->pos) - 1;
	for (k = 0; k < t->wrr_len; k++) {
		dest = halo_lb_usable(t, t->wrr[(pos + k) % t->wrr_len]);
		if (dest)
			return dest;
	}
	return halo_lb_none(svc);
}

static struct ip_vs_dest *halo_wlc_schedule(struct ip_vs_service *svc,
					    const struct sk_buff *skb,
					    struct ip_vs_iphdr *iph)
{
	struct halo_lb_svc *s = svc->sched_data;
	const struct halo_lb_tab *t = rcu_dereference(s->tab);
	struct ip_vs_dest *dest, *least = NULL;
	int loh = 0, doh;
	unsigned int i;

	if (!t)
		return halo_lb_none(svc);
	/* as wlc: the least overhead / weight, over those that may be chosen */
	for (i = 0; i < t->n; i++) {
		dest = halo_lb_usable(t, i);
		if (!dest)
			continue;
		doh = ip_vs_dest_conn_overhead(dest);
		if (!least || (s64)loh * atomic_read(&dest->weight) >
			      (s64)doh * atomic_read(&least->weight)) {
			least = dest;
			loh = doh;
		}
	}
	return least ?: halo_lb_none(svc);
}

static __be16 halo_mh_port(const struct sk_buff *skb, struct ip_vs_iphdr *iph)
{
	__be16 _ports[2], *ports;

	switch (iph->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		ports = skb_header_pointer(skb, iph->len, sizeof(_ports), &_ports);
		if (unlikely(!ports))
			return 0;
		return ip_vs_iph_inverse(iph) ? ports[1] : ports[0];
	default:
		return 0;
	}
}

static struct ip_vs_dest *halo_mh_schedule(struct ip_vs_service *svc,
					   const struct sk_buff *skb,
					   struct ip_vs_iphdr *iph)
{
	struct halo_lb_svc *s = svc->sched_data;
	const struct halo_lb_tab *t = rcu_dereference(s->tab);
	const union nf_inet_addr *a;
	struct halo_lb_key flow = { .family = svc->af };
	struct ip_vs_dest *dest;
	u32 slot, k;

	if (!t)
		return halo_lb_none(svc);
	a = ip_vs_iph_inverse(iph) ? &iph->daddr : &iph->saddr;
	if (svc->af == AF_INET6)
		memcpy(flow.addr, &a->in6, 16);
	else
		memcpy(flow.addr, &a->ip, 4);
	/* ipvsadm -b mh-port: the source port too, as mh does */
	if (svc->flags & IP_VS_SVC_F_SCHED2)
		flow.port = ntohs(halo_mh_port(skb, iph));
	slot = halo_lb_flow_slot(&flow, HALO_LB_MH_SIZE);
	dest = halo_lb_usable(t, halo_lb_mh_pick(t->mh_all, t->mh_live, slot, t->ok));
	/* overloaded, or its weight just went to 0: the next live slot's */
	for (k = 1; !dest && t->mh_live && k < 64; k++)
		dest = halo_lb_usable(t, t->mh_live[(slot + k) % HALO_LB_MH_SIZE]);
	return dest ?: halo_lb_none(svc);
}

/* -- IPVS's hooks ------------------------------------------------------- */

static int halo_lb_init_service(struct ip_vs_service *svc, enum halo_lb_kind kind)
{
	struct halo_lb_svc *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->svc = svc;
	s->net = svc->ipvs->net;
	s->kind = kind;
	mutex_init(&s->lock);
	mutex_lock(&s->lock);
	ret = halo_lb_rebuild(s, false);
	mutex_unlock(&s->lock);
	if (ret) {
		kfree(s);
		return ret;
	}
	svc->sched_data = s;
	mutex_lock(&halo_lb_lock);
	list_add(&s->entry, &halo_lb_svcs);
	mutex_unlock(&halo_lb_lock);
	return 0;
}

static int halo_wrr_init_service(struct ip_vs_service *svc)
{
	return halo_lb_init_service(svc, HALO_LB_WRR);
}

static int halo_wlc_init_service(struct ip_vs_service *svc)
{
	return halo_lb_init_service(svc, HALO_LB_WLC);
}

static int halo_mh_init_service(struct ip_vs_service *svc)
{
	return halo_lb_init_service(svc, HALO_LB_MH);
}

static void halo_lb_svc_free(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct halo_lb_svc, rcu));
}

static void halo_lb_done_service(struct ip_vs_service *svc)
{
	struct halo_lb_svc *s = svc->sched_data;
	struct halo_lb_tab *t;

	/* off the list: no rebuild from halo's notifier after this */
	mutex_lock(&halo_lb_lock);
	list_del(&s->entry);
	mutex_unlock(&halo_lb_lock);
	t = rcu_dereference_protected(s->tab, 1);
	if (t)
		call_rcu(&t->rcu, halo_lb_tab_free);
	call_rcu(&s->rcu, halo_lb_svc_free);
}

/* A server added, changed (weight) or removed: under IPVS's mutex. */
static int halo_lb_dest_changed(struct ip_vs_service *svc, struct ip_vs_dest *dest)
{
	struct halo_lb_svc *s = svc->sched_data;
	int ret;

	mutex_lock(&s->lock);
	ret = halo_lb_rebuild(s, false);
	mutex_unlock(&s->lock);
	return ret;
}

#define HALO_LB_SCHED(_name, _kind)						\
static struct ip_vs_scheduler halo_##_kind##_scheduler = {		\
	.name = _name,							\
	.refcnt = ATOMIC_INIT(0),					\
	.module = THIS_MODULE,						\
	.n_list = LIST_HEAD_INIT(halo_##_kind##_scheduler.n_list),	\
	.init_service = halo_##_kind##_init_service,			\
	.done_service = halo_lb_done_service,				\
	.add_dest = halo_lb_dest_changed,				\
	.del_dest = halo_lb_dest_changed,				\
	.upd_dest = halo_lb_dest_changed,				\
	.schedule = halo_##_kind##_schedule,				\
}

HALO_LB_SCHED("halo_wrr", wrr);
HALO_LB_SCHED("halo_wlc", wlc);
HALO_LB_SCHED("halo_mh", mh);

static struct ip_vs_scheduler *halo_lb_scheds[] = {
	&halo_wrr_scheduler,
	&halo_wlc_scheduler,
	&halo_mh_scheduler,
};

/* -- halo's membership ---------------------------------------------------- */

/*
 * A view installed, a node added or removed or in or out of standby, an
 * instance going: rebuild.
 */
static int halo_lb_event(struct notifier_block *nb, unsigned long event, void *data)
{
	const struct halo_event_info *info = data;
	struct halo_lb_svc *s;

	if (event == HALO_EVENT_QUORUM)
		return NOTIFY_DONE;
	mutex_lock(&halo_lb_lock);
	list_for_each_entry(s, &halo_lb_svcs, entry) {
		if (!net_eq(s->net, info->net))
			continue;
		mutex_lock(&s->lock);
		halo_lb_rebuild(s, event == HALO_EVENT_DESTROY);
		mutex_unlock(&s->lock);
	}
	mutex_unlock(&halo_lb_lock);
	return NOTIFY_OK;
}

static struct notifier_block halo_lb_nb = {
	.notifier_call = halo_lb_event,
};

static int __init halo_lb_init(void)
{
	int ret, i;

	ret = halo_register_notifier(&halo_lb_nb);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(halo_lb_scheds); i++) {
		ret = register_ip_vs_scheduler(halo_lb_scheds[i]);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (--i >= 0)
		unregister_ip_vs_scheduler(halo_lb_scheds[i]);
	halo_unregister_notifier(&halo_lb_nb);
	return ret;
}

static void __exit halo_lb_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(halo_lb_scheds) - 1; i >= 0; i--)
		unregister_ip_vs_scheduler(halo_lb_scheds[i]);
	halo_unregister_notifier(&halo_lb_nb);
	/* the tables and services freed after a grace period */
	rcu_barrier();
}

module_init(halo_lb_init);
module_exit(halo_lb_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The halo authors");
MODULE_DESCRIPTION("IPVS schedulers that follow halo cluster membership");
/* ipvsadm -s halo_wrr: IPVS asks for module ip_vs_halo_wrr */
MODULE_ALIAS("ip_vs_halo_wrr");
MODULE_ALIAS("ip_vs_halo_wlc");
MODULE_ALIAS("ip_vs_halo_mh");
