// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Failure detection and view agreement (Documentation/membership.rst).
 *
 * Evidence. A node is alive while the local node heard it within the
 * timeout, or while a node the local node hears directly reports (in its
 * heartbeat's reception vector) having heard it within the timeout. Only
 * direct receptions are reported, so evidence never circulates after the
 * node it is about has gone.
 *
 * Agreement. The coordinator, the lowest node id alive, proposes its alive
 * set with an epoch above every epoch it has seen; each proposed member
 * acknowledges if it also considers every proposed member alive, else
 * answers with its own alive set; on every acknowledgment the coordinator
 * commits and every member installs. A node relays an agreement message to
 * a node whose heartbeats say it does not hear the message's origin, so
 * that members connected only through a third node still agree.
 *
 * Pure logic: compiled into halo.ko and into the host unit lane.
 */

#include "membership.h"

#define ALL_SLOTS	(~0ULL)
#define SLOT(i)		(1ULL << (i))

void halo_mb_init(struct halo_mb *mb, u32 self_id, u32 interval_ms,
		  u32 timeout_ms)
{
	memset(mb, 0, sizeof(*mb));
	mb->self_id = self_id;
	mb->self = -1;
	mb->interval_ms = interval_ms;
	mb->timeout_ms = timeout_ms;
	mb->view.coord = self_id;
}

int halo_mb_slot(const struct halo_mb *mb, u32 id)
{
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (mb->node[i].used && mb->node[i].id == id)
			return i;
	return -1;
}

/* Returns the new node's slot, or -1 when every slot is taken. */
int halo_mb_node_add(struct halo_mb *mb, u32 id, u32 votes, u64 now_ms)
{
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (mb->node[i].used)
			continue;
		memset(&mb->node[i], 0, sizeof(mb->node[i]));
		mb->node[i].used = true;
		mb->node[i].id = id;
		mb->node[i].votes = votes;
		if (id == mb->self_id) {
			mb->self = i;
			mb->view.members = SLOT(i);
			mb->view.coord = id;
			mb->view_since_ms = now_ms;
		}
		return i;
	}
	return -1;
}

static u64 configured(const struct halo_mb *mb)
{
	u64 set = 0;
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (mb->node[i].used)
			set |= SLOT(i);
	return set;
}

static void install(struct halo_mb *mb, u64 epoch, u32 coord, u64 members,
		    u64 now_ms, struct halo_mb_out *out)
{
	u64 left = mb->view.members & ~members;
	int i;

	/* left only through configuration, as far as this node knows */
	mb->view_unnamed = true;
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (members & SLOT(i))
			mb->node[i].unnamed = false;
		else if ((left & SLOT(i)) && mb->node[i].used &&
			 !mb->node[i].unnamed)
			mb->view_unnamed = false;
	}
	if (!out->installed)
		out->old_members = mb->view.members;
	out->installed = true;
	mb->view.epoch = epoch;
	mb->view.coord = coord;
	mb->view.members = members;
	mb->view_since_ms = now_ms;
	if (epoch > mb->max_epoch)
		mb->max_epoch = epoch;
}

/*
 * Forget @slot everywhere. A view holding it can no longer be represented
 * here: a new one without it is installed at once, locally, under a new
 * epoch; the rest of the view follows through the coordinator (which sees
 * this node's epoch ahead of its own, or is this node and commits it).
 */
void halo_mb_node_del(struct halo_mb *mb, int slot, u64 now_ms,
		      struct halo_mb_out *out)
{
	bool member = mb->view.members & SLOT(slot);
	int i;

	if (slot == mb->self) {
		/* Without the local node there is no view to keep. */
		mb->self = -1;
		mb->proposing = false;
		mb->view.members = 0;
		member = false;
	}
	mb->node[slot].used = false;
	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		mb->node[i].rep_ms[slot] = 0;
	mb->prop.members &= ~SLOT(slot);
	mb->prop_acked &= ~SLOT(slot);
	mb->promised.members &= ~SLOT(slot);
	if (member) {
		u64 epoch = mb->max_epoch > mb->view.epoch ? mb->max_epoch :
							     mb->view.epoch;

		mb->proposing = false;
		install(mb, epoch + 1, mb->self_id,
			mb->view.members & ~SLOT(slot), now_ms, out);
	} else {
		mb->view.members &= ~SLOT(slot);
	}
}

