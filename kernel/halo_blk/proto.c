// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Frames of the replication protocol (proto.h). Every frame:
 *
 *    0  4  magic "hblk"
 *    4  2  type (enum halo_p_type)
 *    6  2  0 (reserved)
 *    8  4  payload length
 *   12  4  0 (reserved)
 *
 * then the payload, big-endian throughout.
 */

#include "gen.h"
#include "proto.h"

static const char *const halo_p_names[__HALO_P_TYPE_MAX] = {
	[HALO_P_HELLO] = "hello",
	[HALO_P_DATA] = "data",
	[HALO_P_RECV_ACK] = "recv-ack",
	[HALO_P_WRITE_ACK] = "write-ack",
	[HALO_P_RS_DATA] = "rs-data",
	[HALO_P_RS_ACK] = "rs-ack",
	[HALO_P_STATE] = "state",
	[HALO_P_PING] = "ping",
	[HALO_P_PING_ACK] = "ping-ack",
	[HALO_P_ERROR] = "error",
	[HALO_P_SYNC_DONE] = "sync-done",
	[HALO_P_BITMAP] = "bitmap",
	[HALO_P_BITMAP_DONE] = "bitmap-done",
	[HALO_P_RS_START] = "rs-start",
	[HALO_P_OV_REQUEST] = "ov-request",
	[HALO_P_OV_REPLY] = "ov-reply",
	[HALO_P_READ_REQ] = "read-req",
	[HALO_P_READ_REPLY] = "read-reply",
	[HALO_P_BARRIER] = "barrier",
	[HALO_P_BARRIER_ACK] = "barrier-ack",
	[HALO_P_RS_CSUM] = "rs-csum",
	[HALO_P_RS_CSUM_REPLY] = "rs-csum-reply",
	[HALO_P_AUTH_INIT] = "auth-init",
	[HALO_P_AUTH_CHALLENGE] = "auth-challenge",
	[HALO_P_AUTH_RESPONSE] = "auth-response",
	[HALO_P_AUTH_REFUSE] = "auth-refuse",
};

const char *halo_p_type_name(u16 type)
{
	if (type >= __HALO_P_TYPE_MAX || !halo_p_names[type])
		return "unknown";
	return halo_p_names[type];
}

void halo_p_hdr_encode(u8 *buf, enum halo_p_type type, u32 len)
{
	put_unaligned_be32(HALO_P_MAGIC, buf);
	put_unaligned_be16(type, buf + 4);
	put_unaligned_be16(0, buf + 6);
	put_unaligned_be32(len, buf + 8);
	put_unaligned_be32(0, buf + 12);
}

int halo_p_hdr_decode(const u8 *buf, struct halo_p_hdr *h, const char **why)
{
	if (get_unaligned_be32(buf) != HALO_P_MAGIC) {
		*why = "not a halo_blk frame (bad magic)";
		return -EPROTO;
	}
	h->type = get_unaligned_be16(buf + 4);
	h->len = get_unaligned_be32(buf + 8);
	if (get_unaligned_be16(buf + 6) || get_unaligned_be32(buf + 12)) {
		*why = "reserved header fields are not zero";
		return -EPROTO;
	}
	if (!h->type || h->type >= __HALO_P_TYPE_MAX) {
		*why = "unknown frame type";
		return -EPROTO;
	}
	if (h->len > HALO_P_MAX_PAYLOAD) {
		*why = "frame longer than the largest write";
		return -EPROTO;
	}
	return 0;
}

/*
 * HELLO payload:
 *    0  4  protocol version
 *    4  4  node id, 8 4 peer id
 *   12  1  protocol, 13 1 role, 14 1 disk state, 15 1 flags
 *   16  8  data blocks
 *   24 32  generations: current, bitmap, history x 2
 *   56 16  uuid
 *   72 72  cluster name, NUL-padded
 *  144 32  device name, NUL-padded
 *  176  8  out-of-sync blocks
 *  184  3  split-brain policies: 0, 1, 2 primaries; 187 1 zero
 */
