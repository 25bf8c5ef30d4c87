// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Read-only status in sysfs, one value per file
 * (Documentation/ABI/testing/sysfs-kernel-halo):
 *
 *   /sys/kernel/halo/<netns-cookie>/            one directory per instance
 *   /sys/kernel/halo/<netns-cookie>/nodes/<id>/ one per configured node
 *
 * The netns cookie (what SO_NETNS_COOKIE and haloctl module show report)
 * keeps the instances of one kernel apart. Files read the instance's RCU
 * snapshot and its immutable configuration, never its lock, so removing a
 * directory under that lock cannot wait for a reader that waits for it.
 */

#include "cluster.h"
#include "netns.h"

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

struct halo_sysfs_node {
	struct kobject kobj;
	struct halo_cluster *c;
	u32 id;
	struct list_head list;
};

struct halo_sysfs {
	struct kobject kobj;
	struct kobject *nodes;
	struct halo_cluster *c;
	/*
	 * Guarded by c->lock; halo_sysfs_cluster_del() walks it without,
	 * under the namespace's lock that every node add and del also holds.
	 */
	struct list_head node_list;
};

static struct kobject *halo_kobj;

#define to_sysfs(k) container_of(k, struct halo_sysfs, kobj)
#define to_sysfs_node(k) container_of(k, struct halo_sysfs_node, kobj)

static void halo_sysfs_release(struct kobject *kobj)
{
	kfree(to_sysfs(kobj));
}

static void halo_sysfs_node_release(struct kobject *kobj)
{
	kfree(to_sysfs_node(kobj));
}

/* The snapshot's field @expr, printed with @fmt. */
#define HALO_SNAP_ATTR(_name, fmt, expr)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	const struct halo_snap *snap;					\
	ssize_t ret = -ENODEV;						\
									\
	rcu_read_lock();						\
	snap = rcu_dereference(to_sysfs(kobj)->c->snap);		\
	if (snap)							\
		ret = sysfs_emit(buf, fmt "\n", expr);			\
	rcu_read_unlock();						\
	return ret;							\
}									\
static struct kobj_attribute halo_attr_##_name = __ATTR_RO(_name)

/* Configuration, immutable for the instance's life. */
#define HALO_CONF_ATTR(_name, fmt, expr)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct halo_cluster *c = to_sysfs(kobj)->c;			\
									\
	return sysfs_emit(buf, fmt "\n", expr);				\
}									\
static struct kobj_attribute halo_attr_##_name = __ATTR_RO(_name)

HALO_CONF_ATTR(name, "%s", c->name);
HALO_CONF_ATTR(node_id, "%u", c->node_id);
HALO_CONF_ATTR(port, "%u", c->port);
HALO_CONF_ATTR(interval_ms, "%u", c->interval_ms);
HALO_CONF_ATTR(timeout_ms, "%u", c->timeout_ms);
HALO_CONF_ATTR(quorum_flags, "0x%x", c->quorum_flags);
HALO_CONF_ATTR(authenticated, "%d", c->authenticated);
HALO_SNAP_ATTR(epoch, "%llu", snap->epoch);
HALO_SNAP_ATTR(coordinator, "%u", snap->coordinator);
HALO_SNAP_ATTR(quorate, "%d", snap->quorate);
HALO_SNAP_ATTR(expected_votes, "%u", snap->expected_votes);
HALO_SNAP_ATTR(total_votes, "%u", snap->total_votes);
HALO_SNAP_ATTR(quorum, "%u", snap->quorum);

static ssize_t members_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const struct halo_snap *snap;
	ssize_t len = -ENODEV;
	u32 i;

	rcu_read_lock();
	snap = rcu_dereference(to_sysfs(kobj)->c->snap);
	if (snap) {
		len = 0;
		for (i = 0; i < snap->n_nodes; i++)
			if (snap->node[i].in_view)
				len += sysfs_emit_at(buf, len, "%s%u",
						     len ? " " : "",
						     snap->node[i].id);
		len += sysfs_emit_at(buf, len, "\n");
	}
	rcu_read_unlock();
	return len;
}

static struct kobj_attribute halo_attr_members = __ATTR_RO(members);

static struct attribute *halo_cluster_attrs[] = {
	&halo_attr_name.attr,
	&halo_attr_node_id.attr,
	&halo_attr_port.attr,
	&halo_attr_interval_ms.attr,
	&halo_attr_timeout_ms.attr,
	&halo_attr_quorum_flags.attr,
	&halo_attr_authenticated.attr,
	&halo_attr_epoch.attr,
	&halo_attr_coordinator.attr,
	&halo_attr_members.attr,
	&halo_attr_quorate.attr,
	&halo_attr_expected_votes.attr,
	&halo_attr_total_votes.attr,
	&halo_attr_quorum.attr,
	NULL,
};
ATTRIBUTE_GROUPS(halo_cluster);

