// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Generation identifiers (gen.h). Pure: compiled into halo_blk.ko and
 * into the host unit lane.
 */

#include "gen.h"

#define CUR	HALO_MD_GEN_CURRENT
#define BM	HALO_MD_GEN_BITMAP
#define H0	HALO_MD_GEN_HISTORY0
#define H1	HALO_MD_GEN_HISTORY1

static bool in_history(u64 v, const u64 *gen)
{
	return v && (gen[H0] == v || gen[H1] == v);
}

/* Any generation of @a, but its current, among @b's older ones. */
static bool share_past(const u64 *a, const u64 *b)
{
	static const int old[] = { BM, H0, H1 };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(old); i++)
		for (j = 0; j < ARRAY_SIZE(old); j++)
			if (a[old[i]] && a[old[i]] == b[old[j]])
				return true;
	return false;
}

static enum halo_gen_verdict compare(const struct halo_gen_side *self,
				     const struct halo_gen_side *peer, int *rule)
{
	const u64 *s = self->gen, *p = peer->gen;

	*rule = 10;
	if (!s[CUR] && !p[CUR])
		return HALO_GEN_BOTH_NEW;
	*rule = 20;
	if (!s[CUR])
		return HALO_GEN_FULL_TARGET;
	*rule = 30;
	if (!p[CUR])
		return HALO_GEN_FULL_SOURCE;

	if (s[CUR] == p[CUR]) {
		/*
		 * The same data, but a primary that crashed may have written
		 * blocks its peer never got: those its activity log names.
		 * With two, the one that is primary now wins, else the lower
		 * node id (both sides decide the same).
		 */
		*rule = 40;
		if (!self->crashed_primary && !peer->crashed_primary &&
		    !self->changes && !peer->changes)
			return HALO_GEN_NONE;
		/*
		 * Blocks marked with the data the same (online verify found
		 * them): the primary's go, else the lower node id's.
		 */
		*rule = 44;
		if (!self->crashed_primary && !peer->crashed_primary) {
			if (self->primary != peer->primary)
				return self->primary ? HALO_GEN_BITMAP_SOURCE :
						       HALO_GEN_BITMAP_TARGET;
			return self->node_id < peer->node_id ? HALO_GEN_BITMAP_SOURCE :
							       HALO_GEN_BITMAP_TARGET;
		}
		*rule = 41;
		if (self->primary != peer->primary)
			return self->primary ? HALO_GEN_BITMAP_SOURCE :
					       HALO_GEN_BITMAP_TARGET;
		*rule = 42;
		if (self->crashed_primary != peer->crashed_primary)
			return self->crashed_primary ? HALO_GEN_BITMAP_SOURCE :
						       HALO_GEN_BITMAP_TARGET;
		*rule = 43;
		return self->node_id < peer->node_id ? HALO_GEN_BITMAP_SOURCE :
						       HALO_GEN_BITMAP_TARGET;
	}

	/* the peer went on from our current, and its bitmap knows how far */
	*rule = 50;
	if (s[CUR] == p[BM])
		return HALO_GEN_BITMAP_TARGET;
	*rule = 70;
	if (s[BM] == p[CUR])
		return HALO_GEN_BITMAP_SOURCE;

	/* one is an ancestor of the other, but the bitmap is gone */
	*rule = 60;
	if (in_history(s[CUR], p))
		return HALO_GEN_FULL_TARGET;
	*rule = 80;
	if (in_history(p[CUR], s))
		return HALO_GEN_FULL_SOURCE;

	/* both went on from one point, or from a common past */
	*rule = 90;
	if (s[BM] && s[BM] == p[BM])
		return HALO_GEN_SPLIT_BRAIN;
	*rule = 100;
	if (share_past(s, p))
		return HALO_GEN_SPLIT_BRAIN;
	*rule = 110;
	return HALO_GEN_UNRELATED;
}

enum halo_gen_verdict halo_gen_compare(const struct halo_gen_side *self,
				       const struct halo_gen_side *peer, int *rule)
{
	enum halo_gen_verdict v, w;
	int r, peer_rule;

	if (!rule)
		rule = &r;
	v = compare(self, peer, rule);
	/*
	 * Both nodes must reach the same decision, or both would send (and
	 * overwrite each other) or both wait. Generations no history of
	 * this module makes can still disagree (a bitmap each naming the
	 * other's current): those are left to the admin, as a split brain.
	 */
	w = halo_gen_mirror(compare(peer, self, &peer_rule));
	if (v != w) {
		*rule = 200;
		return HALO_GEN_SPLIT_BRAIN;
	}
	return v;
}

