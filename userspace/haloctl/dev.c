// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl dev: replicated block devices (the "halo_blk" family).
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/halo_blk.h>
#include <stdio.h>
#include <string.h>

static void dev_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl dev create NAME minor N disk PATH [meta-disk internal|PATH] [force]\n"
		"       haloctl dev destroy NAME\n"
		"       haloctl dev primary NAME [force]\n"
		"       haloctl dev secondary NAME\n"
		"       haloctl dev connect NAME peer NODE-ID [port P] [protocol A|B|C] [allow-two-primaries]\n"
		"                           [discard-my-data] [OPTION VALUE]...\n"
		"       haloctl dev set NAME OPTION VALUE [OPTION VALUE]...\n"
		"       haloctl dev disconnect NAME\n"
		"       haloctl dev verify NAME [alg crc32c|sha256]\n"
		"       haloctl dev verify NAME stop\n"
		"       haloctl dev show [NAME]\n"
		"       haloctl dev help\n"
		"\n"
		"create: NAME 1-31 bytes, unique in this network namespace; the device is\n"
		"  /dev/haloN, N 0-%u, unique on the machine. Metadata takes the end of\n"
		"  the backing device (internal, the default) or a device of its own.\n"
		"  Existing halo metadata is checked and used; a device without any gets\n"
		"  fresh metadata and starts Inconsistent. A disk holding a filesystem,\n"
		"  RAID, LVM or partition signature, or anything but zeroes where the\n"
		"  metadata goes, is refused unless force. Needs a cluster instance\n"
		"  and CAP_SYS_ADMIN.\n"
		"primary: only an UpToDate disk; force makes this disk's data the newest.\n"
		"secondary: refused while /dev/haloN is held open.\n"
		"destroy: only a secondary.\n"
		"connect: replicate with node NODE-ID of this namespace's cluster over TCP\n"
		"  port P (%u by default, the same on both nodes): the lower node id\n"
		"  dials the peer's link addresses, the other listens on its own (bound\n"
		"  even before an address is up). Protocol C (the default): a write\n"
		"  completes when both disks have it; B: when the peer received it; A:\n"
		"  when it is in the send buffer. Returns at once: dev show tells the\n"
		"  connection state, and conn-error why an attempt failed.\n"
		"  allow-two-primaries (both sides, protocol C): both nodes may be\n"
		"  primary, for cluster filesystems and live migration; writes of\n"
		"  both to the same blocks at once end the same on both disks.\n"
		"  discard-my-data: if the connection finds a split brain, this node's\n"
		"  changes are thrown away and it resyncs from the peer (not on a\n"
		"  primary; used by one connection).\n"
		"set: change OPTIONs of a device that was connected: the rates at once,\n"
		"  the after-sb policies at the next handshake; and, of any device,\n"
		"  on-no-quorum off|suspend-io|io-error: what a primary does while\n"
		"  this node's cluster instance is not quorate: nothing (off, the\n"
		"  default), hold I/O until quorum is back, or fail it; with either,\n"
		"  promotion without quorum is refused. Takes effect at once.\n"
		"  on-io-error detach|pass-on: what the device does when its backing or\n"
		"  metadata device fails a read or a write: give the disk up and go on\n"
		"  Diskless through a connected UpToDate peer (detach, the default;\n"
		"  the failed request is finished by the peer), or fail the request\n"
		"  and keep the disk (pass-on). Either way dev show counts io-errors\n"
		"  and monitor prints an io-error event.\n"
		"OPTIONs:\n"
		"  resync-max-rate RATE: a resync from this node never goes faster; 0\n"
		"  (the default): as fast as the link and the disks go.\n"
		"  resync-min-rate RATE: while /dev/haloN has application I/O, a resync\n"
		"  from this node is held to this rate; default 16M, 0: never held back.\n"
		"  RATE: bytes per second, with K, M or G for KiB, MiB, GiB (16M).\n"
		"  after-sb-0pri POLICY: a split brain found with neither node primary:\n"
		"  disconnect (default), discard-younger-primary, discard-older-primary,\n"
		"  discard-zero-changes, discard-least-changes.\n"
		"  after-sb-1pri POLICY: with one primary: disconnect (default),\n"
		"  consensus, discard-secondary.\n"
		"  after-sb-2pri POLICY: with two: disconnect (the only one).\n"
		"  Both nodes must set the same policies.\n"
		"  csums-alg none|crc32c|sha256: a resync from this node sends each\n"
		"  block's checksum first, and the block only if the peer's differs\n"
		"  (none, the default: every marked block is sent).\n"
		"disconnect: close the connection or stop trying (StandAlone).\n"
		"verify: compare every block with the peer's by checksum (crc32c, the\n"
		"  default, or sha256) while the device is in use; on the primary if\n"
		"  there is one. Returns at once; dev show tells progress and the bytes\n"
		"  found to differ, which are marked out of sync on both nodes: the\n"
		"  next resync (dev disconnect, dev connect) sends them from the\n"
		"  primary, or between two secondaries from the lower node id.\n"
		"show: role, disk state, connection, peer and port, out-of-sync bytes, size;\n"
		"  under protocol A or B, the unconfirmed bytes the peer's disk may lack.\n"
		"  With -j: one device's object, or {\"devices\": [...]} for all.\n",
		HALO_BLK_MAX_MINOR, HALO_BLK_PORT);
}

static const char *const role_names[] = {
	[HALO_BLK_ROLE_UNKNOWN] = "Unknown",
	[HALO_BLK_ROLE_SECONDARY] = "Secondary",
	[HALO_BLK_ROLE_PRIMARY] = "Primary",
};

static const char *const disk_names[] = {
	[HALO_BLK_DISK_STATE_DISKLESS] = "Diskless",
	[HALO_BLK_DISK_STATE_INCONSISTENT] = "Inconsistent",
	[HALO_BLK_DISK_STATE_OUTDATED] = "Outdated",
	[HALO_BLK_DISK_STATE_DUNKNOWN] = "DUnknown",
	[HALO_BLK_DISK_STATE_CONSISTENT] = "Consistent",
	[HALO_BLK_DISK_STATE_UPTODATE] = "UpToDate",
};