static bool fresh(u64 t, u64 now_ms, u32 window_ms)
{
	return t && t <= now_ms && now_ms - t < window_ms;
}

/*
 * @heard plus the local node and every node that a member of @heard
 * reports hearing within @window_ms: evidence one hop deep.
 */
static u64 add_reported(const struct halo_mb *mb, u64 heard, u64 now_ms,
			u32 window_ms)
{
	u64 set = heard | SLOT(mb->self);
	int i, r;

	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (!mb->node[i].used || (set & SLOT(i)))
			continue;
		for (r = 0; r < HALO_MB_MAX_NODES; r++) {
			if ((heard & SLOT(r)) &&
			    fresh(mb->node[r].rep_ms[i], now_ms, window_ms)) {
				set |= SLOT(i);
				break;
			}
		}
	}
	return set;
}

/* Nodes with evidence younger than @window_ms: the timeout for liveness. */
u64 halo_mb_alive(const struct halo_mb *mb, u64 now_ms, u32 window_ms)
{
	u64 direct = 0;
	int i;

	if (mb->self < 0)
		return 0;
	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (mb->node[i].used && i != mb->self &&
		    fresh(mb->node[i].heard_ms, now_ms, window_ms))
			direct |= SLOT(i);
	return add_reported(mb, direct, now_ms, window_ms);
}

void halo_mb_heard(struct halo_mb *mb, int slot, u64 now_ms)
{
	struct halo_mb_node *n = &mb->node[slot];

	if (!fresh(n->heard_ms, now_ms, mb->timeout_ms))
		n->heard_since_ms = now_ms;
	n->heard_ms = now_ms;
}

static u32 lowest_id(const struct halo_mb *mb, u64 set)
{
	u32 id = 0;
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if ((set & SLOT(i)) && (!id || mb->node[i].id < id))
			id = mb->node[i].id;
	return id;
}

/*
 * Heartbeat payload:
 *    0  8  epoch of the sender's view
 *    8  4  coordinator of that view
 *   12  8  tx_ns, 20 8 echo_ns, 28 4 hold_us (struct halo_mb_echo)
 *   32  2  heartbeat counter, per destination and link (loss accounting)
 *   34  2  count
 *   36     count x (node id 4, ms since heard directly 2; 0xffff: never
 *          or longer ago than that)
 */
size_t halo_mb_put_heartbeat(const struct halo_mb *mb, u64 now_ms,
			     const struct halo_mb_echo *echo, u8 *buf,
			     size_t size)
{
	size_t off = HALO_MB_HB_HDR;
	u16 count = 0;
	u64 age;
	int i;

	if (size < HALO_MB_HB_HDR + HALO_MB_MAX_NODES * HALO_MB_HB_ENTRY)
		return 0;
	put_unaligned_be64(mb->view.epoch, buf);
	put_unaligned_be32(mb->view.coord, buf + 8);
	put_unaligned_be64(echo->tx_ns, buf + 12);
	put_unaligned_be64(echo->echo_ns, buf + 20);
	put_unaligned_be32(echo->hold_us, buf + 28);
	put_unaligned_be16(echo->hb_seq, buf + 32);
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		const struct halo_mb_node *n = &mb->node[i];

		if (!n->used || i == mb->self)
			continue;
		age = HALO_MB_AGE_NEVER;
		if (n->heard_ms && n->heard_ms <= now_ms &&
		    now_ms - n->heard_ms < HALO_MB_AGE_NEVER)
			age = now_ms - n->heard_ms;
		put_unaligned_be32(n->id, buf + off);
		put_unaligned_be16(age, buf + off + 4);
		off += HALO_MB_HB_ENTRY;
		count++;
	}
	put_unaligned_be16(count, buf + 34);
	return off;
}

