// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * halo_blk's metadata (kernel/halo_blk/meta.c): layouts that fit and do
 * not overlap for every device size, a superblock that round-trips, and
 * every corruption refused with its reason, never accepted.
 */
#include "meta.h"
#include "kselftest_harness.h"

#include <stdlib.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void sample(struct halo_md_sb *sb, u64 dev_bytes)
{
	memset(sb, 0, sizeof(*sb));
	sb->flags = HALO_MD_F_CONSISTENT | HALO_MD_F_AL_CLEAN;
	sb->node_id = 7;
	memset(sb->uuid, 0xab, sizeof(sb->uuid));
	strcpy(sb->cluster, "prod");
	strcpy(sb->name, "r0");
	sb->gen[HALO_MD_GEN_CURRENT] = 0x1122334455667788ULL;
	sb->gen[HALO_MD_GEN_HISTORY1] = 3;
	sb->al_seq = 99;
	if (halo_md_layout_internal(dev_bytes, &sb->layout))
		abort();
}

TEST(crc32c_matches_the_standard)
{
	/* the check value of CRC-32C: "123456789" -> 0xe3069283 */
	ASSERT_EQ(0xe3069283, ~halo_md_crc32c(~0U, "123456789", 9));
}

TEST(internal_layout_fits_every_size)
{
	static const u64 sizes[] = {
		4 * MiB, 5 * MiB + 4096 * 3 + 17, 128 * MiB, 1 * GiB,
		1 * GiB + 4096, 137 * GiB + 12345, 4096ULL * GiB,
	};
	struct halo_md_layout l;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		u64 blocks = sizes[i] / 4096;

		ASSERT_EQ(0, halo_md_layout_internal(sizes[i], &l));
		/* the bitmap covers the data, with at most one spare block */
		ASSERT_GE(l.bm_blocks * HALO_MD_BITS_PER_BLOCK, l.data_blocks);
		ASSERT_LT(l.bm_blocks * HALO_MD_BITS_PER_BLOCK,
			  l.data_blocks + 2 * HALO_MD_BITS_PER_BLOCK);
		/* data, bitmap, log, superblock: in order, touching, all used */
		ASSERT_EQ(l.data_blocks, l.bm_start);
		ASSERT_EQ(l.bm_start + l.bm_blocks, l.al_start);
		ASSERT_EQ(l.al_start + l.al_slots, l.sb_block);
		ASSERT_EQ(blocks - 1, l.sb_block);
		ASSERT_EQ(blocks, l.data_blocks + l.md_blocks);
	}
	/* 1 GiB: 262144 data-ish blocks need 8 bitmap blocks */
	ASSERT_EQ(0, halo_md_layout_internal(GiB, &l));
	ASSERT_EQ(8, l.bm_blocks);
	ASSERT_EQ(GiB / 4096 - 1 - 64 - 8, l.data_blocks);
}

TEST(too_small_or_too_big_is_refused)
{
	struct halo_md_layout l;

	ASSERT_EQ(-ENOSPC, halo_md_layout_internal(0, &l));
	ASSERT_EQ(-ENOSPC, halo_md_layout_internal(MiB, &l));
	/* exactly enough: the minimum data, one bitmap block, log, sb */
	ASSERT_EQ(0, halo_md_layout_internal((256 + 1 + 64 + 1) * 4096ULL, &l));
	ASSERT_EQ(HALO_MD_MIN_DATA_BLOCKS, l.data_blocks);
	ASSERT_EQ(-ENOSPC, halo_md_layout_internal((256 + 1 + 64 + 1) * 4096ULL - 1, &l));
	ASSERT_EQ(-EFBIG, halo_md_layout_internal(64ULL << 40, &l));

	ASSERT_EQ(-ENOSPC, halo_md_layout_external(MiB - 4096, 4 * MiB, &l));
	/* 1 GiB of data needs 1 + 64 + 8 metadata blocks */
	ASSERT_EQ(-ENOSPC, halo_md_layout_external(GiB, 72 * 4096, &l));
	ASSERT_EQ(0, halo_md_layout_external(GiB, 73 * 4096, &l));
	ASSERT_EQ(GiB / 4096, l.data_blocks);
	ASSERT_EQ(0, l.sb_block);
	ASSERT_EQ(1, l.al_start);
	ASSERT_EQ(65, l.bm_start);
}

