// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl version, haloctl module: the "halo" family's GET.
 */
#include "haloctl.h"
#include "nl.h"
#include "print.h"
#include "../../kernel/halo/version.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/halo.h>
#include <stdio.h>
#include <string.h>

struct status {
	char version[64];
	uint64_t netns_cookie;
	bool have_cookie;
	bool cluster;
};

static struct nla_policy status_policy[HALO_A_STATUS_MAX + 1] = {
	[HALO_A_STATUS_VERSION] = { .type = NLA_STRING },
	[HALO_A_STATUS_NETNS_COOKIE] = { .type = NLA_U64 },
	[HALO_A_STATUS_CLUSTER] = { .type = NLA_U8 },
};

static int parse_status(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HALO_A_STATUS_MAX + 1];
	struct status *st = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HALO_A_STATUS_MAX,
			  status_policy) < 0) {
		errorf("malformed reply from the kernel");
		return -EINVAL;
	}
	if (tb[HALO_A_STATUS_VERSION])
		nla_strlcpy(st->version, tb[HALO_A_STATUS_VERSION],
			    sizeof(st->version));
	if (tb[HALO_A_STATUS_NETNS_COOKIE]) {
		st->netns_cookie = nla_get_u64(tb[HALO_A_STATUS_NETNS_COOKIE]);
		st->have_cookie = true;
	}
	if (tb[HALO_A_STATUS_CLUSTER])
		st->cluster = nla_get_u8(tb[HALO_A_STATUS_CLUSTER]);
	return 0;
}

static int get_status(struct status *st)
{
	struct halo_nl nl;
	struct nl_msg *msg;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = halo_nl_open(&nl, HALO_FAMILY_NAME, HALO_FAMILY_VERSION);
	if (ret < 0)
		return ret;
	msg = halo_nl_msg(&nl, HALO_CMD_GET, 0);
	if (!msg) {
		halo_nl_close(&nl);
		errorf("out of memory");
		return -ENOMEM;
	}
	ret = halo_nl_request(&nl, msg, parse_status, st);
	halo_nl_close(&nl);
	if (!ret && !st->version[0]) {
		errorf("the kernel's reply lacks the module version");
		return -EPROTO;
	}
	return ret;
}

int do_version(int argc, char **argv)
{
	struct status st;

	(void)argv;
	if (argc > 0) {
		errorf("version takes no arguments");
		return 1;
	}
	if (!opts.json)
		printf("haloctl %s\n", HALO_VERSION);
	if (get_status(&st) < 0)
		return 1;
	print_begin(opts.json, opts.pretty);
	print_string("tool-version", "", HALO_VERSION);
	print_string("version", "halo module %s\n", st.version);
	print_end();
	return 0;
}

static void module_usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl module show\n"
		"       haloctl module help\n"
		"\n"
		"show: the loaded halo module's version and, for this network\n"
		"namespace, its cookie and whether it has a cluster instance.\n");
}

int do_module(int argc, char **argv)
{
	struct status st;

	if (argc == 0 || matches(argv[0], "show")) {
		if (argc > 1) {
			errorf("module show takes no arguments");
			return 1;
		}
		if (get_status(&st) < 0)
			return 1;
		print_begin(opts.json, opts.pretty);
		print_string("version", "version: %s\n", st.version);
		if (st.have_cookie)
			print_u64("netns-cookie", "netns-cookie: %" PRIu64 "\n",
				  st.netns_cookie);
		print_bool("cluster", "cluster: %s\n", st.cluster);
		print_end();
		return 0;
	}
	if (matches(argv[0], "help")) {
		module_usage(stdout);
		return 0;
	}
	errorf("unknown command \"%s\" for module (use show/help)", argv[0]);
	return 1;
}