/*
 * A heartbeat from @slot, authenticated, read at @now_ms, had arrived in
 * the local socket at @at_ms (@now_ms if the caller cannot tell). Ids the local
 * configuration does not know are skipped (configurations may differ for a
 * moment while nodes are added). Returns false if the payload is malformed;
 * then nothing was changed.
 */
bool halo_mb_rx_heartbeat(struct halo_mb *mb, int slot, u64 now_ms,
			  u64 at_ms, const u8 *buf, size_t len,
			  struct halo_mb_echo *echo)
{
	struct halo_mb_node *n = &mb->node[slot];
	size_t count, off;
	int j;

	if (len < HALO_MB_HB_HDR)
		return false;
	count = get_unaligned_be16(buf + 34);
	if (count > HALO_MB_MAX_NODES ||
	    len != HALO_MB_HB_HDR + count * HALO_MB_HB_ENTRY)
		return false;

	n->hb_epoch = get_unaligned_be64(buf);
	if (n->hb_epoch > mb->max_epoch)
		mb->max_epoch = n->hb_epoch;
	echo->tx_ns = get_unaligned_be64(buf + 12);
	echo->echo_ns = get_unaligned_be64(buf + 20);
	echo->hold_us = get_unaligned_be32(buf + 28);
	echo->hb_seq = get_unaligned_be16(buf + 32);

	for (j = 0; j < HALO_MB_MAX_NODES; j++)
		n->rep_ms[j] = 0;
	n->lease_ms = 0;
	for (off = HALO_MB_HB_HDR; off < len; off += HALO_MB_HB_ENTRY) {
		u32 age = get_unaligned_be16(buf + off + 4);

		j = halo_mb_slot(mb, get_unaligned_be32(buf + off));
		if (j < 0 || j == slot || age == HALO_MB_AGE_NEVER ||
		    age > now_ms)
			continue;
		n->rep_ms[j] = now_ms - age;
		if (j == mb->self)
			n->lease_ms = age <= at_ms ? at_ms - age : 0;
	}
	return true;
}

/*
 * Agreement payload:
 *    0  4  origin (the node that wrote it; relays keep it)
 *    4  4  coordinator
 *    8  8  epoch
 *   16  2  count
 *   18  2  flags: HALO_MB_F_* on a NACK or COMMIT, else 0
 *   20     count node ids: the proposed or committed view, or for a NACK
 *          the origin's alive set
 */
size_t halo_mb_put_agree(const struct halo_mb *mb, const struct halo_mb_msg *msg,
			 u8 *buf, size_t size)
{
	size_t off = HALO_MB_AGREE_HDR;
	u16 count = 0;
	int i;

	if (size < HALO_MB_AGREE_HDR + HALO_MB_MAX_NODES * 4)
		return 0;
	put_unaligned_be32(msg->origin, buf);
	put_unaligned_be32(msg->coord, buf + 4);
	put_unaligned_be64(msg->epoch, buf + 8);
	put_unaligned_be16(msg->kind == HALO_MB_NACK ||
			   msg->kind == HALO_MB_COMMIT ? msg->flags : 0, buf + 18);
	if (msg->kind != HALO_MB_ACK) {
		for (i = 0; i < HALO_MB_MAX_NODES; i++) {
			if (!(msg->members & SLOT(i)) || !mb->node[i].used)
				continue;
			put_unaligned_be32(mb->node[i].id, buf + off);
			off += 4;
			count++;
		}
	}
	put_unaligned_be16(count, buf + 16);
	return off;
}

/*
 * Decode an agreement payload. Ids this configuration does not know are
 * left out of msg->members and noted in msg->unnamed: a node being added
 * or deleted cluster-wide is known to some members before the others, and
 * their messages must still be understood (a proposal naming such a node
 * is refused with a NACK saying why, see rx_propose).
 */
