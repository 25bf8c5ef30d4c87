// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Metadata layout and superblock encoding (meta.h). Pure: compiled into
 * halo_blk.ko and into the host unit lane (selftests/unit/meta_test.c).
 */

#include "meta.h"

#ifdef __KERNEL__
#include <linux/crc32c.h>
#endif

/*
 * Superblock encoding: big-endian fields at fixed offsets, zeros up to
 * the end of the block, a crc32c over the whole block with its own field
 * taken as zero.
 */
enum {
	SB_MAGIC = 0,		/* u64 */
	SB_VERSION = 8,		/* u32 */
	SB_CRC = 12,		/* u32 */
	SB_FLAGS = 16,		/* u32 */
	SB_NODE_ID = 20,	/* u32 */
	SB_UUID = 24,		/* u8[16] */
	SB_DATA_BLOCKS = 40,	/* u64 */
	SB_SB_BLOCK = 48,	/* u64 */
	SB_AL_START = 56,	/* u64 */
	SB_AL_SLOTS = 64,	/* u32 */
	SB_BM_SHIFT = 68,	/* u32: bytes per bit, log2 */
	SB_BM_START = 72,	/* u64 */
	SB_BM_BLOCKS = 80,	/* u64 */
	SB_MD_BLOCKS = 88,	/* u64 */
	SB_GEN = 96,		/* u64[HALO_MD_GEN_COUNT] */
	SB_AL_SEQ = SB_GEN + 8 * HALO_MD_GEN_COUNT,	/* u64 */
	SB_CLUSTER = SB_AL_SEQ + 8,
	SB_NAME = SB_CLUSTER + HALO_MD_CLUSTER_MAX,
	SB_END = SB_NAME + HALO_MD_NAME_MAX,
};

/* crc32c (Castagnoli), reflected, no final inversion: the kernel's crc32c() */
u32 halo_md_crc32c(u32 crc, const void *buf, size_t len)
{
#ifdef __KERNEL__
	return crc32c(crc, buf, len);
#else
	const u8 *p = buf;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & (0U - (crc & 1)));
	}
	return crc;
#endif
}

static u64 bm_blocks_for(u64 data_blocks)
{
	return (data_blocks + HALO_MD_BITS_PER_BLOCK - 1) / HALO_MD_BITS_PER_BLOCK;
}

int halo_md_layout_internal(u64 dev_bytes, struct halo_md_layout *l)
{
	u64 blocks = dev_bytes >> HALO_MD_BLOCK_SHIFT;
	u64 fixed = 1 + HALO_MD_AL_SLOTS;
	u64 data, bm;

	if (blocks < fixed + 1 + HALO_MD_MIN_DATA_BLOCKS)
		return -ENOSPC;
	/*
	 * The bitmap covers the data, which is what the bitmap leaves: a
	 * bitmap for everything but the fixed part may be one block bigger
	 * than the data needs. That block stays spare: with it, every block
	 * of the device has one place, and the layout is the same function
	 * of the size for every reader.
	 */
	bm = bm_blocks_for(blocks - fixed);
	data = blocks - fixed - bm;
	if (data < HALO_MD_MIN_DATA_BLOCKS)
		return -ENOSPC;
	if (data > HALO_MD_MAX_DATA_BLOCKS)
		return -EFBIG;
	l->data_blocks = data;
	l->bm_start = data;
	l->bm_blocks = bm;
	l->al_start = data + bm;
	l->al_slots = HALO_MD_AL_SLOTS;
	l->sb_block = blocks - 1;
	l->md_blocks = fixed + bm;
	return 0;
}

int halo_md_layout_external(u64 data_bytes, u64 md_bytes,
			    struct halo_md_layout *l)
{
	u64 data = data_bytes >> HALO_MD_BLOCK_SHIFT;
	u64 md = md_bytes >> HALO_MD_BLOCK_SHIFT;
	u64 bm = bm_blocks_for(data);

	if (data < HALO_MD_MIN_DATA_BLOCKS)
		return -ENOSPC;
	if (data > HALO_MD_MAX_DATA_BLOCKS)
		return -EFBIG;
	if (md < 1 + HALO_MD_AL_SLOTS + bm)
		return -ENOSPC;
	l->data_blocks = data;
	l->sb_block = 0;
	l->al_start = 1;
	l->al_slots = HALO_MD_AL_SLOTS;
	l->bm_start = 1 + HALO_MD_AL_SLOTS;
	l->bm_blocks = bm;
	l->md_blocks = 1 + HALO_MD_AL_SLOTS + bm;
	return 0;
}

bool halo_md_layout_equal(const struct halo_md_layout *a,
			  const struct halo_md_layout *b)
{
	return a->data_blocks == b->data_blocks && a->sb_block == b->sb_block &&
	       a->al_start == b->al_start && a->al_slots == b->al_slots &&
	       a->bm_start == b->bm_start && a->bm_blocks == b->bm_blocks &&
	       a->md_blocks == b->md_blocks;
}

