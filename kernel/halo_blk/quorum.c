// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * on-no-quorum (Documentation/halo_blk.rst, "Quorum"): a primary whose
 * cluster instance is not quorate stops serving I/O, so that a minority
 * partition never keeps writing while the majority promotes its peer.
 * suspend-io holds the queue (blk_mq_quiesce_queue(): requests wait in
 * the block layer, none is lost) until quorum comes back or the policy
 * changes; io-error fails every new request in queue_rq. The verdict is
 * taken again at each halo quorum event, role change and dev-set.
 */

#include "device.h"
#include "netlink.h"
#include "../halo_api.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>

static const char *const halo_blk_noq_names[] = {
	[HALO_BLK_ON_NO_QUORUM_OFF] = "off",
	[HALO_BLK_ON_NO_QUORUM_SUSPEND_IO] = "suspend-io",
	[HALO_BLK_ON_NO_QUORUM_IO_ERROR] = "io-error",
};

/*
 * Take the verdict again; the device's lock held. True if it changed
 * (a dev-ntf went).
 */
bool halo_blk_noq_update(struct halo_blk_dev *dev)
{
	bool quorate = halo_quorate(dev->net) == 1, lost, hold;
	u8 pol = dev->on_no_quorum;

	lockdep_assert_held(&dev->lock);
	lost = dev->role == HALO_BLK_ROLE_PRIMARY && pol != HALO_BLK_ON_NO_QUORUM_OFF &&
	       !quorate;
	hold = lost && pol == HALO_BLK_ON_NO_QUORUM_SUSPEND_IO;
	if (quorate == dev->quorate && lost == dev->noq_lost &&
	    hold == dev->noq_quiesced)
		return false;
	if (lost != dev->noq_lost || hold != dev->noq_quiesced) {
		if (lost)
			pr_warn("%s: no quorum: I/O %s (on-no-quorum %s)\n", dev->name,
				hold ? "suspended" : "fails", halo_blk_noq_names[pol]);
		else
			pr_info("%s: I/O served again (%s)\n", dev->name,
				quorate ? "quorate" : "on-no-quorum or role changed");
	}
	dev->quorate = quorate;
	/*
	 * queue_rq fails requests while noq_lost: under suspend-io it is
	 * only set once no request can reach queue_rq any more
	 */
	if (hold && !dev->noq_quiesced)
		blk_mq_quiesce_queue(dev->gd->queue);
	WRITE_ONCE(dev->noq_lost, lost);
	if (!hold && dev->noq_quiesced)
		blk_mq_unquiesce_queue(dev->gd->queue);
	dev->noq_quiesced = hold;
	halo_blk_nl_notify(dev);
	return true;
}

/*
 * The device goes (namespace or module exit): never leave its queue held.
 * What was held fails, as under io-error. The device's lock held.
 */
void halo_blk_noq_release(struct halo_blk_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (!dev->noq_quiesced)
		return;
	dev->on_no_quorum = HALO_BLK_ON_NO_QUORUM_IO_ERROR;
	WRITE_ONCE(dev->noq_lost, true);
	blk_mq_unquiesce_queue(dev->gd->queue);
	dev->noq_quiesced = false;
}
