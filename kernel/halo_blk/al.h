/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The activity log (Documentation/halo_blk.rst, "Activity log"): the 4 MiB
 * extents a primary may be writing, on disk before any write to them, so
 * that after a crash only those are resynced (DRBD's activity log). Pure
 * logic over memory the caller locks; host unit lane:
 * selftests/unit/al_test.c.
 *
 * In memory, the active set: up to HALO_AL_EXTENTS extents, each with the
 * writes in flight to it and when it was last used. On disk, a ring of
 * HALO_MD_AL_SLOTS one-block transactions, each the whole active set
 * after a change, with a sequence number: the valid one with the highest
 * number is the set at a crash.
 */
#ifndef _HALO_BLK_AL_H
#define _HALO_BLK_AL_H

#include "meta.h"

/* 512 extents of 4 MiB: writes within 2 GiB need no transaction */
#define HALO_AL_EXTENTS		512
#define HALO_AL_MAGIC		0x6862616c	/* "hbal" */
#define HALO_AL_HDR		40

struct halo_al {
	u32 n;			/* extents in the set */
	u32 ext[HALO_AL_EXTENTS];
	u32 refs[HALO_AL_EXTENTS];	/* writes in flight */
	u64 used[HALO_AL_EXTENTS];	/* tick of the last use */
	u64 tick;
	u64 seq;		/* the last transaction written */
	bool changed;		/* a transaction is due */
};

/* The extents [@first, @last] a write of @bytes at byte @pos touches. */
void halo_al_range(u64 pos, u64 bytes, u32 *first, u32 *last);

/*
 * Take extent @e for a write: 1 if it is in the set (a reference taken),
 * 0 if it was added (taken; a transaction is due), -EBUSY if the set is
 * full of extents with writes in flight (nothing changed: wait for one),
 * and *@evicted the extent it replaced, or U32_MAX.
 */
int halo_al_get(struct halo_al *al, u32 e, u32 *evicted);
/* Extent @e's write completed; false if it held no reference. */
bool halo_al_put(struct halo_al *al, u32 e);
/* Whether an idle extent can leave the set: a new one can come in. */
bool halo_al_room(const struct halo_al *al);
/* The idle extent the next new one replaces, or U32_MAX (room, or none). */
u32 halo_al_victim(const struct halo_al *al);

/* The set as transaction @seq, for device @uuid, into @buf (a block). */
void halo_al_encode(const struct halo_al *al, u64 seq, const u8 *uuid, u8 *buf);
/*
 * A transaction block: 0 and its set in @ext/@n and @seq if valid for
 * @uuid (extents below @nextents), -ENODATA if it is no transaction (a
 * never-written or torn slot), -EINVAL if it lies.
 */
int halo_al_decode(const u8 *buf, const u8 *uuid, u32 nextents, u32 *ext,
		   u32 *n, u64 *seq);

#endif /* _HALO_BLK_AL_H */
