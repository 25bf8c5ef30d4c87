/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/halo_blk.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_HALO_BLK_H
#define _UAPI_LINUX_HALO_BLK_H

#define HALO_BLK_FAMILY_NAME	"halo_blk"
#define HALO_BLK_FAMILY_VERSION	1

#define HALO_BLK_NAME_MAX	32
#define HALO_BLK_PATH_MAX	256
#define HALO_BLK_MAX_MINOR	1023
#define HALO_BLK_PORT		7789

/**
 * enum halo_blk_role - A device's role, as DRBD names them.
 * @HALO_BLK_ROLE_UNKNOWN: The peer's role while not connected.
 * @HALO_BLK_ROLE_SECONDARY: Refuses opens; follows the primary.
 * @HALO_BLK_ROLE_PRIMARY: Opens for reading and writing.
 */
enum halo_blk_role {
	HALO_BLK_ROLE_UNKNOWN,
	HALO_BLK_ROLE_SECONDARY,
	HALO_BLK_ROLE_PRIMARY,
};

/**
 * enum halo_blk_disk_state - What a disk holds, in DRBD's vocabulary.
 * @HALO_BLK_DISK_STATE_INCONSISTENT: Never synced, or a resync target that has
 *   not finished.
 * @HALO_BLK_DISK_STATE_OUTDATED: Consistent, but a peer went on without it.
 * @HALO_BLK_DISK_STATE_DUNKNOWN: The peer's disk while not connected.
 * @HALO_BLK_DISK_STATE_CONSISTENT: Consistent; whether it is the newest is not
 *   known yet.
 * @HALO_BLK_DISK_STATE_UPTODATE: Holds the newest data.
 */
enum halo_blk_disk_state {
	HALO_BLK_DISK_STATE_DISKLESS,
	HALO_BLK_DISK_STATE_INCONSISTENT,
	HALO_BLK_DISK_STATE_OUTDATED,
	HALO_BLK_DISK_STATE_DUNKNOWN,
	HALO_BLK_DISK_STATE_CONSISTENT,
	HALO_BLK_DISK_STATE_UPTODATE,
};

/**
 * enum halo_blk_conn_state - The replication link, in DRBD's vocabulary.
 * @HALO_BLK_CONN_STATE_STANDALONE: Not connected and not trying to (never
 *   connected, disconnected, or the two sides cannot replicate: see
 *   conn-error).
 * @HALO_BLK_CONN_STATE_CONNECTING: Trying to reach the peer, or waiting for it
 *   to connect.
 * @HALO_BLK_CONN_STATE_CONNECTED: Connected, hellos exchanged and checked.
 * @HALO_BLK_CONN_STATE_SYNC_SOURCE: Connected, sending the peer what it lacks
 *   (a full resync).
 * @HALO_BLK_CONN_STATE_SYNC_TARGET: Connected, receiving what this disk lacks;
 *   the disk is Inconsistent until the resync is done.
 */
enum halo_blk_conn_state {
	HALO_BLK_CONN_STATE_STANDALONE,
	HALO_BLK_CONN_STATE_CONNECTING,
	HALO_BLK_CONN_STATE_CONNECTED,
	HALO_BLK_CONN_STATE_SYNC_SOURCE,
	HALO_BLK_CONN_STATE_SYNC_TARGET,
};

/**
 * enum halo_blk_protocol - When a write completes, as DRBD's protocols A, B
 *   and C.
 * @HALO_BLK_PROTOCOL_A: When it is in the local disk and the local send
 *   buffer.
 * @HALO_BLK_PROTOCOL_B: When it is in the local disk and the peer received it.
 * @HALO_BLK_PROTOCOL_C: When both disks have it.
 */
enum halo_blk_protocol {
	HALO_BLK_PROTOCOL_A = 1,
	HALO_BLK_PROTOCOL_B,
	HALO_BLK_PROTOCOL_C,
};

/**
 * enum halo_blk_after_sb - What to do when a connection finds a split brain:
 *   both disks were changed without the other since a common past (DRBD's
 *   after-sb-* policies, with their meaning). Applied only when both sides'
 *   bitmaps start at that common past (a bitmap resync can merge them); any
 *   other split brain, and every "disconnect", leaves the device StandAlone
 *   until an admin reconnects one side with discard-my-data. A discarded
 *   side's changes are overwritten by a resync from the survivor; a side that
 *   is primary is never discarded.
 * @HALO_BLK_AFTER_SB_DISCONNECT: No automatic recovery (the default of all
 *   three).
 * @HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY: after-sb-0pri: the survivor is
 *   the node that was already primary when the connection was lost (the other
 *   was promoted during the split). If that does not tell them apart, as
 *   discard-zero-changes, then discard-least-changes.
 * @HALO_BLK_AFTER_SB_DISCARD_OLDER_PRIMARY: after-sb-0pri: the survivor is the
 *   node promoted during the split. If that does not tell them apart, as
 *   discard-zero-changes, then discard-least-changes.
 * @HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES: after-sb-0pri: a node that changed
 *   nothing is discarded (if neither did, the higher node id); if both changed
 *   data, disconnect.
 * @HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES: after-sb-0pri: the node whose
 *   bitmap marks fewer blocks is discarded (on a tie, the higher node id).
 * @HALO_BLK_AFTER_SB_CONSENSUS: after-sb-1pri: discard the secondary if
 *   after-sb-0pri would discard it; otherwise disconnect.
 * @HALO_BLK_AFTER_SB_DISCARD_SECONDARY: after-sb-1pri: the secondary is
 *   discarded.
 */
