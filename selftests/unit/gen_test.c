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
		}
	}
}

TEST_HARNESS_MAIN
