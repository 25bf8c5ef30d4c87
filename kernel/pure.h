/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * For pure logic (no I/O, no locking, no allocation) that compiles both
 * into the modules and into the host unit lane (selftests/unit/), where it
 * runs under AddressSanitizer and UBSan: such a .c file includes only this
 * header, which maps the few kernel types it uses onto the C library.
 */
#ifndef _HALO_PURE_H
#define _HALO_PURE_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/types.h>
#else
#include <linux/types.h>	/* the uapi one: __u8 ... __u64 */
#include <stdbool.h>
#include <stddef.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define BIT(nr) (1UL << (nr))
#endif

#endif /* _HALO_PURE_H */