static const char *const conn_names[] = {
	[HALO_BLK_CONN_STATE_STANDALONE] = "StandAlone",
	[HALO_BLK_CONN_STATE_CONNECTING] = "Connecting",
	[HALO_BLK_CONN_STATE_CONNECTED] = "Connected",
	[HALO_BLK_CONN_STATE_SYNC_SOURCE] = "SyncSource",
	[HALO_BLK_CONN_STATE_SYNC_TARGET] = "SyncTarget",
};

static const char *const protocol_names[] = {
	[HALO_BLK_PROTOCOL_A] = "A",
	[HALO_BLK_PROTOCOL_B] = "B",
	[HALO_BLK_PROTOCOL_C] = "C",
};

#define NAME_OF(table, v) \
	((v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "unknown")

struct nla_policy dev_policy[HALO_BLK_A_DEV_MAX + 1] = {
	[HALO_BLK_A_DEV_NAME] = { .type = NLA_STRING },
	[HALO_BLK_A_DEV_MINOR] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_DISK] = { .type = NLA_STRING },
	[HALO_BLK_A_DEV_META_DISK] = { .type = NLA_STRING },
	[HALO_BLK_A_DEV_SIZE] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_MD_SIZE] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_UUID] = { .type = NLA_UNSPEC },
	[HALO_BLK_A_DEV_ROLE] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_PEER_ROLE] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_DISK_STATE] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_PEER_DISK_STATE] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_CONN_STATE] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_OUT_OF_SYNC] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_CURRENT_GEN] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_OPEN_COUNT] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_PEER] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_PROTOCOL] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_CONN_ERROR] = { .type = NLA_STRING },
	[HALO_BLK_A_DEV_RESYNC_RATE] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_RESYNC_MAX_RATE] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_RESYNC_MIN_RATE] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_RESYNC_THROTTLED] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_RESYNC_TOTAL] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_RESYNC_SENT] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_RESYNC_RECEIVED] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_AFTER_SB_0PRI] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_AFTER_SB_1PRI] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_AFTER_SB_2PRI] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_DISCARD_MY_DATA] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_SPLIT_BRAIN] = { .type = NLA_NESTED },
	[HALO_BLK_A_DEV_VERIFY] = { .type = NLA_NESTED },
	[HALO_BLK_A_DEV_ON_NO_QUORUM] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_QUORATE] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_IO_SUSPENDED] = { .type = NLA_FLAG },
	[HALO_BLK_A_DEV_ON_IO_ERROR] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_IO_ERRORS] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_UNCONFIRMED] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_CSUMS_ALG] = { .type = NLA_U32 },
	[HALO_BLK_A_DEV_RESYNC_SAME] = { .type = NLA_U64 },
	[HALO_BLK_A_DEV_IO_ERROR] = { .type = NLA_NUL_STRING },
};

static const char *const on_no_quorum_names[] = {
	[HALO_BLK_ON_NO_QUORUM_OFF] = "off",
	[HALO_BLK_ON_NO_QUORUM_SUSPEND_IO] = "suspend-io",
	[HALO_BLK_ON_NO_QUORUM_IO_ERROR] = "io-error",
};

static const char *const on_io_error_names[] = {
	[HALO_BLK_ON_IO_ERROR_DETACH] = "detach",
	[HALO_BLK_ON_IO_ERROR_PASS_ON] = "pass-on",
};

static const char *const csums_alg_names[] = {
	[HALO_BLK_CSUMS_ALG_NONE] = "none",
	[HALO_BLK_CSUMS_ALG_CRC32C] = "crc32c",
	[HALO_BLK_CSUMS_ALG_SHA256] = "sha256",
};

static struct nla_policy ov_policy[HALO_BLK_A_VERIFY_MAX + 1] = {
	[HALO_BLK_A_VERIFY_STATE] = { .type = NLA_U32 },
	[HALO_BLK_A_VERIFY_ALG] = { .type = NLA_U32 },
	[HALO_BLK_A_VERIFY_POSITION] = { .type = NLA_U64 },
	[HALO_BLK_A_VERIFY_TOTAL] = { .type = NLA_U64 },
	[HALO_BLK_A_VERIFY_OUT_OF_SYNC] = { .type = NLA_U64 },
	[HALO_BLK_A_VERIFY_REASON] = { .type = NLA_STRING },
};

static const char *const verify_alg_names[] = {
	[HALO_BLK_VERIFY_ALG_CRC32C] = "crc32c",
	[HALO_BLK_VERIFY_ALG_SHA256] = "sha256",
};

static const char *const verify_state_names[] = {
	[HALO_BLK_VERIFY_STATE_RUNNING] = "running",
	[HALO_BLK_VERIFY_STATE_DONE] = "done",
	[HALO_BLK_VERIFY_STATE_STOPPED] = "stopped",
};

static struct nla_policy sb_policy[HALO_BLK_A_SPLIT_BRAIN_MAX + 1] = {
	[HALO_BLK_A_SPLIT_BRAIN_PRIMARIES] = { .type = NLA_U32 },
	[HALO_BLK_A_SPLIT_BRAIN_SURVIVOR] = { .type = NLA_U32 },
	[HALO_BLK_A_SPLIT_BRAIN_POLICY] = { .type = NLA_STRING },
	[HALO_BLK_A_SPLIT_BRAIN_LOCAL_CHANGES] = { .type = NLA_U64 },
	[HALO_BLK_A_SPLIT_BRAIN_PEER_CHANGES] = { .type = NLA_U64 },
};

static const char *const after_sb_names[] = {
	[HALO_BLK_AFTER_SB_DISCONNECT] = "disconnect",
	[HALO_BLK_AFTER_SB_DISCARD_YOUNGER_PRIMARY] = "discard-younger-primary",
	[HALO_BLK_AFTER_SB_DISCARD_OLDER_PRIMARY] = "discard-older-primary",
	[HALO_BLK_AFTER_SB_DISCARD_ZERO_CHANGES] = "discard-zero-changes",
	[HALO_BLK_AFTER_SB_DISCARD_LEAST_CHANGES] = "discard-least-changes",
	[HALO_BLK_AFTER_SB_CONSENSUS] = "consensus",
	[HALO_BLK_AFTER_SB_DISCARD_SECONDARY] = "discard-secondary",
};

