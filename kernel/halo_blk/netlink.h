/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_BLK_NETLINK_H
#define _HALO_BLK_NETLINK_H

struct halo_blk_dev;

int halo_blk_genl_init(void);
void halo_blk_genl_exit(void);
void halo_blk_nl_notify(struct halo_blk_dev *dev);
void halo_blk_nl_notify_del(struct halo_blk_dev *dev);
void halo_blk_nl_notify_split_brain(struct halo_blk_dev *dev);
void halo_blk_nl_notify_io_error(struct halo_blk_dev *dev);

#endif /* _HALO_BLK_NETLINK_H */
