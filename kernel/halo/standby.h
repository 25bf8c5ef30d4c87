/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Node standby, carried cluster-wide (Documentation/membership.rst,
 * "Standby"). Every node keeps, for each node id, the last word said about
 * it: on or off, stamped with a version and the id of the node that said
 * it. A word replaces another only if its stamp is greater (version, then
 * sayer), so the register converges whatever order words arrive in, and
 * words about different nodes never undo one another.
 *
 * Versions are hybrid clocks: the wall clock in nanoseconds, but always
 * above every version this node has seen. So the operator's latest word
 * wins when the clocks are roughly in step, and a word said after another
 * was heard wins whatever the clocks say.
 *
 * The STANDBY payload: a 4-byte header (count, big-endian u16; 2 bytes
 * reserved, 0) and count entries of 17 bytes: node id (u32), version
 * (u64), sayer (u32), flags (u8: bit 0 on, others reserved 0).
 */
#ifndef _HALO_STANDBY_H
#define _HALO_STANDBY_H

#include "../pure.h"

#define HALO_STANDBY_MAX	64	/* as many as there are node slots */
#define HALO_STANDBY_HDR	4
#define HALO_STANDBY_ENTRY	17
#define HALO_STANDBY_ON		BIT(0)

struct halo_standby_word {
	u32 node;
	u32 sayer;
	u64 version;
	bool on;
};

/* The caller serialises access. */
struct halo_standby {
	u64 clock;		/* the highest version seen or given */
	unsigned int n;
	struct halo_standby_word w[HALO_STANDBY_MAX];
};

void halo_standby_init(struct halo_standby *s);
/* Is @node in standby (by the last word about it)? */
bool halo_standby_on(const struct halo_standby *s, u32 node);
/*
 * This node (@sayer) says @node is or is not in standby, at wall-clock
 * @now_ns: 1 if that changes whether @node is in standby, 0 if not,
 * -ENOSPC if the register is full.
 */
int halo_standby_set(struct halo_standby *s, u32 node, u32 sayer, bool on,
		     u64 now_ns);
/*
 * Merge a word heard from another node: 1 if whether its node is in
 * standby changed, 0 if not (an older word is ignored), -ENOSPC if full.
 */
int halo_standby_merge(struct halo_standby *s, const struct halo_standby_word *w);
/* @node left the configuration: forget what was said about it. */
void halo_standby_forget(struct halo_standby *s, u32 node);
/*
 * Does a node that sent @w[0..n-1] lack a word we have, or hold an older
 * one? Then it is behind, and is sent ours.
 */
bool halo_standby_behind(const struct halo_standby *s,
			 const struct halo_standby_word *w, unsigned int n);

size_t halo_standby_put(const struct halo_standby *s, u8 *buf, size_t size);
/*
 * Parse a STANDBY payload into @w (room for HALO_STANDBY_MAX): the number
 * of words, or -EINVAL if it is malformed (length, reserved bits, node 0,
 * a node twice, more entries than fit).
 */
int halo_standby_parse(const u8 *buf, size_t len, struct halo_standby_word *w);

#endif /* _HALO_STANDBY_H */
