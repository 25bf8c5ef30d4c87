/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The datagram halo nodes exchange (Documentation/membership.rst):
 *
 *   offset  size  field
 *        0     4  magic "HALO"
 *        4     1  version
 *        5     1  type (enum halo_msg)
 *        6     1  link index (0..HALO_MAX_LINKS-1)
 *        7     1  flags (none defined; must be 0)
 *        8     4  cluster id
 *       12     4  from: sender node id (never 0)
 *       16     4  to: destination node id, 0 for every member
 *       20     2  payload length
 *       22     2  reserved, 0
 *       24     8  incarnation of the sender's instance
 *       32     8  sequence number (per sender)
 *       40     n  payload
 *     40+n    16  MAC: HMAC-SHA256 of bytes 0..40+n-1, truncated
 *
 * All fields big-endian. halo_wire_parse() checks the structure only; the
 * MAC, then the replay window, are checked by the caller, in that order.
 */
#ifndef _HALO_WIRE_H
#define _HALO_WIRE_H

#include "../pure.h"

#define HALO_WIRE_MAGIC		0x48414c4fU	/* "HALO" */
#define HALO_WIRE_VERSION	1
#define HALO_WIRE_HDR_LEN	40
#define HALO_WIRE_MAC_LEN	16
#define HALO_WIRE_MAX_PAYLOAD	1200
#define HALO_WIRE_MAX_LEN	(HALO_WIRE_HDR_LEN + HALO_WIRE_MAX_PAYLOAD + HALO_WIRE_MAC_LEN)
#define HALO_MAX_LINKS		8

enum halo_msg {
	HALO_MSG_HEARTBEAT = 1,
	HALO_MSG_PROPOSE,
	HALO_MSG_ACK,
	HALO_MSG_NACK,
	HALO_MSG_COMMIT,
	HALO_MSG_STANDBY,	/* the standby register (standby.h) */
	__HALO_MSG_MAX
};

/* Why a datagram was dropped; each has a counter. */
enum halo_wire_drop {
	HALO_DROP_NONE,
	HALO_DROP_SHORT,	/* shorter than header + MAC */
	HALO_DROP_MAGIC,	/* not a halo datagram */
	HALO_DROP_VERSION,	/* a version this node does not speak */
	HALO_DROP_TYPE,		/* unknown message type */
	HALO_DROP_LENGTH,	/* payload length disagrees with the datagram */
	HALO_DROP_RESERVED,	/* flags or reserved bits set */
	HALO_DROP_CLUSTER,	/* another cluster's traffic */
	HALO_DROP_NODE,		/* sender id 0, or sent to another node */
	HALO_DROP_LINK,		/* link index out of range */
	__HALO_DROP_MAX
};

struct halo_wire_info {
	u8 type;
	u8 link;
	u32 cluster;
	u32 from;
	u32 to;
	u16 payload_len;
	u64 incarnation;
	u64 seq;
};

size_t halo_wire_put_hdr(u8 *buf, const struct halo_wire_info *info);
enum halo_wire_drop halo_wire_parse(const u8 *buf, size_t len, u32 cluster,
				    u32 local_id, struct halo_wire_info *info);
const char *halo_wire_drop_name(enum halo_wire_drop why);

#endif /* _HALO_WIRE_H */
