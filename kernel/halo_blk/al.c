// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The activity log's active set and transactions (al.h). Pure: compiled
 * into halo_blk.ko and into the host unit lane.
 *
 * A transaction block, big-endian:
 *
 *    0  4  magic "hbal"
 *    4  4  crc32c of the block, this field zero
 *    8  8  sequence number
 *   16  4  extents in the set
 *   20  4  zero
 *   24 16  the device's uuid (a stale log of another device is no log)
 *   40     the extents, 4 bytes each
 */

#include "al.h"

void halo_al_range(u64 pos, u64 bytes, u32 *first, u32 *last)
{
	*first = pos >> HALO_MD_AL_EXTENT_SHIFT;
	*last = (pos + (bytes ? bytes - 1 : 0)) >> HALO_MD_AL_EXTENT_SHIFT;
}

static int halo_al_find(const struct halo_al *al, u32 e)
{
	u32 i;

	for (i = 0; i < al->n; i++)
		if (al->ext[i] == e)
			return i;
	return -1;
}

u32 halo_al_victim(const struct halo_al *al)
{
	u32 i, best = U32_MAX;

	if (al->n < HALO_AL_EXTENTS)
		return U32_MAX;
	for (i = 0; i < al->n; i++)
		if (!al->refs[i] && (best == U32_MAX || al->used[i] < al->used[best]))
			best = i;
	return best;
}

bool halo_al_room(const struct halo_al *al)
{
	return al->n < HALO_AL_EXTENTS || halo_al_victim(al) != U32_MAX;
}

int halo_al_get(struct halo_al *al, u32 e, u32 *evicted)
{
	int i = halo_al_find(al, e);
	u32 v;

	*evicted = U32_MAX;
	if (i >= 0) {
		al->refs[i]++;
		al->used[i] = ++al->tick;
		return 1;
	}
	if (al->n < HALO_AL_EXTENTS) {
		i = al->n++;
	} else {
		v = halo_al_victim(al);
		if (v == U32_MAX)
			return -EBUSY;
		*evicted = al->ext[v];
		i = v;
	}
	al->ext[i] = e;
	al->refs[i] = 1;
	al->used[i] = ++al->tick;
	al->changed = true;
	return 0;
}

bool halo_al_put(struct halo_al *al, u32 e)
{
	int i = halo_al_find(al, e);

	if (i < 0 || !al->refs[i])
		return false;
	al->refs[i]--;
	return true;
}

void halo_al_encode(const struct halo_al *al, u64 seq, const u8 *uuid, u8 *buf)
{
	u32 i;

	memset(buf, 0, HALO_MD_BLOCK);
	put_unaligned_be32(HALO_AL_MAGIC, buf);
	put_unaligned_be64(seq, buf + 8);
	put_unaligned_be32(al->n, buf + 16);
	memcpy(buf + 24, uuid, 16);
	for (i = 0; i < al->n; i++)
		put_unaligned_be32(al->ext[i], buf + HALO_AL_HDR + 4 * i);
	put_unaligned_be32(halo_md_crc32c(~0U, buf, HALO_MD_BLOCK), buf + 4);
}

int halo_al_decode(const u8 *buf, const u8 *uuid, u32 nextents, u32 *ext,
		   u32 *n, u64 *seq)
{
	u32 crc = get_unaligned_be32(buf + 4), i;
	u8 copy[HALO_AL_HDR];

	if (get_unaligned_be32(buf) != HALO_AL_MAGIC)
		return -ENODATA;
	/* the crc over the block with its own field zero */
	memcpy(copy, buf, sizeof(copy));
	put_unaligned_be32(0, copy + 4);
	if (halo_md_crc32c(halo_md_crc32c(~0U, copy, sizeof(copy)),
			   buf + HALO_AL_HDR, HALO_MD_BLOCK - HALO_AL_HDR) != crc)
		return -ENODATA;	/* torn: a crash while writing it */
	if (memcmp(buf + 24, uuid, 16))
		return -ENODATA;	/* another device's */
	*n = get_unaligned_be32(buf + 16);
	*seq = get_unaligned_be64(buf + 8);
	if (*n > HALO_AL_EXTENTS || get_unaligned_be32(buf + 20))
		return -EINVAL;
	for (i = 0; i < *n; i++) {
		ext[i] = get_unaligned_be32(buf + HALO_AL_HDR + 4 * i);
		if (ext[i] >= nextents)
			return -EINVAL;
	}
	return 0;
}