enum halo_gen_verdict halo_gen_mirror(enum halo_gen_verdict v)
{
	switch (v) {
	case HALO_GEN_BITMAP_SOURCE:
		return HALO_GEN_BITMAP_TARGET;
	case HALO_GEN_BITMAP_TARGET:
		return HALO_GEN_BITMAP_SOURCE;
	case HALO_GEN_FULL_SOURCE:
		return HALO_GEN_FULL_TARGET;
	case HALO_GEN_FULL_TARGET:
		return HALO_GEN_FULL_SOURCE;
	default:
		return v;
	}
}

const char *halo_gen_verdict_name(enum halo_gen_verdict v)
{
	static const char * const names[] = {
		[HALO_GEN_NONE] = "in sync",
		[HALO_GEN_BITMAP_SOURCE] = "bitmap resync, source",
		[HALO_GEN_BITMAP_TARGET] = "bitmap resync, target",
		[HALO_GEN_FULL_SOURCE] = "full sync, source",
		[HALO_GEN_FULL_TARGET] = "full sync, target",
		[HALO_GEN_BOTH_NEW] = "both new",
		[HALO_GEN_SPLIT_BRAIN] = "split brain",
		[HALO_GEN_UNRELATED] = "unrelated data",
	};

	return (size_t)v < ARRAY_SIZE(names) ? names[v] : "?";
}

void halo_gen_new_current(u64 *gen, u64 fresh)
{
	/*
	 * A bitmap already running (the peer lacks more than one round of
	 * changes) keeps its start: it still knows everything since.
	 */
	if (!gen[BM])
		gen[BM] = gen[CUR];
	gen[CUR] = fresh;
}

void halo_gen_force(u64 *gen, u64 fresh)
{
	/* a running bitmap's start is the common past a split brain shows */
	gen[H1] = gen[BM] ?: gen[H0];
	gen[H0] = gen[CUR];
	gen[BM] = 0;
	gen[CUR] = fresh;
}

u64 halo_gen_sync_start_source(u64 *gen, u64 target_current, u64 fresh)
{
	if (gen[BM] && gen[BM] == target_current)
		return gen[BM];
	/* the old start to history: a split brain still shows */
	if (gen[BM]) {
		gen[H1] = gen[H0];
		gen[H0] = gen[BM];
	}
	gen[BM] = fresh;
	return fresh;
}

void halo_gen_sync_start_target(u64 *gen, u64 start)
{
	if (gen[CUR] != start) {
		if (gen[CUR]) {
			gen[H1] = gen[H0];
			gen[H0] = gen[CUR];
		}
		gen[CUR] = start;
	}
	gen[BM] = 0;
}

void halo_gen_sync_done_source(u64 *gen)
{
	if (!gen[BM])
		return;
	gen[H1] = gen[H0];
	gen[H0] = gen[BM];
	gen[BM] = 0;
}

void halo_gen_sync_done_target(u64 *gen, const u64 *source)
{
	gen[CUR] = source[CUR];
	gen[BM] = 0;
	gen[H0] = source[H0];
	gen[H1] = source[H1];
}

const char *halo_gen_sb_policy_name(u32 v)
{
	static const char * const names[] = {
		[HALO_BLK_AFTER_SB_DISCONNECT] = "disconnect",
		[HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY] = "discard-younger-primary",
		[HALO_BLK_AFTER_SB_DISCARD_OLDER_PRIMARY] = "discard-older-primary",
		[HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES] = "discard-zero-changes",
		[HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES] = "discard-least-changes",
		[HALO_BLK_AFTER_SB_CONSENSUS] = "consensus",
		[HALO_BLK_AFTER_SB_DISCARD_SECONDARY] = "discard-secondary",
	};

	return v < ARRAY_SIZE(names) ? names[v] : "?";
}