enum halo_blk_after_sb {
	HALO_BLK_AFTER_SB_DISCONNECT,
	HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY,
	HALO_BLK_AFTER_SB_DISCARD_OLDER_PRIMARY,
	HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES,
	HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES,
	HALO_BLK_AFTER_SB_CONSENSUS,
	HALO_BLK_AFTER_SB_DISCARD_SECONDARY,
};

/**
 * enum halo_blk_verify_alg - The checksum online verify compares blocks by.
 * @HALO_BLK_VERIFY_ALG_CRC32C: CRC32C of each 4 KiB block (the default).
 * @HALO_BLK_VERIFY_ALG_SHA256: SHA-256 of each 4 KiB block.
 */
enum halo_blk_verify_alg {
	HALO_BLK_VERIFY_ALG_CRC32C = 1,
	HALO_BLK_VERIFY_ALG_SHA256,
};

/**
 * enum halo_blk_verify_state - Where the device's last online verify is.
 * @HALO_BLK_VERIFY_STATE_DONE: Every block was compared.
 * @HALO_BLK_VERIFY_STATE_STOPPED: Ended before the last block: dev-verify
 *   verify-stop, or the connection went (the reason says which).
 */
enum halo_blk_verify_state {
	HALO_BLK_VERIFY_STATE_RUNNING = 1,
	HALO_BLK_VERIFY_STATE_DONE,
	HALO_BLK_VERIFY_STATE_STOPPED,
};

/**
 * enum halo_blk_on_no_quorum - What a primary does while this node's cluster
 *   instance is not quorate (DRBD 9's on-no-quorum), so that a minority
 *   partition never keeps writing.
 * @HALO_BLK_ON_NO_QUORUM_OFF: Nothing, the default; quorum does not matter to
 *   the device.
 * @HALO_BLK_ON_NO_QUORUM_SUSPEND_IO: New I/O waits until the instance is
 *   quorate again (or the policy changes); promotion is refused without
 *   quorum.
 * @HALO_BLK_ON_NO_QUORUM_IO_ERROR: New I/O fails at once with an I/O error;
 *   promotion is refused without quorum.
 */
enum halo_blk_on_no_quorum {
	HALO_BLK_ON_NO_QUORUM_OFF,
	HALO_BLK_ON_NO_QUORUM_SUSPEND_IO,
	HALO_BLK_ON_NO_QUORUM_IO_ERROR,
};

/**
 * enum halo_blk_on_io_error - What the device does when its backing device (or
 *   metadata device) fails a read or a write (DRBD's on-io-error).
 * @HALO_BLK_ON_IO_ERROR_DETACH: The default. The disk is given up: the device
 *   goes Diskless and carries on through the peer (reads from the peer's disk,
 *   writes to it only), if connected to an UpToDate peer; the request that
 *   failed is completed by the peer, so the application sees no error. Without
 *   such a peer, I/O fails.
 * @HALO_BLK_ON_IO_ERROR_PASS_ON: The error goes to the application; the disk
 *   stays attached and the device keeps its disk state.
 */
enum halo_blk_on_io_error {
	HALO_BLK_ON_IO_ERROR_DETACH,
	HALO_BLK_ON_IO_ERROR_PASS_ON,
};

/**
 * enum halo_blk_csums_alg - The checksum a resync from this node compares
 *   blocks by before it sends them (DRBD's csums-alg): a block the target
 *   already holds is not sent.
 * @HALO_BLK_CSUMS_ALG_NONE: The default. Every block the bitmap marks is sent.
 * @HALO_BLK_CSUMS_ALG_CRC32C: CRC32C of each 4 KiB block: cheap, but two
 *   different blocks have the same one with a chance of 1 in 2^32.
 * @HALO_BLK_CSUMS_ALG_SHA256: SHA-256 of each 4 KiB block.
 */
enum halo_blk_csums_alg {
	HALO_BLK_CSUMS_ALG_NONE,
	HALO_BLK_CSUMS_ALG_CRC32C,
	HALO_BLK_CSUMS_ALG_SHA256,
};

