// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The replication protocol's frames (kernel/halo_blk/proto.c and
 * proto_auth.c): what one side encodes the other decodes unchanged, and
 * every field a broken or hostile peer could get wrong is refused with a
 * reason.
 */
#include "proto.h"
#include "proto_auth.h"
#include "kselftest_harness.h"

static void hello_init(struct halo_p_hello *h, u32 self, u32 peer)
{
	memset(h, 0, sizeof(*h));
	h->node_id = self;
	h->peer_id = peer;
	h->protocol = HALO_P_PROTO_C;
	h->role = 1;
	h->disk_state = 5;
	h->flags = HALO_P_HF_CRASHED_PRIMARY;
	h->data_blocks = 262144;
	h->gen[0] = 0x1234567890abcdefULL;
	h->gen[3] = 7;
	h->uuid[0] = 0xaa;
	h->uuid[15] = 0x55;
	strcpy(h->cluster, "prod");
	strcpy(h->name, "r0");
	h->out_of_sync = 42;
	h->after_sb[0] = HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES;
	h->after_sb[1] = HALO_BLK_AFTER_SB_CONSENSUS;
}

TEST(header_round_trip_and_refusals)
{
	struct halo_p_hdr h;
	const char *why = NULL;
	u8 buf[HALO_P_HDR_LEN];

	halo_p_hdr_encode(buf, HALO_P_WRITE_ACK, HALO_P_ACK_LEN);
	ASSERT_EQ(0, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_EQ(HALO_P_WRITE_ACK, h.type);
	EXPECT_EQ(HALO_P_ACK_LEN, h.len);
	EXPECT_STREQ("write-ack", halo_p_type_name(h.type));

	buf[0] ^= 1;
	EXPECT_EQ(-EPROTO, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_STREQ("not a halo_blk frame (bad magic)", why);
	buf[0] ^= 1;
	buf[13] = 1;
	EXPECT_EQ(-EPROTO, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_STREQ("reserved header fields are not zero", why);
	buf[13] = 0;

	halo_p_hdr_encode(buf, __HALO_P_TYPE_MAX, 0);
	EXPECT_EQ(-EPROTO, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_STREQ("unknown frame type", why);
	halo_p_hdr_encode(buf, 0, 0);
	EXPECT_EQ(-EPROTO, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_STREQ("unknown", halo_p_type_name(0));

	halo_p_hdr_encode(buf, HALO_P_DATA, HALO_P_MAX_PAYLOAD);
	EXPECT_EQ(0, halo_p_hdr_decode(buf, &h, &why));
	halo_p_hdr_encode(buf, HALO_P_DATA, HALO_P_MAX_PAYLOAD + 1);
	EXPECT_EQ(-EPROTO, halo_p_hdr_decode(buf, &h, &why));
	EXPECT_STREQ("frame longer than the largest write", why);
}

TEST(hello_round_trip)
{
	struct halo_p_hello a, b;
	const char *why = NULL;
	u8 buf[HALO_P_HELLO_LEN];

	hello_init(&a, 1, 2);
	halo_p_hello_encode(&a, buf);
	ASSERT_EQ(0, halo_p_hello_decode(buf, sizeof(buf), &b, &why))
		TH_LOG("%s", why);
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
}

/* One byte of a valid hello changed at @off: refused with @reason. */
static void hello_bad(struct __test_metadata *_metadata, size_t off, u8 val,
		      const char *reason)
{
	struct halo_p_hello a, b;
	const char *why = NULL;
	u8 buf[HALO_P_HELLO_LEN];

	hello_init(&a, 1, 2);
	halo_p_hello_encode(&a, buf);
	buf[off] = val;
	EXPECT_EQ(-EPROTO, halo_p_hello_decode(buf, sizeof(buf), &b, &why))
		TH_LOG("offset %zu = %u was accepted", off, val);
	if (why)
		EXPECT_STREQ(reason, why);
}

TEST(hello_refusals)
{
	struct halo_p_hello a, b;
	const char *why = NULL;
	u8 buf[HALO_P_HELLO_LEN];

	hello_init(&a, 1, 2);
	halo_p_hello_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_hello_decode(buf, sizeof(buf) - 1, &b, &why));
	EXPECT_STREQ("hello of the wrong length", why);

	hello_bad(_metadata, 3, 1, "the peer speaks another protocol version");
	hello_bad(_metadata, 7, 0, "hello with bad node ids");
	hello_bad(_metadata, 11, 1, "hello with bad node ids");	/* itself */
	hello_bad(_metadata, 12, 0, "hello with an unknown replication protocol");
	hello_bad(_metadata, 12, 4, "hello with an unknown replication protocol");
	hello_bad(_metadata, 13, HALO_P_ROLE_MAX + 1,
		  "hello with an unknown role or disk state");
	hello_bad(_metadata, 14, HALO_P_DISK_STATE_MAX + 1,
		  "hello with an unknown role or disk state");
	hello_bad(_metadata, 15, 0x80, "hello with unknown flags");
	hello_bad(_metadata, 16, 0xff, "hello with an impossible size");
	hello_bad(_metadata, 21, 0, "hello with an impossible size");	/* 0 blocks */
	hello_bad(_metadata, 176, 0xff, "hello with an impossible size");	/* oos > size */
	hello_bad(_metadata, 184, HALO_BLK_AFTER_SB_CONSENSUS,
		  "hello with an unknown split-brain policy");
	hello_bad(_metadata, 185, HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES,
		  "hello with an unknown split-brain policy");
	hello_bad(_metadata, 186, HALO_BLK_AFTER_SB_DISCARD_SECONDARY,
		  "hello with an unknown split-brain policy");
	hello_bad(_metadata, 187, 1, "hello with an unknown split-brain policy");
	hello_bad(_metadata, 72, 0, "hello with a malformed cluster or device name");
	hello_bad(_metadata, 72 + 71, 'x', "hello with a malformed cluster or device name");
	hello_bad(_metadata, 72 + 10, 'x', "hello with a malformed cluster or device name");
	hello_bad(_metadata, 144, 0, "hello with a malformed cluster or device name");
	hello_bad(_metadata, 144 + 31, 'x', "hello with a malformed cluster or device name");
}

TEST(hello_match)
{
	struct halo_p_hello a, b;
	const char *why = NULL;

	hello_init(&a, 1, 2);
	hello_init(&b, 2, 1);
	EXPECT_EQ(0, halo_p_hello_match(&a, &b, &why));
	EXPECT_EQ(0, halo_p_hello_match(&b, &a, &why));

	strcpy(b.cluster, "test");
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the peer belongs to another cluster", why);
	strcpy(b.cluster, "prod");

	b.peer_id = 3;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the peer is not the node this device connects to, or not to it", why);
	b.peer_id = 1;
	b.node_id = 3;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	b.node_id = 2;

	strcpy(b.name, "r1");
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the peer's device has another name", why);
	strcpy(b.name, "r0");

	b.data_blocks++;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the two devices differ in size", why);
	b.data_blocks--;

	b.protocol = HALO_P_PROTO_A;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the two sides asked for different replication protocols", why);
	b.protocol = a.protocol;

	/* the other flags may differ; allow-two-primaries must not */
	b.flags = 0;
	EXPECT_EQ(0, halo_p_hello_match(&a, &b, &why));
	b.flags = HALO_P_HF_TWO_PRIMARIES;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("only one side allows two primaries", why);
	a.flags |= HALO_P_HF_TWO_PRIMARIES;
	EXPECT_EQ(0, halo_p_hello_match(&a, &b, &why));
	EXPECT_EQ(0, halo_p_hello_match(&b, &a, &why));

	b.after_sb[1] = HALO_BLK_AFTER_SB_DISCARD_SECONDARY;
	EXPECT_EQ(-EINVAL, halo_p_hello_match(&a, &b, &why));
	EXPECT_STREQ("the two sides have different split-brain policies (after-sb-*)", why);
}

static int data_decode(const struct halo_p_data *d, size_t len, u64 max,
		       const char **why)
{
	struct halo_p_data out;
	u8 buf[HALO_P_DATA_HDR];
	int ret;

	halo_p_data_encode(d, buf);
	ret = halo_p_data_decode(buf, len, max, &out, why);
	if (!ret && memcmp(d, &out, sizeof(out)))
		return -1000;
	return ret;
}

TEST(data_frames)
{
	const u64 max = 1ULL << 30;	/* a 1 GiB device */
	struct halo_p_data d = { .id = 9, .sector = 8, .size = 4096 };
	const char *why = NULL;

	EXPECT_EQ(0, data_decode(&d, HALO_P_DATA_HDR + 4096, max, &why));
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR + 4095, max, &why));
	EXPECT_STREQ("write whose length does not match its size", why);
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR - 1, max, &why));
	EXPECT_STREQ("write frame too short", why);

	/* the last sector, then one past it, then an overflowing sector */
	d.sector = max / 512 - 8;
	EXPECT_EQ(0, data_decode(&d, HALO_P_DATA_HDR + 4096, max, &why));
	d.sector++;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR + 4096, max, &why));
	EXPECT_STREQ("write beyond the end of the device", why);
	d.sector = ~0ULL / 256;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR + 4096, max, &why));
	EXPECT_STREQ("write beyond the end of the device", why);
	d.sector = 0;

	d.size = 4000;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR + 4000, max, &why));
	EXPECT_STREQ("write of a size that is not whole sectors", why);

	/* a flush alone carries nothing; a discard carries no data */
	d.size = 0;
	d.flags = HALO_P_DF_FLUSH;
	EXPECT_EQ(0, data_decode(&d, HALO_P_DATA_HDR, max, &why));
	d.flags = HALO_P_DF_DISCARD;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR, max, &why));
	d.size = 1 << 24;
	EXPECT_EQ(0, data_decode(&d, HALO_P_DATA_HDR, max, &why));
	d.flags = HALO_P_DF_DISCARD | HALO_P_DF_ZEROES;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR, max, &why));
	EXPECT_STREQ("write that is both a discard and zeroes", why);
	d.flags = 0x100;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR, max, &why));
	EXPECT_STREQ("write with unknown flags", why);

	/* larger than one frame may carry */
	d.flags = 0;
	d.size = HALO_P_MAX_DATA + 512;
	EXPECT_EQ(-EPROTO, data_decode(&d, HALO_P_DATA_HDR + d.size, max, &why));
}

