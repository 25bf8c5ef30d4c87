// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl cluster: create, destroy and show the namespace's cluster
 * instance. "show" prints what corosync-quorumtool -s prints, and exits
 * with status 2 when the node is not quorate, as corosync-quorumtool does.
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/halo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const flag_names[] = {
	"two-node", "wait-for-all", "last-man-standing", "auto-tie-breaker",
};

/* corosync-quorumtool's spelling of the same flags */
static const char *const flag_text[] = {
	"2Node", "WaitForAll", "LastManStanding", "AutoTieBreaker",
};

static void cluster_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl cluster create NAME node-id ID [port PORT] [interval MS]\n"
		"                      [timeout MS] [key-file FILE] [two-node] [wait-for-all]\n"
		"                      [last-man-standing] [lms-window MS] [auto-tie-breaker]\n"
		"       haloctl cluster destroy\n"
		"       haloctl cluster show\n"
		"       haloctl cluster help\n"
		"\n"
		"create: this network namespace's cluster instance; NAME is 1-64 bytes,\n"
		"  the same on every node. Defaults: port 5405, interval 100 ms,\n"
		"  timeout 400 ms (at least twice the interval), lms-window 10000 ms.\n"
		"  key-file: 16-4096 bytes of shared secret (e.g. from\n"
		"  'head -c 64 /dev/urandom'); without one, datagrams are checked for\n"
		"  integrity but not authenticated.\n"
		"  Quorum options have votequorum's meaning (votequorum(5)).\n"
		"  Then add every node, this one included ('haloctl node help').\n"
		"show: the installed view and quorum, and any problem that keeps the\n"
		"  instance from working as configured; exit status 2 when not quorate.\n");
}

static struct nla_policy fence_policy[HALO_A_FENCE_MAX + 1] = {
	[HALO_A_FENCE_NODE_ID] = { .type = NLA_U32 },
	[HALO_A_FENCE_EPOCH] = { .type = NLA_U64 },
	[HALO_A_FENCE_REASON] = { .type = NLA_STRING },
	[HALO_A_FENCE_STATE] = { .type = NLA_STRING },
};

void print_fence(struct nlattr *nest)
{
	struct nlattr *tb[HALO_A_FENCE_MAX + 1];

	if (nla_parse_nested(tb, HALO_A_FENCE_MAX, nest, fence_policy) < 0 ||
	    !tb[HALO_A_FENCE_NODE_ID] || !tb[HALO_A_FENCE_EPOCH])
		return;
	print_open_object(NULL);
	print_u64("node-id", "node %" PRIu64,
		  nla_get_u32(tb[HALO_A_FENCE_NODE_ID]));
	print_u64("epoch", " epoch %" PRIu64,
		  nla_get_u64(tb[HALO_A_FENCE_EPOCH]));
	if (tb[HALO_A_FENCE_REASON])
		print_string("reason", " (%s)",
			     nla_get_string(tb[HALO_A_FENCE_REASON]));
	if (tb[HALO_A_FENCE_STATE])
		print_string("state", " %s",
			     nla_get_string(tb[HALO_A_FENCE_STATE]));
	print_close_object();
}

static struct nla_policy drops_policy[HALO_A_DROPS_MAX + 1] = {
	[HALO_A_DROPS_SHORT] = { .type = NLA_U64 },
	[HALO_A_DROPS_BAD_HEADER] = { .type = NLA_U64 },
	[HALO_A_DROPS_OTHER_CLUSTER] = { .type = NLA_U64 },
	[HALO_A_DROPS_UNKNOWN_NODE] = { .type = NLA_U64 },
	[HALO_A_DROPS_BAD_MAC] = { .type = NLA_U64 },
	[HALO_A_DROPS_REPLAY] = { .type = NLA_U64 },
	[HALO_A_DROPS_BAD_PAYLOAD] = { .type = NLA_U64 },
};

