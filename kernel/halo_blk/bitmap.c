// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The out-of-sync bitmap (bitmap.h). Pure: compiled into halo_blk.ko and
 * into the host unit lane.
 */

#include "bitmap.h"

#ifdef __KERNEL__
#include <linux/bitops.h>
/* the unaligned helpers: compat.h */
#define halo_bm_weight64(x)	hweight64(x)
#define halo_bm_ffs64(x)	__ffs64(x)
#define halo_bm_le64(p)		get_unaligned_le64(p)
#define halo_bm_put_le64(v, p)	put_unaligned_le64(v, p)
#else
#define halo_bm_weight64(x)	((u64)__builtin_popcountll(x))
#define halo_bm_ffs64(x)	((u64)__builtin_ctzll(x))
static inline u64 halo_bm_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void halo_bm_put_le64(u64 v, void *p)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}
#endif

static u64 div_up(u64 n, u64 d)
{
	return (n + d - 1) / d;
}

u64 halo_bm_words(u64 nbits)
{
	return div_up(nbits, 64);
}

u64 halo_bm_dirty_words(u64 nbits)
{
	return div_up(div_up(nbits, HALO_BM_BITS_PER_BLOCK), 64);
}

void halo_bm_init(struct halo_bm *bm, u64 *w, u64 *dirty, u64 nbits)
{
	bm->w = w;
	bm->dirty = dirty;
	bm->nbits = nbits;
	bm->weight = 0;
	bm->nblocks = div_up(nbits, HALO_BM_BITS_PER_BLOCK);
}

static void mark_dirty(struct halo_bm *bm, u64 b)
{
	u64 k = b / HALO_BM_BITS_PER_BLOCK;

	bm->dirty[k / 64] |= 1ULL << (k % 64);
}

/* The mask of bits [@lo, @hi) of one word, 0 <= lo < hi <= 64. */
static u64 mask(unsigned int lo, unsigned int hi)
{
	u64 m = hi == 64 ? ~0ULL : (1ULL << hi) - 1;

	return m & ~((1ULL << lo) - 1);
}

static u64 change(struct halo_bm *bm, u64 start, u64 end, bool set)
{
	u64 n = 0, i, m, old;
	unsigned int lo, hi;

	if (end > bm->nbits)
		end = bm->nbits;
	while (start < end) {
		i = start / 64;
		lo = start % 64;
		hi = end - i * 64 >= 64 ? 64 : end - i * 64;
		m = mask(lo, hi);
		old = bm->w[i];
		bm->w[i] = set ? old | m : old & ~m;
		if (bm->w[i] != old) {
			n += halo_bm_weight64(bm->w[i] ^ old);
			mark_dirty(bm, start);
		}
		start = i * 64 + hi;
	}
	if (set)
		bm->weight += n;
	else
		bm->weight -= n;
	return n;
}

u64 halo_bm_set(struct halo_bm *bm, u64 start, u64 end)
{
	return change(bm, start, end, true);
}

u64 halo_bm_clear(struct halo_bm *bm, u64 start, u64 end)
{
	return change(bm, start, end, false);
}

bool halo_bm_test(const struct halo_bm *bm, u64 b)
{
	return b < bm->nbits && bm->w[b / 64] & (1ULL << (b % 64));
}

/* The first bit at or after @from that is @set, or @limit. */
static u64 find(const u64 *w, u64 from, u64 limit, bool set)
{
	u64 i, v;

	while (from < limit) {
		i = from / 64;
		v = set ? w[i] : ~w[i];
		v &= ~((1ULL << (from % 64)) - 1);
		if (v) {
			from = i * 64 + halo_bm_ffs64(v);
			return from < limit ? from : limit;
		}
		from = (i + 1) * 64;
	}
	return limit;
}

u64 halo_bm_next(const struct halo_bm *bm, u64 from)
{
	return find(bm->w, from, bm->nbits, true);
}

u64 halo_bm_run_end(const struct halo_bm *bm, u64 from, u64 limit)
{
	if (limit > bm->nbits)
		limit = bm->nbits;
	return find(bm->w, from, limit, false);
}

u64 halo_bm_next_dirty(const struct halo_bm *bm, u64 from)
{
	return find(bm->dirty, from, bm->nblocks, true);
}

/* Words of bitmap block @k that exist in memory. */
static u64 block_words(const struct halo_bm *bm, u64 k)
{
	u64 first = k * HALO_BM_WORDS_PER_BLOCK, all = halo_bm_words(bm->nbits);

	return all - first < HALO_BM_WORDS_PER_BLOCK ? all - first :
	       HALO_BM_WORDS_PER_BLOCK;
}

void halo_bm_block_get(struct halo_bm *bm, u64 k, u8 *buf)
{
	u64 i, n = block_words(bm, k);
	const u64 *w = bm->w + k * HALO_BM_WORDS_PER_BLOCK;

	memset(buf, 0, HALO_MD_BLOCK);
	for (i = 0; i < n; i++)
		halo_bm_put_le64(w[i], buf + 8 * i);
	bm->dirty[k / 64] &= ~(1ULL << (k % 64));
}

int halo_bm_block_put(struct halo_bm *bm, u64 k, const u8 *buf, bool merge)
{
	u64 i, v, n, first, last_bits;
	u64 *w;
	bool changed = false;

	if (k >= bm->nblocks)
		return -EINVAL;
	n = block_words(bm, k);
	first = k * HALO_BM_WORDS_PER_BLOCK;
	w = bm->w + first;
	/* nothing past the last data block */
	for (i = n; i < HALO_BM_WORDS_PER_BLOCK; i++)
		if (halo_bm_le64(buf + 8 * i))
			return -EINVAL;
	last_bits = bm->nbits - (first + n - 1) * 64;
	if (last_bits < 64 && halo_bm_le64(buf + 8 * (n - 1)) >> last_bits)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		v = halo_bm_le64(buf + 8 * i);
		if (merge)
			v |= w[i];
		if (v == w[i])
			continue;
		bm->weight += halo_bm_weight64(v) - halo_bm_weight64(w[i]);
		w[i] = v;
		changed = true;
	}
	if (merge && changed)
		bm->dirty[k / 64] |= 1ULL << (k % 64);
	else if (!merge)
		bm->dirty[k / 64] &= ~(1ULL << (k % 64));
	return 0;
}

bool halo_bm_block_any(const struct halo_bm *bm, u64 k)
{
	u64 i, n = block_words(bm, k);
	const u64 *w = bm->w + k * HALO_BM_WORDS_PER_BLOCK;

	for (i = 0; i < n; i++)
		if (w[i])
			return true;
	return false;
}
