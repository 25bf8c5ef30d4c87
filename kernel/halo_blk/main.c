// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Module init and exit only.
 */

#include "device.h"
#include "netlink.h"
#include "../halo/version.h"

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

/* A namespace going away takes its devices with it. */
static void __net_exit halo_blk_net_exit(struct net *net)
{
	halo_blk_dev_destroy_all(net);
}

static struct pernet_operations halo_blk_net_ops = {
	.exit = halo_blk_net_exit,
};

static int __init halo_blk_mod_init(void)
{
	int ret;

	ret = register_blkdev(0, "halo");
	if (ret < 0)
		return ret;
	halo_blk_major = ret;

	/* first: its exit (the listener) runs after the devices' */
	ret = halo_blk_conn_net_init();
	if (ret < 0)
		goto err_blkdev;
	ret = register_pernet_subsys(&halo_blk_net_ops);
	if (ret < 0)
		goto err_conn;

	ret = halo_blk_genl_init();
	if (ret < 0)
		goto err_pernet;
	ret = halo_blk_view_init();
	if (ret < 0)
		goto err_genl;

	pr_info("version %s loaded, major %d\n", HALO_VERSION, halo_blk_major);
	return 0;

err_genl:
	halo_blk_genl_exit();
err_pernet:
	unregister_pernet_subsys(&halo_blk_net_ops);
err_conn:
	halo_blk_conn_net_exit();
err_blkdev:
	unregister_blkdev(halo_blk_major, "halo");
	return ret;
}

static void __exit halo_blk_mod_exit(void)
{
	/*
	 * The pernet exit runs for every namespace and destroys its devices
	 * while the family can still announce it; no namespace exit runs
	 * after this, so none sends an event into an unregistered family.
	 * None is open: an open device holds the module.
	 */
	halo_blk_view_exit();
	unregister_pernet_subsys(&halo_blk_net_ops);
	halo_blk_genl_exit();
	halo_blk_dev_destroy_all(NULL);	/* made by a request in between */
	halo_blk_conn_net_exit();	/* the listeners */
	unregister_blkdev(halo_blk_major, "halo");
	pr_info("unloaded\n");
}

module_init(halo_blk_mod_init);
module_exit(halo_blk_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("halo_blk: replicated block devices for halo");
MODULE_AUTHOR("The halo authors");
MODULE_VERSION(HALO_VERSION);
MODULE_ALIAS_GENL_FAMILY(HALO_BLK_FAMILY_NAME);
