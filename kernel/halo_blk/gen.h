/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Generation identifiers: which data a disk holds, and from them which
 * way two disks must sync (Documentation/halo_blk.rst, "Generations").
 * The rules are DRBD's (drbd_uuid_compare()), without its protocol
 * version workarounds. Pure logic, host unit lane: selftests/unit/gen_test.c.
 *
 * A disk's generations (struct halo_md_sb.gen): the current one; the
 * bitmap one, the current one when the bitmap started to record what the
 * peer lacks; two history ones, older currents. 0 is "none"; a current
 * of 0 means the disk never held the newest data.
 */
#ifndef _HALO_BLK_GEN_H
#define _HALO_BLK_GEN_H

#include "meta.h"

#include <uapi/linux/halo_blk.h>

enum halo_gen_verdict {
	HALO_GEN_NONE,			/* the same data: nothing to sync */
	HALO_GEN_BITMAP_SOURCE,		/* send what the bitmap marks */
	HALO_GEN_BITMAP_TARGET,
	HALO_GEN_FULL_SOURCE,		/* send everything */
	HALO_GEN_FULL_TARGET,
	HALO_GEN_BOTH_NEW,		/* neither holds data: wait for a forced primary */
	HALO_GEN_SPLIT_BRAIN,		/* both went on alone from a common past */
	HALO_GEN_UNRELATED,		/* no common past: never connect */
};

struct halo_gen_side {
	u64 gen[HALO_MD_GEN_COUNT];
	bool crashed_primary;	/* the superblock's primary flag at attach */
	bool primary;		/* now */
	u32 node_id;		/* breaks a tie between two crashed primaries */
	/* a split brain's: its changes alone began while primary since before */
	bool older_primary;
	bool discard_my_data;	/* the admin asked to throw its changes away */
	u64 changes;		/* blocks its bitmap marks */
};

/* enum halo_blk_after_sb, for zero, one and two primaries */
struct halo_gen_sb_policy {
	u8 pri[3];
};

/* What @self must do with @peer; @rule (may be NULL) says which rule decided. */
enum halo_gen_verdict halo_gen_compare(const struct halo_gen_side *self,
				       const struct halo_gen_side *peer, int *rule);
/* The verdict as the peer sees it. */
enum halo_gen_verdict halo_gen_mirror(enum halo_gen_verdict v);
const char *halo_gen_verdict_name(enum halo_gen_verdict v);

/*
 * @rule (from halo_gen_compare()) found a split brain: which side's data
 * survives, by discard-my-data, then by @pol. A bitmap or full resync
 * with its direction, or HALO_GEN_SPLIT_BRAIN when nothing decided (or the
 * side to discard is primary); @how says what decided, or why nothing did.
 * Both sides reach the same decision.
 */
enum halo_gen_verdict halo_gen_split_brain(const struct halo_gen_side *self,
					   const struct halo_gen_side *peer,
					   int rule,
					   const struct halo_gen_sb_policy *pol,
					   const char **how);
/* Does @v make sense for @primaries (0, 1, 2)? */
bool halo_gen_sb_policy_ok(unsigned int primaries, u32 v);
const char *halo_gen_sb_policy_name(u32 v);

/* The first write without the peer: the bitmap starts at the old current. */
void halo_gen_new_current(u64 *gen, u64 fresh);
/* A forced promotion: this data becomes the newest, the old current history. */
void halo_gen_force(u64 *gen, u64 fresh);
/*
 * A resync starts. The source's bitmap generation becomes what the
 * target's current is until done (returned; a new one, @fresh, unless it
 * already is), so that an interrupted resync is a bitmap resync of what
 * is left the next time ...
 */
u64 halo_gen_sync_start_source(u64 *gen, u64 target_current, u64 fresh);
/* ... and the target takes it. */
void halo_gen_sync_start_target(u64 *gen, u64 start);
/* A resync finished: the source's view ... */
void halo_gen_sync_done_source(u64 *gen);
/* ... and the target takes the source's generations. */
void halo_gen_sync_done_target(u64 *gen, const u64 *source);

#endif /* _HALO_BLK_GEN_H */
