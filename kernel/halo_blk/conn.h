/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The connection of a device to its peer: one TCP connection from kernel
 * sockets in the device's namespace, made by the node with the lower id
 * and accepted by the other's listener (Documentation/halo_blk.rst,
 * "Connection").
 */
#ifndef _HALO_BLK_CONN_H
#define _HALO_BLK_CONN_H

#include "proto.h"

#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/halo_blk.h>

struct halo_blk_dev;
struct net;
struct netlink_ext_ack;
struct socket;
struct task_struct;

#define HALO_BLK_ERROR_MAX	128
/*
 * The receiver's frames (acks, pings) wait here for the socket. The peer
 * has at most its queue depth of writes and a resync window of chunks
 * waiting for acks, and pings only when idle: 8 KiB of 28-byte acks is
 * twice that. A peer that overfills it is refused.
 */
#define HALO_BLK_ACK_FIFO	8192
/* resync-min-rate unless dev-connect says otherwise: 16 MiB/s */
#define HALO_BLK_RS_MIN_RATE	(16ULL << 20)

/* Resync chunks in flight, at most. */
#define HALO_BLK_RS_WINDOW	4

/* Online verify ranges in flight, at most. */
#define HALO_BLK_OV_WINDOW	4

/* Writes of this node the peer's may overlap, at most (the queue depth). */
#define HALO_BLK_QUEUE_DEPTH	128

/*
 * The transfer log (repl.c, "Protocols A and B"): writes sent the peer's
 * disk may not have yet, at most; a BARRIER after this many, or this long
 * after the first of them.
 */
#define HALO_BLK_TL_SIZE	2048
#define HALO_BLK_TL_BATCH	64
#define HALO_BLK_TL_IDLE	(HZ / 10)

struct halo_blk_tl_entry {
	u64 sector;
	u32 sectors;
	bool al;		/* holds its extents in the activity log */
};

/* What dev-connect asks for. */
struct halo_blk_conn_opts {
	u32 peer_id;
	u8 protocol;		/* enum halo_p_protocol */
	bool two_primaries;
	u64 rs_max_rate;	/* bytes per second; 0: no limit */
	u64 rs_min_rate;	/* under application I/O; 0: not held back */
	u8 after_sb[3];		/* enum halo_blk_after_sb; 0, 1, 2 primaries */
	bool discard_my_data;
	u8 csums_alg;		/* enum halo_blk_csums_alg */
	u16 port;		/* TCP, both sides alike */
};

/* The last split brain a handshake found (dev-get's split-brain). */
struct halo_blk_sb_info {
	bool found;
	u32 primaries;
	u32 survivor;		/* node id; 0: left StandAlone */
	char policy[HALO_BLK_ERROR_MAX];
	u64 local_changes, peer_changes;	/* bytes */
};

struct halo_blk_range {
	sector_t start, end;	/* [start, end) */
};

/* Guarded by the device's lock unless said otherwise. */
struct halo_blk_conn {
	u32 peer_id;		/* 0: never connected */
	u16 port;		/* the peer's and the listener's TCP port */
	u8 protocol;		/* enum halo_p_protocol */
	bool two_primaries;	/* allow-two-primaries (dev-connect); READ_ONCE without the lock */
	u8 after_sb[3];		/* split-brain policies (dev-connect, dev-set) */
	bool discard_my_data;	/* until a connection is made */
	struct halo_blk_sb_info sb;
	char sb_why[HALO_BLK_ERROR_MAX];	/* the connection thread's */
	bool view_lost;		/* the peer left the view: the socket was shut */
	u32 state;		/* enum halo_blk_conn_state; READ_ONCE without the lock */
	char error[HALO_BLK_ERROR_MAX];	/* why it last failed or ended */
	struct task_struct *thread;	/* while connecting or connected */
	struct socket *sock;	/* the thread's socket, dialling or connected */
	struct socket *accepted;	/* handed over by the listener */
	struct halo_p_hello accepted_hello;
	struct halo_p_hello peer;	/* while connected */
	/* the connection thread's own, off its stack */
	struct halo_p_hello self, hello_peer;
	u8 hello_buf[HALO_P_HELLO_LEN];
	char thread_err[HALO_BLK_ERROR_MAX];
	wait_queue_head_t wait;	/* the thread waits for an accepted socket */