bool halo_mb_parse_agree(const struct halo_mb *mb, enum halo_mb_kind kind,
			 const u8 *buf, size_t len, struct halo_mb_msg *msg)
{
	size_t count, off;
	u32 id;
	int j;

	if (len < HALO_MB_AGREE_HDR)
		return false;
	count = get_unaligned_be16(buf + 16);
	if (count > HALO_MB_MAX_NODES || len != HALO_MB_AGREE_HDR + count * 4)
		return false;
	if ((kind == HALO_MB_ACK && count) || (kind != HALO_MB_ACK && !count))
		return false;

	msg->kind = kind;
	msg->origin = get_unaligned_be32(buf);
	msg->coord = get_unaligned_be32(buf + 4);
	msg->epoch = get_unaligned_be64(buf + 8);
	msg->flags = get_unaligned_be16(buf + 18);
	msg->members = 0;
	msg->unnamed = false;
	if (!msg->origin || !msg->coord || !msg->epoch)
		return false;
	if (msg->flags & ~(kind == HALO_MB_NACK || kind == HALO_MB_COMMIT ?
			   HALO_MB_F_UNNAMED : 0))
		return false;
	for (off = HALO_MB_AGREE_HDR; off < len; off += 4) {
		id = get_unaligned_be32(buf + off);
		if (!id)
			return false;
		j = halo_mb_slot(mb, id);
		if (j < 0)
			msg->unnamed = true;
		else
			msg->members |= SLOT(j);
	}
	return true;
}

static void propose(struct halo_mb *mb, u64 members, u64 now_ms,
		    struct halo_mb_out *out)
{
	u64 epoch = mb->max_epoch;

	if (mb->view.epoch > epoch)
		epoch = mb->view.epoch;
	if (mb->promised.epoch > epoch)
		epoch = mb->promised.epoch;
	epoch++;
	mb->max_epoch = epoch;

	members |= SLOT(mb->self);
	if (members == SLOT(mb->self)) {
		/* Alone: nobody to ask. */
		mb->proposing = false;
		install(mb, epoch, mb->self_id, members, now_ms, out);
		return;
	}
	mb->proposing = true;
	mb->prop.epoch = epoch;
	mb->prop.coord = mb->self_id;
	mb->prop.members = members;
	mb->prop_acked = SLOT(mb->self);
	mb->prop_started_ms = now_ms;
	mb->prop_sent_ms = now_ms;
	out->propose_to |= members & ~SLOT(mb->self);
}

static void exclude(struct halo_mb *mb, u64 set, u64 now_ms)
{
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (set & SLOT(i))
			mb->node[i].excluded_until_ms = now_ms + 2 * mb->timeout_ms;
}

/*
 * Nodes left out because a member is not configured with them: an
 * administrator adding or deleting a node one machine at a time, not a
 * failure. Cleared when a view holding the node is installed.
 */
static void mark_unnamed(struct halo_mb *mb, u64 set)
{
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if (set & SLOT(i))
			mb->node[i].unnamed = true;
}

/*
 * Relay a message from @origin, received from @from, to the nodes the local
 * node hears that do not report hearing @origin: they may be connected to
 * the origin only through this node. An answer is relayed to the
 * coordinator only. A relay is repeated at most once an interval per
 * origin, kind and epoch.
 */
static void relay(struct halo_mb *mb, int from, int origin,
		  const struct halo_mb_msg *msg, u64 now_ms,
		  struct halo_mb_out *out)
{
	struct halo_mb_node *o = &mb->node[origin];
	u64 to = 0;
	int k, only = -1;

	if (o->fwd_epoch[msg->kind] == msg->epoch &&
	    now_ms - o->fwd_ms[msg->kind] < mb->interval_ms)
		return;
	/*
	 * An origin heard again only just now (it rejoined) is not yet in
	 * anyone's reception vector: every node would relay it to every
	 * other. Wait until the vectors had two intervals to show it; the
	 * coordinator retransmits meanwhile.
	 */
	if (from == origin &&
	    now_ms - o->heard_since_ms < 2 * mb->interval_ms)
		return;
	/* an answer is for the coordinator alone */
	if (msg->kind == HALO_MB_ACK || msg->kind == HALO_MB_NACK)
		only = halo_mb_slot(mb, msg->coord);
	for (k = 0; k < HALO_MB_MAX_NODES; k++) {
		const struct halo_mb_node *n = &mb->node[k];

		if (!n->used || k == mb->self || k == from || k == origin ||
		    (only >= 0 && k != only))
			continue;
		if (fresh(n->heard_ms, now_ms, mb->timeout_ms) &&
		    !fresh(n->rep_ms[origin], now_ms, mb->timeout_ms / 2))
			to |= SLOT(k);
	}
	if (to) {
		o->fwd_epoch[msg->kind] = msg->epoch;
		o->fwd_ms[msg->kind] = now_ms;
		out->relay_to |= to;
	}
}

