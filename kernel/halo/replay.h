/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_REPLAY_H
#define _HALO_REPLAY_H

#include "../pure.h"

/*
 * The bitmap has HALO_REPLAY_WORDS 64-bit words; packets may arrive out of
 * order by up to HALO_REPLAY_WINDOW sequence numbers (several links with
 * different delays reorder them). One word is kept out of the window, as
 * RFC 6479 does, so the oldest word never aliases the newest.
 */
#define HALO_REPLAY_WORDS	16
#define HALO_REPLAY_WINDOW	((HALO_REPLAY_WORDS - 1) * 64)

/* Replay state for one peer; the caller serialises access. */
struct halo_replay {
	u64 incarnation;	/* the peer instance the window belongs to */
	u64 top;		/* highest sequence number accepted */
	u64 bits[HALO_REPLAY_WORDS];
	bool started;
};

enum halo_replay_verdict {
	HALO_REPLAY_OK,
	HALO_REPLAY_DUPLICATE,	/* seen before */
	HALO_REPLAY_TOO_OLD,	/* below the window */
	HALO_REPLAY_STALE_INCARNATION,	/* from a peer instance we outlived */
};

void halo_replay_init(struct halo_replay *r);
enum halo_replay_verdict halo_replay_check(struct halo_replay *r,
					   u64 incarnation, u64 seq);

#endif /* _HALO_REPLAY_H */
