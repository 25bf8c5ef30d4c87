/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The replication protocol between two halo_blk peers: frames on one TCP
 * connection (Documentation/halo_blk.rst, "Replication protocol"). Pure
 * logic, host unit lane: selftests/unit/proto_test.c. Every decoder checks
 * every field: the peer is another machine, and a frame that does not
 * parse ends the connection with a reason, never a guess.
 */
#ifndef _HALO_BLK_PROTO_H
#define _HALO_BLK_PROTO_H

#include "meta.h"

#include <uapi/linux/halo_blk.h>

#define HALO_P_MAGIC		0x68626c6b	/* "hblk" */
#define HALO_P_VERSION		5
#define HALO_P_HDR_LEN		16
/* The largest payload: a write of 1 MiB and its header. */
#define HALO_P_MAX_DATA		BIT(20)
#define HALO_P_DATA_HDR		24
#define HALO_P_MAX_PAYLOAD	(HALO_P_DATA_HDR + HALO_P_MAX_DATA)

enum halo_p_type {
	HALO_P_HELLO = 1,	/* each side, first: who it is and what it holds */
	HALO_P_DATA,		/* an application write */
	HALO_P_RECV_ACK,	/* protocol B: the peer received a write */
	HALO_P_WRITE_ACK,	/* protocol C: the peer's disk has it */
	HALO_P_RS_DATA,		/* resync: a block range from the sync source */
	HALO_P_RS_ACK,		/* the sync target wrote it */
	HALO_P_STATE,		/* a role or disk state changed */
	HALO_P_PING,
	HALO_P_PING_ACK,
	HALO_P_ERROR,		/* why the sender ends the connection */
	HALO_P_SYNC_DONE,	/* the source's generations after a resync */
	HALO_P_BITMAP,		/* the sync target's bitmap, a non-zero block */
	HALO_P_BITMAP_DONE,	/* ... all of it: how many BITMAP frames */
	HALO_P_RS_START,	/* the source: the target's generation, blocks to sync */
	HALO_P_OV_REQUEST,	/* online verify: the source's checksums of a range */
	HALO_P_OV_REPLY,	/* ... which of them the target's blocks differ from */
	HALO_P_READ_REQ,	/* a Diskless node: read this range for me */
	HALO_P_READ_REPLY,	/* ... the data, or the error */
	HALO_P_BARRIER,		/* protocols A, B: the writes before it, on disk? */
	HALO_P_BARRIER_ACK,	/* ... yes, flushed (or the error) */
	HALO_P_RS_CSUM,		/* resync: the source's checksums of a range */
	HALO_P_RS_CSUM_REPLY,	/* ... which of them the target's blocks differ from */
	HALO_P_AUTH_INIT,	/* the dialler: who, what for, its nonce (proto_auth.h) */
	HALO_P_AUTH_CHALLENGE,	/* the listener: its nonce and tag */
	HALO_P_AUTH_RESPONSE,	/* the dialler: its tag */
	HALO_P_AUTH_REFUSE,	/* the listener: why not, as a code */
	__HALO_P_TYPE_MAX
};

enum halo_p_protocol {
	HALO_P_PROTO_A = 1,	/* complete when in the local send buffer */
	HALO_P_PROTO_B,		/* ... when the peer received it */
	HALO_P_PROTO_C,		/* ... when both disks have it */
};

struct halo_p_hdr {
	u16 type;
	u32 len;		/* payload bytes after the header */
};

/* enum halo_blk_role and enum halo_blk_disk_state (uapi): the largest */
#define HALO_P_ROLE_MAX		2
#define HALO_P_DISK_STATE_MAX	5

/* HELLO flags */
#define HALO_P_HF_DISCARD_MY_DATA	BIT(0)
#define HALO_P_HF_TWO_PRIMARIES		BIT(1)
#define HALO_P_HF_CRASHED_PRIMARY	BIT(2)
#define HALO_P_HF_OLDER_PRIMARY		BIT(3)	/* see halo_gen_side */
#define HALO_P_HF_ALL			0xf