/* The split-brain nest of a dev-get reply or event; -EINVAL if malformed. */
int print_split_brain(struct nlattr *nest)
{
	struct nlattr *sb[HALO_BLK_A_SPLIT_BRAIN_MAX + 1];
	uint32_t survivor;

	if (nla_parse_nested(sb, HALO_BLK_A_SPLIT_BRAIN_MAX, nest, sb_policy) < 0 ||
	    !sb[HALO_BLK_A_SPLIT_BRAIN_PRIMARIES] || !sb[HALO_BLK_A_SPLIT_BRAIN_SURVIVOR] ||
	    !sb[HALO_BLK_A_SPLIT_BRAIN_POLICY] ||
	    !sb[HALO_BLK_A_SPLIT_BRAIN_LOCAL_CHANGES] ||
	    !sb[HALO_BLK_A_SPLIT_BRAIN_PEER_CHANGES])
		return -EINVAL;
	survivor = nla_get_u32(sb[HALO_BLK_A_SPLIT_BRAIN_SURVIVOR]);
	print_open_object("split-brain");
	print_u64("primaries", "split brain: %" PRIu64 " primaries,",
		  nla_get_u32(sb[HALO_BLK_A_SPLIT_BRAIN_PRIMARIES]));
	print_u64("local-changes", " changed here %" PRIu64,
		  nla_get_u64(sb[HALO_BLK_A_SPLIT_BRAIN_LOCAL_CHANGES]));
	print_u64("peer-changes", " at the peer %" PRIu64 ",",
		  nla_get_u64(sb[HALO_BLK_A_SPLIT_BRAIN_PEER_CHANGES]));
	print_string("policy", " %s:", nla_get_string(sb[HALO_BLK_A_SPLIT_BRAIN_POLICY]));
	print_u64("survivor", survivor ? " kept node %" PRIu64 "'s data" : NULL, survivor);
	if (!survivor)
		print_text(" left StandAlone");
	print_close_object();
	return 0;
}

/*
 * on-io-error, io-errors and the last io-error of a dev-get reply or
 * event; in text only once there was an error (or the policy is not the
 * default).
 */
void print_io_error(struct nlattr **tb)
{
	uint64_t n = tb[HALO_BLK_A_DEV_IO_ERRORS] ?
		     nla_get_u64(tb[HALO_BLK_A_DEV_IO_ERRORS]) : 0;

	if (tb[HALO_BLK_A_DEV_ON_IO_ERROR]) {
		uint32_t v = nla_get_u32(tb[HALO_BLK_A_DEV_ON_IO_ERROR]);

		print_string("on-io-error",
			     n || v != HALO_BLK_ON_IO_ERROR_DETACH ? " on-io-error %s" : NULL,
			     NAME_OF(on_io_error_names, v));
	}
	if (tb[HALO_BLK_A_DEV_IO_ERRORS])
		print_u64("io-errors", n ? " io-errors %" PRIu64 : NULL, n);
	if (tb[HALO_BLK_A_DEV_IO_ERROR])
		print_string("io-error", " io-error \"%s\"",
			     nla_get_string(tb[HALO_BLK_A_DEV_IO_ERROR]));
}

/* The verify nest of a dev-get reply or event; -EINVAL if malformed. */
static int print_verify(struct nlattr *nest)
{
	struct nlattr *ov[HALO_BLK_A_VERIFY_MAX + 1];

	if (nla_parse_nested(ov, HALO_BLK_A_VERIFY_MAX, nest, ov_policy) < 0 ||
	    !ov[HALO_BLK_A_VERIFY_STATE] || !ov[HALO_BLK_A_VERIFY_ALG] ||
	    !ov[HALO_BLK_A_VERIFY_POSITION] || !ov[HALO_BLK_A_VERIFY_TOTAL] ||
	    !ov[HALO_BLK_A_VERIFY_OUT_OF_SYNC])
		return -EINVAL;
	print_open_object("verify");
	print_string("state", "verify %s",
		     NAME_OF(verify_state_names, nla_get_u32(ov[HALO_BLK_A_VERIFY_STATE])));
	print_string("alg", " (%s):",
		     NAME_OF(verify_alg_names, nla_get_u32(ov[HALO_BLK_A_VERIFY_ALG])));
	print_u64("position", " %" PRIu64, nla_get_u64(ov[HALO_BLK_A_VERIFY_POSITION]));
	print_u64("total", " of %" PRIu64 " bytes compared,",
		  nla_get_u64(ov[HALO_BLK_A_VERIFY_TOTAL]));
	print_u64("out-of-sync", " %" PRIu64 " found out of sync",
		  nla_get_u64(ov[HALO_BLK_A_VERIFY_OUT_OF_SYNC]));
	if (ov[HALO_BLK_A_VERIFY_REASON])
		print_string("reason", " (%s)", nla_get_string(ov[HALO_BLK_A_VERIFY_REASON]));
	print_close_object();
	return 0;
}

/*
 * A dev-get reply or a dev event. The JSON keys are the spec's names;
 * "disk" is the disk state (as "peer-disk"), "backing-disk" the path.
 */
