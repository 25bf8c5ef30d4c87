// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Replay protection for authenticated packets: a sliding window over each
 * peer's sequence numbers, in the manner of RFC 6479 and WireGuard's
 * counter_validate(). Call it only after the packet's MAC has verified,
 * so that forged packets cannot move the window.
 *
 * A peer instance that restarts begins again at sequence 0 with a higher
 * incarnation (its creation time); an authenticated packet with a higher
 * incarnation opens a new window, one with a lower incarnation is a replay
 * of a previous instance's traffic.
 *
 * Pure logic: compiled into halo.ko and into the host unit lane.
 */

#include "replay.h"

void halo_replay_init(struct halo_replay *r)
{
	*r = (struct halo_replay){ 0 };
}

static void halo_replay_clear_word(struct halo_replay *r, u64 word)
{
	r->bits[word % HALO_REPLAY_WORDS] = 0;
}

enum halo_replay_verdict halo_replay_check(struct halo_replay *r,
					   u64 incarnation, u64 seq)
{
	u64 word, top_word, i, bit;

	if (r->started && incarnation < r->incarnation)
		return HALO_REPLAY_STALE_INCARNATION;
	if (!r->started || incarnation > r->incarnation) {
		halo_replay_init(r);
		r->started = true;
		r->incarnation = incarnation;
		r->top = seq;
		r->bits[(seq / 64) % HALO_REPLAY_WORDS] = 1ULL << (seq % 64);
		return HALO_REPLAY_OK;
	}

	if (seq < r->top && r->top - seq >= HALO_REPLAY_WINDOW)
		return HALO_REPLAY_TOO_OLD;

	word = seq / 64;
	if (seq > r->top) {
		/* Slide: clear the words between the old top and seq. */
		top_word = r->top / 64;
		if (word - top_word >= HALO_REPLAY_WORDS) {
			for (i = 0; i < HALO_REPLAY_WORDS; i++)
				r->bits[i] = 0;
		} else {
			for (i = top_word + 1; i <= word; i++)
				halo_replay_clear_word(r, i);
		}
		r->top = seq;
	}

	bit = 1ULL << (seq % 64);
	if (r->bits[word % HALO_REPLAY_WORDS] & bit)
		return HALO_REPLAY_DUPLICATE;
	r->bits[word % HALO_REPLAY_WORDS] |= bit;
	return HALO_REPLAY_OK;
}