void halo_md_sb_encode(const struct halo_md_sb *sb, u8 *buf)
{
	const struct halo_md_layout *l = &sb->layout;
	int i;

	memset(buf, 0, HALO_MD_BLOCK);
	put_unaligned_be64(HALO_MD_MAGIC, buf + SB_MAGIC);
	put_unaligned_be32(HALO_MD_VERSION, buf + SB_VERSION);
	put_unaligned_be32(sb->flags, buf + SB_FLAGS);
	put_unaligned_be32(sb->node_id, buf + SB_NODE_ID);
	memcpy(buf + SB_UUID, sb->uuid, sizeof(sb->uuid));
	put_unaligned_be64(l->data_blocks, buf + SB_DATA_BLOCKS);
	put_unaligned_be64(l->sb_block, buf + SB_SB_BLOCK);
	put_unaligned_be64(l->al_start, buf + SB_AL_START);
	put_unaligned_be32(l->al_slots, buf + SB_AL_SLOTS);
	put_unaligned_be32(HALO_MD_BLOCK_SHIFT, buf + SB_BM_SHIFT);
	put_unaligned_be64(l->bm_start, buf + SB_BM_START);
	put_unaligned_be64(l->bm_blocks, buf + SB_BM_BLOCKS);
	put_unaligned_be64(l->md_blocks, buf + SB_MD_BLOCKS);
	for (i = 0; i < HALO_MD_GEN_COUNT; i++)
		put_unaligned_be64(sb->gen[i], buf + SB_GEN + 8 * i);
	put_unaligned_be64(sb->al_seq, buf + SB_AL_SEQ);
	memcpy(buf + SB_CLUSTER, sb->cluster, HALO_MD_CLUSTER_MAX);
	memcpy(buf + SB_NAME, sb->name, HALO_MD_NAME_MAX);
	put_unaligned_be32(halo_md_crc32c(~0U, buf, HALO_MD_BLOCK), buf + SB_CRC);
}

static bool name_ok(const char *s, size_t size)
{
	return s[0] && memchr(s, '\0', size);
}

/* The layout must describe disjoint areas inside the metadata device. */
static const char *layout_check(const struct halo_md_layout *l)
{
	if (l->al_slots != HALO_MD_AL_SLOTS)
		return "unexpected activity log size";
	if (l->data_blocks < HALO_MD_MIN_DATA_BLOCKS ||
	    l->data_blocks > HALO_MD_MAX_DATA_BLOCKS)
		return "data size out of range";
	/* internal layouts may carry one spare bitmap block (see above) */
	if (l->bm_blocks < bm_blocks_for(l->data_blocks) ||
	    l->bm_blocks > bm_blocks_for(l->data_blocks) + 1)
		return "bitmap size does not match the data size";
	if (l->md_blocks != 1 + l->al_slots + l->bm_blocks)
		return "metadata size does not add up";
	/* internal: data, bitmap, log, superblock; external: superblock first */
	if (l->sb_block == 0) {
		if (l->al_start != 1 || l->bm_start != 1 + (u64)l->al_slots)
			return "metadata areas out of place";
	} else if (l->bm_start != l->data_blocks ||
		   l->al_start != l->bm_start + l->bm_blocks ||
		   l->sb_block != l->al_start + l->al_slots) {
		return "metadata areas out of place";
	}
	return NULL;
}

int halo_md_sb_decode(const u8 *buf, struct halo_md_sb *sb, const char **why)
{
	struct halo_md_layout *l = &sb->layout;
	u8 copy[SB_END];
	u32 crc, version;
	size_t i;
	int k;

	*why = NULL;
	if (get_unaligned_be64(buf + SB_MAGIC) != HALO_MD_MAGIC)
		return -ENODATA;
	version = get_unaligned_be32(buf + SB_VERSION);
	if (version != HALO_MD_VERSION) {
		*why = "unsupported metadata version";
		return -EPROTONOSUPPORT;
	}
	/* the checksum over the block with its own field as zero */
	memcpy(copy, buf, SB_END);
	put_unaligned_be32(0, copy + SB_CRC);
	crc = halo_md_crc32c(~0U, copy, SB_END);
	crc = halo_md_crc32c(crc, buf + SB_END, HALO_MD_BLOCK - SB_END);
	if (crc != get_unaligned_be32(buf + SB_CRC)) {
		*why = "superblock checksum mismatch";
		return -EINVAL;
	}
	for (i = SB_END; i < HALO_MD_BLOCK; i++) {
		if (buf[i]) {
			*why = "superblock has unknown fields";
			return -EPROTONOSUPPORT;
		}
	}
	if (get_unaligned_be32(buf + SB_BM_SHIFT) != HALO_MD_BLOCK_SHIFT) {
		*why = "unsupported bitmap granularity";
		return -EPROTONOSUPPORT;
	}
	sb->flags = get_unaligned_be32(buf + SB_FLAGS);
	if (sb->flags & ~HALO_MD_F_ALL) {
		*why = "superblock has unknown flags";
		return -EPROTONOSUPPORT;
	}
	sb->node_id = get_unaligned_be32(buf + SB_NODE_ID);
	memcpy(sb->uuid, buf + SB_UUID, sizeof(sb->uuid));
	l->data_blocks = get_unaligned_be64(buf + SB_DATA_BLOCKS);
	l->sb_block = get_unaligned_be64(buf + SB_SB_BLOCK);
	l->al_start = get_unaligned_be64(buf + SB_AL_START);
	l->al_slots = get_unaligned_be32(buf + SB_AL_SLOTS);
	l->bm_start = get_unaligned_be64(buf + SB_BM_START);
	l->bm_blocks = get_unaligned_be64(buf + SB_BM_BLOCKS);
	l->md_blocks = get_unaligned_be64(buf + SB_MD_BLOCKS);
	for (k = 0; k < HALO_MD_GEN_COUNT; k++)
		sb->gen[k] = get_unaligned_be64(buf + SB_GEN + 8 * k);
	sb->al_seq = get_unaligned_be64(buf + SB_AL_SEQ);
	memcpy(sb->cluster, buf + SB_CLUSTER, HALO_MD_CLUSTER_MAX);
	memcpy(sb->name, buf + SB_NAME, HALO_MD_NAME_MAX);
	if (!name_ok(sb->cluster, sizeof(sb->cluster)) ||
	    !name_ok(sb->name, sizeof(sb->name))) {
		*why = "superblock names are not terminated";
		return -EINVAL;
	}
	*why = layout_check(l);
	return *why ? -EINVAL : 0;
}
