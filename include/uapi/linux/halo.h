/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/halo.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_HALO_H
#define _UAPI_LINUX_HALO_H

#define HALO_FAMILY_NAME	"halo"
#define HALO_FAMILY_VERSION	1

enum {
	HALO_A_STATUS_PAD = 1,
	HALO_A_STATUS_VERSION,
	HALO_A_STATUS_NETNS_COOKIE,
	HALO_A_STATUS_CLUSTER,

	__HALO_A_STATUS_MAX,
	HALO_A_STATUS_MAX = (__HALO_A_STATUS_MAX - 1)
};

enum {
	HALO_CMD_GET = 1,

	__HALO_CMD_MAX,
	HALO_CMD_MAX = (__HALO_CMD_MAX - 1)
};

#define HALO_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_HALO_H */