	struct mutex send_lock;	/* serialises frames; guards the two below */
	struct socket *send_sock;	/* while connected (repl.c) */
	u32 gen;		/* connections so far: the high half of frame ids */

	/*
	 * The transfer log (repl.c, "Protocols A and B"): a ring of the
	 * writes sent under protocol A or B, entries [tl_tail, tl_head),
	 * positions counted from the connection's start. tl_head and the
	 * entries are written under send_lock, tl_head under tl_lock too;
	 * tl_tail by the receiver (and repl_down) under tl_lock.
	 */
	spinlock_t tl_lock;
	struct halo_blk_tl_entry *tl;	/* HALO_BLK_TL_SIZE */
	u64 tl_head, tl_tail;
	u64 tl_bytes;		/* the entries' bytes; under tl_lock */
	u64 tl_barrier;		/* tl_head at the last BARRIER; send_lock */
	u64 rx_barrier;		/* the peer's last BARRIER; the receiver's */
	u64 rx_writes;		/* the peer's writes on this connection; ditto */
	wait_queue_head_t tl_wait;	/* the log has room, or the connection went */
	struct delayed_work tl_work;	/* a BARRIER after the last writes */

	/*
	 * The receiver's frames and control frames, sent by whoever holds
	 * send_lock next, or by ack_work (repl.c): the receiver never waits
	 * for the socket, nor does a holder of the device's lock. Writers
	 * under fifo_lock, one reader (send_lock's holder).
	 */
	DECLARE_KFIFO(ack_fifo, u8, HALO_BLK_ACK_FIFO);
	spinlock_t fifo_lock;	/* the fifo's writers; ctl_lost */
	bool ctl_lost;		/* a control frame did not fit: disconnect */
	struct work_struct ack_work;
	/*
	 * Two primaries (repl.c, "Overlapping writes"): this node's writes
	 * sent or to be sent while the peer's may overlap them, under ilock,
	 * which a request's completion takes (interrupts off).
	 */
	spinlock_t ilock;
	struct list_head writes;	/* struct halo_blk_req, by seq */
	u64 seq;		/* the last registered write's */
	u64 sent_seq;		/* the last one sent; under send_lock */
	struct halo_blk_range applying;	/* the peer's write; end 0: none */
	/* fifo bytes from hold_pos wait until write hold_seq is sent (ilock) */
	bool hold;
	unsigned int hold_pos;
	u64 hold_seq;
	wait_queue_head_t iwait;
	/* the receiver's, off its stack */
	struct halo_blk_range skip[HALO_BLK_QUEUE_DEPTH];
	u8 rx_bitmap[HALO_P_BITMAP_LEN];

	/* resync (resync.c): the two counters under the device's lock */
	struct task_struct *rs_thread;	/* the source's */
	u64 rs_total;		/* blocks to sync; 0: none runs */
	u64 rs_done;		/* blocks the target has */
	/* the source: the target's bitmap is in, the chunks may go */
	bool rs_bm_done;
	u8 rs_start_frame[HALO_P_RS_START_LEN];	/* the source's thread sends it */
	u64 rs_bm_frames;	/* the target's BITMAP frames so far */
	/* the source's chunks in flight, under the device's bm_lock */
	struct halo_blk_rs_chunk {
		u64 blk;
		u32 n;		/* blocks; 0: a free slot */
		bool redirty;	/* a block of it was marked again meanwhile */
		/* csums-alg (resync.c): RS_CSUM sent; then these */
		bool csum;
		bool due;	/* the reply came: the differing blocks to send */
		u64 mask;	/* which blocks differ */
		u32 runs;	/* their RS_DATA frames not acknowledged yet */
	} rs_win[HALO_BLK_RS_WINDOW];
	atomic_t rs_due;	/* chunks whose differing blocks are to send */
	/* bytes of resync data sent and received since the device was made */
	u64 rs_sent, rs_received;
	u64 rs_same;		/* not sent: the target's checksum matched */
	u8 csums_alg;		/* enum halo_blk_csums_alg; READ_ONCE */
	unsigned long rs_start;	/* jiffies */
	atomic_t rs_inflight;	/* chunks sent, not acknowledged */
	bool rs_failed;
	wait_queue_head_t rs_wait;
	/*
	 * The rate (resync.c, "The rate"): the two limits READ_ONCE without
	 * the lock; rs_last and rs_throttled the source's thread's.
	 */
	u64 rs_max_rate, rs_min_rate;
	u64 rs_last;		/* ktime_get_ns() the last chunk went at */
	bool rs_throttled;	/* READ_ONCE: held to rs_min_rate now */
	unsigned long app_seen;	/* jiffies of /dev/haloN's last request, in or out */
	atomic_t app_active;	/* requests at the gate or past it, not done */
	/* the gate writes of /dev/haloN pass (resync.c) */
	atomic_t app_inflight;
	bool rs_gate;