TEST(superblock_round_trips)
{
	struct halo_md_sb in, out;
	const char *why;
	u8 buf[HALO_MD_BLOCK];

	sample(&in, 64 * MiB);
	memset(&out, 0, sizeof(out));	/* memcmp() sees the padding */
	halo_md_sb_encode(&in, buf);
	ASSERT_EQ(0, halo_md_sb_decode(buf, &out, &why));
	ASSERT_EQ(NULL, why);
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));

	/* external layouts decode too */
	ASSERT_EQ(0, halo_md_layout_external(64 * MiB, 4 * MiB, &in.layout));
	halo_md_sb_encode(&in, buf);
	ASSERT_EQ(0, halo_md_sb_decode(buf, &out, &why));
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));
}

TEST(no_magic_is_no_metadata)
{
	struct halo_md_sb sb;
	const char *why;
	u8 buf[HALO_MD_BLOCK];

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(-ENODATA, halo_md_sb_decode(buf, &sb, &why));
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(-ENODATA, halo_md_sb_decode(buf, &sb, &why));
}

/* Every single-bit flip in the block is refused, with a reason. */
TEST(every_bit_flip_is_refused)
{
	struct halo_md_sb in, out;
	const char *why;
	u8 buf[HALO_MD_BLOCK];
	size_t bit;
	int ret;

	sample(&in, 64 * MiB);
	for (bit = 0; bit < HALO_MD_BLOCK * 8; bit++) {
		halo_md_sb_encode(&in, buf);
		buf[bit / 8] ^= 1 << (bit % 8);
		ret = halo_md_sb_decode(buf, &out, &why);
		if (bit < 64) {
			/* the magic: no longer ours at all */
			ASSERT_EQ(-ENODATA, ret);
			continue;
		}
		ASSERT_NE(0, ret) TH_LOG("bit %zu accepted", bit);
		ASSERT_NE(NULL, why) TH_LOG("bit %zu: no reason", bit);
	}
}

/* A checksum that matches does not make a bad superblock good. */
static int decode_resealed(struct halo_md_sb *sb, const char **why)
{
	u8 buf[HALO_MD_BLOCK];

	halo_md_sb_encode(sb, buf);
	return halo_md_sb_decode(buf, sb, why);
}

TEST(consistent_checksum_bad_content_is_refused)
{
	struct halo_md_sb sb;
	const char *why;

	sample(&sb, 64 * MiB);
	sb.layout.bm_blocks += 2;
	sb.layout.md_blocks += 2;
	sb.layout.al_start += 2;
	sb.layout.sb_block += 2;
	ASSERT_EQ(-EINVAL, decode_resealed(&sb, &why));
	ASSERT_STREQ("bitmap size does not match the data size", why);

	sample(&sb, 64 * MiB);
	sb.layout.al_start--;
	ASSERT_EQ(-EINVAL, decode_resealed(&sb, &why));
	ASSERT_STREQ("metadata areas out of place", why);

	sample(&sb, 64 * MiB);
	sb.layout.data_blocks = 10;
	ASSERT_EQ(-EINVAL, decode_resealed(&sb, &why));
	ASSERT_STREQ("data size out of range", why);

	sample(&sb, 64 * MiB);
	memset(sb.name, 'x', sizeof(sb.name));
	ASSERT_EQ(-EINVAL, decode_resealed(&sb, &why));
	ASSERT_STREQ("superblock names are not terminated", why);

	sample(&sb, 64 * MiB);
	sb.flags |= 0x100;
	ASSERT_EQ(-EPROTONOSUPPORT, decode_resealed(&sb, &why));
	ASSERT_STREQ("superblock has unknown flags", why);
}

TEST(other_versions_are_refused)
{
	struct halo_md_sb sb;
	const char *why;
	u8 buf[HALO_MD_BLOCK];
	u32 crc;

	sample(&sb, 64 * MiB);
	halo_md_sb_encode(&sb, buf);
	put_unaligned_be32(2, buf + 8);
	put_unaligned_be32(0, buf + 12);
	crc = halo_md_crc32c(~0U, buf, sizeof(buf));
	put_unaligned_be32(crc, buf + 12);
	ASSERT_EQ(-EPROTONOSUPPORT, halo_md_sb_decode(buf, &sb, &why));
	ASSERT_STREQ("unsupported metadata version", why);
}

TEST_HARNESS_MAIN