static int print_dev(struct nl_msg *msg, bool one_line)
{
	struct nlattr *tb[HALO_BLK_A_DEV_MAX + 1];
	char uuid[33];
	const uint8_t *u;
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HALO_BLK_A_DEV_MAX, dev_policy) < 0 ||
	    !tb[HALO_BLK_A_DEV_NAME]) {
		errorf("malformed reply from the kernel");
		return -EINVAL;
	}
	print_string("name", "%s", nla_get_string(tb[HALO_BLK_A_DEV_NAME]));
	if (tb[HALO_BLK_A_DEV_MINOR])
		print_u64("minor", " /dev/halo%" PRIu64, nla_get_u32(tb[HALO_BLK_A_DEV_MINOR]));
	if (tb[HALO_BLK_A_DEV_ROLE])
		print_string("role", " role:%s",
			     NAME_OF(role_names, nla_get_u32(tb[HALO_BLK_A_DEV_ROLE])));
	if (tb[HALO_BLK_A_DEV_DISK_STATE])
		print_string("disk", " disk:%s",
			     NAME_OF(disk_names, nla_get_u32(tb[HALO_BLK_A_DEV_DISK_STATE])));
	if (tb[HALO_BLK_A_DEV_CONN_STATE])
		print_string("connection", " connection:%s",
			     NAME_OF(conn_names, nla_get_u32(tb[HALO_BLK_A_DEV_CONN_STATE])));
	if (tb[HALO_BLK_A_DEV_PEER])
		print_u64("peer", " peer:%" PRIu64, nla_get_u32(tb[HALO_BLK_A_DEV_PEER]));
	if (tb[HALO_BLK_A_DEV_PORT])
		print_u64("port", " port:%" PRIu64, nla_get_u32(tb[HALO_BLK_A_DEV_PORT]));
	if (tb[HALO_BLK_A_DEV_PROTOCOL])
		print_string("protocol", " protocol:%s",
			     NAME_OF(protocol_names,
				     nla_get_u32(tb[HALO_BLK_A_DEV_PROTOCOL])));
	if (tb[HALO_BLK_A_DEV_PEER])
		print_bool("allow-two-primaries",
			   tb[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES] ?
			   " allow-two-primaries:%s" : NULL,
			   tb[HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES]);
	if (tb[HALO_BLK_A_DEV_PEER_ROLE])
		print_string("peer-role", " peer-role:%s",
			     NAME_OF(role_names, nla_get_u32(tb[HALO_BLK_A_DEV_PEER_ROLE])));
	if (tb[HALO_BLK_A_DEV_PEER_DISK_STATE])
		print_string("peer-disk", " peer-disk:%s",
			     NAME_OF(disk_names,
				     nla_get_u32(tb[HALO_BLK_A_DEV_PEER_DISK_STATE])));
	if (tb[HALO_BLK_A_DEV_OUT_OF_SYNC])
		print_u64("out-of-sync", " out-of-sync:%" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_OUT_OF_SYNC]));
	if (tb[HALO_BLK_A_DEV_UNCONFIRMED])
		print_u64("unconfirmed", " unconfirmed:%" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_UNCONFIRMED]));
	if (tb[HALO_BLK_A_DEV_RESYNC_RATE]) {
		uint64_t rate = nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_RATE]);
		uint64_t left = tb[HALO_BLK_A_DEV_OUT_OF_SYNC] ?
				nla_get_u64(tb[HALO_BLK_A_DEV_OUT_OF_SYNC]) : 0;
		uint64_t total = tb[HALO_BLK_A_DEV_RESYNC_TOTAL] ?
				 nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_TOTAL]) : 0;

		print_u64("resync-rate", NULL, rate);
		if (total)
			print_u64("resync-total", NULL, total);
		if (total)
			print_text(" synced:%.1f%%", left >= total ? 0.0 :
				   100.0 * (double)(total - left) / (double)total);
		print_text(" rate:%.1fMiB/s", (double)rate / 1048576.0);
		if (rate)
			print_text(" eta:%" PRIu64 "s", left / rate);
		print_bool("resync-throttled",
			   tb[HALO_BLK_A_DEV_RESYNC_THROTTLED] ?
			   " (held to resync-min-rate:%s)" : NULL,
			   tb[HALO_BLK_A_DEV_RESYNC_THROTTLED]);
	}
	print_text(one_line ? "" : "\n   ");
	if (tb[HALO_BLK_A_DEV_SIZE])
		print_u64("size", " size %" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_SIZE]));
	if (tb[HALO_BLK_A_DEV_MD_SIZE])
		print_u64("md-size", " md-size %" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_MD_SIZE]));
	if (tb[HALO_BLK_A_DEV_DISK])
		print_string("backing-disk", " disk %s",
			     nla_get_string(tb[HALO_BLK_A_DEV_DISK]));
	if (tb[HALO_BLK_A_DEV_META_DISK])
		print_string("meta-disk", " meta-disk %s",
			     nla_get_string(tb[HALO_BLK_A_DEV_META_DISK]));
	if (tb[HALO_BLK_A_DEV_OPEN_COUNT])
		print_u64("open-count", " open %" PRIu64,
			  nla_get_u32(tb[HALO_BLK_A_DEV_OPEN_COUNT]));
	if (tb[HALO_BLK_A_DEV_RESYNC_MAX_RATE])
		print_u64("resync-max-rate", " resync-max-rate %" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_MAX_RATE]));
	if (tb[HALO_BLK_A_DEV_RESYNC_MIN_RATE])
		print_u64("resync-min-rate", " resync-min-rate %" PRIu64,
			  nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_MIN_RATE]));
	/* in text once there is something to say */
	if (tb[HALO_BLK_A_DEV_RESYNC_SENT]) {
		uint64_t v = nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_SENT]);

		print_u64("resync-sent", v ? " resync-sent %" PRIu64 : NULL, v);
	}
	if (tb[HALO_BLK_A_DEV_RESYNC_RECEIVED]) {
		uint64_t v = nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_RECEIVED]);

		print_u64("resync-received", v ? " resync-received %" PRIu64 : NULL, v);
	}
	if (tb[HALO_BLK_A_DEV_RESYNC_SAME]) {
		uint64_t v = nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_SAME]);

		print_u64("resync-same", v ? " resync-same %" PRIu64 : NULL, v);
	}
	if (tb[HALO_BLK_A_DEV_CSUMS_ALG]) {
		uint32_t v = nla_get_u32(tb[HALO_BLK_A_DEV_CSUMS_ALG]);

		print_string("csums-alg", v ? " csums-alg %s" : NULL,
			     NAME_OF(csums_alg_names, v));
	}
	if (tb[HALO_BLK_A_DEV_CURRENT_GEN]) {
		print_u64("current-gen", NULL, nla_get_u64(tb[HALO_BLK_A_DEV_CURRENT_GEN]));
		print_text(" gen %016" PRIx64, nla_get_u64(tb[HALO_BLK_A_DEV_CURRENT_GEN]));
	}
	for (i = 0; i < 3; i++) {
		static const char *const keys[] = {
			"after-sb-0pri", "after-sb-1pri", "after-sb-2pri",
		};
		struct nlattr *attr = tb[HALO_BLK_A_DEV_AFTER_SB_0PRI + i];
		char fmt[32];

		if (!attr)
			continue;
		snprintf(fmt, sizeof(fmt), " %s %%s", keys[i]);
		print_string(keys[i], fmt, NAME_OF(after_sb_names, nla_get_u32(attr)));
	}
	if (tb[HALO_BLK_A_DEV_ON_NO_QUORUM])
		print_string("on-no-quorum", " on-no-quorum %s",
			     NAME_OF(on_no_quorum_names,
				     nla_get_u32(tb[HALO_BLK_A_DEV_ON_NO_QUORUM])));
	print_bool("quorate", " quorate:%s", tb[HALO_BLK_A_DEV_QUORATE]);
	print_bool("io-suspended", tb[HALO_BLK_A_DEV_IO_SUSPENDED] ? " io-suspended:%s" : NULL,
		   tb[HALO_BLK_A_DEV_IO_SUSPENDED]);
	print_io_error(tb);
	print_bool("discard-my-data",
		   tb[HALO_BLK_A_DEV_DISCARD_MY_DATA] ? " discard-my-data:%s" : NULL,
		   tb[HALO_BLK_A_DEV_DISCARD_MY_DATA]);
	if (tb[HALO_BLK_A_DEV_CONN_ERROR])
		print_string("conn-error", "\n    last connection error: %s",
			     nla_get_string(tb[HALO_BLK_A_DEV_CONN_ERROR]));
	if (tb[HALO_BLK_A_DEV_SPLIT_BRAIN]) {
		print_text("\n    ");
		if (print_split_brain(tb[HALO_BLK_A_DEV_SPLIT_BRAIN])) {
			errorf("malformed reply from the kernel");
			return -EINVAL;
		}
	}
	if (tb[HALO_BLK_A_DEV_VERIFY]) {
		print_text("\n    ");
		if (print_verify(tb[HALO_BLK_A_DEV_VERIFY])) {
			errorf("malformed reply from the kernel");
			return -EINVAL;
		}
	}
	if (tb[HALO_BLK_A_DEV_UUID] && nla_len(tb[HALO_BLK_A_DEV_UUID]) == 16) {
		u = nla_data(tb[HALO_BLK_A_DEV_UUID]);
		for (i = 0; i < 16; i++)
			snprintf(uuid + 2 * i, 3, "%02x", u[i]);
		print_string("uuid", " uuid %s", uuid);
	}
	print_text("\n");
	return 0;
}