static void rx_propose(struct halo_mb *mb, int origin,
		       const struct halo_mb_msg *msg, u64 now_ms,
		       struct halo_mb_out *out)
{
	u64 alive = halo_mb_alive(mb, now_ms, mb->timeout_ms), to;

	if (msg->coord != msg->origin || !(msg->members & SLOT(mb->self)) ||
	    !(msg->members & SLOT(origin)) || msg->epoch <= mb->view.epoch)
		return;
	/*
	 * Only the coordinator uses the answer. It goes to the coordinator
	 * alone while the coordinator's heartbeats say it hears this node;
	 * otherwise to every proposed member, so that one that hears both
	 * relays it (to the coordinator only). Answering everyone always
	 * would cost N^2 datagrams per proposal, which a large cluster under
	 * load turns into a storm.
	 */
	if (fresh(mb->node[origin].rep_ms[mb->self], now_ms, mb->timeout_ms / 2))
		to = SLOT(origin);
	else
		to = msg->members & ~SLOT(mb->self);
	if (msg->epoch < mb->promised.epoch ||
	    (msg->epoch == mb->promised.epoch &&
	     msg->coord != mb->promised.coord))
		return;
	/* A lower coordinator's proposal supersedes this node's own. */
	if (mb->proposing && msg->coord < mb->self_id)
		mb->proposing = false;
	if (msg->unnamed) {
		/*
		 * A view this node cannot even represent. The NACK carries
		 * every node it is configured with, so the coordinator leaves
		 * out exactly the ones it does not know.
		 */
		out->nack_to |= to;
		out->nack_epoch = msg->epoch;
		out->nack_coord = msg->coord;
		out->nack_alive = configured(mb);
		out->nack_flags = HALO_MB_F_UNNAMED;
	} else if ((msg->members & alive) == msg->members) {
		mb->promised.epoch = msg->epoch;
		mb->promised.coord = msg->coord;
		mb->promised.members = msg->members;
		out->ack_to |= to;
	} else {
		out->nack_to |= to;
		out->nack_epoch = msg->epoch;
		out->nack_coord = msg->coord;
		out->nack_alive = alive;
		out->nack_flags = 0;
	}
}

static void rx_answer(struct halo_mb *mb, int origin,
		      const struct halo_mb_msg *msg, u64 now_ms,
		      struct halo_mb_out *out)
{
	u64 keep;

	if (!mb->proposing || msg->coord != mb->self_id ||
	    msg->epoch != mb->prop.epoch || !(mb->prop.members & SLOT(origin)))
		return;
	if (msg->kind == HALO_MB_ACK) {
		mb->prop_acked |= SLOT(origin);
		if (mb->prop_acked != mb->prop.members)
			return;
		mb->proposing = false;
		install(mb, mb->prop.epoch, mb->self_id, mb->prop.members,
			now_ms, out);
		out->commit_to |= mb->view.members & ~SLOT(mb->self);
		return;
	}
	/* NACK: retry with what both consider alive, without the nacker
	 * if it does not consider the coordinator alive.
	 */
	if (msg->members & SLOT(mb->self))
		keep = mb->prop.members & msg->members;
	else
		keep = mb->prop.members & ~SLOT(origin);
	exclude(mb, mb->prop.members & ~keep, now_ms);
	if (msg->flags & HALO_MB_F_UNNAMED)
		mark_unnamed(mb, mb->prop.members & ~keep);
	if (keep == mb->view.members) {
		/* Nothing to change: no new epoch for the same view. */
		mb->proposing = false;
		return;
	}
	propose(mb, keep, now_ms, out);
}

