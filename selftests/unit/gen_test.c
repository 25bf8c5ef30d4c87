// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Generation identifiers (kernel/halo_blk/gen.c): two disks are driven
 * through the histories a cluster gives them (sync, failover, writes
 * without the peer, crashes, splits), and at each step both must reach
 * the same, right verdict, each seeing the other's mirror.
 */
#include "gen.h"
#include "kselftest_harness.h"

struct disk {
	struct halo_gen_side s;
};

static u64 next_gen = 0x1000;

static u64 fresh(void)
{
	return next_gen += 0x10;
}

static void disk_init(struct disk *d, u32 id)
{
	memset(d, 0, sizeof(*d));
	d->s.node_id = id;
}

/* @a's verdict, after checking that @b's is its mirror */
static enum halo_gen_verdict verdict(struct __test_metadata *_metadata,
				     struct disk *a, struct disk *b)
{
	enum halo_gen_verdict va, vb;
	int ra, rb;

	va = halo_gen_compare(&a->s, &b->s, &ra);
	vb = halo_gen_compare(&b->s, &a->s, &rb);
	EXPECT_EQ(halo_gen_mirror(va), vb)
		TH_LOG("%s (rule %d) vs %s (rule %d)", halo_gen_verdict_name(va), ra,
		       halo_gen_verdict_name(vb), rb);
	return va;
}

/* A full or bitmap sync from @src to @dst finished. */
static void sync_done(struct disk *src, struct disk *dst)
{
	halo_gen_sync_done_source(src->s.gen);
	halo_gen_sync_done_target(dst->s.gen, src->s.gen);
	src->s.crashed_primary = dst->s.crashed_primary = false;
}

#define VERDICT(a, b) verdict(_metadata, a, b)

TEST(new_disks_wait_for_a_forced_primary)
{
	struct disk a, b;

	disk_init(&a, 1);
	disk_init(&b, 2);
	EXPECT_EQ(HALO_GEN_BOTH_NEW, VERDICT(&a, &b));
	halo_gen_force(a.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_FULL_SOURCE, VERDICT(&a, &b));
	sync_done(&a, &b);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));
}

TEST(writes_without_the_peer_make_a_bitmap_resync)
{
	struct disk a, b;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	sync_done(&a, &b);
	/* b goes away; a writes */
	halo_gen_new_current(a.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	/* and a loses b again before the resync ends, and writes again */
	halo_gen_new_current(a.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	sync_done(&a, &b);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));
	/* failover: b becomes primary and writes while a is away */
	halo_gen_new_current(b.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
	sync_done(&b, &a);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));
}

/* A resync started (the target took the source's start generation). */
static void sync_start(struct disk *src, struct disk *dst)
{
	u64 start = halo_gen_sync_start_source(src->s.gen, dst->s.gen[0], fresh());

	halo_gen_sync_start_target(dst->s.gen, start);
}

TEST(an_interrupted_resync_resumes_as_a_bitmap_resync)
{
	struct disk a, b, c;
	u64 start;

	/* a full sync of a new disk, cut midway: the rest is a bitmap resync */
	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_FULL_SOURCE, VERDICT(&a, &b));
	sync_start(&a, &b);
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	/* cut again: the same start, nothing new */
	start = a.s.gen[HALO_MD_GEN_BITMAP];
	sync_start(&a, &b);
	EXPECT_EQ(start, a.s.gen[HALO_MD_GEN_BITMAP]);
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	/* a writes on alone meanwhile: still the same resync */
	halo_gen_new_current(a.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	sync_done(&a, &b);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));

	/* a crashed primary's resync, cut midway, resumes the same way */
	a.s.crashed_primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	sync_start(&a, &b);
	a.s.crashed_primary = false;
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	sync_done(&a, &b);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));

	/* an older disk (full sync), cut: a third disk that went on from a
	 * common past is still a split brain to the source, not a resync */
	disk_init(&c, 3);
	memcpy(c.s.gen, a.s.gen, sizeof(c.s.gen));
	halo_gen_new_current(c.s.gen, fresh());
	halo_gen_new_current(a.s.gen, fresh());
	sync_start(&a, &b);
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, VERDICT(&a, &c));
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
}

TEST(an_ancestor_without_bitmap_needs_a_full_sync)
{
	struct disk a, b, c;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	sync_done(&a, &b);
	c = b;			/* a copy of b as it was */
	halo_gen_new_current(a.s.gen, fresh());
	sync_done(&a, &b);
	halo_gen_new_current(a.s.gen, fresh());
	sync_done(&a, &b);
	/* c's current is two generations back in a's history */
	EXPECT_EQ(HALO_GEN_FULL_SOURCE, VERDICT(&a, &c));
}