TEST(acks)
{
	struct halo_p_ack a = { .id = 77, .error = -5 }, b;
	const char *why = NULL;
	u8 buf[HALO_P_ACK_LEN];

	halo_p_ack_encode(&a, buf);
	ASSERT_EQ(0, halo_p_ack_decode(buf, sizeof(buf), &b, &why));
	EXPECT_EQ(77, b.id);
	EXPECT_EQ(-5, b.error);
	EXPECT_EQ(-EPROTO, halo_p_ack_decode(buf, sizeof(buf) + 1, &b, &why));
	a.error = 5;
	halo_p_ack_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_ack_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("ack with an impossible error", why);
	a.error = -4096;
	halo_p_ack_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_ack_decode(buf, sizeof(buf), &b, &why));
}

TEST(states)
{
	struct halo_p_state a = { .role = 2, .disk_state = 5 }, b;
	const char *why = NULL;
	u8 buf[HALO_P_STATE_LEN];

	halo_p_state_encode(&a, buf);
	ASSERT_EQ(0, halo_p_state_decode(buf, sizeof(buf), &b, &why));
	EXPECT_EQ(2, b.role);
	EXPECT_EQ(5, b.disk_state);
	EXPECT_EQ(-EPROTO, halo_p_state_decode(buf, sizeof(buf) - 1, &b, &why));
	buf[3] = 1;
	EXPECT_EQ(-EPROTO, halo_p_state_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("malformed state", why);
	buf[3] = 0;
	buf[0] = 0;	/* Unknown is what the peer is while unknown, never sent */
	EXPECT_EQ(-EPROTO, halo_p_state_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("state with an unknown role or disk state", why);
	buf[0] = 1;
	buf[1] = HALO_P_DISK_STATE_MAX + 1;
	EXPECT_EQ(-EPROTO, halo_p_state_decode(buf, sizeof(buf), &b, &why));
}

TEST(sync_done)
{
	u64 a[HALO_MD_GEN_COUNT] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	u64 b[HALO_MD_GEN_COUNT];
	const char *why = NULL;
	u8 buf[HALO_P_SYNC_DONE_LEN];

	halo_p_sync_done_encode(a, buf);
	ASSERT_EQ(0, halo_p_sync_done_decode(buf, sizeof(buf), b, &why));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EXPECT_EQ(-EPROTO, halo_p_sync_done_decode(buf, sizeof(buf) - 8, b, &why));
	a[0] = 0;
	halo_p_sync_done_encode(a, buf);
	EXPECT_EQ(-EPROTO, halo_p_sync_done_decode(buf, sizeof(buf), b, &why));
	EXPECT_STREQ("sync-done from a source that never held data", why);
	EXPECT_STREQ("sync-done", halo_p_type_name(HALO_P_SYNC_DONE));
}

TEST(resync_frames)
{
	struct halo_p_rs_start a = { .gen = 0x1234567890abcdefULL, .blocks = 1000 }, b;
	u8 buf[HALO_P_RS_START_LEN], bm[HALO_P_BITMAP_LEN] = { 0 };
	const char *why = NULL;
	u64 v;

	halo_p_rs_start_encode(&a, buf);
	ASSERT_EQ(0, halo_p_rs_start_decode(buf, sizeof(buf), 1000, &b, &why));
	EXPECT_EQ(a.gen, b.gen);
	EXPECT_EQ(a.blocks, b.blocks);
	/* more blocks than the device has, no generation, a wrong length */
	EXPECT_EQ(-EPROTO, halo_p_rs_start_decode(buf, sizeof(buf), 999, &b, &why));
	EXPECT_STREQ("rs-start of more blocks than the device has", why);
	EXPECT_EQ(-EPROTO, halo_p_rs_start_decode(buf, sizeof(buf) - 1, 1000, &b, &why));
	EXPECT_STREQ("rs-start of the wrong length", why);
	a.gen = 0;
	halo_p_rs_start_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_rs_start_decode(buf, sizeof(buf), 1000, &b, &why));
	EXPECT_STREQ("rs-start without a generation", why);

	halo_p_u64_encode(7, bm);
	ASSERT_EQ(0, halo_p_bitmap_decode(bm, sizeof(bm), &v, &why));
	EXPECT_EQ(7, v);
	EXPECT_EQ(-EPROTO, halo_p_bitmap_decode(bm, sizeof(bm) - 1, &v, &why));
	EXPECT_STREQ("bitmap of the wrong length", why);
	halo_p_u64_encode(3, buf);
	ASSERT_EQ(0, halo_p_bitmap_done_decode(buf, HALO_P_BITMAP_DONE_LEN, &v, &why));
	EXPECT_EQ(3, v);
	EXPECT_EQ(-EPROTO, halo_p_bitmap_done_decode(buf, 0, &v, &why));
	EXPECT_STREQ("bitmap-done of the wrong length", why);
	EXPECT_STREQ("rs-start", halo_p_type_name(HALO_P_RS_START));
	EXPECT_STREQ("bitmap", halo_p_type_name(HALO_P_BITMAP));
}

TEST(verify_frames)
{
	u8 buf[HALO_P_OV_REQ_MAX], rbuf[HALO_P_OV_REPLY_LEN];
	struct halo_p_ov_req q = { .blk = 100, .n = 64, .alg = HALO_BLK_VERIFY_ALG_SHA256 }, q2;
	struct halo_p_ov_reply r = { .blk = 100, .n = 3, .mask = 5 }, r2;
	const char *why = NULL;
	u32 len = HALO_P_OV_REQ_HDR + 64 * 32;

	EXPECT_EQ(4, halo_p_ov_digest_len(HALO_BLK_VERIFY_ALG_CRC32C));
	EXPECT_EQ(32, halo_p_ov_digest_len(HALO_BLK_VERIFY_ALG_SHA256));
	EXPECT_EQ(0, halo_p_ov_digest_len(0));
	EXPECT_EQ(0, halo_p_ov_digest_len(3));
	EXPECT_EQ(HALO_P_OV_REQ_MAX, len);

	memset(buf, 0xab, sizeof(buf));
	halo_p_ov_req_encode(&q, buf);
	ASSERT_EQ(0, halo_p_ov_req_decode(buf, len, 164, &q2, &why));
	EXPECT_EQ(100, q2.blk);
	EXPECT_EQ(64, q2.n);
	EXPECT_EQ(HALO_BLK_VERIFY_ALG_SHA256, q2.alg);
	EXPECT_EQ(buf + HALO_P_OV_REQ_HDR, q2.digests);
	/* past the end, the wrong length for its checksums, too short */
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, len, 163, &q2, &why));
	EXPECT_STREQ("ov-request past the end of the device", why);
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, len - 1, 164, &q2, &why));
	EXPECT_STREQ("ov-request of the wrong length", why);
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, HALO_P_OV_REQ_HDR - 1, 164, &q2, &why));
	EXPECT_STREQ("ov-request too short", why);
	/* crc32c: 4 bytes each */
	q.alg = HALO_BLK_VERIFY_ALG_CRC32C;
	halo_p_ov_req_encode(&q, buf);
	EXPECT_EQ(0, halo_p_ov_req_decode(buf, HALO_P_OV_REQ_HDR + 64 * 4, 164, &q2, &why));
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, len, 164, &q2, &why));
	/* an unknown checksum, none or too many blocks, reserved bytes */
	q.alg = 3;
	halo_p_ov_req_encode(&q, buf);
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, len, 164, &q2, &why));
	EXPECT_STREQ("ov-request with an unknown checksum", why);
	q.alg = HALO_BLK_VERIFY_ALG_CRC32C;
	q.n = 0;
	halo_p_ov_req_encode(&q, buf);
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, HALO_P_OV_REQ_HDR, 164, &q2, &why));
	EXPECT_STREQ("ov-request of no blocks or too many", why);
	q.n = 65;
	halo_p_ov_req_encode(&q, buf);
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, HALO_P_OV_REQ_HDR + 65 * 4, 1000,
						&q2, &why));
	EXPECT_STREQ("ov-request of no blocks or too many", why);
	q.n = 1;
	halo_p_ov_req_encode(&q, buf);
	buf[13] = 1;
	EXPECT_EQ(-EPROTO, halo_p_ov_req_decode(buf, HALO_P_OV_REQ_HDR + 4, 164, &q2, &why));
	EXPECT_STREQ("ov-request with reserved bytes set", why);

	halo_p_ov_reply_encode(&r, rbuf);
	ASSERT_EQ(0, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 103, &r2, &why));
	EXPECT_EQ(100, r2.blk);
	EXPECT_EQ(3, r2.n);
	EXPECT_EQ(5, r2.mask);
	EXPECT_EQ(0, r2.error);
	EXPECT_EQ(-EPROTO, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 102, &r2, &why));
	EXPECT_STREQ("ov-reply of a range the device does not have", why);
	EXPECT_EQ(-EPROTO, halo_p_ov_reply_decode(rbuf, sizeof(rbuf) + 1, 103, &r2, &why));
	EXPECT_STREQ("ov-reply of the wrong length", why);
	/* a mark past the range, an error with marks, an impossible error */
	r.mask = 8;
	halo_p_ov_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 103, &r2, &why));
	EXPECT_STREQ("ov-reply marking blocks past its range", why);
	r.mask = 1;
	r.error = -5;
	halo_p_ov_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 103, &r2, &why));
	EXPECT_STREQ("ov-reply with an impossible error", why);
	r.mask = 0;
	halo_p_ov_reply_encode(&r, rbuf);
	EXPECT_EQ(0, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 103, &r2, &why));
	EXPECT_EQ(-5, r2.error);
	/* all 64 marks of a full range */
	r.n = 64;
	r.error = 0;
	r.mask = ~0ULL;
	halo_p_ov_reply_encode(&r, rbuf);
	EXPECT_EQ(0, halo_p_ov_reply_decode(rbuf, sizeof(rbuf), 164, &r2, &why));
	EXPECT_EQ(~0ULL, r2.mask);
	EXPECT_STREQ("ov-request", halo_p_type_name(HALO_P_OV_REQUEST));
	EXPECT_STREQ("ov-reply", halo_p_type_name(HALO_P_OV_REPLY));
	/* a resync's checksums and their reply are these frames too */
	EXPECT_STREQ("rs-csum", halo_p_type_name(HALO_P_RS_CSUM));
	EXPECT_STREQ("rs-csum-reply", halo_p_type_name(HALO_P_RS_CSUM_REPLY));
}