void halo_p_hello_encode(const struct halo_p_hello *h, u8 *buf)
{
	int i;

	memset(buf, 0, HALO_P_HELLO_LEN);
	put_unaligned_be32(HALO_P_VERSION, buf);
	put_unaligned_be32(h->node_id, buf + 4);
	put_unaligned_be32(h->peer_id, buf + 8);
	buf[12] = h->protocol;
	buf[13] = h->role;
	buf[14] = h->disk_state;
	buf[15] = h->flags;
	put_unaligned_be64(h->data_blocks, buf + 16);
	for (i = 0; i < HALO_MD_GEN_COUNT; i++)
		put_unaligned_be64(h->gen[i], buf + 24 + 8 * i);
	memcpy(buf + 56, h->uuid, 16);
	memcpy(buf + 72, h->cluster, strnlen(h->cluster, HALO_MD_CLUSTER_MAX - 1));
	memcpy(buf + 144, h->name, strnlen(h->name, HALO_MD_NAME_MAX - 1));
	put_unaligned_be64(h->out_of_sync, buf + 176);
	memcpy(buf + 184, h->after_sb, sizeof(h->after_sb));
}

/* A NUL-terminated, NUL-padded, non-empty name of @size bytes at @p. */
bool halo_p_name_ok(const u8 *p, size_t size)
{
	size_t n = strnlen((const char *)p, size), i;

	if (!n || n == size)
		return false;
	for (i = n; i < size; i++)
		if (p[i])
			return false;
	return true;
}

int halo_p_hello_decode(const u8 *buf, size_t len, struct halo_p_hello *h,
			const char **why)
{
	int i;

	if (len != HALO_P_HELLO_LEN) {
		*why = "hello of the wrong length";
		return -EPROTO;
	}
	if (get_unaligned_be32(buf) != HALO_P_VERSION) {
		*why = "the peer speaks another protocol version";
		return -EPROTO;
	}
	memset(h, 0, sizeof(*h));
	h->node_id = get_unaligned_be32(buf + 4);
	h->peer_id = get_unaligned_be32(buf + 8);
	h->protocol = buf[12];
	h->role = buf[13];
	h->disk_state = buf[14];
	h->flags = buf[15];
	h->data_blocks = get_unaligned_be64(buf + 16);
	for (i = 0; i < HALO_MD_GEN_COUNT; i++)
		h->gen[i] = get_unaligned_be64(buf + 24 + 8 * i);
	memcpy(h->uuid, buf + 56, 16);
	h->out_of_sync = get_unaligned_be64(buf + 176);
	memcpy(h->after_sb, buf + 184, sizeof(h->after_sb));
	if (!h->node_id || !h->peer_id || h->node_id == h->peer_id) {
		*why = "hello with bad node ids";
		return -EPROTO;
	}
	if (h->protocol < HALO_P_PROTO_A || h->protocol > HALO_P_PROTO_C) {
		*why = "hello with an unknown replication protocol";
		return -EPROTO;
	}
	if (h->role > HALO_P_ROLE_MAX || h->disk_state > HALO_P_DISK_STATE_MAX) {
		*why = "hello with an unknown role or disk state";
		return -EPROTO;
	}
	if (h->flags & ~HALO_P_HF_ALL) {
		*why = "hello with unknown flags";
		return -EPROTO;
	}
	if (h->data_blocks < HALO_MD_MIN_DATA_BLOCKS ||
	    h->data_blocks > HALO_MD_MAX_DATA_BLOCKS ||
	    h->out_of_sync > h->data_blocks) {
		*why = "hello with an impossible size";
		return -EPROTO;
	}
	if (!halo_gen_sb_policy_ok(0, h->after_sb[0]) ||
	    !halo_gen_sb_policy_ok(1, h->after_sb[1]) ||
	    !halo_gen_sb_policy_ok(2, h->after_sb[2]) || buf[187]) {
		*why = "hello with an unknown split-brain policy";
		return -EPROTO;
	}
	if (!halo_p_name_ok(buf + 72, HALO_MD_CLUSTER_MAX) ||
	    !halo_p_name_ok(buf + 144, HALO_MD_NAME_MAX)) {
		*why = "hello with a malformed cluster or device name";
		return -EPROTO;
	}
	memcpy(h->cluster, buf + 72, HALO_MD_CLUSTER_MAX);
	memcpy(h->name, buf + 144, HALO_MD_NAME_MAX);
	return 0;
}