int print_dev_msg(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return print_dev(msg, false);
}

int print_dev_line(struct nl_msg *msg)
{
	return print_dev(msg, true);
}

static int show_one(struct nl_msg *msg, void *arg)
{
	int ret;

	print_open_object(NULL);
	ret = print_dev_msg(msg, arg);
	print_close_object();
	return ret;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len >= 1 && len < HALO_BLK_NAME_MAX)
		return true;
	errorf("invalid device name \"%s\" (1 to %d bytes)", name, HALO_BLK_NAME_MAX - 1);
	return false;
}

/* argv[0], the device name of dev @verb; NULL (said why) if missing or bad */
static const char *dev_name_arg(const char *verb, int argc, char **argv)
{
	if (argc < 1) {
		errorf("dev %s needs a device name", verb);
		return NULL;
	}
	return valid_name(argv[0]) ? argv[0] : NULL;
}

/* What a request carries besides the device's name; unset fields are left out. */
struct dev_attrs {
	const char *disk, *meta_disk;
	uint32_t minor, peer, protocol, port;
	uint64_t max_rate, min_rate;
	uint32_t after_sb[3];
	bool has_minor, force, two_primaries, has_max_rate, has_min_rate;
	bool has_after_sb[3], discard_my_data;
	uint32_t verify_alg;	/* 0: none given */
	uint32_t on_no_quorum, on_io_error, csums_alg;
	bool has_on_no_quorum, has_on_io_error, has_csums_alg;
	bool verify_stop;
	bool no_format;		/* create: attach metadata, never format */
};

/*
 * One request naming a device (or none: a dump); @cb prints replies. 0, or
 * the kernel's error (printed unless it is @quiet), or 1 for any other.
 */