/* A Diskless node's reads: the request, and the reply with its data. */
TEST(read_frames)
{
	const u64 max = 1ULL << 30;	/* a 1 GiB device */
	struct halo_p_read_req q = { .id = 7, .sector = 16, .size = 8192 }, q2;
	struct halo_p_read_reply r = { .id = 7, .size = 8192 }, r2;
	u8 qbuf[HALO_P_READ_REQ_LEN], rbuf[HALO_P_READ_REPLY_HDR];
	const char *why = NULL;

	halo_p_read_req_encode(&q, qbuf);
	ASSERT_EQ(0, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));
	EXPECT_EQ(7, q2.id);
	EXPECT_EQ(16, q2.sector);
	EXPECT_EQ(8192, q2.size);
	EXPECT_EQ(-EPROTO, halo_p_read_req_decode(qbuf, sizeof(qbuf) - 1, max, &q2, &why));
	EXPECT_STREQ("read request of the wrong length", why);

	/* nothing, part of a sector, more than a frame carries */
	for (u32 size = 0; size <= HALO_P_MAX_DATA + 512; size += HALO_P_MAX_DATA + 512) {
		q.size = size;
		halo_p_read_req_encode(&q, qbuf);
		EXPECT_EQ(-EPROTO, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));
		EXPECT_STREQ("read of a size that is not whole sectors up to 1 MiB", why);
	}
	q.size = 1000;
	halo_p_read_req_encode(&q, qbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));
	q.size = HALO_P_MAX_DATA;
	halo_p_read_req_encode(&q, qbuf);
	EXPECT_EQ(0, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));

	/* the last sectors, one past them, an overflowing sector */
	q.size = 4096;
	q.sector = max / 512 - 8;
	halo_p_read_req_encode(&q, qbuf);
	EXPECT_EQ(0, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));
	q.sector++;
	halo_p_read_req_encode(&q, qbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));
	EXPECT_STREQ("read beyond the end of the device", why);
	q.sector = ~0ULL / 256;
	halo_p_read_req_encode(&q, qbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_req_decode(qbuf, sizeof(qbuf), max, &q2, &why));

	/* the reply: its length is the header and the data */
	halo_p_read_reply_encode(&r, rbuf);
	ASSERT_EQ(0, halo_p_read_reply_decode(rbuf, sizeof(rbuf) + 8192, &r2, &why));
	EXPECT_EQ(7, r2.id);
	EXPECT_EQ(0, r2.error);
	EXPECT_EQ(8192, r2.size);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf) + 4096, &r2, &why));
	EXPECT_STREQ("read reply whose length does not match its size", why);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf) - 1, &r2, &why));
	EXPECT_STREQ("read reply too short", why);

	/* an error carries no data, and is an errno */
	r.error = -EIO;
	halo_p_read_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf) + 8192, &r2, &why));
	r.size = 0;
	halo_p_read_reply_encode(&r, rbuf);
	EXPECT_EQ(0, halo_p_read_reply_decode(rbuf, sizeof(rbuf), &r2, &why));
	EXPECT_EQ(-EIO, r2.error);
	r.error = 5;
	halo_p_read_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf), &r2, &why));
	EXPECT_STREQ("read reply with an error that is no errno", why);
	r.error = -5000;
	halo_p_read_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf), &r2, &why));

	/* more than a frame carries */
	r.error = 0;
	r.size = HALO_P_MAX_DATA + 512;
	halo_p_read_reply_encode(&r, rbuf);
	EXPECT_EQ(-EPROTO, halo_p_read_reply_decode(rbuf, sizeof(rbuf) + r.size, &r2, &why));
	EXPECT_STREQ("read-req", halo_p_type_name(HALO_P_READ_REQ));
	EXPECT_STREQ("read-reply", halo_p_type_name(HALO_P_READ_REPLY));
}

