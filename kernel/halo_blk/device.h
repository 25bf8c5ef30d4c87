/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef _HALO_BLK_DEVICE_H
#define _HALO_BLK_DEVICE_H

#include "al.h"
#include "bitmap.h"
#include "conn.h"
#include "gen.h"
#include "layout.h"
#include "meta.h"

#include <linux/blk-mq.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <uapi/linux/halo_blk.h>

struct netlink_ext_ack;

/*
 * A replicated device. Created and destroyed under halo_blk_lock, which
 * also guards the device list; everything below lock is guarded by it.
 */
struct halo_blk_dev {
	struct list_head list;	/* halo_blk_devs */
	struct net *net;	/* its namespace: no reference, see netns exit */
	char name[HALO_BLK_NAME_MAX];
	u32 minor;
	char disk_path[HALO_BLK_PATH_MAX];
	char meta_path[HALO_BLK_PATH_MAX];	/* "internal" */

	struct halo_bdev disk;
	struct halo_bdev meta;	/* bdev is disk's for internal metadata */
	struct page *md_page;	/* superblock I/O */

	struct blk_mq_tag_set tag_set;
	struct gendisk *gd;
	struct bio_set bs;

	/*
	 * Writes go from queue_rq to this ordered worker, which may wait (the
	 * resync gate, the peer's send buffer, metadata I/O): in queue_rq the
	 * bios it submits would wait on the submitter's bio list until it
	 * returned. Guarded by submit_lock.
	 */
	spinlock_t submit_lock;
	struct list_head submit_list;
	struct work_struct submit_work;
	struct workqueue_struct *submit_wq;
	/*
	 * ack_wq runs only what writes the receiver's and the control frames
	 * (conn.ack_work): never a work that waits on a disk, or an ack waits
	 * behind it. io_wq runs the rest: the peer's reads (prs_work), reads
	 * from the peer (pr_work), io_err_work, the transfer log's tl_work.
	 */
	struct workqueue_struct *ack_wq;
	struct workqueue_struct *io_wq;

	u32 node_id;		/* the local node's, at create */

	/*
	 * The out-of-sync bitmap (bm_io.c): bits under bm_lock, with the
	 * resync's chunks in flight (conn.rs_win); bm_io serialises writing
	 * it back through bm_page.
	 */
	spinlock_t bm_lock;	/* guards bm's bits and conn.rs_win */
	struct halo_bm bm;
	struct mutex bm_io;	/* guards bm_page and writing back */
	struct page *bm_page;

	/*
	 * The activity log (al_io.c): the set under al_lock; al_page is the
	 * submit worker's (and attach's).
	 */
	spinlock_t al_lock;
	struct halo_al al;
	wait_queue_head_t al_wait;	/* an extent went idle */
	struct page *al_page;

	struct mutex lock;	/* guards everything below */
	struct halo_md_sb sb;	/* as last written */
	enum halo_blk_role role;
	enum halo_blk_disk_state disk_state;
	unsigned int open_count;
	/* a new current generation was made for writes the peer lacks */
	bool alone;
	/* promoted while not connected: a split brain's younger primary */
	bool promoted_alone;
	/*
	 * Quorum (quorum.c): the policy and the verdict READ_ONCE in
	 * queue_rq; quiesced: the queue is held (suspend-io).
	 */
	u8 on_no_quorum;	/* enum halo_blk_on_no_quorum */
	bool quorate;		/* the instance's, at the last update */
	bool noq_lost;		/* primary, a policy, and no quorum */
	bool noq_quiesced;
	/*
	 * Local I/O errors (ioerr.c): on_io_error and detached READ_ONCE on
	 * the I/O path; the last error's facts under io_err_lock (taken in
	 * interrupt context), its text under lock.
	 */
	u8 on_io_error;		/* enum halo_blk_on_io_error */
	bool detached;		/* the disk was given up: Diskless */
	atomic64_t io_errors;
	spinlock_t io_err_lock;	/* guards the three below */
	bool io_err_write;
	sector_t io_err_sector;
	int io_err_errno;
	char io_error[HALO_BLK_ERROR_MAX];
	unsigned long io_err_ntf;	/* jiffies of the last dev-io-error-ntf */
	struct work_struct io_err_work;
	spinlock_t pr_lock;	/* guards pr_list: reads the peer serves, on req->entry */
	struct list_head pr_list;
	struct work_struct pr_work;
	struct halo_blk_conn conn;
};