TEST(both_writing_alone_is_split_brain)
{
	struct disk a, b;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	sync_done(&a, &b);
	halo_gen_new_current(a.s.gen, fresh());
	halo_gen_new_current(b.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, VERDICT(&a, &b));
	/* a forced promotion of one side does not hide it */
	halo_gen_force(b.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, VERDICT(&a, &b));
}

TEST(independently_forced_disks_are_unrelated)
{
	struct disk a, b;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	halo_gen_force(b.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_UNRELATED, VERDICT(&a, &b));
}

TEST(a_crashed_primary_resyncs_its_activity_log)
{
	struct disk a, b;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	sync_done(&a, &b);
	a.s.crashed_primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	/* but the node that is primary now wins */
	b.s.primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
	/* two crashed primaries, both secondary now: the lower id */
	b.s.primary = false;
	b.s.crashed_primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
}

/* Online verify marked blocks on both, the data the same (rule 44). */
TEST(blocks_verify_marked_go_from_the_primary)
{
	struct disk a, b;
	int rule;

	disk_init(&a, 1);
	disk_init(&b, 2);
	halo_gen_force(a.s.gen, fresh());
	sync_done(&a, &b);
	EXPECT_EQ(HALO_GEN_NONE, VERDICT(&a, &b));
	a.s.changes = b.s.changes = 1;
	/* two secondaries: the lower id */
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, VERDICT(&a, &b));
	halo_gen_compare(&a.s, &b.s, &rule);
	EXPECT_EQ(44, rule);
	/* the primary, whichever id it has */
	b.s.primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
	/* marked on one side only: the same */
	a.s.changes = 0;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
	b.s.changes = 0;
	a.s.changes = 5;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
	/* a crashed primary still decides first (rule 41) */
	b.s.primary = false;
	b.s.crashed_primary = true;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, VERDICT(&a, &b));
}

/* Every pair of small generation sets gets mirrored verdicts. */
TEST(every_pair_is_decided_the_same_from_both_sides)
{
	static const u64 vals[] = { 0, 0x10, 0x20, 0x30 };
	struct disk a, b;
	unsigned int i, j, n = 1;
	int k;

	for (k = 0; k < HALO_MD_GEN_COUNT * 2; k++)
		n *= 4;
	for (i = 0; i < n; i += 7) {
		for (j = 0; j < 4; j++) {
			unsigned int x = i;

			disk_init(&a, 1);
			disk_init(&b, 2);
			for (k = 0; k < HALO_MD_GEN_COUNT; k++, x /= 4)
				a.s.gen[k] = vals[x % 4];
			for (k = 0; k < HALO_MD_GEN_COUNT; k++, x /= 4)
				b.s.gen[k] = vals[x % 4];
			a.s.crashed_primary = j & 1;
			b.s.crashed_primary = j & 2;
			VERDICT(&a, &b);
			a.s.changes = j;
			b.s.primary = j & 1;
			VERDICT(&a, &b);
		}
	}
}

/*
 * A textbook split brain: a (node 1) was primary, lost b, wrote @ca
 * blocks; b (node 2) was promoted during the split and wrote @cb. Both
 * bitmaps start at the common current.
 */
static void split(struct disk *a, struct disk *b, u64 ca, u64 cb)
{
	disk_init(a, 1);
	disk_init(b, 2);
	halo_gen_force(a->s.gen, fresh());
	sync_done(a, b);
	halo_gen_new_current(a->s.gen, fresh());
	a->s.older_primary = true;
	a->s.changes = ca;
	halo_gen_new_current(b->s.gen, fresh());
	b->s.changes = cb;
}

/* a's resolution of the split under @pol, checked against b's mirror */
static enum halo_gen_verdict resolve(struct __test_metadata *_metadata,
				     struct disk *a, struct disk *b,
				     u8 p0, u8 p1, u8 p2, const char **how)
{
	struct halo_gen_sb_policy pol = { .pri = { p0, p1, p2 } };
	enum halo_gen_verdict va, vb;
	const char *hb;
	int ra, rb;

	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, halo_gen_compare(&a->s, &b->s, &ra));
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, halo_gen_compare(&b->s, &a->s, &rb));
	va = halo_gen_split_brain(&a->s, &b->s, ra, &pol, how);
	vb = halo_gen_split_brain(&b->s, &a->s, rb, &pol, &hb);
	EXPECT_EQ(halo_gen_mirror(va), vb)
		TH_LOG("%s (%s) vs %s (%s)", halo_gen_verdict_name(va), *how,
		       halo_gen_verdict_name(vb), hb);
	return va;
}

#define RESOLVE(p0, p1, p2) resolve(_metadata, &a, &b, p0, p1, p2, &how)
#define SB(x) HALO_BLK_AFTER_SB_##x