bool halo_gen_sb_policy_ok(unsigned int primaries, u32 v)
{
	switch (primaries) {
	case 0:
		return v <= HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES;
	case 1:
		return v == HALO_BLK_AFTER_SB_DISCONNECT ||
		       v == HALO_BLK_AFTER_SB_CONSENSUS ||
		       v == HALO_BLK_AFTER_SB_DISCARD_SECONDARY;
	default:
		return v == HALO_BLK_AFTER_SB_DISCONNECT;
	}
}

/* 1: @self's data survives; -1: @peer's; 0: no decision. */
static int sb_tie(const struct halo_gen_side *self, const struct halo_gen_side *peer)
{
	/* the higher node id is discarded */
	return self->node_id < peer->node_id ? 1 : -1;
}

/* DRBD's drbd_asb_recover_0p(), falling through as it does */
static int sb_0pri(const struct halo_gen_side *self,
		   const struct halo_gen_side *peer, u32 pol, const char **how)
{
	switch (pol) {
	case HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY:
	case HALO_BLK_AFTER_SB_DISCARD_OLDER_PRIMARY:
		if (self->older_primary != peer->older_primary) {
			bool keep_older = pol == HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY;

			return self->older_primary == keep_older ? 1 : -1;
		}
		*how = "neither or both were primary before the split: by changes";
		fallthrough;
	case HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES:
		if (!self->changes && !peer->changes)
			return sb_tie(self, peer);
		if (!peer->changes)
			return 1;
		if (!self->changes)
			return -1;
		if (pol == HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES) {
			*how = "both nodes changed data";
			return 0;
		}
		fallthrough;
	case HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES:
		if (self->changes != peer->changes)
			return self->changes > peer->changes ? 1 : -1;
		return sb_tie(self, peer);
	default:
		return 0;
	}
}

static int sb_decide(const struct halo_gen_side *self,
		     const struct halo_gen_side *peer, bool automatic,
		     const struct halo_gen_sb_policy *pol, const char **how)
{
	unsigned int primaries = self->primary + peer->primary;
	int r;

	if (self->discard_my_data && peer->discard_my_data) {
		*how = "both nodes asked to discard their data";
		return 0;
	}
	if (self->discard_my_data || peer->discard_my_data) {
		*how = "discard-my-data";
		return self->discard_my_data ? -1 : 1;
	}
	if (!automatic) {
		*how = "the bitmaps start at no common point: only discard-my-data decides";
		return 0;
	}
	*how = halo_gen_sb_policy_name(pol->pri[primaries]);
	switch (primaries) {
	case 0:
		return sb_0pri(self, peer, pol->pri[0], how);
	case 1:
		switch (pol->pri[1]) {
		case HALO_BLK_AFTER_SB_CONSENSUS:
			r = sb_0pri(self, peer, pol->pri[0], how);
			*how = "consensus";
			/* only if the secondary is the one after-sb-0pri discards */
			if (r == (self->primary ? 1 : -1))
				return r;
			*how = "after-sb-0pri would not discard the secondary";
			return 0;
		case HALO_BLK_AFTER_SB_DISCARD_SECONDARY:
			return self->primary ? 1 : -1;
		default:
			return 0;
		}
	default:
		return 0;
	}
}

enum halo_gen_verdict halo_gen_split_brain(const struct halo_gen_side *self,
					   const struct halo_gen_side *peer,
					   int rule,
					   const struct halo_gen_sb_policy *pol,
					   const char **how)
{
	/* both bitmaps start at the common past: together they name every change */
	bool bitmaps = rule == 90;
	const char *peer_how;
	int r, w;

	r = sb_decide(self, peer, bitmaps, pol, how);
	w = sb_decide(peer, self, bitmaps, pol, &peer_how);
	if (r != -w) {
		*how = "the two sides decided differently";
		return HALO_GEN_SPLIT_BRAIN;
	}
	if (!r)
		return HALO_GEN_SPLIT_BRAIN;
	if ((r < 0 && self->primary) || (r > 0 && peer->primary)) {
		*how = "the node to discard is primary";
		return HALO_GEN_SPLIT_BRAIN;
	}
	if (bitmaps)
		return r > 0 ? HALO_GEN_BITMAP_SOURCE : HALO_GEN_BITMAP_TARGET;
	return r > 0 ? HALO_GEN_FULL_SOURCE : HALO_GEN_FULL_TARGET;
}