static void print_drops(struct nlattr *nest)
{
	static const char *const names[HALO_A_DROPS_MAX + 1] = {
		[HALO_A_DROPS_SHORT] = "short",
		[HALO_A_DROPS_BAD_HEADER] = "bad-header",
		[HALO_A_DROPS_OTHER_CLUSTER] = "other-cluster",
		[HALO_A_DROPS_UNKNOWN_NODE] = "unknown-node",
		[HALO_A_DROPS_BAD_MAC] = "bad-mac",
		[HALO_A_DROPS_REPLAY] = "replay",
		[HALO_A_DROPS_BAD_PAYLOAD] = "bad-payload",
	};
	struct nlattr *tb[HALO_A_DROPS_MAX + 1];
	char fmt[64];
	int i;

	if (nla_parse_nested(tb, HALO_A_DROPS_MAX, nest, drops_policy) < 0)
		return;
	print_text("Dropped:          ");
	print_open_object("drops");
	for (i = 1; i <= HALO_A_DROPS_MAX; i++) {
		if (!names[i] || !tb[i])
			continue;
		snprintf(fmt, sizeof(fmt), "%s %%" PRIu64 " ", names[i]);
		print_u64(names[i], fmt, nla_get_u64(tb[i]));
	}
	print_close_object();
	print_text("\n");
}

struct nla_policy cluster_policy[HALO_A_CLUSTER_MAX + 1] = {
	[HALO_A_CLUSTER_NAME] = { .type = NLA_STRING },
	[HALO_A_CLUSTER_NODE_ID] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_PORT] = { .type = NLA_U16 },
	[HALO_A_CLUSTER_INTERVAL] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_TIMEOUT] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_QUORUM_FLAGS] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_LMS_WINDOW] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_AUTHENTICATED] = { .type = NLA_U8 },
	[HALO_A_CLUSTER_EPOCH] = { .type = NLA_U64 },
	[HALO_A_CLUSTER_COORDINATOR] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_MEMBERS] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_QUORATE] = { .type = NLA_U8 },
	[HALO_A_CLUSTER_EXPECTED_VOTES] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_TOTAL_VOTES] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_QUORUM] = { .type = NLA_U32 },
	[HALO_A_CLUSTER_DROPS] = { .type = NLA_NESTED },
	[HALO_A_CLUSTER_FENCE] = { .type = NLA_NESTED },
	[HALO_A_CLUSTER_PROBLEMS] = { .type = NLA_STRING },
};

/*
 * The "problems" of a cluster-get reply, each on a line of its own after
 * @label, or as a "problems" array (empty when all is well, so a script
 * can test its length).
 */
static void print_problems_of(struct nlmsghdr *nlh, const char *label)
{
	struct nlattr *a;
	int rem;

	print_open_array("problems");
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != HALO_A_CLUSTER_PROBLEMS)
			continue;
		print_text("%s", label);
		print_string(NULL, "%s\n", nla_get_string(a));
	}
	print_close_array();
}

static int problems_cb(struct nl_msg *msg, void *arg)
{
	(void)arg;
	print_problems_of(nlmsg_hdr(msg), "problem: ");
	return 0;
}

/*
 * For node show: the cluster's problems, after the nodes. A node table
 * that looks complete to its reader may lack the local node, and that is
 * why nothing works.
 */
int print_cluster_problems(struct halo_nl *nl)
{
	struct nl_msg *msg = halo_nl_msg(nl, HALO_CMD_CLUSTER_GET, 0);

	if (!msg) {
		errorf("out of memory");
		return -ENOMEM;
	}
	return halo_nl_request(nl, msg, problems_cb, NULL);
}

/*
 * Print a cluster-get reply or a view/quorum/fence event (whichever
 * attributes it has). Sets *quorate.
 */
