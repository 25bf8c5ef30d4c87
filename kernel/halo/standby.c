// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The standby register (standby.h): last word wins, per node id.
 *
 * Pure logic: compiled into halo.ko and into the host unit lane.
 */

#include "standby.h"

void halo_standby_init(struct halo_standby *s)
{
	memset(s, 0, sizeof(*s));
}

static int halo_standby_find(const struct halo_standby *s, u32 node)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->w[i].node == node)
			return i;
	return -1;
}

bool halo_standby_on(const struct halo_standby *s, u32 node)
{
	int i = halo_standby_find(s, node);

	return i >= 0 && s->w[i].on;
}

/* Is word @a's stamp greater than @b's? */
static bool halo_standby_newer(const struct halo_standby_word *a,
			       const struct halo_standby_word *b)
{
	return a->version > b->version ||
	       (a->version == b->version && a->sayer > b->sayer);
}

static int halo_standby_store(struct halo_standby *s,
			      const struct halo_standby_word *w)
{
	int i = halo_standby_find(s, w->node);
	bool was = false;

	if (w->version > s->clock)
		s->clock = w->version;
	if (i < 0) {
		if (s->n >= HALO_STANDBY_MAX)
			return -ENOSPC;
		i = s->n++;
	} else {
		if (!halo_standby_newer(w, &s->w[i]))
			return 0;
		was = s->w[i].on;
	}
	s->w[i] = *w;
	return was != w->on;
}

int halo_standby_set(struct halo_standby *s, u32 node, u32 sayer, bool on,
		     u64 now_ns)
{
	struct halo_standby_word w = {
		.node = node,
		.sayer = sayer,
		.version = now_ns > s->clock ? now_ns : s->clock + 1,
		.on = on,
	};

	return halo_standby_store(s, &w);
}

int halo_standby_merge(struct halo_standby *s, const struct halo_standby_word *w)
{
	return halo_standby_store(s, w);
}

void halo_standby_forget(struct halo_standby *s, u32 node)
{
	int i = halo_standby_find(s, node);

	if (i >= 0)
		s->w[i] = s->w[--s->n];
}

bool halo_standby_behind(const struct halo_standby *s,
			 const struct halo_standby_word *w, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < n; j++)
			if (w[j].node == s->w[i].node)
				break;
		if (j == n || halo_standby_newer(&s->w[i], &w[j]))
			return true;
	}
	return false;
}

size_t halo_standby_put(const struct halo_standby *s, u8 *buf, size_t size)
{
	size_t off = HALO_STANDBY_HDR;
	unsigned int i;

	if (size < HALO_STANDBY_HDR + (size_t)s->n * HALO_STANDBY_ENTRY)
		return 0;
	put_unaligned_be16(s->n, buf);
	put_unaligned_be16(0, buf + 2);
	for (i = 0; i < s->n; i++) {
		put_unaligned_be32(s->w[i].node, buf + off);
		put_unaligned_be64(s->w[i].version, buf + off + 4);
		put_unaligned_be32(s->w[i].sayer, buf + off + 12);
		buf[off + 16] = s->w[i].on ? HALO_STANDBY_ON : 0;
		off += HALO_STANDBY_ENTRY;
	}
	return off;
}

int halo_standby_parse(const u8 *buf, size_t len, struct halo_standby_word *w)
{
	unsigned int n, i, j;
	size_t off = HALO_STANDBY_HDR;

	if (len < HALO_STANDBY_HDR)
		return -EINVAL;
	n = get_unaligned_be16(buf);
	if (get_unaligned_be16(buf + 2) || n > HALO_STANDBY_MAX ||
	    len != HALO_STANDBY_HDR + (size_t)n * HALO_STANDBY_ENTRY)
		return -EINVAL;
	for (i = 0; i < n; i++, off += HALO_STANDBY_ENTRY) {
		w[i].node = get_unaligned_be32(buf + off);
		w[i].version = get_unaligned_be64(buf + off + 4);
		w[i].sayer = get_unaligned_be32(buf + off + 12);
		if (!w[i].node || !w[i].sayer || buf[off + 16] & ~HALO_STANDBY_ON)
			return -EINVAL;
		w[i].on = buf[off + 16] & HALO_STANDBY_ON;
		for (j = 0; j < i; j++)
			if (w[j].node == w[i].node)
				return -EINVAL;
	}
	return n;
}