TEST(barrier_frames)
{
	u8 buf[HALO_P_BARRIER_LEN], abuf[HALO_P_ACK_LEN];
	struct halo_p_ack a = { .id = 64, .error = -EIO }, a2;
	const char *why = NULL;
	u64 pos = 0;

	halo_p_u64_encode(64, buf);
	ASSERT_EQ(0, halo_p_barrier_decode(buf, sizeof(buf), &pos, &why));
	EXPECT_EQ(64, pos);
	EXPECT_EQ(-EPROTO, halo_p_barrier_decode(buf, sizeof(buf) - 1, &pos, &why));
	EXPECT_STREQ("barrier of the wrong length", why);
	/* a barrier covers at least one write */
	halo_p_u64_encode(0, buf);
	EXPECT_EQ(-EPROTO, halo_p_barrier_decode(buf, sizeof(buf), &pos, &why));
	EXPECT_STREQ("barrier behind no write", why);

	/* the answer is an ack: the position, the flush's error */
	halo_p_ack_encode(&a, abuf);
	ASSERT_EQ(0, halo_p_ack_decode(abuf, sizeof(abuf), &a2, &why));
	EXPECT_EQ(64, a2.id);
	EXPECT_EQ(-EIO, a2.error);
	EXPECT_STREQ("barrier", halo_p_type_name(HALO_P_BARRIER));
	EXPECT_STREQ("barrier-ack", halo_p_type_name(HALO_P_BARRIER_ACK));
}