static int dev_request_quiet(uint8_t cmd, int flags, const char *name,
			     const struct dev_attrs *a,
			     int (*cb)(struct nl_msg *msg, void *arg), int quiet)
{
	static const struct dev_attrs none;
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	if (!a)
		a = &none;
	if (halo_nl_open(&nl, HALO_BLK_FAMILY_NAME, HALO_BLK_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, cmd, flags);
	if (!msg || (name && nla_put_string(msg, HALO_BLK_A_DEV_NAME, name) < 0) ||
	    (a->has_minor && nla_put_u32(msg, HALO_BLK_A_DEV_MINOR, a->minor) < 0) ||
	    (a->disk && nla_put_string(msg, HALO_BLK_A_DEV_DISK, a->disk) < 0) ||
	    (a->meta_disk && nla_put_string(msg, HALO_BLK_A_DEV_META_DISK, a->meta_disk) < 0) ||
	    (a->peer && nla_put_u32(msg, HALO_BLK_A_DEV_PEER, a->peer) < 0) ||
	    (a->protocol && nla_put_u32(msg, HALO_BLK_A_DEV_PROTOCOL, a->protocol) < 0) ||
	    (a->port && nla_put_u32(msg, HALO_BLK_A_DEV_PORT, a->port) < 0) ||
	    (a->force && nla_put_flag(msg, HALO_BLK_A_DEV_FORCE) < 0) ||
	    (a->two_primaries && nla_put_flag(msg, HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES) < 0) ||
	    (a->has_max_rate &&
	     nla_put_u64(msg, HALO_BLK_A_DEV_RESYNC_MAX_RATE, a->max_rate) < 0) ||
	    (a->has_min_rate &&
	     nla_put_u64(msg, HALO_BLK_A_DEV_RESYNC_MIN_RATE, a->min_rate) < 0) ||
	    (a->has_after_sb[0] &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_AFTER_SB_0PRI, a->after_sb[0]) < 0) ||
	    (a->has_after_sb[1] &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_AFTER_SB_1PRI, a->after_sb[1]) < 0) ||
	    (a->has_after_sb[2] &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_AFTER_SB_2PRI, a->after_sb[2]) < 0) ||
	    (a->discard_my_data && nla_put_flag(msg, HALO_BLK_A_DEV_DISCARD_MY_DATA) < 0) ||
	    (a->verify_alg && nla_put_u32(msg, HALO_BLK_A_DEV_VERIFY_ALG, a->verify_alg) < 0) ||
	    (a->has_on_no_quorum &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_ON_NO_QUORUM, a->on_no_quorum) < 0) ||
	    (a->has_on_io_error &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_ON_IO_ERROR, a->on_io_error) < 0) ||
	    (a->has_csums_alg &&
	     nla_put_u32(msg, HALO_BLK_A_DEV_CSUMS_ALG, a->csums_alg) < 0) ||
	    (a->verify_stop && nla_put_flag(msg, HALO_BLK_A_DEV_VERIFY_STOP) < 0) ||
	    (a->no_format && nla_put_flag(msg, HALO_BLK_A_DEV_NO_FORMAT) < 0)) {
		nlmsg_free(msg);
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	/* one device: its object; every device: {"devices": [...]} */
	if (cb) {
		print_begin(opts.json, opts.pretty);
		if (!name)
			print_open_array("devices");
	}
	ret = halo_nl_request_quiet(&nl, msg, name ? print_dev_msg : cb, NULL, quiet);
	if (cb && !name)
		print_close_array();
	halo_nl_close(&nl);
	if (ret < 0)
		return ret;
	if (cb)
		print_end();
	return 0;
}

static int dev_request(uint8_t cmd, int flags, const char *name,
		       const struct dev_attrs *a,
		       int (*cb)(struct nl_msg *msg, void *arg))
{
	return dev_request_quiet(cmd, flags, name, a, cb, 0) ? 1 : 0;
}

enum { SIG_NONE, SIG_FOUND, SIG_UNREADABLE };

/*
 * What libblkid finds on @path that fresh metadata would destroy: a
 * filesystem, RAID member, LVM PV or partition table ("ext4", "gpt"...)
 * in @type: SIG_FOUND; SIG_NONE if nothing; SIG_UNREADABLE, and why in
 * @type, if it cannot be opened (the kernel may refuse the request first,
 * e.g. without the capabilities); -1 (printed) if it cannot be probed.
 */
static int dev_signature(const char *path, char *type, size_t size)
{
	const char *val = NULL;
	blkid_probe pr;
	int ret;

	pr = blkid_new_probe_from_filename(path);
	if (!pr) {
		snprintf(type, size, "%s", strerror(errno));
		return SIG_UNREADABLE;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	ret = blkid_do_safeprobe(pr);
	if (ret == 0 &&
	    blkid_probe_lookup_value(pr, "TYPE", &val, NULL) &&
	    blkid_probe_lookup_value(pr, "PTTYPE", &val, NULL))
		val = "a signature";
	if (ret == -2)	/* ambiguous: more than one signature */
		val = "more than one signature";
	if (ret == -1) {
		errorf("cannot probe %s for data on it", path);
		blkid_free_probe(pr);
		return -1;
	}
	if (val)
		snprintf(type, size, "%s", val);
	blkid_free_probe(pr);
	return val ? SIG_FOUND : SIG_NONE;
}

static int dev_create(int argc, char **argv)
{
	const char *name = dev_name_arg("create", argc, argv);
	struct dev_attrs a = {};
	const char *held = NULL, *md;
	char type[64] = "";
	int ret, sig = SIG_NONE;

	if (!name)
		return 1;
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		if (matches(argv[0], "force")) {
			a.force = true;
			argc++, argv--;	/* a flag: no value */
			continue;
		}
		if (!matches(argv[0], "minor") && !matches(argv[0], "disk") &&
		    !matches(argv[0], "meta-disk")) {
			errorf("unknown dev create argument \"%s\" (use minor, disk, meta-disk, force)",
			       argv[0]);
			return 1;
		}
		if (argc < 2) {
			errorf("\"%s\" needs a value", argv[0]);
			return 1;
		}
		if (matches(argv[0], "minor")) {
			if (!parse_u32(argv[1], 0, HALO_BLK_MAX_MINOR, &a.minor)) {
				errorf("invalid minor \"%s\" (0 to %d)", argv[1],
				       HALO_BLK_MAX_MINOR);
				return 1;
			}
			a.has_minor = true;
		} else if (matches(argv[0], "disk")) {
			a.disk = argv[1];
		} else {
			a.meta_disk = argv[1];
		}
	}
	if (!a.has_minor || !a.disk) {
		errorf("dev create needs minor N and disk PATH");
		return 1;
	}
	if (strlen(a.disk) >= HALO_BLK_PATH_MAX ||
	    (a.meta_disk && strlen(a.meta_disk) >= HALO_BLK_PATH_MAX)) {
		errorf("device path too long (at most %d bytes)", HALO_BLK_PATH_MAX - 1);
		return 1;
	}
	md = a.meta_disk && strcmp(a.meta_disk, "internal") ? a.meta_disk : NULL;
	/*
	 * A disk that holds a filesystem, RAID, LVM or a partition table is
	 * taken only if halo metadata is on it already (the kernel looks),
	 * never formatted without force: a mistyped path must not lose data.
	 * The kernel refuses non-zero bytes where fresh metadata would go.
	 */
	if (!a.force) {
		held = a.disk;
		sig = dev_signature(held, type, sizeof(type));
		if (sig == SIG_NONE && md) {
			held = md;
			sig = dev_signature(held, type, sizeof(type));
		}
		if (sig < 0)
			return 1;
		a.no_format = sig != SIG_NONE;
	}
	ret = dev_request_quiet(HALO_BLK_CMD_DEV_CREATE, 0, name, &a, NULL,
				a.no_format ? -ENODATA : 0);
	if (a.no_format && ret == -ENODATA) {
		if (sig == SIG_UNREADABLE)
			errorf("%s has no halo metadata and cannot be opened to look for other data on it: %s",
			       held, type);
		else
			errorf("%s holds %s and no halo metadata: dev create %s ... force %s",
			       held, type, name,
			       held == md ? "overwrites its start with halo metadata" :
			       !md ? "overwrites its end with halo metadata" :
			       "takes it (a sync from the peer overwrites it)");
		return 1;
	}
	return ret ? 1 : 0;
}