/* Per request of /dev/haloN, in its PDU. */
struct halo_blk_req {
	struct halo_blk_dev *dev;
	/* clones in flight, the peer's ack awaited, plus one while submitting */
	atomic_t pending;
	blk_status_t status;	/* the first error */
	/*
	 * The frame id (repl.c) whose answer is awaited, 0: none. Whoever
	 * swaps it to 0 (the ack, or the connection's end) completes the
	 * peer's part. cookie: the tag's uses so far, the id's high half;
	 * never reset, so that a late answer names no later request.
	 */
	atomic64_t ack_key;
	u32 cookie;
	struct list_head entry;	/* on submit_list */
	unsigned long flags;	/* HALO_BLK_REQ_* bits */
	/* clones on the local disk, plus one while submitting */
	atomic_t local_pending;
	/* on conn.writes while registered (repl.c) */
	struct list_head iv_entry;
	struct halo_blk_range iv;
	u64 seq;
};

#define HALO_BLK_REQ_PEER	0	/* a write whose ack is awaited (ack_key) */
#define HALO_BLK_REQ_GATED	1	/* passed the resync gate (resync.c) */
#define HALO_BLK_REQ_LOCAL_DONE	2	/* the local disk has it */
#define HALO_BLK_REQ_IV		3	/* on conn.writes */
#define HALO_BLK_REQ_SENT	4	/* its DATA frame went to the peer */
#define HALO_BLK_REQ_AL		5	/* holds its extents in the activity log */
#define HALO_BLK_REQ_LOCAL_FAILED 6	/* the local disk failed it, or was detached */
#define HALO_BLK_REQ_PEER_OK	7	/* the peer has it (its ack, or protocol A sent) */
#define HALO_BLK_REQ_PEER_TRIED	8	/* a read sent to the peer once */
#define HALO_BLK_REQ_PEER_READ	9	/* a read whose READ_REPLY is awaited (ack_key) */

extern struct mutex halo_blk_lock;
extern struct list_head halo_blk_devs;
extern int halo_blk_major;

struct halo_blk_create {
	const char *name;
	u32 minor;
	const char *disk;
	const char *meta;	/* NULL or "internal": internal */
	bool force;		/* fresh metadata over data where it goes */
	bool no_format;		/* attach existing metadata only */
};

int halo_blk_dev_create(struct net *net, const struct halo_blk_create *cr,
			struct netlink_ext_ack *extack);
int halo_blk_dev_destroy(struct halo_blk_dev *dev, struct netlink_ext_ack *extack);
void halo_blk_dev_destroy_all(struct net *net);
struct halo_blk_dev *halo_blk_dev_find(struct net *net, const char *name);
int halo_blk_dev_primary(struct halo_blk_dev *dev, bool force,
			 struct netlink_ext_ack *extack);
int halo_blk_dev_secondary(struct halo_blk_dev *dev,
			   struct netlink_ext_ack *extack);

void halo_blk_req_put(struct request *rq);
int halo_md_block_io(struct halo_blk_dev *dev, struct page *page, u64 block,
		     blk_opf_t opf);
void halo_blk_write_alone(struct halo_blk_dev *dev, struct request *rq);
void halo_blk_new_current(struct halo_blk_dev *dev);
void halo_blk_mark_rq(struct halo_blk_dev *dev, struct request *rq);

