// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl dev: replicated block devices (the "halo_blk" family).
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/halo_blk.h>
#include <stdio.h>
#include <string.h>

static void dev_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl dev create NAME minor N disk PATH [meta-disk internal|PATH]\n"
		"       haloctl dev destroy NAME\n"
		"       haloctl dev primary NAME [force]\n"
		"       haloctl dev secondary NAME\n"
		"       haloctl dev connect NAME peer NODE-ID [protocol A|B|C] [allow-two-primaries]\n"
		"                           [resync-max-rate RATE] [resync-min-rate RATE]\n"
		"       haloctl dev disconnect NAME\n"
		"       haloctl dev show [NAME]\n"
		"       haloctl dev help\n"
		"\n"
		"create: NAME 1-31 bytes, unique in this network namespace; the device is\n"
		"  /dev/haloN, N 0-%u, unique on the machine. Metadata takes the end of\n"
		"  the backing device (internal, the default) or a device of its own.\n"
		"  Existing halo metadata is checked and used; a device without any gets\n"
		"  fresh metadata and starts Inconsistent. Needs a cluster instance.\n"
		"primary: only an UpToDate disk; force makes this disk's data the newest.\n"
		"secondary: refused while /dev/haloN is held open.\n"
		"destroy: only a secondary.\n"
		"connect: replicate with node NODE-ID of this namespace's cluster (TCP\n"
		"  port %u; the lower node id dials). Protocol C (the default): a write\n"
		"  completes when both disks have it; B: when the peer received it; A:\n"
		"  when it is in the send buffer. Returns at once: dev show tells the\n"
		"  connection state, and conn-error why an attempt failed.\n"
		"  allow-two-primaries (both sides, protocol C): both nodes may be\n"
		"  primary, for cluster filesystems and live migration; writes of\n"
		"  both to the same blocks at once end the same on both disks.\n"
		"  RATE: bytes per second, with K, M or G for KiB, MiB, GiB (16M).\n"
		"  resync-max-rate: a resync from this node never goes faster; 0 (the\n"
		"  default): as fast as the link and the disks go.\n"
		"  resync-min-rate: while /dev/haloN has application I/O, a resync from\n"
		"  this node is held to this rate; default 16M, 0: never held back.\n"
		"disconnect: close the connection or stop trying (StandAlone).\n"
		"show: role, disk state, connection, peer, out-of-sync bytes, size.\n"
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
};

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
	if (tb[HALO_BLK_A_DEV_RESYNC_RATE]) {
		uint64_t rate = nla_get_u64(tb[HALO_BLK_A_DEV_RESYNC_RATE]);
		uint64_t left = tb[HALO_BLK_A_DEV_OUT_OF_SYNC] ?
				nla_get_u64(tb[HALO_BLK_A_DEV_OUT_OF_SYNC]) : 0;
		uint64_t size = tb[HALO_BLK_A_DEV_SIZE] ?
				nla_get_u64(tb[HALO_BLK_A_DEV_SIZE]) : 0;

		print_u64("resync-rate", NULL, rate);
		if (size)
			print_text(" synced:%.1f%%", 100.0 * (double)(size - left) / (double)size);
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
	if (tb[HALO_BLK_A_DEV_CURRENT_GEN]) {
		print_u64("current-gen", NULL, nla_get_u64(tb[HALO_BLK_A_DEV_CURRENT_GEN]));
		print_text(" gen %016" PRIx64, nla_get_u64(tb[HALO_BLK_A_DEV_CURRENT_GEN]));
	}
	if (tb[HALO_BLK_A_DEV_CONN_ERROR])
		print_string("conn-error", "\n    last connection error: %s",
			     nla_get_string(tb[HALO_BLK_A_DEV_CONN_ERROR]));
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
	uint32_t minor, peer, protocol;
	uint64_t max_rate, min_rate;
	bool has_minor, force, two_primaries, has_max_rate, has_min_rate;
};

/* One request naming a device (or none: a dump); @cb prints replies. */
static int dev_request(uint8_t cmd, int flags, const char *name,
		       const struct dev_attrs *a,
		       int (*cb)(struct nl_msg *msg, void *arg))
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
	    (a->force && nla_put_flag(msg, HALO_BLK_A_DEV_FORCE) < 0) ||
	    (a->two_primaries && nla_put_flag(msg, HALO_BLK_A_DEV_ALLOW_TWO_PRIMARIES) < 0) ||
	    (a->has_max_rate &&
	     nla_put_u64(msg, HALO_BLK_A_DEV_RESYNC_MAX_RATE, a->max_rate) < 0) ||
	    (a->has_min_rate &&
	     nla_put_u64(msg, HALO_BLK_A_DEV_RESYNC_MIN_RATE, a->min_rate) < 0)) {
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
	ret = halo_nl_request(&nl, msg, name ? print_dev_msg : cb, NULL);
	if (cb && !name)
		print_close_array();
	halo_nl_close(&nl);
	if (ret < 0)
		return 1;
	if (cb)
		print_end();
	return 0;
}

static int dev_create(int argc, char **argv)
{
	const char *name = dev_name_arg("create", argc, argv);
	struct dev_attrs a = {};

	if (!name)
		return 1;
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
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
		} else if (matches(argv[0], "meta-disk")) {
			a.meta_disk = argv[1];
		} else {
			errorf("unknown dev create argument \"%s\" (use minor, disk, meta-disk)",
			       argv[0]);
			return 1;
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
	return dev_request(HALO_BLK_CMD_DEV_CREATE, 0, name, &a, NULL);
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

static int dev_connect(int argc, char **argv)
{
	const char *name = dev_name_arg("connect", argc, argv);
	struct dev_attrs a = { .protocol = HALO_BLK_PROTOCOL_C };

	if (!name)
		return 1;
	for (argc--, argv++; argc > 0; argc--, argv++) {
		if (matches(argv[0], "allow-two-primaries")) {
			a.two_primaries = true;
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
		} else if (matches(argv[0], "resync-max-rate") ||
			   matches(argv[0], "resync-min-rate")) {
			bool max = matches(argv[0], "resync-max-rate");

			if (max && matches(argv[0], "resync-min-rate")) {
				errorf("\"%s\" is ambiguous (resync-max-rate or resync-min-rate)",
				       argv[0]);
				return 1;
			}
			if (!parse_rate(argv[1], max ? &a.max_rate : &a.min_rate)) {
				errorf("invalid rate \"%s\" (bytes per second: a whole number, K, M or G after it, e.g. 16M)",
				       argv[1]);
				return 1;
			}
			*(max ? &a.has_max_rate : &a.has_min_rate) = true;
		} else {
			errorf("unknown dev connect argument \"%s\" (use peer, protocol, allow-two-primaries, resync-max-rate, resync-min-rate)",
			       argv[0]);
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
	if (matches(argv[0], "disconnect"))
		return dev_named("disconnect", HALO_BLK_CMD_DEV_DISCONNECT, false,
				 argc - 1, argv + 1);
	errorf("unknown dev command \"%s\" (use create/destroy/primary/secondary/connect/disconnect/show, or help)",
	       argv[0]);
	return 1;
}