TEST(split_brain_0pri_policies_pick_the_documented_survivor)
{
	const char *how;
	struct disk a, b;

	split(&a, &b, 10, 500);
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(SB(DISCONNECT), 0, 0));
	/* a was primary before the split: the older one */
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, RESOLVE(SB(DISCARD_YOUNGER_PRIMARY), 0, 0));
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, RESOLVE(SB(DISCARD_OLDER_PRIMARY), 0, 0));
	/* a changed fewer blocks */
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, RESOLVE(SB(DISCARD_LEAST_CHANGES), 0, 0));
	/* both changed: zero-changes does not decide */
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(SB(DISCARD_ZERO_CHANGES), 0, 0));
	EXPECT_STREQ("both nodes changed data", how);
	split(&a, &b, 10, 0);
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, RESOLVE(SB(DISCARD_ZERO_CHANGES), 0, 0));
	split(&a, &b, 0, 0);
	/* neither changed anything: the higher node id is discarded */
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, RESOLVE(SB(DISCARD_ZERO_CHANGES), 0, 0));
	split(&a, &b, 7, 7);
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, RESOLVE(SB(DISCARD_LEAST_CHANGES), 0, 0));
	/* both promoted during the split: younger/older fall back to changes */
	split(&a, &b, 3, 9);
	a.s.older_primary = false;
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, RESOLVE(SB(DISCARD_YOUNGER_PRIMARY), 0, 0));
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, RESOLVE(SB(DISCARD_OLDER_PRIMARY), 0, 0));
}

TEST(split_brain_1pri_and_2pri_never_discard_a_primary)
{
	const char *how;
	struct disk a, b;

	split(&a, &b, 10, 500);
	b.s.primary = true;
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(0, SB(DISCONNECT), 0));
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET, RESOLVE(0, SB(DISCARD_SECONDARY), 0));
	/* consensus: only if after-sb-0pri discards the secondary too */
	EXPECT_EQ(HALO_GEN_BITMAP_TARGET,
		  RESOLVE(SB(DISCARD_LEAST_CHANGES), SB(CONSENSUS), 0));
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN,
		  RESOLVE(SB(DISCARD_YOUNGER_PRIMARY), SB(CONSENSUS), 0));
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(SB(DISCONNECT), SB(CONSENSUS), 0));
	/* 0pri policies do not apply with a primary */
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(SB(DISCARD_LEAST_CHANGES), 0, 0));
	a.s.primary = true;
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN,
		  RESOLVE(SB(DISCARD_LEAST_CHANGES), SB(DISCARD_SECONDARY), 0));
}

TEST(discard_my_data_decides_any_split_brain)
{
	const char *how;
	struct disk a, b;

	split(&a, &b, 10, 500);
	b.s.discard_my_data = true;
	/* over an automatic policy that would pick the other way */
	EXPECT_EQ(HALO_GEN_BITMAP_SOURCE, RESOLVE(SB(DISCARD_LEAST_CHANGES), 0, 0));
	EXPECT_STREQ("discard-my-data", how);
	a.s.discard_my_data = true;
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(0, 0, 0));
	a.s.discard_my_data = false;
	/* a primary's data is not thrown away */
	b.s.primary = true;
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(0, 0, 0));
	EXPECT_STREQ("the node to discard is primary", how);
	/* no common bitmap start (one side was forced too): a full sync */
	split(&a, &b, 10, 500);
	halo_gen_force(b.s.gen, fresh());
	EXPECT_EQ(HALO_GEN_SPLIT_BRAIN, RESOLVE(SB(DISCARD_LEAST_CHANGES), 0, 0));
	a.s.discard_my_data = true;
	EXPECT_EQ(HALO_GEN_FULL_TARGET, RESOLVE(0, 0, 0));
}

TEST(policies_are_checked_per_primary_count)
{
	EXPECT_TRUE(halo_gen_sb_policy_ok(0, SB(DISCARD_LEAST_CHANGES)));
	EXPECT_FALSE(halo_gen_sb_policy_ok(0, SB(CONSENSUS)));
	EXPECT_TRUE(halo_gen_sb_policy_ok(1, SB(DISCARD_SECONDARY)));
	EXPECT_FALSE(halo_gen_sb_policy_ok(1, SB(DISCARD_ZERO_CHANGES)));
	EXPECT_TRUE(halo_gen_sb_policy_ok(2, SB(DISCONNECT)));
	EXPECT_FALSE(halo_gen_sb_policy_ok(2, SB(DISCARD_SECONDARY)));
	EXPECT_FALSE(halo_gen_sb_policy_ok(0, 99));
}

TEST_HARNESS_MAIN