/* bm_io.c */
int halo_blk_bm_alloc(struct halo_blk_dev *dev);
void halo_blk_bm_free(struct halo_blk_dev *dev);
int halo_blk_bm_read(struct halo_blk_dev *dev, const char **why);
int halo_blk_bm_write(struct halo_blk_dev *dev);
void halo_blk_bm_mark(struct halo_blk_dev *dev, sector_t sector, u64 bytes);
void halo_blk_bm_mark_all(struct halo_blk_dev *dev);
void halo_blk_bm_clear_all(struct halo_blk_dev *dev);
u64 halo_blk_bm_weight(struct halo_blk_dev *dev);

/* repl.c */
void halo_blk_repl_write(struct halo_blk_dev *dev, struct request *rq);
void halo_blk_repl_register(struct halo_blk_dev *dev, struct request *rq);
void halo_blk_repl_unregister(struct halo_blk_dev *dev, struct request *rq);
void halo_blk_repl_local_done(struct halo_blk_dev *dev);
int halo_blk_ack_queue(struct halo_blk_dev *dev, enum halo_p_type type,
		       const void *payload, u32 len, bool batch);
void halo_blk_ctl_queue(struct halo_blk_dev *dev, enum halo_p_type type,
			const void *payload, u32 len);
void halo_blk_ack_idle(struct halo_blk_dev *dev, struct socket *sock);
void halo_blk_ack_flush(struct halo_blk_dev *dev, bool nonblock);
void halo_blk_ack_work(struct work_struct *work);
u64 halo_blk_rq_id(struct halo_blk_dev *dev, struct request *rq);
struct request *halo_blk_id_to_rq(struct halo_blk_dev *dev, u64 id);
bool halo_blk_rq_awaits(struct request *rq, u64 id);
bool halo_blk_rq_answered(struct request *rq, u64 id);
bool halo_blk_rq_unanswered(struct request *rq);
int halo_blk_repl_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a);
void halo_blk_tl_work(struct work_struct *work);
void halo_blk_tl_kick(struct halo_blk_dev *dev);
int halo_blk_tl_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a);
void halo_blk_tl_drain(struct halo_blk_dev *dev);
u64 halo_blk_tl_bytes(struct halo_blk_dev *dev);
int halo_blk_repl_barrier(struct halo_blk_dev *dev, u64 pos);
void halo_blk_repl_up(struct halo_blk_dev *dev, struct socket *sock);
void halo_blk_repl_state(struct halo_blk_dev *dev);
void halo_blk_repl_down(struct halo_blk_dev *dev);
int halo_blk_repl_send(struct halo_blk_dev *dev, enum halo_p_type type,
		       const void *payload, u32 len);
int halo_blk_repl_rx_data(struct halo_blk_dev *dev, struct socket *sock,
			  const struct halo_p_data *d, bool resync);
void halo_blk_free_bio_pages(struct bio *bio);
int halo_blk_sock_send(struct socket *sock, const void *buf, size_t len);
int halo_blk_sendmsg(struct socket *sock, struct msghdr *msg);
int halo_blk_sock_send_more(struct socket *sock, const void *buf, size_t len,
			    bool more);
int halo_md_write_sb(struct halo_blk_dev *dev, const struct halo_md_sb *sb);

/* ioerr.c */
void halo_blk_io_error(struct halo_blk_dev *dev, bool write, sector_t sector,
		       int err);
void halo_blk_io_err_work(struct work_struct *work);
void halo_blk_peer_read(struct halo_blk_dev *dev, struct request *rq);
void halo_blk_pr_work(struct work_struct *work);
int halo_blk_pr_reply(struct halo_blk_dev *dev, struct socket *sock,
		      const struct halo_p_read_reply *r);
void halo_blk_pr_down(struct halo_blk_dev *dev);
int halo_blk_prs_queue(struct halo_blk_dev *dev, const struct halo_p_read_req *r);
void halo_blk_prs_work(struct work_struct *work);

