// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Encoding and structural validation of halo datagrams (layout in wire.h).
 * Everything here treats the datagram as hostile: every field is checked
 * before it is believed, and a drop names its reason.
 *
 * Pure logic: compiled into halo.ko and into the host unit lane.
 */

#include "wire.h"

size_t halo_wire_put_hdr(u8 *buf, const struct halo_wire_info *info)
{
	put_unaligned_be32(HALO_WIRE_MAGIC, buf);
	buf[4] = HALO_WIRE_VERSION;
	buf[5] = info->type;
	buf[6] = info->link;
	buf[7] = 0;
	put_unaligned_be32(info->cluster, buf + 8);
	put_unaligned_be32(info->from, buf + 12);
	put_unaligned_be32(info->to, buf + 16);
	put_unaligned_be16(info->payload_len, buf + 20);
	put_unaligned_be16(0, buf + 22);
	put_unaligned_be64(info->incarnation, buf + 24);
	put_unaligned_be64(info->seq, buf + 32);
	return HALO_WIRE_HDR_LEN;
}

/*
 * Check the structure of the datagram @buf of @len bytes received by node
 * @local_id of cluster @cluster; on HALO_DROP_NONE, @info holds its header.
 */
enum halo_wire_drop halo_wire_parse(const u8 *buf, size_t len, u32 cluster,
				    u32 local_id, struct halo_wire_info *info)
{
	if (len < HALO_WIRE_HDR_LEN + HALO_WIRE_MAC_LEN)
		return HALO_DROP_SHORT;
	if (get_unaligned_be32(buf) != HALO_WIRE_MAGIC)
		return HALO_DROP_MAGIC;
	if (buf[4] != HALO_WIRE_VERSION)
		return HALO_DROP_VERSION;

	info->type = buf[5];
	info->link = buf[6];
	info->cluster = get_unaligned_be32(buf + 8);
	info->from = get_unaligned_be32(buf + 12);
	info->to = get_unaligned_be32(buf + 16);
	info->payload_len = get_unaligned_be16(buf + 20);
	info->incarnation = get_unaligned_be64(buf + 24);
	info->seq = get_unaligned_be64(buf + 32);

	if (info->type == 0 || info->type >= __HALO_MSG_MAX)
		return HALO_DROP_TYPE;
	if (info->payload_len > HALO_WIRE_MAX_PAYLOAD ||
	    len != (size_t)HALO_WIRE_HDR_LEN + info->payload_len +
		   HALO_WIRE_MAC_LEN)
		return HALO_DROP_LENGTH;
	if (buf[7] || get_unaligned_be16(buf + 22))
		return HALO_DROP_RESERVED;
	if (info->cluster != cluster)
		return HALO_DROP_CLUSTER;
	if (!info->from || info->from == local_id ||
	    (info->to && info->to != local_id))
		return HALO_DROP_NODE;
	if (info->link >= HALO_MAX_LINKS)
		return HALO_DROP_LINK;
	return HALO_DROP_NONE;
}

const char *halo_wire_drop_name(enum halo_wire_drop why)
{
	static const char * const names[__HALO_DROP_MAX] = {
		[HALO_DROP_NONE] = "none",
		[HALO_DROP_SHORT] = "short",
		[HALO_DROP_MAGIC] = "bad-magic",
		[HALO_DROP_VERSION] = "bad-version",
		[HALO_DROP_TYPE] = "bad-type",
		[HALO_DROP_LENGTH] = "bad-length",
		[HALO_DROP_RESERVED] = "reserved-set",
		[HALO_DROP_CLUSTER] = "other-cluster",
		[HALO_DROP_NODE] = "bad-node",
		[HALO_DROP_LINK] = "bad-link",
	};

	return why < __HALO_DROP_MAX ? names[why] : "unknown";
}