#define HALO_P_HELLO_LEN	188

struct halo_p_hello {
	u32 node_id;		/* the sender */
	u32 peer_id;		/* the node it means to reach */
	u8 protocol;		/* enum halo_p_protocol */
	u8 role;		/* enum halo_blk_role */
	u8 disk_state;		/* enum halo_blk_disk_state */
	u8 flags;		/* HALO_P_HF_* */
	u64 data_blocks;	/* exported size, 4 KiB blocks */
	u64 gen[HALO_MD_GEN_COUNT];
	u8 uuid[16];		/* the sender's metadata identity */
	char cluster[HALO_MD_CLUSTER_MAX];
	char name[HALO_MD_NAME_MAX];
	u64 out_of_sync;	/* blocks its bitmap marks */
	u8 after_sb[3];		/* enum halo_blk_after_sb, 0, 1, 2 primaries */
};

/* DATA and RS_DATA flags */
#define HALO_P_DF_FUA		BIT(0)
#define HALO_P_DF_FLUSH		BIT(1)	/* a flush before the write */
#define HALO_P_DF_DISCARD	BIT(2)	/* no data follows */
#define HALO_P_DF_ZEROES	BIT(3)	/* no data follows */
#define HALO_P_DF_ALL		0xf

struct halo_p_data {
	u64 id;			/* echoed by the ack */
	u64 sector;		/* 512-byte sectors */
	u32 size;		/* bytes written (data follows unless DISCARD/ZEROES) */
	u32 flags;		/* HALO_P_DF_* */
};

struct halo_p_ack {
	u64 id;
	s32 error;		/* 0, or a negative errno from the peer's disk */
};

void halo_p_hdr_encode(u8 *buf, enum halo_p_type type, u32 len);
int halo_p_hdr_decode(const u8 *buf, struct halo_p_hdr *h, const char **why);

void halo_p_hello_encode(const struct halo_p_hello *h, u8 *buf);
int halo_p_hello_decode(const u8 *buf, size_t len, struct halo_p_hello *h,
			const char **why);
/* Can @self replicate with @peer at all? -EINVAL and @why if not. */
int halo_p_hello_match(const struct halo_p_hello *self,
		       const struct halo_p_hello *peer, const char **why);

void halo_p_data_encode(const struct halo_p_data *d, u8 *buf);
/* @len: the payload's length, data included; @max_bytes: the device size. */
int halo_p_data_decode(const u8 *buf, size_t len, u64 max_bytes,
		       struct halo_p_data *d, const char **why);

/* STATE: the sender's role and disk state changed */
#define HALO_P_STATE_LEN	4
struct halo_p_state {
	u8 role;
	u8 disk_state;
};

void halo_p_state_encode(const struct halo_p_state *st, u8 *buf);
int halo_p_state_decode(const u8 *buf, size_t len, struct halo_p_state *st,
			const char **why);

/* SYNC_DONE: the source's generations, as after halo_gen_sync_done_source() */
#define HALO_P_SYNC_DONE_LEN	(8 * HALO_MD_GEN_COUNT)
void halo_p_sync_done_encode(const u64 *gen, u8 *buf);
int halo_p_sync_done_decode(const u8 *buf, size_t len, u64 *gen,
			    const char **why);

/* BITMAP: a bitmap block's index, then the block (bitmap.h's form) */
#define HALO_P_BITMAP_LEN	(8 + HALO_MD_BLOCK)
/* BITMAP_DONE: how many BITMAP frames came before */
#define HALO_P_BITMAP_DONE_LEN	8
void halo_p_u64_encode(u64 v, u8 *buf);
int halo_p_bitmap_decode(const u8 *buf, size_t len, u64 *index, const char **why);
int halo_p_bitmap_done_decode(const u8 *buf, size_t len, u64 *count,
			      const char **why);

/* RS_START: the generation the target takes until done, blocks to sync */
#define HALO_P_RS_START_LEN	16
struct halo_p_rs_start {
	u64 gen;
	u64 blocks;
};