/* dev destroy|secondary|disconnect NAME, dev primary NAME [force] */
static int dev_named(const char *verb, uint8_t cmd, bool may_force, int argc,
		     char **argv)
{
	const char *name = dev_name_arg(verb, argc, argv);
	struct dev_attrs a = {};

	if (!name)
		return 1;
	if (argc == 2 && may_force && matches(argv[1], "force")) {
		a.force = true;
	} else if (argc > 1) {
		errorf("unknown dev %s argument \"%s\"%s", verb, argv[1],
		       may_force ? " (use force)" : "");
		return 1;
	}
	return dev_request(cmd, 0, name, &a, NULL);
}

/*
 * An OPTION VALUE pair of dev connect and dev set at argv[0]: 1 if it was
 * one (and it was valid), 0 if argv[0] is no option, -1 (said why) if bad.
 */
static int dev_option(int argc, char **argv, struct dev_attrs *a)
{
	static const char *const sb_keys[] = {
		"after-sb-0pri", "after-sb-1pri", "after-sb-2pri",
	};
	int i, hits = 0, which = -1;
	uint32_t v;

	if (matches(argv[0], "csums-alg")) {
		if (argc < 2) {
			errorf("\"csums-alg\" needs a value (none, crc32c or sha256)");
			return -1;
		}
		for (v = 0; v < sizeof(csums_alg_names) / sizeof(csums_alg_names[0]); v++)
			if (!strcmp(argv[1], csums_alg_names[v]))
				break;
		if (v == sizeof(csums_alg_names) / sizeof(csums_alg_names[0])) {
			errorf("invalid csums-alg \"%s\" (use none, crc32c or sha256)", argv[1]);
			return -1;
		}
		a->csums_alg = v;
		a->has_csums_alg = true;
		return 1;
	}
	for (i = 0; i < 3; i++) {
		if (matches(argv[0], sb_keys[i])) {
			hits++;
			which = i;
		}
	}
	if (hits > 1) {
		errorf("\"%s\" is ambiguous (after-sb-0pri, after-sb-1pri or after-sb-2pri)",
		       argv[0]);
		return -1;
	}
	if (hits || matches(argv[0], "resync-max-rate") ||
	    matches(argv[0], "resync-min-rate")) {
		if (argc < 2) {
			errorf("\"%s\" needs a value", argv[0]);
			return -1;
		}
	}
	if (hits) {
		for (v = 0; v < sizeof(after_sb_names) / sizeof(after_sb_names[0]); v++)
			if (!strcmp(argv[1], after_sb_names[v]))
				break;
		/* which policy fits which slot the kernel says (extack) */
		if (v == sizeof(after_sb_names) / sizeof(after_sb_names[0])) {
			errorf("invalid %s \"%s\" (use disconnect, discard-younger-primary, discard-older-primary, discard-zero-changes, discard-least-changes, consensus or discard-secondary)",
			       sb_keys[which], argv[1]);
			return -1;
		}
		a->after_sb[which] = v;
		a->has_after_sb[which] = true;
		return 1;
	}
	if (matches(argv[0], "resync-max-rate") ||
	    matches(argv[0], "resync-min-rate")) {
		bool max = matches(argv[0], "resync-max-rate");

		if (max && matches(argv[0], "resync-min-rate")) {
			errorf("\"%s\" is ambiguous (resync-max-rate or resync-min-rate)",
			       argv[0]);
			return -1;
		}
		if (!parse_rate(argv[1], max ? &a->max_rate : &a->min_rate)) {
			errorf("invalid rate \"%s\" (bytes per second: a whole number, K, M or G after it, e.g. 16M)",
			       argv[1]);
			return -1;
		}
		*(max ? &a->has_max_rate : &a->has_min_rate) = true;
		return 1;
	}
	return 0;
}

#define DEV_OPTIONS "resync-max-rate, resync-min-rate, after-sb-0pri, after-sb-1pri, after-sb-2pri, csums-alg"

static int dev_connect(int argc, char **argv)
{
	const char *name = dev_name_arg("connect", argc, argv);
	struct dev_attrs a = { .protocol = HALO_BLK_PROTOCOL_C };
	int ret;

	if (!name)
		return 1;
	for (argc--, argv++; argc > 0; argc--, argv++) {
		if (matches(argv[0], "allow-two-primaries")) {
			a.two_primaries = true;
			continue;
		}
		if (matches(argv[0], "discard-my-data")) {
			a.discard_my_data = true;
			continue;
		}
		ret = dev_option(argc, argv, &a);
		if (ret < 0)
			return 1;
		if (ret) {
			argc--, argv++;	/* the value */
			continue;
		}
		if (argc < 2) {
			errorf("\"%s\" needs a value", argv[0]);
			return 1;
		}
		if (matches(argv[0], "peer")) {
			if (!parse_u32(argv[1], 1, UINT32_MAX, &a.peer)) {
				errorf("invalid node id \"%s\" (1 to %u)", argv[1],
				       UINT32_MAX);
				return 1;
			}
		} else if (matches(argv[0], "port")) {
			if (!parse_u32(argv[1], 1, 65535, &a.port)) {
				errorf("invalid port \"%s\" (1 to 65535)", argv[1]);
				return 1;
			}
		} else if (matches(argv[0], "protocol")) {
			if (!strcasecmp(argv[1], "A")) {
				a.protocol = HALO_BLK_PROTOCOL_A;
			} else if (!strcasecmp(argv[1], "B")) {
				a.protocol = HALO_BLK_PROTOCOL_B;
			} else if (!strcasecmp(argv[1], "C")) {
				a.protocol = HALO_BLK_PROTOCOL_C;
			} else {
				errorf("invalid protocol \"%s\" (use A, B or C)", argv[1]);
				return 1;
			}
		} else {
			errorf("unknown dev connect argument \"%s\" (use peer, port, protocol, allow-two-primaries, discard-my-data, "
			       DEV_OPTIONS ")", argv[0]);
			return 1;
		}
		argc--, argv++;	/* the value */
	}
	if (!a.peer) {
		errorf("dev connect needs peer NODE-ID");
		return 1;
	}
	return dev_request(HALO_BLK_CMD_DEV_CONNECT, 0, name, &a, NULL);
}

