/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * On-disk metadata of a replicated device (Documentation/halo_blk.rst,
 * "Metadata"): where it lives, and the superblock's encoding. Pure logic:
 * it computes and checks, the caller does the I/O.
 *
 * All of it is counted in 4 KiB blocks. Internal metadata takes the end
 * of the backing device, superblock last, so that it is found from the
 * device's size alone:
 *
 *   | data ... | bitmap | activity log | superblock |
 *
 * External metadata starts at block 0 of its own device:
 *
 *   | superblock | activity log | bitmap |
 */
#ifndef _HALO_BLK_META_H
#define _HALO_BLK_META_H

#include "../pure.h"

#define HALO_MD_MAGIC		0x68616c6f2d626c6bULL	/* "halo-blk" */
#define HALO_MD_VERSION		1
#define HALO_MD_BLOCK_SHIFT	12
#define HALO_MD_BLOCK		BIT(HALO_MD_BLOCK_SHIFT)
#define HALO_MD_BITS_PER_BLOCK	(HALO_MD_BLOCK * 8)

/* Activity log: a ring of one-block transactions; 4 MiB extents. */
#define HALO_MD_AL_SLOTS	64
#define HALO_MD_AL_EXTENT_SHIFT	22

/* The smallest data area a device may have: 1 MiB. */
#define HALO_MD_MIN_DATA_BLOCKS	256
/* The largest: 16 TiB (a 512 MiB bitmap). */
#define HALO_MD_MAX_DATA_BLOCKS	BIT_ULL(32)

#define HALO_MD_NAME_MAX	32	/* with the NUL, as HALO_BLK_NAME_MAX */
#define HALO_MD_CLUSTER_MAX	72	/* a cluster name (64) with its NUL, padded */

/* Generation identifiers, as DRBD's UUIDs: which data a disk holds. */
enum halo_md_gen {
	HALO_MD_GEN_CURRENT,
	HALO_MD_GEN_BITMAP,	/* current when the bitmap started to fill */
	HALO_MD_GEN_HISTORY0,
	HALO_MD_GEN_HISTORY1,
	HALO_MD_GEN_COUNT
};

/* Superblock flags. */
#define HALO_MD_F_CONSISTENT	BIT(0)	/* not a resync target mid-way */
#define HALO_MD_F_UPTODATE	BIT(1)	/* held the newest data when last written */
#define HALO_MD_F_OUTDATED	BIT(2)	/* a peer went on without it */
#define HALO_MD_F_PRIMARY	BIT(3)	/* set while primary: a crash leaves it */
#define HALO_MD_F_AL_CLEAN	BIT(4)	/* the activity log holds nothing to resync */
#define HALO_MD_F_FULL_SYNC	BIT(5)	/* every block is out of sync */
/* the bitmap began while primary since before the peer was lost */
#define HALO_MD_F_OLDER_PRIMARY	BIT(6)
#define HALO_MD_F_ALL		0x7f

/* Where everything is, in blocks of the metadata device. */
struct halo_md_layout {
	u64 data_blocks;	/* what /dev/haloN exports */
	u64 sb_block;
	u64 al_start;
	u32 al_slots;
	u64 bm_start;
	u64 bm_blocks;
	u64 md_blocks;		/* the whole metadata area */
};

struct halo_md_sb {
	u32 flags;		/* HALO_MD_F_* */
	u32 node_id;		/* the node that created it */
	u8 uuid[16];		/* the device's identity, random at creation */
	char cluster[HALO_MD_CLUSTER_MAX];
	char name[HALO_MD_NAME_MAX];
	u64 gen[HALO_MD_GEN_COUNT];
	u64 al_seq;		/* the last activity log transaction written */
	struct halo_md_layout layout;
};

int halo_md_layout_internal(u64 dev_bytes, struct halo_md_layout *l);
int halo_md_layout_external(u64 data_bytes, u64 md_bytes,
			    struct halo_md_layout *l);
bool halo_md_layout_equal(const struct halo_md_layout *a,
			  const struct halo_md_layout *b);

/* @buf is one block (HALO_MD_BLOCK bytes). */
void halo_md_sb_encode(const struct halo_md_sb *sb, u8 *buf);
/*
 * 0, -ENODATA (no halo metadata there), or -EINVAL / -EPROTONOSUPPORT
 * with @why saying what is wrong, in a few words for an extack message.
 */
int halo_md_sb_decode(const u8 *buf, struct halo_md_sb *sb, const char **why);

u32 halo_md_crc32c(u32 crc, const void *buf, size_t len);

#endif /* _HALO_BLK_META_H */