int halo_p_hello_match(const struct halo_p_hello *self,
		       const struct halo_p_hello *peer, const char **why)
{
	if (strcmp(self->cluster, peer->cluster)) {
		*why = "the peer belongs to another cluster";
		return -EINVAL;
	}
	if (peer->node_id != self->peer_id || peer->peer_id != self->node_id) {
		*why = "the peer is not the node this device connects to, or not to it";
		return -EINVAL;
	}
	if (strcmp(self->name, peer->name)) {
		*why = "the peer's device has another name";
		return -EINVAL;
	}
	if (self->data_blocks != peer->data_blocks) {
		*why = "the two devices differ in size";
		return -EINVAL;
	}
	if (self->protocol != peer->protocol) {
		*why = "the two sides asked for different replication protocols";
		return -EINVAL;
	}
	if ((self->flags ^ peer->flags) & HALO_P_HF_TWO_PRIMARIES) {
		*why = "only one side allows two primaries";
		return -EINVAL;
	}
	if (memcmp(self->after_sb, peer->after_sb, sizeof(self->after_sb))) {
		*why = "the two sides have different split-brain policies (after-sb-*)";
		return -EINVAL;
	}
	return 0;
}

/*
 * DATA and RS_DATA payload:
 *    0  8  id, 8 8 sector, 16 4 size, 20 4 flags
 *   24     size bytes of data, unless DISCARD or ZEROES
 */
void halo_p_data_encode(const struct halo_p_data *d, u8 *buf)
{
	put_unaligned_be64(d->id, buf);
	put_unaligned_be64(d->sector, buf + 8);
	put_unaligned_be32(d->size, buf + 16);
	put_unaligned_be32(d->flags, buf + 20);
}

int halo_p_data_decode(const u8 *buf, size_t len, u64 max_bytes,
		       struct halo_p_data *d, const char **why)
{
	bool nodata;

	if (len < HALO_P_DATA_HDR) {
		*why = "write frame too short";
		return -EPROTO;
	}
	d->id = get_unaligned_be64(buf);
	d->sector = get_unaligned_be64(buf + 8);
	d->size = get_unaligned_be32(buf + 16);
	d->flags = get_unaligned_be32(buf + 20);
	if (d->flags & ~HALO_P_DF_ALL) {
		*why = "write with unknown flags";
		return -EPROTO;
	}
	nodata = d->flags & (HALO_P_DF_DISCARD | HALO_P_DF_ZEROES);
	if ((d->flags & HALO_P_DF_DISCARD) && (d->flags & HALO_P_DF_ZEROES)) {
		*why = "write that is both a discard and zeroes";
		return -EPROTO;
	}
	if (len != HALO_P_DATA_HDR + (nodata ? 0 : d->size)) {
		*why = "write whose length does not match its size";
		return -EPROTO;
	}
	if (d->size % 512 || (!nodata && d->size > HALO_P_MAX_DATA) ||
	    (!d->size && nodata)) {
		*why = "write of a size that is not whole sectors";
		return -EPROTO;
	}
	if (d->sector > max_bytes / 512 ||
	    d->size > max_bytes - d->sector * 512) {
		*why = "write beyond the end of the device";
		return -EPROTO;
	}
	return 0;
}

/* READ_REQ: id, sector, size */
void halo_p_read_req_encode(const struct halo_p_read_req *r, u8 *buf)
{
	put_unaligned_be64(r->id, buf);
	put_unaligned_be64(r->sector, buf + 8);
	put_unaligned_be32(r->size, buf + 16);
}

int halo_p_read_req_decode(const u8 *buf, size_t len, u64 max_bytes,
			   struct halo_p_read_req *r, const char **why)
{
	if (len != HALO_P_READ_REQ_LEN) {
		*why = "read request of the wrong length";
		return -EPROTO;
	}
	r->id = get_unaligned_be64(buf);
	r->sector = get_unaligned_be64(buf + 8);
	r->size = get_unaligned_be32(buf + 16);
	if (!r->size || r->size % 512 || r->size > HALO_P_MAX_DATA) {
		*why = "read of a size that is not whole sectors up to 1 MiB";
		return -EPROTO;
	}
	if (r->sector > max_bytes / 512 ||
	    r->size > max_bytes - r->sector * 512) {
		*why = "read beyond the end of the device";
		return -EPROTO;
	}
	return 0;
}

/* READ_REPLY: id, error, size; the data follows */
void halo_p_read_reply_encode(const struct halo_p_read_reply *r, u8 *buf)
{
	put_unaligned_be64(r->id, buf);
	put_unaligned_be32((u32)r->error, buf + 8);
	put_unaligned_be32(r->size, buf + 12);
}