/*
 * A policy OPTION of dev set whose VALUE is one of @names (@n of them,
 * @valid their list for messages): 1 and @v set, -1 on a bad value, 0 if
 * argv[0] is another option.
 */
static int dev_enum_option(int argc, char **argv, const char *option,
			   const char *const *names, uint32_t n, const char *valid,
			   uint32_t *v)
{
	if (!matches(argv[0], option))
		return 0;
	if (argc < 2) {
		errorf("\"%s\" needs a value (%s)", option, valid);
		return -1;
	}
	for (*v = 0; *v < n; (*v)++)
		if (!strcmp(argv[1], names[*v]))
			return 1;
	errorf("invalid %s \"%s\" (use %s)", option, argv[1], valid);
	return -1;
}

#define DEV_SET_OPTIONS DEV_OPTIONS ", on-no-quorum, on-io-error"

static int dev_set(int argc, char **argv)
{
	const char *name = dev_name_arg("set", argc, argv);
	struct dev_attrs a = {};
	int ret;

	if (!name)
		return 1;
	if (argc < 2) {
		errorf("dev set needs OPTION VALUE (" DEV_SET_OPTIONS ")");
		return 1;
	}
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		ret = dev_enum_option(argc, argv, "on-no-quorum", on_no_quorum_names,
				      sizeof(on_no_quorum_names) / sizeof(on_no_quorum_names[0]),
				      "off, suspend-io or io-error", &a.on_no_quorum);
		if (ret > 0)
			a.has_on_no_quorum = true;
		if (!ret) {
			ret = dev_enum_option(argc, argv, "on-io-error", on_io_error_names,
					      sizeof(on_io_error_names) / sizeof(on_io_error_names[0]),
					      "detach or pass-on", &a.on_io_error);
			if (ret > 0)
				a.has_on_io_error = true;
		}
		if (!ret)
			ret = dev_option(argc, argv, &a);
		if (ret < 0)
			return 1;
		if (!ret) {
			errorf("unknown dev set option \"%s\" (use " DEV_SET_OPTIONS ")",
			       argv[0]);
			return 1;
		}
	}
	return dev_request(HALO_BLK_CMD_DEV_SET, 0, name, &a, NULL);
}

/* dev verify NAME [alg crc32c|sha256], dev verify NAME stop */
static int dev_verify(int argc, char **argv)
{
	const char *name = dev_name_arg("verify", argc, argv);
	struct dev_attrs a = {};

	if (!name)
		return 1;
	if (argc == 2 && matches(argv[1], "stop")) {
		a.verify_stop = true;
	} else if (argc == 3 && matches(argv[1], "alg")) {
		if (!strcmp(argv[2], "crc32c")) {
			a.verify_alg = HALO_BLK_VERIFY_ALG_CRC32C;
		} else if (!strcmp(argv[2], "sha256")) {
			a.verify_alg = HALO_BLK_VERIFY_ALG_SHA256;
		} else {
			errorf("invalid verify alg \"%s\" (use crc32c or sha256)", argv[2]);
			return 1;
		}
	} else if (argc == 2 && matches(argv[1], "alg")) {
		errorf("\"alg\" needs a value (crc32c or sha256)");
		return 1;
	} else if (argc > 1) {
		errorf("unknown dev verify argument \"%s\" (use alg crc32c|sha256, or stop)",
		       argv[1]);
		return 1;
	}
	return dev_request(HALO_BLK_CMD_DEV_VERIFY, 0, name, &a, NULL);
}

static int dev_show(int argc, char **argv)
{
	if (argc > 1) {
		errorf("dev show takes at most one device name");
		return 1;
	}
	if (argc == 1 && !valid_name(argv[0]))
		return 1;
	return dev_request(HALO_BLK_CMD_DEV_GET, argc ? 0 : NLM_F_DUMP,
			   argc ? argv[0] : NULL, NULL, show_one);
}

int do_dev(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show"))
		return dev_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "help")) {
		dev_usage(stdout);
		return 0;
	}
	if (matches(argv[0], "create"))
		return dev_create(argc - 1, argv + 1);
	if (matches(argv[0], "destroy"))
		return dev_named("destroy", HALO_BLK_CMD_DEV_DESTROY, false, argc - 1, argv + 1);
	if (matches(argv[0], "primary"))
		return dev_named("primary", HALO_BLK_CMD_DEV_PRIMARY, true, argc - 1, argv + 1);
	if (matches(argv[0], "secondary"))
		return dev_named("secondary", HALO_BLK_CMD_DEV_SECONDARY, false,
				 argc - 1, argv + 1);
	if (matches(argv[0], "connect"))
		return dev_connect(argc - 1, argv + 1);
	if (matches(argv[0], "set"))
		return dev_set(argc - 1, argv + 1);
	if (matches(argv[0], "disconnect"))
		return dev_named("disconnect", HALO_BLK_CMD_DEV_DISCONNECT, false,
				 argc - 1, argv + 1);
	if (matches(argv[0], "verify"))
		return dev_verify(argc - 1, argv + 1);
	errorf("unknown dev command \"%s\" (use create/destroy/primary/secondary/connect/set/disconnect/verify/show, or help)",
	       argv[0]);
	return 1;
}
