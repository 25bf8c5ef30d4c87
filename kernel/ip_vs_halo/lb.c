// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The schedulers' tables (lb.h): smooth weighted round robin, Maglev.
 * Pure: no locking, no allocation; the callers give the memory.
 */

#include "lb.h"

int halo_lb_key_cmp(const struct halo_lb_key *a, const struct halo_lb_key *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static u32 halo_lb_gcd(u32 a, u32 b)
{
	while (b) {
		u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

u32 halo_lb_swrr(const u32 *weight, unsigned int n, u16 *seq, u32 max,
		 struct halo_lb_scratch *s)
{
	s64 *cur = s->cur;
	u32 *w = s->w;
	u64 total = 0, factor;
	unsigned int i, best;
	u32 g = 0, len = 0;

	if (n > HALO_LB_MAX_DESTS || max <= n)
		return 0;
	for (i = 0; i < n; i++) {
		if (weight[i])
			g = halo_lb_gcd(weight[i], g);
	}
	if (!g)
		return 0;
	for (i = 0; i < n; i++) {
		w[i] = weight[i] / g;
		total += w[i];
	}
	if (total > max) {
		/* each at least 1: n more at most, so leave room for them */
		factor = (total + (max - n) - 1) / (max - n);
		total = 0;
		for (i = 0; i < n; i++) {
			if (w[i])
				w[i] = w[i] / factor ? w[i] / factor : 1;
			total += w[i];
		}
	}
	memset(cur, 0, sizeof(cur[0]) * n);
	for (len = 0; len < total; len++) {
		best = n;
		for (i = 0; i < n; i++) {
			if (!w[i])
				continue;
			cur[i] += w[i];
			if (best == n || cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		seq[len] = best;
	}
	return len;
}

/* splitmix64's finaliser */
static u64 halo_lb_mix(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

u64 halo_lb_hash(const void *data, size_t len, u64 seed)
{
	const u8 *p = data;
	u64 h = 0xcbf29ce484222325ULL ^ halo_lb_mix(seed);	/* FNV-1a, then mixed */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return halo_lb_mix(h);
}

/* A key as bytes, the same on any machine: address, port, family, big-endian. */
static void halo_lb_key_bytes(const struct halo_lb_key *k, u8 *b)
{
	memcpy(b, k->addr, 16);
	b[16] = k->port >> 8;
	b[17] = k->port & 0xff;
	b[18] = k->family >> 8;
	b[19] = k->family & 0xff;
}

#define HALO_LB_SEED_OFFSET	1
#define HALO_LB_SEED_SKIP	2
#define HALO_LB_SEED_FLOW	3
#define HALO_LB_MH_TURNS	64	/* a server's turns a round, at most */

unsigned int halo_lb_maglev(const struct halo_lb_key *keys, const u32 *weight,
			    unsigned int n, u16 *table, u32 size,
			    struct halo_lb_scratch *s)
{
	u32 *skip = s->skip, *turns = s->w, *next = s->next;
	u32 g = 0, wmax = 0, filled = 0, c, t;
	unsigned int i, live = 0;
	u8 b[20];

	for (c = 0; c < size; c++)
		table[c] = HALO_LB_NONE;
	if (n > HALO_LB_MAX_DESTS || size < 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (weight[i]) {
			g = halo_lb_gcd(weight[i], g);
			wmax = weight[i] > wmax ? weight[i] : wmax;
		}
	}
	if (!g)
		return 0;
	wmax /= g;
	for (i = 0; i < n; i++) {
		/* turns in proportion to the weights, the largest at most 64 */
		turns[i] = weight[i] / g;
		if (wmax > HALO_LB_MH_TURNS && turns[i]) {
			turns[i] = (u32)((u64)turns[i] * HALO_LB_MH_TURNS / wmax);
			turns[i] = turns[i] ? turns[i] : 1;
		}
		live += !!turns[i];
		halo_lb_key_bytes(&keys[i], b);
		next[i] = halo_lb_hash(b, sizeof(b), HALO_LB_SEED_OFFSET) % size;
		skip[i] = halo_lb_hash(b, sizeof(b), HALO_LB_SEED_SKIP) % (size - 1) + 1;
	}
	/* each permutation is a full cycle of the slots: size is a prime */
	for (;;) {
		for (i = 0; i < n; i++) {
			for (t = 0; t < turns[i]; t++) {
				c = next[i];
				while (table[c] != HALO_LB_NONE)
					c = c + skip[i] >= size ? c + skip[i] - size : c + skip[i];
				table[c] = i;
				next[i] = c + skip[i] >= size ? c + skip[i] - size : c + skip[i];
				if (++filled == size)
					return live;
			}
		}
	}
}

u32 halo_lb_flow_slot(const struct halo_lb_key *flow, u32 size)
{
	u8 b[20];

	halo_lb_key_bytes(flow, b);
	return halo_lb_hash(b, sizeof(b), HALO_LB_SEED_FLOW) % size;
}

u16 halo_lb_mh_pick(const u16 *all, const u16 *live, u32 slot, const bool *ok)
{
	u16 i = all[slot];

	if (i != HALO_LB_NONE && ok[i])
		return i;
	return live ? live[slot] : HALO_LB_NONE;
}