int halo_p_read_reply_decode(const u8 *buf, size_t len,
			     struct halo_p_read_reply *r, const char **why)
{
	if (len < HALO_P_READ_REPLY_HDR) {
		*why = "read reply too short";
		return -EPROTO;
	}
	r->id = get_unaligned_be64(buf);
	r->error = (s32)get_unaligned_be32(buf + 8);
	r->size = get_unaligned_be32(buf + 12);
	if (r->error > 0 || r->error < -4095) {
		*why = "read reply with an error that is no errno";
		return -EPROTO;
	}
	if ((r->error && r->size) || r->size > HALO_P_MAX_DATA ||
	    len != HALO_P_READ_REPLY_HDR + r->size) {
		*why = "read reply whose length does not match its size";
		return -EPROTO;
	}
	return 0;
}

/* SYNC_DONE payload: the four generations */
void halo_p_sync_done_encode(const u64 *gen, u8 *buf)
{
	int i;

	for (i = 0; i < HALO_MD_GEN_COUNT; i++)
		put_unaligned_be64(gen[i], buf + 8 * i);
}

int halo_p_sync_done_decode(const u8 *buf, size_t len, u64 *gen,
			    const char **why)
{
	int i;

	if (len != HALO_P_SYNC_DONE_LEN) {
		*why = "sync-done of the wrong length";
		return -EPROTO;
	}
	for (i = 0; i < HALO_MD_GEN_COUNT; i++)
		gen[i] = get_unaligned_be64(buf + 8 * i);
	if (!gen[HALO_MD_GEN_CURRENT]) {
		*why = "sync-done from a source that never held data";
		return -EPROTO;
	}
	return 0;
}

void halo_p_u64_encode(u64 v, u8 *buf)
{
	put_unaligned_be64(v, buf);
}

/* BITMAP payload: 0 8 the block's index, 8 4096 the block */
int halo_p_bitmap_decode(const u8 *buf, size_t len, u64 *index, const char **why)
{
	if (len != HALO_P_BITMAP_LEN) {
		*why = "bitmap of the wrong length";
		return -EPROTO;
	}
	*index = get_unaligned_be64(buf);
	return 0;
}

/* BITMAP_DONE payload: 0 8 how many BITMAP frames came before */
int halo_p_bitmap_done_decode(const u8 *buf, size_t len, u64 *count,
			      const char **why)
{
	if (len != HALO_P_BITMAP_DONE_LEN) {
		*why = "bitmap-done of the wrong length";
		return -EPROTO;
	}
	*count = get_unaligned_be64(buf);
	return 0;
}

/* BARRIER payload: 0 8 writes sent so far on the connection, never 0 */
int halo_p_barrier_decode(const u8 *buf, size_t len, u64 *pos, const char **why)
{
	if (len != HALO_P_BARRIER_LEN) {
		*why = "barrier of the wrong length";
		return -EPROTO;
	}
	*pos = get_unaligned_be64(buf);
	if (!*pos) {
		*why = "barrier behind no write";
		return -EPROTO;
	}
	return 0;
}

/* RS_START payload: 0 8 generation, 8 8 blocks */
void halo_p_rs_start_encode(const struct halo_p_rs_start *r, u8 *buf)
{
	put_unaligned_be64(r->gen, buf);
	put_unaligned_be64(r->blocks, buf + 8);
}

int halo_p_rs_start_decode(const u8 *buf, size_t len, u64 max_blocks,
			   struct halo_p_rs_start *r, const char **why)
{
	if (len != HALO_P_RS_START_LEN) {
		*why = "rs-start of the wrong length";
		return -EPROTO;
	}
	r->gen = get_unaligned_be64(buf);
	r->blocks = get_unaligned_be64(buf + 8);
	if (!r->gen) {
		*why = "rs-start without a generation";
		return -EPROTO;
	}
	if (r->blocks > max_blocks) {
		*why = "rs-start of more blocks than the device has";
		return -EPROTO;
	}
	return 0;
}

u32 halo_p_ov_digest_len(u8 alg)
{
	switch (alg) {
	case HALO_BLK_VERIFY_ALG_CRC32C:
		return 4;
	case HALO_BLK_VERIFY_ALG_SHA256:
		return 32;
	}
	return 0;
}

/*
 * OV_REQUEST payload: 0 8 first block, 8 4 blocks, 12 1 checksum
 * (enum halo_blk_verify_alg), 13 3 zero, 16 the checksums
 */
void halo_p_ov_req_encode(const struct halo_p_ov_req *r, u8 *buf)
{
	put_unaligned_be64(r->blk, buf);
	put_unaligned_be32(r->n, buf + 8);
	buf[12] = r->alg;
	buf[13] = 0;
	put_unaligned_be16(0, buf + 14);
}