static void auth_init_fill(struct halo_p_auth_init *a, u8 purpose)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->version = HALO_P_VERSION;
	a->purpose = purpose;
	a->auth = HALO_P_AUTH_HMAC_SHA256;
	a->dialler_id = 1;
	a->listener_id = 2;
	a->key_gen = 3;
	strcpy(a->name, "r0");
	for (i = 0; i < sizeof(a->nonce); i++)
		a->nonce[i] = 0x80 + i;
	if (purpose == HALO_P_PURPOSE_META)
		for (i = 0; i < sizeof(a->sid); i++)
			a->sid[i] = 0x40 + i;
}

TEST(auth_frames_round_trip)
{
	struct halo_p_auth_challenge c = { .key_gen = 9 }, c2;
	struct halo_p_auth_init a, b;
	u8 buf[HALO_P_AUTH_INIT_LEN], tag[32];
	enum halo_p_refuse code;
	const char *why = NULL;
	unsigned int p;

	for (p = HALO_P_PURPOSE_DATA; p <= HALO_P_PURPOSE_META; p++) {
		auth_init_fill(&a, p);
		halo_p_auth_init_encode(&a, buf);
		ASSERT_EQ(0, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why)) TH_LOG("%s", why);
		EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	}
	/* another version decodes: the listener refuses it with a code */
	a.version = 99;
	halo_p_auth_init_encode(&a, buf);
	ASSERT_EQ(0, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	EXPECT_EQ(99, b.version);

	memset(c.nonce, 0xa5, sizeof(c.nonce));
	memset(c.tag, 0x5a, sizeof(c.tag));
	halo_p_auth_challenge_encode(&c, buf);
	ASSERT_EQ(0, halo_p_auth_challenge_decode(buf, HALO_P_AUTH_CHALLENGE_LEN, &c2, &why));
	EXPECT_EQ(0, memcmp(&c, &c2, sizeof(c)));
	buf[37] = 1;
	EXPECT_EQ(-EPROTO, halo_p_auth_challenge_decode(buf, HALO_P_AUTH_CHALLENGE_LEN, &c2, &why));
	EXPECT_EQ(-EPROTO, halo_p_auth_challenge_decode(buf, HALO_P_AUTH_CHALLENGE_LEN - 1, &c2, &why));

	EXPECT_EQ(0, halo_p_auth_response_decode(buf, HALO_P_AUTH_RESPONSE_LEN, tag, &why));
	EXPECT_EQ(-EPROTO, halo_p_auth_response_decode(buf, HALO_P_AUTH_RESPONSE_LEN + 1, tag, &why));

	for (code = HALO_P_REFUSE_VERSION; code < __HALO_P_REFUSE_MAX; code++) {
		enum halo_p_refuse got;

		halo_p_auth_refuse_encode(code, buf);
		ASSERT_EQ(0, halo_p_auth_refuse_decode(buf, HALO_P_AUTH_REFUSE_LEN, &got, &why));
		EXPECT_EQ(code, got);
		EXPECT_STRNE("an unknown refusal", halo_p_refuse_name(code));
	}
	halo_p_auth_refuse_encode(0, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_refuse_decode(buf, HALO_P_AUTH_REFUSE_LEN, &code, &why));
	halo_p_auth_refuse_encode(__HALO_P_REFUSE_MAX, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_refuse_decode(buf, HALO_P_AUTH_REFUSE_LEN, &code, &why));
	EXPECT_STREQ("auth-refuse with an unknown code", why);
	halo_p_auth_refuse_encode(HALO_P_REFUSE_BUSY, buf);
	buf[7] = 1;
	EXPECT_EQ(-EPROTO, halo_p_auth_refuse_decode(buf, HALO_P_AUTH_REFUSE_LEN, &code, &why));
	EXPECT_STREQ("an unknown refusal", halo_p_refuse_name(__HALO_P_REFUSE_MAX));
	EXPECT_STREQ("auth-init", halo_p_type_name(HALO_P_AUTH_INIT));
	EXPECT_STREQ("auth-refuse", halo_p_type_name(HALO_P_AUTH_REFUSE));
}

