// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Status of each device, read-only, one value per file, in
 * /sys/block/halo<minor>/halo/ (Documentation/ABI/testing/sysfs-block-halo).
 * The group is passed to device_add_disk(), so the files exist before
 * the uevent, as zram's.
 */

#include "device.h"

#include <linux/blkdev.h>
#include <linux/sysfs.h>

static struct halo_blk_dev *halo_blk_kdev(struct device *kdev)
{
	return dev_to_disk(kdev)->private_data;
}

#define HALO_BLK_ATTR(field, fmt, expr)					\
static ssize_t field##_show(struct device *kdev,			\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct halo_blk_dev *dev = halo_blk_kdev(kdev);			\
	ssize_t ret;							\
									\
	mutex_lock(&dev->lock);						\
	ret = sysfs_emit(buf, fmt "\n", expr);				\
	mutex_unlock(&dev->lock);					\
	return ret;							\
}									\
static DEVICE_ATTR_RO(field)

HALO_BLK_ATTR(name, "%s", dev->name);
HALO_BLK_ATTR(role, "%s", halo_blk_role_name(dev->role));
#define HALO_BLK_CONNECTED(dev) \
	halo_blk_conn_up((dev)->conn.state)

HALO_BLK_ATTR(peer_role, "%s",
	      halo_blk_role_name(HALO_BLK_CONNECTED(dev) ? dev->conn.peer.role :
							   HALO_BLK_ROLE_UNKNOWN));
HALO_BLK_ATTR(disk_state, "%s", halo_blk_disk_state_name(dev->disk_state));
HALO_BLK_ATTR(peer_disk_state, "%s",
	      halo_blk_disk_state_name(HALO_BLK_CONNECTED(dev) ?
				       dev->conn.peer.disk_state :
				       HALO_BLK_DISK_STATE_DUNKNOWN));
HALO_BLK_ATTR(conn_state, "%s", halo_blk_conn_state_name(dev->conn.state));
HALO_BLK_ATTR(peer, "%u", dev->conn.peer_id);
HALO_BLK_ATTR(resync_rate, "%llu", halo_blk_rs_rate(dev));
HALO_BLK_ATTR(out_of_sync, "%llu", halo_blk_out_of_sync(dev));
HALO_BLK_ATTR(current_gen, "%016llx", dev->sb.gen[HALO_MD_GEN_CURRENT]);
HALO_BLK_ATTR(resync_sent, "%llu", READ_ONCE(dev->conn.rs_sent));
HALO_BLK_ATTR(resync_received, "%llu", READ_ONCE(dev->conn.rs_received));

static struct attribute *halo_blk_attrs[] = {
	&dev_attr_name.attr,
	&dev_attr_role.attr,
	&dev_attr_peer_role.attr,
	&dev_attr_disk_state.attr,
	&dev_attr_peer_disk_state.attr,
	&dev_attr_conn_state.attr,
	&dev_attr_peer.attr,
	&dev_attr_resync_rate.attr,
	&dev_attr_out_of_sync.attr,
	&dev_attr_current_gen.attr,
	&dev_attr_resync_sent.attr,
	&dev_attr_resync_received.attr,
	NULL,
};

static const struct attribute_group halo_blk_attr_group = {
	.name = "halo",
	.attrs = halo_blk_attrs,
};

const struct attribute_group *halo_blk_attr_groups[] = {
	&halo_blk_attr_group,
	NULL,
};