int print_cluster_msg(struct nl_msg *msg, bool *quorate)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[HALO_A_CLUSTER_MAX + 1], *a;
	bool have_flags;
	uint32_t flags;
	int rem;
	size_t i;

	if (genlmsg_parse(nlh, 0, tb, HALO_A_CLUSTER_MAX, cluster_policy) < 0) {
		errorf("malformed reply from the kernel");
		return -EINVAL;
	}
	if (tb[HALO_A_CLUSTER_NAME])
		print_string("name", "Cluster:          %s\n",
			     nla_get_string(tb[HALO_A_CLUSTER_NAME]));
	if (tb[HALO_A_CLUSTER_NODE_ID])
		print_u64("node-id", "Node ID:          %" PRIu64 "\n",
			  nla_get_u32(tb[HALO_A_CLUSTER_NODE_ID]));
	/* a cluster-get reply (events carry no name) */
	if (tb[HALO_A_CLUSTER_NAME])
		print_problems_of(nlh, "Problem:          ");
	if (tb[HALO_A_CLUSTER_EPOCH])
		print_u64("epoch", "Epoch:            %" PRIu64,
			  nla_get_u64(tb[HALO_A_CLUSTER_EPOCH]));
	if (tb[HALO_A_CLUSTER_COORDINATOR])
		print_u64("coordinator", " (coordinator %" PRIu64 ")",
			  nla_get_u32(tb[HALO_A_CLUSTER_COORDINATOR]));
	if (tb[HALO_A_CLUSTER_EPOCH])
		print_text("\n");
	if (tb[HALO_A_CLUSTER_QUORATE]) {
		*quorate = nla_get_u8(tb[HALO_A_CLUSTER_QUORATE]);
		print_text("Quorate:          %s\n", *quorate ? "Yes" : "No");
		print_bool("quorate", NULL, *quorate);
	}
	if (tb[HALO_A_CLUSTER_COORDINATOR]) {
		print_text("Members:         ");
		print_open_array("members");
		nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
				  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)
			if (nla_type(a) == HALO_A_CLUSTER_MEMBERS &&
			    nla_len(a) == sizeof(uint32_t))
				print_u64(NULL, " %" PRIu64, nla_get_u32(a));
		print_close_array();
		print_text("\n");
	}
	if (tb[HALO_A_CLUSTER_EXPECTED_VOTES])
		print_u64("expected-votes", "Expected votes:   %" PRIu64 "\n",
			  nla_get_u32(tb[HALO_A_CLUSTER_EXPECTED_VOTES]));
	if (tb[HALO_A_CLUSTER_TOTAL_VOTES])
		print_u64("total-votes", "Total votes:      %" PRIu64 "\n",
			  nla_get_u32(tb[HALO_A_CLUSTER_TOTAL_VOTES]));
	if (tb[HALO_A_CLUSTER_QUORUM]) {
		print_u64("quorum", "Quorum:           %" PRIu64,
			  nla_get_u32(tb[HALO_A_CLUSTER_QUORUM]));
		print_text("%s\n", *quorate ? "" : " Activity blocked");
	}
	have_flags = tb[HALO_A_CLUSTER_QUORUM_FLAGS];
	flags = have_flags ? nla_get_u32(tb[HALO_A_CLUSTER_QUORUM_FLAGS]) : 0;
	if (have_flags) {
		print_text("Flags:           ");
		if (*quorate)
			print_text(" Quorate");
		print_open_array("quorum-flags");
		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (flags & (1U << i)) {
				print_string(NULL, NULL, flag_names[i]);
				print_text(" %s", flag_text[i]);
			}
		print_close_array();
		print_text("\n");
	}
	if (tb[HALO_A_CLUSTER_LMS_WINDOW] && (flags & HALO_QUORUM_FLAGS_LAST_MAN_STANDING))
		print_u64("lms-window", "LMS window:       %" PRIu64 " ms\n",
			  nla_get_u32(tb[HALO_A_CLUSTER_LMS_WINDOW]));
	else if (tb[HALO_A_CLUSTER_LMS_WINDOW])
		print_u64("lms-window", NULL,
			  nla_get_u32(tb[HALO_A_CLUSTER_LMS_WINDOW]));
	if (tb[HALO_A_CLUSTER_INTERVAL] && tb[HALO_A_CLUSTER_TIMEOUT] &&
	    tb[HALO_A_CLUSTER_PORT]) {
		print_u64("interval", "Timing:           interval %" PRIu64 " ms",
			  nla_get_u32(tb[HALO_A_CLUSTER_INTERVAL]));
		print_u64("timeout", ", timeout %" PRIu64 " ms",
			  nla_get_u32(tb[HALO_A_CLUSTER_TIMEOUT]));
		print_u64("port", ", port %" PRIu64 "\n",
			  nla_get_u16(tb[HALO_A_CLUSTER_PORT]));
	}
	if (tb[HALO_A_CLUSTER_AUTHENTICATED])
		print_bool("authenticated", "Authenticated:    %s\n",
			   nla_get_u8(tb[HALO_A_CLUSTER_AUTHENTICATED]));
	if (tb[HALO_A_CLUSTER_DROPS])
		print_drops(tb[HALO_A_CLUSTER_DROPS]);
	if (tb[HALO_A_CLUSTER_FENCE] || tb[HALO_A_CLUSTER_NAME]) {
		print_open_array("fence");
		nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
				  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
			if (nla_type(a) != HALO_A_CLUSTER_FENCE)
				continue;
			print_text("Fence request:    ");
			print_fence(a);
			print_text("\n");
		}
		print_close_array();
	}
	return 0;
}