/*
 * Every single-bit flip of an AUTH_INIT either decodes to exactly the
 * field it changed (nonce, key generation, version, a listener id that
 * stays valid, a name character that stays a name) or is refused: no
 * flip may go unnoticed.
 */
TEST(auth_init_every_bit)
{
	struct halo_p_auth_init a, b;
	u8 buf[HALO_P_AUTH_INIT_LEN], orig[HALO_P_AUTH_INIT_LEN];
	const char *why;
	unsigned int p, byte, bit, refused = 0;
	int ret;

	for (p = HALO_P_PURPOSE_DATA; p <= HALO_P_PURPOSE_META; p++) {
		auth_init_fill(&a, p);
		halo_p_auth_init_encode(&a, orig);
		for (byte = 0; byte < sizeof(buf); byte++) {
			for (bit = 0; bit < 8; bit++) {
				memcpy(buf, orig, sizeof(buf));
				buf[byte] ^= 1 << bit;
				why = NULL;
				ret = halo_p_auth_init_decode(buf, sizeof(buf), &b, &why);
				if (ret) {
					ASSERT_EQ(-EPROTO, ret);
					ASSERT_NE(NULL, why);
					refused++;
					continue;
				}
				/* accepted: the decoded frame differs from the original */
				ASSERT_NE(0, memcmp(&a, &b, sizeof(a)))
					TH_LOG("byte %u bit %u went unnoticed", byte, bit);
				/* and only in a field that may take another value */
				ASSERT_TRUE(byte < 4 || byte == 5 || (byte >= 8 && byte < 20) ||
					    (byte >= 24 && byte < 56 + 32) ||
					    (p == HALO_P_PURPOSE_META && byte >= 88 && byte < 104))
					TH_LOG("byte %u bit %u accepted", byte, bit);
			}
		}
		/* the zero fields, purpose, auth, and the name's padding */
		EXPECT_GT(refused, 2 * 8 + 4 * 8 + 8 * 8);
	}
	auth_init_fill(&a, HALO_P_PURPOSE_DATA);
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf) - 1, &b, &why));
	buf[88] = 1;	/* a data socket naming a session */
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("auth-init with a session id that does not fit its purpose", why);
	auth_init_fill(&a, HALO_P_PURPOSE_META);
	memset(a.sid, 0, sizeof(a.sid));	/* a meta socket naming none */
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	auth_init_fill(&a, HALO_P_PURPOSE_DATA);
	a.listener_id = a.dialler_id;
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("auth-init with bad node ids", why);
	auth_init_fill(&a, HALO_P_PURPOSE_DATA);
	a.purpose = 3;
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	auth_init_fill(&a, HALO_P_PURPOSE_DATA);
	a.auth = 2;
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	auth_init_fill(&a, HALO_P_PURPOSE_DATA);
	a.name[0] = 0;
	halo_p_auth_init_encode(&a, buf);
	EXPECT_EQ(-EPROTO, halo_p_auth_init_decode(buf, sizeof(buf), &b, &why));
	EXPECT_STREQ("auth-init with a malformed device name", why);
}

TEST_HARNESS_MAIN
