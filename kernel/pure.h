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
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
/* get_unaligned_be32() and friends come from compat.h (6.1 vs 6.12) */
/* secrets: a wipe the compiler may not drop */
#define halo_wipe(p, n) memzero_explicit(p, n)
#else
#include <endian.h>
#include <errno.h>
#include <linux/types.h>	/* the uapi one: __u8 ... __u64 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define fallthrough __attribute__((__fallthrough__))
#define U32_MAX ((u32)~0U)
#define halo_wipe(p, n) explicit_bzero(p, n)

#define HALO_PURE_BE(bits)						\
static inline u##bits get_unaligned_be##bits(const void *p)		\
{									\
	u##bits v;							\
									\
	memcpy(&v, p, sizeof(v));					\
	return be##bits##toh(v);					\
}									\
static inline void put_unaligned_be##bits(u##bits v, void *p)		\
{									\
	v = htobe##bits(v);						\
	memcpy(p, &v, sizeof(v));					\
}

HALO_PURE_BE(16)

HALO_PURE_BE(32)

HALO_PURE_BE(64)

#undef HALO_PURE_BE
#endif

#endif /* _HALO_PURE_H */
