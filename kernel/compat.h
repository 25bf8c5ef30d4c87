/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Every difference between the kernels halo supports (Debian 12's 6.1 and
 * 6.12) lives in this file, which the build force-includes into every
 * halo object. Code elsewhere is written against the 6.12 API; each shim
 * here gives the older kernel that API.
 *
 * Debian backports into its 6.1 kernels, so a shim tests for the symbol
 * or header (Debian's 6.1 has timer_delete_sync(), for example), never
 * for a version: headers are probed by kernel/Kbuild, as
 * wireguard-linux-compat does.
 */
#ifndef _HALO_COMPAT_H
#define _HALO_COMPAT_H

#include <net/netlink.h>

/*
 * 6.6 added NL_ASSERT_DUMP_CTX_FITS() for dump cursors kept in cb->ctx;
 * 6.1 has the same 48-byte cb->ctx, so the check is the same.
 */
#ifndef NL_ASSERT_DUMP_CTX_FITS
#define NL_ASSERT_DUMP_CTX_FITS(type_name)				\
	BUILD_BUG_ON(sizeof(type_name) >				\
		     sizeof_field(struct netlink_callback, ctx))
#endif

/*
 * 6.12 moved the unaligned access helpers from <asm/unaligned.h> to
 * <linux/unaligned.h> and dropped the old header; Debian's 6.1 has only
 * the old one. Kbuild probes for the header (HALO_HAVE_LINUX_UNALIGNED_H).
 */
#ifdef HALO_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _HALO_COMPAT_H */
