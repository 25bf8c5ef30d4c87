// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Test-only module that misbehaves on load, so the harness self-test can
 * prove each kind of kernel report fails a VM run even when the command
 * itself exits 0:
 *   insmod halo_test_fault.ko fault=warn   a WARN (every kernel)
 *   insmod halo_test_fault.ko fault=leak   a leaked allocation (kmemleak)
 *   insmod halo_test_fault.ko fault=oob    an out-of-bounds read (KASAN)
 *   insmod halo_test_fault.ko fault=lockdep  two locks taken in both
 *                                            orders (lockdep)
 *   insmod halo_test_fault.ko fault=sleep  a sleep under a spinlock
 *                                          (DEBUG_ATOMIC_SLEEP)
 */

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *fault = "warn";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "what to do on load: warn, leak, oob, lockdep or sleep");

static DEFINE_MUTEX(halo_test_lock_a);
static DEFINE_MUTEX(halo_test_lock_b);
static DEFINE_SPINLOCK(halo_test_spin);

static void *halo_test_leaked;
/* Not const, so the compiler cannot see the read is out of bounds. */
static int halo_test_oob_index = 16;

static int __init halo_test_fault_init(void)
{
	char *p;

	if (!strcmp(fault, "warn")) {
		WARN(1, "halo_test_fault: deliberate warning\n");
	} else if (!strcmp(fault, "leak")) {
		/* Lose the only reference: kmemleak must report it. */
		halo_test_leaked = kmalloc(1024, GFP_KERNEL);
		halo_test_leaked = NULL;
	} else if (!strcmp(fault, "oob")) {
		p = kmalloc(16, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		pr_info("halo_test_fault: read past the end: %d\n",
			READ_ONCE(p[halo_test_oob_index]));
		kfree(p);
	} else if (!strcmp(fault, "lockdep")) {
		/* a -> b, then b -> a: no deadlock here, but lockdep objects */
		mutex_lock(&halo_test_lock_a);
		mutex_lock(&halo_test_lock_b);
		mutex_unlock(&halo_test_lock_b);
		mutex_unlock(&halo_test_lock_a);
		mutex_lock(&halo_test_lock_b);
		mutex_lock(&halo_test_lock_a);
		mutex_unlock(&halo_test_lock_a);
		mutex_unlock(&halo_test_lock_b);
	} else if (!strcmp(fault, "sleep")) {
		spin_lock(&halo_test_spin);
		msleep(20);
		spin_unlock(&halo_test_spin);
	} else {
		pr_err("halo_test_fault: unknown fault \"%s\" (use warn/leak/oob/lockdep/sleep)\n",
		       fault);
		return -EINVAL;
	}
	return 0;
}

static void __exit halo_test_fault_exit(void)
{
}

module_init(halo_test_fault_init);
module_exit(halo_test_fault_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("halo test module: misbehaves on load for the harness self-test");