int halo_p_ov_req_decode(const u8 *buf, size_t len, u64 max_blocks,
			 struct halo_p_ov_req *r, const char **why)
{
	u32 dlen;

	if (len < HALO_P_OV_REQ_HDR) {
		*why = "ov-request too short";
		return -EPROTO;
	}
	r->blk = get_unaligned_be64(buf);
	r->n = get_unaligned_be32(buf + 8);
	r->alg = buf[12];
	r->digests = buf + HALO_P_OV_REQ_HDR;
	if (buf[13] || get_unaligned_be16(buf + 14)) {
		*why = "ov-request with reserved bytes set";
		return -EPROTO;
	}
	dlen = halo_p_ov_digest_len(r->alg);
	if (!dlen) {
		*why = "ov-request with an unknown checksum";
		return -EPROTO;
	}
	if (!r->n || r->n > HALO_P_OV_MAX_BLOCKS) {
		*why = "ov-request of no blocks or too many";
		return -EPROTO;
	}
	if (r->blk >= max_blocks || r->n > max_blocks - r->blk) {
		*why = "ov-request past the end of the device";
		return -EPROTO;
	}
	if (len != HALO_P_OV_REQ_HDR + r->n * dlen) {
		*why = "ov-request of the wrong length";
		return -EPROTO;
	}
	return 0;
}

/* OV_REPLY payload: 0 8 first block, 8 4 blocks, 12 4 error, 16 8 mask */
void halo_p_ov_reply_encode(const struct halo_p_ov_reply *r, u8 *buf)
{
	put_unaligned_be64(r->blk, buf);
	put_unaligned_be32(r->n, buf + 8);
	put_unaligned_be32((u32)r->error, buf + 12);
	put_unaligned_be64(r->mask, buf + 16);
}

int halo_p_ov_reply_decode(const u8 *buf, size_t len, u64 max_blocks,
			   struct halo_p_ov_reply *r, const char **why)
{
	if (len != HALO_P_OV_REPLY_LEN) {
		*why = "ov-reply of the wrong length";
		return -EPROTO;
	}
	r->blk = get_unaligned_be64(buf);
	r->n = get_unaligned_be32(buf + 8);
	r->error = (s32)get_unaligned_be32(buf + 12);
	r->mask = get_unaligned_be64(buf + 16);
	if (!r->n || r->n > HALO_P_OV_MAX_BLOCKS ||
	    r->blk >= max_blocks || r->n > max_blocks - r->blk) {
		*why = "ov-reply of a range the device does not have";
		return -EPROTO;
	}
	if (r->n < 64 && r->mask >> r->n) {
		*why = "ov-reply marking blocks past its range";
		return -EPROTO;
	}
	if (r->error > 0 || r->error < -4095 || (r->error && r->mask)) {
		*why = "ov-reply with an impossible error";
		return -EPROTO;
	}
	return 0;
}

/* STATE payload: 0 1 role, 1 1 disk state, 2 2 zero */
void halo_p_state_encode(const struct halo_p_state *st, u8 *buf)
{
	buf[0] = st->role;
	buf[1] = st->disk_state;
	put_unaligned_be16(0, buf + 2);
}

int halo_p_state_decode(const u8 *buf, size_t len, struct halo_p_state *st,
			const char **why)
{
	if (len != HALO_P_STATE_LEN || get_unaligned_be16(buf + 2)) {
		*why = "malformed state";
		return -EPROTO;
	}
	st->role = buf[0];
	st->disk_state = buf[1];
	if (!st->role || st->role > HALO_P_ROLE_MAX ||
	    st->disk_state > HALO_P_DISK_STATE_MAX) {
		*why = "state with an unknown role or disk state";
		return -EPROTO;
	}
	return 0;
}

void halo_p_ack_encode(const struct halo_p_ack *a, u8 *buf)
{
	put_unaligned_be64(a->id, buf);
	put_unaligned_be32((u32)a->error, buf + 8);
}

int halo_p_ack_decode(const u8 *buf, size_t len, struct halo_p_ack *a,
		      const char **why)
{
	if (len != HALO_P_ACK_LEN) {
		*why = "ack of the wrong length";
		return -EPROTO;
	}
	a->id = get_unaligned_be64(buf);
	a->error = (s32)get_unaligned_be32(buf + 8);
	if (a->error > 0 || a->error < -4095) {
		*why = "ack with an impossible error";
		return -EPROTO;
	}
	return 0;
}
