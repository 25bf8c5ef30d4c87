// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Module init and exit only.
 */

#include "cluster.h"
#include "netlink.h"
#include "netns.h"
#include "version.h"

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/halo.h>

static int __init halo_mod_init(void)
{
	int ret;

	/* The family's handlers use the pernet state: register it first. */
	ret = halo_netns_init();
	if (ret < 0)
		return ret;

	ret = halo_sysfs_init();
	if (ret < 0)
		goto err_netns;

	ret = halo_genl_init();
	if (ret < 0)
		goto err_sysfs;

	pr_info("version %s loaded\n", HALO_VERSION);
	return 0;

err_sysfs:
	halo_sysfs_exit();
err_netns:
	halo_netns_exit();
	return ret;
}

static void __exit halo_mod_exit(void)
{
	halo_genl_exit();
	halo_netns_exit();	/* destroys every instance */
	halo_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(halo_mod_init);
module_exit(halo_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("halo: in-kernel high-availability cluster membership");
MODULE_AUTHOR("The halo authors");
MODULE_VERSION(HALO_VERSION);
MODULE_ALIAS_GENL_FAMILY(HALO_FAMILY_NAME);