static void rx_commit(struct halo_mb *mb, int origin,
		      const struct halo_mb_msg *msg, u64 now_ms,
		      struct halo_mb_out *out)
{
	if (msg->coord != msg->origin || !(msg->members & SLOT(mb->self)) ||
	    !(msg->members & SLOT(origin)) || msg->epoch <= mb->view.epoch)
		return;
	if (msg->unnamed)
		return;		/* never acknowledged by this node */
	if (mb->proposing && msg->coord < mb->self_id)
		mb->proposing = false;
	if (msg->flags & HALO_MB_F_UNNAMED)
		mark_unnamed(mb, mb->view.members & ~msg->members);
	install(mb, msg->epoch, msg->coord, msg->members, now_ms, out);
}

/*
 * An authenticated agreement message @msg, received from slot @from
 * (the origin or a relay), at @now_ms.
 */
void halo_mb_rx_agree(struct halo_mb *mb, int from, const struct halo_mb_msg *msg,
		      u64 now_ms, struct halo_mb_out *out)
{
	int origin = halo_mb_slot(mb, msg->origin);

	if (mb->self < 0 || origin < 0 || origin == mb->self)
		return;
	if (msg->kind != HALO_MB_NACK && msg->epoch > mb->max_epoch)
		mb->max_epoch = msg->epoch;
	relay(mb, from, origin, msg, now_ms, out);

	switch (msg->kind) {
	case HALO_MB_PROPOSE:
		rx_propose(mb, origin, msg, now_ms, out);
		break;
	case HALO_MB_ACK:
	case HALO_MB_NACK:
		rx_answer(mb, origin, msg, now_ms, out);
		break;
	case HALO_MB_COMMIT:
		rx_commit(mb, origin, msg, now_ms, out);
		break;
	default:
		break;
	}
}

/*
 * The coordinator's duties. Called more often than every interval (see
 * HALO_MB_CHECKS): a failure is acted on soon after its evidence expires,
 * not up to an interval later.
 */
void halo_mb_tick(struct halo_mb *mb, u64 now_ms, struct halo_mb_out *out)
{
	u64 alive, want, excluded = 0, lagging = 0, ahead = 0, recent = 0;
	int i;

	if (mb->self < 0)
		return;
	alive = halo_mb_alive(mb, now_ms, mb->timeout_ms);
	if (lowest_id(mb, alive) != mb->self_id) {
		mb->proposing = false;
		return;
	}
	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		const struct halo_mb_node *n = &mb->node[i];

		if (!n->used || i == mb->self)
			continue;
		if (n->excluded_until_ms > now_ms)
			excluded |= SLOT(i);
		if (!(mb->view.members & SLOT(i)) ||
		    !fresh(n->heard_ms, now_ms, mb->timeout_ms))
			continue;
		if (n->hb_epoch < mb->view.epoch)
			lagging |= SLOT(i);
		else if (n->hb_epoch > mb->view.epoch)
			ahead |= SLOT(i);
	}
	/*
	 * Nodes heard again only just now (after a gap of a timeout) wait
	 * two intervals to join, as they do for relays: until the
	 * reception vectors show them, a member cannot tell whether the
	 * coordinator hears it, and sends its answer to all, to be relayed.
	 * For the same reason, a proposal that removes nobody waits for them.
	 */
	for (i = 0; i < HALO_MB_MAX_NODES; i++)
		if ((alive & SLOT(i)) &&
		    fresh(mb->node[i].heard_ms, now_ms, mb->timeout_ms) &&
		    now_ms - mb->node[i].heard_since_ms < 2 * mb->interval_ms)
			recent |= SLOT(i);
	want = (alive & ~excluded & ~(recent & ~mb->view.members)) |
	       SLOT(mb->self);

	if (mb->proposing) {
		u64 missing = mb->prop.members & ~mb->prop_acked;

		if (want != mb->prop.members) {
			propose(mb, want, now_ms, out);
		} else if (now_ms - mb->prop_started_ms >= mb->timeout_ms) {
			/* Members that never answered sit the next one out. */
			exclude(mb, missing, now_ms);
			if (mb->prop_acked == mb->view.members)
				mb->proposing = false;
			else
				propose(mb, mb->prop_acked, now_ms, out);
		} else if (now_ms - mb->prop_sent_ms >= mb->interval_ms) {
			mb->prop_sent_ms = now_ms;
			out->propose_to |= missing;
		}
		return;
	}
	if (want != mb->view.members || ahead) {
		if (!(mb->view.members & ~want) && recent)
			return;
		propose(mb, want, now_ms, out);
		return;
	}
	/* Stable: members still showing an older view missed the COMMIT. */
	if (lagging && now_ms - mb->commit_sent_ms >= mb->interval_ms) {
		mb->commit_sent_ms = now_ms;
		out->commit_to |= lagging;
	}
}

