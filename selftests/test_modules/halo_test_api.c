// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Test-only client of halo.ko's in-kernel API (kernel/halo_api.h), as
 * halo_blk and ip_vs_halo use it: on every notifier event it queries the
 * view, quorum, one node's membership and an address-to-node lookup, and
 * logs one line that selftests/api.sh reads from the kernel log:
 *
 *   halo_test_api: event=view netns=C epoch=E quorate=Q members=1,2,3
 *                  lookup=ID in_view=0|1 standby=0|1
 *
 *   insmod halo_test_api.ko lookup=198.51.100.2
 */

#include "halo_api.h"

#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <net/net_namespace.h>

static char *lookup = "198.51.100.2";
module_param(lookup, charp, 0444);
MODULE_PARM_DESC(lookup, "address to map to a node id on every event");

static const char *const halo_test_events[] = {
	[HALO_EVENT_VIEW] = "view",
	[HALO_EVENT_QUORUM] = "quorum",
	[HALO_EVENT_CONFIG] = "config",
	[HALO_EVENT_DESTROY] = "destroy",
	[HALO_EVENT_STANDBY] = "standby",
};

static int halo_test_event(struct notifier_block *nb, unsigned long event,
			   void *data)
{
	const struct halo_event_info *info = data;
	struct halo_view_info view;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char members[16 * 11] = "";
	unsigned int i, len = 0;
	u32 id = 0;
	int ret;

	if (event >= ARRAY_SIZE(halo_test_events) || !halo_test_events[event])
		return NOTIFY_DONE;
	if (event == HALO_EVENT_DESTROY) {
		pr_info("event=destroy netns=%llu quorate=%d\n",
			info->net->net_cookie, halo_quorate(info->net));
		return NOTIFY_OK;
	}
	ret = halo_view_get(info->net, &view);
	if (ret < 0) {
		pr_info("event=%s netns=%llu view=%d\n", halo_test_events[event],
			info->net->net_cookie, ret);
		return NOTIFY_OK;
	}
	for (i = 0; i < view.n_members && len < sizeof(members) - 12; i++)
		len += scnprintf(members + len, sizeof(members) - len, "%s%u",
				 i ? "," : "", view.members[i]);
	if (in4_pton(lookup, -1, (u8 *)&sin.sin_addr, -1, NULL))
		ret = halo_addr_to_node(info->net, (struct sockaddr *)&sin, &id);
	else
		ret = -EINVAL;
	pr_info("event=%s netns=%llu epoch=%llu quorate=%d members=%s lookup=%d in_view=%d standby=%d\n",
		halo_test_events[event], info->net->net_cookie, view.epoch,
		halo_quorate(info->net), members, ret < 0 ? ret : (int)id,
		ret < 0 ? ret : halo_node_in_view(info->net, id),
		ret < 0 ? ret : halo_node_standby(info->net, id));
	return NOTIFY_OK;
}

static struct notifier_block halo_test_nb = {
	.notifier_call = halo_test_event,
};

static int __init halo_test_api_init(void)
{
	return halo_register_notifier(&halo_test_nb);
}

static void __exit halo_test_api_exit(void)
{
	halo_unregister_notifier(&halo_test_nb);
}

module_init(halo_test_api_init);
module_exit(halo_test_api_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("halo selftests: a client of halo.ko's in-kernel API");