/* resync.c */
void halo_blk_gate_enter(struct halo_blk_dev *dev);
void halo_blk_gate_leave(struct halo_blk_dev *dev);
/* Close the gate; false (and open) if the connection went meanwhile. */
bool halo_blk_gate_close(struct halo_blk_conn *conn);
void halo_blk_gate_open(struct halo_blk_conn *conn);
/* @n blocks from @blk of the backing device, one page each; NULL on error */
struct bio *halo_blk_rs_read(struct halo_blk_dev *dev, u64 blk, u32 n);
/* Wait until @bytes more may go at the resync rates (verify's too). */
void halo_blk_rs_pace(struct halo_blk_dev *dev, u32 bytes);
/* A thread's end: wait for kthread_stop(); returns 0. */
int halo_blk_thread_park(void);
void halo_blk_rs_start(struct halo_blk_dev *dev, enum halo_gen_verdict verdict);
void halo_blk_rs_stop(struct halo_blk_dev *dev);
int halo_blk_rs_bitmap(struct halo_blk_dev *dev, const u8 *payload, u32 len);
int halo_blk_rs_bitmap_done(struct halo_blk_dev *dev, u64 frames);
int halo_blk_rs_begin(struct halo_blk_dev *dev, u64 gen, u64 total);
int halo_blk_rs_ack(struct halo_blk_dev *dev, const struct halo_p_ack *a);
int halo_blk_rs_csum_request(struct halo_blk_dev *dev, const struct halo_p_ov_req *r);
int halo_blk_rs_csum_reply(struct halo_blk_dev *dev, const struct halo_p_ov_reply *r);
int halo_blk_rs_done(struct halo_blk_dev *dev, const u64 *source);
void halo_blk_rs_written(struct halo_blk_dev *dev, u32 bytes);
void halo_blk_rs_redirty(struct halo_blk_dev *dev, u64 start, u64 end);

/* al_io.c */
int halo_blk_al_begin(struct halo_blk_dev *dev, u64 pos, u64 bytes);
void halo_blk_al_end(struct halo_blk_dev *dev, u64 pos, u64 bytes);
void halo_blk_al_clear(struct halo_blk_dev *dev);
int halo_blk_al_read(struct halo_blk_dev *dev, bool crashed);

/* quorum.c */
bool halo_blk_noq_update(struct halo_blk_dev *dev);
void halo_blk_noq_release(struct halo_blk_dev *dev);

/* verify.c */
void halo_blk_bio_digest(u8 alg, struct bio *bio, u32 i, u8 *out);
void halo_blk_csum_compare(struct halo_blk_dev *dev, const struct halo_p_ov_req *r,
			   struct halo_p_ov_reply *rep, const char *what);
int halo_blk_ov_start(struct halo_blk_dev *dev, u8 alg,
		      struct netlink_ext_ack *extack);
void halo_blk_ov_stop(struct halo_blk_dev *dev, const char *why);
int halo_blk_ov_request(struct halo_blk_dev *dev, const struct halo_p_ov_req *r);
int halo_blk_ov_reply(struct halo_blk_dev *dev, const struct halo_p_ov_reply *r);
u64 halo_blk_rs_rate(const struct halo_blk_dev *dev);

u64 halo_blk_size_bytes(const struct halo_blk_dev *dev);
u64 halo_blk_md_bytes(const struct halo_blk_dev *dev);
u64 halo_blk_out_of_sync(const struct halo_blk_dev *dev);

const char *halo_blk_role_name(enum halo_blk_role role);
const char *halo_blk_disk_state_name(enum halo_blk_disk_state state);
const char *halo_blk_conn_state_name(enum halo_blk_conn_state state);

extern const struct attribute_group *halo_blk_attr_groups[];

#endif /* _HALO_BLK_DEVICE_H */
