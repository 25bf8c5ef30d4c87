/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Generic netlink plumbing shared by haloctl's objects, over libnl-genl-3.
 */
#ifndef HALOCTL_NL_H
#define HALOCTL_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct halo_nl {
	struct nl_sock *sk;
	int family;
	const char *name;
	unsigned int version;
};

/*
 * Connect and resolve @family. On failure prints why (module not loaded,
 * no permission, ...) and returns a negative errno.
 */
int halo_nl_open(struct halo_nl *nl, const char *family, unsigned int version);
/* ... naming @module in the error when the family is missing */
int halo_nl_open_module(struct halo_nl *nl, const char *family, unsigned int version,
			const char *module);
void halo_nl_close(struct halo_nl *nl);

/* A request for @cmd; @flags adds e.g. NLM_F_DUMP. */
struct nl_msg *halo_nl_msg(struct halo_nl *nl, uint8_t cmd, int flags);

/*
 * Send @msg (consumed) and call @cb for every reply message until the
 * kernel's ACK or DONE. A kernel error is printed with its extack message
 * and returned as a negative errno.
 */
int halo_nl_request(struct halo_nl *nl, struct nl_msg *msg,
		    int (*cb)(struct nl_msg *msg, void *arg), void *arg);
/* ... where the kernel's error @quiet is not printed (but returned) */
int halo_nl_request_quiet(struct halo_nl *nl, struct nl_msg *msg,
			  int (*cb)(struct nl_msg *msg, void *arg), void *arg,
			  int quiet);

/* Reply policies of the "halo" family, shared by the objects and monitor. */
extern struct nla_policy cluster_policy[];
extern struct nla_policy node_policy[];
extern struct nla_policy link_policy[];
/* ... and of the "halo_blk" family */
extern struct nla_policy dev_policy[];

#endif /* HALOCTL_NL_H */
