/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_NETLINK_H
#define _HALO_NETLINK_H

int halo_genl_init(void);
void halo_genl_exit(void);

#endif /* _HALO_NETLINK_H */