enum {
	HALO_BLK_A_DEV_PAD = 1,
	HALO_BLK_A_DEV_NAME,
	HALO_BLK_A_DEV_MINOR,
	HALO_BLK_A_DEV_DISK,
	HALO_BLK_A_DEV_META_DISK,
	HALO_BLK_A_DEV_FORCE,
	HALO_BLK_A_DEV_SIZE,
	HALO_BLK_A_DEV_MD_SIZE,
	HALO_BLK_A_DEV_UUID,
	HALO_BLK_A_DEV_ROLE,
	HALO_BLK_A_DEV_PEER_ROLE,
	HALO_BLK_A_DEV_DISK_STATE,
	HALO_BLK_A_DEV_PEER_DISK_STATE,
	HALO_BLK_A_DEV_CONN_STATE,
	HALO_BLK_A_DEV_OUT_OF_SYNC,
	HALO_BLK_A_DEV_CURRENT_GEN,
	HALO_BLK_A_DEV_OPEN_COUNT,
	HALO_BLK_A_DEV_PEER,
	HALO_BLK_A_DEV_PROTOCOL,
	HALO_BLK_A_DEV_RESYNC_RATE,
	HALO_BLK_A_DEV_CONN_ERROR,
	HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES,
	HALO_BLK_A_DEV_RESYNC_MAX_RATE,
	HALO_BLK_A_DEV_RESYNC_MIN_RATE,
	HALO_BLK_A_DEV_RESYNC_THROTTLED,
	HALO_BLK_A_DEV_RESYNC_TOTAL,
	HALO_BLK_A_DEV_RESYNC_SENT,
	HALO_BLK_A_DEV_RESYNC_RECEIVED,
	HALO_BLK_A_DEV_AFTER_SB_0PRI,
	HALO_BLK_A_DEV_AFTER_SB_1PRI,
	HALO_BLK_A_DEV_AFTER_SB_2PRI,
	HALO_BLK_A_DEV_DISCARD_MY_DATA,
	HALO_BLK_A_DEV_SPLIT_BRAIN,
	HALO_BLK_A_DEV_ON_NO_QUORUM,
	HALO_BLK_A_DEV_QUORATE,
	HALO_BLK_A_DEV_IO_SUSPENDED,
	HALO_BLK_A_DEV_VERIFY_ALG,
	HALO_BLK_A_DEV_VERIFY_STOP,
	HALO_BLK_A_DEV_VERIFY,
	HALO_BLK_A_DEV_ON_IO_ERROR,
	HALO_BLK_A_DEV_IO_ERRORS,
	HALO_BLK_A_DEV_IO_ERROR,
	HALO_BLK_A_DEV_UNCONFIRMED,
	HALO_BLK_A_DEV_CSUMS_ALG,
	HALO_BLK_A_DEV_RESYNC_SAME,
	HALO_BLK_A_DEV_NO_FORMAT,
	HALO_BLK_A_DEV_PORT,

	__HALO_BLK_A_DEV_MAX,
	HALO_BLK_A_DEV_MAX = (__HALO_BLK_A_DEV_MAX - 1)
};

enum {
	HALO_BLK_A_SPLIT_BRAIN_PAD = 1,
	HALO_BLK_A_SPLIT_BRAIN_PRIMARIES,
	HALO_BLK_A_SPLIT_BRAIN_SURVIVOR,
	HALO_BLK_A_SPLIT_BRAIN_POLICY,
	HALO_BLK_A_SPLIT_BRAIN_LOCAL_CHANGES,
	HALO_BLK_A_SPLIT_BRAIN_PEER_CHANGES,

	__HALO_BLK_A_SPLIT_BRAIN_MAX,
	HALO_BLK_A_SPLIT_BRAIN_MAX = (__HALO_BLK_A_SPLIT_BRAIN_MAX - 1)
};

enum {
	HALO_BLK_A_VERIFY_PAD = 1,
	HALO_BLK_A_VERIFY_STATE,
	HALO_BLK_A_VERIFY_ALG,
	HALO_BLK_A_VERIFY_POSITION,
	HALO_BLK_A_VERIFY_TOTAL,
	HALO_BLK_A_VERIFY_OUT_OF_SYNC,
	HALO_BLK_A_VERIFY_REASON,

	__HALO_BLK_A_VERIFY_MAX,
	HALO_BLK_A_VERIFY_MAX = (__HALO_BLK_A_VERIFY_MAX - 1)
};

enum {
	HALO_BLK_CMD_DEV_CREATE = 1,
	HALO_BLK_CMD_DEV_DESTROY,
	HALO_BLK_CMD_DEV_GET,
	HALO_BLK_CMD_DEV_PRIMARY,
	HALO_BLK_CMD_DEV_SECONDARY,
	HALO_BLK_CMD_DEV_NTF,
	HALO_BLK_CMD_DEV_DEL_NTF,
	HALO_BLK_CMD_DEV_CONNECT,
	HALO_BLK_CMD_DEV_DISCONNECT,
	HALO_BLK_CMD_DEV_SET,
	HALO_BLK_CMD_DEV_SPLIT_BRAIN_NTF,
	HALO_BLK_CMD_DEV_VERIFY,
	HALO_BLK_CMD_DEV_IO_ERROR_NTF,

	__HALO_BLK_CMD_MAX,
	HALO_BLK_CMD_MAX = (__HALO_BLK_CMD_MAX - 1)
};

#define HALO_BLK_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_HALO_BLK_H */
