// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * halo datagrams (kernel/halo/wire.c): a header survives encoding, and
 * every malformed datagram is dropped with its own reason: each
 * truncation, each corrupted field, and random garbage (under ASan, so an
 * out-of-bounds read fails the test too).
 */
#include "wire.h"
#include "kselftest_harness.h"

#include <stdlib.h>

#define CLUSTER 0xc0ffee11U
#define LOCAL 2

static const struct halo_wire_info good = {
	.type = HALO_MSG_HEARTBEAT,
	.link = 1,
	.cluster = CLUSTER,
	.from = 3,
	.to = 0,
	.payload_len = 100,
	.incarnation = 0x1122334455667788ULL,
	.seq = 0x8877665544332211ULL,
};

/* A whole datagram: header, payload, (dummy) MAC. Returns its length. */
static size_t build(u8 *buf, const struct halo_wire_info *info)
{
	size_t n = halo_wire_put_hdr(buf, info);

	memset(buf + n, 0xab, info->payload_len + HALO_WIRE_MAC_LEN);
	return n + info->payload_len + HALO_WIRE_MAC_LEN;
}

static enum halo_wire_drop parse(const u8 *buf, size_t len)
{
	struct halo_wire_info info;
	/* an exact-size heap copy, so ASan sees any read past the end */
	u8 *copy = malloc(len ? len : 1);
	enum halo_wire_drop why;

	memcpy(copy, buf, len);
	why = halo_wire_parse(copy, len, CLUSTER, LOCAL, &info);
	free(copy);
	return why;
}

TEST(round_trip)
{
	struct halo_wire_info out;
	u8 buf[HALO_WIRE_MAX_LEN];
	size_t len = build(buf, &good);

	ASSERT_EQ(HALO_WIRE_HDR_LEN + 100 + HALO_WIRE_MAC_LEN, len);
	ASSERT_EQ(HALO_DROP_NONE, halo_wire_parse(buf, len, CLUSTER, LOCAL, &out));
	EXPECT_EQ(good.type, out.type);
	EXPECT_EQ(good.link, out.link);
	EXPECT_EQ(good.cluster, out.cluster);
	EXPECT_EQ(good.from, out.from);
	EXPECT_EQ(good.to, out.to);
	EXPECT_EQ(good.payload_len, out.payload_len);
	EXPECT_EQ(good.incarnation, out.incarnation);
	EXPECT_EQ(good.seq, out.seq);
	/* network byte order on the wire */
	EXPECT_EQ('H', buf[0]);
	EXPECT_EQ(3, buf[15]);
	EXPECT_EQ(0x11, buf[24]);
}

TEST(every_truncation_dropped)
{
	u8 buf[HALO_WIRE_MAX_LEN];
	size_t len = build(buf, &good), n;

	for (n = 0; n < len; n++) {
		enum halo_wire_drop why = parse(buf, n);

		ASSERT_TRUE(why == HALO_DROP_SHORT || why == HALO_DROP_LENGTH)
			TH_LOG("length %zu: %s", n, halo_wire_drop_name(why));
	}
	EXPECT_EQ(HALO_DROP_LENGTH, parse(buf, len - 1));
	EXPECT_EQ(HALO_DROP_SHORT, parse(buf, HALO_WIRE_HDR_LEN));
}

TEST(trailing_bytes_dropped)
{
	u8 buf[HALO_WIRE_MAX_LEN + 1];
	size_t len = build(buf, &good);

	EXPECT_EQ(HALO_DROP_LENGTH, parse(buf, len + 1));
}

/* Corrupt one byte of a good datagram: the drop names the field. */
static enum halo_wire_drop with_byte(size_t off, u8 val)
{
	u8 buf[HALO_WIRE_MAX_LEN];
	size_t len = build(buf, &good);

	buf[off] = val;
	return parse(buf, len);
}

TEST(each_field_checked)
{
	EXPECT_EQ(HALO_DROP_MAGIC, with_byte(0, 'X'));
	EXPECT_EQ(HALO_DROP_VERSION, with_byte(4, 2));
	EXPECT_EQ(HALO_DROP_TYPE, with_byte(5, 0));
	EXPECT_EQ(HALO_DROP_TYPE, with_byte(5, __HALO_MSG_MAX));
	EXPECT_EQ(HALO_DROP_LINK, with_byte(6, HALO_MAX_LINKS));
	EXPECT_EQ(HALO_DROP_RESERVED, with_byte(7, 1));
	EXPECT_EQ(HALO_DROP_CLUSTER, with_byte(11, 0));
	EXPECT_EQ(HALO_DROP_NODE, with_byte(15, 0));		/* from 0 */
	EXPECT_EQ(HALO_DROP_NODE, with_byte(15, LOCAL));	/* from me */
	EXPECT_EQ(HALO_DROP_NODE, with_byte(19, 9));		/* to node 9 */
	EXPECT_EQ(HALO_DROP_NONE, with_byte(19, LOCAL));	/* to me */
	EXPECT_EQ(HALO_DROP_LENGTH, with_byte(21, 101));
	EXPECT_EQ(HALO_DROP_RESERVED, with_byte(23, 1));
	/* incarnation, sequence and payload are the MAC's to judge */
	EXPECT_EQ(HALO_DROP_NONE, with_byte(30, 0));
	EXPECT_EQ(HALO_DROP_NONE, with_byte(39, 0));
}

TEST(oversized_payload_dropped)
{
	struct halo_wire_info big = good;
	u8 buf[HALO_WIRE_MAX_LEN + 64];
	size_t len;

	big.payload_len = HALO_WIRE_MAX_PAYLOAD;
	len = build(buf, &big);
	EXPECT_EQ(HALO_DROP_NONE, parse(buf, len));
	big.payload_len = HALO_WIRE_MAX_PAYLOAD + 1;
	len = build(buf, &big);
	EXPECT_EQ(HALO_DROP_LENGTH, parse(buf, len));
}

TEST(random_garbage_never_accepted)
{
	u8 buf[HALO_WIRE_MAX_LEN];
	size_t len, i;
	int round;

	srandom(1);
	for (round = 0; round < 200000; round++) {
		len = random() % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = random();
		/* half the time, a valid-looking start so deeper checks run */
		if (round & 1 && len >= 8) {
			put_unaligned_be32(HALO_WIRE_MAGIC, buf);
			buf[4] = HALO_WIRE_VERSION;
		}
		ASSERT_NE(HALO_DROP_NONE, parse(buf, len));
	}
}

TEST(drop_names)
{
	EXPECT_STREQ("short", halo_wire_drop_name(HALO_DROP_SHORT));
	EXPECT_STREQ("bad-link", halo_wire_drop_name(HALO_DROP_LINK));
	EXPECT_STREQ("unknown", halo_wire_drop_name(__HALO_DROP_MAX));
}

TEST_HARNESS_MAIN