static int show_cb(struct nl_msg *msg, void *arg)
{
	return print_cluster_msg(msg, arg);
}

static int cluster_show(int argc, char **argv)
{
	bool quorate = false;
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	(void)argv;
	if (argc > 0) {
		errorf("cluster show takes no arguments");
		return 1;
	}
	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, HALO_CMD_CLUSTER_GET, 0);
	if (!msg) {
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	print_begin(opts.json, opts.pretty);
	ret = halo_nl_request(&nl, msg, show_cb, &quorate);
	halo_nl_close(&nl);
	if (ret < 0)
		return 1;
	print_end();
	return quorate ? 0 : 2;
}

static int read_key(const char *path, uint8_t *key, size_t *len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errorf("cannot open key file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, key, HALO_KEY_FILE_MAX + 1);
	close(fd);
	if (n < 0) {
		errorf("cannot read key file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (n < 16 || n > HALO_KEY_FILE_MAX) {
		errorf("key file \"%s\" has %zd bytes; a key is 16 to 4096 bytes",
		       path, n);
		return -1;
	}
	*len = n;
	return 0;
}

static int cluster_create(int argc, char **argv)
{
	uint32_t node_id = 0, port = 0, interval = 0, timeout = 0, lms = 0;
	uint8_t key[HALO_KEY_FILE_MAX + 1];
	const char *name, *key_file = NULL;
	uint32_t flags = 0;
	size_t key_len = 0, i;
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	if (argc < 1) {
		errorf("cluster create needs a NAME (see 'haloctl cluster help')");
		return 1;
	}
	name = argv[0];
	if (!*name || strlen(name) > 64) {
		errorf("invalid cluster name \"%s\" (1 to 64 bytes)", name);
		return 1;
	}
	for (argc--, argv++; argc > 0; argc--, argv++) {
		const char *word = argv[0];
		bool found = false;

		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
			if (!strcmp(word, flag_names[i])) {
				flags |= 1U << i;
				found = true;
			}
		}
		if (found)
			continue;
		if (argc < 2 && (!strcmp(word, "node-id") || !strcmp(word, "port") ||
				 !strcmp(word, "interval") || !strcmp(word, "timeout") ||
				 !strcmp(word, "key-file") || !strcmp(word, "lms-window"))) {
			errorf("%s needs a value", word);
			return 1;
		}
		if (!strcmp(word, "node-id")) {
			if (!parse_u32(argv[1], 1, UINT32_MAX, &node_id)) {
				errorf("invalid node-id \"%s\" (1 to 4294967295)", argv[1]);
				return 1;
			}
		} else if (!strcmp(word, "port")) {
			if (!parse_u32(argv[1], 1, 65535, &port)) {
				errorf("invalid port \"%s\" (1 to 65535)", argv[1]);
				return 1;
			}
		} else if (!strcmp(word, "interval")) {
			if (!parse_u32(argv[1], 10, 10000, &interval)) {
				errorf("invalid interval \"%s\" (10 to 10000 ms)", argv[1]);
				return 1;
			}
		} else if (!strcmp(word, "timeout")) {
			if (!parse_u32(argv[1], 20, 600000, &timeout)) {
				errorf("invalid timeout \"%s\" (20 to 600000 ms)", argv[1]);
				return 1;
			}
		} else if (!strcmp(word, "lms-window")) {
			if (!parse_u32(argv[1], 100, 3600000, &lms)) {
				errorf("invalid lms-window \"%s\" (100 to 3600000 ms)", argv[1]);
				return 1;
			}
		} else if (!strcmp(word, "key-file")) {
			key_file = argv[1];
		} else {
			errorf("unknown word \"%s\" (use node-id/port/interval/timeout/key-file/lms-window/two-node/wait-for-all/last-man-standing/auto-tie-breaker)",
			       word);
			return 1;
		}
		argc--;
		argv++;
	}
	if (!node_id) {
		errorf("cluster create needs node-id ID");
		return 1;
	}
	if (key_file && read_key(key_file, key, &key_len) < 0)
		return 1;

	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, HALO_CMD_CLUSTER_CREATE, 0);
	if (!msg ||
	    nla_put_string(msg, HALO_A_CLUSTER_NAME, name) < 0 ||
	    nla_put_u32(msg, HALO_A_CLUSTER_NODE_ID, node_id) < 0 ||
	    (port && nla_put_u16(msg, HALO_A_CLUSTER_PORT, port) < 0) ||
	    (interval && nla_put_u32(msg, HALO_A_CLUSTER_INTERVAL, interval) < 0) ||
	    (timeout && nla_put_u32(msg, HALO_A_CLUSTER_TIMEOUT, timeout) < 0) ||
	    (lms && nla_put_u32(msg, HALO_A_CLUSTER_LMS_WINDOW, lms) < 0) ||
	    (flags && nla_put_u32(msg, HALO_A_CLUSTER_QUORUM_FLAGS, flags) < 0) ||
	    (key_len && nla_put(msg, HALO_A_CLUSTER_KEY, key_len, key) < 0)) {
		memset(key, 0, sizeof(key));
		nlmsg_free(msg);
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	memset(key, 0, sizeof(key));
	ret = halo_nl_request(&nl, msg, NULL, NULL);
	halo_nl_close(&nl);
	return ret < 0 ? 1 : 0;
}

static int simple_request(uint8_t cmd)
{
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	if (halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION) < 0)
		return 1;
	msg = halo_nl_msg(&nl, cmd, 0);
	if (!msg) {
		halo_nl_close(&nl);
		errorf("out of memory");
		return 1;
	}
	ret = halo_nl_request(&nl, msg, NULL, NULL);
	halo_nl_close(&nl);
	return ret < 0 ? 1 : 0;
}

int do_cluster(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "show"))
		return cluster_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "create"))
		return cluster_create(argc - 1, argv + 1);
	if (matches(argv[0], "destroy")) {
		if (argc > 1) {
			errorf("cluster destroy takes no arguments");
			return 1;
		}
		return simple_request(HALO_CMD_CLUSTER_DESTROY);
	}
	if (matches(argv[0], "help")) {
		cluster_usage(stdout);
		return 0;
	}
	errorf("unknown command \"%s\" for cluster (use create/destroy/show/help)",
	       argv[0]);
	return 1;
}
