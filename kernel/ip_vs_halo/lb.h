/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The schedulers' tables (lb.c): pure logic, built in process context
 * and read by the schedulers, compiled into the host unit lane too.
 */
#ifndef _HALO_LB_H
#define _HALO_LB_H

#include "../pure.h"

/* Real servers in one table, at most (an index is a u16). */
#define HALO_LB_MAX_DESTS	1024
/* A smooth weighted round robin's round, at most (entries). */
#define HALO_LB_WRR_MAX		65536
/* Maglev's table: a prime over 100 times the servers it spreads evenly. */
#define HALO_LB_MH_SIZE		16381
#define HALO_LB_NONE		0xffff

/* A real server as the tables see it: its order is its identity. */
struct halo_lb_key {
	u8 addr[16];		/* IPv4 in the first 4 bytes, the rest 0 */
	u16 port;		/* host order */
	u16 family;		/* AF_INET, AF_INET6 */
};

int halo_lb_key_cmp(const struct halo_lb_key *a, const struct halo_lb_key *b);

/* The builders' working memory (too large for a kernel stack). */
struct halo_lb_scratch {
	s64 cur[HALO_LB_MAX_DESTS];
	u32 w[HALO_LB_MAX_DESTS];
	u32 skip[HALO_LB_MAX_DESTS];
	u32 next[HALO_LB_MAX_DESTS];
};

/*
 * Smooth weighted round robin (nginx's): every pick adds each server's
 * weight to its current value, takes the largest (the first of equals),
 * and takes the round's total weight from it. Weights 2, 3, 4 give
 * C B A C B C A B C: each server its share in every round, without
 * bursts. Fills @seq with one round (server indices), the weights divided
 * by their greatest common divisor first, and scaled down (each at least
 * 1) if the round would be longer than @max. Returns the round's length,
 * 0 if no weight is positive.
 */
u32 halo_lb_swrr(const u32 *weight, unsigned int n, u16 *seq, u32 max,
		 struct halo_lb_scratch *s);

/* A 64-bit hash of @len bytes with @seed, the same in any kernel. */
u64 halo_lb_hash(const void *data, size_t len, u64 seed);

/*
 * Maglev (Eisenbud et al., NSDI 2016), weighted: server i takes weight[i]
 * (divided by the weights' gcd, scaled to at most 64) turns a round at
 * filling @table (@size entries, a prime) with its index, each at its own
 * permutation of the slots, from its key's hash: the same servers (keys)
 * in the same order give the same table on any machine. Servers of
 * weight 0 take no slot. The keys must be sorted (halo_lb_key_cmp), so
 * that the order servers were added in does not matter. Returns the
 * number of servers with slots; the table is all HALO_LB_NONE if 0.
 */
unsigned int halo_lb_maglev(const struct halo_lb_key *keys, const u32 *weight,
			    unsigned int n, u16 *table, u32 size,
			    struct halo_lb_scratch *s);

/* The slot of a flow from @addr (and @port, if used) in a table of @size. */
u32 halo_lb_flow_slot(const struct halo_lb_key *flow, u32 size);

/*
 * halo_mh's choice for @slot: the server of the table of every server
 * (@all), if @ok says it may be chosen; else the server of the table of
 * those that may (@live, NULL if none may). So a flow whose server stays
 * keeps it, whoever else leaves or comes back; only the flows of a server
 * that left move, spread over the others. HALO_LB_NONE: no server.
 */
u16 halo_lb_mh_pick(const u16 *all, const u16 *live, u32 slot, const bool *ok);

#endif /* _HALO_LB_H */