void halo_p_rs_start_encode(const struct halo_p_rs_start *r, u8 *buf);
int halo_p_rs_start_decode(const u8 *buf, size_t len, u64 max_blocks,
			   struct halo_p_rs_start *r, const char **why);

/*
 * OV_REQUEST: blocks [blk, blk + n) and the verify source's checksum of
 * each, n at most HALO_P_OV_MAX_BLOCKS; RS_CSUM the same from a resync
 * source
 */
#define HALO_P_OV_MAX_BLOCKS	64
#define HALO_P_OV_REQ_HDR	16
#define HALO_P_OV_DIGEST_MAX	32
#define HALO_P_OV_REQ_MAX	(HALO_P_OV_REQ_HDR + \
				 HALO_P_OV_MAX_BLOCKS * HALO_P_OV_DIGEST_MAX)
struct halo_p_ov_req {
	u64 blk;
	u32 n;
	u8 alg;			/* enum halo_blk_verify_alg */
	const u8 *digests;	/* n of halo_p_ov_digest_len(alg) bytes */
};

/* The bytes of one checksum of @alg, 0 for an unknown one. */
u32 halo_p_ov_digest_len(u8 alg);
/* The header only: the digests follow it in @buf. */
void halo_p_ov_req_encode(const struct halo_p_ov_req *r, u8 *buf);
int halo_p_ov_req_decode(const u8 *buf, size_t len, u64 max_blocks,
			 struct halo_p_ov_req *r, const char **why);

/*
 * OV_REPLY (and RS_CSUM_REPLY): bit i of mask set if block blk + i
 * differs; or the read failed
 */
#define HALO_P_OV_REPLY_LEN	24
struct halo_p_ov_reply {
	u64 blk;
	u32 n;
	s32 error;		/* 0, or the target's read error */
	u64 mask;
};

void halo_p_ov_reply_encode(const struct halo_p_ov_reply *r, u8 *buf);
int halo_p_ov_reply_decode(const u8 *buf, size_t len, u64 max_blocks,
			   struct halo_p_ov_reply *r, const char **why);

/* READ_REQ: a Diskless node's read, whole sectors, at most 1 MiB */
#define HALO_P_READ_REQ_LEN	20
struct halo_p_read_req {
	u64 id;			/* echoed by the reply */
	u64 sector;
	u32 size;		/* bytes */
};

void halo_p_read_req_encode(const struct halo_p_read_req *r, u8 *buf);
int halo_p_read_req_decode(const u8 *buf, size_t len, u64 max_bytes,
			   struct halo_p_read_req *r, const char **why);

/* READ_REPLY: this header, then size bytes of data (none on an error) */
#define HALO_P_READ_REPLY_HDR	16
struct halo_p_read_reply {
	u64 id;
	s32 error;		/* 0, or the server's read error (or -ENODATA) */
	u32 size;
};

void halo_p_read_reply_encode(const struct halo_p_read_reply *r, u8 *buf);
/* @len: the payload's length, data included */
int halo_p_read_reply_decode(const u8 *buf, size_t len,
			     struct halo_p_read_reply *r, const char **why);

/*
 * BARRIER: how many writes the sender has sent on this connection (its
 * transfer log's position); the peer answers with a BARRIER_ACK, an ack
 * whose id is that position, once they are all on its disk.
 */
#define HALO_P_BARRIER_LEN	8
int halo_p_barrier_decode(const u8 *buf, size_t len, u64 *pos, const char **why);

#define HALO_P_ACK_LEN	12
/* the largest frame the receiver queues (halo_blk_ack_queue()) */
#define HALO_P_SMALL_MAX	HALO_P_OV_REPLY_LEN
void halo_p_ack_encode(const struct halo_p_ack *a, u8 *buf);
int halo_p_ack_decode(const u8 *buf, size_t len, struct halo_p_ack *a,
		      const char **why);

const char *halo_p_type_name(u16 type);
/* A NUL-terminated, NUL-padded, non-empty name of @size bytes at @p. */
bool halo_p_name_ok(const u8 *p, size_t size);

#endif /* _HALO_BLK_PROTO_H */