static const struct kobj_type halo_cluster_ktype = {
	.release = halo_sysfs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = halo_cluster_groups,
};

/* The node @kobj stands for, in @snap; NULL if it is gone. */
static const struct halo_snap_node *halo_sysfs_snap_node(const struct halo_snap *snap,
							 struct kobject *kobj)
{
	u32 id = to_sysfs_node(kobj)->id, i;

	for (i = 0; snap && i < snap->n_nodes; i++)
		if (snap->node[i].id == id)
			return &snap->node[i];
	return NULL;
}

#define HALO_NODE_ATTR(_name, fmt, expr)				\
static ssize_t node_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	const struct halo_snap_node *n;					\
	ssize_t ret = -ENODEV;						\
									\
	rcu_read_lock();						\
	n = halo_sysfs_snap_node(					\
		rcu_dereference(to_sysfs_node(kobj)->c->snap), kobj);	\
	if (n)								\
		ret = sysfs_emit(buf, fmt "\n", expr);			\
	rcu_read_unlock();						\
	return ret;							\
}									\
static struct kobj_attribute halo_node_attr_##_name =			\
	__ATTR(_name, 0444, node_##_name##_show, NULL)

static const char *const halo_state_names[] = {
	[HALO_NODE_STATE_LOCAL] = "local",
	[HALO_NODE_STATE_ALIVE] = "alive",
	[HALO_NODE_STATE_FAILED] = "failed",
};

HALO_NODE_ATTR(name, "%s", n->name);
HALO_NODE_ATTR(votes, "%u", n->votes);
HALO_NODE_ATTR(in_view, "%d", n->in_view);
HALO_NODE_ATTR(standby, "%d", n->standby);
HALO_NODE_ATTR(state, "%s", halo_state_names[n->state]);

static struct attribute *halo_node_attrs[] = {
	&halo_node_attr_name.attr,
	&halo_node_attr_votes.attr,
	&halo_node_attr_in_view.attr,
	&halo_node_attr_standby.attr,
	&halo_node_attr_state.attr,
	NULL,
};
ATTRIBUTE_GROUPS(halo_node);

static const struct kobj_type halo_node_ktype = {
	.release = halo_sysfs_node_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = halo_node_groups,
};

int halo_sysfs_cluster_add(struct halo_cluster *c)
{
	struct halo_sysfs *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->c = c;
	INIT_LIST_HEAD(&s->node_list);
	ret = kobject_init_and_add(&s->kobj, &halo_cluster_ktype, halo_kobj,
				   "%llu", c->net->net_cookie);
	if (ret) {
		kobject_put(&s->kobj);
		return ret;
	}
	s->nodes = kobject_create_and_add("nodes", &s->kobj);
	if (!s->nodes) {
		kobject_put(&s->kobj);
		return -ENOMEM;
	}
	c->sysfs = s;
	kobject_uevent(&s->kobj, KOBJ_ADD);
	return 0;
}

/* Readers are gone when this returns (kobject_del drains them). */
void halo_sysfs_cluster_del(struct halo_cluster *c)
{
	struct halo_sysfs *s = c->sysfs;
	struct halo_sysfs_node *n, *tmp;

	if (!s)
		return;
	list_for_each_entry_safe(n, tmp, &s->node_list, list) {
		list_del(&n->list);
		kobject_del(&n->kobj);
		kobject_put(&n->kobj);
	}
	kobject_del(s->nodes);
	kobject_put(s->nodes);
	kobject_del(&s->kobj);
	kobject_put(&s->kobj);
	c->sysfs = NULL;
}

int halo_sysfs_node_add(struct halo_cluster *c, u32 id)
{
	struct halo_sysfs *s = c->sysfs;
	struct halo_sysfs_node *n;
	int ret;

	lockdep_assert_held(&c->lock);
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->c = c;
	n->id = id;
	ret = kobject_init_and_add(&n->kobj, &halo_node_ktype, s->nodes, "%u", id);
	if (ret) {
		kobject_put(&n->kobj);
		return ret;
	}
	list_add_tail(&n->list, &s->node_list);
	return 0;
}

void halo_sysfs_node_del(struct halo_cluster *c, u32 id)
{
	struct halo_sysfs *s = c->sysfs;
	struct halo_sysfs_node *n;

	lockdep_assert_held(&c->lock);
	list_for_each_entry(n, &s->node_list, list) {
		if (n->id != id)
			continue;
		list_del(&n->list);
		kobject_del(&n->kobj);
		kobject_put(&n->kobj);
		return;
	}
}

int __init halo_sysfs_init(void)
{
	halo_kobj = kobject_create_and_add("halo", kernel_kobj);
	return halo_kobj ? 0 : -ENOMEM;
}

void halo_sysfs_exit(void)
{
	kobject_put(halo_kobj);
}