	/*
	 * Online verify (verify.c) this node runs: ov_mutex serialises start
	 * and stop; the rest under the device's lock, ov_found and ov_failed
	 * READ_ONCE without it.
	 */
	struct mutex ov_mutex;
	struct task_struct *ov_thread;	/* running, or ended and not reaped */
	u32 ov_state;		/* enum halo_blk_verify_state; 0: none ran */
	u8 ov_alg;		/* enum halo_blk_verify_alg */
	u64 ov_done;		/* blocks compared */
	u64 ov_found;		/* blocks that differ */
	bool ov_failed;
	char ov_reason[HALO_BLK_ERROR_MAX];
	struct {
		u64 blk;
		u32 n;		/* 0: a free slot */
	} ov_win[HALO_BLK_OV_WINDOW];
	atomic_t ov_inflight;
	/* the receiver's, off its stack */
	u8 rx_ov[HALO_P_OV_REQ_MAX];

	/*
	 * The Diskless peer's reads this node answers (ioerr.c): queued by
	 * the receiver, under prs_lock, answered by prs_work.
	 */
	spinlock_t prs_lock;
	struct list_head prs_list;	/* struct halo_blk_prs */
	unsigned int prs_count;
	struct work_struct prs_work;
};

/* A READ_REQ of the peer's, waiting for prs_work. */
struct halo_blk_prs {
	struct list_head entry;
	struct halo_p_read_req r;
	u32 gen;		/* the connection it came on (conn.gen) */
};

/* Connected, resyncing or not. */
static inline bool halo_blk_conn_up(u32 state)
{
	return state == HALO_BLK_CONN_STATE_CONNECTED ||
	       state == HALO_BLK_CONN_STATE_SYNC_SOURCE ||
	       state == HALO_BLK_CONN_STATE_SYNC_TARGET;
}

void halo_blk_conn_init(struct halo_blk_conn *conn);
int halo_blk_connect(struct halo_blk_dev *dev, const struct halo_blk_conn_opts *o,
		     struct netlink_ext_ack *extack);
void halo_blk_conn_kill(struct halo_blk_dev *dev);
/* Stops the connection thread; the device's lock must not be held. */
void halo_blk_disconnect(struct halo_blk_dev *dev);

/* ERROR payload: code (be32), then text. */
#define HALO_BLK_ERR_RETRY	1	/* try again later */
#define HALO_BLK_ERR_MISMATCH	2	/* the two sides cannot replicate */

struct halo_p_hello;
void halo_blk_send_error(struct socket *sock, u32 code, const char *why);
int halo_blk_recv_hello(struct socket *sock, struct halo_p_hello *h,
			char *err, size_t err_size, unsigned long deadline);
struct socket *halo_blk_conn_take(struct net *net, struct socket *sock,
				  const struct halo_p_hello *h, u16 port);

/* listen.c */
int halo_blk_listen_start(struct net *net, u32 local_id, u16 port,
			  struct netlink_ext_ack *extack);
void halo_blk_listen_stop(struct net *net);
int halo_blk_view_init(void);
void halo_blk_view_exit(void);
int halo_blk_conn_net_init(void);
void halo_blk_conn_net_exit(void);
extern unsigned int halo_blk_net_id;

#endif /* _HALO_BLK_CONN_H */
