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

#include <linux/wait.h>
#include <uapi/linux/halo_blk.h>

struct halo_blk_dev;
struct net;
struct netlink_ext_ack;
struct socket;
struct task_struct;

#define HALO_BLK_ERROR_MAX	128

/* Guarded by the device's lock unless said otherwise. */
struct halo_blk_conn {
	u32 peer_id;		/* 0: never connected */
	u8 protocol;		/* enum halo_p_protocol */
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

	/* resync (resync.c): the two counters under the device's lock */
	struct task_struct *rs_thread;	/* the source's */
	u64 rs_total;		/* blocks to sync; 0: none runs */
	u64 rs_done;		/* blocks the target has */
	unsigned long rs_start;	/* jiffies */
	atomic_t rs_inflight;	/* chunks sent, not acknowledged */
	bool rs_failed;
	wait_queue_head_t rs_wait;
	/* the gate writes of /dev/haloN pass (resync.c) */
	atomic_t app_inflight;
	bool rs_gate;
};

/* Connected, resyncing or not. */
static inline bool halo_blk_conn_up(u32 state)
{
	return state == HALO_BLK_CONN_STATE_CONNECTED ||
	       state == HALO_BLK_CONN_STATE_SYNC_SOURCE ||
	       state == HALO_BLK_CONN_STATE_SYNC_TARGET;
}

void halo_blk_conn_init(struct halo_blk_conn *conn);
int halo_blk_connect(struct halo_blk_dev *dev, u32 peer_id, u8 protocol,
		     struct netlink_ext_ack *extack);
/* Stops the connection thread; the device's lock must not be held. */
void halo_blk_disconnect(struct halo_blk_dev *dev);

void halo_blk_listen_stop(struct net *net);
int halo_blk_conn_net_init(void);
void halo_blk_conn_net_exit(void);
extern unsigned int halo_blk_net_id;

#endif /* _HALO_BLK_CONN_H */