static size_t quorum_nodes(const struct halo_mb *mb, u64 members,
			   struct halo_quorum_node *qn)
{
	size_t n = 0;
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		if (!mb->node[i].used)
			continue;
		qn[n].id = mb->node[i].id;
		qn[n].votes = mb->node[i].votes;
		qn[n].in_view = members & SLOT(i);
		n++;
	}
	return n;
}

/*
 * The members that still hold this node's quorum lease: those whose own
 * heartbeats say they heard this node within the timeout less half an
 * interval (so both directions work; dated by the heartbeat's arrival, see
 * halo_mb_rx_heartbeat()) and that show no newer view than this node's
 * (they may have moved on without it); and the nodes such members report
 * hearing within half the timeout, unless their own last heartbeat showed
 * a newer view.
 */
static u64 lease_holders(const struct halo_mb *mb, u64 now_ms)
{
	u32 back = mb->timeout_ms - mb->interval_ms / 2;
	u64 both = 0, ahead = 0;
	int i;

	for (i = 0; i < HALO_MB_MAX_NODES; i++) {
		const struct halo_mb_node *n = &mb->node[i];

		if (!n->used || i == mb->self)
			continue;
		if (n->hb_epoch > mb->view.epoch) {
			ahead |= SLOT(i);
			continue;
		}
		if (fresh(n->lease_ms, now_ms, back))
			both |= SLOT(i);
	}
	return add_reported(mb, both, now_ms, mb->timeout_ms / 2) & ~ahead;
}

/*
 * Quorate means: the installed view is quorate (@q is evaluated, and
 * updated, for it), and the quorum lease holds: the view's members that
 * lease_holders() finds are quorate too.
 *
 * A node cut off from the majority therefore stops being quorate before
 * the majority can have declared it failed, which takes the whole timeout
 * after the last datagram they received from it: their word that they
 * hear it expires half an interval before the timeout after they last
 * did, plus the one-way transit of that word (it is dated by its arrival
 * here: time it waited unread does not stretch it, transit does). So the
 * lease ends first while that transit stays under half an interval plus
 * the majority's proposal round. That holds when only its sending is
 * broken, too (a one-way cut of everything it sends): it still hears
 * everyone, but everyone says they no longer hear it. And a node left out
 * of a newer view while it still hears everyone (say, after it was deaf
 * for a while) drops quorum as soon as the members show the newer epoch.
 * So two sides of a partition are never quorate at once.
 */
bool halo_mb_quorate(const struct halo_mb *mb, struct halo_quorum *q,
		     u64 now_ms)
{
	struct halo_quorum_node qn[HALO_MB_MAX_NODES];
	struct halo_quorum lease;
	size_t n;

	if (mb->self < 0)
		return false;
	n = quorum_nodes(mb, mb->view.members, qn);
	if (!halo_quorum_eval(q, qn, n, now_ms))
		return false;
	n = quorum_nodes(mb, mb->view.members & lease_holders(mb, now_ms), qn);
	lease = *q;
	return halo_quorum_eval(&lease, qn, n, now_ms);
}

/*
 * Heartbeats lost between two that arrived with counters @last and @seq
 * (16 bits, wrapping). A counter at or behind @last (reordered or
 * repeated) counts nothing. A restarted sender counts from 1 again: the
 * caller starts over when the link goes down, as it does in a restart.
 */
u32 halo_mb_hb_gap(u16 last, u16 seq)
{
	u16 d = seq - last;

	return d && d < 0x8000 ? d - 1 : 0;
}
